package conformance_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/partner-security/alertmock/conformance"
	"github.com/partner-security/alertmock/conformance/internal/refserver"
	"github.com/partner-security/alertmock/conformance/oracle"
)

// A tagSet is a godog tag expression selecting the scenarios of one kind of run.
type tagSet string

// The tag sets a broken server can be caught by, from the narrowest: what a
// live run restricted to documented behaviour selects, what any run without
// the mock's tools selects (documented and assumed), what needs the mock's
// tools but only documented behaviour, and everything.
const (
	liveDocumented tagSet = "~@mock-only && ~@assumption"
	live           tagSet = "~@mock-only"
	documented     tagSet = "~@assumption"
	everything     tagSet = ""
)

// narrower returns the sets strictly inside s: a flaw caught by s must pass
// them, or its declaration understates how early it is caught.
func (s tagSet) narrower() []tagSet {
	switch s {
	case live, documented:
		return []tagSet{liveDocumented}
	case everything:
		return []tagSet{live, documented}
	}
	return nil
}

// beyond returns the scenarios of s outside every narrower set: a flaw caught
// by s and by none of the narrower sets is caught by these.
func (s tagSet) beyond() tagSet {
	switch s {
	case live:
		return "~@mock-only && @assumption"
	case documented:
		return "@mock-only && ~@assumption"
	case everything:
		return "@mock-only && @assumption"
	}
	return s
}

func (s tagSet) String() string {
	if s == "" {
		return "every scenario"
	}
	return fmt.Sprintf("-tags '%s'", string(s))
}

