package graphapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/partner-security/alertmock/mock/grapherr"
	"github.com/partner-security/alertmock/openapi"
)

// Operation ids of the description that the mock serves.
const (
	opList   = "security.partner.ListSecurityAlerts"
	opGet    = "security.partner.GetSecurityAlerts"
	opUpdate = "security.partner.UpdateSecurityAlerts"
)

// operation is what the mock knows about one operation of the description,
// prepared once at New.
type operation struct {
	id          string
	permissions []string        // any one suffices (the operation's security requirements)
	query       map[string]bool // declared query options, "$"-prefixed
	handle      func(w http.ResponseWriter, r *http.Request, c *call) error
}

// call is one request being served by an operation.
type call struct {
	op      *operation
	params  map[string]string // path parameters, unescaped
	who     principal
	session string
	query   queryOptions
	// include: the client sent "Prefer: include-unknown-enum-members", so
	// enum members added after unknownFutureValue are shown as they are.
	include bool
}

// operations prepares every operation of doc, and fails when the description
// has an operation the mock cannot serve (so the two cannot drift apart).
func (a *API) operations(doc *openapi3.T) (map[string]*operation, error) {
	handlers := map[string]func(http.ResponseWriter, *http.Request, *call) error{
		opList:   a.handleList,
		opGet:    a.handleGet,
		opUpdate: a.handleUpdate,
	}
	ops := map[string]*operation{}
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			h, ok := handlers[o.OperationID]
			if !ok {
				return nil, fmt.Errorf("graphapi: no handler for operation %q (%s %s)", o.OperationID, method, path)
			}
			op := &operation{id: o.OperationID, handle: h, query: map[string]bool{}}
			sec := doc.Security
			if o.Security != nil {
				sec = *o.Security
			}
			for _, req := range sec {
				for _, scopes := range req {
					for _, sc := range scopes {
						if !slices.Contains(op.permissions, sc) {
							op.permissions = append(op.permissions, sc)
						}
					}
				}
			}
			for _, p := range slices.Concat(item.Parameters, o.Parameters) {
				if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
					op.query[p.Value.Name] = true
				}
			}
			ops[o.OperationID] = op
		}
	}
	return ops, nil
}

func (a *API) serve(w http.ResponseWriter, r *http.Request) error {
	switch r.URL.Path {
	case pathRoot, pathRoot + "/":
		return a.serviceRoot(w, r)
	case pathMetadata:
		return a.metadataDocument(w, r)
	case pathBatch:
		return a.serveBatch(w, r)
	}
	r = a.canonicalCase(r)
	op, params, err := a.lookup(r)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		allowed := strings.Join(a.allowed(r), ", ")
		w.Header().Set("Allow", allowed)
		return grapherr.Errorf(grapherr.CodeMethodNotAllowed, "The HTTP method '%s' is not allowed for the request target; allowed: %s.", r.Method, allowed)
	case err != nil:
		return grapherr.Errorf(grapherr.CodeResourceNotFound, "Resource not found for the segment '%s'.", a.unknownSegment(r.URL.Path))
	}
	c := &call{op: op, params: params}
	var aerr *grapherr.Error
	if c.who, aerr = a.authenticate(r, op.permissions); aerr != nil {
		return aerr
	}
	c.session = a.session(r)
	c.include = prefersIncludeUnknown(r)
	if c.query, err = a.parseQuery(r.URL.RawQuery, op, c.include); err != nil {
		return err
	}
	if c.include {
		w.Header().Set("Preference-Applied", preferIncludeUnknown)
	}
	return op.handle(w, r, c)
}

