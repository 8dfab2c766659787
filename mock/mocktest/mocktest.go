// Package mocktest starts the alertmock server inside a Go test, for teams
// that test their Microsoft Graph partner security alerts client against it.
//
// It is a package of its own so that package testing is never linked into the
// alertmock binary.
package mocktest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/partner-security/alertmock/mock"
	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/openapi"
)

// DefaultUPN is the user of the token Server.Client sends unless told
// otherwise: the updatedBy and resolvedBy of the changes it makes.
const DefaultUPN = "mocktest@contoso.com"

// Option changes how New starts the server.
type Option func(*settings)

// settings are what the options set.
type settings struct {
	cfg     mock.Config
	session string
	tls     bool
}

// WithConfig lets f change the mock.Config the server is made with (clock,
// seed, auth key, journal size, …). Later options apply after it.
func WithConfig(f func(*mock.Config)) Option {
	return func(s *settings) { f(&s.cfg) }
}

// WithAlerts serves these alerts instead of the generated seed dataset;
// every session starts from them.
func WithAlerts(alerts ...alert.Alert) Option {
	return func(s *settings) { s.cfg.Alerts = alerts }
}

// WithFaults puts fault rules in force from the start.
func WithFaults(rules ...mock.FaultRule) Option {
	return func(s *settings) { s.cfg.Faults = append(s.cfg.Faults, rules...) }
}

// WithThrottle limits each session to requestsPerSecond (429 with
// Retry-After above it).
func WithThrottle(requestsPerSecond float64) Option {
	return func(s *settings) { s.cfg.Throttle = mock.ThrottleConfig{RequestsPerSecond: requestsPerSecond} }
}

// WithSession makes Server.Client send X-Mock-Session: name, and makes the
// Server's helpers (Journal, Alert, Reset) act on that session. The default
// is mock.DefaultSession, which is also where requests without the header
// (and without a tid claim in their token) go.
func WithSession(name string) Option {
	return func(s *settings) { s.session = name }
}

// WithTLS serves HTTPS (Graph SDKs refuse http:// base URLs); Server.Client
// and HTTPClient trust the server's certificate.
func WithTLS() Option {
	return func(s *settings) { s.tls = true }
}

// Server is an alertmock server running for one test. Its fields are set by
// New and must not be changed.
type Server struct {
	// Mock is the server itself, for everything the helpers below do not
	// cover (Faults, Throttle, Put, Replace, Sessions, …).
	Mock *mock.Server
	// URL is the root URL, e.g. http://127.0.0.1:41234 (the control API is
	// under URL + "/_mock/").
	URL string
	// BaseURL is the Graph base URL, URL + "/beta": what a Graph client is
	// pointed at instead of https://graph.microsoft.com/beta.
	BaseURL string
	// Session is the session Client sends and the helpers act on.
	Session string

	hs  *httptest.Server
	key []byte
}

// New starts a mock server on a loopback port for the test, and stops it
// when the test ends (tb.Cleanup). It fails the test when the configuration
// is not valid.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	st := settings{session: mock.DefaultSession}
	for _, o := range opts {
		o(&st)
	}
	m, err := mock.New(st.cfg)
	if err != nil {
		tb.Fatalf("mocktest: %v", err)
	}
	hs := httptest.NewUnstartedServer(m)
	if st.tls {
		hs.StartTLS()
	} else {
		hs.Start()
	}
	tb.Cleanup(func() {
		hs.Close()
		if err := m.Close(); err != nil {
			tb.Errorf("mocktest: close: %v", err)
		}
	})
	return &Server{Mock: m, URL: hs.URL, BaseURL: hs.URL + openapi.BasePath, Session: st.session, hs: hs, key: st.cfg.AuthKey}
}

// HTTPClient returns a plain client for the server (it trusts the server's
// certificate under WithTLS) that adds nothing to requests: for code under
// test that sets its own Authorization and session headers.
func (s *Server) HTTPClient() *http.Client {
	return s.hs.Client()
}

// Client returns a client for the server that sends, on every request that
// does not carry them already, "Authorization: Bearer <token>" with a token
// for DefaultUPN holding PartnerSecurity.ReadWrite.All, and X-Mock-Session:
// Session (unless Session is mock.DefaultSession).
func (s *Server) Client() *http.Client {
	tok, err := mock.MintToken(mock.Token{Scopes: []string{"PartnerSecurity.ReadWrite.All"}, UPN: DefaultUPN}, s.key)
	if err != nil {
		panic("mocktest: " + err.Error()) // MintToken fails only on claims that cannot be JSON
	}
	c := *s.hs.Client()
	c.Transport = &headerTransport{next: c.Transport, token: tok, session: s.Session}
	return &c
}

// Token mints a token for the server: signed with its auth key when
// mock.Config.AuthKey is set, unsigned otherwise. Use it to test 401 and 403
// paths and attribution (updatedBy, resolvedBy).
func (s *Server) Token(tb testing.TB, t mock.Token) string {
	tb.Helper()
	tok, err := mock.MintToken(t, s.key)
	if err != nil {
		tb.Fatalf("mocktest: %v", err)
	}
	return tok
}

// Journal returns the requests the server received in Session that pass f
// (the zero filter passes all), oldest first, Authorization redacted.
func (s *Server) Journal(f mock.JournalFilter) []mock.JournalEntry {
	return s.Mock.Journal().Entries(s.Session, f)
}

// AddFault puts a fault rule in force and returns it with its id; an invalid
// rule fails the test.
func (s *Server) AddFault(tb testing.TB, r mock.FaultRule) mock.FaultRule {
	tb.Helper()
	added, err := s.Mock.Faults().Add(r)
	if err != nil {
		tb.Fatalf("mocktest: fault rule: %v", err)
	}
	return added
}

// Alert returns a copy of an alert of Session as the server holds it now.
func (s *Server) Alert(id string) (alert.Alert, bool) {
	return s.Mock.Alert(s.Session, id)
}

// Reset returns Session to the seed dataset and clears its journal; a
// failure (only possible with durable state) fails the test.
func (s *Server) Reset(tb testing.TB) {
	tb.Helper()
	if err := s.Mock.Reset(s.Session); err != nil {
		tb.Fatalf("mocktest: reset: %v", err)
	}
	s.Mock.Journal().Clear(s.Session)
}

// headerTransport adds the token and session headers a request lacks.
type headerTransport struct {
	next    http.RoundTripper
	token   string
	session string
}

// RoundTrip implements http.RoundTripper.
func (t *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	addAuth := r.Header.Get("Authorization") == ""
	addSession := t.session != mock.DefaultSession && r.Header.Get(mock.HeaderSession) == ""
	if addAuth || addSession {
		r = r.Clone(r.Context())
		if addAuth {
			r.Header.Set("Authorization", "Bearer "+t.token)
		}
		if addSession {
			r.Header.Set(mock.HeaderSession, t.session)
		}
	}
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(r)
}
