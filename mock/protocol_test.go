package mock

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/grapherr"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestRequestIDs(t *testing.T) {
	ts := newTestServer(t, Config{})
	tests := []struct {
		name   string
		rq     req
		client string // sent client-request-id; "" none
	}{
		{"success, no client id", req{Path: alertPath(alert.DocumentedID)}, ""},
		{"success, client id echoed", req{Path: alertPath(alert.DocumentedID)}, "not-a-real-uuid-4"},
		{"error, no client id", req{Path: alertPath("nope")}, ""},
		{"error, client id echoed", req{Path: alertPath("nope"), Token: "-"}, "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.client != "" {
				tt.rq.Header = map[string]string{"client-request-id": tt.client}
			}
			got := ts.do(t, tt.rq)
			rid, cid := got.Header.Get("request-id"), got.Header.Get("client-request-id")
			if !uuidV4.MatchString(rid) {
				t.Errorf("request-id = %q; want a UUID v4", rid)
			}
			want := tt.client
			if want == "" {
				want = rid
			}
			if cid != want {
				t.Errorf("client-request-id = %q; want %q", cid, want)
			}
			if got.Status >= 400 {
				var env struct {
					Error struct {
						InnerError map[string]string `json:"innerError"`
					} `json:"error"`
				}
				if err := json.Unmarshal(got.Body, &env); err != nil {
					t.Fatal(err)
				}
				ie := env.Error.InnerError
				if ie["request-id"] != rid || ie["client-request-id"] != want || ie["date"] != "2025-03-04T05:06:07" {
					t.Errorf("innerError = %v; want request-id %s, client-request-id %s, date 2025-03-04T05:06:07", ie, rid, want)
				}
			}
		})
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	ts := newTestServer(t, Config{})
	tests := []struct {
		name, method, path string
		status             int
		code, contains     string
		allow              string
	}{
		{"unknown segment", "GET", "/security/partner/securityAlertz", 404, CodeResourceNotFound, "segment 'securityAlertz'", ""},
		{"unknown parent", "GET", "/security/partners/securityAlerts", 404, CodeResourceNotFound, "segment 'partners'", ""},
		{"too deep", "GET", "/security/partner/securityAlerts/x/y", 404, CodeResourceNotFound, "segment 'y'", ""},
		{"unknown alert", "GET", alertPath("00000000-0000-0000-0000-000000000000"), 404, CodeResourceNotFound, "'00000000-0000-0000-0000-000000000000'", ""},
		{"delete alert", "DELETE", alertPath(alert.DocumentedID), 405, CodeMethodNotAllowed, "'DELETE'", "GET, PATCH"},
		{"post collection", "POST", listPath, 405, CodeMethodNotAllowed, "'POST'", "GET"},
		{"put alert", "PUT", alertPath(alert.DocumentedID), 405, CodeMethodNotAllowed, "'PUT'", "GET, PATCH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ts.do(t, req{Method: tt.method, Path: tt.path})
			if got.Status != tt.status || got.ErrorCode(t) != tt.code {
				t.Fatalf("Status, code = %d, %s; want %d, %s\n%s", got.Status, got.ErrorCode(t), tt.status, tt.code, got.Body)
			}
			if msg := got.ErrorMessage(t); !strings.Contains(msg, tt.contains) {
				t.Errorf("message = %q; want it to contain %q", msg, tt.contains)
			}
			if a := got.Header.Get("Allow"); a != tt.allow {
				t.Errorf("Allow = %q; want %q", a, tt.allow)
			}
		})
	}
	// Outside the base path.
	resp, err := http.Get(ts.Root + "/v1.0/security")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(b), "segment 'v1.0'") {
		t.Errorf("GET /v1.0/security = %d %s; want 404 naming 'v1.0'", resp.StatusCode, b)
	}
}

