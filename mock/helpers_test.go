package mock

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/dataset"
	"github.com/partner-security/alertmock/openapi"
)

// testNow is the fixed clock of the tests.
var testNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// testServer is a Server over a real socket with a client that checks every
// response against the description.
type testServer struct {
	*Server
	URL      string // base URL including /beta
	Root     string // scheme://host
	Client   *http.Client
	contract *contractTransport
}

// newTestServer starts a Server with cfg (clock fixed at testNow unless set).
func newTestServer(tb testing.TB, cfg Config) *testServer {
	tb.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return testNow }
	}
	s, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(s)
	tb.Cleanup(hs.Close)
	tb.Cleanup(func() { _ = s.Close() })
	ct := newContractTransport(tb, hs.Client().Transport)
	return &testServer{Server: s, URL: hs.URL + openapi.BasePath, Root: hs.URL, Client: noRedirects(ct), contract: ct}
}

// contractTransport validates every response against the description:
// openapi3filter.ValidateResponse checks the status is declared for the
// operation, the required headers and the Content-Type; the body is checked
// against the response's schema from the same description compiled once with
// jsonschema (kin-openapi would recompile the 3.1 schema on every call, ~6 ms,
// which made the 3,200-request concurrency test take minutes under -race).
// Responses to requests that match no route (404, 405) must be Graph error
// envelopes. A violation fails the test.
type contractTransport struct {
	tb       testing.TB
	next     http.RoundTripper
	router   routers.Router
	schemas  *openapi.Schemas
	envelope *jsonschema.Schema
	checked  *atomic.Int64
	// bodyLimit, when > 0, skips the schema check of bodies larger than it
	// (status and headers are still checked); skippedBodies counts them.
	bodyLimit     atomic.Int64
	skippedBodies atomic.Int64

	mu       sync.Mutex
	compiled map[string]*jsonschema.Schema // by component name
}

func newContractTransport(tb testing.TB, next http.RoundTripper) *contractTransport {
	tb.Helper()
	doc, err := openapi.Load(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		tb.Fatal(err)
	}
	sch, err := openapi.NewSchemas()
	if err != nil {
		tb.Fatal(err)
	}
	env, err := sch.Compile(openapi.SchemaODataError)
	if err != nil {
		tb.Fatal(err)
	}
	return &contractTransport{tb: tb, next: next, router: router, schemas: sch, envelope: env,
		checked: &atomic.Int64{}, compiled: map[string]*jsonschema.Schema{}}
}

func (t *contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := t.check(req, resp, body); err != nil {
		t.tb.Errorf("contract violation: %s %s → %d: %v\nbody: %s", req.Method, req.URL, resp.StatusCode, err, body)
	}
	t.checked.Add(1)
	return resp, nil
}

func (t *contractTransport) check(req *http.Request, resp *http.Response, body []byte) error {
	if resp.Header.Get("request-id") == "" || resp.Header.Get("client-request-id") == "" {
		return fmt.Errorf("request-id or client-request-id header missing")
	}
	switch req.URL.Path {
	case "/healthz", "/beta", "/beta/", "/beta/$metadata", "/beta/$batch":
		// Not operations of the description: the service root, the metadata
		// document and JSON batching are checked by their own tests
		// (protocol_root_test.go, batch_test.go).
		return nil
	}
	route, params, err := t.router.FindRoute(req)
	if err != nil && req.URL.Path != canonicalCase(req.URL.Path) {
		// Segment names are case-insensitive (as on Graph): check the
		// answer against the operation of the path as the description spells it.
		c := req.Clone(req.Context())
		c.URL.Path, c.URL.RawPath = canonicalCase(req.URL.Path), ""
		route, params, err = t.router.FindRoute(c)
	}
	if err != nil {
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			return fmt.Errorf("no route (%v) but status %d", err, resp.StatusCode)
		}
		v, err := dataset.DecodeJSON(body)
		if err != nil {
			return err
		}
		return t.envelope.Validate(v)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateResponse(req.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, ExcludeResponseBody: true},
	}); err != nil {
		return err
	}
	rr := route.Operation.Responses.Status(resp.StatusCode)
	if rr == nil || rr.Value == nil || rr.Value.Content.Get("application/json") == nil {
		return fmt.Errorf("status %d has no JSON content in the description", resp.StatusCode)
	}
	if strings.Contains(strings.ToLower(strings.Join(req.Header.Values("Prefer"), ",")), "include-unknown-enum-members") {
		// The client opted in to enum members the description does not
		// list (evolve_test.go checks those bodies).
		return nil
	}
	if l := t.bodyLimit.Load(); l > 0 && int64(len(body)) > l {
		t.skippedBodies.Add(1)
		return nil
	}
	ref := rr.Value.Content.Get("application/json").Schema.Ref
	sch, err := t.compile(strings.TrimPrefix(ref, "#/components/schemas/"))
	if err != nil {
		return err
	}
	v, err := dataset.DecodeJSON(body)
	if err != nil {
		return err
	}
	return sch.Validate(v)
}

