package mock

import (
	"bytes"
	"io"
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
			e := JournalEntry{
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
			jw := &statusWriter{ResponseWriter: w}
			returned := false
			defer func() {
				// Recorded even when next panics (http.ErrAbortHandler
				// aborts the answer on purpose): status 0, no answer.
				e.Status = jw.status
				if e.Status == 0 && returned && !jw.hijacked {
					e.Status = http.StatusOK // net/http's implicit 200
				}
				e.RequestID = w.Header().Get("request-id")
				j.Record(sessionOf(r), e)
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
