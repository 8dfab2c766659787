package refserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// alertsLocked returns the session's alerts, seeding a new session.
func (s *Server) alertsLocked(session string) []alert {
	a, ok := s.sessions[session]
	if !ok {
		a = seed()
		s.sessions[session] = a
	}
	return a
}

// view renders an alert as JSON properties, applying the representation flaws.
func (s *Server) view(a alert) map[string]any {
	b, _ := json.Marshal(a)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	switch s.flaw {
	case RequiredMissing:
		delete(m, "alertType")
	case EnumOutOfRange:
		m["severity"] = "critical"
	case ExtraPropertyInBody:
		m["riskScore"] = 7
	case OmitNulls:
		for k, v := range m {
			if v == nil {
				delete(m, k)
			}
		}
	case NumericDetail:
		if d, ok := m["additionalDetails"].(map[string]any); ok {
			for k, v := range d {
				if n, err := strconv.Atoi(fmt.Sprint(v)); err == nil {
					d[k] = n
				}
			}
		}
	case NonUTCTimes:
		rewriteTimes(m, func(t time.Time) string { return t.In(time.FixedZone("", 2*60*60)).Format(time.RFC3339Nano) })
	}
	if layout := s.timeLayout(); layout != nil {
		rewriteTimes(m, layout)
	}
	if s.chose(NonStringDetails) {
		nonStringDetails(m)
	}
	if s.chose(ODataAnnotations) {
		annotate(m)
	}
	return m
}

// setContext sets the @odata.context of a body: the entity set, the selected
// properties (names, nil for none) and the suffix ("/$entity" for one alert).
func (s *Server) setContext(body map[string]any, r *http.Request, names []string, suffix string) {
	if s.chose(NoContext) {
		return
	}
	root := "http://" + r.Host + base
	if r.TLS != nil {
		root = "https://" + r.Host + base
	}
	if s.chose(ContextOtherForms) {
		root = "https://graph.microsoft.com/beta"
		names = declaredOrder(names)
	}
	sel := ""
	if names != nil {
		sel = "(" + strings.Join(names, ",") + ")"
	}
	body["@odata.context"] = root + "/$metadata#security/partner/securityAlerts" + sel + suffix
}

// entity is the end of the context URL of one alert.
func (s *Server) entity() string {
	if s.flaw == ContextWithoutEntity {
		return ""
	}
	return "/$entity"
}

// laggingLocked returns the alerts with each changed since it was last
// listed as it was before the change, once (ListLags).
func (s *Server) laggingLocked(session string, alerts []alert) []alert {
	out := append([]alert(nil), alerts...)
	for i, a := range out {
		if l, ok := s.previous[session+" "+a.ID]; ok {
			out[i] = l.before
			delete(s.previous, session+" "+a.ID)
		}
	}
	return out
}

// query returns the query options with the optional "$" prefix made explicit.
func (s *Server) query(r *http.Request) map[string]string {
	out := map[string]string{}
	if s.flaw == EscapedDollarUnknown && strings.Contains(r.URL.RawQuery, "%24") {
		out["%24"] = "" // the option is not recognised, and refused as unknown
	}
	for k, v := range r.URL.Query() {
		if s.flaw == UnprefixedOnlyTop && k != "top" && !strings.HasPrefix(k, "$") {
			continue
		}
		if !strings.HasPrefix(k, "$") {
			k = "$" + k
		}
		out[k] = v[0]
	}
	return out
}

var selectable = []string{"id", "activityLogs", "additionalDetails", "affectedResources", "alertType", "catalogOfferId",
	"confidenceLevel", "customerTenantId", "description", "detectedDateTime", "displayName", "firstObservedDateTime",
	"isTest", "lastObservedDateTime", "resolvedBy", "resolvedOnDateTime", "resolvedReason", "severity", "status",
	"subscriptionId", "valueAddedResellerTenantId"}

func (s *Server) parseSelect(v string) ([]string, *apiError) {
	var names []string
	for _, n := range strings.Split(v, ",") {
		switch {
		case slices.Contains(selectable, strings.TrimSpace(n)):
			names = append(names, n)
		case !s.chose(LenientQuery):
			return nil, errorf(400, "BadRequest", "Invalid value '%s' in query option '$select'.", n)
		}
	}
	if len(names) == 0 {
		names = []string{"id"}
	}
	return names, nil
}

