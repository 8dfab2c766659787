package conformance

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/partner-security/alertmock/openapi"
)

// TestContractCheck feeds Contract.Check one response at a time and checks what
// it reports.
func TestContractCheck(t *testing.T) {
	c, err := NewContract(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	const (
		alertPath = "/beta/security/partner/securityAlerts/d8b202fc-a216-3404-69ef-bdffa445eff6"
		rid       = "0dd686c8-6380-42ef-b98e-45b8cbf494b2"
		odataJSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
		alert     = `{"@odata.context":"http://h/beta/$metadata#security/partner/securityAlerts/$entity","id":"a","alertType":"t","confidenceLevel":"low","customerTenantId":"c","detectedDateTime":"2024-01-23T16:03:33.05Z","displayName":"d","severity":"high","status":"active","subscriptionId":"s"}`
		envelope  = `{"error":{"code":"ResourceNotFound","message":"m","innerError":{"date":"2024-01-23T16:03:33","request-id":"` + rid + `","client-request-id":"x"}}}`
	)
	ids := map[string]string{"request-id": rid, "client-request-id": "x"}
	tests := []struct {
		name         string
		method, path string
		base         string
		status       int
		headers      map[string]string
		contentType  string
		body         string
		want         string // "" for no violation, else a substring of it
	}{
		{name: "valid alert", method: "GET", path: alertPath, status: 200, headers: ids, contentType: odataJSON, body: alert},
		{name: "valid alert behind a proxy path", method: "GET", path: "/graph" + alertPath, base: "/graph/beta", status: 200, headers: ids, contentType: odataJSON, body: alert},
		{name: "PATCH 204", method: "PATCH", path: alertPath, status: 204, headers: ids, want: "status 204 is not declared for PATCH /security/partner/securityAlerts/{partnerSecurityAlertId}"},
		{name: "404 on the list is not declared", method: "GET", path: "/beta/security/partner/securityAlerts", status: 404, headers: ids, contentType: "application/json", body: envelope, want: "status 404 is not declared"},
		{name: "no request-id", method: "GET", path: alertPath, status: 200, headers: map[string]string{"client-request-id": "x"}, contentType: odataJSON, body: alert, want: "missing the required header request-id"},
		{name: "request-id not a UUID", method: "GET", path: alertPath, status: 200, headers: map[string]string{"request-id": "42", "client-request-id": "x"}, contentType: odataJSON, body: alert, want: `header request-id = "42"; want a UUID`},
		{name: "text/plain", method: "GET", path: alertPath, status: 200, headers: ids, contentType: "text/plain", body: alert, want: `Content-Type = "text/plain"; want application/json`},
		{name: "required property missing", method: "GET", path: alertPath, status: 200, headers: ids, contentType: odataJSON, body: strings.Replace(alert, `"alertType":"t",`, "", 1), want: "missing properties: 'alertType'"},
		{name: "enum value outside the enum", method: "GET", path: alertPath, status: 200, headers: ids, contentType: odataJSON, body: strings.Replace(alert, `"high"`, `"critical"`, 1), want: "at /severity"},
		{name: "not JSON", method: "GET", path: alertPath, status: 200, headers: ids, contentType: odataJSON, body: `{"id":`, want: "not JSON"},
		{name: "error not in the envelope", method: "GET", path: alertPath, status: 404, headers: ids, contentType: "application/json", body: `{"code":"ResourceNotFound","message":"m"}`, want: "body is not a valid microsoft.graph.ODataErrors.ODataError"},
		{name: "error in the envelope", method: "GET", path: alertPath, status: 404, headers: ids, contentType: "application/json", body: envelope},
		{name: "unknown path answered 404", method: "GET", path: "/beta/security/partner/nothing", status: 404, headers: ids, contentType: "application/json", body: envelope},
		{name: "unknown path answered 200", method: "GET", path: "/beta/security/partner/nothing", status: 200, headers: ids, contentType: "application/json", body: envelope, want: "the description has no path /security/partner/nothing"},
		{name: "unknown method answered 405", method: "DELETE", path: alertPath, status: 405, headers: ids, contentType: "application/json", body: envelope},
		{name: "unknown method answered 204", method: "DELETE", path: alertPath, status: 204, headers: ids, contentType: "application/json", body: envelope, want: "want status 405, got 204"},
		{name: "429 without Retry-After", method: "GET", path: alertPath, status: 429, headers: ids, contentType: "application/json", body: envelope, want: "Retry-After"},
		{name: "429 with Retry-After in seconds", method: "GET", path: alertPath, status: 429, headers: map[string]string{"request-id": rid, "client-request-id": "x", "Retry-After": "2"}, contentType: "application/json", body: envelope},
		{name: "429 with Retry-After in seconds and a fraction", method: "GET", path: alertPath, status: 429, headers: map[string]string{"request-id": rid, "client-request-id": "x", "Retry-After": "2.128"}, contentType: "application/json", body: envelope},
		{name: "429 with Retry-After as an HTTP date", method: "GET", path: alertPath, status: 429, headers: map[string]string{"request-id": rid, "client-request-id": "x", "Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, contentType: "application/json", body: envelope},
		{name: "429 with Retry-After as a Go duration", method: "GET", path: alertPath, status: 429, headers: map[string]string{"request-id": rid, "client-request-id": "x", "Retry-After": "1s"}, contentType: "application/json", body: envelope, want: `header Retry-After = "1s"; want seconds`},
		{name: "429 with a negative Retry-After", method: "GET", path: alertPath, status: 429, headers: map[string]string{"request-id": rid, "client-request-id": "x", "Retry-After": "-1"}, contentType: "application/json", body: envelope, want: `header Retry-After = "-1"`},
		{name: "request outside the base path", method: "GET", path: "/v1.0/security/partner/securityAlerts", status: 200, headers: ids, contentType: odataJSON, body: `{"value":[]}`, want: `is not under the base path "/beta"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tt.base
			if base == "" {
				base = "/beta"
			}
			req := httptest.NewRequest(tt.method, "http://127.0.0.1:8080"+tt.path, nil)
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{}}
			for k, v := range tt.headers {
				resp.Header.Set(k, v)
			}
			if tt.contentType != "" {
				resp.Header.Set("Content-Type", tt.contentType)
			}
			err := c.Check(req, base, resp, []byte(tt.body))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Check = %v; want no violation", err)
			case tt.want != "" && err == nil:
				t.Errorf("Check = nil; want a violation containing %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("Check = %v; want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestEncodeQuery checks that readable queries become valid query strings that
// keep the "$" of option names.
func TestEncodeQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"$top=2", "$top=2"},
		{"$filter=status eq 'active'", "$filter=status%20eq%20%27active%27"},
		{"$select=id,status&$count=true", "$select=id%2Cstatus&$count=true"},
	}
	for _, tt := range tests {
		if got := encodeQuery(tt.in); got != tt.want {
			t.Errorf("encodeQuery(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestMintedTokenRoundTrip checks that minted tokens read back with the claims
// and actor the steps rely on.
func TestMintedTokenRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		c     claims
		actor string
	}{
		{"delegated", claims{UPN: "alice@contoso.com", Scopes: "PartnerSecurity.Read.All"}, "alice@contoso.com"},
		{"preferred_username only", claims{PreferredU: "bob@contoso.com", Scopes: "x"}, "bob@contoso.com"},
		{"application", claims{AppID: "app-1", Roles: []string{"PartnerSecurity.ReadWrite.All"}}, "app-1"},
		{"application by azp", claims{AZP: "app-2", Roles: []string{"r"}}, "app-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readClaims(mintToken(tt.c, nil))
			if err != nil {
				t.Fatal(err)
			}
			if got.actor() != tt.actor {
				t.Errorf("actor = %q; want %q", got.actor(), tt.actor)
			}
		})
	}
	if _, err := readClaims("opaque"); err == nil {
		t.Error("readClaims(opaque) = nil error; want one")
	}
}

// probeNames lists the "what" of each probe.
func probeNames(ps []probe) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.what)
	}
	return out
}

func hasProbe(tb testing.TB, ps []probe, prefix string) {
	tb.Helper()
	for _, p := range ps {
		if strings.HasPrefix(p.what, prefix) {
			return
		}
	}
	tb.Errorf("no probe starts with %q; probes:\n%s", prefix, strings.Join(probeNames(ps), "\n"))
}

// currentAlert is the documented alert as the harness reads it.
var currentAlert = map[string]any{
	"id": "d8b202fc-a216-3404-69ef-bdffa445eff6", "status": "active", "severity": "high", "confidenceLevel": "medium",
	"displayName": "d", "alertType": "t", "customerTenantId": "c", "subscriptionId": "s", "detectedDateTime": "2024-01-23T16:03:33.05Z",
	"isTest": false, "activityLogs": []any{}, "additionalDetails": map[string]any{"ConnectionCount": "5"}, "resolvedReason": nil,
}

// TestRefusalsFromDescription checks the refusals derived from the embedded
// description: every forbidden kind of value of status and resolvedReason,
// and a change of every read-only property.
func TestRefusalsFromDescription(t *testing.T) {
	c, err := NewContract(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	forbidden := c.model.forbiddenValues(currentAlert)
	for _, want := range []string{
		`status = "conformanceNotAMember" (not a member of the enum active, resolved, investigating, unknownFutureValue)`,
		`status = "Active" (the member "active" in another letter case)`,
		`status = 1 (a number`, `status = true (a boolean`, `status = {} (a object`, `status = [] (a array`,
		`status = null (null, though the property is not nullable)`,
		`resolvedReason = "conformanceNotAMember"`, `resolvedReason = "Legitimate"`, `resolvedReason = 1 (a number`,
	} {
		hasProbe(t, forbidden, want)
	}
	for _, p := range forbidden {
		if strings.HasPrefix(p.what, "resolvedReason = null") || strings.HasPrefix(p.what, "@odata.type") {
			t.Errorf("probe %q: null is allowed for resolvedReason, and annotations are not properties", p.what)
		}
		if p.body["status"] == nil && !strings.HasPrefix(p.what, "status = null") {
			t.Errorf("probe %q has no valid status: %v", p.what, p.body)
		}
	}
	if got, want := c.model.baseUpdate(currentAlert)["status"], "resolved"; got != want {
		t.Errorf("base update status = %v; want %q, a member other than the current one", got, want)
	}
	readOnly := c.model.readOnlyChanges(currentAlert)
	for _, name := range []string{"id", "activityLogs", "additionalDetails", "affectedResources", "alertType", "catalogOfferId", "confidenceLevel",
		"customerTenantId", "description", "detectedDateTime", "displayName", "firstObservedDateTime", "isTest", "lastObservedDateTime",
		"resolvedBy", "resolvedOnDateTime", "severity", "subscriptionId", "valueAddedResellerTenantId"} {
		hasProbe(t, readOnly, "the read-only "+name+" = ")
	}
	for _, p := range readOnly {
		if strings.Contains(p.what, "read-only status") || strings.Contains(p.what, "read-only resolvedReason") {
			t.Errorf("probe %q: a writable property is not read-only", p.what)
		}
	}
	hasProbe(t, readOnly, `the read-only confidenceLevel = "low"`)
	hasProbe(t, readOnly, `the read-only isTest = true`)
	hasProbe(t, readOnly, `the read-only activityLogs = [{"statusFrom":"active"`)
	if u := c.model.undeclared(currentAlert); !strings.HasPrefix(u.what, "conformanceUndeclaredProperty") {
		t.Errorf("undeclared probe = %q", u.what)
	}
}

// TestRefusalsFollowTheDescription edits the description as a new revision
// might (a new status member, a new writable and a new read-only property,
// the body schema behind another wrapper) and checks that the probes follow
// without a change to any feature.
func TestRefusalsFollowTheDescription(t *testing.T) {
	y := string(openapi.YAML())
	edits := []struct{ old, new string }{
		{"enum: [active, resolved, investigating, unknownFutureValue]", "enum: [active, resolved, investigating, dismissed, unknownFutureValue]"},
		{`        resolvedReason:
          anyOf:
            - $ref: '#/components/schemas/microsoft.graph.partner.security.securityAlertResolvedReason'
            - type: 'null'
      additionalProperties: false`, `        resolvedReason:
          anyOf:
            - $ref: '#/components/schemas/microsoft.graph.partner.security.securityAlertResolvedReason'
            - type: 'null'
        comment:
          type: string
      additionalProperties: false`},
		{`        valueAddedResellerTenantId:
          type: [string, 'null']
          readOnly: true`, `        valueAddedResellerTenantId:
          type: [string, 'null']
          readOnly: true
        riskScore:
          type: integer
          readOnly: true`},
		{`              $ref: '#/components/schemas/microsoft.graph.partner.security.partnerSecurityAlertUpdate'`, `              allOf:
                - $ref: '#/components/schemas/microsoft.graph.partner.security.partnerSecurityAlertUpdate'`},
	}
	for _, e := range edits {
		if !strings.Contains(y, e.old) {
			t.Fatalf("the description no longer has %q; update this test's edit", e.old)
		}
		y = strings.Replace(y, e.old, e.new, 1)
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	m, err := modelFromDescription(doc)
	if err != nil {
		t.Fatal(err)
	}
	forbidden := m.forbiddenValues(currentAlert)
	hasProbe(t, forbidden, `status = "conformanceNotAMember" (not a member of the enum active, resolved, investigating, dismissed, unknownFutureValue)`)
	hasProbe(t, forbidden, `comment = 1 (a number`)
	hasProbe(t, forbidden, `comment = null (null, though the property is not nullable)`)
	hasProbe(t, m.readOnlyChanges(currentAlert), `the read-only riskScore = 7`)
}
