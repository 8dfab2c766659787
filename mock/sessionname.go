package mock

import (
	"net/http"

	"github.com/partner-security/alertmock/mock/store"
)

// sessionNameError is the 400 for a session name the store cannot keep
// (store.NameProblem), or nil. target names where the name came from:
// HeaderSession, or the control API's path parameter "session".
func sessionNameError(name, target string) *Error {
	problem := store.NameProblem(name)
	if problem == "" {
		return nil
	}
	where := "The session name (header '" + HeaderSession + "', else the token's tid claim)"
	if target != HeaderSession {
		where = "The session name in the path"
	}
	e := errorf(CodeBadRequest, "%s %s", where, problem)
	e.Target = target
	return e
}

// checkSessionName answers 400 to a Graph request whose session name is too
// long or not text, before the journal, the throttle or the store keep it as a key.
// It wraps the Graph routes only (routes.go): control API calls name their
// session in the path and check it themselves.
func (s *Server) checkSessionName(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := sessionNameError(s.sessionOf(r), HeaderSession); err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}