// brokenServers lists every flaw of the reference server, the narrowest tag set
// that must catch it, and what the failure output must say.
var brokenServers = []struct {
	flaw refserver.Flaw
	set  tagSet
	want []string // each must appear in the failure output of set
}{
	// Documented behaviour: caught by a live run of the documented scenarios.
	{refserver.PatchNoContent, liveDocumented, []string{`[status-documented, documented] status = 204; want 200`}},
	{refserver.ChangeNotKept, liveDocumented, []string{`[read-matches-model, documented] status = "active"; want "investigating"`}},
	{refserver.RequiredMissing, liveDocumented, []string{`[body-schema, documented]`, `missing properties: 'alertType'`}},
	{refserver.EnumOutOfRange, liveDocumented, []string{`[body-schema, documented]`, "at /severity", "value must be one of"}},
	{refserver.InvalidAccepted, liveDocumented, []string{"Refused: a property the alert does not have", `[invalid-update-refused, documented] status = 200; want a client error (4xx)`, "conformanceUndeclaredProperty"}},
	{refserver.BareError, liveDocumented, []string{`[error-envelope, documented]`}},
	{refserver.NoActivityLog, liveDocumented, []string{`[log-chain, documented] activityLogs = no new entry, so the log ends at status "active"; want new entries that lead from "active" to the alert's status "investigating"`}},
	{refserver.NoAuth, liveDocumented, []string{`[auth-required, documented] status = 200; want 401`}},
	{refserver.NoRequestID, liveDocumented, []string{`[request-id-header, documented] missing the required header request-id`}},
	{refserver.NullNextLink, liveDocumented, []string{"at /@odata.nextLink: expected string, but got null"}},
	{refserver.TextPlain, liveDocumented, []string{`[json-content-type, documented] Content-Type = "text/plain"; want application/json`}},
	{refserver.ResolvedByNotSet, liveDocumented, []string{`[actor-recorded, documented] resolvedBy = null; want "conformance@contoso.com"`}},
	{refserver.FilterIgnored, liveDocumented, []string{`[filter-matches, documented]`}},
	{refserver.PatchClearsOthers, liveDocumented, []string{`[patch-keeps-unnamed, documented] catalogOfferId = null; want "MS-AZR-0017G" as before: an update keeps what it does not name`}},
	{refserver.PatchChangesAnother, liveDocumented, []string{`[read-matches-model, documented] status = "resolved"; want "active"`}},
	{refserver.ListStale, liveDocumented, []string{`[list-matches-model, documented] value[0].status = "active"; want "investigating"`}},
	{refserver.OrAsAnd, liveDocumented, []string{`0 alerts are listed; want the 5 of the whole list where "severity" is one of "high,low" and "status" is not "resolved"`}},
	{refserver.EqMatchesNothing, liveDocumented, []string{`0 alerts are listed; want the 5 of the whole list where "status" is "active"`}},
	{refserver.UnprefixedOnlyTop, liveDocumented, []string{`The "$" prefix is optional for a filter too`, `[filter-matches, documented]`, `want only alerts that meet $filter=status eq 'resolved'`}},
	{refserver.FilterAfterSelect, liveDocumented, []string{"Filtering on a property that is not selected", `0 alerts are listed; want the 5 of the whole list where "status" is "active"`}},
	{refserver.ListRedirects, liveDocumented, []string{`does not serve the partner security alerts API`, `answered 302`}},
	{refserver.RefusedButStored, liveDocumented, []string{`[refused-changes-nothing, documented] status = "resolved"; want "active" as before`}},
	{refserver.ReasonOutsideEnumIgnored, liveDocumented, []string{"Refused: a reason that does not exist", "resolvedReason = \"conformanceNotAMember\""}},
	{refserver.ReadOnlyIgnored, liveDocumented, []string{"Refused: the read-only display name", "changes of read-only properties derived from the description were not refused"}},
	{refserver.ReadOnlyStored, liveDocumented, []string{"Refused: the read-only display name", `the read-only displayName = "conformance-probe"`}},
	{refserver.WrongCaseAccepted, liveDocumented, []string{"Refused: a status in the wrong letter case", `status = "Active" (the member "active" in another letter case)`}},
	{refserver.NullStatusIgnored, liveDocumented, []string{"Refused: a null status", "status = null (null, though the property is not nullable)"}},
	{refserver.NumberStatusAccepted, liveDocumented, []string{"Refused: a status that is a number", "status = 1 (a number, which the schema does not allow)"}},
	{refserver.TrailingDataAccepted, liveDocumented, []string{"Refused: two JSON objects", "status = 200; want a client error (4xx)"}},
	{refserver.UnknownFutureValueApplied, liveDocumented, []string{`[patch-applies-named, documented] status = "unknownFutureValue"; want "investigating" as before: unknownFutureValue means no change`}},
	{refserver.PatchIgnoresReason, liveDocumented, []string{`[patch-applies-named, documented] resolvedReason = null; want`}},
	{refserver.LostUpdate, liveDocumented, []string{`Status changes sent at once are each recorded once`, `[log-append-only, documented]`}},
	{refserver.LogTwice, liveDocumented, []string{`[log-chain, documented]`, "where the entry before it ended"}},
	{refserver.LogNewestFirst, liveDocumented, []string{`[log-append-only, documented] activityLogs = [{"statusFrom":"investigating"`}},
	{refserver.ClockOffHours, liveDocumented, []string{`[change-time, documented]`, "want the time of the update, between"}},
	{refserver.NonUTCTimes, liveDocumented, []string{`[utc-date-times, documented]`, "want UTC, ending in Z"}},
	{refserver.TimeNotRoundTrip, liveDocumented, []string{`[read-matches-model, documented]`, `updatedDateTime`}},
	{refserver.OmitNulls, liveDocumented, []string{"want every property of the type, null when it has no value"}},
	{refserver.NeExcludesNull, liveDocumented, []string{`where "resolvedReason" is not "fraud"`, "missing"}},
	{refserver.EqNullMatchesNothing, liveDocumented, []string{`0 alerts are listed; want the 9 of the whole list where "resolvedReason" is null`}},
	{refserver.CountIgnoresFilter, liveDocumented, []string{`[count-consistent, documented] @odata.count = 12; want 5`}},
	{refserver.UnknownIDIs400, liveDocumented, []string{"Reading an alert that does not exist is a 404", "status = 400; want 404"}},
	{refserver.PatchAnswersOld, liveDocumented, []string{`[patch-applies-named, documented] status = "active"; want`}},
	{refserver.SelectIgnoredOnGet, liveDocumented, []string{"Read only some properties of an alert", "want exactly id,status"}},
	{refserver.ActorFixed, liveDocumented, []string{`[actor-recorded, documented]`, `updatedBy = "admin@contoso.com"; want "conformance@contoso.com"`}},
	{refserver.FixedRequestID, liveDocumented, []string{`[request-id-unique, documented] header request-id = "0dd686c8-6380-42ef-b98e-45b8cbf494b2" again`}},
	{refserver.BOMInBody, liveDocumented, []string{"[json-body, documented]", "starts with a byte order mark"}},
	{refserver.DuplicateName, liveDocumented, []string{`[json-unique-names, documented] body = an object naming "displayName" twice`}},
	{refserver.NoDateHeader, liveDocumented, []string{"[date-header, documented] no Date header"}},
	{refserver.ServerClockHoursOff, liveDocumented, []string{"[date-header, documented] header Date = "}},
	{refserver.DateFrozen, liveDocumented, []string{"Changes made a while apart are logged that far apart", "[server-clock-steady, documented] header Date = "}},
	{refserver.ClockFrozen, liveDocumented, []string{"[change-time, documented]"}},
	{refserver.SelectDropsNull, liveDocumented, []string{"[select-carries-selected, documented]", "want every selected property; missing resolvedReason"}},
	{refserver.PagesOf3DropQuery, liveDocumented, []string{"[next-link, documented]", "want a URL that keeps $filter=status eq 'active' of the listing"}},
	{refserver.StampOnEveryChange, liveDocumented, []string{`[patch-keeps-unnamed, documented] resolvedOnDateTime = "`}},
	{refserver.Bare401, liveDocumented, []string{"Reading without signing in", `Content-Type = "text/plain; charset=utf-8"; want application/json`}},
	{refserver.RootNotServiceDocument, liveDocumented, []string{"The service root is the OData service document", "status = 404; want 200"}},
	{refserver.MetadataJSON, liveDocumented, []string{"The metadata document describes the partner security alert", `Content-Type = "application/json"; want application/xml (CSDL XML)`}},
	{refserver.MetadataWithoutAlert, liveDocumented, []string{"the metadata declares no entity type microsoft.graph.partner.security.partnerSecurityAlert"}},
	{refserver.MetadataStatusNullable, liveDocumented, []string{"status: metadata nullable true, description nullable false"}},
	{refserver.BatchIDsByPosition, liveDocumented, []string{"Each response is found by its request's id", "responses are matched to requests by id, not by position"}},
	{refserver.BatchFailsWhole, liveDocumented, []string{"A bad request fails alone", "$batch: status = 400; want 200"}},
	{refserver.BatchWriteLost, liveDocumented, []string{"An update in a batch is kept", `batch response "read": the alert's "status" = "active"; want "investigating"`}},
	{refserver.BatchNo424, liveDocumented, []string{"A request whose dependency failed answers 424", `batch response "resolve": status = 200; want 424`}},
	{refserver.BatchDuplicateIDs, liveDocumented, []string{"Ids that differ only in letter case are refused", "$batch: status = 200; want 400"}},
	{refserver.BatchNoLimit, liveDocumented, []string{"A batch holds at most 20 requests", "$batch: status = 200; want 400"}},

	// A documented shape of request mishandled: the request variants
	// (variant.go) send every shape in a run, so the documented run fails.
	{refserver.AcceptJSONOnly, liveDocumented, []string{"answered 406; want 200", "accept=any"}},
	{refserver.ContentTypeParamsRefused, liveDocumented, []string{"status = 415; want 200", "content-type=charset", "content-type=odata"}},
	{refserver.EscapedDollarUnknown, liveDocumented, []string{"prefix=escaped", "status = 400; want 200"}},
	{refserver.TypeAnnotationRefused, liveDocumented, []string{"type=annotated", "answered 400; want 200"}},
	{refserver.HeaderNamesCaseSensitive, liveDocumented, []string{"header-case=lower", "header-case=upper", "status = 401; want 200"}},
	{refserver.LiteralQuoteBlocked, liveDocumented, []string{"encoding=literal", "status = 403; want 200"}},
	{refserver.ClientRequestIDStrict, liveDocumented, []string{"client-request-id=loose", "status = 400; want 200"}},

	// Documented behaviour reached with the token of a need (minted here; a
	// live run supplies it, see conformance.Needs).
	{refserver.NoPermissionCheck, liveDocumented, []string{"Updating with the permission to read only is forbidden", `[permission-enforced, documented] status = 200; want 403`}},
	{refserver.ReadPermissionListOnly, liveDocumented, []string{"Reading without a partner security permission is refused: I read the alert", "[permission-enforced, documented] status = 200; want 403"}},
	{refserver.ForbiddenAs401, liveDocumented, []string{"[permission-enforced, documented] status = 401; want 403"}},
	{refserver.ExpiredTokenAccepted, liveDocumented, []string{"An expired token is refused", `[token-validity, documented] status = 200; want 401`}},

	// Documented behaviour that only the mock's tools (injected faults) reach.
	{refserver.NoRetryAfter, documented, []string{`A throttled request says when to try again`, `the response has no header Retry-After`}},
	{refserver.RetryAfterDuration, documented, []string{`[retry-after-format, documented] header Retry-After = "1s"; want seconds (e.g. 2 or 2.128) or an HTTP date`}},
	{refserver.UnknownMemberLeaks, documented, []string{"A member added after unknownFutureValue reads as unknownFutureValue", "/severity"}},
	{refserver.OptInIgnored, documented, []string{"A client that accepts unknown members sees the member", `the alert's "severity" = "unknownFutureValue"; want "critical"`}},
	{refserver.NoPreferenceApplied, documented, []string{"A client that accepts unknown members sees the member", "Preference-Applied"}},
	{refserver.FilterUnknownNoMatch, documented, []string{"Filtering by unknownFutureValue finds the alert", "lists 0 alerts, not the alert under test"}},
	{refserver.FilterLaterMemberAccepted, documented, []string{"Filtering by a later member needs the client to accept", "status = 200; want 400"}},
	{refserver.BatchThrottlesEnvelope, documented, []string{"A throttled request answers 429 with its own Retry-After", "$batch: status = 429; want 200"}},

	// Our assumptions: caught only when the run includes @assumption scenarios.
	{refserver.ExtraPropertyInBody, live, []string{"[body-schema-strict, assumed]", "additionalProperties 'riskScore' not allowed"}},
	{refserver.InvalidIs422, live, []string{"[status-declared, assumed] status 422 is not declared for PATCH"}},
	{refserver.RequestIDNotUUID, live, []string{`[headers-declared, assumed] header request-id = "req-`}},
	{refserver.NumericDetail, live, []string{"[body-schema-strict, assumed]", "at /additionalDetails/ConnectionCount"}},
	{refserver.ContextWithoutEntity, live, []string{"[odata-context, assumed] @odata.context = "}},
	{refserver.SelectAddsID, live, []string{"Selecting properties without the id gives exactly those", "[select-only-selected, assumed]"}},
	{refserver.NextLinkLocalhost, live, []string{"[next-link-same-origin, assumed] @odata.nextLink = \"http://localhost:"}},
	{refserver.LastPageRepeats, live, []string{"[pages-no-duplicate, assumed]"}},
	{refserver.OrderByIgnored, live, []string{"Newest alerts first", "[orderby-honored, assumed]"}},
	{refserver.ListLags, live, []string{"A status change shows in the list at once", "[list-read-your-writes, assumed]"}},
	{refserver.OmittedReasonClears, live, []string{`Repeating "resolved" without a reason keeps the reason`, `[patch-keeps-unnamed, documented] resolvedReason = null; want "fraud"`}},
	{refserver.DateFilterNothing, live, []string{`0 alerts are listed; want the 5 of the whole list where "detectedDateTime" is on or after "2024-06-01T00:00:00Z"`}},
	{refserver.NextLinkDropsSelect, live, []string{`[next-link, documented]`, `a URL that keeps $select=id,status,detectedDateTime`}},
	{refserver.NextLinkDropsOrderBy, live, []string{`[next-link, documented]`, `a URL that keeps $orderby=detectedDateTime desc`}},
	{refserver.OrderByLosesAlerts, live, []string{"Newest alerts first", "no alerts are listed; want some to check"}},
	{refserver.NullDateIsZero, live, []string{`[filter-matches, documented]`, `want only alerts that meet $filter=resolvedOnDateTime lt 2100-01-01T00:00:00Z`}},
	{refserver.CountIsPageSize, live, []string{`"@odata.count" = 1; want`}},
	{refserver.InnerRequestIDDiffers, live, []string{`[inner-error-ids, assumed] innerError.request-id = `}},
	{refserver.ClaimsChallenge, live, []string{`[no-claims-challenge, assumed]`, `want no claims challenge`}},
}

