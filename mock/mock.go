// Package mock serves a stateful, contract-driven mock of the Microsoft Graph beta
// partner security alerts API as an http.Handler.
package mock

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/auth"
	"github.com/partner-security/alertmock/mock/graphapi"
	"github.com/partner-security/alertmock/mock/store"
)

// DefaultMaxBodyBytes is the largest request body accepted when
// Config.MaxBodyBytes is 0 (1 MiB); larger bodies get 413.
const DefaultMaxBodyBytes = 1 << 20

// DefaultMaxSessions is how many sessions the mock keeps when
// Config.MaxSessions is 0.
const DefaultMaxSessions = store.DefaultMaxSessions

// MaxSessionNameBytes is the longest session name (X-Mock-Session, the tid
// claim, or the control API's {session}); a longer one is a 400.
const MaxSessionNameBytes = store.MaxNameBytes

// DefaultPageSize is the list page size when neither Config.PageSize nor `$top`
// says otherwise.
const DefaultPageSize = 100

// Config configures a Server. The zero value serves the generated seed dataset
// (seed 0) with auth checking on, the real clock, random UUIDs and no logging.
type Config struct {
	// Seed selects the generated dataset (alert.Seed) every session starts from.
	Seed int64
	// Alerts, when non-nil, is the dataset every session starts from instead of
	// the generated one. Each alert must pass alert.Validate and ids must be unique.
	Alerts []alert.Alert
	// Now is the clock (activity log times, resolvedOnDateTime, token expiry,
	// innerError.date). Nil means time.Now.
	Now func() time.Time
	// NewID makes request-ids. Nil means random UUID v4s.
	NewID func() string
	// Logger receives one line per request and server faults. Nil discards.
	Logger *slog.Logger
	// DisableAuth accepts every request, with or without a token (actor
	// alert.DefaultActor unless a JWT names one).
	DisableAuth bool
	// AuthKey, when set, makes the mock verify JWT signatures with HS256 and this
	// key; tokens that are not HS256 JWTs signed with it, and opaque tokens, get 401.
	AuthKey []byte
	// AuthAudience, when set, is the aud claim every JWT must carry (the
	// string, or a member of the array); others get 401 "Access token
	// validation failure. Invalid audience.". Opaque tokens are not checked.
	AuthAudience string
	// AuthIssuer, when set, is the iss claim every JWT must carry; others
	// get 401 "… Invalid issuer.".
	AuthIssuer string
	// AuthRequireExp makes a JWT without an exp claim a 401 (Entra ID never
	// issues one). alertmock sets it with -auth-key unless -auth-exp-optional.
	AuthRequireExp bool
	// MaxBodyBytes is the largest accepted request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// PageSize is the default list page size; 0 means DefaultPageSize.
	PageSize int
	// Persistence, when non-nil, makes state durable (see Persistence).
	Persistence *Persistence
	// JournalSize is how many requests the journal keeps per session;
	// 0 means DefaultJournalSize, negative turns the journal off.
	JournalSize int
	// JournalBodyBytes is how many bytes of each request body the journal
	// keeps; 0 means DefaultJournalBodyBytes.
	JournalBodyBytes int
	// JournalBytes is the memory budget of the whole journal: past it the
	// oldest entries of any session are dropped. 0 means DefaultJournalBytes.
	JournalBytes int64
	// JournalSessionBytes is the memory budget of one session's journal:
	// past it the session's oldest entries are dropped. 0 means
	// DefaultJournalSessionBytes; it may not exceed JournalBytes.
	JournalSessionBytes int64
	// Faults are fault rules in force from the start (see FaultRule); more
	// can be added through the control API or Server.Faults.
	Faults []FaultRule
	// Throttle limits the request rate of each session from the start; the
	// zero value sets no limit.
	Throttle ThrottleConfig
	// MaxSessions is how many sessions the mock keeps in memory (in the store
	// and in the journal); when a new session would exceed it, the least
	// recently used one is forgotten: it starts from the seed again on next
	// use, unless Persistence holds it, which then reads it back (a memory cap
	// never deletes durable state). 0 means DefaultMaxSessions.
	MaxSessions int
	// FutureEnumMembers adds members to the alert enums after
	// unknownFutureValue (keys alert.EnumStatus, alert.EnumSeverity, …), as
	// Microsoft may one day: a test of clients that must survive it (Graph's
	// evolvable enums). Alerts (the dataset, the control API) may then hold
	// them; a client sees them only when it sends "Prefer:
	// include-unknown-enum-members" (answered with Preference-Applied), and
	// unknownFutureValue otherwise, in bodies and in `$filter`; /beta/$metadata
	// declares them. It must pass alert.Future.Check.
	FutureEnumMembers alert.Future
	// BatchShuffleSeed, when not 0, shuffles the responses of every JSON
	// batch (POST /beta/$batch) with a random source seeded with it, the same
	// way on every run: a client that matches responses to its requests by
	// position instead of by id then fails. 0 answers in the order the
	// requests ran (Graph promises no order).
	BatchShuffleSeed int64
	// AdminToken, when set, is required on every control API call as
	// "Authorization: Bearer <AdminToken>", from any address. When empty, the
	// control API answers loopback clients only.
	AdminToken string
}

