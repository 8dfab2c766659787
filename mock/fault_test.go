package mock

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

// plainGraphError is a graphErrorFunc for tests of the middleware alone: a
// minimal Graph envelope.
func plainGraphError(w http.ResponseWriter, _ *http.Request, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": message}})
}

func TestFaultRuleValidate(t *testing.T) {
	tests := []struct {
		name  string
		rule  FaultRule
		field string // "" = valid
	}{
		{"429", FaultRule{Kind: FaultStatus, Status: 429}, ""},
		{"500", FaultRule{Kind: FaultStatus, Status: 500}, ""},
		{"503 retry", FaultRule{Kind: FaultStatus, Status: 503, RetryAfter: "2.128"}, ""},
		{"504", FaultRule{Kind: FaultStatus, Status: 504, Latency: Duration(time.Second)}, ""},
		{"latency", FaultRule{Kind: FaultLatency, Latency: Duration(time.Millisecond)}, ""},
		{"drop", FaultRule{Kind: FaultDrop, Method: "PATCH", Path: "/beta/**", Times: 2}, ""},
		{"probability", FaultRule{Kind: FaultDrop, Probability: 0.5, Seed: 7}, ""},
		{"no kind", FaultRule{}, "kind"},
		{"bad kind", FaultRule{Kind: "explode"}, "kind"},
		{"404 not declared", FaultRule{Kind: FaultStatus, Status: 404}, "status"},
		{"status on drop", FaultRule{Kind: FaultDrop, Status: 500}, "status"},
		{"retryAfter on 500", FaultRule{Kind: FaultStatus, Status: 500, RetryAfter: "1"}, "retryAfter"},
		{"bad retryAfter", FaultRule{Kind: FaultStatus, Status: 429, RetryAfter: "soon"}, "retryAfter"},
		{"negative retryAfter", FaultRule{Kind: FaultStatus, Status: 429, RetryAfter: "-1"}, "retryAfter"},
		{"latency zero", FaultRule{Kind: FaultLatency}, "latency"},
		{"latency huge", FaultRule{Kind: FaultLatency, Latency: Duration(time.Hour)}, "latency"},
		{"times", FaultRule{Kind: FaultDrop, Times: -1}, "times"},
		{"probability", FaultRule{Kind: FaultDrop, Probability: 1.5}, "probability"},
		{"path", FaultRule{Kind: FaultDrop, Path: "beta/x"}, "path"},
		{"method", FaultRule{Kind: FaultDrop, Method: "GET /x"}, "method"},
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
			var pe *ControlParamError
			if !errors.As(err, &pe) {
				t.Fatalf("Validate() = %v; want *ControlParamError", err)
			}
			if pe.Name != tt.field {
				t.Errorf("error names %q (%v); want %q", pe.Name, err, tt.field)
			}
		})
	}
	r := FaultRule{Kind: FaultStatus, Status: 429}
	_ = r.Validate()
	if r.RetryAfter != "1" {
		t.Errorf("429 RetryAfter default = %q; want %q", r.RetryAfter, "1")
	}
}