// TestBrokenServersFail runs the suite against the reference server with one
// deliberate flaw at a time. Each flaw declares the narrowest tag set that
// catches it: every narrower set must pass (so a flaw declared as caught only
// with assumptions is in fact missed by the documented scenarios: the tags are
// honest both ways), and the scenarios of the set beyond the narrower ones
// must fail, naming the broken expectation. (Running the narrower sets and the
// rest, rather than the whole set again, costs one run of the set.)
func TestBrokenServersFail(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite once per flaw and tag set")
	}
	for _, tt := range brokenServers {
		t.Run(string(tt.flaw), func(t *testing.T) {
			t.Parallel()
			base := serve(t, refserver.New(tt.flaw))
			for _, narrower := range tt.set.narrower() {
				if status, out := runQuietly(t, base, string(narrower)); status != 0 {
					t.Errorf("suite status = %d with %s against a server where %s; want 0, since the flaw is declared as caught only by %s; output:\n%s", status, narrower, tt.flaw, tt.set, failures(out))
				}
			}
			status, out := runQuietly(t, base, string(tt.set.beyond()))
			if status == 0 {
				t.Fatalf("suite status = 0 with %s against a server where %s; want a failure", tt.set.beyond(), tt.flaw)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("the failure output of %s does not name the broken expectation %q; output:\n%s", tt.set.beyond(), w, failures(out))
				}
			}
		})
	}
}

