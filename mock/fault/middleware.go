package fault

import (
	"context"
	"net/http"
	"time"
)

// Options are what Middleware needs from the server it is part of.
type Options struct {
	// Session names the session of a request (Rule.Session matches it);
	// nil means every request is in session "".
	Session func(*http.Request) string
	// WriteError writes an error answer in the Graph error envelope with the
	// given status, Graph error code and message, keeping the headers set on
	// w before (Retry-After). Nil writes a minimal JSON envelope.
	WriteError func(w http.ResponseWriter, r *http.Request, status int, code, message string)
	// Sleep waits d or until ctx is done, whichever comes first, and returns
	// ctx.Err() in the second case. Nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// sleepContext is the real Options.Sleep.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// plainError is the Options.WriteError of a zero Options.
func plainError(w http.ResponseWriter, _ *http.Request, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"error":{"code":"` + code + `","message":"` + message + `"}}`))
}

// Middleware returns middleware that applies the rules of s to each request
// (see Set.Pick): it waits the latency of the rules that fire, then answers
// with the deciding rule's status or drops the connection; without a
// deciding rule the request goes on. A nil s faults nothing.
func Middleware(s *Set, o Options) func(http.Handler) http.Handler {
	if o.Sleep == nil {
		o.Sleep = sleepContext
	}
	if o.WriteError == nil {
		o.WriteError = plainError
	}
	return func(next http.Handler) http.Handler {
		if s == nil {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s.Empty() {
				next.ServeHTTP(w, r)
				return
			}
			session := ""
			if o.Session != nil {
				session = o.Session(r)
			}
			wait, rule, ok := s.Pick(r.Method, r.URL.Path, session)
			if wait > 0 {
				if err := o.Sleep(r.Context(), wait); err != nil {
					return // the client went away; nobody reads an answer
				}
			}
			switch {
			case !ok:
				next.ServeHTTP(w, r)
			case rule.Kind == KindDrop:
				dropConnection(w)
			default:
				st := statuses[rule.Status]
				msg := rule.Message
				if msg == "" {
					msg = st.message
				}
				if rule.RetryAfter != "" {
					w.Header().Set("Retry-After", rule.RetryAfter)
				}
				o.WriteError(w, r, rule.Status, st.code, msg)
			}
		})
	}
}

// dropConnection closes the client's connection without an answer. Where
// the connection cannot be taken over (HTTP/2) it aborts the handler, which
// makes net/http reset the stream.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	// SetLinger(0) would send a reset; a plain close looks to clients like
	// a server that died mid-request (io.EOF / "connection reset").
	conn.Close()
}
