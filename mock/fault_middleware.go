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

// injectFaults returns middleware that applies the first rule of f that
// fires on a request: it waits the rule's latency (with sleep), then answers
// with the rule's status through writeErr, drops the connection, or (latency
// rules) passes the request on. Requests no rule fires on pass unchanged.
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
			rule, ok := f.pick(r.Method, r.URL.Path, sessionOf(r))
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			if rule.Latency > 0 {
				if err := sleep(r.Context(), time.Duration(rule.Latency)); err != nil {
					return // the client went away; nobody reads an answer
				}
			}
			switch rule.Kind {
			case FaultLatency:
				next.ServeHTTP(w, r)
			case FaultDrop:
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
