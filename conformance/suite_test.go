package conformance_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cucumber/godog"

	"github.com/partner-security/alertmock/conformance"
	"github.com/partner-security/alertmock/conformance/internal/refserver"
	"github.com/partner-security/alertmock/features"
	"github.com/partner-security/alertmock/mock"
	"github.com/partner-security/alertmock/mock/alert"
)

// serve starts h on a real socket (so headers are what a client sees) and
// returns the base URL of the API on it.
func serve(tb testing.TB, h http.Handler) string {
	tb.Helper()
	ts := httptest.NewServer(h)
	tb.Cleanup(ts.Close)
	return ts.URL + "/beta"
}

// serveMock starts a fresh mock on a real socket and returns its base URL.
func serveMock(tb testing.TB) string {
	tb.Helper()
	// A severity after unknownFutureValue, for evolvable_enums.feature.
	srv, err := mock.New(mock.Config{FutureEnumMembers: alert.Future{alert.EnumSeverity: {"critical"}}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Close() })
	return serve(tb, srv)
}

// newSuite returns a Suite for the base URL with the test server's client.
func newSuite(tb testing.TB, baseURL string) *conformance.Suite {
	tb.Helper()
	s, err := conformance.New(context.Background(), conformance.Config{BaseURL: baseURL})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// runQuietly runs the features selected by the tag expression (every feature
// for "") against baseURL without a testing.T, so that a failing run is an
// outcome to inspect rather than a test failure; it returns godog's exit
// status and the progress output.
func runQuietly(tb testing.TB, baseURL, tags string) (int, string) {
	tb.Helper()
	var out bytes.Buffer
	status := godog.TestSuite{
		Name:                "conformance",
		ScenarioInitializer: newSuite(tb, baseURL).InitializeScenario,
		Options: &godog.Options{
			Format:      "progress",
			Output:      &out,
			FS:          features.FS(),
			Paths:       []string{"."},
			Strict:      true,
			Randomize:   -1,
			Concurrency: 8,
			NoColors:    true,
			Tags:        tags,
		},
	}.Run()
	return status, out.String()
}

// TestReferenceServerPasses runs every feature against the correct reference
// server, each scenario as a subtest: the harness accepts a server that keeps
// the contract.
func TestReferenceServerPasses(t *testing.T) {
	runAsSubtests(t, serve(t, refserver.New(refserver.None)))
}

// runAsSubtests runs every feature against baseURL the way the suite is meant
// to run in CI (strict, random order, concurrency 8), each scenario a subtest,
// and fails t unless every scenario passed.
func runAsSubtests(t *testing.T, baseURL string) {
	t.Helper()
	status := godog.TestSuite{
		Name:                "conformance",
		ScenarioInitializer: newSuite(t, baseURL).InitializeScenario,
		Options: &godog.Options{
			Format:      "progress",
			Output:      &bytes.Buffer{},
			FS:          features.FS(),
			Paths:       []string{"."},
			Strict:      true,
			Randomize:   -1,
			Concurrency: 8,
			TestingT:    t,
		},
	}.Run()
	if status != 0 {
		t.Fatalf("suite status = %d; want 0", status)
	}
}
