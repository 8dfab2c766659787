// Package graphapi serves the Microsoft Graph side of the mock: the
// operations of the OpenAPI description (list, get and update alerts), routed
// by the description, authorised, validated and answered as Graph answers
// them.
package graphapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/auth"
	"github.com/partner-security/alertmock/mock/grapherr"
	"github.com/partner-security/alertmock/mock/store"
	"github.com/partner-security/alertmock/openapi"
)

// Contract is what the API derives from the OpenAPI description: the
// document, its router, the literal path segments by place and the compiled
// schemas. It is immutable; one can serve any number of APIs.
type Contract struct {
	// Doc is the loaded description (openapi.Load).
	Doc *openapi3.T
	// Router finds the operation of a request.
	Router routers.Router
	// Update is the compiled PATCH body schema (partnerSecurityAlertUpdate).
	Update *jsonschema.Schema
	// Entity is the compiled schema of a whole alert (partnerSecurityAlertEntity).
	Entity   *jsonschema.Schema
	literals [][]string
}

// LoadContract loads the embedded description and compiles what the API
// needs from it.
func LoadContract(ctx context.Context) (*Contract, error) {
	doc, err := openapi.Load(ctx)
	if err != nil {
		return nil, err
	}
	c := &Contract{Doc: doc, literals: segmentLiterals(doc)}
	if c.Router, err = gorillamux.NewRouter(doc); err != nil {
		return nil, fmt.Errorf("graphapi: router: %w", err)
	}
	sch, err := openapi.NewSchemas()
	if err != nil {
		return nil, err
	}
	if c.Update, err = sch.Compile(openapi.SchemaAlertUpdate); err != nil {
		return nil, err
	}
	if c.Entity, err = sch.Compile(openapi.SchemaAlertEntity); err != nil {
		return nil, err
	}
	return c, nil
}

// Deps are what an API serves from: every field but Logger is required.
type Deps struct {
	// Contract is the description the API routes, authorises and validates by.
	Contract *Contract
	// Store holds the alerts of every session.
	Store *store.Store
	// Tokens parses bearer tokens (and caches them).
	Tokens *auth.Verifier
	// Now is the clock: token expiry, innerError.date.
	Now func() time.Time
	// NewID makes request-ids for error bodies that lack one.
	NewID func() string
	// Logger receives server faults; nil discards.
	Logger *slog.Logger
	// Session names the session of a request (the mock's X-Mock-Session, else
	// the token's tid, else "default").
	Session func(*http.Request) string
	// DisableAuth accepts every request, with or without a token.
	DisableAuth bool
	// MaxBodyBytes is the largest request body (413 beyond).
	MaxBodyBytes int64
	// PageSize is the list page size when `$top` does not say.
	PageSize int
	// Pipeline wraps the API in the middleware every Graph request passes
	// (the mock's journal, fault rules and throttle); each request inside a
	// JSON batch passes it too (ServeBatch). Nil means none.
	Pipeline func(http.Handler) http.Handler
	// Future are the members each alert enum gained after unknownFutureValue
	// (Graph's evolvable enums): alerts may hold them, clients see them only
	// with "Prefer: include-unknown-enum-members", and the metadata declares
	// them. It must pass alert.Future.Check.
	Future alert.Future
	// BatchShuffleSeed, when not 0, shuffles the responses of every JSON
	// batch with a random source seeded with it (the same batches come back
	// in the same orders on every run), so clients that match responses to
	// requests by position instead of id fail. 0 answers in the order the
	// requests ran.
	BatchShuffleSeed int64
}

// API serves the Graph operations of the description. It is an
// http.Handler, safe for concurrent use; make one with New.
type API struct {
	contract *Contract
	store    *store.Store
	tokens   *auth.Verifier
	now      func() time.Time
	newID    func() string
	log      *slog.Logger
	session  func(*http.Request) string
	noAuth   bool
	maxBody  int64
	pageSize int

	metadata []byte                // the CSDL document (root.go)
	future   alert.Future          // enum members after unknownFutureValue (evolve.go)
	inner    http.Handler          // the API behind Deps.Pipeline: where a batch's requests go (batch.go)
	shuffle  *batchShuffle         // nil: batch responses in the order the requests ran
	ops      map[string]*operation // by operationId
	matched  routeCache            // matched request paths (routing.go)
	verdicts patchVerdicts         // schema verdicts on decoded PATCH bodies (patch.go)
	patches  patchCache            // decoded PATCH bodies (patch.go)
}

// New returns the API over d. It fails when the description has an
// operation the API cannot serve, so the two cannot drift apart.
func New(d Deps) (*API, error) {
	if d.Contract == nil || d.Store == nil || d.Tokens == nil || d.Now == nil || d.NewID == nil || d.Session == nil {
		return nil, errors.New("graphapi: Deps needs Contract, Store, Tokens, Now, NewID and Session")
	}
	if d.MaxBodyBytes <= 0 || d.PageSize <= 0 {
		return nil, errors.New("graphapi: Deps needs a positive MaxBodyBytes and PageSize")
	}
	a := &API{contract: d.Contract, store: d.Store, tokens: d.Tokens, now: d.Now, newID: d.NewID,
		log: d.Logger, session: d.Session, noAuth: d.DisableAuth, maxBody: d.MaxBodyBytes, pageSize: d.PageSize}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if err := d.Future.Check(); err != nil {
		return nil, fmt.Errorf("graphapi: Deps.Future: %w", err)
	}
	a.future = d.Future
	a.metadata = metadataWith(openapi.MetadataXML(), d.Future)
	a.inner = a
	if d.Pipeline != nil {
		a.inner = d.Pipeline(a)
	}
	if d.BatchShuffleSeed != 0 {
		a.shuffle = &batchShuffle{rnd: rand.New(rand.NewPCG(uint64(d.BatchShuffleSeed), 0x9e3779b97f4a7c15))}
	}
	var err error
	if a.ops, err = a.operations(d.Contract.Doc); err != nil {
		return nil, err
	}
	return a, nil
}

// ServeHTTP serves one Graph request: route lookup in the description (404
// and 405 in the Graph envelope), then auth, query options, and the
// operation's handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := a.serve(w, r); err != nil {
		a.writeError(w, r, err)
	}
}

// firstValue is h.Get(key) for a key already in canonical form.
func firstValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// writeError writes err as a Graph error envelope (grapherr.Write, the only
// writer of error bodies) with the API's clock, request ids and logger.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	grapherr.Write(w, r, err, a.now(), a.newID, a.log)
}
