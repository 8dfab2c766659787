package conformance_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/partner-security/alertmock/conformance"
	"github.com/partner-security/alertmock/conformance/internal/refserver"
)

// TestCompareTwoMocks compares every scenario between two mocks: they agree.
func TestCompareTwoMocks(t *testing.T) {
	d, err := conformance.Compare(t.Context(), newSuite(t, serveMock(t)), newSuite(t, serveMock(t)), conformance.Options{Concurrency: 8, Randomize: -1})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Agree() {
		var buf bytes.Buffer
		_ = d.WriteText(&buf)
		t.Fatalf("two mocks disagree on %d scenarios:\n%s", d.Differing(), buf.String())
	}
	if d.A.Failed != 0 || d.A.Passed != len(d.Scenarios) || d.B.Passed != len(d.Scenarios) {
		t.Errorf("tallies A %+v, B %+v; want every one of the %d scenarios passed on both", d.A, d.B, len(d.Scenarios))
	}
}

// TestCompareMockWithReferenceServer compares the mock with the reference
// server on features where they part ways on an assumption (the wording of an
// error): the report names that scenario, and only that one, with the
// difference in the answers.
func TestCompareMockWithReferenceServer(t *testing.T) {
	mockBase, refBase := serveMock(t), serve(t, refserver.New(refserver.None))
	d, err := conformance.Compare(t.Context(), newSuite(t, mockBase), newSuite(t, refBase), conformance.Options{Features: os.DirFS("testdata/drift"), Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	const want = "The refusal of an unknown property says which names to use"
	if d.Agree() || d.Differing() != 1 {
		t.Fatalf("Agree() = %v, Differing() = %d; want false, 1", d.Agree(), d.Differing())
	}
	for _, sc := range d.Scenarios {
		if sc.Same != (sc.Name != want) {
			t.Errorf("scenario %q: Same = %v", sc.Name, sc.Same)
		}
		if sc.Name == want {
			if sc.A.Outcome != conformance.Passed || sc.B.Outcome != conformance.Failed || sc.Difference == nil {
				t.Errorf("%q: A %s, B %s, difference %v; want passed, failed and a difference in the answers", want, sc.A.Outcome, sc.B.Outcome, sc.Difference)
			}
			if strings.Contains(sc.B.Error, refBase) {
				t.Errorf("B's error %q holds B's base URL", sc.B.Error)
			}
		}
	}
	var text bytes.Buffer
	if err := d.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "DIFFERS drift.feature:24  "+want) {
		t.Errorf("the text report does not name the scenario that differs:\n%s", text.String())
	}
}

// TestMockAndReferenceServerAgreeOnDocumentedBehaviour compares every
// scenario between the mock and the reference server: both keep the
// documented contract, so they may differ only on @assumption and @mock-only
// scenarios.
func TestMockAndReferenceServerAgreeOnDocumentedBehaviour(t *testing.T) {
	d, err := conformance.Compare(t.Context(), newSuite(t, serveMock(t)), newSuite(t, serve(t, refserver.New(refserver.None))), conformance.Options{Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range d.Scenarios {
		if !sc.Same && !slices.Contains(sc.Tags, "@assumption") && !slices.Contains(sc.Tags, "@mock-only") {
			t.Errorf("%s:%d %s (%v): A %s, B %s %s; a documented scenario differs", sc.Feature, sc.Line, sc.Name, sc.Tags, sc.A.Outcome, sc.B.Outcome, sc.B.Error)
		}
	}
}

// TestRunRecordsEachScenario runs a feature of an outline and a plain
// scenario and checks the results: file order, lines of the outline's rows,
// outcomes, failing step and the recorded exchanges.
func TestRunRecordsEachScenario(t *testing.T) {
	feats := fstest.MapFS{"f.feature": {Data: []byte(`Feature: F
  Background:
    Given I am signed in with permission to read alerts

  Scenario: Read
    When I read the alert
    Then the request succeeds with status 200

  Scenario Outline: Read <id>
    When I read the alert with the id "<id>"
    Then the request succeeds with status 200

    Examples:
      | id   |
      | nope |
      | ` + conformance.DocumentedAlertID + ` |
`)}}
	res, err := newSuite(t, serveMock(t)).Run(t.Context(), conformance.Options{Features: feats, Concurrency: 3, Randomize: -1})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		line    int
		outcome conformance.Outcome
		status  int
	}
	want := []row{{5, conformance.Passed, 200}, {15, conformance.Failed, 404}, {16, conformance.Passed, 200}}
	if len(res.Scenarios) != len(want) {
		t.Fatalf("%d scenarios; want %d", len(res.Scenarios), len(want))
	}
	for i, w := range want {
		sc := res.Scenarios[i]
		if len(sc.Exchanges) != 1 {
			t.Errorf("scenario %d %q: %d exchanges; want 1", i, sc.Name, len(sc.Exchanges))
			continue
		}
		if sc.Feature != "f.feature" || sc.Line != w.line || sc.Outcome != w.outcome || sc.Exchanges[0].Status != w.status {
			t.Errorf("scenario %d = %s:%d %s, status %d; want f.feature:%d %s, status %d", i, sc.Feature, sc.Line, sc.Outcome, sc.Exchanges[0].Status, w.line, w.outcome, w.status)
		}
		if len(sc.Exchanges[0].Body) == 0 || sc.Exchanges[0].Header.Get("Content-Type") == "" {
			t.Errorf("scenario %d: exchange recorded without its body or header", i)
		}
	}
	if sc := res.Scenarios[1]; sc.Step != "the request succeeds with status 200" || !strings.Contains(sc.Err, "404") {
		t.Errorf("failed scenario: step %q, error %q; want the status step and its error", sc.Step, sc.Err)
	}
	if p, f := res.Counts(); p != 2 || f != 1 || res.OK() {
		t.Errorf("Counts() = %d, %d, OK() = %v; want 2, 1, false", p, f, res.OK())
	}
}

// TestNoScenarioSelected checks that a selection of no scenario is an error,
// not a green run.
func TestNoScenarioSelected(t *testing.T) {
	suite := newSuite(t, serveMock(t))
	tests := []struct {
		name  string
		opts  conformance.Options
		wants []string
	}{
		{"tags no scenario has together", conformance.Options{Tags: "@live-safe && @mock-only"}, []string{`the tags "@live-safe && @mock-only" match none of the`, "no scenario has this combination"}},
		{"empty folder", conformance.Options{Features: fstest.MapFS{}}, []string{"the features hold no scenario"}},
		{"a folder without features", conformance.Options{Features: fstest.MapFS{"README.md": {Data: []byte("# hi")}}}, []string{"the features hold no scenario"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := suite.Run(t.Context(), tt.opts)
			if !errors.Is(err, conformance.ErrNoScenario) || res != nil {
				t.Fatalf("Run = %v, %v; want ErrNoScenario", res, err)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			_, err = conformance.Compare(t.Context(), suite, suite, tt.opts)
			if !errors.Is(err, conformance.ErrNoScenario) {
				t.Errorf("Compare error = %v; want ErrNoScenario", err)
			}
		})
	}
}

// TestTargetThatDoesNotServeTheAPI checks that Run probes the target first and
// names the likely fix, and that answers of the API pass the probe.
func TestTargetThatDoesNotServeTheAPI(t *testing.T) {
	root := strings.TrimSuffix(serveMock(t), "/beta")
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>sign in</html>"))
	}))
	t.Cleanup(html.Close)
	redirect := httptest.NewServer(http.RedirectHandler("https://login.example/", http.StatusFound))
	t.Cleanup(redirect.Close)
	tests := []struct {
		name, base, fix string
	}{
		{"root without /beta", root, "try " + root + "/beta"},
		{"v1.0", root + "/v1.0", "the API exists only in beta: try " + root + "/beta"},
		{"below /beta", root + "/beta/security", "try " + root + "/beta"},
		{"an HTML page", html.URL + "/beta", "check that " + html.URL + "/beta is the API's base URL"},
		{"a redirect", redirect.URL + "/beta", "it redirects to https://login.example/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newSuite(t, tt.base).Run(t.Context(), conformance.Options{Tags: "@live-safe"})
			var te *conformance.TargetError
			if !errors.As(err, &te) {
				t.Fatalf("Run error = %v; want a *TargetError", err)
			}
			if !strings.Contains(te.Fix(), tt.fix) || !strings.Contains(err.Error(), tt.fix) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %q; want one line with the fix %q", err, tt.fix)
			}
		})
	}
}

