// Package mocktest starts the alertmock server inside a Go test, for teams
// that test their Microsoft Graph partner security alerts client against it.
//
// One mock per test (New) or one mock shared by parallel tests with a session
// each (Server.NewSession) both work: a Session is a view of one session's
// state, journal and fault rules, so parallel tests never see each other's
// requests. The names a test needs most (alerts and their enums, fault
// rules, journal entries, tokens) are re-exported here, so one import is
// enough.
//
// It is a package of its own so that package testing is never linked into the
// alertmock binary.
package mocktest

import (
	"crypto/x509"
	"net/http/httptest"
	"testing"

	"github.com/partner-security/alertmock/mock"
	"github.com/partner-security/alertmock/openapi"
)

// DefaultUPN is the user of the token Client sends unless told otherwise:
// the updatedBy and resolvedBy of the changes it makes.
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
func WithAlerts(alerts ...Alert) Option {
	return func(s *settings) { s.cfg.Alerts = alerts }
}

// WithFaults puts fault rules in force from the start. Unlike
// Session.AddFault they are not scoped: a rule with an empty Session applies
// to every session.
func WithFaults(rules ...FaultRule) Option {
	return func(s *settings) { s.cfg.Faults = append(s.cfg.Faults, rules...) }
}

// WithThrottle limits each session to requestsPerSecond, in bursts of the
// rate rounded up (429 with Retry-After above it).
func WithThrottle(requestsPerSecond float64) Option {
	return func(s *settings) { s.cfg.Throttle = mock.ThrottleConfig{RequestsPerSecond: requestsPerSecond} }
}

// WithSession makes the Server's own helpers (Client, HTTPClient, Journal,
// Alert, AddFault, Reset) act on the session name instead of
// mock.DefaultSession, which is where requests without X-Mock-Session (and
// without a tid claim in their token) go.
func WithSession(name string) Option {
	return func(s *settings) { s.session = name }
}

// WithTLS serves HTTPS (Graph SDKs refuse http:// base URLs); the clients of
// Client and HTTPClient trust the server's certificate.
func WithTLS() Option {
	return func(s *settings) { s.tls = true }
}

// Server is an alertmock server running for one test (or shared by the
// subtests of one). Its exported fields are set by New and must not be
// changed. It embeds the Session view of its own session (WithSession;
// default mock.DefaultSession), so srv.Client(), srv.Journal(…),
// srv.AddFault(…), srv.Reset(t), … act on that session.
type Server struct {
	// Mock is the server itself, for everything the helpers do not cover
	// (Faults for rules of every session, Throttle, Replace, Sessions, …).
	Mock *mock.Server
	// URL is the root URL, e.g. http://127.0.0.1:41234 (the control API is
	// under URL + "/_mock/").
	URL string
	// BaseURL is the Graph base URL, URL + "/beta": what a Graph client is
	// pointed at instead of https://graph.microsoft.com/beta.
	BaseURL string

	*Session // the server's own session

	hs  *httptest.Server
	key []byte
}

// New starts a mock server on a loopback port for the test, and stops it
// when the test ends (tb.Cleanup). It fails the test when the configuration
// is not valid. The description is loaded and compiled once per process, so
// a server per test is cheap (about half a millisecond).
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := Start(opts...)
	if err != nil {
		tb.Fatalf("mocktest: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("mocktest: close: %v", err)
		}
	})
	return s
}

// Start starts a mock server on a loopback port until Close: for a server
// that the tests of a package share, started in TestMain, where there is no
// testing.TB yet. Tests then take a session each (NewSession).
func Start(opts ...Option) (*Server, error) {
	st := settings{session: mock.DefaultSession}
	for _, o := range opts {
		o(&st)
	}
	m, err := mock.New(st.cfg)
	if err != nil {
		return nil, err
	}
	hs := httptest.NewUnstartedServer(m)
	hs.Config.DisableGeneralOptionsHandler = true // "OPTIONS *" gets the mock's 404, as from alertmock
	if st.tls {
		hs.StartTLS()
	} else {
		hs.Start()
	}
	s := &Server{Mock: m, URL: hs.URL, BaseURL: hs.URL + openapi.BasePath, hs: hs, key: st.cfg.AuthKey}
	s.Session = s.View(st.session)
	return s, nil
}

// Close stops the server and releases what the mock holds. New calls it when
// the test ends; call it yourself after Start.
func (s *Server) Close() error {
	s.hs.Close()
	return s.Mock.Close()
}

// Certificate returns the certificate the server serves under WithTLS (nil
// without it), for clients that build their own transport:
// pool.AddCert(srv.Certificate()) into tls.Config.RootCAs.
func (s *Server) Certificate() *x509.Certificate {
	return s.hs.Certificate()
}