// TestPanicBecomes500: a panicking handler yields a 500 envelope with the
// request ids, a logged stack, and a server that keeps serving.
func TestPanicBecomes500(t *testing.T) {
	var logs bytes.Buffer
	s, err := New(Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	boom := s.requestIDs(s.accessLog(s.recoverPanic(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	}))))
	hs := httptest.NewServer(boom)
	t.Cleanup(hs.Close)
	for range 2 {
		resp, err := http.Get(hs.URL)
		if err != nil {
			t.Fatal(err)
		}
		var env grapherr.Envelope
		err = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 500 || env.Error.Code != CodeInternalServerError {
			t.Fatalf("Status, code = %d, %q (%v); want 500, InternalServerError", resp.StatusCode, env.Error.Code, err)
		}
		if env.Error.InnerError.RequestID != resp.Header.Get("request-id") || env.Error.InnerError.RequestID == "" {
			t.Errorf("innerError.request-id = %q; header %q", env.Error.InnerError.RequestID, resp.Header.Get("request-id"))
		}
	}
	if !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), "goroutine") || !strings.Contains(logs.String(), "status=500") {
		t.Errorf("log lacks the panic, its stack or the 500 access line:\n%s", logs.String())
	}
}

func TestHealthz(t *testing.T) {
	ts := newTestServer(t, Config{})
	resp, err := ts.Client.Get(ts.Root + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("Status = %d; want 200", resp.StatusCode)
	}
}

// TestOversizedPatchRefusedUnread reproduces issue #10 part 4: a PATCH with
// "Content-Length: 10000000000" and a 21-byte body got its 413 after 60 s,
// because the journal read ahead of the size check. Over a raw socket the
// 413 must come without the rest of the body (the deadline is generous: a
// hang fails, a slow machine does not).
func TestOversizedPatchRefusedUnread(t *testing.T) {
	ts := newTestServer(t, Config{})
	tok := jwt(map[string]any{"scp": "PartnerSecurity.ReadWrite.All"})
	resp := rawExchange(t, ts, "PATCH /beta/security/partner/securityAlerts/"+alert.DocumentedID+" HTTP/1.1\r\n"+
		"Host: x\r\nAuthorization: Bearer "+tok+"\r\nContent-Type: application/json\r\n"+
		"Content-Length: 10000000000\r\n\r\n"+`{"status":"resolved"}`)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("Status = %d; want 413", resp.StatusCode)
	}
	if got := mustAlert(t, ts.Server, DefaultSession, alert.DocumentedID).Status; got != alert.StatusActive {
		t.Errorf("alert status = %s; want active (nothing applied)", got)
	}
}

// TestExpectContinueWithoutTokenGets401 reproduces issue #10 part 4: a
// request with "Expect: 100-continue" and no token was told "100 Continue"
// (the journal read the body before auth ran). The first response must be
// the 401, and the journal keeps the request without a body.
func TestExpectContinueWithoutTokenGets401(t *testing.T) {
	ts := newTestServer(t, Config{})
	resp := rawExchange(t, ts, "PATCH /beta/security/partner/securityAlerts/"+alert.DocumentedID+" HTTP/1.1\r\n"+
		"Host: x\r\nContent-Type: application/json\r\nX-Mock-Session: expect\r\n"+
		"Content-Length: 21\r\nExpect: 100-continue\r\n\r\n")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("first response = %d; want 401 (no 100 Continue before auth)", resp.StatusCode)
	}
	waitJournal(t, ts.Server, "expect", 1)
	if e := ts.Journal().Entries("expect", JournalFilter{})[0]; e.Status != 401 || e.Body != "" {
		t.Errorf("journal entry = %d with body %q; want 401 without a body", e.Status, e.Body)
	}
}

