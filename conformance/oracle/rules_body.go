package oracle

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/partner-security/alertmock/openapi"
)

// The rules about what a body holds: the envelope, the schema, times,
// projections, pages.

var bodyRules = []Rule{
	{
		ID: "error-envelope", Label: Documented,
		Source: "Microsoft Graph docs: error responses (concepts/errors.md: \"a single JSON object that contains a single property named error\", with code and message strings; innererror optional)",
		Doc:    "Every 4xx and 5xx carries the Graph error envelope: a JSON object whose only member is error, an object with a code and a message that are strings.",
		check:  checkErrorEnvelope,
	},
	{
		ID: "inner-error-ids", Label: Assumed,
		Source: "Captures of Graph (microsoft-graph-docs-contrib issue 2799) and the JS clients, which read GraphError.requestId from it: innerError carries request-id and client-request-id equal to the headers, and date in UTC without a zone",
		Doc:    "An error's innerError.request-id and innerError.client-request-id equal the answer's headers, and innerError.date is the time of the answer in UTC, whole seconds, without a zone.",
		check:  checkInnerErrorIDs,
	},
	{
		ID: "body-schema", Label: Documented,
		Source: "Graph metadata (beta CSDL: the alert's property types, enums and Nullable=false) and Microsoft Graph docs: the partnerSecurityAlert, activityLog and affectedResource resource pages, as the documented projection of openapi/partner-security-alerts.yaml (every x-assumption lifted)",
		Doc:    "A 200 of Get, List or Update is valid against the documented projection of the description: a whole alert (no $select) has every non-nullable property and each property has its type and enum (exact letter case); a $select answer is a valid subset; a list is an object with a value array. Properties the type does not declare are allowed (Graph's versioning policy lets a service add them).",
		check:  checkBodySchema,
	},
	{
		ID: "body-schema-strict", Label: Assumed,
		Source: "openapi/partner-security-alerts.yaml in full, x-assumption keywords included (closed types, string additionalDetails values, non-empty error code and message, innerError and its forms, the @odata.context test for projections)",
		Doc:    "Every body is valid against the schema the full description declares for the operation and status.",
		check:  checkBodySchemaStrict,
	},
	{
		ID: "utc-date-times", Label: Documented,
		Source: "Microsoft Graph docs: partnerSecurityAlert and activityLog resource pages (\"The timestamp type represents date and time information using ISO 8601 format and is always in UTC\", e.g. 2014-01-01T00:00:00Z)",
		Doc:    "Every date-time of an alert (detectedDateTime, firstObservedDateTime, lastObservedDateTime, resolvedOnDateTime, activityLogs[].updatedDateTime) is an RFC 3339 date-time in UTC, ending in Z.",
		check:  checkUTCDateTimes,
	},
	{
		ID: "select-carries-selected", Label: Documented,
		Source: "OData 4.01 Part 1: Protocol, \"System Query Option $select\" (the service returns the specified content, if available, and MAY return additional information) and Microsoft Graph docs: List and Get partnerSecurityAlert (support $select)",
		Doc:    "A $select answer carries every selected property of the alert (null when it has no value). It may carry more: OData lets a service return additional information, such as the key.",
		check:  checkSelectCarries,
	},
	{
		ID: "select-only-selected", Label: Assumed,
		Source: "Our choice (the mock's): a $select answer carries exactly the selected properties; OData allows more",
		Doc:    "A $select answer carries no property of the alert that was not selected, not even the id.",
		check:  checkSelectOnly,
	},
	{
		ID: "odata-context", Label: Assumed,
		Source: "Graph's context-URL pattern for other APIs (…/$metadata#security/partner/securityAlerts/$entity, …/securityAlerts(id,status)); not documented for this API",
		Doc:    "A 200 carries @odata.context ending in $metadata#security/partner/securityAlerts, followed by the selected properties in parentheses for $select, and /$entity for one alert.",
		check:  checkODataContext,
	},
	{
		ID: "next-link", Label: Documented,
		Source: "Microsoft Graph docs: paging (concepts/paging.md: @odata.nextLink holds the URL of the next page, to be used whole; it \"contains all the other query parameters present in the original request\"; it is no longer returned once all pages are read)",
		Doc:    "An @odata.nextLink is an absolute http(s) URL (never null: the last page has none) that keeps every query option of the listing it continues, $skip and $skiptoken aside.",
		check:  checkNextLink,
	},
	{
		ID: "next-link-same-origin", Label: Assumed,
		Source: "Observed with the Microsoft JS clients: a next link on another scheme, host or port makes them drop the token; Graph builds it on the host the client used",
		Doc:    "An @odata.nextLink is on the scheme, host and port of the request.",
		check:  checkNextLinkOrigin,
	},
	{
		ID: "count-consistent", Label: Documented,
		Source: "OData 4.01 Part 1: Protocol, \"System Query Option $count\" (the count of all matching items, independent of $top, $skip and paging) and Microsoft Graph docs: List partnerSecurityAlert (supports $count), paging (concepts/paging.md: @odata.count may be on the first page only)",
		Doc:    "With $count=true the first page carries @odata.count, a non-negative integer no smaller than the page; once the last page of a listing without $skip is read, it equals the number of alerts listed on all its pages.",
		check:  checkCount,
	},
	{
		ID: "filter-matches", Label: Documented,
		Source: "OData 4.01 Part 2: URL Conventions, \"System Query Option $filter\" (eq, ne, gt, ge, lt, le, and, or, not; a comparison with null) and Microsoft Graph docs: List partnerSecurityAlert (supports $filter) and query parameters (the $ prefix is optional on beta)",
		Doc:    "Every alert a filtered list (or a page of it) holds meets the filter. The oracle evaluates comparisons of properties with literals, and, or, not and parentheses; string comparisons of free-text properties tolerate another letter case; what it cannot evaluate (functions, a property the page does not carry) it does not judge.",
		check:  checkFilterMatches,
	},
	{
		ID: "top-bounds-page", Label: Assumed,
		Source: "$top is in the SDK's URL template, not documented for this API; the mock pages by it",
		Doc:    "A page of a list with $top=n holds at most n alerts.",
		check:  checkTop,
	},
	{
		ID: "orderby-honored", Label: Assumed,
		Source: "$orderby is in the SDK's URL template, not documented for this API; the mock orders by detectedDateTime and severity (by the enum's numeric order)",
		Doc:    "A page of a list with $orderby is in that order.",
		check:  checkOrderBy,
	},
	{
		ID: "pages-no-duplicate", Label: Assumed,
		Source: "Graph documents paging (concepts/paging.md) but not a stable snapshot across pages; the mock never lists an alert twice in one listing",
		Doc:    "No alert is listed twice across the pages of one listing.",
		check:  checkNoDuplicate,
	},
}

