package mock

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

// FuzzPatch sends arbitrary bodies (and Content-Types) through the whole
// stack to PATCH the documented alert: the mock must never panic or answer
// 5xx, must answer only 200, 400, 413 or 415, and the alert must stay valid.
func FuzzPatch(f *testing.F) {
	for _, body := range []string{
		`{"status":"resolved","resolvedReason":"fraud"}`,
		`{"status":"investigating"}`,
		`{"status":"active"}`,
		`{"@odata.type":"#microsoft.graph.partner.security.partnerSecurityAlert","status":"resolved","resolvedReason":null}`,
		`{"status":"unknownFutureValue","resolvedReason":"unknownFutureValue"}`,
		`{"status":"bogus"}`,
		`{"status":null}`,
		`{"status":1e999}`,
		`{"status":"active","displayName":"x"}`,
		`{"status":"active","foo":{"bar":[1,2,{}]}}`,
		`{"status":"active","resolvedReason":"fraud"}`,
		`[]`, `null`, `"x"`, `{`, `{"status":"active"}}`, ``, "\xff\xfe",
		`{"status":"\u0000"}`, `{"status":"active","status":"resolved"}`,
	} {
		f.Add(body, "application/json")
	}
	f.Add(`{"status":"active"}`, "application/json; charset=utf-8")
	f.Add(`{"status":"active"}`, "text/plain")
	f.Add(`{"status":"active"}`, "application/json; charset")

	s, err := New(Config{Now: func() time.Time { return testNow }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body, contentType string) {
		if err := s.Reset(DefaultSession); err != nil { // keep the activity log short
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPatch, "/beta/security/partner/securityAlerts/"+alert.DocumentedID, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer fuzz")
		r.Header.Set("Content-Type", contentType)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		switch w.Code {
		case 200, 400, 413, 415:
		default:
			t.Fatalf("PATCH %q (Content-Type %q) → %d %s", body, contentType, w.Code, w.Body)
		}
		if w.Code != 200 && w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("error Content-Type = %q", w.Header().Get("Content-Type"))
		}
		a := mustAlert(t, s, DefaultSession, alert.DocumentedID)
		if err := a.Validate(); err != nil {
			t.Fatalf("alert invalid after PATCH %q: %v", body, err)
		}
	})
}
