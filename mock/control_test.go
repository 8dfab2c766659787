package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/partner-security/alertmock/openapi"
)

// documentedID is the alert of Microsoft's documentation, in the seed.
const documentedID = "d8b202fc-a216-3404-69ef-bdffa445eff6"

// controlClient calls the control API of a test server and checks every
// answer against openapi/control.yaml (status declared, body schema).
type controlClient struct {
	ts     *testServer
	router routers.Router
	token  string // admin token to send, if any
}

func newControlClient(tb testing.TB, ts *testServer) *controlClient {
	tb.Helper()
	doc, err := openapi.LoadControl(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return &controlClient{ts: ts, router: router}
}

// call sends one control request (path from /_mock/ on) and returns the answer.
func (c *controlClient) call(tb testing.TB, method, path, body string) response {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, c.ts.Root+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		r.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.check(r, resp, b); err != nil {
		tb.Errorf("control contract violation: %s %s → %d: %v\nbody: %s", method, path, resp.StatusCode, err, b)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func (c *controlClient) check(req *http.Request, resp *http.Response, body []byte) error {
	if resp.Header.Get("request-id") == "" {
		return fmt.Errorf("request-id header missing")
	}
	if resp.StatusCode >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		return fmt.Errorf("error Content-Type %q", resp.Header.Get("Content-Type"))
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			return fmt.Errorf("no route (%v) but status %d", err, resp.StatusCode)
		}
		var env struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(body, &env); err != nil || env.Error.Code == "" {
			return fmt.Errorf("not a Graph error envelope")
		}
		return nil
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	return openapi3filter.ValidateResponse(req.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	})
}

// wantStatus fails the test unless r has the status.
func wantStatus(tb testing.TB, what string, r response, status int) {
	tb.Helper()
	if r.Status != status {
		tb.Fatalf("%s: status = %d; want %d\nbody: %s", what, r.Status, status, r.Body)
	}
}

// alertStatus reads an alert's status through the Graph API.
func alertStatus(tb testing.TB, ts *testServer, session, id string) string {
	tb.Helper()
	r := ts.do(tb, req{Path: alertPath(id), Session: session})
	wantStatus(tb, "GET alert", r, http.StatusOK)
	s, _ := r.JSON(tb)["status"].(string)
	return s
}

// TestSessionsIndependentAndReset: two sessions used at the same time on one
// server keep their own state; resetting one restores its seed and leaves
// the other; resetting all restores everything.
func TestSessionsIndependentAndReset(t *testing.T) {
	ts := newTestServer(t, Config{})
	ctl := newControlClient(t, ts)
	targets := map[string]string{"suite-a": "resolved", "suite-b": "investigating"}
	var wg sync.WaitGroup
	for session, status := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ { // interleave with the other session
				r := ts.do(t, req{Method: http.MethodPatch, Path: alertPath(documentedID), Session: session,
					Body: `{"status":"` + status + `"}`})
				if r.Status != http.StatusOK {
					t.Errorf("%s PATCH: status %d: %s", session, r.Status, r.Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	for session, status := range targets {
		if got := alertStatus(t, ts, session, documentedID); got != status {
			t.Errorf("%s: status = %q; want %q", session, got, status)
		}
	}
	if got := alertStatus(t, ts, "untouched", documentedID); got != "active" {
		t.Errorf("a third session: status = %q; want the seed's %q", got, "active")
	}

	r := ctl.call(t, http.MethodGet, "/_mock/sessions", "")
	wantStatus(t, "GET sessions", r, http.StatusOK)
	var list struct{ Value []SessionInfo }
	_ = json.Unmarshal(r.Body, &list)
	var names []string
	for _, s := range list.Value {
		names = append(names, s.Name)
	}
	if want := []string{"suite-a", "suite-b", "untouched"}; !slices.Equal(names, want) {
		t.Errorf("sessions = %v; want %v", names, want)
	}

	wantStatus(t, "reset suite-a", ctl.call(t, http.MethodPost, "/_mock/sessions/suite-a/reset", ""), http.StatusNoContent)
	if got := alertStatus(t, ts, "suite-a", documentedID); got != "active" {
		t.Errorf("suite-a after its reset: status = %q; want %q", got, "active")
	}
	if a := mustAlert(t, ts.Server, "suite-a", documentedID); len(a.ActivityLogs) != 0 {
		t.Errorf("suite-a after its reset: %d activity logs; want 0", len(a.ActivityLogs))
	}
	if got := alertStatus(t, ts, "suite-b", documentedID); got != "investigating" {
		t.Errorf("suite-b after suite-a's reset: status = %q; want %q", got, "investigating")
	}
	wantStatus(t, "reset all", ctl.call(t, http.MethodPost, "/_mock/reset", ""), http.StatusNoContent)
	if got := alertStatus(t, ts, "suite-b", documentedID); got != "active" {
		t.Errorf("suite-b after reset all: status = %q; want %q", got, "active")
	}
}

// TestJournalThroughServer drives the journal as a client team would: their
// code sends requests, the test asks the journal what was sent.
func TestJournalThroughServer(t *testing.T) {
	ts := newTestServer(t, Config{})
	ctl := newControlClient(t, ts)
	const session = "journal-test"
	token := jwt(map[string]any{"scp": "PartnerSecurity.ReadWrite.All", "upn": "dana@contoso.com"})
	sent := []req{
		{Path: "/security/partner/securityAlerts?$top=2"},
		{Method: http.MethodPatch, Path: alertPath(documentedID), Body: `{"status":"investigating"}`},
		{Method: http.MethodPatch, Path: alertPath(documentedID), Body: `{"status":"resolved","resolvedReason":"fraud"}`},
		{Method: http.MethodPatch, Path: alertPath(documentedID), Body: `{"status":"bogus"}`},
		{Path: alertPath("no-such-alert")},
	}
	var lastRequestID string
	for _, rq := range sent {
		rq.Session, rq.Token = session, token
		r := ts.do(t, rq)
		lastRequestID = r.Header.Get("request-id")
	}
	ts.do(t, req{Path: "/security/partner/securityAlerts", Session: "someone-else"})

	r := ctl.call(t, http.MethodGet, "/_mock/sessions/"+session+"/journal", "")
	wantStatus(t, "GET journal", r, http.StatusOK)
	var all struct{ Value []JournalEntry }
	if err := json.Unmarshal(r.Body, &all); err != nil {
		t.Fatal(err)
	}
	if len(all.Value) != len(sent) {
		t.Fatalf("journal has %d entries; want %d (the other session's request is not in it)", len(all.Value), len(sent))
	}
	for i, e := range all.Value {
		if got := e.Header.Get("Authorization"); got != "Bearer [redacted]" {
			t.Errorf("entry %d Authorization = %q; want %q", i, got, "Bearer [redacted]")
		}
		if strings.Contains(string(r.Body), token) {
			t.Fatalf("the journal answer contains the token")
		}
	}
	last := all.Value[len(all.Value)-1]
	if last.Status != http.StatusNotFound || last.RequestID != lastRequestID || last.Method != "GET" {
		t.Errorf("last entry = %s → %d (request-id %s); want GET → 404 (request-id %s)", last.Method, last.Status, last.RequestID, lastRequestID)
	}

	// "My code sent exactly one PATCH that resolved the alert."
	r = ctl.call(t, http.MethodGet, "/_mock/sessions/"+session+"/journal?method=PATCH&path=/beta/security/partner/securityAlerts/*&status=200", "")
	wantStatus(t, "GET journal filtered", r, http.StatusOK)
	var patches struct{ Value []JournalEntry }
	_ = json.Unmarshal(r.Body, &patches)
	resolved := 0
	for _, e := range patches.Value {
		var body struct{ Status string }
		if json.Unmarshal([]byte(e.Body), &body) == nil && body.Status == "resolved" {
			resolved++
		}
	}
	if len(patches.Value) != 2 || resolved != 1 {
		t.Errorf("successful PATCHes = %d, resolving = %d; want 2 and exactly 1", len(patches.Value), resolved)
	}

	tests := []struct {
		query string
		want  int
	}{
		{"method=get", 2},
		{"status=4xx", 2},
		{"status=400", 1},
		{"path=/beta/**", 5},
		{"path=/beta/security/partner/securityAlerts", 1},
	}
	for _, tt := range tests {
		r := ctl.call(t, http.MethodGet, "/_mock/sessions/"+session+"/journal?"+tt.query, "")
		var got struct{ Value []JournalEntry }
		_ = json.Unmarshal(r.Body, &got)
		if len(got.Value) != tt.want {
			t.Errorf("journal?%s: %d entries; want %d", tt.query, len(got.Value), tt.want)
		}
	}

	for _, q := range []string{"status=teapot", "colour=red"} {
		r := ctl.call(t, http.MethodGet, "/_mock/sessions/"+session+"/journal?"+q, "")
		name, _, _ := strings.Cut(q, "=")
		if r.Status != http.StatusBadRequest || !strings.Contains(r.ErrorMessage(t), "'"+name+"'") {
			t.Errorf("journal?%s: %d %q; want 400 naming '%s'", q, r.Status, r.ErrorMessage(t), name)
		}
	}

	wantStatus(t, "DELETE journal", ctl.call(t, http.MethodDelete, "/_mock/sessions/"+session+"/journal", ""), http.StatusNoContent)
	r = ctl.call(t, http.MethodGet, "/_mock/sessions/"+session+"/journal", "")
	if !strings.Contains(string(r.Body), `"value":[]`) {
		t.Errorf("journal after DELETE = %s; want an empty value array", r.Body)
	}
}

// TestControlAlerts seeds sessions through the control API: valid datasets
// replace or extend a session's alerts; invalid ones are refused with a
// message naming the alert and the property, and change nothing.
func TestControlAlerts(t *testing.T) {
	ts := newTestServer(t, Config{})
	ctl := newControlClient(t, ts)
	doc := ts.do(t, req{Path: alertPath(documentedID)})
	wantStatus(t, "GET documented alert", doc, http.StatusOK)
	base := doc.JSON(t)
	delete(base, "@odata.context")
	withID := func(id string, changes map[string]any) string {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		m["id"] = id
		for k, v := range changes {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return string(b)
	}

	r := ctl.call(t, http.MethodPut, "/_mock/sessions/seeded/alerts", `{"value":[`+withID("a1", nil)+`,`+withID("a2", map[string]any{"status": "resolved"})+`]}`)
	wantStatus(t, "PUT alerts", r, http.StatusOK)
	var info SessionInfo
	_ = json.Unmarshal(r.Body, &info)
	if info.Name != "seeded" || info.Alerts != 2 {
		t.Errorf("PUT answer = %+v; want session seeded with 2 alerts", info)
	}
	list := ts.do(t, req{Path: "/security/partner/securityAlerts?$count=true", Session: "seeded"})
	if n, _ := list.JSON(t)["@odata.count"].(float64); n != 2 {
		t.Errorf("Graph list count = %v; want 2", n)
	}
	if got := alertStatus(t, ts, "seeded", "a2"); got != "resolved" {
		t.Errorf("a2 status = %q; want %q", got, "resolved")
	}

	wantStatus(t, "POST one alert", ctl.call(t, http.MethodPost, "/_mock/sessions/seeded/alerts", withID("a3", nil)), http.StatusOK)
	wantStatus(t, "POST replacing a2", ctl.call(t, http.MethodPost, "/_mock/sessions/seeded/alerts", `{"value":[`+withID("a2", map[string]any{"status": "active"})+`]}`), http.StatusOK)
	if n := len(ts.Alerts("seeded")); n != 3 {
		t.Errorf("alerts after POSTs = %d; want 3", n)
	}
	if got := alertStatus(t, ts, "seeded", "a2"); got != "active" {
		t.Errorf("a2 status after POST = %q; want %q", got, "active")
	}

	bad := []struct {
		name, method, body string
		status             int
		mentions           []string
	}{
		{"bad enum", http.MethodPut, `{"value":[` + withID("ok", nil) + `,` + withID("bad", map[string]any{"severity": "apocalyptic"}) + `]}`, 400, []string{"alert 1", "bad", "severity"}},
		{"missing property", http.MethodPost, withID("x", map[string]any{"displayName": nil}), 400, []string{"alert 0", "displayName"}},
		{"unknown property", http.MethodPost, withID("x", map[string]any{"colour": "red"}), 400, []string{"colour"}},
		{"duplicate id", http.MethodPut, `{"value":[` + withID("d", nil) + `,` + withID("d", nil) + `]}`, 400, []string{"alert 1", "d"}},
		{"PUT of one alert", http.MethodPut, withID("x", nil), 400, []string{"value"}},
		{"extra member", http.MethodPut, `{"value":[],"other":1}`, 400, []string{"value"}},
		{"not JSON", http.MethodPut, `{"value":`, 400, []string{"JSON"}},
		{"empty", http.MethodPost, ` `, 400, []string{"empty"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			r := ctl.call(t, tt.method, "/_mock/sessions/seeded/alerts", tt.body)
			if r.Status != tt.status || r.ErrorCode(t) != CodeBadRequest {
				t.Fatalf("status %d code %q; want %d %s\n%s", r.Status, r.ErrorCode(t), tt.status, CodeBadRequest, r.Body)
			}
			msg := r.ErrorMessage(t)
			for _, m := range tt.mentions {
				if !strings.Contains(msg, m) {
					t.Errorf("message %q does not mention %q", msg, m)
				}
			}
			if n := len(ts.Alerts("seeded")); n != 3 {
				t.Errorf("alerts after a refused call = %d; want 3 (unchanged)", n)
			}
		})
	}

	rq, _ := http.NewRequest(http.MethodPost, ts.Root+"/_mock/sessions/seeded/alerts", strings.NewReader(withID("x", nil)))
	rq.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(rq)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain body: status %d; want 415", resp.StatusCode)
	}
}

// TestControlRouting: unknown control paths are 404 and unsupported methods
// 405 with Allow, in the Graph envelope.
func TestControlRouting(t *testing.T) {
	ts := newTestServer(t, Config{})
	ctl := newControlClient(t, ts)
	r := ctl.call(t, http.MethodGet, "/_mock/nothing-here", "")
	if r.Status != http.StatusNotFound || r.ErrorCode(t) != CodeResourceNotFound {
		t.Errorf("unknown path: %d %q; want 404 %s", r.Status, r.ErrorCode(t), CodeResourceNotFound)
	}
	r = ctl.call(t, http.MethodGet, "/_mock/reset", "")
	if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" || r.ErrorCode(t) != CodeMethodNotAllowed {
		t.Errorf("GET /_mock/reset: %d Allow %q code %q; want 405 Allow POST %s", r.Status, r.Header.Get("Allow"), r.ErrorCode(t), CodeMethodNotAllowed)
	}
	r = ctl.call(t, http.MethodPatch, "/_mock/throttle", `{}`)
	if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "DELETE, GET, PUT" {
		t.Errorf("PATCH /_mock/throttle: %d Allow %q; want 405 Allow \"DELETE, GET, PUT\"", r.Status, r.Header.Get("Allow"))
	}
}

// TestControlAccess: loopback only without an admin token; the token from
// anywhere when one is set. A non-loopback client cannot be made over a
// 127.0.0.1 socket, so those cases call ServeHTTP with another RemoteAddr.
func TestControlAccess(t *testing.T) {
	open, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	locked, err := New(Config{AdminToken: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		srv    *Server
		remote string
		auth   string
		status int
		code   string
	}{
		{"loopback v4", open, "127.0.0.1:5000", "", 200, ""},
		{"loopback v6", open, "[::1]:5000", "", 200, ""},
		{"remote", open, "192.0.2.7:5000", "", 403, CodeForbidden},
		{"remote with a token nobody set", open, "192.0.2.7:5000", "Bearer x", 403, CodeForbidden},
		{"token set, none sent", locked, "127.0.0.1:5000", "", 401, CodeInvalidAuthenticationToken},
		{"token set, wrong one", locked, "127.0.0.1:5000", "Bearer s3cre", 401, CodeInvalidAuthenticationToken},
		{"token set, basic auth", locked, "127.0.0.1:5000", "Basic s3cret", 401, CodeInvalidAuthenticationToken},
		{"token set, remote with it", locked, "192.0.2.7:5000", "Bearer s3cret", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/_mock/faults", nil)
			r.RemoteAddr = tt.remote
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			w := httptest.NewRecorder()
			tt.srv.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status = %d; want %d\n%s", w.Code, tt.status, w.Body)
			}
			var env struct{ Error struct{ Code string } }
			_ = json.Unmarshal(w.Body.Bytes(), &env)
			if env.Error.Code != tt.code {
				t.Errorf("code = %q; want %q", env.Error.Code, tt.code)
			}
		})
	}
	// The Graph side does not need the admin token.
	r := httptest.NewRequest(http.MethodGet, "/beta/security/partner/securityAlerts/"+documentedID, nil)
	r.Header.Set("Authorization", "Bearer opaque")
	w := httptest.NewRecorder()
	locked.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Errorf("Graph GET with an admin token configured: status %d; want 200", w.Code)
	}
}

// TestFaultsThroughServer sets a rule of each kind through the control API
// and sends Graph requests with the contract-checking client: every faulted
// answer is a status the description declares, in the Graph envelope, with
// the headers it requires (Retry-After on 429).
func TestFaultsThroughServer(t *testing.T) {
	ts := newTestServer(t, Config{})
	ctl := newControlClient(t, ts)
	one := alertPath(documentedID)
	rules := `{"value":[
		{"id":"throttled","method":"GET","path":"/beta/security/partner/securityAlerts","session":"s429","kind":"status","status":429,"retryAfter":"0"},
		{"method":"GET","session":"s500","kind":"status","status":500,"times":1},
		{"session":"s503","kind":"status","status":503,"retryAfter":"2.128"},
		{"method":"PATCH","session":"s504","kind":"status","status":504,"latency":"1ms"},
		{"session":"slow","kind":"latency","latency":"1ms"},
		{"path":"/beta/security/partner/securityAlerts/*","session":"gone","kind":"drop"}
	]}`
	r := ctl.call(t, http.MethodPost, "/_mock/faults", rules)
	wantStatus(t, "POST faults", r, http.StatusCreated)
	var added struct{ Value []FaultRule }
	_ = json.Unmarshal(r.Body, &added)
	if len(added.Value) != 6 || added.Value[0].ID != "throttled" || added.Value[1].ID != "1" {
		t.Fatalf("added rules = %+v; want 6 with ids throttled, 1, …", added.Value)
	}

	tests := []struct {
		name       string
		rq         req
		status     int
		code       string
		retryAfter string
	}{
		{"429 list", req{Path: "/security/partner/securityAlerts", Session: "s429"}, 429, CodeTooManyRequests, "0"},
		{"429 rule skips other paths", req{Path: one, Session: "s429"}, 200, "", ""},
		{"500 once", req{Path: one, Session: "s500"}, 500, CodeInternalServerError, ""},
		{"500 used up", req{Path: one, Session: "s500"}, 200, "", ""},
		{"503", req{Path: one, Session: "s503"}, 503, CodeServiceUnavailable, "2.128"},
		{"503 on PATCH too", req{Method: http.MethodPatch, Path: one, Session: "s503", Body: `{"status":"resolved"}`}, 503, CodeServiceUnavailable, "2.128"},
		{"504 on PATCH", req{Method: http.MethodPatch, Path: one, Session: "s504", Body: `{"status":"resolved"}`}, 504, CodeGatewayTimeout, ""},
		{"504 rule skips GET", req{Path: one, Session: "s504"}, 200, "", ""},
		{"latency", req{Path: one, Session: "slow"}, 200, "", ""},
		{"other session untouched", req{Path: "/security/partner/securityAlerts", Session: "fine"}, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do(t, tt.rq)
			if r.Status != tt.status {
				t.Fatalf("status = %d; want %d\n%s", r.Status, tt.status, r.Body)
			}
			if tt.code != "" && r.ErrorCode(t) != tt.code {
				t.Errorf("code = %q; want %q", r.ErrorCode(t), tt.code)
			}
			if got := r.Header.Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q; want %q", got, tt.retryAfter)
			}
		})
	}
	if got := alertStatus(t, ts, "s504", documentedID); got != "active" {
		t.Errorf("alert after a 504-faulted PATCH: status %q; want %q (the request never reached the store)", got, "active")
	}

	t.Run("drop", func(t *testing.T) {
		rq, _ := http.NewRequest(http.MethodGet, ts.URL+one, nil)
		rq.Header.Set(HeaderSession, "gone")
		rq.Header.Set("Authorization", "Bearer test")
		// A fresh connection: Go retries an idempotent request once when a
		// reused connection breaks, which would journal it twice.
		tr := &http.Transport{DisableKeepAlives: true}
		defer tr.CloseIdleConnections()
		resp, err := tr.RoundTrip(rq)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("dropped request answered %d; want a transport error", resp.StatusCode)
		}
		// Read at once: the entry is recorded before the connection closes.
		var j struct{ Value []JournalEntry }
		_ = json.Unmarshal(ctl.call(t, http.MethodGet, "/_mock/sessions/gone/journal", "").Body, &j)
		if len(j.Value) != 1 || j.Value[0].Status != 0 {
			t.Errorf("journal of the dropped request = %+v; want one entry with status 0", j.Value)
		}
	})

	r = ctl.call(t, http.MethodGet, "/_mock/faults", "")
	var listed struct{ Value []FaultRule }
	_ = json.Unmarshal(r.Body, &listed)
	fired := map[string]int{}
	for _, f := range listed.Value {
		fired[f.ID] = f.Fired
	}
	if fired["throttled"] != 1 || fired["1"] != 1 || fired["2"] != 2 {
		t.Errorf("fired counts = %v; want throttled:1 1:1 2:2", fired)
	}

	wantStatus(t, "DELETE one fault", ctl.call(t, http.MethodDelete, "/_mock/faults/throttled", ""), http.StatusNoContent)
	if r := ts.do(t, req{Path: "/security/partner/securityAlerts", Session: "s429"}); r.Status != 200 {
		t.Errorf("after deleting the 429 rule: status %d; want 200", r.Status)
	}
	r = ctl.call(t, http.MethodDelete, "/_mock/faults/throttled", "")
	if r.Status != http.StatusNotFound || !strings.Contains(r.ErrorMessage(t), "'throttled'") {
		t.Errorf("DELETE unknown fault: %d %q; want 404 naming 'throttled'", r.Status, r.ErrorMessage(t))
	}
	wantStatus(t, "DELETE all faults", ctl.call(t, http.MethodDelete, "/_mock/faults", ""), http.StatusNoContent)
	if r := ts.do(t, req{Path: one, Session: "s503"}); r.Status != 200 {
		t.Errorf("after clearing faults: status %d; want 200", r.Status)
	}

	badRules := []struct{ body, field string }{
		{`{"kind":"status","status":404}`, "status"},
		{`{"value":[{"kind":"drop"},{"kind":"latency","latency":"forever"}]}`, "value[1].latency"},
		{`{"kind":"drop","when":"always"}`, "when"},
	}
	for _, tt := range badRules {
		r := ctl.call(t, http.MethodPost, "/_mock/faults", tt.body)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.ErrorMessage(t), "'"+tt.field+"'") {
			t.Errorf("POST %s: %d %q; want 400 naming '%s'", tt.body, r.Status, r.ErrorMessage(t), tt.field)
		}
	}
	if n := len(ts.Faults().Rules()); n != 0 {
		t.Errorf("rules after refused POSTs = %d; want 0", n)
	}
}