// rawExchange writes raw to the server and reads the first response (an
// interim 100 Continue included), with a generous deadline.
func rawExchange(tb testing.TB, ts *testServer, raw string) *http.Response {
	tb.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(ts.Root, "http://"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		tb.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		tb.Fatalf("reading the response: %v (a timeout means the server waited for the body)", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// waitJournal waits until the session's journal has n entries: the server
// records after it wrote the answer the client read.
func waitJournal(tb testing.TB, s *Server, session string, n int) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.Journal().Entries(session, JournalFilter{})) < n {
		if time.Now().After(deadline) {
			tb.Fatalf("journal of %s: %d entries; want %d", session, len(s.Journal().Entries(session, JournalFilter{})), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestJournalSessionFromTenant closes a mutant no test noticed (issue #12):
// a journal keyed only by X-Mock-Session, ignoring the token's tid. A
// request without the header is journaled in its tenant's session.
func TestJournalSessionFromTenant(t *testing.T) {
	ts := newTestServer(t, Config{})
	tok := jwt(map[string]any{"scp": "PartnerSecurity.Read.All", "tid": "tenant-j"})
	if got := ts.do(t, req{Path: listPath + "?$top=1", Token: tok}); got.Status != 200 {
		t.Fatalf("GET: %d", got.Status)
	}
	ts.do(t, req{Path: listPath + "?$top=1", Token: tok, Session: "explicit"})
	if got := ts.Journal().Entries("tenant-j", JournalFilter{}); len(got) != 1 || got[0].Session != "tenant-j" {
		t.Errorf("journal of tenant-j = %+v; want the one request without X-Mock-Session", got)
	}
	if got := ts.Journal().Entries("explicit", JournalFilter{}); len(got) != 1 {
		t.Errorf("journal of explicit = %d entries; want 1 (the header wins over tid)", len(got))
	}
	if got := ts.Journal().Entries(DefaultSession, JournalFilter{}); len(got) != 0 {
		t.Errorf("journal of %s = %d entries; want 0", DefaultSession, len(got))
	}
}

// TestOwnPathsNeverFaultedThrottledOrJournaled: with a rule dropping every
// request, a throttle of one request per hour and a journal, the control
// API and /healthz answer as usual and stay out of the journal (they are
// not requests of the code under test).
func TestOwnPathsNeverFaultedThrottledOrJournaled(t *testing.T) {
	ts := newTestServer(t, Config{
		Faults:   []FaultRule{{Path: "**", Kind: FaultStatus, Status: 503}},
		Throttle: ThrottleConfig{RequestsPerSecond: 1.0 / 3600, Burst: 1},
	})
	for range 3 {
		for _, p := range []string{"/healthz", "/_mock/faults", "/_mock/throttle", "/_mock/sessions"} {
			r, _ := http.NewRequest(http.MethodGet, ts.Root+p, nil)
			r.Header.Set(HeaderSession, "own")
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: Status = %d; want 200", p, resp.StatusCode)
			}
		}
	}
	if got := ts.rawDo(t, http.MethodGet, "/beta"+listPath, "", http.Header{HeaderSession: {"own"}}); got.Status != http.StatusServiceUnavailable {
		t.Errorf("Graph GET: Status = %d; want the fault's 503", got.Status)
	}
	if got := ts.Journal().Entries("own", JournalFilter{}); len(got) != 1 || got[0].Path != "/beta"+listPath {
		t.Errorf("journal = %+v; want only the Graph request", got)
	}
}

// TestLogHintsBasePath: a request that misses the /beta base path gets
// Graph's 404 (unchanged), and its access log line says where Graph paths
// start (issue #11's newcomer).
func TestLogHintsBasePath(t *testing.T) {
	var buf syncBuffer
	ts := newTestServer(t, Config{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	tests := []struct {
		path string
		hint bool
	}{
		{listPath, true},
		{"/v1.0" + listPath, true},
		{"/beta/security/nothing", false},
		{"/beta" + listPath + "/no-such-alert", false},
		{"/_mock/nothing", false},
	}
	for _, tt := range tests {
		buf.Reset()
		got := ts.rawDo(t, http.MethodGet, tt.path, "", nil)
		if got.Status != http.StatusNotFound {
			t.Fatalf("GET %s: Status = %d; want 404", tt.path, got.Status)
		}
		if strings.Contains(string(got.Body), "/beta") && tt.hint {
			t.Errorf("GET %s: the Graph answer mentions /beta: %s", tt.path, got.Body)
		}
		line := buf.String()
		if has := strings.Contains(line, `hint="paths start with /beta"`); has != tt.hint {
			t.Errorf("GET %s: log line %q; hint present = %v, want %v", tt.path, line, has, tt.hint)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}