// TestEveryFlawIsDeclared reads the Flaw constants from the reference server's
// source and checks that each has its entry in brokenServers, once.
func TestEveryFlawIsDeclared(t *testing.T) {
	var flaws []refserver.Flaw
	for _, v := range constants(t, "internal/refserver/refserver.go", "Flaw") {
		if v != "" {
			flaws = append(flaws, refserver.Flaw(v))
		}
	}
	if len(flaws) < 40 {
		t.Fatalf("found %d flaws in refserver.go; want the whole list", len(flaws))
	}
	seen := map[refserver.Flaw]int{}
	for _, tt := range brokenServers {
		seen[tt.flaw]++
	}
	for _, f := range flaws {
		if seen[f] != 1 {
			t.Errorf("flaw %q is declared %d times in brokenServers; want once", f, seen[f])
		}
	}
	if got, want := len(brokenServers), len(flaws); got != want {
		t.Errorf("brokenServers has %d entries; want one per flaw, %d", got, want)
	}
}

// constants returns the values of the string constants of the named type
// declared in a source file.
func constants(t *testing.T, file, typ string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Values) == 1 {
			if id, ok := vs.Type.(*ast.Ident); ok && id.Name == typ {
				if lit, ok := vs.Values[0].(*ast.BasicLit); ok {
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, v)
				}
			}
		}
		return true
	})
	return out
}

