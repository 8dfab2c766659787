package journal

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// documentedID is the id of the alert in Graph's documentation example.
const documentedID = "d8b202fc-a216-3404-69ef-bdffa445eff6"

// fixedNow is the clock of entries in tests.
func fixedNow() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

// clientHeader is what a typical Graph client sends (a Kiota SDK): about
// 1.4 KB of headers, most of it the token.
func clientHeader(session string) http.Header {
	token := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + strings.Repeat("p", 1000) + "." + strings.Repeat("s", 342)
	return http.Header{
		"Authorization":     {"Bearer " + token},
		"Content-Type":      {"application/json"},
		"Accept":            {"application/json"},
		"User-Agent":        {"kiota-go/1.0.0"},
		"Sdkversion":        {"graph-go-beta/0.120.0, graph-go-core/1.2.1 (hostOS=linux; hostArch=amd64; runtimeEnvironment=go1.26;)"},
		"Client-Request-Id": {"0f9e0c44-5b7a-4b8a-9d4f-2b8d0c2e7a11"},
		"X-Mock-Session":    {session},
	}
}

func TestJournalRingKeepsLastN(t *testing.T) {
	j := New(Config{Size: 3})
	for i := 1; i <= 5; i++ {
		j.Record("s", Entry{Path: fmt.Sprintf("/p%d", i)})
	}
	j.Record("other", Entry{Path: "/o"})
	got := j.Entries("s", Filter{})
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
	if n := len(j.Entries("nobody", Filter{})); n != 0 {
		t.Errorf("len(unknown session) = %d; want 0", n)
	}
	j.Clear("s")
	if n := len(j.Entries("s", Filter{})); n != 0 {
		t.Errorf("len after Clear = %d; want 0", n)
	}
	if n := len(j.Entries("other", Filter{})); n != 1 {
		t.Errorf("len(other) after Clear(s) = %d; want 1", n)
	}
	j.ClearAll()
	if n := len(j.Entries("other", Filter{})); n != 0 {
		t.Errorf("len(other) after ClearAll = %d; want 0", n)
	}
}

func TestJournalDisabled(t *testing.T) {
	j := New(Config{Size: -1})
	j.Record("s", Entry{Path: "/p"})
	if n := len(j.Entries("s", Filter{})); n != 0 {
		t.Errorf("len = %d; want 0", n)
	}
}

func TestJournalEntriesAreCopies(t *testing.T) {
	j := New(Config{Size: 2})
	j.Record("s", Entry{Header: http.Header{"A": {"1"}}})
	e := j.Entries("s", Filter{})[0]
	e.Header.Set("A", "changed")
	if got := j.Entries("s", Filter{})[0].Header.Get("A"); got != "1" {
		t.Errorf("header after changing a copy = %q; want %q", got, "1")
	}
}

func TestFilter(t *testing.T) {
	j := New(Config{Size: 10})
	const alert = "/beta/security/partner/securityAlerts/a1"
	for _, e := range []Entry{
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
			f, err := ParseFilter(tt.method, tt.path, tt.status)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(j.Entries("s", f)); got != tt.want {
				t.Errorf("len(Entries) = %d; want %d", got, tt.want)
			}
		})
	}
}

