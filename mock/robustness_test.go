package mock

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/odata"
)

// Regression tests for what a hostile or sloppy client sent: every answer must
// be the right status with a Graph envelope naming the problem, and the server
// must keep its state and memory bounded.

// rawDo sends a request on a path below the server's root (not the base URL)
// with the headers as given, repeated ones too. Like do, it does not follow
// redirects (a redirect is itself the bug some cases reproduce).
func (ts *testServer) rawDo(tb testing.TB, method, path string, body string, header http.Header) response {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, ts.Root+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer test")
	for k, vs := range header {
		r.Header.Del(k)
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	resp, err := ts.Client.Do(r)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// TestUncleanPathIsGraph404NotRedirect reproduces GET
// /beta/security/partner/securityAlerts//{id}: net/http's ServeMux answered a
// 307 redirect with a text/html body instead of a Graph answer.
func TestUncleanPathIsGraph404NotRedirect(t *testing.T) {
	ts := newTestServer(t, Config{})
	tests := []struct {
		name, path, contains string
	}{
		{"double slash before id", "/beta/security/partner/securityAlerts//" + alert.DocumentedID, "segment ''"},
		{"double slash inside", "/beta/security//partner/securityAlerts", "segment ''"},
		{"leading double slash", "//beta/security/partner/securityAlerts", "segment ''"},
		{"dot dot", "/beta/security/partner/x/../securityAlerts", "segment 'x'"},
		{"dot", "/beta/security/./partner/securityAlerts", "segment '.'"},
		{"trailing slash on the list", "/beta/security/partner/securityAlerts/", "segment ''"},
		{"trailing slash on an alert", "/beta/security/partner/securityAlerts/" + alert.DocumentedID + "/", "segment ''"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ts.rawDo(t, "GET", tt.path, "", nil)
			if got.Status != http.StatusNotFound || got.ErrorCode(t) != CodeResourceNotFound {
				t.Fatalf("Status, code = %d, %s; want 404 %s\n%s", got.Status, got.ErrorCode(t), CodeResourceNotFound, got.Body)
			}
			if msg := got.ErrorMessage(t); !strings.Contains(msg, tt.contains) {
				t.Errorf("message = %q; want it to contain %q", msg, tt.contains)
			}
		})
	}
}

// TestPatchContentTypeVariants reproduces PATCHes whose Content-Type was
// accepted although the body cannot be read as the UTF-8 JSON the mock
// decodes (charset=latin1), or was ambiguous (two Content-Type headers, the
// first one deciding).
func TestPatchContentTypeVariants(t *testing.T) {
	ts := newTestServer(t, Config{})
	body := `{"status":"investigating"}`
	tests := []struct {
		name     string
		ct       []string
		status   int
		contains string
	}{
		{"uppercase media type", []string{"APPLICATION/JSON"}, 200, ""},
		{"charset utf-8", []string{"application/json; charset=utf-8"}, 200, ""},
		{"charset UTF-8 quoted", []string{`application/json;charset="UTF-8"`}, 200, ""},
		{"odata parameters", []string{"application/json;odata.metadata=minimal"}, 200, ""},
		{"charset latin1", []string{"application/json;charset=latin1"}, 415, "'latin1'"},
		{"charset utf-16", []string{"application/json; charset=utf-16"}, 415, "'utf-16'"},
		{"jsonx", []string{"application/jsonx"}, 415, "'application/jsonx'"},
		{"json then text", []string{"application/json", "text/plain"}, 415, "more than one Content-Type"},
		{"text then json", []string{"text/plain", "application/json"}, 415, "more than one Content-Type"},
		{"missing", nil, 415, "no Content-Type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Content-Type": tt.ct, HeaderSession: {"ct-" + tt.name}}
			if tt.ct == nil {
				h["Content-Type"] = []string{}
			}
			got := ts.rawDo(t, "PATCH", "/beta"+alertPath(alert.DocumentedID), body, h)
			if got.Status != tt.status {
				t.Fatalf("Status = %d; want %d\n%s", got.Status, tt.status, got.Body)
			}
			if tt.status == 200 {
				return
			}
			if got.ErrorCode(t) != CodeUnsupportedMediaType {
				t.Errorf("code = %s; want %s", got.ErrorCode(t), CodeUnsupportedMediaType)
			}
			if msg := got.ErrorMessage(t); !strings.Contains(msg, tt.contains) {
				t.Errorf("message = %q; want it to contain %q", msg, tt.contains)
			}
			if a := mustAlert(t, ts.Server, "ct-"+tt.name, alert.DocumentedID); a.Status != alert.StatusActive {
				t.Errorf("status after a rejected PATCH = %s; want active", a.Status)
			}
		})
	}
}

