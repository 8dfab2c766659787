package mock

import (
	"net/http"
	"strings"

	"github.com/partner-security/alertmock/openapi"
)

// routes declares the whole HTTP surface of the mock, outermost middleware first:
//
//	closeUnreadBodies  a response to a request whose body was not read ends the connection
//	requestIDs   every response gets request-id and client-request-id headers
//	accessLog    one slog line per request (method, path, status, duration, request-id)
//	sessionName  a session name over MaxSessionNameBytes is a 400
//	journal      records each Graph request and its status per session (not /_mock/, /healthz)
//	recoverPanic a panic becomes a 500 Graph envelope and a logged stack
//	faults       fault rules answer 429/500/503/504, wait, or drop the connection
//	throttle     a session over its request rate gets 429 with Retry-After
//	mux          /_mock/ control API, /healthz, Graph routes under /beta
//
// (POST /beta/$batch passes only sessionName and recoverPanic: each request
// inside the batch then passes the whole chain on its own.)
//
// sessionName, journal, faults and throttle apply to Graph requests only:
// control API calls and readiness probes are not requests of the code under
// test (never journaled, faulted or throttled).
// recoverPanic sits inside accessLog (not outermost) so that a recovered panic
// is logged as one access line with status 500 and its request-id.
// The Graph routes themselves come from the OpenAPI description: package
// graphapi looks the request up with kin-openapi's gorillamux router, then
// checks auth, query options and body against the operation, then calls the
// operation's handler.
func (s *Server) routes() http.Handler {
	control := s.control() // control API (control.go, openapi/control.yaml)
	own := s.recoverPanic(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			s.handleHealthz(w, r)
			return
		}
		control.ServeHTTP(w, r)
	})) // the mock's own paths: no session, journal, faults or throttle

	graph := s.pipeline(s.graph)
	// A JSON batch is not itself journaled, faulted or throttled: each request
	// in it passes s.pipeline on its own (graphapi.API.ServeBatch).
	batch := s.checkSessionName(s.recoverPanic(http.HandlerFunc(s.graph.ServeBatch)))

	// No path goes through a ServeMux unchecked: it answers a path with "//",
	// "." or ".." segments with a text/html redirect; Graph answers 404, and
	// so does the control API (control.go).
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/healthz" || strings.HasPrefix(p, "/_mock/"):
			own.ServeHTTP(w, r)
		case p == openapi.BasePath+"/$batch":
			batch.ServeHTTP(w, r)
		default:
			graph.ServeHTTP(w, r)
		}
	})
	h = s.accessLog(h)
	h = s.requestIDs(h)
	h = closeUnreadBodies(h) // no client waits for a refusal made before its body was read (unreadbody.go)
	return h
}

// pipeline is the middleware in front of every Graph request, and of every
// request inside a JSON batch (outermost first):
//
//	sessionName  a session name over MaxSessionNameBytes is a 400
//	journal      records each Graph request and its status per session
//	recoverPanic a panic becomes a 500 Graph envelope and a logged stack
//	faults       fault rules answer 429/500/503/504, wait, or drop the connection
//	throttle     a session over its request rate gets 429 with Retry-After
func (s *Server) pipeline(h http.Handler) http.Handler {
	h = s.throttleRequests(h) // per-session rate limit: 429 + Retry-After (package throttle)
	h = s.injectFaults(h)     // fault rules: status, latency, drop (package fault)
	h = s.recoverPanic(h)
	h = s.journalRequests(h)  // request journal, outside recoverPanic to record its 500s (package journal)
	h = s.checkSessionName(h) // 400 for a session name over MaxSessionNameBytes, before anything keeps it (sessionname.go)
	return h
}

// handleHealthz answers readiness probes (GET, HEAD); other methods get 405
// in the Graph envelope, not ServeMux's text/plain.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.writeError(w, r, errorf(CodeMethodNotAllowed, "The HTTP method '%s' is not allowed for /healthz; allowed: GET, HEAD.", r.Method))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}