// project keeps the named properties of an alert, and its annotations.
func (s *Server) project(m map[string]any, names []string) map[string]any {
	out := map[string]any{}
	for _, n := range names {
		if m[n] == nil && s.flaw == SelectDropsNull {
			continue
		}
		out[n] = m[n]
	}
	for k, v := range m {
		if strings.HasPrefix(k, "@odata.") {
			out[k] = v
		}
	}
	if s.flaw == SelectAddsID {
		out["id"] = m["id"]
	}
	return out
}

func (s *Server) get(r *http.Request, session, id string) (int, any, *apiError) {
	q := s.query(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.alertsLocked(session) {
		if a.ID != id {
			continue
		}
		m := s.mask(r, s.view(a))
		if sel, ok := q["$select"]; ok && s.flaw != SelectIgnoredOnGet {
			names, e := s.parseSelect(sel)
			if e != nil {
				return 0, nil, e
			}
			m = s.project(m, names)
			s.setContext(m, r, names, s.entity())
			return 200, m, nil
		}
		s.setContext(m, r, nil, s.entity())
		return 200, m, nil
	}
	return 0, nil, s.notFound(id)
}

func (s *Server) list(r *http.Request, session string) (int, any, *apiError) {
	q := s.query(r)
	top, skip := 100, 0
	if s.flaw == PagesOf3DropQuery {
		top = 3
	}
	var err error
	if v, ok := q["$top"]; ok {
		if top, err = strconv.Atoi(v); err != nil || top < 1 || top > 999 || (s.chose(TopAtMost100) && top > 100) {
			return 0, nil, errorf(400, "BadRequest", "Invalid value '%s' for query option '$top'; expected 1 to 999.", v)
		}
	}
	if v, ok := q["$skip"]; ok {
		if skip, err = strconv.Atoi(v); err != nil || skip < 0 {
			return 0, nil, errorf(400, "BadRequest", "Invalid value '%s' for query option '$skip'.", v)
		}
	}
	tokens := s.chose(SkipToken) || s.chose(CountFirstPageOnly)
	if v, ok := q["$skiptoken"]; ok && tokens {
		var valid bool
		if skip, valid = fromSkipToken(v); !valid {
			return 0, nil, errorf(400, "BadRequest", "Invalid $skiptoken.")
		}
	}
	count := false
	if v, ok := q["$count"]; ok {
		if v != "true" && v != "false" {
			return 0, nil, errorf(400, "BadRequest", "Invalid value '%s' for query option '$count'.", v)
		}
		count = v == "true"
	}
	var names []string
	if v, ok := q["$select"]; ok {
		var e *apiError
		if names, e = s.parseSelect(v); e != nil {
			return 0, nil, e
		}
	}
	var match predicate = func(map[string]any) bool { return true }
	if v, ok := q["$filter"]; ok && s.flaw != FilterIgnored {
		if s.chose(NarrowFilter) && !narrowFilter.MatchString(v) {
			return 0, nil, errorf(400, "BadRequest", "Only status eq '<status>' is supported in query option '$filter'.")
		}
		var e *apiError
		if match, e = parseFilter(v, s.flaw, prefersUnknown(r)); e != nil {
			return 0, nil, e
		}
	}
	var less func(a, b map[string]any) bool
	if v, ok := q["$orderby"]; ok && s.flaw != OrderByIgnored {
		if s.chose(OrderByRefused) {
			return 0, nil, errorf(400, "BadRequest", "Query option '$orderby' is not supported.")
		}
		var e *apiError
		if less, e = parseOrderBy(v); e != nil {
			return 0, nil, e
		}
	}
	for k := range q {
		if !slices.Contains([]string{"$top", "$skip", "$count", "$select", "$filter", "$orderby"}, k) && !s.chose(LenientQuery) && !(k == "$skiptoken" && tokens) {
			return 0, nil, errorf(400, "BadRequest", "The query option '%s' is not supported.", k)
		}
	}

	s.mu.Lock()
	var all []map[string]any
	listed := s.alertsLocked(session)
	unfiltered := len(listed)
	if s.flaw == ListStale {
		listed = seed()
	}
	if s.flaw == ListLags {
		listed = s.laggingLocked(session, listed)
	}
	for _, a := range listed {
		m := s.mask(r, s.view(a))
		if s.flaw == FilterAfterSelect && names != nil {
			m = s.project(m, names)
		}
		if match(m) {
			all = append(all, m)
		}
	}
	s.mu.Unlock()
	if less != nil {
		sort.SliceStable(all, func(i, j int) bool { return less(all[i], all[j]) })
		if s.flaw == OrderByLosesAlerts {
			all = make([]map[string]any, 0, len(all))
		}
	}
	total := len(all)
	if s.chose(TopIgnored) {
		top = 999
	}
	if s.chose(SmallPages) {
		top = min(top, 5)
	}
	from := skip
	if s.flaw == LastPageRepeats && skip > 0 {
		from = skip - 1
	}
	page := all[min(from, total):min(skip+top, total)]
	value := make([]any, 0, len(page))
	for _, m := range page {
		if names != nil {
			m = s.project(m, names)
		}
		value = append(value, m)
	}
	body := map[string]any{"value": value}
	s.setContext(body, r, names, "")
	if _, later := q["$skiptoken"]; count && !(s.chose(CountFirstPageOnly) && later) {
		switch s.flaw {
		case CountIgnoresFilter:
			body["@odata.count"] = unfiltered
		case CountIsPageSize:
			body["@odata.count"] = len(value)
		default:
			body["@odata.count"] = total
		}
	}
	if skip+top < total || (s.chose(EmptyTrailingPage) && skip+top == total) {
		next := *r.URL
		vals := next.Query()
		vals.Del("skip")
		vals.Set("$skip", strconv.Itoa(skip+top))
		if tokens {
			vals.Del("$skip")
			vals.Set("$skiptoken", skipToken(skip+top))
		}
		for flaw, opt := range map[Flaw]string{NextLinkDropsSelect: "select", NextLinkDropsOrderBy: "orderby"} {
			if s.flaw == flaw {
				vals.Del(opt)
				vals.Del("$" + opt)
			}
		}
		next.RawQuery = vals.Encode()
		if s.flaw == PagesOf3DropQuery {
			next.RawQuery = url.Values{"$skip": {strconv.Itoa(skip + top)}}.Encode()
		}
		scheme, host := "http", r.Host
		if r.TLS != nil {
			scheme = "https"
		}
		if s.flaw == NextLinkLocalhost {
			host = "localhost:" + r.URL.Port()
			if _, port, ok := strings.Cut(r.Host, ":"); ok {
				host = "localhost:" + port
			}
		}
		body["@odata.nextLink"] = scheme + "://" + host + next.RequestURI()
	} else if s.flaw == NullNextLink {
		body["@odata.nextLink"] = nil
	}
	return 200, body, nil
}

// narrowFilter is the only filter NarrowFilter supports.
var narrowFilter = regexp.MustCompile(`^status eq '(active|resolved|investigating|unknownFutureValue)'$`)

var (
	statuses = []string{"active", "resolved", "investigating", "unknownFutureValue"}
	reasons  = []string{"legitimate", "ignore", "fraud", "unknownFutureValue"}
)

// notFound is the answer for an unknown alert id.
func (s *Server) notFound(id string) *apiError {
	if s.flaw == UnknownIDIs400 {
		return errorf(400, "BadRequest", "Invalid alert id '%s'.", id)
	}
	return errorf(404, "ResourceNotFound", "The alert '%s' does not exist.", id)
}

// severityOrder is the numeric order of securityAlertSeverity members.
var severityOrder = map[string]int{"informational": 0, "high": 1, "medium": 2, "low": 3, "unknownFutureValue": 4}

// parseOrderBy reads "detectedDateTime|severity [asc|desc]".
func parseOrderBy(v string) (func(a, b map[string]any) bool, *apiError) {
	f := strings.Fields(v)
	if len(f) == 0 || len(f) > 2 || (f[0] != "detectedDateTime" && f[0] != "severity") || (len(f) == 2 && f[1] != "asc" && f[1] != "desc") {
		return nil, errorf(400, "BadRequest", "Invalid value '%s' for query option '$orderby'.", v)
	}
	desc := len(f) == 2 && f[1] == "desc"
	key := func(m map[string]any) float64 {
		if f[0] == "severity" {
			return float64(severityOrder[m["severity"].(string)])
		}
		t, _ := time.Parse(time.RFC3339Nano, m["detectedDateTime"].(string))
		return float64(t.UnixNano())
	}
	return func(a, b map[string]any) bool {
		if desc {
			return key(a) > key(b)
		}
		return key(a) < key(b)
	}, nil
}