// canonicalCase returns r with the segment names of its path (security,
// partner, securityAlerts: the literal segments of the description's paths,
// at their place) spelled as the description spells them: Graph's URI parser
// resolves names case-insensitively. The base path (the version) and path
// parameters (alert ids) keep their case. r itself is not changed.
func (a *API) canonicalCase(r *http.Request) *http.Request {
	esc := r.URL.EscapedPath()
	base := openapi.BasePath + "/"
	if !strings.HasPrefix(esc, base) {
		return r
	}
	segs := strings.Split(esc[len(base):], "/")
	changed := false
	for i, seg := range segs {
		if i >= len(a.contract.literals) {
			break
		}
		for _, lit := range a.contract.literals[i] {
			if seg != lit && strings.EqualFold(seg, lit) {
				segs[i], changed = lit, true
				break
			}
		}
	}
	if !changed {
		return r
	}
	c := base + strings.Join(segs, "/")
	p, err := url.PathUnescape(c)
	if err != nil {
		return r
	}
	r2 := *r
	u := *r.URL
	u.Path, u.RawPath = p, c
	r2.URL = &u
	return &r2
}

// segmentLiterals lists, for each place of a path below the base path, the
// literal segments the description's paths have there (no parameters).
func segmentLiterals(doc *openapi3.T) [][]string {
	var out [][]string
	for p := range doc.Paths.Map() {
		for i, seg := range strings.Split(strings.Trim(p, "/"), "/") {
			for len(out) <= i {
				out = append(out, nil)
			}
			if !strings.HasPrefix(seg, "{") && !slices.Contains(out[i], seg) {
				out[i] = append(out[i], seg)
			}
		}
	}
	return out
}

// maxCachedKeyBytes is the longest request path the route cache keeps: a
// client could otherwise pin thousands of megabyte-long keys.
const maxCachedKeyBytes = 8 << 10

// maxCachedRoutes bounds the route cache; when full it starts over.
const maxCachedRoutes = 4096

// routeCache remembers the operation and path parameters of request paths
// the router matched: gorilla/mux matches regular expressions route by route,
// the largest cost of a read after encoding.
type routeCache struct {
	mu sync.Mutex
	m  map[string]cachedRoute
}

type cachedRoute struct {
	op     *operation
	params map[string]string // unescaped; shared, never modified
}

// lookup finds the operation of a request in the description (through the
// cache), with its path parameters unescaped. Errors are the router's
// (routers.ErrPathNotFound, routers.ErrMethodNotAllowed).
func (a *API) lookup(r *http.Request) (*operation, map[string]string, error) {
	key := r.Method + " " + r.URL.EscapedPath()
	c := &a.matched
	c.mu.Lock()
	hit, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return hit.op, hit.params, nil
	}
	route, params, err := a.contract.Router.FindRoute(r)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range params {
		if u, err := url.PathUnescape(v); err == nil {
			params[k] = u
		}
	}
	hit = cachedRoute{op: a.ops[route.Operation.OperationID], params: params}
	if len(key) > maxCachedKeyBytes {
		return hit.op, hit.params, nil // not worth pinning a huge key
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedRoutes {
		c.m = make(map[string]cachedRoute, 64)
	}
	c.m[key] = hit
	c.mu.Unlock()
	return hit.op, hit.params, nil
}

// allowed lists the methods the description declares for the request's path.
func (a *API) allowed(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPatch, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, _, err := a.contract.Router.FindRoute(probe); err == nil {
			out = append(out, m)
		}
	}
	return out
}

// unknownSegment names the first segment of path that no path of the
// description has at that place (what Graph's OData URI parser reports).
func (a *API) unknownSegment(path string) string {
	// An empty segment ("//", a trailing slash) is named as '': no path of
	// the description has one.
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	base := strings.Trim(openapi.BasePath, "/")
	if segs[0] != base {
		return segs[0]
	}
	segs = segs[1:]
	if len(segs) == 0 {
		return ""
	}
	best := 0
	for p := range a.contract.Doc.Paths.Map() {
		tmpl := strings.Split(strings.Trim(p, "/"), "/")
		n := 0
		for n < len(segs) && n < len(tmpl) && (segs[n] == tmpl[n] || (strings.HasPrefix(tmpl[n], "{") && segs[n] != "")) {
			n++
		}
		best = max(best, n)
	}
	if best < len(segs) {
		return segs[best]
	}
	return segs[len(segs)-1]
}
