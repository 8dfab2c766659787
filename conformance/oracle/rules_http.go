package oracle

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// The rules about the HTTP of every answer: status, headers, media type,
// JSON text.

var httpRules = []Rule{
	{
		ID: "status-documented", Label: Documented,
		Source: "Microsoft Graph docs: List, Get and Update partnerSecurityAlert (\"If successful, this method returns a 200 OK response code\"; api-reference/beta/api/partner-security-partnersecurityalert-{list-securityalerts,get,update}.md) and Microsoft Graph error responses (concepts/errors.md, the table of HTTP status codes)",
		Doc:    "An answer to List, Get or Update is 200 or one of the error statuses Microsoft Graph documents (400, 401, 402, 403, 404, 405, 406, 409, 410, 411, 412, 413, 415, 416, 422, 423, 429, 500, 501, 503, 504, 507, 509): no 204 for an update, no redirect, no other 2xx.",
		check:  checkStatusDocumented,
	},
	{
		ID: "status-declared", Label: Assumed,
		Source: "Our choice: the statuses openapi/partner-security-alerts.yaml declares per operation (405 for a method the API lacks where Graph's directory answers 400, 404 or 400 for a path it lacks, 413 and 415 as the mock answers)",
		Doc:    "The status is one the description declares for the operation; a path the description lacks is answered 404 or 400, a method it lacks 405.",
		check:  checkStatusDeclared,
	},
	{
		ID: "json-content-type", Label: Documented,
		Source: "RFC 8259 §11 (the application/json media type) and Microsoft Graph docs: the responses of List, Get and Update (Content-Type: application/json) and error responses (concepts/errors.md: a JSON object)",
		Doc:    "Every answer with a body declares it as application/json (parameters such as odata.metadata or charset allowed): client libraries read other types as text and lose the error or the alert.",
		check:  checkJSONContentType,
	},
	{
		ID: "json-body", Label: Documented,
		Source: "RFC 8259 §2 (a JSON text is one value) and §8.1 (UTF-8, no byte order mark)",
		Doc:    "The body of every answer that has one, and of every 200 of List, Get or Update, is exactly one JSON value in UTF-8, without a byte order mark or anything after it.",
		check:  checkJSONBody,
	},
	{
		ID: "json-unique-names", Label: Documented,
		Source: "RFC 8259 §4 (\"The names within an object SHOULD be unique\"; with duplicates, receivers differ in which value they keep) and RFC 7493 §2.3 (I-JSON: MUST NOT)",
		Doc:    "No object of a JSON body names a member twice.",
		check:  checkUniqueNames,
	},
	{
		ID: "request-id-header", Label: Documented,
		Source: "Microsoft Graph docs: best practices (concepts/best-practices-concept.md, \"Reliability and support\": log the request-id of every response; it is needed when reporting an issue)",
		Doc:    "Every answer carries a request-id header.",
		check:  checkRequestIDHeader,
	},
	{
		ID: "request-id-unique", Label: Documented,
		Source: "Microsoft Graph docs: best practices (concepts/best-practices-concept.md, \"Reliability and support\"): the request-id identifies the request when reporting an issue, so no two requests share one",
		Doc:    "No two answers seen by the model carry the same request-id.",
		check:  checkRequestIDUnique,
	},
	{
		ID: "headers-declared", Label: Assumed,
		Source: "Captures of Graph, as openapi/partner-security-alerts.yaml declares them: request-id a UUID, client-request-id on every answer, Retry-After on every 429 (the headers marked x-assumption)",
		Doc:    "Every header the description declares for the answer is there, in its declared form.",
		check:  checkHeadersDeclared,
	},
	{
		ID: "client-request-id-echo", Label: Assumed,
		Source: "Captures of Graph (microsoft-graph-docs-contrib issue 2799): the client-request-id sent comes back; without one, the request-id stands in",
		Doc:    "The answer's client-request-id is the one the request sent, or its request-id when the request sent none.",
		check:  checkClientRequestIDEcho,
	},
	{
		ID: "date-header", Label: Documented,
		Source: "RFC 9110 §6.6.1 (Date: an origin server with a clock MUST send it in 2xx, 3xx and 4xx answers, from a clock approximating UTC)",
		Doc:    "Every 2xx, 3xx and 4xx answer carries a Date header in HTTP-date form, within the clock skew (Options.ClockSkew, 5 minutes by default) of the client's clock.",
		check:  checkDateHeader,
	},
	{
		ID: "server-clock-steady", Label: Documented,
		Source: "RFC 9110 §6.6.1 (Date is the time the message was generated, from a clock approximating UTC)",
		Doc:    "The server's clock, read from the Date header of every answer, moves with the client's: the offset each Date allows (it is written in whole seconds between the request and the answer) agrees with the offsets of the earlier answers within the tolerance (1 s by default). A clock that stopped, jumped or drifts fails as soon as it is off by more.",
		check:  checkServerClock,
	},
	{
		ID: "retry-after-format", Label: Documented,
		Source: "RFC 9110 §10.2.3 (Retry-After: an HTTP-date or delay-seconds) and Microsoft Graph docs: throttling (concepts/throttling.md, whose sample sends Retry-After: 2.128)",
		Doc:    "A Retry-After header is seconds (Graph sends a fraction, e.g. 2.128) or an HTTP date; Go's duration form (1s) is neither.",
		check:  checkRetryAfter,
	},
	{
		ID: "no-claims-challenge", Label: Assumed,
		Source: "Observed with the Kiota clients: a 401 carrying WWW-Authenticate with claims= is retried once; Graph sends none for a missing or bad token",
		Doc:    "A 401 does not ask for a claims challenge.",
		check:  checkNoClaimsChallenge,
	},
	{
		ID: "odata-json", Label: Assumed,
		Source: "Captures of Graph (a PATCH of security/alerts_v2): Content-Type application/json;odata.metadata=minimal;… and OData-Version: 4.0 on successes; not documented for this API",
		Doc:    "A 200 of List, Get or Update declares odata.metadata=minimal in its Content-Type and carries OData-Version: 4.0.",
		check:  checkODataJSON,
	},
}

