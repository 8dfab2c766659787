package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/partner-security/alertmock/conformance"
	"github.com/partner-security/alertmock/conformance/internal/refserver"
)

// maxMinimalSteps bounds the operations of a minimal scenario: every broken
// server of the table breaks a rule within a few operations.
const maxMinimalSteps = 4

// explore runs an exploration of ops operations with the options and fails
// the test when it cannot run.
func explore(tb testing.TB, cfg conformance.Config, o conformance.ExploreOptions) *conformance.ExploreResult {
	tb.Helper()
	s, err := conformance.New(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := s.Explore(context.Background(), o)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// TestExploreMockPasses is the exploration of the "done when":
// 300 operations of seed 1 against the mock pass, judged by every rule and
// by the documented ones, other alerts updated too; and the documented-only
// exploration passes the correct reference server, which differs from the
// mock in details the documentation leaves open.
func TestExploreMockPasses(t *testing.T) {
	mockURL, refURL := serveMock(t), serve(t, refserver.New(refserver.None))
	ops := 300
	if testing.Short() {
		ops = 100 // under -race -short; cmd/conformance's TestExploreMock runs the 300
	}
	for _, tt := range []struct {
		name, base string
		rules      conformance.RuleSet
		tags       string
		want       conformance.RuleSet
	}{
		{"mock, every rule", mockURL, conformance.RulesAuto, "", conformance.RulesAll},
		{"mock, -tags ~@assumption", mockURL, conformance.RulesAuto, "~@assumption", conformance.RulesDocumented},
		{"reference server, -rules documented", refURL, conformance.RulesDocumented, "", conformance.RulesDocumented},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := explore(t, conformance.Config{BaseURL: tt.base, Rules: tt.rules, Settle: testSettle}, conformance.ExploreOptions{Ops: ops, Seed: 1, Tags: tt.tags, WriteOthers: true})
			if res.Rules != tt.want {
				t.Errorf("rules = %s; want %s", res.Rules, tt.want)
			}
			if !res.OK() {
				var b bytes.Buffer
				_ = res.WriteText(&b)
				t.Fatalf("exploration failed against a correct server:\n%s", b.String())
			}
			if res.Restore == nil || res.Restore.Err != "" || res.Restore.Restored {
				t.Errorf("restore = %v; want the alert under test noted and unchanged (each replay has its own session)", res.Restore)
			}
		})
	}
}

// exploredServers are broken reference servers and the rules by which
// exploration must catch each. The last ones break only where no scenario
// goes (a filter on one member of confidenceLevel; a refused update with a
// reason followed by a resolve without one): every scenario passes them.
var exploredServers = []struct {
	flaw             refserver.Flaw
	rules            []string // the rule the minimal scenario fails by is one of these
	explorationsOnly bool
}{
	{refserver.FilterIgnored, []string{"filter-matches"}, false},
	{refserver.RefusedButStored, []string{"refused-changes-nothing", "read-matches-model", "list-matches-model", "patch-applies-named", "patch-keeps-unnamed", "log-chain"}, false},
	{refserver.PatchChangesAnother, []string{"read-matches-model", "list-matches-model"}, false},
	{refserver.WrongCaseAccepted, []string{"invalid-update-refused"}, false},
	{refserver.NoActivityLog, []string{"log-chain"}, false},
	{refserver.UnknownFutureValueApplied, []string{"patch-applies-named"}, false},
	{refserver.CountIgnoresFilter, []string{"count-consistent"}, false},
	{refserver.PagesOf3DropQuery, []string{"next-link"}, false},
	{refserver.MediumConfidenceIncludesHigh, []string{"filter-matches"}, true},
	{refserver.RefusedReasonLingers, []string{"patch-keeps-unnamed"}, true},
}

