package conformance_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"testing"
	"testing/fstest"

	"github.com/cucumber/godog"

	"github.com/partner-security/alertmock/conformance"
	"github.com/partner-security/alertmock/features"
	"github.com/partner-security/alertmock/mock"
)

// startTarget serves a fresh mock on 127.0.0.1 and returns it: the endpoint
// the examples hold to account. A team points the suite at its own.
func startTarget() (*httptest.Server, error) {
	srv, err := mock.New(mock.Config{})
	if err != nil {
		return nil, err
	}
	return httptest.NewServer(srv), nil
}

// ExampleSuite_Run runs the read-only scenarios against an endpoint and looks
// at the outcome of each, the way a team's own tool or CI job would.
func ExampleSuite_Run() {
	ts, err := startTarget() // your endpoint here
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ts.Close()

	suite, err := conformance.New(context.Background(), conformance.Config{
		BaseURL: ts.URL + "/beta",
		Client:  ts.Client(), // any *http.Client: one that trusts your CA, goes through your proxy…
		// Token: os.Getenv("GRAPH_TOKEN"), AlertID: "…" against Microsoft Graph.
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := suite.Run(context.Background(), conformance.Options{
		Tags:        "@live-safe", // the CLI's -tags; Features: os.DirFS("features") for a folder
		Concurrency: 4,
	})
	if err != nil {
		fmt.Println(err) // the target does not serve the API, or no scenario is selected
		return
	}
	for _, sc := range res.Scenarios {
		if sc.Outcome != conformance.Passed {
			fmt.Printf("%s:%d %s: %s at %q: %s\n", sc.Feature, sc.Line, sc.Name, sc.Outcome, sc.Step, sc.Err)
		}
	}
	fmt.Println("all passed:", res.OK())
	// Output: all passed: true
}

// TestOurEndpointConforms is what a team's own go test looks like: every
// scenario selected becomes a subtest of the test
// (go test -run 'TestOurEndpointConforms/Read_an_alert' runs one).
func TestOurEndpointConforms(t *testing.T) {
	ts, err := startTarget() // your endpoint here
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.Close)
	suite, err := conformance.New(t.Context(), conformance.Config{BaseURL: ts.URL + "/beta", Client: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	suite.Test(t, conformance.Options{Tags: "@live-safe,@live-writes", Concurrency: 4})
}

// ourFeatures is a team's own feature file: the suite's steps and one of its own.
var ourFeatures = fstest.MapFS{"dashboard.feature": {Data: []byte(`Feature: Our dashboard shows the alerts the API has
  Scenario: The alert we show can be read
    Given I am signed in with permission to read alerts
    When I read the alert
    Then the request succeeds with status 200
    And our dashboard would show it as "active"
`)}}

// ExampleSuite_InitializeScenario mixes the suite's steps with a team's own
// in the team's own godog.TestSuite.
func ExampleSuite_InitializeScenario() {
	ts, err := startTarget() // your endpoint here
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ts.Close()
	suite, err := conformance.New(context.Background(), conformance.Config{BaseURL: ts.URL + "/beta", Client: ts.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}

	status := godog.TestSuite{
		Name: "dashboard",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			suite.InitializeScenario(sc) // every step of `conformance -list-steps`
			sc.Step(`^our dashboard would show it as "([^"]*)"$`, func(status string) error {
				return nil // the team's own check
			})
		},
		Options: &godog.Options{
			Format: "progress", Output: io.Discard, NoColors: true,
			FS: ourFeatures, Paths: []string{"."}, // or features.FS() for the suite's own features
			Strict: true, Concurrency: 1,
			// TestingT: t, in a go test, makes every scenario a subtest.
		},
	}.Run()
	fmt.Println("exit status:", status)
	// Output: exit status: 0
}

// ExampleCompare runs the same scenarios against two endpoints and writes the
// drift report: how a team learns that its mock has drifted from the live
// service, or one version of a service from another.
func ExampleCompare() {
	a, err := startTarget() // e.g. the mock
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	b, err := startTarget() // e.g. Microsoft Graph, with Config.Token
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	ctx := context.Background()
	sa, err := conformance.New(ctx, conformance.Config{BaseURL: a.URL + "/beta", Client: a.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	sb, err := conformance.New(ctx, conformance.Config{BaseURL: b.URL + "/beta", Client: b.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	drift, err := conformance.Compare(ctx, sa, sb, conformance.Options{Features: features.FS(), Tags: "@live-safe", Concurrency: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	if !drift.Agree() {
		_ = drift.WriteText(os.Stdout) // or WriteMarkdown(summary), WriteJSON(file)
	}
	fmt.Println("agree:", drift.Agree())
	// Output: agree: true
}
