package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// A variant is one shape of the requests a scenario sends, among the shapes
// Microsoft's clients and documentation use: one value for each dimension
// below. Every scenario gets one, chosen by Config.VariantSeed (or pinned by
// Config.Variant, or by the step `my requests are sent as "…"`), so that a run
// sends every documented shape and a service that mishandles one fails.
type variant [len(dimensions)]int

// dimension is one way requests may differ, with its values; the first is
// the harness's own shape.
type dimension struct {
	name   string
	values []string
}

// dimensions are the ways requests differ. Where each comes from:
//   - accept: Microsoft's JavaScript client sends Accept: */*, Kiota
//     application/json; OData JSON Format §3 adds the odata.metadata
//     parameter; RFC 9110 §12.5.1: no Accept means any type.
//   - content-type (of the bodies the harness builds): application/json (the
//     Update page), with charset=utf-8 (RFC 8259 §11 allows it), or with the
//     OData JSON Format §4 parameters.
//   - prefix (of the options written with "$"): "$" as the JavaScript client
//     sends it, "%24" as Kiota's URL templates expand it ({?%24filter}), or
//     none (Graph beta: the "$" is optional).
//   - encoding (of option values): every reserved character percent-encoded
//     (RFC 6570 form expansion, as Kiota does), or only what must be (space,
//     %, &, #, +), with ' ( ) , : literal, as encodeURIComponent-style clients
//     and the documentation's examples write them.
//   - header-case: header names are case-insensitive (RFC 9110 §5.1).
//   - key-order (of JSON bodies): an object is unordered (RFC 8259 §4).
//   - type: the earlier documented Update example carries
//     "@odata.type": "#microsoft.graph.partner.security.partnerSecurityAlert".
//   - client-request-id: Microsoft's SDKs send a fresh one with every request;
//     it may look like a UUID without being a valid version 4 one (graph-api.md §7).
var dimensions = [...]dimension{
	{"accept", []string{"json", "any", "odata", "none"}},
	{"content-type", []string{"json", "charset", "odata"}},
	{"prefix", []string{"dollar", "escaped", "none"}},
	{"encoding", []string{"escaped", "literal"}},
	{"header-case", []string{"canonical", "lower", "upper"}},
	{"key-order", []string{"sorted", "reversed"}},
	{"type", []string{"plain", "annotated"}},
	{"client-request-id", []string{"none", "uuid", "loose"}},
}

// The dimensions by index.
const (
	dimAccept = iota
	dimContentType
	dimPrefix
	dimEncoding
	dimHeaderCase
	dimKeyOrder
	dimType
	dimClientRequestID
)

var (
	acceptValues      = []string{"application/json", "*/*", "application/json;odata.metadata=minimal", ""}
	contentTypeValues = []string{"application/json", "application/json; charset=utf-8", "application/json;odata.metadata=minimal;odata.streaming=true"}
)

// String writes the variant as `my requests are sent as "…"` and -variant read it.
func (v variant) String() string {
	parts := make([]string, len(dimensions))
	for d, dim := range dimensions {
		parts[d] = dim.name + "=" + dim.values[v[d]]
	}
	return strings.Join(parts, " ")
}

// parseVariant reads "accept=any prefix=none …": the dimensions not named
// keep the harness's own shape; "base" names that shape alone.
func parseVariant(s string) (variant, error) {
	var v variant
	if strings.TrimSpace(s) == "base" {
		return v, nil
	}
	for _, f := range strings.Fields(s) {
		name, value, _ := strings.Cut(f, "=")
		d := slices.IndexFunc(dimensions[:], func(dim dimension) bool { return dim.name == name })
		if d < 0 {
			return v, fmt.Errorf("request variant %q: no dimension %q (want %s, or base)", s, name, dimensionNames())
		}
		i := slices.Index(dimensions[d].values, value)
		if i < 0 {
			return v, fmt.Errorf("request variant %q: %s=%q; want one of %s", s, name, value, strings.Join(dimensions[d].values, ", "))
		}
		v[d] = i
	}
	return v, nil
}

// CheckVariant returns an error when spec is not a request variant that
// Config.Variant (and the step `my requests are sent as "…"`) can take.
func CheckVariant(spec string) error {
	_, err := parseVariant(spec)
	return err
}

func dimensionNames() string {
	var names []string
	for _, d := range dimensions {
		names = append(names, d.name)
	}
	return strings.Join(names, ", ")
}

// scheduled returns the variant of the scenario at ordinal in a run with the
// seed: each dimension steps through its values from an offset the seed
// gives it, so any run of as many scenarios as a dimension has values sends
// every value of it, and the seed alone says which scenario got which.
func scheduled(seed int64, ordinal int) variant {
	var v variant
	for d, dim := range dimensions {
		n := len(dim.values)
		v[d] = int((mix(uint64(seed)+uint64(d)) + uint64(ordinal)) % uint64(n))
	}
	return v
}

// mix is SplitMix64's finalizer: a seed and its neighbours give unrelated offsets.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// ordinalKey is the context key of a scenario's ordinal in its run.
type ordinalKey struct{}

// withOrdinal returns ctx carrying the scenario's position in the run's
// selection, so that its variant does not depend on the order scenarios run in.
func withOrdinal(ctx context.Context, i int) context.Context {
	return context.WithValue(ctx, ordinalKey{}, i)
}

