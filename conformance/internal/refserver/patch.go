package refserver

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"
)

// patch answers a PATCH of one alert: the Content-Type, the size and the body
// checked as Graph does, unless a flaw says otherwise.
func (s *Server) patch(r *http.Request, session, id, actor string) (int, any, *apiError) {
	ct := r.Header.Get("Content-Type")
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(strings.ToLower(mt))
	if s.chose(ContentTypePrefix) && strings.HasPrefix(mt, "application/json") {
		mt = "application/json"
	}
	if s.flaw == ContentTypeParamsRefused && ct != "application/json" {
		mt = ct
	}
	if mt != "application/json" && !s.chose(AnyContentType) {
		if s.chose(MediaTypeAs400) {
			return 0, nil, errorf(400, "BadRequest", "The request body must be sent as application/json, not '%s'.", ct)
		}
		return 0, nil, errorf(415, "UnsupportedMediaType", "The Content-Type '%s' is not supported; send application/json.", ct)
	}
	limit := int64(maxBody)
	if s.chose(NoSizeLimit) {
		limit = 64 << 20
	}
	if s.chose(ConcurrentUpdateConflict) {
		key := session + " " + id
		if s.enter(key) > 1 {
			s.leave(key)
			return 0, nil, errorf(409, "Conflict", "Another update of the alert is in progress.")
		}
		defer s.leave(key)
	}
	if s.chose(ConcurrentUpdateConflict) || s.chose(ThrottleBursts) {
		time.Sleep(50 * time.Millisecond) // long enough for updates sent at once to meet
	}
	raw, err := readAll(r, limit)
	if err != nil {
		return 0, nil, errorf(413, "RequestEntityTooLarge", "The request body is larger than 1 MiB.")
	}
	status, body, e := s.patchChecked(session, id, actor, raw)
	if s.flaw == RefusedReasonLingers {
		s.linger(session, id, raw, status, body, e)
	}
	if e != nil && e.status == http.StatusBadRequest && s.flaw == RefusedButStored {
		s.storeStatusAnyway(session, id, raw)
	}
	if e == nil && status == 200 {
		s.setContext(s.mask(r, body.(map[string]any)), r, nil, s.entity())
	}
	return status, body, e
}

// storeStatusAnyway applies the status of a refused body (RefusedButStored).
func (s *Server) storeStatusAnyway(session, id string, raw []byte) {
	var body struct {
		Status string `json:"status"`
	}
	_ = json.NewDecoder(strings.NewReader(string(raw))).Decode(&body)
	if !slices.Contains(statuses[:3], body.Status) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	alerts := s.alertsLocked(session)
	for i := range alerts {
		if alerts[i].ID == id {
			alerts[i].Status = body.Status
		}
	}
}

