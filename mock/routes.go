package mock

import "net/http"

// routes declares the whole HTTP surface of the mock, outermost middleware first:
//
//	requestIDs   every response gets request-id and client-request-id headers
//	accessLog    one slog line per request (method, path, status, duration, request-id)
//	recoverPanic a panic becomes a 500 Graph envelope and a logged stack
//	[H3: journal, faults, throttle — see below]
//	mux          /_mock/ control API, /healthz, Graph routes under /beta
//
// recoverPanic sits inside accessLog (not outermost) so that a recovered panic
// is logged as one access line with status 500 and its request-id.
// The Graph routes themselves come from the OpenAPI description: graph looks the
// request up with kin-openapi's gorillamux router, then checks auth, query
// options and body against the operation, then calls the operation's handler.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	// H3: mount the control API here, e.g. mux.Handle("/_mock/", s.control()).
	mux.HandleFunc("/", s.graph) // everything else: Graph routes or a Graph 404

	var h http.Handler = mux
	// H3: wrap h here, innermost first, e.g.
	//   h = s.throttle(h)
	//   h = s.faults(h)
	//   h = s.journal(h)
	h = s.recoverPanic(h)
	h = s.accessLog(h)
	h = s.requestIDs(h)
	return h
}

// handleHealthz answers readiness probes.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}