func checkErrorEnvelope(p *pass) {
	if p.x.Status < 400 {
		return
	}
	if err := p.validate(openapi.SchemaODataError, true); err != "" {
		p.report("body", excerpt(p.x.Body), "the Graph error envelope {\"error\":{\"code\":…,\"message\":…}}: "+err)
	}
}

// validate checks the body against a schema component and returns what is
// wrong, "" when nothing is.
func (p *pass) validate(name string, documented bool) string {
	if p.bodyErr != nil {
		return "the body " + p.bodyErr.Error()
	}
	if p.body == nil {
		return "the body is empty"
	}
	return p.o.c.cachedVerdict(name, documented, p.x.Body, func() string {
		if err := p.o.c.schema(name, documented).Validate(p.body); err != nil {
			return schemaError(err)
		}
		return ""
	})
}

func checkInnerErrorIDs(p *pass) {
	obj := p.object()
	e, _ := obj["error"].(map[string]any)
	inner, _ := e["innerError"].(map[string]any)
	if p.x.Status < 400 || inner == nil {
		return
	}
	for _, h := range []string{"request-id", "client-request-id"} {
		if got, want := inner[h], p.x.Header.Get(h); got != want {
			p.report("innerError."+h, show(got), fmt.Sprintf("%q, the header %s", want, h))
		}
	}
	s, _ := inner["date"].(string)
	t, err := time.Parse("2006-01-02T15:04:05", s)
	if err != nil {
		p.report("innerError.date", show(inner["date"]), "UTC without a zone, like 2021-10-31T05:13:50")
		return
	}
	lo, hi := p.window(p.x)
	if t.Add(time.Second).Before(lo) || t.After(hi) {
		p.report("innerError.date", quote(s), fmt.Sprintf("the time of the answer (between %s and %s)", lo.UTC().Format(time.RFC3339), hi.UTC().Format(time.RFC3339)))
	}
}