// patchChecked checks a PATCH body and applies it.
func (s *Server) patchChecked(session, id, actor string, raw []byte) (int, any, *apiError) {
	var body map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(&body); err != nil || body == nil || (dec.More() && s.flaw != TrailingDataAccepted) {
		return 0, nil, s.invalid("The request body is not a JSON object.")
	}
	var status, reason *string
	reasonGiven, reasonNull := false, false
	var displayName *string
	unchanged := map[string]json.RawMessage{} // read-only properties that must keep their value (UnchangedReadOnlyAccepted)
	for k, v := range body {
		switch k {
		case "@odata.type":
			if s.flaw == TypeAnnotationRefused {
				return 0, nil, errorf(400, "BadRequest", "The property '@odata.type' does not exist on type 'microsoft.graph.partner.security.partnerSecurityAlert'.")
			}
			var t string
			if json.Unmarshal(v, &t) != nil || strings.TrimPrefix(t, "#") != "microsoft.graph.partner.security.partnerSecurityAlert" ||
				(s.chose(TypeAnnotationHashOnly) && !strings.HasPrefix(t, "#")) {
				return 0, nil, s.invalid("Invalid value for property '@odata.type'.")
			}
		case "status":
			st, e := s.parseStatus(v)
			if e != nil {
				return 0, nil, e
			}
			status = &st
		case "resolvedReason":
			if string(v) == "null" {
				reasonGiven, reasonNull = true, true
				continue
			}
			var rs string
			if json.Unmarshal(v, &rs) != nil || !slices.Contains(reasons, rs) {
				if s.flaw == ReasonOutsideEnumIgnored {
					continue
				}
				return 0, nil, s.invalid("Invalid value for property 'resolvedReason'.")
			}
			reasonGiven = true
			reason = &rs
		default:
			if slices.Contains(selectable, k) {
				if s.flaw == ReadOnlyIgnored {
					continue
				}
				if s.flaw == ReadOnlyStored && k == "displayName" && json.Unmarshal(v, &displayName) == nil {
					continue
				}
				if s.chose(UnchangedReadOnlyAccepted) {
					unchanged[k] = v
					continue
				}
				return 0, nil, s.invalid("Property '%s' is read-only and cannot be set.", k)
			}
			if s.flaw == InvalidAccepted {
				continue
			}
			return 0, nil, s.invalid("The property '%s' does not exist on type 'microsoft.graph.partner.security.partnerSecurityAlert'.", k)
		}
	}
	if status == nil {
		return 0, nil, s.invalid("The property 'status' is required.")
	}
	if reasonGiven && *status != "resolved" && !s.chose(ReasonWithoutResolve) {
		return 0, nil, s.invalid("Property 'resolvedReason' can only be set with status 'resolved'.")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	alerts := s.alertsLocked(session)
	i := slices.IndexFunc(alerts, func(a alert) bool { return a.ID == id })
	if i < 0 {
		return 0, nil, s.notFound(id)
	}
	a := alerts[i].clone()
	before := a.clone()
	current := s.view(a)
	for k, v := range unchanged {
		var sent any
		if json.Unmarshal(v, &sent) != nil || !reflect.DeepEqual(sent, current[k]) {
			return 0, nil, errorf(400, "BadRequest", "Property '%s' is read-only and cannot be set.", k)
		}
	}
	if s.chose(ReopenRefused) && a.Status == "resolved" && (*status == "active" || *status == "investigating") {
		return 0, nil, errorf(400, "BadRequest", "A resolved alert cannot be reopened.")
	}
	if s.flaw == LostUpdate {
		// Read, let the other requests in, then write back what was read.
		s.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
		s.mu.Lock()
	}
	t := s.now()
	if s.flaw == ClockOffHours {
		t = t.Add(-3 * time.Hour)
	}
	now := t.UTC().Format(time.RFC3339Nano)
	if (*status != "unknownFutureValue" || s.flaw == UnknownFutureValueApplied) && *status != a.Status {
		if s.flaw != NoActivityLog {
			entry := activity{a.Status, *status, actor, now}
			switch s.flaw {
			case LogTwice:
				a.ActivityLogs = append(a.ActivityLogs, entry, entry)
			case LogNewestFirst:
				a.ActivityLogs = append([]activity{entry}, a.ActivityLogs...)
			default:
				a.ActivityLogs = append(a.ActivityLogs, entry)
			}
		}
		keep := s.chose(ReopenKeepsResolution) || (s.chose(ReopenInvestigatingKeep) && *status == "investigating")
		if *status == "resolved" {
			a.ResolvedOnDateTime = &now
			if s.flaw != ResolvedByNotSet {
				a.ResolvedBy = &actor
			}
		} else if s.flaw == StampOnEveryChange && a.Status != "resolved" {
			a.ResolvedOnDateTime = &now
		} else if a.Status == "resolved" && !keep {
			a.ResolvedReason, a.ResolvedBy, a.ResolvedOnDateTime = nil, nil, nil
		}
		a.Status = *status
	} else if s.chose(SameStatusLogged) && *status == a.Status {
		a.ActivityLogs = append(a.ActivityLogs, activity{a.Status, *status, actor, now})
	}
	if s.chose(ReasonChangeRestamps) && before.Status == "resolved" && *status == "resolved" && reason != nil && *reason != "unknownFutureValue" &&
		(before.ResolvedReason == nil || *before.ResolvedReason != *reason) {
		a.ResolvedOnDateTime, a.ResolvedBy = &now, &actor
	}
	if s.flaw == PatchClearsOthers {
		a.Description, a.CatalogOfferID, a.AdditionalDetails = nil, nil, map[string]string{}
	}
	if displayName != nil {
		a.DisplayName = *displayName
	}
	if s.flaw == OmittedReasonClears && a.Status == "resolved" && !reasonGiven {
		a.ResolvedReason = nil
	}
	if a.Status == "resolved" && reasonGiven && s.flaw != PatchIgnoresReason {
		switch {
		case reasonNull:
			a.ResolvedReason = nil
		case *reason != "unknownFutureValue":
			a.ResolvedReason = reason
		}
	}
	stored := a
	if s.flaw == TimeNotRoundTrip {
		stored = a.clone()
		short := t.UTC().Format(time.RFC3339)
		for j := range stored.ActivityLogs {
			if stored.ActivityLogs[j].UpdatedDateTime == now {
				stored.ActivityLogs[j].UpdatedDateTime = short
			}
		}
		if stored.ResolvedOnDateTime != nil && *stored.ResolvedOnDateTime == now {
			stored.ResolvedOnDateTime = &short
		}
	}
	if s.flaw != ChangeNotKept {
		if s.flaw == ListLags {
			s.previous[session+" "+id] = lagged{before: alerts[i]}
		}
		alerts[i] = stored
	}
	if s.flaw == PatchChangesAnother {
		j := (i + 1) % len(alerts)
		other := alerts[j].clone()
		other.Status = a.Status
		alerts[j] = other
	}
	if s.flaw == PatchNoContent {
		return http.StatusNoContent, nil, nil
	}
	if s.flaw == PatchAnswersOld {
		return 200, s.view(before), nil
	}
	return 200, s.view(a), nil
}

// parseStatus reads the status of a PATCH body.
func (s *Server) parseStatus(v json.RawMessage) (string, *apiError) {
	var st string
	if string(v) == "null" && s.flaw == NullStatusIgnored {
		return "unknownFutureValue", nil // taken as "no change"
	}
	if err := json.Unmarshal(v, &st); err != nil {
		var n int
		if s.flaw == NumberStatusAccepted && json.Unmarshal(v, &n) == nil && n >= 0 && n < len(statuses) {
			return statuses[n], nil
		}
		return "", s.invalid("Invalid value for property 'status'; expected a string.")
	}
	if s.flaw == WrongCaseAccepted {
		for _, m := range statuses {
			if strings.EqualFold(m, st) {
				st = m
			}
		}
	}
	if !slices.Contains(statuses, st) {
		return "", s.invalid("Invalid value '%s' for property 'status'; expected one of: active, resolved, investigating, unknownFutureValue.", st)
	}
	return st, nil
}

// invalid is the refusal of an update body the service cannot apply: 400
// BadRequest, or 422 with InvalidIs422.
func (s *Server) invalid(format string, args ...any) *apiError {
	if s.flaw == InvalidIs422 {
		return errorf(http.StatusUnprocessableEntity, "UnprocessableEntity", format, args...)
	}
	return errorf(http.StatusBadRequest, "BadRequest", format, args...)
}
