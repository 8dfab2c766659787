package conformance_test

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/partner-security/alertmock/conformance"
	"github.com/partner-security/alertmock/conformance/internal/refserver"
	"github.com/partner-security/alertmock/features"
	"github.com/partner-security/alertmock/mock"
	"github.com/partner-security/alertmock/mock/alert"
)

// TestMain runs up to 8 tests at once unless -parallel says otherwise: the
// broken-server runs spend much of their time waiting (on a socket, or in
// scenarios that let time pass), and 8 of them at once keep two cores busy.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", "8")
	}
	os.Exit(m.Run())
}

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
	s, err := conformance.New(context.Background(), conformance.Config{BaseURL: baseURL, Settle: testSettle})
	if err != nil {
		tb.Fatal(err)
	}
	// Run decides the rules as the command does: documented only when no
	// selected scenario is tagged @assumption.
	res, err := s.Run(context.Background(), conformance.Options{Tags: tags, Format: "progress", Output: &out, Randomize: -1, Concurrency: 8})
	if err != nil {
		return 2, err.Error() // the target does not serve the API (or no scenario is selected)
	}
	if res.OK() {
		return 0, out.String()
	}
	return 1, out.String()
}

// testSettle is how long the broken-server runs wait for a list to show a
// change: long enough for the lagging list of refserver.ListLags, short
// enough that a list that never shows it fails fast.
const testSettle = 1500 * time.Millisecond

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
