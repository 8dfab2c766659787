package journal

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// Middleware returns middleware that records every request in j under the
// session that sessionOf names, with the status it was answered with. It
// never reads the body itself: the entry keeps what the next handler read of
// it (up to the journal's body limit), so size and auth checks below it run
// before any byte of the body is read, and a client that sent
// "Expect: 100-continue" gets no "100 Continue" for a request refused
// unread. A handler that takes over the connection (a dropped request) is
// recorded at that moment with status 0.
func Middleware(j *Journal, sessionOf func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if j == nil || j.Size() == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			jw := &writer{ResponseWriter: w, j: j, r: r, sessionOf: sessionOf}
			jw.e = Entry{
				Time:   j.now().UTC(),
				Method: r.Method,
				Path:   r.URL.Path,
				Query:  r.URL.RawQuery,
				Header: r.Header, // Record copies it, redacted
				Batch:  batchOf(r.Context()),
			}
			if r.Body != nil && r.Body != http.NoBody {
				jw.body = &teeBody{ReadCloser: r.Body, limit: j.BodyLimit()}
				r2 := *r // the caller's request is not changed
				r2.Body = jw.body
				r = &r2
			}
			returned := false
			defer func() {
				if jw.hijacked {
					return // recorded by Hijack
				}
				// Recorded even when next panics (http.ErrAbortHandler
				// aborts the answer on purpose): status 0, no answer.
				status := jw.status
				if status == 0 && returned {
					status = http.StatusOK // net/http's implicit 200
				}
				jw.record(status)
			}()
			next.ServeHTTP(jw, r)
			returned = true
		})
	}
}

// teeBody passes a request body through to the handler and keeps a copy of
// its first limit bytes.
type teeBody struct {
	io.ReadCloser
	limit     int
	kept      []byte
	truncated bool
}

// Read implements io.Reader.
func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		if room := b.limit - len(b.kept); room >= n {
			b.kept = append(b.kept, p[:n]...)
		} else {
			b.kept = append(b.kept, p[:max(room, 0)]...)
			b.truncated = true
		}
	}
	return n, err
}

// writer is the journal's view of one request: the status the handler
// answers with, and the entry to record. Unwrap lets
// http.ResponseController reach the underlying writer.
type writer struct {
	http.ResponseWriter
	j         *Journal
	r         *http.Request
	sessionOf func(*http.Request) string
	e         Entry
	body      *teeBody
	status    int
	hijacked  bool
}

func (w *writer) record(status int) {
	w.e.Status = status
	if v := w.Header()["Request-Id"]; len(v) > 0 { // Get("request-id") without canonicalising the name
		w.e.RequestID = v[0]
	}
	if b := w.body; b != nil {
		w.e.Body, w.e.BodyTruncated = string(b.kept), b.truncated
	}
	w.j.Record(w.sessionOf(w.r), w.e)
}

// WriteHeader implements http.ResponseWriter.
func (w *writer) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *writer) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap returns the wrapped writer.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack takes over the connection and records the request (status 0)
// before the handler closes it, so a client that saw the drop finds it in
// the journal at once.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
		w.record(0)
	}
	return c, rw, err
}