// TestProbabilisticFaultRepeatable: the same rule with the same seed on two
// fresh servers faults the same requests.
func TestProbabilisticFaultRepeatable(t *testing.T) {
	run := func(seed uint64) []int {
		ts := newTestServer(t, Config{Faults: []FaultRule{{Kind: FaultStatus, Status: 503, Probability: 0.5, Seed: seed}}})
		var got []int
		for i := 0; i < 20; i++ {
			got = append(got, ts.do(t, req{Path: alertPath(documentedID)}).Status)
		}
		return got
	}
	a, b := run(7), run(7)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different sequences:\n%v\n%v", a, b)
	}
	if !slices.Contains(a, 503) || !slices.Contains(a, 200) {
		t.Errorf("sequence %v; want a mix of 503 and 200 at probability 0.5", a)
	}
	if c := run(8); slices.Equal(a, c) {
		t.Errorf("seeds 7 and 8 gave the same sequence %v", a)
	}
}

// TestThrottleThroughServer: a throttle set through the control API answers
// 429 with Retry-After (valid per the description) to a session over its
// rate while other sessions pass, and lets it through again once time has
// passed. The server clock stands still unless the test moves it.
func TestThrottleThroughServer(t *testing.T) {
	clock := newStepClock()
	ts := newTestServer(t, Config{Now: clock.Now})
	ctl := newControlClient(t, ts)
	r := ctl.call(t, http.MethodPut, "/_mock/throttle", `{"requestsPerSecond":3}`)
	wantStatus(t, "PUT throttle", r, http.StatusOK)
	if !strings.Contains(string(r.Body), `"burst":3`) {
		t.Errorf("PUT throttle answer %s; want the burst filled in (3)", r.Body)
	}
	const n = 12
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := ts.do(t, req{Path: alertPath(documentedID), Session: "busy"})
			statuses[i] = r.Status
			if r.Status == http.StatusTooManyRequests {
				if ra := r.Header.Get("Retry-After"); ra != "1" {
					t.Errorf("Retry-After = %q; want %q", ra, "1")
				}
				if code := r.ErrorCode(t); code != CodeTooManyRequests {
					t.Errorf("code = %q; want %q", code, CodeTooManyRequests)
				}
			}
		}()
	}
	wg.Wait()
	ok, throttled := 0, 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 429:
			throttled++
		}
	}
	if ok != 3 || throttled != n-3 {
		t.Errorf("under load: %d × 200, %d × 429; want 3 and %d", ok, throttled, n-3)
	}
	if r := ts.do(t, req{Path: alertPath(documentedID), Session: "calm"}); r.Status != 200 {
		t.Errorf("another session: status %d; want 200", r.Status)
	}
	wantStatus(t, "control call of a throttled client", ctl.call(t, http.MethodGet, "/_mock/throttle", ""), http.StatusOK)

	clock.Advance(time.Second)
	for i := 0; i < 3; i++ {
		if r := ts.do(t, req{Path: alertPath(documentedID), Session: "busy"}); r.Status != 200 {
			t.Errorf("after a second, request %d: status %d; want 200 (recovered)", i+1, r.Status)
		}
	}
	if r := ts.do(t, req{Path: alertPath(documentedID), Session: "busy"}); r.Status != 429 {
		t.Errorf("4th request in the new second: status %d; want 429", r.Status)
	}
	r = ctl.call(t, http.MethodPut, "/_mock/throttle", `{"requestsPerSecond":-1}`)
	if r.Status != 400 || !strings.Contains(r.ErrorMessage(t), "'requestsPerSecond'") {
		t.Errorf("negative rate: %d %q; want 400 naming 'requestsPerSecond'", r.Status, r.ErrorMessage(t))
	}
	r = ctl.call(t, http.MethodPut, "/_mock/throttle", `{"rps":1}`)
	if r.Status != 400 || !strings.Contains(r.ErrorMessage(t), "'rps'") {
		t.Errorf("unknown field: %d %q; want 400 naming 'rps'", r.Status, r.ErrorMessage(t))
	}
	wantStatus(t, "DELETE throttle", ctl.call(t, http.MethodDelete, "/_mock/throttle", ""), http.StatusNoContent)
	for i := 0; i < 10; i++ {
		if r := ts.do(t, req{Path: alertPath(documentedID), Session: "busy"}); r.Status != 200 {
			t.Fatalf("without a throttle: status %d; want 200", r.Status)
		}
	}
}

// TestNewRejectsBadControlConfig: a bad rule or throttle in Config stops New
// with a message naming the field.
func TestNewRejectsBadControlConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"fault", Config{Faults: []FaultRule{{Kind: FaultDrop}, {Kind: "nope"}}}, "value[1].kind"},
		{"throttle", Config{Throttle: ThrottleConfig{RequestsPerSecond: 1, Burst: -2}}, "burst"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), "'"+tt.want+"'") {
				t.Errorf("New = %v; want an error naming '%s'", err, tt.want)
			}
		})
	}
}
