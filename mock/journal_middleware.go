package mock

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
)

// journalSkipped reports whether a request stays out of the journal: control
// API calls and readiness probes are not requests of the code under test.
func journalSkipped(p string) bool {
	return strings.HasPrefix(p, "/_mock/") || p == "/_mock" || p == "/healthz"
}

// journalRequests returns middleware that records every request (except
// control API calls and /healthz) in j under the session sessionOf names,
// with the status it was answered with. It reads up to the journal's body
// limit of the body before the next handler runs and hands the handler the
// whole body unchanged.
func journalRequests(j *Journal, sessionOf func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if j == nil || j.Size() == 0 || journalSkipped(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			jw := &journalWriter{statusWriter: statusWriter{ResponseWriter: w}, j: j, r: r, sessionOf: sessionOf}
			e := &jw.e
			*e = JournalEntry{
				Time:   j.now().UTC(),
				Method: r.Method,
				Path:   r.URL.Path,
				Query:  r.URL.RawQuery,
				Header: r.Header, // Record copies it, redacted
			}
			if r.Body != nil && r.Body != http.NoBody {
				head, err := io.ReadAll(io.LimitReader(r.Body, int64(j.BodyLimit())+1))
				if len(head) > j.BodyLimit() {
					e.Body, e.BodyTruncated = string(head[:j.BodyLimit()]), true
				} else {
					e.Body = string(head)
				}
				r.Body = &replayBody{Reader: io.MultiReader(bytes.NewReader(head), errReader{err}, r.Body), closer: r.Body}
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

// replayBody gives a handler the bytes the journal read ahead followed by the
// rest of the original body, and closes the original body.
type replayBody struct {
	io.Reader
	closer io.Closer
}

// Close closes the original body.
func (b *replayBody) Close() error { return b.closer.Close() }

// errReader returns err once it is reached (nil err reads as EOF), so a read
// error met while reading ahead reaches the handler where it happened.
type errReader struct{ err error }

// Read implements io.Reader.
func (e errReader) Read([]byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return 0, io.EOF
}

// journalWriter is the journal's view of one request: the status the handler
// answers with, and the entry to record. A handler that takes over the
// connection (a drop fault) is recorded at that moment, status 0, before it
// closes the connection, so a client that saw the drop finds it in the
// journal at once.
type journalWriter struct {
	statusWriter
	j         *Journal
	r         *http.Request
	sessionOf func(*http.Request) string
	e         JournalEntry
}

func (w *journalWriter) record(status int) {
	w.e.Status = status
	w.e.RequestID = w.Header().Get("request-id")
	w.j.Record(w.sessionOf(w.r), w.e)
}

// Hijack takes over the connection and records the request.
func (w *journalWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := w.statusWriter.Hijack()
	if err == nil {
		w.record(0)
	}
	return c, rw, err
}
