package conformance

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/cucumber/godog"

	"github.com/partner-security/alertmock/conformance/oracle"
)

// TestParseVariant reads variants as failing steps print them, and refuses
// what names no dimension or value.
func TestParseVariant(t *testing.T) {
	tests := []struct {
		spec string
		want variant
		err  string
	}{
		{spec: "base"},
		{spec: ""},
		{spec: "accept=any prefix=none", want: variant{dimAccept: 1, dimPrefix: 2}},
		{spec: "client-request-id=loose header-case=upper", want: variant{dimClientRequestID: 2, dimHeaderCase: 2}},
		{spec: "accept=xml", err: `accept="xml"; want one of json, any, odata, none`},
		{spec: "colour=red", err: `no dimension "colour"`},
	}
	for _, tt := range tests {
		got, err := parseVariant(tt.spec)
		if (err != nil) != (tt.err != "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("parseVariant(%q) error = %v; want %q", tt.spec, err, tt.err)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("parseVariant(%q) = %v; want %v", tt.spec, got, tt.want)
		}
	}
	// Every variant the schedule makes reads back as itself.
	for i := range 50 {
		v := scheduled(7, i)
		if back, err := parseVariant(v.String()); err != nil || back != v {
			t.Errorf("parseVariant(%q) = %v, %v; want the variant back", v, back, err)
		}
	}
}

// TestScheduleCoversEveryValue checks that any run of as many scenarios as
// the largest dimension has values sends every value of every dimension,
// whatever the seed, and that the seed changes the schedule.
func TestScheduleCoversEveryValue(t *testing.T) {
	widest := 0
	for _, d := range dimensions {
		widest = max(widest, len(d.values))
	}
	for _, seed := range []int64{0, 1, 2, 42, -1, 1 << 40} {
		for start := range 10 {
			for d, dim := range dimensions {
				seen := map[int]bool{}
				for i := start; i < start+widest; i++ {
					seen[scheduled(seed, i)[d]] = true
				}
				if len(seen) != len(dim.values) {
					t.Errorf("seed %d, scenarios %d to %d: %s takes %d of its %d values", seed, start, start+widest-1, dim.name, len(seen), len(dim.values))
				}
			}
		}
	}
	same := 0
	for i := range 20 {
		if scheduled(1, i) == scheduled(2, i) {
			same++
		}
	}
	if same == 20 {
		t.Error("seeds 1 and 2 give the same schedule; want the seed to choose it")
	}
}

// TestScheduleIsPinned pins the schedule of one seed: a seed printed by a
// run must send the same scenarios the same way when given back, so a change
// of the schedule is a change to notice.
func TestScheduleIsPinned(t *testing.T) {
	want := []string{
		"accept=any content-type=charset prefix=escaped encoding=escaped header-case=upper key-order=reversed type=annotated client-request-id=none",
		"accept=odata content-type=odata prefix=none encoding=literal header-case=canonical key-order=sorted type=plain client-request-id=uuid",
		"accept=none content-type=json prefix=dollar encoding=escaped header-case=lower key-order=reversed type=annotated client-request-id=loose",
	}
	for i, w := range want {
		if got := scheduled(1183, i).String(); got != w {
			t.Errorf("scheduled(1183, %d) = %q; want %q", i, got, w)
		}
	}
}

// TestVariantForFallsBackToStartOrder checks the variants of scenarios run
// by godog directly (no ordinal in the context): the order they start in,
// from 0, and Config.Variant over any ordinal.
func TestVariantForFallsBackToStartOrder(t *testing.T) {
	s, err := New(context.Background(), Config{BaseURL: "http://127.0.0.1:9/beta", VariantSeed: 1183})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if got, want := s.variantFor(context.Background()), scheduled(1183, i); got != want {
			t.Errorf("scenario %d started: variant %v; want %v", i, got, want)
		}
	}
	if got, want := s.variantFor(withOrdinal(context.Background(), 7)), scheduled(1183, 7); got != want {
		t.Errorf("ordinal 7: variant %v; want %v", got, want)
	}
	pinned, err := New(context.Background(), Config{BaseURL: "http://127.0.0.1:9/beta", Variant: "accept=none"})
	if err != nil {
		t.Fatal(err)
	}
	if got := pinned.variantFor(withOrdinal(context.Background(), 7)); got != (variant{dimAccept: 3}) {
		t.Errorf("Config.Variant accept=none: variant %v; want accept=none alone", got)
	}
	if _, err := New(context.Background(), Config{BaseURL: "http://127.0.0.1:9/beta", Variant: "accept=xml"}); err == nil || !strings.Contains(err.Error(), `accept="xml"`) {
		t.Errorf("New with Variant accept=xml: error = %v; want one naming it", err)
	}
}

