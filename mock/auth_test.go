package mock

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/partner-security/alertmock/mock/alert"
)

// hs256 returns a JWT with claims signed with key.
func hs256(key string, claims map[string]any) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	b, _ := json.Marshal(claims)
	in := h + "." + base64.RawURLEncoding.EncodeToString(b)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// with returns a copy of claims with one more claim.
func with(claims map[string]any, k string, v any) map[string]any {
	c := make(map[string]any, len(claims)+1)
	for n, x := range claims {
		c[n] = x
	}
	c[k] = v
	return c
}

func TestAuth(t *testing.T) {
	now := float64(testNow.Unix())
	read := map[string]any{"scp": "PartnerSecurity.Read.All", "upn": "r@x.com"}
	write := map[string]any{"scp": "User.Read PartnerSecurity.ReadWrite.All", "upn": "w@x.com"}
	appRead := map[string]any{"roles": []string{"PartnerSecurity.Read.All"}, "appid": "a"}
	tests := []struct {
		name     string
		cfg      Config
		method   string
		token    string // "-" none
		header   string // raw Authorization header instead of token
		status   int
		code     string
		contains string
	}{
		{"no header", Config{}, "GET", "-", "", 401, CodeInvalidAuthenticationToken, "Access token is empty."},
		{"bearer without token", Config{}, "GET", "-", "Bearer", 401, CodeInvalidAuthenticationToken, "Access token is empty."},
		{"basic scheme", Config{}, "GET", "-", "Basic dXNlcjpwYXNz", 401, CodeInvalidAuthenticationToken, "CompactToken parsing failed"},
		{"malformed JWT", Config{}, "GET", "a.b.c", "", 401, CodeInvalidAuthenticationToken, "CompactToken parsing failed"},
		{"two parts", Config{}, "GET", "a.b", "", 401, CodeInvalidAuthenticationToken, "CompactToken parsing failed"},
		{"expired", Config{}, "GET", jwt(map[string]any{"scp": "PartnerSecurity.Read.All", "exp": now - 1}), "", 401, CodeInvalidAuthenticationToken, "expired or is not valid yet"},
		{"not yet valid", Config{}, "GET", jwt(map[string]any{"scp": "PartnerSecurity.Read.All", "nbf": now + 60}), "", 401, CodeInvalidAuthenticationToken, "expired or is not valid yet"},
		{"no permission claim", Config{}, "GET", jwt(map[string]any{"upn": "x@y.com"}), "", 403, CodeForbidden, "Roles on the request ''"},
		{"wrong scope", Config{}, "GET", jwt(map[string]any{"scp": "User.Read"}), "", 403, CodeForbidden, "API requires one of 'PartnerSecurity.Read.All, PartnerSecurity.ReadWrite.All'. Roles on the request 'User.Read'."},
		{"read scope may not patch", Config{}, "PATCH", jwt(read), "", 403, CodeForbidden, "API requires one of 'PartnerSecurity.ReadWrite.All'. Roles on the request 'PartnerSecurity.Read.All'."},
		{"read role may not patch", Config{}, "PATCH", jwt(appRead), "", 403, CodeForbidden, "'PartnerSecurity.Read.All'"},
		{"read scope reads", Config{}, "GET", jwt(read), "", 200, "", ""},
		{"read role reads", Config{}, "GET", jwt(appRead), "", 200, "", ""},
		{"write scope patches", Config{}, "PATCH", jwt(write), "", 200, "", ""},
		{"valid exp", Config{}, "GET", jwt(map[string]any{"scp": "PartnerSecurity.Read.All", "exp": now + 60, "nbf": now - 60}), "", 200, "", ""},
		{"opaque token", Config{}, "PATCH", "opaque-token", "", 200, "", ""},
		{"auth disabled, no header", Config{DisableAuth: true}, "PATCH", "-", "", 200, "", ""},
		{"auth disabled, no permission", Config{DisableAuth: true}, "PATCH", jwt(read), "", 200, "", ""},
		{"key: signed", Config{AuthKey: []byte("k1")}, "GET", hs256("k1", read), "", 200, "", ""},
		{"key: other key", Config{AuthKey: []byte("k1")}, "GET", hs256("k2", read), "", 401, CodeInvalidAuthenticationToken, "Invalid signature"},
		{"key: unsigned", Config{AuthKey: []byte("k1")}, "GET", jwt(read), "", 401, CodeInvalidAuthenticationToken, "Invalid signature"},
		{"key: opaque", Config{AuthKey: []byte("k1")}, "GET", "opaque", "", 401, CodeInvalidAuthenticationToken, "CompactToken"},
		{"key: signed without permission", Config{AuthKey: []byte("k1")}, "PATCH", hs256("k1", read), "", 403, CodeForbidden, "PartnerSecurity.ReadWrite.All"},
		// Issue #19 part 7: the claim checks of -auth-audience, -auth-issuer and exp.
		{"exp required, none", Config{AuthKey: []byte("k1"), AuthRequireExp: true}, "GET", hs256("k1", read), "", 401, CodeInvalidAuthenticationToken, "no expiry"},
		{"exp required, present", Config{AuthKey: []byte("k1"), AuthRequireExp: true}, "GET", hs256("k1", with(read, "exp", now+60)), "", 200, "", ""},
		{"audience, other", Config{AuthAudience: "api://mock"}, "GET", jwt(with(read, "aud", "https://graph.microsoft.com")), "", 401, CodeInvalidAuthenticationToken, "Invalid audience."},
		{"audience, right", Config{AuthAudience: "api://mock"}, "GET", jwt(with(read, "aud", "api://mock")), "", 200, "", ""},
		{"issuer, other", Config{AuthIssuer: "https://sts.windows.net/t/"}, "GET", jwt(with(read, "iss", "https://evil/")), "", 401, CodeInvalidAuthenticationToken, "Invalid issuer."},
		{"issuer, right", Config{AuthIssuer: "https://sts.windows.net/t/"}, "GET", jwt(with(read, "iss", "https://sts.windows.net/t/")), "", 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, tt.cfg)
			rq := req{Method: tt.method, Path: alertPath(alert.DocumentedID), Token: tt.token}
			if tt.method == "PATCH" {
				rq.Body = `{"status":"investigating"}`
			}
			if tt.header != "" {
				rq.Header = map[string]string{"Authorization": tt.header}
			}
			got := ts.do(t, rq)
			if got.Status != tt.status {
				t.Fatalf("Status = %d; want %d\n%s", got.Status, tt.status, got.Body)
			}
			if tt.status >= 400 {
				if c := got.ErrorCode(t); c != tt.code {
					t.Errorf("code = %q; want %q", c, tt.code)
				}
				if msg := got.ErrorMessage(t); !strings.Contains(msg, tt.contains) {
					t.Errorf("message = %q; want it to contain %q", msg, tt.contains)
				}
				if got.Header.Get("WWW-Authenticate") != "" {
					t.Errorf("WWW-Authenticate = %q; want none (Kiota retries on a claims challenge)", got.Header.Get("WWW-Authenticate"))
				}
				if a := mustAlert(t, ts.Server, DefaultSession, alert.DocumentedID); a.Status != alert.StatusActive {
					t.Errorf("alert status = %s after a refused request; want active", a.Status)
				}
			}
		})
	}
}