// TestPatchBodyEdgeCases pins the answers to bodies a JSON library might
// produce by accident: a byte order mark, a NUL, escaped member names.
func TestPatchBodyEdgeCases(t *testing.T) {
	ts := newTestServer(t, Config{})
	tests := []struct {
		name, body string
		status     int
		contains   string
	}{
		{"byte order mark", "\ufeff" + `{"status":"resolved"}`, 400, "byte order mark"},
		{"trailing NUL", `{"status":"resolved"}` + "\x00", 400, "more after the object"},
		{"NUL in a string", "{\"status\":\"resol\x00ved\"}", 400, "not valid JSON"},
		{"escaped name", `{"\u0073tatus":"resolved"}`, 200, ""},
		{"escaped duplicate", `{"status":"resolved","\u0073tatus":"active"}`, 400, "'status' appears more than once"},
		{"huge number", `{"status":1e999}`, 400, "'status'"},
		{"invalid UTF-8 value", "{\"status\":\"resolved\xff\"}", 400, "'status'"},
		{"deep nesting", `{"status":"resolved","x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, 400, "not valid JSON"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			session := fmt.Sprint("body-", i)
			got := ts.do(t, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Body: tt.body, Session: session})
			if got.Status != tt.status {
				t.Fatalf("Status = %d; want %d\n%s", got.Status, tt.status, got.Body)
			}
			if tt.status != 200 {
				if msg := got.ErrorMessage(t); !strings.Contains(msg, tt.contains) {
					t.Errorf("message = %q; want it to contain %q", msg, tt.contains)
				}
				if a := mustAlert(t, ts.Server, session, alert.DocumentedID); a.Status != alert.StatusActive {
					t.Errorf("status after a rejected PATCH = %s; want active", a.Status)
				}
			}
		})
	}
}

// TestJWTPayloadNotAnObject reproduces a JWT whose payload is JSON null: it
// decoded into empty claims and earned 403 instead of the 401 of a malformed
// token.
func TestJWTPayloadNotAnObject(t *testing.T) {
	ts := newTestServer(t, Config{})
	h := "eyJhbGciOiJub25lIn0" // {"alg":"none"}
	enc := b64url
	tests := []struct{ name, token string }{
		{"payload null", h + "." + enc("null") + "."},
		{"payload array", h + "." + enc(`[]`) + "."},
		{"payload string", h + "." + enc(`"x"`) + "."},
		{"header null", enc("null") + "." + enc(`{"scp":"PartnerSecurity.Read.All"}`) + "."},
		{"scp as array", h + "." + enc(`{"scp":["PartnerSecurity.Read.All"]}`) + "."},
		{"roles as string", h + "." + enc(`{"roles":"PartnerSecurity.Read.All"}`) + "."},
		{"exp as string", h + "." + enc(`{"scp":"PartnerSecurity.Read.All","exp":"1"}`) + "."},
		{"bad base64", h + ".!!!."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ts.do(t, req{Path: listPath, Token: tt.token})
			if got.Status != http.StatusUnauthorized || got.ErrorCode(t) != CodeInvalidAuthenticationToken {
				t.Fatalf("Status, code = %d, %s; want 401 %s\n%s", got.Status, got.ErrorCode(t), CodeInvalidAuthenticationToken, got.Body)
			}
		})
	}
}

// TestCachesSkipHugeKeys reproduces the memory a client could pin with long
// request paths and tokens (up to the 1 MB header limit each): the route
// cache kept 4,096 of them and the token cache 1,024.
func TestCachesSkipHugeKeys(t *testing.T) {
	ts := newTestServer(t, Config{})
	long := strings.Repeat("a", 64<<10)
	if got := ts.do(t, req{Path: alertPath(long)}); got.Status != http.StatusNotFound {
		t.Fatalf("GET long id: Status = %d; want 404", got.Status)
	}
	if got := ts.do(t, req{Path: listPath, Token: long}); got.Status != http.StatusOK {
		t.Fatalf("GET with a long opaque token: Status = %d; want 200", got.Status)
	}
	// The route cache's bound is tested in package graphapi
	// (TestRouteCacheSkipsHugeKeys), the token cache's in package auth
	// (TestParseCache).
}

// TestSessionNameTooLong reproduces an X-Mock-Session of 100 KB: the store,
// the journal and the throttle each kept it as a key.
func TestSessionNameTooLong(t *testing.T) {
	ts := newTestServer(t, Config{})
	long := strings.Repeat("s", MaxSessionNameBytes+1)
	tests := []struct {
		name string
		rq   req
	}{
		{"header", req{Path: listPath, Session: long}},
		{"tid claim", req{Path: listPath, Token: jwt(map[string]any{"scp": "PartnerSecurity.Read.All", "tid": long})}},
		{"patch", req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Body: `{"status":"resolved"}`, Session: long}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ts.do(t, tt.rq)
			if got.Status != http.StatusBadRequest || got.ErrorCode(t) != CodeBadRequest {
				t.Fatalf("Status, code = %d, %s; want 400 %s\n%s", got.Status, got.ErrorCode(t), CodeBadRequest, got.Body)
			}
			if msg := got.ErrorMessage(t); !strings.Contains(msg, "'"+HeaderSession+"'") {
				t.Errorf("message = %q; want it to name '%s'", msg, HeaderSession)
			}
		})
	}
	if n := len(ts.Sessions()); n != 0 {
		t.Errorf("sessions after rejected requests = %d; want 0", n)
	}
	ok := strings.Repeat("s", MaxSessionNameBytes)
	if got := ts.do(t, req{Path: listPath, Session: ok}); got.Status != http.StatusOK {
		t.Errorf("session name of exactly %d bytes: Status = %d; want 200", MaxSessionNameBytes, got.Status)
	}
	// The control API names sessions in its path: the same limit.
	r, err := http.NewRequest("POST", ts.Root+"/_mock/sessions/"+long+"/reset", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("control reset of a too long session: Status = %d; want 400", resp.StatusCode)
	}
	resp, err = http.Post(ts.Root+"/_mock/sessions/%FF/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "UTF-8") {
		t.Errorf("control reset of session %%FF: %d %s; want 400 saying UTF-8", resp.StatusCode, b)
	}
}

// TestSessionsAreCapped reproduces a client that sends a fresh X-Mock-Session
// with every request: each one stayed in the store and the journal for ever.
// Past Config.MaxSessions the least recently used session is forgotten.
func TestSessionsAreCapped(t *testing.T) {
	ts := newTestServer(t, Config{MaxSessions: 3})
	patch := func(session string) {
		t.Helper()
		got := ts.do(t, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Body: `{"status":"resolved"}`, Session: session})
		if got.Status != http.StatusOK {
			t.Fatalf("PATCH in %s: Status = %d; want 200\n%s", session, got.Status, got.Body)
		}
	}
	patch("a")
	patch("b")
	patch("c")
	ts.do(t, req{Path: listPath, Session: "a"}) // a is now more recent than b
	for i := range 20 {
		ts.do(t, req{Path: listPath, Session: fmt.Sprint("fresh-", i)})
	}
	if n := len(ts.Sessions()); n > 3 {
		t.Errorf("sessions = %d; want at most 3", n)
	}
	rings := ts.Journal().Sessions()
	if rings > 3 {
		t.Errorf("journal sessions = %d; want at most 3", rings)
	}

	// The most recently used session survives a new one.
	ts2 := newTestServer(t, Config{MaxSessions: 2})
	ts = ts2
	patch("old")
	patch("kept")
	ts.do(t, req{Path: listPath, Session: "old"})
	ts.do(t, req{Path: listPath, Session: "new"}) // evicts "kept", the least recently used
	if a := mustAlert(t, ts.Server, "old", alert.DocumentedID); a.Status != alert.StatusResolved {
		t.Errorf("recently used session: status = %s; want resolved (kept)", a.Status)
	}
	names := []string{}
	for _, si := range ts.Sessions() {
		names = append(names, si.Name)
	}
	if strings.Join(names, ",") != "new,old" {
		t.Errorf("sessions = %v; want [new old]", names)
	}
}

func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestPathSegmentsCaseInsensitive reproduces GET /beta/Security/Partner/SecurityAlerts:
// a 404 naming 'Security', where Graph's URI parser resolves segment names
// case-insensitively. Alert ids stay case-sensitive; /beta is the version.
func TestPathSegmentsCaseInsensitive(t *testing.T) {
	ts := newTestServer(t, Config{})
	upper := strings.ToUpper(alert.DocumentedID)
	tests := []struct {
		name, method, path, body string
		status                   int
		contains                 string
	}{
		{"list, mixed case", "GET", "/beta/Security/Partner/SecurityAlerts", "", 200, ""},
		{"list, upper case", "GET", "/beta/SECURITY/PARTNER/SECURITYALERTS?$top=1", "", 200, ""},
		{"get, lower case", "GET", "/beta/security/partner/securityalerts/" + alert.DocumentedID, "", 200, ""},
		{"patch, mixed case", "PATCH", "/beta/Security/partner/SecurityAlerts/" + alert.DocumentedID, `{"status":"investigating"}`, 200, ""},
		{"id keeps its case", "GET", "/beta/security/partner/securityAlerts/" + upper, "", 404, "'" + upper + "'"},
		{"version is exact", "GET", "/BETA/security/partner/securityAlerts", "", 404, "segment 'BETA'"},
		{"unknown segment keeps its spelling", "GET", "/beta/Security/Partners/securityAlerts", "", 404, "segment 'Partners'"},
		{"method on a mixed case path", "DELETE", "/beta/Security/Partner/SecurityAlerts/" + alert.DocumentedID, "", 405, "'DELETE'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{HeaderSession: {"case"}}
			if tt.body != "" {
				h.Set("Content-Type", "application/json")
			}
			got := ts.rawDo(t, tt.method, tt.path, tt.body, h)
			if got.Status != tt.status {
				t.Fatalf("Status = %d; want %d\n%s", got.Status, tt.status, got.Body)
			}
			if tt.status == 200 {
				ctx, _ := got.JSON(t)["@odata.context"].(string)
				if !strings.Contains(ctx, "$metadata#security/partner/securityAlerts") {
					t.Errorf("@odata.context = %q; want the canonical entity set", ctx)
				}
				return
			}
			if msg := got.ErrorMessage(t); !strings.Contains(msg, tt.contains) {
				t.Errorf("message = %q; want it to contain %q", msg, tt.contains)
			}
		})
	}
	if a := mustAlert(t, ts.Server, "case", alert.DocumentedID); a.Status != alert.StatusInvestigating {
		t.Errorf("status after PATCH on a mixed case path = %s; want investigating", a.Status)
	}
}

// TestConcurrentPatchResetListEvict runs PATCHes, resets, lists and a stream
// of fresh sessions (forcing evictions past MaxSessions) against one session
// at once: every answer is a success, every PATCH answer holds an unbroken
// activity log from the seed's status, every list has the whole dataset.
func TestConcurrentPatchResetListEvict(t *testing.T) {
	ts := newTestServer(t, Config{MaxSessions: 4})
	const session, rounds = "shared", 60
	seedLen := len(ts.Alerts("other"))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() { // PATCH
			for i := range rounds {
				st := []string{"active", "investigating", "resolved"}[(g+i)%3]
				got := ts.do(t, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Body: `{"status":"` + st + `"}`, Session: session})
				if got.Status != 200 {
					t.Errorf("PATCH: %d %s", got.Status, got.Body)
					return
				}
				var a alert.Alert
				if err := json.Unmarshal(got.Body, &a); err != nil {
					t.Errorf("PATCH body: %v", err)
					return
				}
				prev := alert.StatusActive
				for _, l := range a.ActivityLogs {
					if l.StatusFrom != prev {
						t.Errorf("activity log breaks: %s → %s after %s", l.StatusFrom, l.StatusTo, prev)
					}
					prev = l.StatusTo
				}
				if prev != a.Status {
					t.Errorf("log ends in %s; status %s", prev, a.Status)
				}
			}
		})
	}
	wg.Go(func() { // reset
		for range rounds {
			r, _ := http.NewRequest("POST", ts.Root+"/_mock/sessions/"+session+"/reset", nil)
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Errorf("reset: %d", resp.StatusCode)
			}
		}
	})
	wg.Go(func() { // list
		for range rounds {
			got := ts.do(t, req{Path: listPath + "?$top=999&$count=true&$select=id,status", Session: session})
			if got.Status != 200 {
				t.Errorf("list: %d", got.Status)
				return
			}
			if n, _ := got.JSON(t)["@odata.count"].(float64); int(n) != seedLen {
				t.Errorf("@odata.count = %v; want %d", n, seedLen)
			}
		}
	})
	wg.Go(func() { // fresh sessions: evictions
		for i := range rounds {
			ts.do(t, req{Path: listPath + "?$top=1", Session: fmt.Sprint("fresh-", i)})
		}
	})
	wg.Wait()
	if n := len(ts.Sessions()); n > 4 {
		t.Errorf("sessions = %d; want at most 4", n)
	}
}

// TestNoHostHeader reproduces an HTTP/1.0 request without Host: the
// @odata.context and @odata.nextLink were "http:///beta/…", URLs a client
// cannot follow. They now name the address the request came in on.
func TestNoHostHeader(t *testing.T) {
	ts := newTestServer(t, Config{})
	addr := strings.TrimPrefix(ts.Root, "http://")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /beta/security/partner/securityAlerts?$top=1&$select=id HTTP/1.0\r\nAuthorization: Bearer x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("Status = %d; want 200\n%s", resp.StatusCode, b)
	}
	m := response{Body: b}.JSON(t)
	for _, k := range []string{"@odata.context", "@odata.nextLink"} {
		if v, _ := m[k].(string); !strings.HasPrefix(v, "http://"+addr+"/beta/") {
			t.Errorf("%s = %q; want it on http://%s/beta/", k, v, addr)
		}
	}
}

// TestPatchContentEncoding reproduces a gzip-compressed PATCH body: the mock
// read the compressed bytes as JSON ("invalid character '\x1f'"). A content
// coding the mock does not decode is a 415 naming it.
func TestPatchContentEncoding(t *testing.T) {
	ts := newTestServer(t, Config{})
	tests := []struct {
		name, encoding string
		status         int
	}{
		{"gzip", "gzip", 415},
		{"br", "br", 415},
		{"identity", "identity", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ts.do(t, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Body: `{"status":"investigating"}`,
				Session: "enc-" + tt.name, Header: map[string]string{"Content-Encoding": tt.encoding}})
			if got.Status != tt.status {
				t.Fatalf("Status = %d; want %d\n%s", got.Status, tt.status, got.Body)
			}
			if tt.status != 200 {
				if code, msg := got.ErrorCode(t), got.ErrorMessage(t); code != CodeUnsupportedMediaType || !strings.Contains(msg, "'"+tt.encoding+"'") {
					t.Errorf("code, message = %s, %q; want %s naming '%s'", code, msg, CodeUnsupportedMediaType, tt.encoding)
				}
			}
		})
	}
}

// TestSessionNameNotText reproduces an X-Mock-Session of bytes that are not
// UTF-8 (or hold control characters): the session was created, and listed
// by the control API under a name no request could address again.
func TestSessionNameNotText(t *testing.T) {
	ts := newTestServer(t, Config{})
	for _, name := range []string{"\xff\xfe", "tab\there", "a\u0085b"} {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			got := ts.do(t, req{Path: listPath + "?$top=1", Session: name})
			if got.Status != http.StatusBadRequest || !strings.Contains(got.ErrorMessage(t), "'"+HeaderSession+"'") {
				t.Fatalf("Status = %d %s; want 400 naming '%s'", got.Status, got.Body, HeaderSession)
			}
		})
	}
	if got := ts.do(t, req{Path: listPath + "?$top=1", Session: "suite café 1"}); got.Status != http.StatusOK {
		t.Errorf("session name with a space and non-ASCII letters: Status = %d; want 200", got.Status)
	}
	if n := len(ts.Sessions()); n != 1 {
		t.Errorf("sessions = %d; want 1", n)
	}
}

// TestControlBodyReadError reproduces a control API call whose chunked body
// is malformed: the read error reached asError as an unknown error and the
// client got 500 InternalServerError for its own mistake.
func TestControlBodyReadError(t *testing.T) {
	ts := newTestServer(t, Config{})
	for _, path := range []string{"/_mock/sessions/x/alerts", "/_mock/faults"} {
		t.Run(path, func(t *testing.T) {
			c, err := net.Dial("tcp", strings.TrimPrefix(ts.Root, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, err = io.WriteString(c, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "could not be read") {
				t.Errorf("Status = %d %s; want 400 saying the body could not be read", resp.StatusCode, b)
			}
		})
	}
}

// TestFilterNestingLimit reproduces a $filter of 100,000 nested parentheses
// (or "not"s): the recursive-descent parser recursed three frames per level,
// so the goroutine's stack grew with the depth for every such request (and
// compiled a closure chain as deep). Nesting deeper than odata.MaxFilterDepth is
// now a 400 naming $filter.
func TestFilterNestingLimit(t *testing.T) {
	ts := newTestServer(t, Config{})
	q := func(s string) string { return listPath + "?$filter=" + url.QueryEscape(s) }
	tests := []struct {
		name, path string
		status     int
	}{
		{"parentheses at the limit", q(strings.Repeat("(", odata.MaxFilterDepth-1) + "status eq 'active'" + strings.Repeat(")", odata.MaxFilterDepth-1)), 200},
		{"parentheses over the limit", q(strings.Repeat("(", 100000) + "status eq 'active'" + strings.Repeat(")", 100000)), 400},
		{"not over the limit", q(strings.Repeat("not ", 100000) + "status eq 'active'"), 400},
		{"long flat or", q(strings.Repeat("status eq 'active' or ", 2000) + "status eq 'active'"), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ts.do(t, req{Path: tt.path})
			if got.Status != tt.status {
				t.Fatalf("Status = %d; want %d\n%.300s", got.Status, tt.status, got.Body)
			}
			if tt.status == 400 && !strings.Contains(got.ErrorMessage(t), "'$filter'") {
				t.Errorf("message = %.200q; want it to name '$filter'", got.ErrorMessage(t))
			}
		})
	}
}

// TestAuthorizationVariants pins the answers to Authorization headers that
// differ from the textbook "Bearer <token>" (all fine when probed).
func TestAuthorizationVariants(t *testing.T) {
	ts := newTestServer(t, Config{})
	read := jwt(map[string]any{"scp": "PartnerSecurity.Read.All"})
	tests := []struct {
		name   string
		auth   []string
		status int
	}{
		{"lowercase scheme", []string{"bearer " + read}, 200},
		{"uppercase scheme", []string{"BEARER " + read}, 200},
		{"extra spaces", []string{"Bearer    " + read + "   "}, 200},
		{"tab instead of space", []string{"Bearer\t" + read}, 401},
		{"two headers, Bearer first", []string{"Bearer " + read, "Basic dXNlcjpwYXNz"}, 200},
		{"two headers, Basic first", []string{"Basic dXNlcjpwYXNz", "Bearer " + read}, 401},
		{"two dots only", []string{"Bearer .."}, 401},
		{"four parts", []string{"Bearer a.b.c.d"}, 401},
		{"scheme only with spaces", []string{"Bearer    "}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ts.rawDo(t, "GET", "/beta"+listPath+"?$top=1", "", http.Header{"Authorization": tt.auth})
			if got.Status != tt.status {
				t.Fatalf("Status = %d; want %d\n%.300s", got.Status, tt.status, got.Body)
			}
		})
	}
}
