package conformance

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
)

// Exchange is one HTTP request of a scenario and the response to it, as the
// harness's client saw them.
type Exchange struct {
	// Method and URL are those of the request as sent.
	Method, URL string
	// RequestHeader is the header of the request as sent.
	RequestHeader http.Header
	// Status is the response status code; 0 when no response came (Err is set).
	Status int
	// Header is the response header.
	Header http.Header
	// Body is the response body as far as the scenario read it, at most
	// 256 KiB.
	Body []byte
	// Err is the transport error when no response came.
	Err string
}

// maxRecordedBody caps the recorded part of a response body.
const maxRecordedBody = 256 << 10

// recorderKey is the context key of a scenario's *recorder.
type recorderKey struct{}

// recorder keeps the exchanges of one scenario in the order they were sent;
// requests sent at once by one step are recorded as they happen.
type recorder struct {
	mu        sync.Mutex
	exchanges []*recorded
}

// recorded is an exchange being recorded; its body grows as the step reads it.
type recorded struct {
	x    Exchange
	body bytes.Buffer
}

// withRecorder returns ctx carrying r: every request sent with the context
// through a Suite's client is then recorded in r.
func withRecorder(ctx context.Context, r *recorder) context.Context {
	return context.WithValue(ctx, recorderKey{}, r)
}

// list returns copies of the exchanges recorded so far.
func (r *recorder) list() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Exchange, len(r.exchanges))
	for i, rec := range r.exchanges {
		out[i] = rec.x
		out[i].Body = bytes.Clone(rec.body.Bytes())
	}
	return out
}

// recordingTransport records every round trip whose request context carries a
// recorder, and passes the others through unchanged.
type recordingTransport struct {
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r, _ := req.Context().Value(recorderKey{}).(*recorder)
	if r == nil {
		return t.next.RoundTrip(req)
	}
	rec := &recorded{x: Exchange{Method: req.Method, URL: req.URL.String(), RequestHeader: canonical(req.Header)}}
	r.mu.Lock()
	r.exchanges = append(r.exchanges, rec)
	r.mu.Unlock()
	resp, err := t.next.RoundTrip(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		rec.x.Err = err.Error()
		return resp, err
	}
	rec.x.Status, rec.x.Header = resp.StatusCode, resp.Header.Clone()
	resp.Body = &teeBody{ReadCloser: resp.Body, r: r, rec: rec}
	return resp, nil
}

// canonical copies a header with its names in canonical form: a request
// variant may send them in another case (variant.go), and Get finds only the
// canonical one.
func canonical(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		k = http.CanonicalHeaderKey(k)
		out[k] = append(out[k], v...)
	}
	return out
}

// CloseIdleConnections closes the idle connections of the wrapped transport,
// so that http.Client.CloseIdleConnections keeps working.
func (t recordingTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// teeBody copies what is read from a response body into its recorded exchange.
type teeBody struct {
	io.ReadCloser
	r   *recorder
	rec *recorded
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.r.mu.Lock()
		if room := maxRecordedBody - b.rec.body.Len(); room > 0 {
			b.rec.body.Write(p[:min(n, room)])
		}
		b.r.mu.Unlock()
	}
	return n, err
}
