package mock

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
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

// FuzzQuery sends arbitrary query strings to the list and to one alert: the
// mock must never panic or answer 5xx, and every 400 names a query option
// (or says the query string is malformed).
func FuzzQuery(f *testing.F) {
	for _, q := range []string{
		"$filter=status eq 'active'", "$filter=(severity eq 'high' or not (isTest eq true)) and detectedDateTime gt 2024-01-01T00:00:00Z",
		"$filter=resolvedReason eq null", "$filter=contains(alertType,'x')", "$filter=status eq 'a''b'", "$filter=((((",
		"$top=5&$skip=3&$count=true", "$top=0", "$skip=99999999999999999999", "$select=id,status", "$select=",
		"$orderby=severity desc,detectedDateTime", "%24top=1", "top=1&top=2", "$expand=x", "$filter=not not not status eq 'active'",
	} {
		f.Add(q)
	}
	s, err := New(Config{Now: func() time.Time { return testNow }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, path := range []string{"/beta/security/partner/securityAlerts", "/beta/security/partner/securityAlerts/" + alert.DocumentedID} {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.URL.Path, r.URL.RawQuery = path, q
			r.Header.Set("Authorization", "Bearer fuzz")
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			switch w.Code {
			case 200:
			case 400:
				if b := w.Body.String(); !strings.Contains(b, "'$") && !strings.Contains(b, "malformed") {
					t.Errorf("GET %s?%s: 400 naming no option: %s", path, q, b)
				}
			default:
				t.Fatalf("GET %s?%s: %d %s", path, q, w.Code, w.Body)
			}
		}
	})
}

// FuzzPath sends arbitrary methods, paths and query strings to the whole
// server (the Graph routes, the service root, the metadata document, $batch,
// the control API, /healthz): no answer may be a 5xx, and every error is the
// Graph envelope.
func FuzzPath(f *testing.F) {
	for _, p := range oddPaths {
		f.Add("GET", p, "")
	}
	f.Add("POST", "/beta/$batch", "")
	f.Add("GET", "/beta/security/partner/securityAlerts", "$top=1")
	f.Add("PATCH", "/beta/security/partner/securityAlerts/"+alert.DocumentedID, "")
	s, err := New(Config{Now: func() time.Time { return testNow }})
	if err != nil {
		f.Fatal(err)
	}
	methods := []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
	f.Fuzz(func(t *testing.T, method, path, query string) {
		if !slices.Contains(methods, method) {
			method = methods[len(method)%len(methods)]
		}
		w := serveRaw(s, method, path, query, `{"status":"active"}`)
		if w.Code >= 500 {
			t.Fatalf("%s %q ?%q: %d %s", method, path, query, w.Code, w.Body)
		}
		if w.Code >= 400 && method != "HEAD" && !strings.Contains(w.Body.String(), `"error":{"code":`) {
			t.Fatalf("%s %q ?%q: %d without the Graph envelope: %s", method, path, query, w.Code, w.Body)
		}
	})
}

// FuzzBatch sends arbitrary JSON batch bodies: the batch answers 200 with one
// response per request, or a 4xx in the envelope, never a 5xx; every inner
// response is below 500 too, and the alert stays valid.
func FuzzBatch(f *testing.F) {
	patch := `{"id":"1","method":"PATCH","url":"/security/partner/securityAlerts/` + alert.DocumentedID + `","headers":{"Content-Type":"application/json"},"body":{"status":"resolved"}}`
	for _, b := range []string{
		`{"requests":[` + patch + `]}`,
		`{"requests":[` + patch + `,{"id":"2","method":"GET","url":"security/partner/securityAlerts?$top=1","dependsOn":["1"]}]}`,
		`{"requests":[{"id":"a","method":"GET","url":"/$metadata"},{"id":"b","method":"POST","url":"/$batch","headers":{"content-type":"application/json"},"body":{"requests":[]}}]}`,
		`{"requests":[{"id":"x","method":"DELETE","url":"/me","body":"aGVsbG8=","headers":{"Content-Type":"text/plain"}}]}`,
		`{"requests":[{"id":"1","method":"GET","url":"/x","dependsOn":["2"]},{"id":"2","method":"GET","url":"/x","dependsOn":["1"]}]}`,
		`{"requests":null}`, `{}`, `[]`, `{"requests":[1]}`, `{"requests":[{"id":"1","method":"GET","url":"//evil"}]}`,
	} {
		f.Add(b)
	}
	s, err := New(Config{Now: func() time.Time { return testNow }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if err := s.Reset(DefaultSession); err != nil {
			t.Fatal(err)
		}
		w := serveRaw(s, http.MethodPost, "/beta/$batch", "", body)
		switch {
		case w.Code == http.StatusOK:
			var res struct {
				Responses []struct{ Status int } `json:"responses"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || res.Responses == nil {
				t.Fatalf("batch %q: 200 without responses: %s", body, w.Body)
			}
			for _, r := range res.Responses {
				if r.Status < 200 || r.Status >= 500 {
					t.Fatalf("batch %q: an inner status %d: %s", body, r.Status, w.Body)
				}
			}
		case w.Code >= 400 && w.Code < 500:
		default:
			t.Fatalf("batch %q: %d %s", body, w.Code, w.Body)
		}
		a := mustAlert(t, s, DefaultSession, alert.DocumentedID)
		if err := a.Validate(); err != nil {
			t.Fatalf("alert invalid after batch %q: %v", body, err)
		}
	})
}