func TestFaultsAddDeleteClear(t *testing.T) {
	f := NewFaults()
	a, err := f.Add(FaultRule{Kind: FaultDrop})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Add(FaultRule{ID: "mine", Kind: FaultDrop}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Add(FaultRule{ID: "mine", Kind: FaultDrop}); err == nil {
		t.Errorf("Add(duplicate id) = nil error; want an error")
	}
	if _, err := f.Add(FaultRule{ID: "2", Kind: FaultDrop}); err != nil {
		t.Fatal(err)
	}
	c, _ := f.Add(FaultRule{Kind: FaultDrop})
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
	f := NewFaults()
	mustAdd := func(r FaultRule) {
		t.Helper()
		if _, err := f.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	mustAdd(FaultRule{ID: "patch-s1", Method: "patch", Path: "/beta/security/partner/securityAlerts/*", Session: "s1", Kind: FaultStatus, Status: 500, Times: 2})
	mustAdd(FaultRule{ID: "list", Method: "GET", Path: "/beta/security/partner/securityAlerts", Kind: FaultStatus, Status: 503})
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
		_, r, ok := f.pick(tt.method, tt.path, tt.session)
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
	f := NewFaults()
	for _, r := range []FaultRule{
		{Kind: FaultLatency, Latency: Duration(100 * time.Millisecond)},
		{Session: "slow", Kind: FaultLatency, Latency: Duration(time.Second)},
		{Session: "down", Kind: FaultStatus, Status: 503, Latency: Duration(10 * time.Millisecond)},
		{Kind: FaultDrop, Session: "down"}, // never reached for "down"
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
		wait, r, ok := f.pick("GET", "/beta/x", tt.session)
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
		f := NewFaults()
		if _, err := f.Add(FaultRule{Kind: FaultStatus, Status: 503, Probability: 0.3, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i := 0; i < 200; i++ {
			_, _, ok := f.pick("GET", "/beta/x", "")
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
	if d := run(0); d != run(DefaultFaultSeed) {
		t.Errorf("seed 0 does not behave as DefaultFaultSeed")
	}
}

func TestParseFaultRules(t *testing.T) {
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
			rules, err := ParseFaultRules([]byte(tt.in))
			if tt.field == "" {
				if err != nil || len(rules) != tt.n {
					t.Fatalf("ParseFaultRules = %d rules, %v; want %d, nil", len(rules), err, tt.n)
				}
				return
			}
			var pe *ControlParamError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseFaultRules error = %v; want *ControlParamError", err)
			}
			if pe.Name != tt.field {
				t.Errorf("error names %q (%v); want %q", pe.Name, err, tt.field)
			}
		})
	}
	rules, _ := ParseFaultRules([]byte(`{"kind":"latency","latency":"1.5s"}`))
	if got := time.Duration(rules[0].Latency); got != 1500*time.Millisecond {
		t.Errorf("Latency = %v; want 1.5s", got)
	}
	b, _ := json.Marshal(rules[0])
	if !strings.Contains(string(b), `"latency":"1.5s"`) {
		t.Errorf("marshalled rule %s; want latency as \"1.5s\"", b)
	}
}

// faultServer serves ok behind injectFaults over a real socket; sleeps
// records the latencies waited instead of waiting.
func faultServer(t *testing.T, f *Faults) (srv *httptest.Server, sleeps *[]time.Duration) {
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
	h := injectFaults(f, func(r *http.Request) string { return r.Header.Get("X-Mock-Session") }, plainGraphError, sleep)(ok)
	srv = httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, &waited
}

func TestInjectFaultsKinds(t *testing.T) {
	f := NewFaults()
	for _, r := range []FaultRule{
		{Path: "/beta/throttled", Kind: FaultStatus, Status: 429},
		{Path: "/beta/down", Kind: FaultStatus, Status: 503, RetryAfter: "0", Message: "Down for a test."},
		{Path: "/beta/broken", Kind: FaultStatus, Status: 500},
		{Path: "/beta/slow-gateway", Kind: FaultStatus, Status: 504, Latency: Duration(3 * time.Second)},
		{Path: "/beta/slow", Kind: FaultLatency, Latency: Duration(250 * time.Millisecond)},
		{Path: "/beta/drop", Kind: FaultDrop},
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

// TestInjectFaultsLatencyHonoursCancel: a client that gives up ends the
// wait (the real sleep, cancelled by the request context).
func TestInjectFaultsLatencyHonoursCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepContext(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepContext(cancelled) = %v; want context.Canceled", err)
	}
	if err := sleepContext(context.Background(), time.Nanosecond); err != nil {
		t.Errorf("sleepContext(1ns) = %v; want nil", err)
	}
}

// TestInjectFaultsNextN: "times" faults the next N matching requests, then
// the real answers come back.
func TestInjectFaultsNextN(t *testing.T) {
	f := NewFaults()
	if _, err := f.Add(FaultRule{Method: "GET", Kind: FaultStatus, Status: 503, Times: 2}); err != nil {
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
	f := NewFaults()
	if _, err := f.Add(FaultRule{ID: "x", Kind: FaultDrop}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		rules []FaultRule
		field string
	}{
		{"bad kind", []FaultRule{{Kind: FaultDrop}, {Kind: "boom"}}, "value[1].kind"},
		{"taken id", []FaultRule{{Kind: FaultDrop}, {ID: "x", Kind: FaultDrop}}, "value[1].id"},
		{"id twice", []FaultRule{{ID: "y", Kind: FaultDrop}, {ID: "y", Kind: FaultDrop}}, "value[1].id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.AddAll(tt.rules)
			var pe *ControlParamError
			if !errors.As(err, &pe) || pe.Name != tt.field {
				t.Fatalf("AddAll = %v; want a *ControlParamError naming %q", err, tt.field)
			}
			if got := len(f.Rules()); got != 1 {
				t.Errorf("len(Rules) = %d; want 1 (nothing added)", got)
			}
		})
	}
	added, err := f.AddAll([]FaultRule{{Kind: FaultDrop}, {ID: "1", Kind: FaultDrop}})
	if err != nil {
		t.Fatal(err)
	}
	if added[0].ID != "2" || added[1].ID != "1" {
		t.Errorf("ids = %q, %q; want \"2\", \"1\" (1 taken in the same batch)", added[0].ID, added[1].ID)
	}
}
