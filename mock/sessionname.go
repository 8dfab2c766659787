package mock

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// sessionNameError is the 400 for a session name longer than
// MaxSessionNameBytes or that is not UTF-8 text without control characters
// (it could not be named in a control API path or read back from its JSON),
// or nil. target names where the name came from: HeaderSession, or the
// control API's path parameter "session".
func sessionNameError(name, target string) *Error {
	where := "The session name (header '" + HeaderSession + "', else the token's tid claim)"
	if target != HeaderSession {
		where = "The session name in the path"
	}
	var e *Error
	switch {
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		e = errorf(CodeBadRequest, "%s must be UTF-8 text without control characters; got %q.", where, name)
	case len(name) > MaxSessionNameBytes:
		e = errorf(CodeBadRequest, "%s is %d bytes long, over the limit of %d bytes.", where, len(name), MaxSessionNameBytes)
	default:
		return nil
	}
	e.Target = target
	return e
}

// checkSessionName answers 400 to a Graph request whose session name is too
// long or not text, before the journal, the throttle or the store keep it as a key.
// Control API calls name their session in the path and check it themselves.
func (s *Server) checkSessionName(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p != "/healthz" && !strings.HasPrefix(p, "/_mock/") {
			if err := sessionNameError(s.sessionOf(r), HeaderSession); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
