package mock

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/openapi"
)

// TestServiceRoot reproduces GET /beta, which answered 500 (a panic in the
// 404's segment naming): it is the OData service document, as Graph answers
// its service root, with or without a token.
func TestServiceRoot(t *testing.T) {
	ts := newTestServer(t, Config{})
	for _, tt := range []struct {
		name, path, token string
	}{
		{"root", "", ""},
		{"root with a trailing slash", "/", ""},
		{"no token", "", "-"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ts.do(t, req{Path: tt.path, Token: tt.token})
			if got.Status != http.StatusOK {
				t.Fatalf("GET /beta%s: Status = %d; want 200\n%s", tt.path, got.Status, got.Body)
			}
			if ct := got.Header.Get("Content-Type"); ct != ContentTypeOData {
				t.Errorf("Content-Type = %q; want %q", ct, ContentTypeOData)
			}
			if v := got.Header.Get("OData-Version"); v != "4.0" {
				t.Errorf("OData-Version = %q; want 4.0", v)
			}
			var doc struct {
				Context string `json:"@odata.context"`
				Value   []struct{ Name, Kind, URL string }
			}
			if err := json.Unmarshal(got.Body, &doc); err != nil {
				t.Fatalf("body is not a service document: %v\n%s", err, got.Body)
			}
			if want := ts.Root + "/beta/$metadata"; doc.Context != want {
				t.Errorf("@odata.context = %q; want %q", doc.Context, want)
			}
			if len(doc.Value) != 1 || doc.Value[0].Name != "security" || doc.Value[0].Kind != "Singleton" || doc.Value[0].URL != "security" {
				t.Errorf("value = %+v; want the security singleton", doc.Value)
			}
		})
	}
	got := ts.do(t, req{Method: http.MethodPost, Path: "", Body: "{}"})
	if got.Status != http.StatusMethodNotAllowed || got.Header.Get("Allow") != "GET" || got.ErrorCode(t) != CodeMethodNotAllowed {
		t.Errorf("POST /beta: Status, Allow, code = %d, %q, %s; want 405, GET, %s", got.Status, got.Header.Get("Allow"), got.ErrorCode(t), CodeMethodNotAllowed)
	}
}

// TestMetadataDocument: GET /beta/$metadata answers the CSDL XML of the
// alert types, without a token, for the $ written as it is or escaped.
func TestMetadataDocument(t *testing.T) {
	ts := newTestServer(t, Config{})
	for _, path := range []string{"/$metadata", "/%24metadata"} {
		got := ts.do(t, req{Path: path, Token: "-"})
		if got.Status != http.StatusOK {
			t.Fatalf("GET %s: Status = %d; want 200\n%s", path, got.Status, got.Body)
		}
		if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
			t.Errorf("GET %s: Content-Type = %q; want application/xml", path, ct)
		}
		if string(got.Body) != string(openapi.MetadataXML()) {
			t.Errorf("GET %s: the body is not openapi.MetadataXML()", path)
		}
		var root struct {
			XMLName xml.Name
		}
		if err := xml.Unmarshal(got.Body, &root); err != nil || root.XMLName.Local != "Edmx" {
			t.Errorf("GET %s: body is not an Edmx document (%v, %v)", path, root.XMLName, err)
		}
	}
	got := ts.do(t, req{Method: http.MethodPatch, Path: "/$metadata", Body: "{}"})
	if got.Status != http.StatusMethodNotAllowed || got.Header.Get("Allow") != "GET" {
		t.Errorf("PATCH /beta/$metadata: Status, Allow = %d, %q; want 405, GET", got.Status, got.Header.Get("Allow"))
	}
}

// TestOddPathsAnswerNo5xx sends requests to paths around the ones the mock
// serves: every answer is below 500 and, when an error, the Graph envelope.
func TestOddPathsAnswerNo5xx(t *testing.T) {
	s, err := New(Config{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range oddPaths {
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions} {
			w := serveRaw(s, method, path, "", "{}")
			if w.Code >= 500 {
				t.Errorf("%s %q: Status = %d; want < 500\n%s", method, path, w.Code, w.Body)
			}
			if w.Code >= 400 && method != http.MethodHead && !strings.Contains(w.Body.String(), `"error":{"code":`) {
				t.Errorf("%s %q: %d without the Graph envelope: %s", method, path, w.Code, w.Body)
			}
		}
	}
}

// oddPaths are paths near the served ones (seeds of FuzzPath too).
var oddPaths = []string{
	"/", "", "/beta", "/beta/", "//", "/beta//", "/beta/$metadata", "/beta/$metadata/", "/beta/$metadata/x",
	"/beta/$batch", "/beta/$batch/", "/beta/$count", "/beta/$", "/beta/security", "/beta/security/partner",
	"/beta/security/partner/securityAlerts/$count", "/beta/security/partner/securityAlerts//", "/beta/..", "/beta/./security",
	"/v1.0", "/v1.0/$metadata", "/BETA", "/beta/%00", "/_mock", "/_mock/", "/healthz/x", "/beta/security/partner/securityAlerts/a/b",
}

// serveRaw serves one request with an arbitrary method and path (not
// parsed as a URL, so any bytes) to h and returns the recorder.
func serveRaw(h http.Handler, method, path, query, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/", strings.NewReader(body))
	r.Method = method
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	r.URL.Path, r.URL.RawPath, r.URL.RawQuery = path, "", query
	r.Header.Set("Authorization", "Bearer fuzz")
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