// documentedStatuses are the error statuses of Graph's error page.
var documentedStatuses = []int{400, 401, 402, 403, 404, 405, 406, 409, 410, 411, 412, 413, 415, 416, 422, 423, 429, 500, 501, 503, 504, 507, 509}

func checkStatusDocumented(p *pass) {
	if p.op == opNone || p.x.Status == 0 || p.x.Status == http.StatusOK || slices.Contains(documentedStatuses, p.x.Status) {
		return
	}
	p.report("status", fmt.Sprint(p.x.Status), fmt.Sprintf("200, or an error status Graph documents, for %s %s", p.x.Method, p.opName()))
}

// opName names the operation's path template.
func (p *pass) opName() string {
	if p.route != nil {
		return p.route.Path
	}
	return p.rest
}

func checkStatusDeclared(p *pass) {
	if p.x.Status == 0 {
		return
	}
	switch {
	case !p.underBase:
		p.report("", fmt.Sprintf("request path %q is not under the base path %q", p.u.Path, p.o.opts.BasePath), "a request under the base URL")
	case errors.Is(p.routeErr, routers.ErrPathNotFound):
		if p.x.Status != http.StatusNotFound && p.x.Status != http.StatusBadRequest {
			p.report("", fmt.Sprintf("the description has no path %s", p.rest), fmt.Sprintf("status 404 or 400, got %d", p.x.Status))
		}
	case errors.Is(p.routeErr, routers.ErrMethodNotAllowed):
		if p.x.Status != http.StatusMethodNotAllowed {
			p.report("", fmt.Sprintf("the description has no operation %s %s", p.x.Method, p.rest), fmt.Sprintf("status 405, got %d", p.x.Status))
		}
	case p.route != nil:
		if ref := p.route.Operation.Responses.Value(strconv.Itoa(p.x.Status)); ref == nil || ref.Value == nil {
			var declared []string
			for k := range p.route.Operation.Responses.Map() {
				declared = append(declared, k)
			}
			slices.Sort(declared)
			p.report("", fmt.Sprintf("status %d is not declared for %s %s", p.x.Status, p.route.Method, p.route.Path), "one of "+strings.Join(declared, ", "))
		}
	}
}

func checkJSONContentType(p *pass) {
	if len(p.x.Body) == 0 {
		return
	}
	ct := p.x.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		p.report("Content-Type", quote(ct), "application/json")
	}
}

func checkJSONBody(p *pass) {
	if p.x.Status == 0 {
		return
	}
	if len(strings.TrimSpace(string(p.x.Body))) == 0 {
		if p.success() {
			p.report("body", "empty", "the JSON the operation returns")
		}
		return
	}
	if p.bodyErr != nil {
		p.report("body", excerpt(p.x.Body), "one JSON value in UTF-8 (RFC 8259): it "+p.bodyErr.Error())
	}
}

func checkUniqueNames(p *pass) {
	if p.dupName != "" {
		p.report("body", fmt.Sprintf("an object naming %q twice", p.dupName), "each member name once")
	}
}

func checkRequestIDHeader(p *pass) {
	if p.x.Status == 0 {
		return
	}
	if _, ok := p.x.Header[http.CanonicalHeaderKey("request-id")]; !ok {
		p.report("", "missing the required header request-id", "it on every answer")
	}
}

func checkRequestIDUnique(p *pass) {
	rid := p.x.Header.Get("request-id")
	if p.m == nil || rid == "" {
		return
	}
	if first, seen := p.m.ids[rid]; seen {
		p.report("header request-id", quote(rid)+" again (first on "+first+")", "a new request-id for every request")
	}
}

// errorHeaders are the headers declared for every error answer, for paths
// and methods the description lacks.
var errorHeaders = openapi3.Headers{
	"request-id":        {Value: &openapi3.Header{Parameter: openapi3.Parameter{Required: true, Schema: openapi3.NewUUIDSchema().NewRef()}}},
	"client-request-id": {Value: &openapi3.Header{Parameter: openapi3.Parameter{Required: true, Schema: openapi3.NewStringSchema().WithMinLength(1).NewRef()}}},
}