// variantFor returns the variant of a starting scenario: Config.Variant, or
// the schedule at the scenario's ordinal (from ctx, else the order scenarios
// start in, for suites run by godog directly).
func (s *Suite) variantFor(ctx context.Context) variant {
	if s.pinned != nil {
		return *s.pinned
	}
	i, ok := ctx.Value(ordinalKey{}).(int)
	if !ok {
		i = int(s.started.Add(1) - 1)
	}
	return scheduled(s.cfg.VariantSeed, i)
}

// reshape sends r's request in the scenario's variant and returns r with the
// body as sent. A request marked exact, and one of the protocol (a $batch
// body is no alert), keeps its body and Content-Type; one with an Accept of
// its own keeps it; a next page link (an absolute target) keeps its query,
// as clients send it back.
func (st *scenario) reshape(req *http.Request, r request) request {
	v := st.variant
	if r.hasBody && !r.exact && !r.protocol && r.contentType == "application/json" {
		body := shapeBody(r.body, v)
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.Header.Set("Content-Type", contentTypeValues[v[dimContentType]])
		r.body = body
	}
	if !strings.HasPrefix(r.target, "http://") && !strings.HasPrefix(r.target, "https://") && req.URL.RawQuery != "" {
		req.URL.RawQuery = shapeQuery(req.URL.RawQuery, v)
	}
	if a := acceptValues[v[dimAccept]]; r.accept != "" {
		// the step's own Accept
	} else if a != "" {
		req.Header.Set("Accept", a)
	} else {
		req.Header.Del("Accept")
	}
	if st.clientRequestID == "" && v[dimClientRequestID] > 0 {
		id := newUUID()
		if v[dimClientRequestID] == 2 {
			id = id[:14] + "0" + id[15:] // version nibble 0: UUID-shaped, not version 4
		}
		req.Header.Set("client-request-id", id)
	}
	if v[dimHeaderCase] > 0 {
		*req = *req.WithContext(context.WithValue(req.Context(), headerCaseKey{}, v[dimHeaderCase]))
	}
	return r
}

// headerCaseKey is the context key of the case a request's header names are
// sent in (header-case): 1 lower, 2 upper.
type headerCaseKey struct{}

// caseTransport sends the header names of a request in the case its context
// asks for. It does so on the way out only, so that the harness (the shadow
// models, the oracle, the drift report) reads every header by its canonical
// name.
type caseTransport struct {
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t caseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c, _ := req.Context().Value(headerCaseKey{}).(int)
	if c == 0 {
		return t.next.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	out.Header = make(http.Header, len(req.Header))
	for k, vals := range req.Header {
		if c == 1 {
			out.Header[strings.ToLower(k)] = vals
		} else {
			out.Header[strings.ToUpper(k)] = vals
		}
	}
	return t.next.RoundTrip(out)
}

// CloseIdleConnections closes the idle connections of the wrapped transport.
func (t caseTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// shapeBody writes a JSON object body with its members in the variant's
// order, with the type annotation when the variant has it and the body has
// none. A body that is not one JSON object with distinct member names is sent
// as it is.
func shapeBody(body []byte, v variant) []byte {
	members, ok := objectMembers(body)
	if !ok {
		return body
	}
	if v[dimType] == 1 && !slices.ContainsFunc(members, func(m member) bool { return m.name == "@odata.type" }) {
		members = append(members, member{"@odata.type", json.RawMessage(`"#microsoft.graph.partner.security.partnerSecurityAlert"`)})
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.name, b.name) })
	if v[dimKeyOrder] == 1 {
		slices.Reverse(members)
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			buf.WriteByte(',')
		}
		name, _ := json.Marshal(m.name)
		buf.Write(name)
		buf.WriteByte(':')
		buf.Write(m.value)
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

// member is one member of a JSON object, its value as written.
type member struct {
	name  string
	value json.RawMessage
}

// objectMembers returns the members of a body that is exactly one JSON
// object whose member names are distinct.
func objectMembers(body []byte) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	var out []member
	for dec.More() {
		t, err := dec.Token()
		name, ok := t.(string)
		if err != nil || !ok || slices.ContainsFunc(out, func(m member) bool { return m.name == name }) {
			return nil, false
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, false
		}
		out = append(out, member{name, value})
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return out, true
}

// shapeQuery writes a query the harness built (options and values
// percent-encoded, see encodeQuery) in the variant: the "$" of the options
// written with one as "$", "%24" or nothing, and the values encoded fully or
// minimally. Options written without "$" keep their spelling: their scenarios
// are about it.
func shapeQuery(raw string, v variant) string {
	var parts []string
	for _, kv := range strings.Split(raw, "&") {
		k, val, hasValue := strings.Cut(kv, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			return raw
		}
		if rest, ok := strings.CutPrefix(name, "$"); ok {
			name = []string{"$", "%24", ""}[v[dimPrefix]] + rest
		}
		if !hasValue {
			parts = append(parts, name)
			continue
		}
		value, err := url.QueryUnescape(val)
		if err != nil {
			return raw
		}
		parts = append(parts, name+"="+encodeValue(value, v[dimEncoding] == 1))
	}
	return strings.Join(parts, "&")
}

// encodeValue percent-encodes a query value: every byte but the unreserved
// ones (RFC 3986 §2.3), or, minimally, only those a query cannot hold as they
// are (space, %, &, #, +, controls and non-ASCII).
func encodeValue(s string, minimal bool) string {
	if !minimal {
		return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`%&#+"<>\^`+"`{|}", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// sentAs pins the scenario's variant (`my requests are sent as "…"`).
func (st *scenario) sentAs(spec string) error {
	v, err := parseVariant(spec)
	if err != nil {
		return err
	}
	st.variant = v
	return nil
}
