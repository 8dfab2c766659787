package mock

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/partner-security/alertmock/mock/grapherr"
	"github.com/partner-security/alertmock/openapi"
)

// The names of grapherr.HeaderRequestID and grapherr.HeaderClientRequestID as
// http.Header keys them (textproto.CanonicalMIMEHeaderKey).
const (
	canonicalRequestID       = "Request-Id"
	canonicalClientRequestID = "Client-Request-Id"
)

// firstValue is h.Get(key) for a key already in canonical form.
func firstValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// requestIDs gives every response a fresh request-id and a client-request-id
// (the request's, or the request-id when it sent none). Later code reads them
// back from w.Header().
func (s *Server) requestIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := s.newID()
		client := firstValue(r.Header, canonicalClientRequestID)
		if client == "" {
			client = id
		}
		// What h.Set does, without canonicalising the names again and with
		// one allocation for both values.
		v := []string{id, client}
		h := w.Header()
		h[canonicalRequestID] = v[0:1:1]
		h[canonicalClientRequestID] = v[1:2:2]
		next.ServeHTTP(w, r)
	})
}

// statusWriter records the status a handler wrote, the bytes it wrote and
// whether it took over the connection (a fault rule that drops it; the status
// then stays 0). Unwrap lets http.ResponseController reach the underlying
// writer. The access log and the journal both use it.
type statusWriter struct {
	http.ResponseWriter
	status   int
	bytes    int
	hijacked bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap returns the wrapped writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack lets a handler below take over the connection and notes that it did.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, rw, err
}

// accessLog writes one line per request at Info level.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.log.Enabled(r.Context(), slog.LevelInfo) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			attrs := []slog.Attr{
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", sw.status), slog.Int("bytes", sw.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("request-id", firstValue(w.Header(), canonicalRequestID)),
			}
			if sw.status == http.StatusNotFound && missesBasePath(r.URL.Path) {
				attrs = append(attrs, slog.String("hint", "paths start with "+openapi.BasePath))
			}
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

// missesBasePath reports whether p is neither under the Graph base path
// (/beta) nor one of the mock's own paths: a newcomer's request for
// "/security/partner/securityAlerts" gets Graph's 404, and the access log
// line says where Graph paths start.
func missesBasePath(p string) bool {
	return p != openapi.BasePath && !strings.HasPrefix(p, openapi.BasePath+"/") &&
		p != "/healthz" && !strings.HasPrefix(p, "/_mock/")
}

// recoverPanic turns a panic into a logged stack and, when nothing was written
// yet, a 500 Graph envelope. http.ErrAbortHandler is passed on (it aborts the
// response on purpose).
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			if sw.status != 0 {
				s.log.LogAttrs(r.Context(), slog.LevelError, "panic after response started",
					slog.String("request-id", w.Header().Get(grapherr.HeaderRequestID)), slog.String("error", err.Error()))
				panic(http.ErrAbortHandler)
			}
			s.writeError(w, r, &Error{Code: CodeInternalServerError,
				Message: "The server failed to handle the request; see its log for the request-id.", Err: err})
		}()
		next.ServeHTTP(sw, r)
	})
}
