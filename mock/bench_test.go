package mock

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/partner-security/alertmock/internal/bare"
	"github.com/partner-security/alertmock/mock/alert"
)

// bareHandler is the baseline of the benchmarks (package internal/bare, the
// same server scripts/throughput.sh measures over sockets).
func bareHandler() http.Handler { return bare.Handler() }

// benchRequests runs the same requests against h: GET the documented alert,
// or PATCH it, alternating its resolvedReason (a real change each time that
// does not grow the activity log, so every iteration does the same work).
func benchRequests(b *testing.B, h http.Handler, method string) {
	tok := jwt(map[string]any{"scp": "PartnerSecurity.ReadWrite.All", "upn": "bench@contoso.com", "tid": "bench"})
	path := "/beta/security/partner/securityAlerts/" + alert.DocumentedID
	bodies := []string{`{"status":"resolved","resolvedReason":"fraud"}`, `{"status":"resolved","resolvedReason":"legitimate"}`}
	serve := func(i int) {
		var body io.Reader
		if method == http.MethodPatch {
			body = strings.NewReader(bodies[i%2])
		}
		r := httptest.NewRequest(method, "http://127.0.0.1:8080"+path, body)
		r.Header.Set("Authorization", "Bearer "+tok)
		if body != nil {
			r.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("%s → %d %s", method, w.Code, w.Body)
		}
	}
	serve(0) // resolve once: later PATCHes only change the reason
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		serve(i + 1)
	}
}

// BenchmarkGet and BenchmarkPatch compare the whole mock (routing from the
// description, auth with a JWT, query and body validation, session store,
// middleware with journal and access log) with bareHandler, in one run:
//
//	go test ./mock -run '^$' -bench 'Get|Patch' -benchtime 2s
func BenchmarkGet(b *testing.B) {
	b.Run("mock", func(b *testing.B) {
		s, err := New(Config{})
		if err != nil {
			b.Fatal(err)
		}
		benchRequests(b, s, http.MethodGet)
	})
	b.Run("bare", func(b *testing.B) { benchRequests(b, bareHandler(), http.MethodGet) })
}

func BenchmarkPatch(b *testing.B) {
	b.Run("mock", func(b *testing.B) {
		s, err := New(Config{})
		if err != nil {
			b.Fatal(err)
		}
		benchRequests(b, s, http.MethodPatch)
	})
	b.Run("bare", func(b *testing.B) { benchRequests(b, bareHandler(), http.MethodPatch) })
}

// BenchmarkKinValidateRequest measures what the mock avoids per request:
// openapi3filter.ValidateRequest on a PATCH (kin-openapi v0.153 compiles a
// JSON Schema validator on every VisitJSON of a 3.1 document, for the body and
// for each parameter).
func BenchmarkKinValidateRequest(b *testing.B) {
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	body := `{"status":"resolved","resolvedReason":"fraud"}`
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPatch, "/beta/security/partner/securityAlerts/"+alert.DocumentedID, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		route, params, err := s.contract.Router.FindRoute(r)
		if err != nil {
			b.Fatal(err)
		}
		if err := openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
			Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeAlert compares alert.AppendJSON, which every response carrying a
// whole alert uses, with json.Marshal (same bytes, TestAppendAlertIsMarshal)
// on the documented alert with a 50-entry activity log:
//
//	go test ./mock -run '^$' -bench EncodeAlert
func BenchmarkEncodeAlert(b *testing.B) {
	var a alert.Alert
	for _, x := range alert.Seed(0) {
		if x.ID == alert.DocumentedID {
			a = x
		}
	}
	for i := range 50 {
		a.ActivityLogs = append(a.ActivityLogs, alert.ActivityLog{StatusFrom: "active", StatusTo: "resolved",
			UpdatedBy: "bench@contoso.com", UpdatedDateTime: a.DetectedDateTime.Add(time.Duration(i) * time.Minute)})
	}
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 16<<10)
		for b.Loop() {
			var err error
			if buf, err = alert.AppendJSON(buf[:0], &a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(&a); err != nil {
				b.Fatal(err)
			}
		}
	})
}
