package mock

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/grapherr"
)

// checkEnvelope fails unless an error answer is the Graph envelope: JSON
// Content-Type, a code, and innerError's request-id equal to the header.
// A HEAD answer has no body; its headers are checked.
func checkEnvelope(tb testing.TB, what string, method string, status int, h http.Header, body []byte) {
	tb.Helper()
	if status >= 300 && status < 400 {
		tb.Errorf("%s: Status = %d (%s); the mock never redirects", what, status, h.Get("Location"))
		return
	}
	if status < 400 {
		return
	}
	if ct := h.Get("Content-Type"); ct != "application/json" {
		tb.Errorf("%s: %d with Content-Type %q; want application/json\n%s", what, status, ct, body)
		return
	}
	if h.Get(grapherr.HeaderRequestID) == "" {
		tb.Errorf("%s: %d without a request-id header", what, status)
	}
	if method == http.MethodHead {
		return
	}
	var env grapherr.Envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Error.Code == "" || env.Error.Message == "" {
		tb.Errorf("%s: %d body is not the Graph envelope (%v): %s", what, status, err, body)
		return
	}
	if got := grapherr.StatusOf(env.Error.Code); got != status {
		tb.Errorf("%s: status %d with code %s (whose status is %d)", what, status, env.Error.Code, got)
	}
	if env.Error.InnerError.RequestID != h.Get(grapherr.HeaderRequestID) {
		tb.Errorf("%s: innerError.request-id %q, header %q", what, env.Error.InnerError.RequestID, h.Get(grapherr.HeaderRequestID))
	}
}

// TestEveryHandlerAnswerIsEnvelope sweeps methods over Graph paths, the
// mock's own paths and odd ones (issue #19 part 5): every error that
// reaches the mock's handler is the Graph envelope and nothing redirects.
// Before the fix, /healthz answered ServeMux's text/plain 405 to other
// methods and control paths with "//", "." or ".." a 307 text/html redirect.
func TestEveryHandlerAnswerIsEnvelope(t *testing.T) {
	ts := newTestServer(t, Config{})
	paths := []string{
		"/", "/healthz", "/healthz/", "//healthz", "/x/../healthz", "/healthz/.",
		"/beta", "/beta/", "/beta" + listPath, "/beta" + alertPath(alert.DocumentedID), "/beta" + listPath + "//x",
		"/_mock", "/_mock/", "/_mock/reset", "/_mock//reset", "/_mock/./reset", "/_mock/x/../reset",
		"/_mock/sessions", "/_mock/sessions/", "/_mock/sessions/a//reset", "/_mock/sessions/a/./reset",
		"/_mock/sessions/a/../b/reset", "/_mock/sessions/%2e%2e/reset", "/_mock/faults/", "/_mock/faults/1/",
		"/_mock/faults/.", "/_mock/throttle/..", "/_mock/sessions/a/journal/",
	}
	methods := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"}
	for _, p := range paths {
		for _, m := range methods {
			r, err := http.NewRequest(m, ts.Root+p, strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultTransport.RoundTrip(r) // no redirects followed, no contract check
			if err != nil {
				t.Fatalf("%s %s: %v", m, p, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			checkEnvelope(t, m+" "+p, m, resp.StatusCode, resp.Header, body)
		}
	}
}

// TestHealthzMethods: GET and HEAD answer 200; any other method is a 405
// in the Graph envelope with Allow (it was ServeMux's text/plain 405).
func TestHealthzMethods(t *testing.T) {
	ts := newTestServer(t, Config{})
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		r, _ := http.NewRequest(m, ts.Root+"/healthz", nil)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := http.StatusMethodNotAllowed
		if m == "GET" || m == "HEAD" {
			want = http.StatusOK
		}
		if resp.StatusCode != want {
			t.Errorf("%s /healthz: Status = %d; want %d", m, resp.StatusCode, want)
			continue
		}
		if want == http.StatusMethodNotAllowed {
			checkEnvelope(t, m+" /healthz", m, resp.StatusCode, resp.Header, body)
			if a := resp.Header.Get("Allow"); a != "GET, HEAD" {
				t.Errorf("%s /healthz: Allow = %q; want \"GET, HEAD\"", m, a)
			}
		}
	}
}

// TestControlUncleanPathIs404NotRedirect: the control API's ServeMux
// redirected a path with "//", "." or ".." segments (307, text/html); it is
// a 404 in the envelope, and the request does not reach the cleaned path's
// handler (no reset happens).
func TestControlUncleanPathIs404NotRedirect(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.do(t, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Body: `{"status":"resolved"}`})
	for _, p := range []string{"/_mock//reset", "/_mock/./reset", "/_mock/x/../reset", "/_mock/reset/.", "/_mock/sessions/default/../default/reset"} {
		got := ts.rawDo(t, http.MethodPost, p, "", nil)
		if got.Status != http.StatusNotFound || got.ErrorCode(t) != CodeResourceNotFound {
			t.Errorf("POST %s: Status, code = %d, %s; want 404 %s\n%s", p, got.Status, got.ErrorCode(t), CodeResourceNotFound, got.Body)
		}
	}
	if s := mustAlert(t, ts.Server, DefaultSession, alert.DocumentedID).Status; s != alert.StatusResolved {
		t.Errorf("alert status = %s; want resolved (no unclean path may reset)", s)
	}
}

// TestControlBodyInvalidUTF8: the control API stored a fault message with
// the byte 0xff as U+FFFD and answered 201; a body that is not UTF-8 is a
// 400 naming the offset, and nothing is stored.
func TestControlBodyInvalidUTF8(t *testing.T) {
	ts := newTestServer(t, Config{})
	ctl := newControlClient(t, ts)
	tests := []struct {
		method, path, body string
	}{
		{"POST", "/_mock/faults", "{\"kind\":\"status\",\"status\":503,\"message\":\"a\xffb\"}"},
		{"PUT", "/_mock/throttle", "{\"requestsPerSecond\":5,\"x\xfe\":1}"},
		{"POST", "/_mock/sessions/u/alerts", "{\"id\":\"\xc3\"}"},
		{"PUT", "/_mock/sessions/u/alerts", "{\"value\":[{\"title\":\"\xed\xa0\x80\"}]}"}, // a UTF-16 surrogate in UTF-8 form
	}
	for _, tt := range tests {
		got := ctl.call(t, tt.method, tt.path, tt.body)
		if got.Status != http.StatusBadRequest || !strings.Contains(got.ErrorMessage(t), "not valid UTF-8") {
			t.Errorf("%s %s: %d %s; want 400 saying the body is not valid UTF-8", tt.method, tt.path, got.Status, got.Body)
		}
	}
	if rules := ts.Faults().Rules(); len(rules) != 0 {
		t.Errorf("fault rules = %+v; want none stored", rules)
	}
	if c := ts.Throttle().Config(); c.RequestsPerSecond != 0 {
		t.Errorf("throttle = %+v; want unchanged", c)
	}
	if ok := ctl.call(t, "POST", "/_mock/faults", `{"kind":"status","status":503,"message":"caf\u00e9 ☕"}`); ok.Status != http.StatusCreated {
		t.Errorf("valid UTF-8 message: %d %s; want 201", ok.Status, ok.Body)
	}
}
