package mocktest

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/partner-security/alertmock/mock"
)

// Session is a view of one session of a Server: its clients send the
// session's X-Mock-Session header, and its helpers read and change that
// session only (its alerts, its journal, fault rules scoped to it). Views
// are cheap and safe for concurrent use; two views of one name see the same
// session. Make one with Server.View or Server.NewSession.
type Session struct {
	// Name is the session's name (the X-Mock-Session header its clients send).
	Name string
	// BaseURL is the Graph base URL of the server, as Server.BaseURL.
	BaseURL string

	srv *Server
}

// sessionSeq numbers the sessions NewSession makes, so that two tests of one
// name (-count=2) still get sessions of their own.
var sessionSeq atomic.Int64

// maxTestNameBytes is how much of a test's name NewSession puts in a session
// name (mock.MaxSessionNameBytes bounds the whole).
const maxTestNameBytes = 200

// View returns a view of the session name. It changes nothing on the server:
// the session starts from the seed dataset on its first request.
func (s *Server) View(name string) *Session {
	return &Session{Name: name, BaseURL: s.BaseURL, srv: s}
}

// NewSession returns a view of a session of tb's own on a server shared by
// parallel tests: its name is tb.Name() with a number that makes it unique.
// When tb ends, the session's fault rules are removed and the session is
// reset (Session.Reset).
func (s *Server) NewSession(tb testing.TB) *Session {
	tb.Helper()
	name := tb.Name()
	if len(name) > maxTestNameBytes {
		name = strings.ToValidUTF8(name[:maxTestNameBytes], "")
	}
	v := s.View(fmt.Sprintf("%s#%d", name, sessionSeq.Add(1)))
	tb.Cleanup(func() { v.Reset(tb) })
	return v
}

// Client returns a client for the server that sends, on every request that
// does not carry them already, "Authorization: Bearer <token>" with a token
// for DefaultUPN holding PartnerSecurity.ReadWrite.All, and the session's
// X-Mock-Session header (none for mock.DefaultSession). Each call returns a
// new client that the caller may change (e.g. wrap its Transport).
func (v *Session) Client() *http.Client {
	tok, err := mock.MintToken(mock.Token{Scopes: []string{"PartnerSecurity.ReadWrite.All"}, UPN: DefaultUPN}, v.srv.key)
	if err != nil {
		panic("mocktest: " + err.Error()) // MintToken fails only on claims that cannot be JSON
	}
	return v.client(tok)
}

// HTTPClient returns a client for the server (it trusts the server's
// certificate under WithTLS) that adds only the session's X-Mock-Session
// header (none for mock.DefaultSession): for code under test that sets its
// own Authorization header, as a Graph client does. Each call returns a new
// client that the caller may change.
func (v *Session) HTTPClient() *http.Client {
	return v.client("")
}

// client is a copy of the test server's client with a transport adding the
// token (unless empty) and the session header.
func (v *Session) client(token string) *http.Client {
	c := *v.srv.hs.Client()
	c.Transport = &headerTransport{next: c.Transport, token: token, session: v.Name}
	return &c
}

// Token mints a token for the server: signed with its auth key when
// mock.Config.AuthKey is set, unsigned otherwise. Use it to test 401 and 403
// paths and attribution (updatedBy, resolvedBy).
func (v *Session) Token(tb testing.TB, t Token) string {
	tb.Helper()
	tok, err := mock.MintToken(t, v.srv.key)
	if err != nil {
		tb.Fatalf("mocktest: %v", err)
	}
	return tok
}

// Journal returns the requests the session received that pass f (the zero
// filter passes all), oldest first, Authorization redacted.
func (v *Session) Journal(f JournalFilter) []JournalEntry {
	return v.srv.Mock.Journal().Entries(v.Name, f)
}

// Statuses returns the statuses the session answered to the requests that
// pass f, oldest first; 0 stands for a connection a fault dropped. A client
// that retried an injected 429 once shows [429 200].
func (v *Session) Statuses(f JournalFilter) []int {
	var out []int
	for _, e := range v.Journal(f) {
		out = append(out, e.Status)
	}
	return out
}

// AddFault puts a fault rule in force for the session's requests only (the
// rule's Session is set to the session's name) and returns it with its id.
// A rule naming another session, or one that is not valid, fails the test.
// For a rule on every session use Server.Mock.Faults().Add.
func (v *Session) AddFault(tb testing.TB, r FaultRule) FaultRule {
	tb.Helper()
	if r.Session != "" && r.Session != v.Name {
		tb.Fatalf("mocktest: fault rule for session %q added through the view of session %q", r.Session, v.Name)
	}
	r.Session = v.Name
	added, err := v.srv.Mock.Faults().Add(r)
	if err != nil {
		tb.Fatalf("mocktest: fault rule: %v", err)
	}
	return added
}

// TooManyRequests makes the next times requests of the session that match
// method and path (empty: any; path is a fault rule pattern) answer 429
// TooManyRequests with "Retry-After: retryAfter" (seconds, e.g. "1"), as
// Graph throttling does. Statuses then shows whether the client retried.
func (v *Session) TooManyRequests(tb testing.TB, method, path string, times int, retryAfter string) FaultRule {
	tb.Helper()
	return v.AddFault(tb, FaultRule{Method: method, Path: path, Kind: FaultStatus, Status: http.StatusTooManyRequests, RetryAfter: retryAfter, Times: times})
}

// Alert returns a copy of an alert of the session as the server holds it now.
func (v *Session) Alert(id string) (Alert, bool) {
	return v.srv.Mock.Alert(v.Name, id)
}

// Alerts returns copies of the session's alerts in id order.
func (v *Session) Alerts() []Alert {
	return v.srv.Mock.Alerts(v.Name)
}

// Put adds alerts to the session, replacing those with the same id; an alert
// that is not valid fails the test.
func (v *Session) Put(tb testing.TB, alerts ...Alert) {
	tb.Helper()
	if err := v.srv.Mock.Put(v.Name, alerts...); err != nil {
		tb.Fatalf("mocktest: put: %v", err)
	}
}

// Reset returns the session to the seed dataset, clears its journal and
// removes the fault rules scoped to it; a failure (only possible with
// durable state) fails the test.
func (v *Session) Reset(tb testing.TB) {
	tb.Helper()
	if err := v.srv.Mock.Reset(v.Name); err != nil {
		tb.Fatalf("mocktest: reset: %v", err)
	}
	v.srv.Mock.Journal().Clear(v.Name)
	faults := v.srv.Mock.Faults()
	for _, r := range faults.Rules() {
		if r.Session == v.Name {
			faults.Delete(r.ID)
		}
	}
}

// headerTransport adds the token and session headers a request lacks.
type headerTransport struct {
	next    http.RoundTripper
	token   string // "" adds no Authorization
	session string
}

// RoundTrip implements http.RoundTripper.
func (t *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	addAuth := t.token != "" && r.Header.Get("Authorization") == ""
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
