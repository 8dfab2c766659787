package refserver

import (
	"encoding/json"
	"net/http"
	"slices"
)

// Flaws that only seeded exploration reaches (conformance/explore_test.go):
// no scenario of the features sends what they need (a filter on one member of
// confidenceLevel; a refused update with a reason, then a resolve without
// one), so they are not in brokenServers, whose every flaw some tag set of
// the scenarios catches. explore_test.go proves both: the scenarios pass the
// server, the exploration fails it.
const (
	MediumConfidenceIncludesHigh Flaw = "$filter confidenceLevel eq 'medium' also lists the alerts of high confidence"
	RefusedReasonLingers         Flaw = "the resolvedReason of a refused update is kept, and applied by the next update that resolves the alert without one"
)

// mediumIncludesHigh is the predicate of confidenceLevel eq 'medium' with
// MediumConfidenceIncludesHigh.
func mediumIncludesHigh(m map[string]any) bool {
	return m["confidenceLevel"] == "medium" || m["confidenceLevel"] == "high"
}

// linger applies RefusedReasonLingers after an update was checked and
// applied: a refused update's valid resolvedReason is kept for the alert;
// the next accepted update takes it when it leaves the alert resolved
// without a reason and named none.
func (s *Server) linger(session, id string, raw []byte, status int, body any, e *apiError) {
	var members map[string]json.RawMessage
	_ = json.Unmarshal(raw, &members)
	raw, hasReason := members["resolvedReason"]
	var named *string
	_ = json.Unmarshal(raw, &named)
	key := session + " " + id
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lingering == nil {
		s.lingering = map[string]string{}
	}
	if e != nil {
		if e.status == http.StatusBadRequest && named != nil && slices.Contains(reasons[:3], *named) {
			s.lingering[key] = *named
		}
		return
	}
	reason, ok := s.lingering[key]
	if status != http.StatusOK || !ok {
		return
	}
	delete(s.lingering, key)
	alerts := s.alertsLocked(session)
	i := slices.IndexFunc(alerts, func(a alert) bool { return a.ID == id })
	if i < 0 || alerts[i].Status != "resolved" || alerts[i].ResolvedReason != nil || hasReason {
		return
	}
	a := alerts[i].clone()
	a.ResolvedReason = &reason
	alerts[i] = a
	if m, ok := body.(map[string]any); ok {
		m["resolvedReason"] = reason
	}
}
