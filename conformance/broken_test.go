package conformance_test

import (
	"strings"
	"testing"

	"github.com/partner-security/alertmock/conformance/internal/refserver"
)

// TestBrokenServersFail runs the whole suite against the reference server with
// one deliberate flaw at a time: the suite must fail, and its output must name
// the expectation the flaw breaks.
func TestBrokenServersFail(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite once per flaw")
	}
	tests := []struct {
		flaw refserver.Flaw
		want []string // each must appear in the failure output
	}{
		{refserver.PatchNoContent, []string{"status 204 is not declared for PATCH /security/partner/securityAlerts/{partnerSecurityAlertId}"}},
		{refserver.ChangeNotKept, []string{`the alert's "status" = "active"; want "investigating"`}},
		{refserver.RequiredMissing, []string{"body is not a valid microsoft.graph.partner.security.partnerSecurityAlertEntity", "missing properties: 'alertType'"}},
		{refserver.EnumOutOfRange, []string{"at /severity", "value must be one of"}},
		{refserver.InvalidAccepted, []string{"Refused: a property the alert does not have", "status = 200; want 400"}},
		{refserver.BareError, []string{"body is not a valid microsoft.graph.ODataErrors.ODataError"}},
		{refserver.NoActivityLog, []string{"the activity log has 0 new entries", "want 1"}},
		{refserver.NoAuth, []string{"status = 200; want 401"}},
		{refserver.NoRequestID, []string{"missing the required header request-id"}},
		{refserver.NullNextLink, []string{"at /@odata.nextLink: expected string, but got null"}},
		{refserver.TextPlain, []string{`Content-Type = "text/plain"; want application/json`}},
		{refserver.ResolvedByNotSet, []string{`the alert's "resolvedBy" = null; want "conformance@contoso.com"`}},
		{refserver.ReopenKeepsResolution, []string{"Reopening a resolved alert clears its resolution", `the alert's "resolvedBy" = "conformance@contoso.com"; want null`}},
		{refserver.ClientRequestIDIgnored, []string{`header client-request-id = `, `want "7d4c1f0e-3a2b-4c5d-9e8f-0a1b2c3d4e5f"`}},
		{refserver.FilterIgnored, []string{`has "status" = `, `want "active"`}},
		{refserver.TopIgnored, []string{"alerts are listed; want 2"}},
		{refserver.AnyContentType, []string{"status = 200; want 415"}},
		{refserver.NoSizeLimit, []string{"want 413"}},
		{refserver.NoPermissionCheck, []string{"status = 200; want 403"}},
		{refserver.NoRetryAfter, []string{"missing the required header Retry-After"}},
		{refserver.ExtraPropertyInBody, []string{"additionalProperties 'riskScore' not allowed"}},
		{refserver.ReopenInvestigatingKeep, []string{"Reopen a resolved alert as investigating", `the alert's "resolvedBy" = "conformance@contoso.com"; want null`}},
		{refserver.StampOnEveryChange, []string{"Starting an investigation does not resolve the alert", `the alert's "resolvedOnDateTime" = "`}},
		{refserver.OmittedReasonClears, []string{`Repeating "resolved" without a reason keeps the reason`, `the alert's "resolvedReason" = null; want "fraud"`}},
		{refserver.PatchClearsOthers, []string{"the alert differs from the alert before the update (status and resolution aside)", `"catalogOfferId" = null; want "MS-AZR-0017G"`}},
		{refserver.PatchChangesAnother, []string{"the other alert 5f6e6521-6e5f-4b0b-80aa-000000000001 changed", `"status" = "resolved"; want "active"`}},
		{refserver.ListStale, []string{`the list shows the alert under test with "status" = "active"; want "investigating"`}},
		{refserver.EqMatchesNothing, []string{`0 alerts are listed; want the 5 of the whole list where "status" is "active"`}},
		{refserver.OrAsAnd, []string{`0 alerts are listed; want the 5 of the whole list where "severity" is one of "high,low" and "status" is not "resolved"`}},
		{refserver.DateFilterNothing, []string{`0 alerts are listed; want the 5 of the whole list where "detectedDateTime" is on or after "2024-06-01T00:00:00Z"`}},
		{refserver.NextLinkDropsSelect, []string{"want it to keep $select=id,status,detectedDateTime"}},
		{refserver.NextLinkDropsOrderBy, []string{"want it to keep $orderby=detectedDateTime desc"}},
		{refserver.EmptyTrailingPage, []string{"page 7 of 7", "lists no alerts, though page 6 linked to it"}},
		{refserver.TopAtMost100, []string{"$top=999: status = 400; want 200"}},
		{refserver.RetryAfterDuration, []string{`header Retry-After = "1s"; want seconds (e.g. 2 or 2.128) or an HTTP date`}},
		{refserver.PlainJSONOnListAndPatch, []string{"The list is sent as OData JSON", "The updated alert is sent as OData JSON", `header Content-Type = "application/json"; want the parameter odata.metadata=minimal`}},
		{refserver.UnprefixedOnlyTop, []string{`The "$" prefix is optional for a filter too`, `has "status" = "active"; want "resolved"`}},
		{refserver.ReadPermissionListOnly, []string{"Reading without a partner security permission is forbidden: I read the alert", "status = 200; want 403"}},
		{refserver.FilterAfterSelect, []string{"Filtering on a property that is not selected", `0 alerts are listed; want the 5 of the whole list where "status" is "active"`}},
		{refserver.ListRedirects, []string{"status 302 is not declared for GET /security/partner/securityAlerts"}},
		{refserver.OrderByLosesAlerts, []string{"Newest alerts first", "0 alerts are listed; want the 12 of the whole list: missing"}},
		{refserver.ContentTypePrefix, []string{"Refused: a body declared as application/json-patch+json", "status = 200; want 415"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.flaw), func(t *testing.T) {
			t.Parallel()
			status, out := runQuietly(t, serve(t, refserver.New(tt.flaw)))
			if status == 0 {
				t.Fatalf("suite status = 0 against a server where %s; want a failure", tt.flaw)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("the failure output does not name the broken expectation %q; output:\n%s", w, failures(out))
				}
			}
		})
	}
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
