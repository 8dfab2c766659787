package conformance_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"

	"github.com/cucumber/godog"

	"github.com/partner-security/alertmock/conformance"
	"github.com/partner-security/alertmock/conformance/internal/refserver"
	"github.com/partner-security/alertmock/features"
)

// Example runs the read-only scenarios against a server, the way a team's own
// test or CI job would run them against its endpoint.
func Example() {
	ts := httptest.NewServer(refserver.New(refserver.None)) // your endpoint here
	defer ts.Close()

	suite, err := conformance.New(context.Background(), conformance.Config{
		BaseURL: ts.URL + "/beta",
		// Token: os.Getenv("GRAPH_TOKEN"), AlertID: "…" against Microsoft Graph.
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	status := godog.TestSuite{
		Name:                "conformance",
		ScenarioInitializer: suite.InitializeScenario,
		Options: &godog.Options{
			Format: "progress", Output: io.Discard, FS: features.FS(), Paths: []string{"."},
			Tags: "@live-safe", Strict: true, Concurrency: 1,
		},
	}.Run()
	fmt.Println("exit status:", status)
	// Output: exit status: 0
}