// TestExploreFindsBrokenServers explores each broken server with the
// documented rules, seed after seed (at most eight of 300 operations) until
// one fails, and checks the failure: a rule the flaw breaks, a minimal
// scenario of at most maxMinimalSteps operations, which run as a feature
// through Suite.Run against the same server fails by the same rule, and
// passes against the correct reference server (the server is at fault, not
// the scenario). For the flaws only exploration reaches, every scenario of
// the features passes the server.
func TestExploreFindsBrokenServers(t *testing.T) {
	if testing.Short() {
		t.Skip("explores each broken server, and runs the features against two of them")
	}
	good := serve(t, refserver.New(refserver.None))
	for _, tt := range exploredServers {
		t.Run(string(tt.flaw), func(t *testing.T) {
			t.Parallel()
			base := serve(t, refserver.New(tt.flaw))
			var res *conformance.ExploreResult
			for seed := int64(1); seed <= 8 && (res == nil || res.OK()); seed++ {
				res = explore(t, conformance.Config{BaseURL: base, Rules: conformance.RulesDocumented, Settle: testSettle}, conformance.ExploreOptions{Ops: 300, Seed: seed})
			}
			f := res.Failure
			if f != nil {
				t.Logf("seed %d: operation %d failed by %s, shrunk to %d in %d replays", res.Seed, f.At, f.Rule, len(f.Steps), f.Replays)
			}
			if f == nil {
				t.Fatalf("8 explorations of 300 operations passed a server where %s", tt.flaw)
			}
			if !slices.Contains(tt.rules, f.Rule) {
				t.Errorf("seed %d failed by %q (%s); want one of %v", res.Seed, f.Rule, f.Err, tt.rules)
			}
			if len(f.Steps) == 0 || len(f.Steps) > maxMinimalSteps {
				t.Errorf("seed %d: the minimal scenario has %d operations; want 1 to %d:\n%s", res.Seed, len(f.Steps), maxMinimalSteps, f.Scenario)
			}
			if !strings.Contains(f.MinimalErr, "["+f.Rule+", documented]") {
				t.Errorf("the minimal sequence fails with %q; want a finding of %s", f.MinimalErr, f.Rule)
			}
			if got := runScenario(t, base, f.Scenario); got.Outcome != conformance.Failed || !strings.Contains(got.Err, "["+f.Rule+", documented]") {
				t.Errorf("the printed scenario, run as a feature: %s, %q; want failed by [%s, documented]:\n%s", got.Outcome, got.Err, f.Rule, f.Scenario)
			}
			if got := runScenario(t, good, f.Scenario); got.Outcome != conformance.Passed {
				t.Errorf("the printed scenario against the correct reference server: %s, %q; want passed:\n%s", got.Outcome, got.Err, f.Scenario)
			}
			if tt.explorationsOnly {
				if status, out := runQuietly(t, base, ""); status != 0 {
					t.Errorf("the features fail a server where %s (status %d); want it reached by exploration only:\n%s", tt.flaw, status, failures(out))
				}
			}
		})
	}
}

// runScenario runs a feature text through Suite.Run against the base URL,
// as `conformance -features DIR` runs it, and returns its one scenario.
func runScenario(tb testing.TB, base, feature string) conformance.ScenarioResult {
	tb.Helper()
	s := newSuite(tb, base)
	res, err := s.Run(context.Background(), conformance.Options{Features: fstest.MapFS{"explore.feature": {Data: []byte(feature)}}})
	if err != nil {
		tb.Fatalf("run the scenario: %v\n%s", err, feature)
	}
	if len(res.Scenarios) != 1 {
		tb.Fatalf("the feature holds %d scenarios; want 1:\n%s", len(res.Scenarios), feature)
	}
	return res.Scenarios[0]
}