// TestProbeAcceptsAPIAnswers checks that a target answering the probe with
// 429 or 5xx in the Graph envelope (as Graph does when throttling) is taken to
// serve the API, and that 401 and 403 in the envelope are an *AuthError: the
// API is there, but every scenario would fail on the credentials.
func TestProbeAcceptsAPIAnswers(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"error":{"code":"Whatever","message":"m"}}`))
		}))
		err := newSuite(t, ts.URL+"/beta").Ping(context.Background())
		var ae *conformance.AuthError
		switch status {
		case http.StatusUnauthorized, http.StatusForbidden:
			if !errors.As(err, &ae) || ae.Status != status || ae.Code != "Whatever" || ae.Message != "m" || !ae.Minted {
				t.Errorf("status %d in the Graph envelope: Ping = %#v; want an *AuthError with the status, code and message of a minted token", status, err)
			}
		default:
			if err != nil {
				t.Errorf("status %d in the Graph envelope: Ping = %v; want nil", status, err)
			}
		}
		ts.Close()
	}
}

// TestTagExpressions checks the tag expressions Run, Compare and Select
// accept and refuse: godog's syntax, and only tags the features have, negated
// or not (known tags come from the features, so a team's own tags work).
func TestTagExpressions(t *testing.T) {
	own := fstest.MapFS{"own.feature": {Data: []byte("Feature: f\n  @team-only @live-safe\n  Scenario: s\n    When I read the alert\n\n  Scenario: t\n    When I read the alert\n")}}
	has := func(tags []string, t string) bool { return slices.Contains(tags, t) }
	tests := []struct {
		name     string
		features fstest.MapFS
		tags     string
		each     func(tags []string) bool // holds for every selected scenario, when accepted
		problem  string                   // in the *TagError, when refused
	}{
		{"every scenario", nil, "", func([]string) bool { return true }, ""},
		{"and, not", nil, "@live-safe && ~@assumption", func(tg []string) bool { return has(tg, "@live-safe") && !has(tg, "@assumption") }, ""},
		{"without @", nil, "live-safe && ~assumption", func(tg []string) bool { return has(tg, "@live-safe") && !has(tg, "@assumption") }, ""},
		{"or", nil, "@live-safe,@live-writes", func(tg []string) bool { return has(tg, "@live-safe") || has(tg, "@live-writes") }, ""},
		{"a team's own tag", own, "@team-only", func(tg []string) bool { return has(tg, "@team-only") }, ""},
		{"a team's own tag negated", own, "~@team-only", func(tg []string) bool { return !has(tg, "@team-only") }, ""},
		{"a typo, negated", nil, "~@mock-only && ~@asumption", nil, "no scenario has the tag @asumption; did you mean @assumption?"},
		{"a tag of other features", own, "@mock-only", nil, "no scenario has the tag @mock-only (the features use @live-safe @team-only)"},
		{"a word for not", nil, "not @mock-only", nil, "write ~ for not"},
		{"! for not", nil, "!@mock-only", nil, "write ~ for not"},
		{"parentheses", nil, "(@live-safe", nil, "parentheses"},
		{"an empty term", nil, "@live-safe && ", nil, "an empty term"},
		{"a lone ~", nil, "~", nil, `"~" is not a tag`},
		{"two tags unjoined", nil, "@live-safe @documented", nil, "is not one tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := conformance.Options{Tags: tt.tags}
			if tt.features != nil {
				o.Features = tt.features
			}
			got, err := conformance.Select(o)
			if tt.problem != "" {
				var te *conformance.TagError
				if !errors.As(err, &te) || !errors.Is(err, conformance.ErrTags) || !strings.Contains(te.Problem, tt.problem) {
					t.Fatalf("Select(%q) = %d scenarios, %v; want a *TagError saying %q", tt.tags, len(got), err, tt.problem)
				}
				if _, err := newSuite(t, "http://127.0.0.1:1/beta").Run(t.Context(), o); !errors.Is(err, conformance.ErrTags) {
					t.Errorf("Run error = %v; want ErrTags before the probe", err)
				}
				return
			}
			if err != nil || len(got) == 0 {
				t.Fatalf("Select(%q) = %d scenarios, %v; want some", tt.tags, len(got), err)
			}
			all, _ := conformance.Select(conformance.Options{Features: o.Features})
			want := 0
			for _, sc := range all {
				if tt.each(sc.Tags) {
					want++
				}
			}
			if len(got) != want {
				t.Errorf("Select(%q) = %d scenarios; %d of all %d have those tags", tt.tags, len(got), want, len(all))
			}
			for _, sc := range got {
				if !tt.each(sc.Tags) {
					t.Errorf("scenario %s:%d has tags %v; not selected by %q", sc.Feature, sc.Line, sc.Tags, tt.tags)
				}
				if sc.Feature == "" || sc.Line == 0 || sc.Name == "" {
					t.Errorf("scenario %+v: want its feature, line and name", sc)
				}
			}
		})
	}
}
