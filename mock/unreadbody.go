package mock

import (
	"io"
	"net/http"
)

// closeUnreadBodies ends the connection after a response to an HTTP/1.x
// request whose body the handler did not read to its end: every refusal made
// before the body is read (401, 403, 404, 405, 413, 415, 429, a session-name
// or query 400, a fault rule's status, the control API's refusals) and any
// answer that ignores a body (a GET sent with one).
//
// Without it Go's HTTP server, to keep the connection for a next request,
// reads what is left of the body (up to 256 KiB) before it sends the
// response; a client that announced a body and waits for the answer before
// sending it (as a client of Expect: 100-continue may, or one told "no"
// early) then waits for the server's read timeout (60 s in alertmock,
// forever in an httptest server). With "Connection: close" on the response
// the server sends it at once and reads the rest of the body only after it
// (so a client that did send the body still gets a clean close, never a
// reset). The cost is a new connection after such a refusal.
//
// HTTP/2 needs none of this (a stream's unread body does not hold up the
// connection, and "Connection: close" there would end every other stream),
// nor does a request that asked to close the connection itself.
func closeUnreadBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 1 || r.Close || r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			next.ServeHTTP(w, r)
			return
		}
		b := &eofBody{ReadCloser: r.Body}
		r2 := *r // the caller's request is not changed
		r2.Body = b
		uw := &unreadBodyWriter{ResponseWriter: w, body: b}
		next.ServeHTTP(uw, &r2)
		uw.decide() // a handler that wrote nothing: the server's implicit 200
	})
}

// eofBody is a request body that notes whether it was read to its end.
type eofBody struct {
	io.ReadCloser
	eof bool
}

// Read implements io.Reader.
func (b *eofBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

// unreadBodyWriter adds "Connection: close" to the response when its header
// goes out before the body was read to its end. Unwrap lets
// http.ResponseController (a fault rule's hijack, flushes) reach the server's
// writer.
type unreadBodyWriter struct {
	http.ResponseWriter
	body    *eofBody
	decided bool
}

// decide sets "Connection: close" when the body was not read to its end; it
// runs once, before the status line is written.
func (w *unreadBodyWriter) decide() {
	if w.decided {
		return
	}
	w.decided = true
	if !w.body.eof {
		w.Header().Set("Connection", "close")
	}
}

// WriteHeader implements http.ResponseWriter.
func (w *unreadBodyWriter) WriteHeader(code int) {
	if code >= 200 { // an informational answer is not the response
		w.decide()
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *unreadBodyWriter) Write(p []byte) (int, error) {
	w.decide()
	return w.ResponseWriter.Write(p)
}

// Flush implements http.Flusher (a flush sends the header).
func (w *unreadBodyWriter) Flush() {
	w.decide()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the wrapped writer.
func (w *unreadBodyWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
