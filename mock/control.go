package mock

import (
	"bytes"
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/partner-security/alertmock/mock/auth"
	"github.com/partner-security/alertmock/mock/fault"
	"github.com/partner-security/alertmock/mock/journal"
	"github.com/partner-security/alertmock/mock/throttle"
)

// controlMaxBodyBytes is the largest control API body (a whole dataset may
// be larger than a Graph request).
const controlMaxBodyBytes = 32 << 20

// controls is what the control API steers besides the alert store.
type controls struct {
	journal    *journal.Journal
	faults     *fault.Set
	throttle   *throttle.Throttle
	adminToken string
}

// initControls makes the journal, fault rules and throttle from cfg.
func (s *Server) initControls(cfg Config) error {
	if cfg.JournalBytes < 0 || cfg.JournalSessionBytes < 0 {
		return fmt.Errorf("mock: Config.JournalBytes (%d) and JournalSessionBytes (%d) may not be negative", cfg.JournalBytes, cfg.JournalSessionBytes)
	}
	total, session := cmp.Or(cfg.JournalBytes, DefaultJournalBytes), cmp.Or(cfg.JournalSessionBytes, DefaultJournalSessionBytes)
	if session > total {
		return fmt.Errorf("mock: Config.JournalSessionBytes (%d) is over the journal's budget JournalBytes (%d)", session, total)
	}
	s.ctl = controls{
		journal: journal.New(journal.Config{Size: cfg.JournalSize, BodyBytes: cfg.JournalBodyBytes,
			MaxSessions: cfg.MaxSessions, SessionBytes: session, TotalBytes: total, Now: s.now}),
		faults:     fault.NewSet(),
		throttle:   throttle.New(s.now),
		adminToken: cfg.AdminToken,
	}
	if _, err := s.ctl.faults.AddAll(cfg.Faults); err != nil {
		return errors.New("mock: Config.Faults: " + err.Error())
	}
	if err := s.ctl.throttle.Set(cfg.Throttle); err != nil {
		return errors.New("mock: Config.Throttle: " + err.Error())
	}
	return nil
}

// Journal returns the server's request journal (what each session sent).
func (s *Server) Journal() *Journal { return s.ctl.journal }

// Faults returns the server's fault rules; changes take effect on the next
// request.
func (s *Server) Faults() *Faults { return s.ctl.faults }

// Throttle returns the server's per-session rate limit.
func (s *Server) Throttle() *Throttle { return s.ctl.throttle }

// journalRequests, injectFaults and throttleRequests are the middleware of
// packages journal, fault and throttle bound to the server: routes.go
// chains them in front of the Graph routes.
func (s *Server) journalRequests(next http.Handler) http.Handler {
	return journal.Middleware(s.ctl.journal, s.sessionOf)(next)
}

func (s *Server) injectFaults(next http.Handler) http.Handler {
	return fault.Middleware(s.ctl.faults, fault.Options{Session: s.sessionOf, WriteError: s.writeGraphError})(next)
}

func (s *Server) throttleRequests(next http.Handler) http.Handler {
	return throttle.Middleware(s.ctl.throttle, throttle.Options{Session: s.sessionOf, WriteError: s.writeGraphError})(next)
}

// writeGraphError is writeError for a code and message (the status follows
// from the code).
func (s *Server) writeGraphError(w http.ResponseWriter, r *http.Request, _ int, code, message string) {
	s.writeError(w, r, &Error{Code: code, Message: message})
}

