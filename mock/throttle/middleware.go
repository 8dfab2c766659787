package throttle

import "net/http"

// The Graph error of a throttled request.
const (
	codeTooManyRequests    = "TooManyRequests"
	messageTooManyRequests = "Please retry again later."
)

// Options are what Middleware needs from the server it is part of.
type Options struct {
	// Session names the session of a request (each has its own bucket);
	// nil means every request is in session "".
	Session func(*http.Request) string
	// WriteError writes an error answer in the Graph error envelope with the
	// given status, Graph error code and message, keeping the headers set on
	// w before (Retry-After). Nil writes a minimal JSON envelope.
	WriteError func(w http.ResponseWriter, r *http.Request, status int, code, message string)
}

// Middleware returns middleware that answers 429 TooManyRequests with
// Retry-After to requests over their session's rate. A nil t throttles
// nothing.
func Middleware(t *Throttle, o Options) func(http.Handler) http.Handler {
	if o.WriteError == nil {
		o.WriteError = func(w http.ResponseWriter, _ *http.Request, status int, code, message string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"error":{"code":"` + code + `","message":"` + message + `"}}`))
		}
	}
	return func(next http.Handler) http.Handler {
		if t == nil {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !t.Limited() {
				next.ServeHTTP(w, r)
				return
			}
			session := ""
			if o.Session != nil {
				session = o.Session(r)
			}
			wait, ok := t.Allow(session)
			if ok {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Retry-After", RetryAfter(wait))
			o.WriteError(w, r, http.StatusTooManyRequests, codeTooManyRequests, messageTooManyRequests)
		})
	}
}