// TestShapeBody checks member order and the type annotation, and that a body
// that is not one object with distinct names is sent as it is.
func TestShapeBody(t *testing.T) {
	annotated := variant{dimType: 1}
	reversedAnnotated := variant{dimType: 1, dimKeyOrder: 1}
	tests := []struct {
		body string
		v    variant
		want string
	}{
		{`{"status": "resolved", "resolvedReason": "fraud"}`, variant{}, `{"resolvedReason":"fraud","status":"resolved"}`},
		{`{"resolvedReason":"fraud","status":"resolved"}`, variant{dimKeyOrder: 1}, `{"status":"resolved","resolvedReason":"fraud"}`},
		{`{"status":"active"}`, annotated, `{"@odata.type":"#microsoft.graph.partner.security.partnerSecurityAlert","status":"active"}`},
		{`{"status":"active"}`, reversedAnnotated, `{"status":"active","@odata.type":"#microsoft.graph.partner.security.partnerSecurityAlert"}`},
		{`{"@odata.type":"#microsoft.graph.user","status":"active"}`, annotated, `{"@odata.type":"#microsoft.graph.user","status":"active"}`},
		{`{"status":{"nested": [1, 2]}}`, variant{}, `{"status":{"nested": [1, 2]}}`},
		{`{"status":"a","status":"b"}`, annotated, `{"status":"a","status":"b"}`},
		{`{"status":"resolved"}{}`, annotated, `{"status":"resolved"}{}`},
		{`{"status":"resolved"`, annotated, `{"status":"resolved"`},
		{`[{"status":"resolved"}]`, annotated, `[{"status":"resolved"}]`},
		{`null`, annotated, `null`},
		{``, annotated, ``},
	}
	for _, tt := range tests {
		if got := string(shapeBody([]byte(tt.body), tt.v)); got != tt.want {
			t.Errorf("shapeBody(%s, %v) = %s; want %s", tt.body, tt.v, got, tt.want)
		}
	}
}

// TestShapeQuery checks the "$" of the options written with one, and the
// encoding of values; options written without "$" keep their spelling.
func TestShapeQuery(t *testing.T) {
	raw := encodeQuery("$filter=(severity eq 'high' or status ne 'resolved')&$select=id,status&top=1")
	tests := []struct {
		v    variant
		want string
	}{
		{variant{}, "$filter=%28severity%20eq%20%27high%27%20or%20status%20ne%20%27resolved%27%29&$select=id%2Cstatus&top=1"},
		{variant{dimPrefix: 1}, "%24filter=%28severity%20eq%20%27high%27%20or%20status%20ne%20%27resolved%27%29&%24select=id%2Cstatus&top=1"},
		{variant{dimPrefix: 2, dimEncoding: 1}, "filter=(severity%20eq%20'high'%20or%20status%20ne%20'resolved')&select=id,status&top=1"},
	}
	for _, tt := range tests {
		if got := shapeQuery(raw, tt.v); got != tt.want {
			t.Errorf("shapeQuery(%v) = %s; want %s", tt.v, got, tt.want)
		}
	}
	if got, want := encodeValue("a+b&c#d%e f\"ü\x7f~", true), "a%2Bb%26c%23d%25e%20f%22%C3%BC%7F~"; got != want {
		t.Errorf("encodeValue minimal = %s; want %s", got, want)
	}
}

// TestReshape sends requests through a scenario in a variant and checks what
// the server received.
func TestReshape(t *testing.T) {
	var got *http.Request
	var gotBody []byte
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		gotBody, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(ts.Close)
	s, err := New(context.Background(), Config{BaseURL: ts.URL + "/beta"})
	if err != nil {
		t.Fatal(err)
	}
	send := func(v variant, r request, clientRequestID string) {
		t.Helper()
		st := &scenario{suite: s, oracle: s.all, models: map[string]*oracle.Model{}, variant: v, clientRequestID: clientRequestID}
		_, _ = st.send(context.Background(), r) // a 418 breaks the contract; the request is what matters
	}
	patch := request{method: http.MethodPatch, target: "/security/partner/securityAlerts/a", body: []byte(`{"status":"resolved"}`), hasBody: true, contentType: "application/json"}

	send(variant{dimAccept: 3, dimContentType: 1, dimType: 1, dimClientRequestID: 2}, patch, "")
	if _, ok := got.Header["Accept"]; ok {
		t.Errorf("accept=none sent Accept %q", got.Header.Get("Accept"))
	}
	if ct := got.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("content-type=charset sent Content-Type %q", ct)
	}
	if !bytes.Contains(gotBody, []byte(`"@odata.type"`)) || got.ContentLength != int64(len(gotBody)) {
		t.Errorf("type=annotated sent %s (Content-Length %d)", gotBody, got.ContentLength)
	}
	if id := got.Header.Get("client-request-id"); len(id) != 36 || id[14] == '4' || !uuidPattern.MatchString(id) {
		t.Errorf("client-request-id=loose sent %q; want a UUID that is not version 4", id)
	}

	exact := patch
	exact.exact, exact.body = true, []byte(`{"status":   "resolved"}`)
	send(variant{dimContentType: 2, dimType: 1, dimAccept: 1, dimClientRequestID: 1}, exact, "mine")
	if string(gotBody) != `{"status":   "resolved"}` || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("an exact request was sent as %q, %s; want its own body and Content-Type", got.Header.Get("Content-Type"), gotBody)
	}
	if got.Header.Get("Accept") != "*/*" || got.Header.Get("client-request-id") != "mine" {
		t.Errorf("Accept %q, client-request-id %q; want */* and the scenario's own id", got.Header.Get("Accept"), got.Header.Get("client-request-id"))
	}

	send(variant{dimPrefix: 2}, request{method: http.MethodGet, target: "/security/partner/securityAlerts?" + encodeQuery("$top=2")}, "")
	if got.URL.RawQuery != "top=2" {
		t.Errorf("prefix=none sent the query %q; want top=2", got.URL.RawQuery)
	}
	link := ts.URL + "/beta/security/partner/securityAlerts?$top=2&$skiptoken=x%2Fy"
	send(variant{dimPrefix: 1, dimEncoding: 1}, request{method: http.MethodGet, target: link}, "")
	if got.URL.RawQuery != "$top=2&$skiptoken=x%2Fy" {
		t.Errorf("a next page link was sent with the query %q; want it unchanged", got.URL.RawQuery)
	}
}