// control serves the control API under /_mock/ (see openapi/control.yaml):
// every route with the methods it allows; other methods get 405 with Allow,
// other paths 404, both in the Graph envelope.
func (s *Server) control() http.Handler {
	mux := http.NewServeMux()
	route := func(pattern string, methods map[string]http.HandlerFunc) {
		allow := make([]string, 0, len(methods))
		for m := range methods {
			allow = append(allow, m)
		}
		slices.Sort(allow)
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if err := sessionNameError(r.PathValue("session"), "session"); err != nil {
				s.writeError(w, r, err)
				return
			}
			if h, ok := methods[r.Method]; ok {
				h(w, r)
				return
			}
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.writeError(w, r, errorf(CodeMethodNotAllowed, "The control API does not support %s on '%s'; it allows %s.", r.Method, r.URL.Path, strings.Join(allow, ", ")))
		})
	}
	route("/_mock/reset", map[string]http.HandlerFunc{"POST": s.ctlResetAll})
	route("/_mock/sessions", map[string]http.HandlerFunc{"GET": s.ctlSessions})
	route("/_mock/sessions/{session}/reset", map[string]http.HandlerFunc{"POST": s.ctlResetSession})
	route("/_mock/sessions/{session}/alerts", map[string]http.HandlerFunc{"PUT": s.ctlReplaceAlerts, "POST": s.ctlPutAlerts})
	route("/_mock/sessions/{session}/journal", map[string]http.HandlerFunc{"GET": s.ctlJournal, "DELETE": s.ctlClearJournal})
	route("/_mock/faults", map[string]http.HandlerFunc{"GET": s.ctlFaults, "POST": s.ctlAddFaults, "DELETE": s.ctlClearFaults})
	route("/_mock/faults/{id}", map[string]http.HandlerFunc{"DELETE": s.ctlDeleteFault})
	route("/_mock/throttle", map[string]http.HandlerFunc{"GET": s.ctlThrottle, "PUT": s.ctlSetThrottle, "DELETE": s.ctlClearThrottle})
	notFound := func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errorf(CodeResourceNotFound, "The control API has no resource '%s'; see openapi/control.yaml.", r.URL.Path))
	}
	mux.HandleFunc("/", notFound)
	return s.controlAccess(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The ServeMux would redirect a path with "//", "." or ".."
		// segments to its cleaned form (307, text/html): a 404 instead.
		if p := r.URL.Path; p != cleanPath(p) {
			notFound(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	}))
}

// cleanPath is p as http.ServeMux cleans it before matching: rooted, with
// "//", "." and ".." resolved, a trailing slash kept.
func cleanPath(p string) string {
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}

// controlAccess lets a request reach the control API when it carries the
// admin token (when one is configured) or, without one, comes from loopback.
func (s *Server) controlAccess(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := s.ctl.adminToken; tok != "" {
			got, ok := auth.Bearer(r.Header)
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(tok)) != 1 {
				s.writeError(w, r, errorf(CodeInvalidAuthenticationToken, "The control API needs the admin token: send 'Authorization: Bearer <admin token>'."))
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			s.writeError(w, r, errorf(CodeForbidden, "The control API answers only loopback clients; start alertmock with -admin-token to reach it from '%s'.", host))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own types are written; they always marshal.
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// readControlBody reads a JSON request body of the control API: 415 unless
// Content-Type is absent or JSON, 413 over controlMaxBodyBytes, 400 when empty.
func readControlBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return nil, errorf(CodeUnsupportedMediaType, "The control API takes 'application/json' bodies, not '%s'.", ct)
		}
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, controlMaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err // 413
		}
		return nil, errorf(CodeBadRequest, "The request body could not be read: %v.", err) // the client's stream, not a server fault
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errorf(CodeBadRequest, "The request body is empty; expected JSON.")
	}
	if i := invalidUTF8(b); i >= 0 {
		// encoding/json would keep each bad byte as U+FFFD: a fault
		// message or an alert would then hold text the client never sent.
		return nil, errorf(CodeBadRequest, "The request body is not valid UTF-8 (byte %d); JSON text is UTF-8 (RFC 8259).", i)
	}
	return b, nil
}

// invalidUTF8 returns the offset of the first byte of b that is not part of
// valid UTF-8, or -1.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// paramError turns the error of a control API parameter (a
// *journal.FilterError, *fault.RuleError or *throttle.ConfigError: each
// names its Field) into a 400 naming the parameter; other errors pass
// unchanged.
func paramError(err error) error {
	var pe interface {
		error
		Field() string
	}
	if errors.As(err, &pe) {
		return &Error{Code: CodeBadRequest, Message: pe.Error(), Target: pe.Field()}
	}
	return err
}

// alertError turns an invalid-alert error from the store or DecodeAlerts
// into a 400 that keeps its description (alert index, id, property).
func alertError(err error) error {
	if errors.Is(err, ErrInvalidAlert) {
		msg := strings.TrimPrefix(err.Error(), "mock: ")
		return &Error{Code: CodeBadRequest, Message: strings.ToUpper(msg[:1]) + msg[1:] + "."}
	}
	return err
}

func (s *Server) ctlResetAll(w http.ResponseWriter, r *http.Request) {
	if err := s.ResetAll(); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.ctl.journal.ClearAll()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlResetSession(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("session")
	if err := s.Reset(name); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.ctl.journal.Clear(name)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlSessions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Value []SessionInfo `json:"value"`
	}{s.Sessions()})
}