func TestParseFilterErrors(t *testing.T) {
	for _, status := range []string{"abc", "99", "600", "6xx", "4x"} {
		_, err := ParseFilter("", "", status)
		var pe *FilterError
		if !errors.As(err, &pe) {
			t.Errorf("ParseFilter(status=%q) error = %v; want *FilterError", status, err)
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
	pairs, _ := flattenRedacted(h)
	got := headerFromPairs(pairs)
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
func TestMiddleware(t *testing.T) {
	j := New(Config{Size: 10, BodyBytes: 8, Now: fixedNow})
	h := Middleware(j, func(r *http.Request) string { return r.Header.Get("X-Mock-Session") })(
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
	for _, r := range []*http.Request{req, mustRequest(t, http.MethodGet, srv.URL+"/beta/y")} {
		resp, err := srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	got := j.Entries("s1", Filter{})
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
	if !e.Time.Equal(fixedNow()) {
		t.Errorf("Time = %v; want %v", e.Time, fixedNow())
	}
	def := j.Entries("", Filter{})
	if len(def) != 1 || def[0].Path != "/beta/y" || def[0].Status != 200 {
		t.Errorf("default session entries = %+v; want one GET /beta/y → 200", def)
	}
}

// TestMiddlewareHandlerGetsWholeBody checks that keeping a copy for the
// journal does not shorten the body the handler reads.
func TestMiddlewareHandlerGetsWholeBody(t *testing.T) {
	j := New(Config{Size: 10, BodyBytes: 4})
	got := make(chan string, 1)
	h := Middleware(j, func(*http.Request) string { return "" })(
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

// TestJournalBoundsHeaders reproduces a request with a 512 KB header: the
// journal kept it whole in each of its entries of each session.
func TestJournalBoundsHeaders(t *testing.T) {
	j := New(Config{})
	big := strings.Repeat("h", 512<<10)
	h := http.Header{"X-Big": {big}, "Accept": {"application/json"}}
	for i := range 200 {
		h.Set(fmt.Sprintf("X-Many-%03d", i), strings.Repeat("m", 1000))
	}
	j.Record("s", Entry{Method: "GET", Path: "/beta/x", Header: h})
	got := j.Entries("s", Filter{})[0].Header
	total := 0
	for k, vs := range got {
		for _, v := range vs {
			total += len(k) + len(v)
		}
	}
	if total > headerBytes {
		t.Errorf("journal kept %d bytes of headers; want at most %d", total, headerBytes)
	}
	if v := got.Get("X-Big"); v != "" && len(v) > headerValueBytes+len(truncatedMark) {
		t.Errorf("journal kept X-Big of %d bytes; want at most %d", len(v), headerValueBytes+len(truncatedMark))
	}
}

// TestJournalBoundsPathAndQuery reproduces requests with a 500 KB path or
// query string: the journal kept them whole in every entry.
func TestJournalBoundsPathAndQuery(t *testing.T) {
	j := New(Config{})
	long := strings.Repeat("p", 500<<10)
	j.Record("s", Entry{Method: "GET", Path: "/beta/" + long, Query: "$filter=" + long})
	e := j.Entries("s", Filter{})[0]
	limit := headerValueBytes + len(truncatedMark)
	if len(e.Path) > limit || len(e.Query) > limit {
		t.Errorf("journal kept path %d, query %d bytes; want at most %d each", len(e.Path), len(e.Query), limit)
	}
	if !strings.HasPrefix(e.Path, "/beta/ppp") || !strings.HasSuffix(e.Path, truncatedMark) {
		t.Errorf("path = %.40q…; want its start, ending in %q", e.Path, truncatedMark)
	}
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestJournalMemoryBounded fills the journals of 1,000 sessions, then sends
// as many requests again: the ring overwrites, so the heap does not grow.
// It logs the journal's bytes per session.
func TestJournalMemoryBounded(t *testing.T) {
	const sessions, size = 1000, 20
	j := New(Config{Size: size})
	headers := make([]http.Header, sessions)
	for i := range headers {
		headers[i] = clientHeader(fmt.Sprintf("session-%04d", i))
	}
	body := `{"status":"resolved","resolvedReason":"fraud"}`
	fill := func() {
		for i := 0; i < sessions; i++ {
			for k := 0; k < size; k++ {
				j.Record(headers[i].Get("X-Mock-Session"), Entry{
					Method: "PATCH", Path: "/beta/security/partner/securityAlerts/" + documentedID,
					Header: headers[i], Body: strings.Clone(body), Status: 200,
					RequestID: fmt.Sprintf("%036d", k),
				})
			}
		}
	}
	before := liveHeap()
	fill()
	full := liveHeap()
	fill()
	again := liveHeap()
	perSession := float64(full-before) / sessions
	t.Logf("journal: %d sessions × %d entries: %.0f bytes per session (%.0f per entry)", sessions, size, perSession, perSession/size)
	if again > full+full/10 {
		t.Errorf("heap grew from %d to %d bytes on overwriting full journals; want it bounded", full, again)
	}
	runtime.KeepAlive(j)
	runtime.KeepAlive(headers)
}

// TestNewDefaults: the zero Config keeps DefaultSize entries with
// DefaultBodyBytes of body.
func TestNewDefaults(t *testing.T) {
	j := New(Config{})
	if j.Size() != DefaultSize || j.BodyLimit() != DefaultBodyBytes {
		t.Errorf("Size, BodyLimit = %d, %d; want %d, %d", j.Size(), j.BodyLimit(), DefaultSize, DefaultBodyBytes)
	}
	if j := New(Config{Size: 3, BodyBytes: 5}); j.Size() != 3 || j.BodyLimit() != 5 {
		t.Errorf("Size, BodyLimit = %d, %d; want 3, 5", j.Size(), j.BodyLimit())
	}
}

// TestJournalEvictsLeastRecentSession: past MaxSessions the session
// recorded least recently is forgotten, and no more than MaxSessions are kept.
func TestJournalEvictsLeastRecentSession(t *testing.T) {
	j := New(Config{MaxSessions: 2})
	j.Record("a", Entry{Path: "/a"})
	j.Record("b", Entry{Path: "/b"})
	j.Record("a", Entry{Path: "/a2"}) // a is now more recent than b
	j.Record("c", Entry{Path: "/c"})
	if n := j.Sessions(); n != 2 {
		t.Errorf("Sessions = %d; want 2", n)
	}
	for s, want := range map[string]int{"a": 2, "b": 0, "c": 1} {
		if got := len(j.Entries(s, Filter{})); got != want {
			t.Errorf("len(Entries(%s)) = %d; want %d", s, got, want)
		}
	}
}

// TestParseFilterBounds: the edges of the status codes and classes.
func TestParseFilterBounds(t *testing.T) {
	tests := []struct {
		status      string
		code, class int
		bad         bool
	}{
		{"1xx", 0, 1, false}, {"5xx", 0, 5, false}, {"0xx", 0, 0, true}, {"6XX", 0, 0, true},
		{"100", 100, 0, false}, {"599", 599, 0, false}, {"99", 0, 0, true}, {"600", 0, 0, true},
	}
	for _, tt := range tests {
		f, err := ParseFilter("", "", tt.status)
		if (err != nil) != tt.bad || f.Status != tt.code || f.StatusClass != tt.class {
			t.Errorf("ParseFilter(status=%s) = %+v, %v; want code %d class %d, error %v", tt.status, f, err, tt.code, tt.class, tt.bad)
		}
	}
}

// TestCutValueEdge: a value of exactly the limit is kept whole; one byte
// more is cut and marked.
func TestCutValueEdge(t *testing.T) {
	exact := strings.Repeat("v", headerValueBytes)
	if got := cutValue(exact); got != exact {
		t.Errorf("cutValue(%d bytes) cut to %d; want it whole", len(exact), len(got))
	}
	if got := cutValue(exact + "w"); got != exact+truncatedMark {
		t.Errorf("cutValue(%d bytes) = …%q; want the limit and %q", len(exact)+1, got[len(got)-20:], truncatedMark)
	}
}

// TestHeaderBytesEdge: header values that fill the per-entry budget
// exactly are all kept; one byte more leaves the last one out.
func TestHeaderBytesEdge(t *testing.T) {
	const name = "X-Fill"
	full := strings.Repeat("f", 4090)                                                      // name + value: 4,096 bytes
	rest := strings.Repeat("r", headerBytes-3*(len(name)+len(full))-len(name)-len(name)-1) // leaves room for name + 1 byte
	for _, tt := range []struct {
		last string
		kept int
	}{{"1", 5}, {"12", 4}} {
		pairs, _ := flattenRedacted(http.Header{name: {full, full, full, rest, tt.last}})
		got := headerFromPairs(pairs)
		if n := len(got[name]); n != tt.kept {
			t.Errorf("last value %q: %d values kept; want %d", tt.last, n, tt.kept)
		}
	}
}