// TestReshapeHeaderCase checks the header names on the wire: Go's server
// canonicalizes them, so the test writes the request as the transport would.
func TestReshapeHeaderCase(t *testing.T) {
	for _, tt := range []struct {
		c    int
		want []string
	}{
		{0, []string{"Accept: ", "Authorization: ", "Client-Request-Id: "}},
		{1, []string{"accept: ", "authorization: ", "client-request-id: "}},
		{2, []string{"ACCEPT: ", "AUTHORIZATION: ", "CLIENT-REQUEST-ID: "}},
	} {
		raw := make(chan string, 1)
		s, err := New(context.Background(), Config{BaseURL: "http://127.0.0.1:9/beta", Client: &http.Client{Transport: &captureTransport{raw: raw}}})
		if err != nil {
			t.Fatal(err)
		}
		st := &scenario{suite: s, oracle: s.all, models: map[string]*oracle.Model{}, variant: variant{dimHeaderCase: tt.c, dimClientRequestID: 1}, auth: credentials{header: "Bearer x"}}
		_, _ = st.send(context.Background(), request{method: http.MethodGet, target: "/security/partner/securityAlerts", auth: st.auth})
		wire := <-raw
		for _, w := range tt.want {
			if !strings.Contains(wire, "\r\n"+w) {
				t.Errorf("header-case=%s: the request on the wire has no %q:\n%s", dimensions[dimHeaderCase].values[tt.c], w, wire)
			}
		}
	}
}

// captureTransport writes each request as it goes on the wire (HTTP/1.1) to
// raw, and answers 418.
type captureTransport struct{ raw chan string }

func (c *captureTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		return nil, err
	}
	c.raw <- b.String()
	return &http.Response{StatusCode: http.StatusTeapot, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
}

// TestNaming checks that a failing step names the scenario's variant, and
// that a skip stays a skip.
func TestNaming(t *testing.T) {
	st := &scenario{suite: stepSuite(t), variant: variant{dimAccept: 1}}
	fail := st.naming(func(n int) error { return errors.New("status = 406; want 200") }).(func(int) error)
	err := fail(1)
	if err == nil || !strings.Contains(err.Error(), "status = 406; want 200") || !strings.Contains(err.Error(), `"accept=any content-type=json`) || !strings.Contains(err.Error(), "-variant-seed 0") {
		t.Errorf("failing step error = %v; want it to name the variant and the seed", err)
	}
	pass := st.naming(func(context.Context) (context.Context, error) { return nil, nil }).(func(context.Context) (context.Context, error))
	if _, err := pass(context.Background()); err != nil {
		t.Errorf("passing step error = %v; want nil", err)
	}
	skip := st.naming(func() error { return godog.ErrSkip }).(func() error)
	if err := skip(); !errors.Is(err, godog.ErrSkip) || strings.Contains(err.Error(), "accept=") {
		t.Errorf("skipping step error = %v; want godog.ErrSkip as it is", err)
	}
	if !slices.Contains(dimensions[dimAccept].values, "any") {
		t.Fatal("the dimension accept lost its value any")
	}
}

// TestRecordedHeadersAreCanonical checks that the drift report reads the
// headers of a request sent with lower-case names (header-case=lower).
func TestRecordedHeadersAreCanonical(t *testing.T) {
	raw := make(chan string, 1)
	rec := &recorder{}
	tr := recordingTransport{next: &captureTransport{raw: raw}}
	req, _ := http.NewRequestWithContext(withRecorder(context.Background(), rec), http.MethodGet, "http://127.0.0.1:9/beta/x", nil)
	req.Header["client-request-id"] = []string{"c1"}
	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	<-raw
	if got := rec.list()[0].RequestHeader.Get("client-request-id"); got != "c1" {
		t.Errorf("recorded client-request-id = %q; want c1", got)
	}
}