// TestExploreLiveTarget explores a target that keeps one state for every
// request, as Microsoft Graph does (it ignores X-Mock-Session): each replay
// of the shrinking starts from the alert under test put back as the
// exploration found it, so the failure still shrinks, and the alert is put
// back at the end.
func TestExploreLiveTarget(t *testing.T) {
	srv := refserver.New(refserver.UnknownFutureValueApplied)
	// statusNow reads the alert's status from the server itself, with the
	// token of the exploration (the server keeps the state of its tenant).
	var token string
	statusNow := func() string {
		req := httptest.NewRequest(http.MethodGet, "/beta/security/partner/securityAlerts/"+conformance.DocumentedAlertID, nil)
		req.Header.Set("Authorization", token)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		var a struct{ Status string }
		_ = json.Unmarshal(rec.Body.Bytes(), &a)
		return a.Status
	}
	var mu sync.Mutex
	sessions, dirty := map[string]bool{}, 0
	base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get(conformance.SessionHeader); id != "" {
			mu.Lock()
			token = r.Header.Get("Authorization")
			if !sessions[id] {
				sessions[id] = true
				if statusNow() != "active" {
					dirty++ // a sequence starts from a state an earlier one left
				}
			}
			mu.Unlock()
		}
		r.Header.Del(conformance.SessionHeader)
		srv.ServeHTTP(w, r)
	}))
	res := explore(t, conformance.Config{BaseURL: base, Settle: testSettle}, conformance.ExploreOptions{Ops: 300, Seed: 1})
	f := res.Failure
	if f == nil || f.Rule != "patch-applies-named" || len(f.Steps) > maxMinimalSteps || f.Replays < 2 {
		t.Fatalf("failure %+v; want patch-applies-named, shrunk to at most %d operations in replays", f, maxMinimalSteps)
	}
	mu.Lock()
	defer mu.Unlock()
	if dirty > 0 {
		t.Errorf("%d of %d sequences started with the alert under test not active; want each from the state the exploration found", dirty, len(sessions))
	}
	if r := res.Restore; r == nil || r.Err != "" || r.Before.Status != "active" || token == "" || statusNow() != "active" {
		t.Errorf("restore = %v, status now %q; want the alert under test noted active and put back", r, statusNow())
	}
}

// TestExploreScenarioCarriesTheRules checks that the printed scenario judges
// as the exploration did: a failure by an assumed rule, found with every
// rule, is tagged @assumption, so that a run of it uses every rule and fails
// the same way; without the tag the documented-only run would pass it.
func TestExploreScenarioCarriesTheRules(t *testing.T) {
	base := serve(t, refserver.New(refserver.ExtraPropertyInBody))
	res := explore(t, conformance.Config{BaseURL: base, Settle: testSettle}, conformance.ExploreOptions{Ops: 50, Seed: 1})
	f := res.Failure
	if res.Rules != conformance.RulesAll || f == nil || f.Rule != "body-schema-strict" {
		t.Fatalf("rules %s, failure %+v; want every rule, failed by body-schema-strict", res.Rules, f)
	}
	if !strings.Contains(f.Scenario, "@assumption") {
		t.Fatalf("the scenario of an assumed rule is not tagged @assumption:\n%s", f.Scenario)
	}
	if got := runScenario(t, base, f.Scenario); got.Outcome != conformance.Failed || !strings.Contains(got.Err, "[body-schema-strict, assumed]") {
		t.Errorf("the printed scenario: %s, %q; want failed by [body-schema-strict, assumed]", got.Outcome, got.Err)
	}
	untagged := strings.ReplaceAll(f.Scenario, " @assumption", "")
	if got := runScenario(t, base, untagged); got.Outcome != conformance.Passed {
		t.Errorf("the scenario without @assumption: %s, %q; want passed (judged by the documented rules only)", got.Outcome, got.Err)
	}
	documented := explore(t, conformance.Config{BaseURL: base, Settle: testSettle}, conformance.ExploreOptions{Ops: 50, Seed: 1, Tags: "~@assumption"})
	if !documented.OK() || documented.Rules != conformance.RulesDocumented {
		t.Errorf("with -tags ~@assumption: rules %s, failure %+v; want documented rules, passed", documented.Rules, documented.Failure)
	}
}

