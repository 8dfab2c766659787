package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/partner-security/alertmock/openapi"
)

// Contract checks HTTP responses against the OpenAPI description of the alerts
// API: the status must be declared for the operation, the body must be JSON valid
// against the schema declared for that status, and the declared required headers
// must be present and well formed. Schemas are compiled once, in NewContract; a
// Contract is safe for concurrent use.
type Contract struct {
	router  routers.Router
	schemas *openapi.Schemas
	// bodies holds the compiled body schema per response, keyed by responseKey.
	bodies map[responseKey]*jsonschema.Schema
	// named holds schemas compiled on demand by name (see Schema), filled in
	// NewContract for every component so no compilation happens later.
	named map[string]*jsonschema.Schema
	// anyError is the error envelope schema, used for paths the description lacks.
	anyError *jsonschema.Schema
	// model is the alert as the description declares it, for the refusals
	// derived from it (contract_refusals.go).
	model *alertModel
}

// responseKey names one declared response: the operation's method and path
// template, and the status code as written in the description.
type responseKey struct {
	method, path, status string
}

// Violation is the error a Check returns: every way one response broke the
// contract, with the request it answered.
type Violation struct {
	Method, URL string // the request
	Status      int    // the response's status code
	Problems    []string
}

// Error lists the problems, one per line, after the request they concern.
func (v *Violation) Error() string {
	return fmt.Sprintf("contract: %s %s answered %d: %s", v.Method, v.URL, v.Status, strings.Join(v.Problems, "; "))
}

// NewContract loads the description (openapi.Load) and compiles the body schema
// of every declared response.
func NewContract(ctx context.Context) (*Contract, error) {
	doc, err := openapi.Load(ctx)
	if err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("conformance: route table from description: %w", err)
	}
	schemas, err := openapi.NewSchemas()
	if err != nil {
		return nil, err
	}
	c := &Contract{
		router:  router,
		schemas: schemas,
		bodies:  make(map[responseKey]*jsonschema.Schema),
		named:   make(map[string]*jsonschema.Schema),
	}
	for name := range doc.Components.Schemas {
		sch, err := schemas.Compile(name)
		if err != nil {
			return nil, err
		}
		c.named[name] = sch
	}
	if c.model, err = modelFromDescription(doc); err != nil {
		return nil, err
	}
	c.anyError = c.named[openapi.SchemaODataError]
	if c.anyError == nil {
		return nil, fmt.Errorf("conformance: description has no schema %q", openapi.SchemaODataError)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, ref := range op.Responses.Map() {
				name, err := bodySchemaName(ref)
				if err != nil {
					return nil, fmt.Errorf("conformance: %s %s %s: %w", method, path, status, err)
				}
				c.bodies[responseKey{method, path, status}] = c.named[name]
			}
		}
	}
	return c, nil
}

// bodySchemaName returns the component name of the application/json schema of a
// declared response; the description declares every body by reference.
func bodySchemaName(ref *openapi3.ResponseRef) (string, error) {
	if ref == nil || ref.Value == nil {
		return "", errors.New("response without value")
	}
	mt := ref.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return "", errors.New("response without an application/json schema")
	}
	name, ok := strings.CutPrefix(mt.Schema.Ref, "#/components/schemas/")
	if !ok {
		return "", fmt.Errorf("body schema %q is not a component reference", mt.Schema.Ref)
	}
	return name, nil
}

// Schema returns the compiled schema component with the given name: a full name,
// or a short one such as "partnerSecurityAlertEntity" or "ODataError".
func (c *Contract) Schema(name string) (*jsonschema.Schema, error) {
	for _, full := range []string{name, openapi.Namespace + "." + name, "microsoft.graph.ODataErrors." + name} {
		if sch, ok := c.named[full]; ok {
			return sch, nil
		}
	}
	return nil, fmt.Errorf("the description has no schema named %q", name)
}

// Validate checks a JSON body against the named schema component.
func (c *Contract) Validate(name string, body []byte) error {
	sch, err := c.Schema(name)
	if err != nil {
		return err
	}
	v, err := decodeJSON(body)
	if err != nil {
		return err
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("not a valid %s: %s", name, schemaError(err))
	}
	return nil
}