// TestSessions: the X-Mock-Session header, else the token's tid, else default.
func TestSessions(t *testing.T) {
	ts := newTestServer(t, Config{})
	patch := func(rq req) {
		rq.Method, rq.Path, rq.Body = "PATCH", alertPath(alert.DocumentedID), `{"status":"investigating"}`
		if got := ts.do(t, rq); got.Status != 200 {
			t.Fatalf("PATCH: %d %s", got.Status, got.Body)
		}
	}
	patch(req{Session: "s1"})
	patch(req{Token: jwt(map[string]any{"scp": "PartnerSecurity.ReadWrite.All", "tid": "tenant-1"})})
	patch(req{Session: "s2", Token: jwt(map[string]any{"scp": "PartnerSecurity.ReadWrite.All", "tid": "tenant-2"})})
	for _, tt := range []struct {
		session string
		want    alert.Status
	}{{"s1", alert.StatusInvestigating}, {"tenant-1", alert.StatusInvestigating}, {"s2", alert.StatusInvestigating},
		{"tenant-2", alert.StatusActive}, {DefaultSession, alert.StatusActive}} {
		if got := mustAlert(t, ts.Server, tt.session, alert.DocumentedID).Status; got != tt.want {
			t.Errorf("session %s: status = %s; want %s", tt.session, got, tt.want)
		}
	}
	if err := ts.Reset("s1"); err != nil {
		t.Fatal(err)
	}
	if got := mustAlert(t, ts.Server, "s1", alert.DocumentedID).Status; got != alert.StatusActive {
		t.Errorf("after Reset: status = %s; want active", got)
	}
}
