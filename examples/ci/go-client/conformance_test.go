package alertclient_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/cucumber/godog"

	"github.com/partner-security/alertmock/conformance"
	"github.com/partner-security/alertmock/mock/mocktest"
)

// succeeds is our wording of a step the suite has too.
const succeeds = `^the request succeeds with status (\d+)$`

// ourSteps are our own steps; they read the scenario's state with
// conformance.StateFrom.
func ourSteps(sc *godog.ScenarioContext) {
	// Ours: the suite's step checks the status; we also want a request-id.
	sc.Step(succeeds, func(ctx context.Context, status int) error {
		st, _ := conformance.StateFrom(ctx)
		last := st.LastResponse()
		if last == nil {
			return fmt.Errorf("no request was sent yet")
		}
		if last.Status != status || last.Header.Get("request-id") == "" {
			return fmt.Errorf("%s %s answered %d (request-id %q); want %d with a request-id", last.Method, last.URL, last.Status, last.Header.Get("request-id"), status)
		}
		return nil
	})
	// Reads the alert under test as our dashboard would, within the
	// scenario's session and as its signed-in caller.
	sc.Step(`^our dashboard shows the alert as "([^"]*)"$`, func(ctx context.Context, want string) error {
		st, _ := conformance.StateFrom(ctx)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, st.BaseURL()+"/security/partner/securityAlerts/"+st.AlertID()+"?$select=status", nil)
		if err != nil {
			return err
		}
		req.Header = st.Header() // X-Mock-Session and Authorization of the scenario
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var a struct{ Status string }
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
			return err
		}
		if a.Status != want {
			return fmt.Errorf("our dashboard would show %q; want %q", a.Status, want)
		}
		return nil
	})
}

// TestOurFeatures runs our feature files with the suite's steps and ours,
// each scenario a subtest. OmitSteps leaves the suite's wording of our
// status step out, so the step text is not ambiguous.
func TestOurFeatures(t *testing.T) {
	srv := mocktest.New(t)
	suite, err := conformance.New(t.Context(), conformance.Config{
		BaseURL:   srv.BaseURL,
		Steps:     ourSteps,
		OmitSteps: []string{succeeds},
	})
	if err != nil {
		t.Fatal(err)
	}
	suite.Test(t, conformance.Options{Features: os.DirFS("features")})
}

// TestOurGodogSuite does the same in our own godog.TestSuite.
func TestOurGodogSuite(t *testing.T) {
	srv := mocktest.New(t)
	suite, err := conformance.New(t.Context(), conformance.Config{BaseURL: srv.BaseURL, OmitSteps: []string{succeeds}})
	if err != nil {
		t.Fatal(err)
	}
	status := godog.TestSuite{
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			suite.InitializeScenario(sc)
			ourSteps(sc)
		},
		Options: &godog.Options{Format: "progress", Output: io.Discard, NoColors: true, Paths: []string{"features"}, Strict: true, TestingT: t},
	}.Run()
	if status != 0 {
		t.Fatalf("godog status = %d; want 0", status)
	}
}

// TestWithoutOmitStepsIsAmbiguous shows why OmitSteps is there: with both
// the suite's step and ours of the same wording, godog refuses the step.
func TestWithoutOmitStepsIsAmbiguous(t *testing.T) {
	srv := mocktest.New(t)
	suite, err := conformance.New(t.Context(), conformance.Config{BaseURL: srv.BaseURL, Steps: ourSteps})
	if err != nil {
		t.Fatal(err)
	}
	res, err := suite.Run(t.Context(), conformance.Options{Features: os.DirFS("features")})
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range res.Scenarios {
		if sc.Outcome != conformance.Failed || !strings.Contains(sc.Err, "ambiguous step definition") {
			t.Errorf("%s: %s %q; want failed as ambiguous", sc.Name, sc.Outcome, sc.Err)
		}
	}
}