// Server is the mock: an http.Handler serving the Graph routes under
// openapi.BasePath, /healthz and the control API under /_mock/. It is safe for
// concurrent use. Make one with New.
type Server struct {
	cfg      Config
	now      func() time.Time
	newID    func() string
	log      *slog.Logger
	maxBody  int64
	pageSize int

	contract *graphapi.Contract // the description, its router and compiled schemas
	store    *store.Store
	tokens   *auth.Verifier // parsed bearer tokens (package auth)
	graph    *graphapi.API  // the Graph operations (package graphapi)
	ctl      controls       // journal, faults, throttle, admin token (control.go)
	handler  http.Handler
}

// New returns a Server over the embedded contract (openapi.Load), with every
// session starting from cfg.Alerts or the seed dataset.
func New(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, now: cfg.Now, newID: cfg.NewID, log: cfg.Logger, maxBody: cfg.MaxBodyBytes, pageSize: cfg.PageSize}
	if s.now == nil {
		s.now = timeNow
	}
	if s.newID == nil {
		s.newID = uuid.NewString
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.pageSize <= 0 {
		s.pageSize = DefaultPageSize
	}
	if err := cfg.FutureEnumMembers.Check(); err != nil {
		return nil, fmt.Errorf("mock: Config.FutureEnumMembers: %w", err)
	}
	var err error
	if s.contract, err = loadContract(); err != nil {
		return nil, err
	}
	s.tokens = auth.NewVerifier(cfg.AuthKey, auth.Checks{Audience: cfg.AuthAudience, Issuer: cfg.AuthIssuer, RequireExp: cfg.AuthRequireExp})
	seed := cfg.Alerts
	if seed == nil {
		seed = alert.Seed(cfg.Seed)
	}
	if s.store, err = newStore(seed, cfg.FutureEnumMembers, cfg.Persistence, s.now, cfg.MaxSessions); err != nil {
		return nil, err
	}
	s.cfg.Alerts = nil // the store keeps its own copy
	s.cfg.FutureEnumMembers = cloneFuture(cfg.FutureEnumMembers)
	if err := s.initControls(cfg); err != nil {
		return nil, err
	}
	if s.graph, err = graphapi.New(graphapi.Deps{Contract: s.contract, Store: s.store, Tokens: s.tokens,
		Now: s.now, NewID: s.newID, Logger: s.log, Session: s.sessionOf, DisableAuth: cfg.DisableAuth,
		MaxBodyBytes: s.maxBody, PageSize: s.pageSize, Pipeline: s.pipeline, BatchShuffleSeed: cfg.BatchShuffleSeed, Future: s.cfg.FutureEnumMembers}); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// cloneFuture copies f, so that the caller may change its map afterwards.
func cloneFuture(f alert.Future) alert.Future {
	if f == nil {
		return nil
	}
	out := make(alert.Future, len(f))
	for k, v := range f {
		out[k] = slices.Clone(v)
	}
	return out
}

// loadContract loads and compiles the description once per process: a
// Server per test would otherwise spend ~25 ms on it (BenchmarkNew in
// mock/mocktest). The Contract is immutable, so every Server shares it.
var loadContract = sync.OnceValues(func() (*graphapi.Contract, error) {
	return graphapi.LoadContract(context.Background())
})

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// Close releases what the Server holds (the durable store, if any). The Server
// must not serve requests after Close.
func (s *Server) Close() error {
	if p := s.cfg.Persistence; p != nil {
		return p.Close()
	}
	return nil
}

// Document returns the OpenAPI description the server routes by. Callers must
// not modify it.
func (s *Server) Document() *openapi3.T { return s.contract.Doc }
