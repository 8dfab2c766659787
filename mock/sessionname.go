package mock

import (
	"net/http"
	"strings"
)

// sessionNameError is the 400 for a session name longer than
// MaxSessionNameBytes, or nil.
func sessionNameError(name string) *Error {
	if len(name) <= MaxSessionNameBytes {
		return nil
	}
	e := errorf(CodeBadRequest, "The session name (header '%s', else the token's tid claim) is %d bytes long, over the limit of %d bytes; send a shorter '%s'.",
		HeaderSession, len(name), MaxSessionNameBytes, HeaderSession)
	e.Target = HeaderSession
	return e
}

// checkSessionName answers 400 to a Graph request whose session name is too
// long, before the journal, the throttle or the store keep it as a key.
// Control API calls name their session in the path and check it themselves.
func (s *Server) checkSessionName(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p != "/healthz" && !strings.HasPrefix(p, "/_mock/") {
			if err := sessionNameError(s.sessionOf(r)); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