// canonicalCase spells the segment names of an alerts path as the
// description does (security/partner/securityAlerts below /beta).
func canonicalCase(path string) string {
	segs := strings.Split(path, "/")
	for i, lit := range []string{"", "beta", "security", "partner", "securityAlerts"} {
		if i >= 2 && i < len(segs) && strings.EqualFold(segs[i], lit) {
			segs[i] = lit
		}
	}
	return strings.Join(segs, "/")
}

func (t *contractTransport) compile(name string) (*jsonschema.Schema, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if sch, ok := t.compiled[name]; ok {
		return sch, nil
	}
	sch, err := t.schemas.Compile(name)
	if err != nil {
		return nil, err
	}
	t.compiled[name] = sch
	return sch, nil
}

// response is a finished request: status, headers and body.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map.
func (r response) JSON(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		tb.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// ErrorCode and ErrorMessage read the Graph envelope.
func (r response) ErrorCode(tb testing.TB) string {
	tb.Helper()
	e, _ := r.JSON(tb)["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (r response) ErrorMessage(tb testing.TB) string {
	tb.Helper()
	e, _ := r.JSON(tb)["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

// req describes a request for do; zero fields take defaults.
type req struct {
	Method  string // GET
	Path    string // below the base URL, e.g. /security/partner/securityAlerts
	Body    string
	Token   string            // "" → opaque token "test"; "-" → no Authorization header
	Header  map[string]string // extra headers; Content-Type defaults to application/json with a body
	Session string
}

// noRedirects returns a client over rt that hands back redirects instead of
// following them: the mock never redirects, so a test must see one as the
// answer it is, not the page it leads to.
func noRedirects(rt http.RoundTripper) *http.Client {
	return &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

func (ts *testServer) do(tb testing.TB, rq req) response {
	tb.Helper()
	if rq.Method == "" {
		rq.Method = http.MethodGet
	}
	var body io.Reader
	if rq.Body != "" {
		body = strings.NewReader(rq.Body)
	}
	r, err := http.NewRequest(rq.Method, ts.URL+rq.Path, body)
	if err != nil {
		tb.Fatal(err)
	}
	switch rq.Token {
	case "":
		r.Header.Set("Authorization", "Bearer test")
	case "-":
	default:
		r.Header.Set("Authorization", "Bearer "+rq.Token)
	}
	if rq.Body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if rq.Session != "" {
		r.Header.Set(HeaderSession, rq.Session)
	}
	for k, v := range rq.Header {
		if v == "" {
			r.Header.Del(k)
			continue
		}
		r.Header.Set(k, v)
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

// alertPath is the path of one alert below the base URL.
func alertPath(id string) string { return "/security/partner/securityAlerts/" + id }

// jwt returns an unsigned (alg none) JWT with the given claims.
func jwt(claims map[string]any) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	b, _ := json.Marshal(claims)
	return h + "." + base64.RawURLEncoding.EncodeToString(b) + "."
}

// mustAlert reads one alert of a session straight from the store.
func mustAlert(tb testing.TB, s *Server, session, id string) alert.Alert {
	tb.Helper()
	a, ok := s.Alert(session, id)
	if !ok {
		tb.Fatalf("alert %s missing in session %s", id, session)
	}
	return a
}