func checkBodySchema(p *pass) {
	if !p.success() {
		return
	}
	name := openapi.SchemaAlertEntity
	switch {
	case p.op == opList:
		name = openapi.SchemaAlertCollection
	case !p.whole():
		name = openapi.SchemaAlertProjection
	}
	if p.strictImpliesDocumented() {
		return // a body the full description accepts, read as such, the projection accepts too
	}
	if err := p.validate(name, true); err != "" {
		p.report("", "body is not a valid "+name, err)
		return
	}
	if p.op == opList && p.whole() {
		verdict := p.o.c.cachedVerdict("items:"+openapi.SchemaAlertEntity, true, p.x.Body, func() string {
			sch := p.o.c.schema(openapi.SchemaAlertEntity, true)
			var out []string
			for _, l := range p.alerts() {
				if err := sch.Validate(l.alert); err != nil {
					out = append(out, l.at+": "+schemaError(err))
				}
			}
			return strings.Join(out, "; ")
		})
		if verdict != "" {
			p.report("", "a listed alert is not a whole "+openapi.SchemaAlertEntity, verdict)
		}
	}
}

// strictImpliesDocumented reports whether the full description accepts the
// body of an all-rules oracle's success read as a whole alert or page (its
// @odata.context names no projection, and no $select was asked for): the
// documented projection only lifts constraints, so it accepts the body too.
func (p *pass) strictImpliesDocumented() bool {
	if p.o.opts.Documented || !p.whole() {
		return false
	}
	ctx, _ := p.object()["@odata.context"].(string)
	if strings.HasSuffix(ctx, ")") || strings.HasSuffix(ctx, ")/$entity") {
		return false
	}
	name, ok := p.strictSchema()
	return ok && p.validate(name, false) == ""
}

// strictSchema returns the schema the full description declares for the
// answer, and whether it declares one.
func (p *pass) strictSchema() (string, bool) {
	if p.x.Status == 0 || !p.underBase {
		return "", false
	}
	if p.route == nil {
		return openapi.SchemaODataError, p.routeErr != nil
	}
	ref := p.route.Operation.Responses.Value(strconv.Itoa(p.x.Status))
	if ref == nil || ref.Value == nil {
		return "", false
	}
	mt := ref.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return "", false
	}
	return strings.TrimPrefix(mt.Schema.Ref, "#/components/schemas/"), true
}

func checkBodySchemaStrict(p *pass) {
	name, ok := p.strictSchema()
	if !ok {
		return
	}
	if err := p.validate(name, false); err != "" {
		p.report("", "body is not a valid "+name, err)
	}
}

func checkUTCDateTimes(p *pass) {
	c := p.o.c
	for _, l := range p.alerts() {
		for _, name := range c.dateTimes {
			p.utc(l.path(name), l.alert[name])
		}
		log, _ := l.alert["activityLogs"].([]any)
		for i, e := range log {
			entry, _ := e.(map[string]any)
			p.utc(fmt.Sprintf("%s[%d].updatedDateTime", l.path("activityLogs"), i), entry["updatedDateTime"])
		}
	}
}

func (p *pass) utc(at string, v any) {
	s, ok := v.(string)
	if !ok {
		return
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		p.report(at, quote(s), "an RFC 3339 date-time")
		return
	}
	if !strings.HasSuffix(s, "Z") {
		p.report(at, quote(s), "UTC, ending in Z")
	}
}