// uuidPattern matches a UUID in its textual form (any version).
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func checkHeadersDeclared(p *pass) {
	if p.x.Status == 0 || !p.underBase {
		return
	}
	declared := errorHeaders
	if p.route != nil {
		ref := p.route.Operation.Responses.Value(strconv.Itoa(p.x.Status))
		if ref == nil || ref.Value == nil {
			return // status-declared reports it
		}
		declared = ref.Value.Headers
	}
	names := make([]string, 0, len(declared))
	for n := range declared {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		h := declared[name]
		if h == nil || h.Value == nil {
			continue
		}
		vals, present := p.x.Header[http.CanonicalHeaderKey(name)]
		if !present {
			if h.Value.Required {
				p.report("", "missing the required header "+name, "it as the description declares")
			}
			continue
		}
		val := ""
		if len(vals) > 0 {
			val = vals[0]
		}
		if h.Value.Schema == nil || h.Value.Schema.Value == nil {
			continue
		}
		s := h.Value.Schema.Value
		if s.Format == "uuid" && !uuidPattern.MatchString(val) {
			p.report("header "+name, quote(val), "a UUID")
		}
		if uint64(len(val)) < s.MinLength {
			p.report("header "+name, quote(val), fmt.Sprintf("at least %d characters", s.MinLength))
		}
	}
}

func checkClientRequestIDEcho(p *pass) {
	if p.x.Status == 0 {
		return
	}
	got, present := p.x.Header[http.CanonicalHeaderKey("client-request-id")]
	if !present || len(got) == 0 {
		return // headers-declared reports it
	}
	want := p.x.RequestHeader.Get("client-request-id")
	what := "the client-request-id the request sent"
	if want == "" {
		want, what = p.x.Header.Get("request-id"), "the request-id, as the request sent no client-request-id"
	}
	if got[0] != want {
		p.report("header client-request-id", quote(got[0]), quote(want)+", "+what)
	}
}

func checkDateHeader(p *pass) {
	if p.x.Status == 0 {
		return
	}
	v, present := p.x.Header["Date"]
	if !present {
		if p.x.Status < 500 {
			p.report("", "no Date header", "one on every 2xx, 3xx and 4xx answer")
		}
		return
	}
	d, err := http.ParseTime(v[0])
	if err != nil {
		p.report("header Date", quote(v[0]), "an HTTP date (IMF-fixdate)")
		return
	}
	skew := p.o.opts.ClockSkew
	from, to := p.x.Sent.Add(-skew-time.Second), p.x.Received.Add(skew)
	if d.Before(from) || d.After(to) {
		p.report("header Date", quote(v[0]), fmt.Sprintf("a time within %s of this client's clock (%s)", skew, p.x.Received.UTC().Format(http.TimeFormat)))
	}
}

func checkServerClock(p *pass) {
	if p.m == nil || !p.m.clock.set {
		return
	}
	lo, hi, ok := offsetOf(p.x)
	if !ok {
		return
	}
	tol := p.o.opts.Tolerance
	c := p.m.clock
	if lo > c.hi+tol || hi < c.lo-tol {
		p.report("header Date", quote(p.x.Header.Get("Date")), fmt.Sprintf("the server's clock as the earlier answers showed it (offset from this client's clock between %s and %s, ± %s): a clock that stopped, jumped or drifts", c.lo.Round(time.Millisecond), c.hi.Round(time.Millisecond), tol))
	}
}

// retryAfterValid reports whether a Retry-After is seconds (a fraction
// allowed) or an HTTP date.
func retryAfterValid(v string) bool {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f >= 0 && strings.Trim(v, "0123456789.") == ""
	}
	_, err := http.ParseTime(v)
	return err == nil
}

func checkRetryAfter(p *pass) {
	if ra := p.x.Header.Get("Retry-After"); ra != "" && !retryAfterValid(ra) {
		p.report("header Retry-After", quote(ra), "seconds (e.g. 2 or 2.128) or an HTTP date")
	}
}

func checkNoClaimsChallenge(p *pass) {
	if p.x.Status != http.StatusUnauthorized {
		return
	}
	for _, v := range p.x.Header.Values("WWW-Authenticate") {
		if strings.Contains(strings.ToLower(v), "claims=") {
			p.report("header WWW-Authenticate", quote(v), "no claims challenge")
		}
	}
}

func checkODataJSON(p *pass) {
	if !p.success() {
		return
	}
	ct := p.x.Header.Get("Content-Type")
	_, params, err := mime.ParseMediaType(ct)
	if err != nil || !strings.EqualFold(params["odata.metadata"], "minimal") {
		p.report("header Content-Type", quote(ct), "the parameter odata.metadata=minimal")
	}
	if v := p.x.Header.Get("OData-Version"); v != "4.0" {
		p.report("header OData-Version", quote(v), `"4.0"`)
	}
}