// Check compares one response with the description. basePath is the path of the
// base URL the request was made under (for example "/beta", or "/graph/beta" behind
// a proxy); it is replaced by openapi.BasePath to find the operation. Check
// returns nil or a *Violation.
func (c *Contract) Check(req *http.Request, basePath string, resp *http.Response, body []byte) error {
	v := &Violation{Method: req.Method, URL: req.URL.String(), Status: resp.StatusCode}
	status := strconv.Itoa(resp.StatusCode)

	// The operation, looked up on a copy of the URL rebased onto the description.
	u := *req.URL
	rest, ok := strings.CutPrefix(u.Path, strings.TrimSuffix(basePath, "/"))
	if !ok {
		v.Problems = append(v.Problems, fmt.Sprintf("request path %q is not under the base path %q", u.Path, basePath))
		return v
	}
	u.Path, u.RawPath = openapi.BasePath+rest, ""
	lookup := &http.Request{Method: req.Method, URL: &u, Host: u.Host, Header: req.Header}
	route, _, err := c.router.FindRoute(lookup)

	var schema *jsonschema.Schema
	var headers openapi3.Headers
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		// Not an operation of the API: only an error in the envelope fits.
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusBadRequest {
			v.Problems = append(v.Problems, fmt.Sprintf("the description has no path %s; want status 404 or 400, got %d", rest, resp.StatusCode))
		}
		schema = c.anyError
		headers = c.errorHeaders()
	case errors.Is(err, routers.ErrMethodNotAllowed):
		if resp.StatusCode != http.StatusMethodNotAllowed {
			v.Problems = append(v.Problems, fmt.Sprintf("the description has no operation %s %s; want status 405, got %d", req.Method, rest, resp.StatusCode))
		}
		schema = c.anyError
		headers = c.errorHeaders()
	case err != nil:
		v.Problems = append(v.Problems, fmt.Sprintf("route lookup: %v", err))
		return v
	default:
		ref := route.Operation.Responses.Value(status)
		if ref == nil || ref.Value == nil {
			v.Problems = append(v.Problems, fmt.Sprintf("status %d is not declared for %s %s (declared: %s)",
				resp.StatusCode, route.Method, route.Path, strings.Join(sortedKeys(route.Operation.Responses.Map()), ", ")))
			return v
		}
		schema = c.bodies[responseKey{route.Method, route.Path, status}]
		headers = ref.Value.Headers
	}

	checkHeaders(v, headers, resp.Header)
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
		v.Problems = append(v.Problems, "a 429 must carry the header Retry-After")
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" && !retryAfterValid(ra) {
		v.Problems = append(v.Problems, fmt.Sprintf("header Retry-After = %q; want seconds (e.g. 2 or 2.128) or an HTTP date", ra))
	}
	checkBody(v, schema, resp.Header.Get("Content-Type"), body)
	if len(v.Problems) > 0 {
		return v
	}
	return nil
}

// errorHeaders returns the headers declared for every error response.
func (c *Contract) errorHeaders() openapi3.Headers {
	return openapi3.Headers{
		"request-id":        {Value: &openapi3.Header{Parameter: openapi3.Parameter{Required: true, Schema: openapi3.NewUUIDSchema().NewRef()}}},
		"client-request-id": {Value: &openapi3.Header{Parameter: openapi3.Parameter{Required: true, Schema: openapi3.NewStringSchema().WithMinLength(1).NewRef()}}},
	}
}

// uuidPattern matches a UUID in its textual form (any version), the "uuid" format.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// retryAfterValid reports whether a Retry-After value is what the description
// allows: seconds, possibly with a fraction, or an HTTP date. Go's
// time.Duration.String ("1s") is neither, and clients cannot read it.
func retryAfterValid(v string) bool {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f >= 0 && strings.Trim(v, "0123456789.") == ""
	}
	_, err := http.ParseTime(v)
	return err == nil
}

