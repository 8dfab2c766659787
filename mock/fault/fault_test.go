package fault

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// plainGraphError is an Options.WriteError for tests of the middleware alone: a
// minimal Graph envelope.
func plainGraphError(w http.ResponseWriter, _ *http.Request, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": message}})
}

func TestRuleValidate(t *testing.T) {
	tests := []struct {
		name  string
		rule  Rule
		field string // "" = valid
	}{
		{"429", Rule{Kind: KindStatus, Status: 429}, ""},
		{"500", Rule{Kind: KindStatus, Status: 500}, ""},
		{"503 retry", Rule{Kind: KindStatus, Status: 503, RetryAfter: "2.128"}, ""},
		{"504", Rule{Kind: KindStatus, Status: 504, Latency: Duration(time.Second)}, ""},
		{"latency", Rule{Kind: KindLatency, Latency: Duration(time.Millisecond)}, ""},
		{"drop", Rule{Kind: KindDrop, Method: "PATCH", Path: "/beta/**", Times: 2}, ""},
		{"probability", Rule{Kind: KindDrop, Probability: 0.5, Seed: 7}, ""},
		{"no kind", Rule{}, "kind"},
		{"bad kind", Rule{Kind: "explode"}, "kind"},
		{"404 not declared", Rule{Kind: KindStatus, Status: 404}, "status"},
		{"status on drop", Rule{Kind: KindDrop, Status: 500}, "status"},
		{"retryAfter on 500", Rule{Kind: KindStatus, Status: 500, RetryAfter: "1"}, "retryAfter"},
		{"bad retryAfter", Rule{Kind: KindStatus, Status: 429, RetryAfter: "soon"}, "retryAfter"},
		{"negative retryAfter", Rule{Kind: KindStatus, Status: 429, RetryAfter: "-1"}, "retryAfter"},
		{"latency zero", Rule{Kind: KindLatency}, "latency"},
		{"latency huge", Rule{Kind: KindLatency, Latency: Duration(time.Hour)}, "latency"},
		{"times", Rule{Kind: KindDrop, Times: -1}, "times"},
		{"probability", Rule{Kind: KindDrop, Probability: 1.5}, "probability"},
		{"path", Rule{Kind: KindDrop, Path: "beta/x"}, "path"},
		{"method", Rule{Kind: KindDrop, Method: "GET /x"}, "method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.rule
			err := r.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v; want nil", err)
				}
				return
			}
			var pe *RuleError
			if !errors.As(err, &pe) {
				t.Fatalf("Validate() = %v; want *RuleError", err)
			}
			if pe.Name != tt.field {
				t.Errorf("error names %q (%v); want %q", pe.Name, err, tt.field)
			}
		})
	}
	r := Rule{Kind: KindStatus, Status: 429}
	_ = r.Validate()
	if r.RetryAfter != "1" {
		t.Errorf("429 RetryAfter default = %q; want %q", r.RetryAfter, "1")
	}
}

