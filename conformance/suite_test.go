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

	"github.com/partner-security/alertmock/conformance"
	"github.com/partner-security/alertmock/conformance/internal/refserver"
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
	ts := httptest.NewUnstartedServer(h)
	if ref, ok := h.(*refserver.Server); ok { // header names as sent (HeaderNamesCaseSensitive)
		ts.Listener, ts.Config.ConnContext = ref.Listen(ts.Listener), ref.ConnContext
	}
	ts.Start()
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
// for "") against baseURL the way the command does (Suite.Run: strict, random
// order, concurrency 8, request variants by their default schedule), so that
// a failing run is an outcome to inspect rather than a test failure; it
// returns 0 when every scenario passed, 1 otherwise, and the progress output
// (or 2 and the error when the target does not serve the API).
func runQuietly(tb testing.TB, baseURL, tags string) (int, string) {
	tb.Helper()
	return runConfigured(tb, conformance.Config{BaseURL: baseURL, Settle: testSettle}, tags)
}

// runConfigured is runQuietly with a configuration of its own.
func runConfigured(tb testing.TB, cfg conformance.Config, tags string) (int, string) {
	tb.Helper()
	s, err := conformance.New(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
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
// to run in CI (Suite.Test: strict, random order, concurrency 8, request
// variants by their default schedule), each scenario a subtest, and fails t
// unless every scenario passed.
func runAsSubtests(t *testing.T, baseURL string) {
	t.Helper()
	newSuite(t, baseURL).Test(t, conformance.Options{Concurrency: 8, Randomize: -1})
}
