package mock

import (
	"context"
	"net/http"
	"time"
)

// graphErrorFunc writes an error answer in the Graph error envelope with the
// given status, error code and message. Headers the caller set on w before
// (Retry-After) are kept.
type graphErrorFunc func(w http.ResponseWriter, r *http.Request, status int, code, message string)

// sleepFunc waits d or until ctx is done, whichever comes first, and returns
// ctx.Err() in the second case.
type sleepFunc func(ctx context.Context, d time.Duration) error

// sleepContext is the real sleepFunc.
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

// injectFaults returns middleware that applies the rules of f to a request
// (see Faults.pick): it waits the latency of the rules that fire (with
// sleep), then answers with the deciding rule's status through writeErr or
// drops the connection; without a deciding rule the request goes on.
// Control API calls and /healthz are never faulted.
func injectFaults(f *Faults, sessionOf func(*http.Request) string, writeErr graphErrorFunc, sleep sleepFunc) func(http.Handler) http.Handler {
	if sleep == nil {
		sleep = sleepContext
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if f == nil || journalSkipped(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			wait, rule, ok := f.pick(r.Method, r.URL.Path, sessionOf(r))
			if wait > 0 {
				if err := sleep(r.Context(), wait); err != nil {
					return // the client went away; nobody reads an answer
				}
			}
			switch {
			case !ok:
				next.ServeHTTP(w, r)
			case rule.Kind == FaultDrop:
				dropConnection(w)
			default:
				st := faultStatuses[rule.Status]
				msg := rule.Message
				if msg == "" {
					msg = st.message
				}
				if rule.RetryAfter != "" {
					w.Header().Set("Retry-After", rule.RetryAfter)
				}
				writeErr(w, r, rule.Status, st.code, msg)
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
