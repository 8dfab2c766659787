package conformance

import (
	"bytes"
	"context"
	"net/http"
)

// State is a read-only view of one running scenario's state, for a team's own
// steps registered beside the suite's (Config.Steps, or its own
// godog.ScenarioContext): the latest response, the alert under test, the
// session and credentials. Get it with StateFrom in a step that takes a
// context.Context as its first argument. It reads the scenario as it is when
// called; steps of a scenario run one at a time, so no lock is needed.
type State struct {
	st *scenario
}

// stateKey is the context key of a scenario's *State.
type stateKey struct{}

// StateFrom returns the state of the scenario whose step ctx was given to, and
// false when ctx is not a step context of a scenario initialised by
// Suite.InitializeScenario (or run by Run, Test or Compare).
func StateFrom(ctx context.Context) (*State, bool) {
	s, ok := ctx.Value(stateKey{}).(*State)
	return s, ok
}

// Response is a response a step received, as the steps saw it (already
// checked against the contract).
type Response struct {
	// Method and URL are those of the request.
	Method, URL string
	// Status is the status code.
	Status int
	// Header is the response header.
	Header http.Header
	// Body is the whole response body.
	Body []byte
	// JSON is the decoded body (map[string]any, []any, …); nil when it is not JSON.
	JSON any
}

// LastResponse returns a copy of the latest response of a scenario step (the
// one "the request succeeds with status …" judges), or nil before the first.
// Requests of Given steps that set up data do not count.
func (s *State) LastResponse() *Response {
	x := s.st.last
	if x == nil {
		return nil
	}
	return &Response{Method: x.method, URL: x.url, Status: x.status, Header: x.header.Clone(), Body: bytes.Clone(x.body), JSON: x.json}
}

// AlertID is the id of the alert under test (Config.AlertID, or
// DocumentedAlertID); a step such as "I read the alert with the id …" does
// not change it.
func (s *State) AlertID() string { return s.st.alertID }

// BaseURL is the suite's base URL, e.g. "http://127.0.0.1:8080/beta".
func (s *State) BaseURL() string { return s.st.suite.base.String() }

// Session is the value of the SessionHeader (X-Mock-Session) the scenario
// sends, which gives it its own state on the mock; "" when it sends none.
func (s *State) Session() string { return s.st.session }

// Authorization is the Authorization header the scenario's requests carry as
// the caller signed in now; "" when it is not signed in.
func (s *State) Authorization() string { return s.st.auth.header }

// Header returns the headers a team's step should send to act within the
// scenario: the session header (when there is one) and Authorization (when
// signed in).
func (s *State) Header() http.Header {
	h := http.Header{}
	if s.st.session != "" {
		h.Set(SessionHeader, s.st.session)
	}
	if s.st.auth.header != "" {
		h.Set("Authorization", s.st.auth.header)
	}
	return h
}