// failures returns the part of godog's progress output that lists failed steps.
func failures(out string) string {
	if i := strings.Index(out, "--- Failed steps:"); i >= 0 {
		out = out[i:]
	}
	if len(out) > 6000 {
		out = out[:6000] + "…"
	}
	return out
}

// TestVariantsCatchWhatOneShapeMisses runs the live documented scenarios in
// the harness's own request shape alone (-variant base) against the servers
// that mishandle another documented shape: they pass, so it is the request
// variants that fail them in TestBrokenServersFail.
func TestVariantsCatchWhatOneShapeMisses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite once per flaw")
	}
	for _, flaw := range []refserver.Flaw{refserver.AcceptJSONOnly, refserver.ContentTypeParamsRefused, refserver.EscapedDollarUnknown,
		refserver.HeaderNamesCaseSensitive, refserver.LiteralQuoteBlocked, refserver.ClientRequestIDStrict} {
		t.Run(string(flaw), func(t *testing.T) {
			t.Parallel()
			cfg := conformance.Config{BaseURL: serve(t, refserver.New(flaw)), Variant: "base"}
			if status, out := runConfigured(t, cfg, string(liveDocumented)); status != 0 {
				t.Errorf("suite status = %d with %s in the base shape against a server where %s; want 0; output:\n%s", status, liveDocumented, flaw, failures(out))
			}
		})
	}
}

// TestEveryRuleHasABrokenServer checks that every rule of the oracle is
// broken by at least one flaw, or (an assumed rule) one faithful server,
// whose expected output names the rule: each rule can fail.
func TestEveryRuleHasABrokenServer(t *testing.T) {
	for _, r := range oracle.Rules() {
		tag := "[" + r.ID + ", " + string(r.Label) + "]"
		found := false
		for _, tt := range brokenServers {
			for _, w := range tt.want {
				found = found || strings.Contains(w, tag)
			}
		}
		for _, tt := range faithfulServers {
			for _, w := range tt.assumed {
				found = found || strings.Contains(w, tag)
			}
		}
		if !found {
			t.Errorf("no broken server names %s in its expected output; want one that breaks the rule", tag)
		}
	}
}