// ctlReplaceAlerts: PUT {"value":[alert…]} makes them the session's alerts.
func (s *Server) ctlReplaceAlerts(w http.ResponseWriter, r *http.Request) {
	s.ctlAlerts(w, r, false)
}

// ctlPutAlerts: POST one alert or {"value":[…]} adds or replaces by id.
func (s *Server) ctlPutAlerts(w http.ResponseWriter, r *http.Request) {
	s.ctlAlerts(w, r, true)
}

func (s *Server) ctlAlerts(w http.ResponseWriter, r *http.Request, merge bool) {
	name := r.PathValue("session")
	body, err := readControlBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		s.writeError(w, r, errorf(CodeBadRequest, "The request body is not a JSON object: %v.", err))
		return
	}
	_, hasValue := probe["value"]
	switch {
	case hasValue && len(probe) != 1:
		s.writeError(w, r, errorf(CodeBadRequest, "A list of alerts is {\"value\":[…]} with no other member."))
		return
	case !hasValue && !merge:
		s.writeError(w, r, errorf(CodeBadRequest, "PUT takes the session's whole dataset as {\"value\":[alert, …]}; to add one alert use POST."))
		return
	case !hasValue:
		body = append(append([]byte{'['}, body...), ']')
	}
	alerts, err := s.DecodeAlerts(body)
	if err != nil {
		s.writeError(w, r, alertError(err))
		return
	}
	if merge {
		err = s.Put(name, alerts...)
	} else {
		err = s.Replace(name, alerts)
	}
	if err != nil {
		s.writeError(w, r, alertError(err))
		return
	}
	writeJSON(w, http.StatusOK, s.sessionInfo(name))
}

// sessionInfo returns the summary of one session.
func (s *Server) sessionInfo(name string) SessionInfo {
	for _, si := range s.Sessions() {
		if si.Name == name {
			return si
		}
	}
	return SessionInfo{Name: name, Alerts: len(s.Alerts(name))}
}

func (s *Server) ctlJournal(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if k != "method" && k != "path" && k != "status" {
			s.writeError(w, r, &Error{Code: CodeBadRequest, Target: k,
				Message: "Unknown query parameter '" + k + "'; the journal is filtered by method, path and status."})
			return
		}
	}
	f, err := journal.ParseFilter(q.Get("method"), q.Get("path"), q.Get("status"))
	if err != nil {
		s.writeError(w, r, paramError(err))
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Value []JournalEntry `json:"value"`
	}{s.ctl.journal.Entries(r.PathValue("session"), f)})
}

func (s *Server) ctlClearJournal(w http.ResponseWriter, r *http.Request) {
	s.ctl.journal.Clear(r.PathValue("session"))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlFaults(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Value []FaultRule `json:"value"`
	}{s.ctl.faults.Rules()})
}

func (s *Server) ctlAddFaults(w http.ResponseWriter, r *http.Request) {
	body, err := readControlBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rules, err := fault.ParseRules(body)
	if err != nil {
		s.writeError(w, r, paramError(err))
		return
	}
	added, err := s.ctl.faults.AddAll(rules)
	if err != nil {
		s.writeError(w, r, paramError(err))
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		Value []FaultRule `json:"value"`
	}{added})
}

func (s *Server) ctlClearFaults(w http.ResponseWriter, r *http.Request) {
	s.ctl.faults.Clear()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlDeleteFault(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !s.ctl.faults.Delete(id) {
		s.writeError(w, r, &Error{Code: CodeResourceNotFound, Target: "id", Message: "No fault rule has the id '" + id + "'."})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlThrottle(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.ctl.throttle.Config())
}

func (s *Server) ctlSetThrottle(w http.ResponseWriter, r *http.Request) {
	body, err := readControlBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := throttle.ParseConfig(body)
	if err != nil {
		s.writeError(w, r, paramError(err))
		return
	}
	if err := s.ctl.throttle.Set(c); err != nil {
		s.writeError(w, r, paramError(err))
		return
	}
	writeJSON(w, http.StatusOK, s.ctl.throttle.Config())
}

func (s *Server) ctlClearThrottle(w http.ResponseWriter, r *http.Request) {
	_ = s.ctl.throttle.Set(throttle.Config{})
	w.WriteHeader(http.StatusNoContent)
}
