package refserver

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// laterSeverity is the severity the server declares after unknownFutureValue
// (in $metadata), as Microsoft may add one: alerts given it through the
// control API show it only to clients that send
// "Prefer: include-unknown-enum-members".
const laterSeverity = "critical"

// prefersUnknown reports whether the request accepts enum members after
// unknownFutureValue.
func prefersUnknown(r *http.Request) bool {
	return strings.Contains(strings.ToLower(strings.Join(r.Header.Values("Prefer"), ",")), "include-unknown-enum-members")
}

// mask shows a later severity as unknownFutureValue to a client that did not
// accept it.
func (s *Server) mask(r *http.Request, m map[string]any) map[string]any {
	if s.flaw == UnknownMemberLeaks || s.flaw == EnumOutOfRange || (prefersUnknown(r) && s.flaw != OptInIgnored) {
		return m
	}
	if v, ok := m["severity"].(string); ok && !slices.Contains(enums["severity"], v) {
		m["severity"] = "unknownFutureValue"
	}
	return m
}

// putAlert is the control API's POST /_mock/sessions/{session}/alerts for one
// alert: it replaces the alert with the same id (or adds it) in the session.
func (s *Server) putAlert(w http.ResponseWriter, r *http.Request) {
	session := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/_mock/sessions/"), "/alerts")
	// additionalDetails as the server writes it (NonStringDetails: numbers and
	// lists), stored as the strings they stand for.
	var in struct {
		alert
		AdditionalDetails map[string]any `json:"additionalDetails"`
	}
	err := json.NewDecoder(r.Body).Decode(&in)
	a := in.alert
	a.AdditionalDetails = map[string]string{}
	for k, v := range in.AdditionalDetails {
		switch v := v.(type) {
		case string:
			a.AdditionalDetails[k] = v
		case float64:
			a.AdditionalDetails[k] = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	if err != nil || a.ID == "" ||
		!(slices.Contains(enums["severity"], a.Severity) || a.Severity == laterSeverity) {
		s.writeError(w, errorf(400, "BadRequest", "Invalid alert."), w.Header().Get("request-id"), w.Header().Get("client-request-id"))
		return
	}
	s.mu.Lock()
	alerts := s.alertsLocked(session)
	i := slices.IndexFunc(alerts, func(x alert) bool { return x.ID == a.ID })
	if i < 0 {
		alerts = append(alerts, a)
	} else {
		alerts[i] = a
	}
	s.sessions[session] = alerts
	n := len(alerts)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"name": session, "alerts": n})
}