func TestFaultsAddDeleteClear(t *testing.T) {
	f := NewSet()
	a, err := f.Add(Rule{Kind: KindDrop})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Add(Rule{ID: "mine", Kind: KindDrop}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Add(Rule{ID: "mine", Kind: KindDrop}); err == nil {
		t.Errorf("Add(duplicate id) = nil error; want an error")
	}
	if _, err := f.Add(Rule{ID: "2", Kind: KindDrop}); err != nil {
		t.Fatal(err)
	}
	c, _ := f.Add(Rule{Kind: KindDrop})
	if a.ID != "1" || c.ID != "3" {
		t.Errorf("assigned ids = %q, %q; want \"1\", \"3\" (2 was taken)", a.ID, c.ID)
	}
	if got := len(f.Rules()); got != 4 {
		t.Errorf("len(Rules) = %d; want 4", got)
	}
	if !f.Delete("mine") || f.Delete("mine") {
		t.Errorf("Delete(mine) twice did not report true then false")
	}
	f.Clear()
	if got := len(f.Rules()); got != 0 {
		t.Errorf("len(Rules) after Clear = %d; want 0", got)
	}
}

func TestFaultsPickMatching(t *testing.T) {
	f := NewSet()
	mustAdd := func(r Rule) {
		t.Helper()
		if _, err := f.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	mustAdd(Rule{ID: "patch-s1", Method: "patch", Path: "/beta/security/partner/securityAlerts/*", Session: "s1", Kind: KindStatus, Status: 500, Times: 2})
	mustAdd(Rule{ID: "list", Method: "GET", Path: "/beta/security/partner/securityAlerts", Kind: KindStatus, Status: 503})
	tests := []struct {
		method, path, session, want string
	}{
		{"PATCH", "/beta/security/partner/securityAlerts/a", "s1", "patch-s1"},
		{"PATCH", "/beta/security/partner/securityAlerts/a", "s2", ""},
		{"GET", "/beta/security/partner/securityAlerts/a", "s1", ""},
		{"GET", "/beta/security/partner/securityAlerts", "s2", "list"},
		{"PATCH", "/beta/security/partner/securityAlerts/b", "s1", "patch-s1"},
		{"PATCH", "/beta/security/partner/securityAlerts/c", "s1", ""}, // Times 2 used up
	}
	for i, tt := range tests {
		_, r, ok := f.Pick(tt.method, tt.path, tt.session)
		if got := map[bool]string{true: r.ID, false: ""}[ok]; got != tt.want {
			t.Errorf("%d: pick(%s %s, %s) = %q; want %q", i, tt.method, tt.path, tt.session, got, tt.want)
		}
	}
	if got := f.Rules()[0].Fired; got != 2 {
		t.Errorf("Fired = %d; want 2", got)
	}
}

// TestFaultsPickLatencyAddsUp: latency rules that fire add their waits and
// let later rules decide.
func TestFaultsPickLatencyAddsUp(t *testing.T) {
	f := NewSet()
	for _, r := range []Rule{
		{Kind: KindLatency, Latency: Duration(100 * time.Millisecond)},
		{Session: "slow", Kind: KindLatency, Latency: Duration(time.Second)},
		{Session: "down", Kind: KindStatus, Status: 503, Latency: Duration(10 * time.Millisecond)},
		{Kind: KindDrop, Session: "down"}, // never reached for "down"
	} {
		if _, err := f.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		session string
		wait    time.Duration
		status  int // 0: no deciding rule
	}{
		{"any", 100 * time.Millisecond, 0},
		{"slow", 1100 * time.Millisecond, 0},
		{"down", 110 * time.Millisecond, 503},
	}
	for _, tt := range tests {
		wait, r, ok := f.Pick("GET", "/beta/x", tt.session)
		if wait != tt.wait || ok != (tt.status != 0) || r.Status != tt.status {
			t.Errorf("pick(%s) = %v, status %d, %v; want %v, %d, %v", tt.session, wait, r.Status, ok, tt.wait, tt.status, tt.status != 0)
		}
	}
	if got := f.Rules()[3].Fired; got != 0 {
		t.Errorf("rule after the deciding one fired %d times; want 0", got)
	}
}

// TestFaultsProbabilityRepeatable: the same seed fires on the same matching
// requests in every run; another seed on others; and about the asked share.
func TestFaultsProbabilityRepeatable(t *testing.T) {
	run := func(seed uint64) string {
		f := NewSet()
		if _, err := f.Add(Rule{Kind: KindStatus, Status: 503, Probability: 0.3, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i := 0; i < 200; i++ {
			_, _, ok := f.Pick("GET", "/beta/x", "")
			b.WriteByte(map[bool]byte{true: 'x', false: '.'}[ok])
		}
		return b.String()
	}
	a, b := run(42), run(42)
	if a != b {
		t.Errorf("same seed, different sequences:\n%s\n%s", a, b)
	}
	if c := run(43); c == a {
		t.Errorf("seeds 42 and 43 gave the same sequence %s", a)
	}
	if n := strings.Count(a, "x"); n < 30 || n > 90 {
		t.Errorf("fired on %d of 200 with probability 0.3; want roughly 60", n)
	}
	if d := run(0); d != run(DefaultSeed) {
		t.Errorf("seed 0 does not behave as DefaultSeed")
	}
}

func TestParseRules(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		n     int
		field string
	}{
		{"one", `{"kind":"status","status":429,"retryAfter":"0"}`, 1, ""},
		{"list", `{"value":[{"kind":"drop"},{"kind":"latency","latency":"250ms"}]}`, 2, ""},
		{"empty list", `{"value":[]}`, 0, ""},
		{"not json", `nope`, 0, "body"},
		{"array", `[{"kind":"drop"}]`, 0, "body"},
		{"unknown field", `{"kind":"drop","colour":"red"}`, 0, "colour"},
		{"unknown field in list", `{"value":[{"kind":"drop"},{"kind":"drop","colour":"red"}]}`, 0, "value[1].colour"},
		{"wrong type", `{"value":[{"kind":"status","status":"500"}]}`, 0, "value[0].status"},
		{"bad duration", `{"value":[{"kind":"latency","latency":"soon"}]}`, 0, "value[0].latency"},
		{"extra member", `{"value":[],"other":1}`, 0, "other"},
		{"value not array", `{"value":{}}`, 0, "value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, err := ParseRules([]byte(tt.in))
			if tt.field == "" {
				if err != nil || len(rules) != tt.n {
					t.Fatalf("ParseRules = %d rules, %v; want %d, nil", len(rules), err, tt.n)
				}
				return
			}
			var pe *RuleError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseRules error = %v; want *RuleError", err)
			}
			if pe.Name != tt.field {
				t.Errorf("error names %q (%v); want %q", pe.Name, err, tt.field)
			}
		})
	}
	rules, _ := ParseRules([]byte(`{"kind":"latency","latency":"1.5s"}`))
	if got := time.Duration(rules[0].Latency); got != 1500*time.Millisecond {
		t.Errorf("Latency = %v; want 1.5s", got)
	}
	b, _ := json.Marshal(rules[0])
	if !strings.Contains(string(b), `"latency":"1.5s"`) {
		t.Errorf("marshalled rule %s; want latency as \"1.5s\"", b)
	}
}

// faultServer serves ok behind Middleware over a real socket; sleeps
// records the latencies waited instead of waiting.
func faultServer(t *testing.T, f *Set) (srv *httptest.Server, sleeps *[]time.Duration) {
	t.Helper()
	var mu sync.Mutex
	var waited []time.Duration
	sleep := func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		waited = append(waited, d)
		return nil
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"ok":true}`) })
	h := Middleware(f, Options{Session: func(r *http.Request) string { return r.Header.Get("X-Mock-Session") }, WriteError: plainGraphError, Sleep: sleep})(ok)
	srv = httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, &waited
}

func TestMiddlewareKinds(t *testing.T) {
	f := NewSet()
	for _, r := range []Rule{
		{Path: "/beta/throttled", Kind: KindStatus, Status: 429},
		{Path: "/beta/down", Kind: KindStatus, Status: 503, RetryAfter: "0", Message: "Down for a test."},
		{Path: "/beta/broken", Kind: KindStatus, Status: 500},
		{Path: "/beta/slow-gateway", Kind: KindStatus, Status: 504, Latency: Duration(3 * time.Second)},
		{Path: "/beta/slow", Kind: KindLatency, Latency: Duration(250 * time.Millisecond)},
		{Path: "/beta/drop", Kind: KindDrop},
	} {
		if _, err := f.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	srv, sleeps := faultServer(t, f)
	tests := []struct {
		path       string
		status     int
		code       string
		retryAfter string
		message    string
	}{
		{"/beta/throttled", 429, "TooManyRequests", "1", "Please retry again later."},
		{"/beta/down", 503, "ServiceUnavailable", "0", "Down for a test."},
		{"/beta/broken", 500, "InternalServerError", "", ""},
		{"/beta/slow-gateway", 504, "GatewayTimeout", "", ""},
		{"/beta/slow", 200, "", "", ""},
		{"/beta/untouched", 200, "", "", ""},
		{"/_mock/faults", 200, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := srv.Client().Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d; want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q; want %q", got, tt.retryAfter)
			}
			var env struct {
				Error struct{ Code, Message string }
			}
			_ = json.NewDecoder(resp.Body).Decode(&env)
			if env.Error.Code != tt.code {
				t.Errorf("code = %q; want %q", env.Error.Code, tt.code)
			}
			if tt.message != "" && env.Error.Message != tt.message {
				t.Errorf("message = %q; want %q", env.Error.Message, tt.message)
			}
		})
	}
	if got, want := *sleeps, []time.Duration{3 * time.Second, 250 * time.Millisecond}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("latencies waited = %v; want %v", got, want)
	}
	t.Run("/beta/drop", func(t *testing.T) {
		resp, err := srv.Client().Get(srv.URL + "/beta/drop")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET /beta/drop answered %d; want a broken connection", resp.StatusCode)
		}
	})
}

// TestMiddlewareLatencyHonoursCancel: a client that gives up ends the
// wait (the real sleep, cancelled by the request context).
func TestMiddlewareLatencyHonoursCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepContext(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepContext(cancelled) = %v; want context.Canceled", err)
	}
	if err := sleepContext(context.Background(), time.Nanosecond); err != nil {
		t.Errorf("sleepContext(1ns) = %v; want nil", err)
	}
}

// TestMiddlewareNextN: "times" faults the next N matching requests, then
// the real answers come back.
func TestMiddlewareNextN(t *testing.T) {
	f := NewSet()
	if _, err := f.Add(Rule{Method: "GET", Kind: KindStatus, Status: 503, Times: 2}); err != nil {
		t.Fatal(err)
	}
	srv, _ := faultServer(t, f)
	var got []int
	for i := 0; i < 4; i++ {
		resp, err := srv.Client().Get(srv.URL + "/beta/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	if want := []int{503, 503, 200, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses = %v; want %v", got, want)
	}
}

// TestFaultsAddAllAtomic: a batch with one bad rule adds nothing and names
// the rule's index.
func TestFaultsAddAllAtomic(t *testing.T) {
	f := NewSet()
	if _, err := f.Add(Rule{ID: "x", Kind: KindDrop}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		rules []Rule
		field string
	}{
		{"bad kind", []Rule{{Kind: KindDrop}, {Kind: "boom"}}, "value[1].kind"},
		{"taken id", []Rule{{Kind: KindDrop}, {ID: "x", Kind: KindDrop}}, "value[1].id"},
		{"id twice", []Rule{{ID: "y", Kind: KindDrop}, {ID: "y", Kind: KindDrop}}, "value[1].id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.AddAll(tt.rules)
			var pe *RuleError
			if !errors.As(err, &pe) || pe.Name != tt.field {
				t.Fatalf("AddAll = %v; want a *RuleError naming %q", err, tt.field)
			}
			if got := len(f.Rules()); got != 1 {
				t.Errorf("len(Rules) = %d; want 1 (nothing added)", got)
			}
		})
	}
	added, err := f.AddAll([]Rule{{Kind: KindDrop}, {ID: "1", Kind: KindDrop}})
	if err != nil {
		t.Fatal(err)
	}
	if added[0].ID != "2" || added[1].ID != "1" {
		t.Errorf("ids = %q, %q; want \"2\", \"1\" (1 taken in the same batch)", added[0].ID, added[1].ID)
	}
}

// TestRuleValidateEdges: the limits themselves are valid; the error quotes
// the value as sent.
func TestRuleValidateEdges(t *testing.T) {
	for _, r := range []Rule{
		{Kind: KindLatency, Latency: Duration(MaxLatency)},
		{Kind: KindDrop, Probability: 1},
		{Kind: KindDrop, Probability: 0},
	} {
		if err := r.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v; want nil", r, err)
		}
	}
	r := Rule{Kind: KindDrop, Probability: 1.5}
	if err := r.Validate(); err == nil || !strings.Contains(err.Error(), "'1.5'") {
		t.Errorf("Validate(probability 1.5) = %v; want an error quoting '1.5'", err)
	}
	for _, tt := range []struct {
		n   int
		cut bool
	}{{80, false}, {81, true}} {
		_, err := ParseRules([]byte(strings.Repeat("x", tt.n)))
		if err == nil || strings.Contains(err.Error(), "…") != tt.cut {
			t.Errorf("ParseRules(%d bytes) = %v; want an error quoting it (cut: %v)", tt.n, err, tt.cut)
		}
	}
}

// TestDeleteFirstRule: the first rule (index 0) can be deleted.
func TestDeleteFirstRule(t *testing.T) {
	f := NewSet()
	a, _ := f.Add(Rule{Kind: KindDrop})
	b, _ := f.Add(Rule{Kind: KindDrop})
	if !f.Delete(a.ID) {
		t.Fatalf("Delete(%s) = false; want true", a.ID)
	}
	if got := f.Rules(); len(got) != 1 || got[0].ID != b.ID {
		t.Errorf("Rules = %+v; want only %s", got, b.ID)
	}
}

// TestMiddlewareZeroOptions: without Options every request is in session
// "" and errors are a minimal JSON envelope.
func TestMiddlewareZeroOptions(t *testing.T) {
	f := NewSet()
	if _, err := f.Add(Rule{Session: "x", Kind: KindStatus, Status: 500}); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	Middleware(f, Options{})(http.NotFoundHandler()).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/beta/x", nil))
	if w.Code != http.StatusNotFound {
		t.Fatalf("a rule of session x answered %d; want the handler's 404 (the request is in session \"\")", w.Code)
	}
	if _, err := f.Add(Rule{Session: "", Kind: KindStatus, Status: 503}); err != nil {
		t.Fatal(err)
	}
	w = httptest.NewRecorder()
	Middleware(f, Options{})(http.NotFoundHandler()).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/beta/x", nil))
	var body struct{ Error struct{ Code string } }
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != 503 || body.Error.Code != "ServiceUnavailable" {
		t.Errorf("answer = %d %s (%v); want 503 ServiceUnavailable in JSON", w.Code, w.Body, err)
	}
}

// TestSetEmpty: Empty follows every change of the rules.
func TestSetEmpty(t *testing.T) {
	f := NewSet()
	if !f.Empty() {
		t.Fatal("a new set is not Empty")
	}
	a, err := f.Add(Rule{Kind: KindStatus, Status: 503})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Add(Rule{Kind: KindDrop}); err != nil {
		t.Fatal(err)
	}
	if f.Empty() {
		t.Error("Empty with two rules")
	}
	f.Delete(a.ID)
	if f.Empty() {
		t.Error("Empty with one rule left")
	}
	f.Clear()
	if !f.Empty() {
		t.Error("not Empty after Clear")
	}
}
