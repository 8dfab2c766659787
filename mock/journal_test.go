package mock

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// stepClock is a clock that moves only when told to.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func newStepClock() *stepClock {
	return &stepClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// Now is the clock's func() time.Time.
func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestMatchPath(t *testing.T) {
	const alerts = "/beta/security/partner/securityAlerts"
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"", alerts, true},
		{alerts, alerts, true},
		{alerts, alerts + "/x", false},
		{alerts + "/*", alerts + "/x", true},
		{alerts + "/*", alerts, false},
		{alerts + "/*", alerts + "/x/y", false},
		{alerts + "*", alerts + "/x", false},
		{alerts + "**", alerts + "/x", true},
		{alerts + "**", alerts, true},
		{"/beta/**", alerts + "/x", true},
		{"/beta/**/x", alerts + "/x", true},
		{"/beta/**/y", alerts + "/x", false},
		{"**", "/anything/at/all", true},
		{"/beta/*/partner/**", alerts, true},
		{"/beta/*/partner/**", "/beta/a/b/partner/c", false},
		{"/*", "/", true},
		{"/a*c", "/abbc", true},
		{"/a*c", "/ab/c", false},
	}
	for _, tt := range tests {
		if got := matchPath(tt.pattern, tt.path); got != tt.want {
			t.Errorf("matchPath(%q, %q) = %v; want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

func TestJournalRingKeepsLastN(t *testing.T) {
	j := NewJournal(3, 0, newStepClock().Now)
	for i := 1; i <= 5; i++ {
		j.Record("s", JournalEntry{Path: fmt.Sprintf("/p%d", i)})
	}
	j.Record("other", JournalEntry{Path: "/o"})
	got := j.Entries("s", JournalFilter{})
	var paths []string
	for _, e := range got {
		paths = append(paths, e.Path)
	}
	if want := "/p3 /p4 /p5"; strings.Join(paths, " ") != want {
		t.Errorf("paths = %q; want %q", strings.Join(paths, " "), want)
	}
	if got[0].Seq != 3 || got[2].Seq != 5 {
		t.Errorf("seqs = %d..%d; want 3..5", got[0].Seq, got[2].Seq)
	}
	if got[0].Session != "s" {
		t.Errorf("Session = %q; want %q", got[0].Session, "s")
	}
	if n := len(j.Entries("nobody", JournalFilter{})); n != 0 {
		t.Errorf("len(unknown session) = %d; want 0", n)
	}
	j.Clear("s")
	if n := len(j.Entries("s", JournalFilter{})); n != 0 {
		t.Errorf("len after Clear = %d; want 0", n)
	}
	if n := len(j.Entries("other", JournalFilter{})); n != 1 {
		t.Errorf("len(other) after Clear(s) = %d; want 1", n)
	}
	j.ClearAll()
	if n := len(j.Entries("other", JournalFilter{})); n != 0 {
		t.Errorf("len(other) after ClearAll = %d; want 0", n)
	}
}

func TestJournalDisabled(t *testing.T) {
	j := NewJournal(-1, 0, nil)
	j.Record("s", JournalEntry{Path: "/p"})
	if n := len(j.Entries("s", JournalFilter{})); n != 0 {
		t.Errorf("len = %d; want 0", n)
	}
}

func TestJournalEntriesAreCopies(t *testing.T) {
	j := NewJournal(2, 0, nil)
	j.Record("s", JournalEntry{Header: http.Header{"A": {"1"}}})
	e := j.Entries("s", JournalFilter{})[0]
	e.Header.Set("A", "changed")
	if got := j.Entries("s", JournalFilter{})[0].Header.Get("A"); got != "1" {
		t.Errorf("header after changing a copy = %q; want %q", got, "1")
	}
}

func TestJournalFilter(t *testing.T) {
	j := NewJournal(10, 0, nil)
	const alert = "/beta/security/partner/securityAlerts/a1"
	for _, e := range []JournalEntry{
		{Method: "GET", Path: "/beta/security/partner/securityAlerts", Status: 200},
		{Method: "PATCH", Path: alert, Status: 200},
		{Method: "PATCH", Path: alert, Status: 400},
		{Method: "GET", Path: alert, Status: 429},
	} {
		j.Record("s", e)
	}
	tests := []struct {
		name                 string
		method, path, status string
		want                 int
	}{
		{"all", "", "", "", 4},
		{"method", "patch", "", "", 2},
		{"path exact", "", alert, "", 3},
		{"path pattern", "", "/beta/**", "", 4},
		{"status", "", "", "400", 1},
		{"class", "", "", "4xx", 2},
		{"all three", "PATCH", "/beta/security/partner/securityAlerts/*", "200", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseJournalFilter(tt.method, tt.path, tt.status)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(j.Entries("s", f)); got != tt.want {
				t.Errorf("len(Entries) = %d; want %d", got, tt.want)
			}
		})
	}
}

func TestParseJournalFilterErrors(t *testing.T) {
	for _, status := range []string{"abc", "99", "600", "6xx", "4x"} {
		_, err := ParseJournalFilter("", "", status)
		var pe *ControlParamError
		if !errors.As(err, &pe) {
			t.Errorf("ParseJournalFilter(status=%q) error = %v; want *ControlParamError", status, err)
			continue
		}
		if pe.Name != "status" || !strings.Contains(pe.Error(), "'"+status+"'") {
			t.Errorf("error = %q (Name %q); want it to name 'status' and quote %q", pe.Error(), pe.Name, status)
		}
	}
}

func TestRedactHeader(t *testing.T) {
	h := http.Header{
		"Authorization":       {"Bearer eyJhbGciOiJub25lIn0.e30."},
		"Proxy-Authorization": {"Basic dXNlcjpwYXNz"},
		"Cookie":              {"session=secret"},
		"X-Other":             {"kept", "twice"},
	}
	got := headerFromPairs(flattenRedacted(h))
	tests := []struct{ name, want string }{
		{"Authorization", "Bearer [redacted]"},
		{"Proxy-Authorization", "Basic [redacted]"},
		{"Cookie", "[redacted]"},
		{"X-Other", "kept"},
	}
	for _, tt := range tests {
		if v := got.Get(tt.name); v != tt.want {
			t.Errorf("%s = %q; want %q", tt.name, v, tt.want)
		}
	}
	if vs := got["X-Other"]; len(vs) != 2 || vs[1] != "twice" {
		t.Errorf("X-Other = %q; want both values kept", vs)
	}
	if v := h.Get("Authorization"); !strings.Contains(v, "eyJ") {
		t.Errorf("original Authorization changed to %q", v)
	}
}

// TestJournalMiddleware records requests over a real socket: the handler
// still reads the whole body, the journal keeps the start of it, the status
// and the request-id the handler set, and never the token.
func TestJournalMiddleware(t *testing.T) {
	clock := newStepClock()
	j := NewJournal(10, 8, clock.Now)
	h := journalRequests(j, func(r *http.Request) string { return r.Header.Get("X-Mock-Session") })(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("request-id", "rid-1")
			if r.Method == http.MethodPatch {
				w.WriteHeader(http.StatusBadRequest)
			}
			_, _ = io.WriteString(w, "{}")
		}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	body := `{"status":"resolved"}`
	req, _ := http.NewRequest(http.MethodPatch, srv.URL+"/beta/x?$select=id", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer secret-token")
	req.Header.Set("X-Mock-Session", "s1")
	for _, r := range []*http.Request{req, mustRequest(t, http.MethodGet, srv.URL+"/beta/y"), mustRequest(t, http.MethodPost, srv.URL+"/_mock/reset"), mustRequest(t, http.MethodGet, srv.URL+"/healthz")} {
		resp, err := srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	got := j.Entries("s1", JournalFilter{})
	if len(got) != 1 {
		t.Fatalf("len(Entries(s1)) = %d; want 1", len(got))
	}
	e := got[0]
	if e.Method != "PATCH" || e.Path != "/beta/x" || e.Query != "$select=id" || e.Status != 400 || e.RequestID != "rid-1" {
		t.Errorf("entry = %s %s ?%s → %d rid %q; want PATCH /beta/x ?$select=id → 400 rid \"rid-1\"", e.Method, e.Path, e.Query, e.Status, e.RequestID)
	}
	if e.Body != body[:8] || !e.BodyTruncated {
		t.Errorf("Body, BodyTruncated = %q, %v; want %q, true", e.Body, e.BodyTruncated, body[:8])
	}
	if a := e.Header.Get("Authorization"); a != "Bearer [redacted]" {
		t.Errorf("Authorization = %q; want %q", a, "Bearer [redacted]")
	}
	if !e.Time.Equal(clock.Now()) {
		t.Errorf("Time = %v; want %v", e.Time, clock.Now())
	}
	def := j.Entries("", JournalFilter{})
	if len(def) != 1 || def[0].Path != "/beta/y" || def[0].Status != 200 {
		t.Errorf("default session entries = %+v; want one GET /beta/y → 200 (control API and /healthz not recorded)", def)
	}
}

// TestJournalMiddlewareHandlerGetsWholeBody checks that reading ahead for
// the journal does not shorten the body the handler reads.
func TestJournalMiddlewareHandlerGetsWholeBody(t *testing.T) {
	j := NewJournal(10, 4, nil)
	got := make(chan string, 1)
	h := journalRequests(j, func(*http.Request) string { return "" })(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			got <- string(b)
		}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	body := strings.Repeat("0123456789", 1000)
	resp, err := srv.Client().Post(srv.URL+"/beta/x", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := <-got; s != body {
		t.Errorf("handler read %d bytes; want %d", len(s), len(body))
	}
}

func mustRequest(tb testing.TB, method, url string) *http.Request {
	tb.Helper()
	r, err := http.NewRequest(method, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}
