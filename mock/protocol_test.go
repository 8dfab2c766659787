package mock

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/partner-security/alertmock/mock/alert"
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
		var env errorBody
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