// TestExploreIsDeterministic checks that a seed sends the same operations
// against the same target state, and that another seed sends others.
func TestExploreIsDeterministic(t *testing.T) {
	base := serve(t, refserver.New(refserver.NoActivityLog))
	run := func(seed int64) *conformance.ExploreFailure {
		res := explore(t, conformance.Config{BaseURL: base, Settle: testSettle}, conformance.ExploreOptions{Ops: 300, Seed: seed})
		if res.Failure == nil {
			t.Fatalf("seed %d passed a server whose status changes add no entry", seed)
		}
		return res.Failure
	}
	a, b, c := run(2), run(2), run(3)
	if a.At != b.At || a.Step != b.Step || !slices.Equal(a.Steps, b.Steps) {
		t.Errorf("seed 2 twice: operation %d %q shrunk to %q, then operation %d %q shrunk to %q; want the same", a.At, a.Step, a.Steps, b.At, b.Step, b.Steps)
	}
	if a.At == c.At && a.Step == c.Step {
		t.Errorf("seeds 2 and 3 both failed at operation %d, %q; want other operations", a.At, a.Step)
	}
}

// TestExploreJUnit checks the JUnit report of an exploration: one test case,
// whose failure carries the minimal scenario.
func TestExploreJUnit(t *testing.T) {
	res := explore(t, conformance.Config{BaseURL: serve(t, refserver.New(refserver.FilterIgnored)), Settle: testSettle}, conformance.ExploreOptions{Ops: 100, Seed: 1})
	var b bytes.Buffer
	if err := res.WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if doc.Tests != 1 || doc.Failures != 1 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 1 {
		t.Fatalf("tests %d, failures %d, %d suites; want one failed test case:\n%s", doc.Tests, doc.Failures, len(doc.Suites), b.String())
	}
	c := doc.Suites[0].Cases[0]
	if c.Name != "100 operations, seed 1" || c.Failure == nil || !strings.Contains(c.Failure.Text, "Feature: Exploration") || !strings.Contains(c.Failure.Message, "[filter-matches, documented]") {
		t.Errorf("test case %q, failure %+v; want the operations and seed, the rule and the minimal scenario", c.Name, c.Failure)
	}
	passed := explore(t, conformance.Config{BaseURL: serve(t, refserver.New(refserver.None)), Settle: testSettle}, conformance.ExploreOptions{Ops: 20, Seed: 1})
	b.Reset()
	if err := passed.WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `tests="1" failures="0"`) {
		t.Errorf("the report of a passed exploration:\n%s\nwant one test, no failure", b.String())
	}
}

// TestExploreErrors checks the errors that stop an exploration before it
// runs: bad options, tags no scenario has, a target that does not serve the
// API, and a step of the exploration that the suite omits.
func TestExploreErrors(t *testing.T) {
	base := serveMock(t)
	for _, tt := range []struct {
		name string
		cfg  conformance.Config
		o    conformance.ExploreOptions
		want string
	}{
		{"negative operations", conformance.Config{BaseURL: base}, conformance.ExploreOptions{Ops: -1}, "want 0 or more"},
		{"an unknown tag", conformance.Config{BaseURL: base}, conformance.ExploreOptions{Tags: "~@asumption"}, "did you mean @assumption"},
		{"no API", conformance.Config{BaseURL: serve(t, http.NotFoundHandler())}, conformance.ExploreOptions{}, "does not serve the partner security alerts API"},
		{"an omitted step", conformance.Config{BaseURL: base, OmitSteps: []string{`^I read the alert$`}}, conformance.ExploreOptions{Ops: 50}, `the step "I read the alert" matches 0 step patterns`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := conformance.New(context.Background(), tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Explore(context.Background(), tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v; want one containing %q", err, tt.want)
			}
		})
	}
}