func checkSelectCarries(p *pass) {
	sel := p.query.selected()
	if sel == nil {
		return
	}
	for _, l := range p.alerts() {
		var missing []string
		for _, name := range sel {
			if _, ok := l.alert[name]; !ok && p.o.c.isProperty(name) {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			p.report(l.path("properties"), strings.Join(propertiesOf(l.alert), ","), "every selected property; missing "+strings.Join(missing, ","))
		}
	}
}

func checkSelectOnly(p *pass) {
	sel := p.query.selected()
	if sel == nil {
		return
	}
	for _, l := range p.alerts() {
		var extra []string
		for _, name := range propertiesOf(l.alert) {
			if p.o.c.isProperty(name) && !contains(sel, name) {
				extra = append(extra, name)
			}
		}
		if len(extra) > 0 {
			p.report(l.path("properties"), strings.Join(propertiesOf(l.alert), ","), "exactly "+strings.Join(sel, ",")+"; not selected: "+strings.Join(extra, ","))
		}
	}
}

// propertiesOf lists an object's members, annotations aside, sorted.
func propertiesOf(a map[string]any) []string {
	var out []string
	for _, k := range sortedKeys(a) {
		if !strings.HasPrefix(k, "@") {
			out = append(out, k)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func checkODataContext(p *pass) {
	if !p.success() || p.object() == nil {
		return
	}
	want := "$metadata#security/partner/securityAlerts"
	if sel := p.query.selected(); sel != nil {
		want += "(" + strings.Join(sel, ",") + ")"
	}
	if p.op != opList {
		want += "/$entity"
	}
	got, _ := p.object()["@odata.context"].(string)
	if !strings.HasSuffix(got, want) {
		p.report("@odata.context", show(p.object()["@odata.context"]), "a context URL ending in "+quote(want))
	}
}

// nextLink returns the @odata.nextLink of a list page and whether it has one.
func (p *pass) nextLink() (any, bool) {
	if p.op != opList || !p.success() {
		return nil, false
	}
	v, ok := p.object()["@odata.nextLink"]
	return v, ok
}

func checkNextLink(p *pass) {
	v, ok := p.nextLink()
	if !ok {
		return
	}
	s, isString := v.(string)
	u, err := url.Parse(s)
	if !isString || err != nil || !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.report("@odata.nextLink", show(v), "an absolute http(s) URL, or no nextLink on the last page (absent, not null)")
		return
	}
	got := parseQuery(u.RawQuery)
	for k, want := range p.query {
		if k == "$skip" || k == "$skiptoken" {
			continue
		}
		if got[k] != want {
			p.report("@odata.nextLink", quote(s), fmt.Sprintf("a URL that keeps %s=%s of the listing", k, want))
		}
	}
}

func checkNextLinkOrigin(p *pass) {
	v, ok := p.nextLink()
	s, _ := v.(string)
	u, err := url.Parse(s)
	if !ok || err != nil || !u.IsAbs() {
		return
	}
	if u.Scheme != p.u.Scheme || u.Host != p.u.Host {
		p.report("@odata.nextLink", quote(s), fmt.Sprintf("a URL on %s://%s, where the request went", p.u.Scheme, p.u.Host))
	}
}

// count returns the @odata.count of a page, and whether it has one.
func (p *pass) count() (json.Number, bool) {
	v, ok := p.object()["@odata.count"]
	n, _ := v.(json.Number)
	return n, ok
}

func checkCount(p *pass) {
	if p.op != opList || !p.success() || p.object() == nil {
		return
	}
	items := len(p.alerts())
	n, has := p.count()
	if !has {
		if strings.EqualFold(p.query["$count"], "true") && !p.linked {
			p.report("@odata.count", "(absent)", "the count of the listing, as $count=true asks")
		}
		return
	}
	c, err := n.Int64()
	if err != nil || c < 0 {
		p.report("@odata.count", show(p.object()["@odata.count"]), "a non-negative integer")
		return
	}
	if !p.linked && c < int64(items) {
		p.report("@odata.count", fmt.Sprint(c), fmt.Sprintf("at least the %d alerts of the page", items))
	}
	if _, more := p.nextLink(); more || p.query["$skip"] != "" {
		return
	}
	total, first := int64(items), c
	if p.linked && p.m != nil {
		ch := p.m.links[p.x.URL]
		if ch == nil || ch.count == nil {
			return
		}
		total, first = int64(ch.read+items), *ch.count
	}
	if total != first {
		where := "on its only page"
		if p.linked {
			where = "on all its pages"
		}
		p.report("@odata.count", fmt.Sprint(first), fmt.Sprintf("%d, the alerts the listing holds %s", total, where))
	}
}

func checkFilterMatches(p *pass) {
	f, ok := p.query["$filter"]
	if !ok || p.op != opList {
		return
	}
	expr, err := parseFilter(f)
	if err != nil {
		return
	}
	for _, l := range p.alerts() {
		if expr.eval(l.alert, p.o.c) == no {
			p.report(l.at, fmt.Sprintf("alert %s with %s", show(l.alert["id"]), show(filterValues(expr, l.alert))), "only alerts that meet $filter="+f)
		}
	}
}

func checkTop(p *pass) {
	top, err := strconv.Atoi(p.query["$top"])
	if err != nil || p.op != opList || !p.success() {
		return
	}
	if n := len(p.alerts()); n > top {
		p.report("value", fmt.Sprintf("%d alerts", n), fmt.Sprintf("at most %d, as $top asks", top))
	}
}

// severityRank is the numeric order of securityAlertSeverity.
func (p *pass) rank(name string, v any) (float64, bool) {
	s, _ := v.(string)
	if members := p.o.c.enums[name]; members != nil {
		i := indexOf(members, s)
		return float64(i), i >= 0
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return float64(t.UnixNano()), err == nil
}

func indexOf(list []string, s string) int {
	for i, e := range list {
		if e == s {
			return i
		}
	}
	return -1
}

func checkOrderBy(p *pass) {
	ob, ok := p.query["$orderby"]
	if !ok || p.op != opList {
		return
	}
	f := strings.Fields(ob)
	if len(f) == 0 || len(f) > 2 || strings.Contains(ob, ",") {
		return
	}
	desc := len(f) == 2 && strings.EqualFold(f[1], "desc")
	var prev float64
	for i, l := range p.alerts() {
		r, ok := p.rank(f[0], l.alert[f[0]])
		if !ok {
			return
		}
		if i > 0 && ((desc && r > prev) || (!desc && r < prev)) {
			p.report(l.path(f[0]), show(l.alert[f[0]]), "the order of $orderby="+ob)
			return
		}
		prev = r
	}
}

func checkNoDuplicate(p *pass) {
	if p.op != opList || !p.success() {
		return
	}
	seen := map[string]int{}
	if p.linked && p.m != nil {
		if ch := p.m.links[p.x.URL]; ch != nil {
			for id, page := range ch.seen {
				seen[id] = page
			}
		}
	}
	for _, l := range p.alerts() {
		id := l.id()
		if page, dup := seen[id]; dup && id != "" {
			where := "earlier on this page"
			if page > 0 {
				where = fmt.Sprintf("on page %d", page)
			}
			p.report(l.at, "alert "+quote(id)+", listed "+where, "each alert once in a listing")
		}
		if _, ok := seen[id]; !ok {
			seen[id] = 0
		}
	}
}

// window returns the interval of the server's clock in which what the
// exchange did happened: from the Date header, which the server wrote (in
// whole seconds) after doing it and at most a round trip after the request
// reached it; failing that, from the model's estimate of the server's clock,
// or the clock skew. Both ends are widened by the tolerance.
func (p *pass) window(x *Exchange) (lo, hi time.Time) {
	tol := p.o.opts.Tolerance
	if d, err := http.ParseTime(x.Header.Get("Date")); err == nil {
		rtt := x.Received.Sub(x.Sent)
		return d.Add(-rtt - tol), d.Add(time.Second + tol)
	}
	if p.m != nil && p.m.clock.set {
		return x.Sent.Add(p.m.clock.lo - tol), x.Received.Add(p.m.clock.hi + tol)
	}
	skew := p.o.opts.ClockSkew
	return x.Sent.Add(-skew), x.Received.Add(skew)
}