// checkHeaders checks the declared headers: present when required, and of the
// declared format and minimum length.
func checkHeaders(v *Violation, declared openapi3.Headers, got http.Header) {
	for _, name := range sortedKeys(declared) {
		h := declared[name]
		if h == nil || h.Value == nil {
			continue
		}
		vals, present := got[http.CanonicalHeaderKey(name)]
		if !present {
			if h.Value.Required {
				v.Problems = append(v.Problems, fmt.Sprintf("missing the required header %s", name))
			}
			continue
		}
		val := ""
		if len(vals) > 0 {
			val = vals[0]
		}
		if h.Value.Schema == nil || h.Value.Schema.Value == nil {
			continue
		}
		s := h.Value.Schema.Value
		if s.Format == "uuid" && !uuidPattern.MatchString(val) {
			v.Problems = append(v.Problems, fmt.Sprintf("header %s = %q; want a UUID", name, val))
		}
		if uint64(len(val)) < s.MinLength {
			v.Problems = append(v.Problems, fmt.Sprintf("header %s = %q; want at least %d characters", name, val, s.MinLength))
		}
	}
}

// checkBody checks that the body is JSON, declared as such, and valid against
// the schema.
func checkBody(v *Violation, schema *jsonschema.Schema, contentType string, body []byte) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		v.Problems = append(v.Problems, fmt.Sprintf("Content-Type = %q; want application/json", contentType))
	}
	if schema == nil {
		return
	}
	doc, err := decodeJSON(body)
	if err != nil {
		v.Problems = append(v.Problems, fmt.Sprintf("body: %v", err))
		return
	}
	if err := schema.Validate(doc); err != nil {
		v.Problems = append(v.Problems, fmt.Sprintf("body is not a valid %s: %s", schemaTitle(schema), schemaError(err)))
	}
}

// decodeJSON decodes one JSON value (numbers kept exact); anything else,
// trailing data included, is an error.
func decodeJSON(body []byte) (any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("empty body; want JSON")
	}
	if !json.Valid(body) {
		return nil, fmt.Errorf("not JSON (body %s)", excerpt(body))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %v (body %s)", err, excerpt(body))
	}
	return v, nil
}

// schemaTitle names a compiled schema by its component name.
func schemaTitle(s *jsonschema.Schema) string {
	loc := s.Location
	if i := strings.LastIndex(loc, "/"); i >= 0 {
		loc = loc[i+1:]
	}
	if un, err := url.PathUnescape(loc); err == nil {
		loc = un
	}
	return loc
}

// schemaError flattens a validation error to the leaf causes, each naming the
// place in the instance and what was wrong there.
func schemaError(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	var leaves []string
	// unevaluated collects, per object, the members that
	// unevaluatedProperties false refused: the closed alert types say "no other
	// property" that way (JSON Schema 2020-12), and they are reported in the
	// words additionalProperties uses.
	unevaluated := map[string][]string{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			at := e.InstanceLocation
			if at == "" {
				at = "/"
			}
			if strings.HasSuffix(e.KeywordLocation, "/unevaluatedProperties") {
				parent, name := at[:strings.LastIndex(at, "/")], at[strings.LastIndex(at, "/")+1:]
				if parent == "" {
					parent = "/"
				}
				unevaluated[parent] = append(unevaluated[parent], "'"+unescapePointer(name)+"'")
				return
			}
			leaves = append(leaves, fmt.Sprintf("at %s: %s", at, e.Message))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	// A member that fails its own schema is not "evaluated", so every member
	// beside it is refused by unevaluatedProperties too: report those only
	// when nothing else is wrong.
	if len(leaves) == 0 {
		for parent, names := range unevaluated {
			sort.Strings(names)
			leaves = append(leaves, fmt.Sprintf("at %s: additionalProperties %s not allowed", parent, strings.Join(compact(names), ", ")))
		}
	}
	sort.Strings(leaves)
	leaves = compact(leaves)
	if len(leaves) > 8 {
		leaves = append(leaves[:8], fmt.Sprintf("and %d more", len(leaves)-8))
	}
	return strings.Join(leaves, ", ")
}

// unescapePointer decodes one JSON Pointer reference token (RFC 6901).
func unescapePointer(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// compact removes adjacent duplicates from a sorted slice.
func compact(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// excerpt shortens a body for a message.
func excerpt(b []byte) string {
	const max = 300
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}

// sortedKeys returns a map's keys in order, for deterministic messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
