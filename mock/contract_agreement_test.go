package mock_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/partner-security/alertmock/mock"
	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/openapi"
)

// describedVerdict asks the description whether a PATCH body is valid, with
// both validators a client team is likely to use: a JSON Schema 2020-12
// validator on partnerSecurityAlertUpdate, and kin-openapi's request
// validation of the operation. The two must agree with each other.
type describedVerdict struct {
	t        *testing.T
	validate func(any) error
	kin      func(body string) error
}

func newDescribedVerdict(t *testing.T) *describedVerdict {
	t.Helper()
	s, err := openapi.NewSchemas()
	if err != nil {
		t.Fatal(err)
	}
	sch, err := s.Compile(openapi.SchemaAlertUpdate)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	doc, err := openapi.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	kin := func(body string) error {
		req := httptest.NewRequest(http.MethodPatch, "http://127.0.0.1"+openapi.BasePath+"/security/partner/securityAlerts/"+alert.DocumentedID, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		route, params, err := router.FindRoute(req)
		if err != nil {
			return fmt.Errorf("route: %w", err)
		}
		return openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		})
	}
	return &describedVerdict{t: t, validate: sch.Validate, kin: kin}
}

// valid returns the description's verdict on body (which must be JSON).
func (d *describedVerdict) valid(body string) (bool, string) {
	d.t.Helper()
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		d.t.Fatalf("test body %s is not JSON: %v", body, err)
	}
	schemaErr := d.validate(v)
	kinErr := d.kin(body)
	if (schemaErr == nil) != (kinErr == nil) {
		d.t.Errorf("%s: JSON Schema says %v, kin-openapi says %v; the description must not depend on the validator", body, schemaErr, kinErr)
	}
	if schemaErr != nil {
		return false, schemaErr.Error()
	}
	return true, ""
}

// patchMock sends body as a PATCH of the documented alert and returns the status.
func patchMock(t *testing.T, base, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPatch, base+openapi.BasePath+"/security/partner/securityAlerts/"+alert.DocumentedID, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Mock-Session", "contract-agreement")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func newAgreementServer(t *testing.T) string {
	t.Helper()
	srv, err := mock.New(mock.Config{DisableAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}

// TestPatchBodiesContractAgreesWithMock sends PATCH bodies to the mock and
// checks its verdict against the description's, both ways: every body the
// description accepts the mock answers 200, every body it rejects the mock
// answers 400. The table holds the four bodies the description used to accept
// while the mock refused them (issue #9) and one of each rule; the test after
// it covers every combination of member values.
func TestPatchBodiesContractAgreesWithMock(t *testing.T) {
	base := newAgreementServer(t)
	described := newDescribedVerdict(t)
	tests := []struct {
		name  string
		body  string
		valid bool // what both must say
	}{
		{"reason with active (issue #9)", `{"status":"active","resolvedReason":"fraud"}`, false},
		{"reason with investigating (issue #9)", `{"status":"investigating","resolvedReason":"legitimate"}`, false},
		{"null reason with active (issue #9)", `{"status":"active","resolvedReason":null}`, false},
		{"reason with the status sentinel (issue #9)", `{"status":"unknownFutureValue","resolvedReason":"fraud"}`, false},
		{"documented request", `{"status":"resolved","resolvedReason":"fraud"}`, true},
		{"status only", `{"status":"investigating"}`, true},
		{"clear the reason", `{"status":"resolved","resolvedReason":null}`, true},
		{"reason sentinel with any status", `{"status":"active","resolvedReason":"unknownFutureValue"}`, true},
		{"both sentinels", `{"status":"unknownFutureValue","resolvedReason":"unknownFutureValue"}`, true},
		{"type annotation", `{"@odata.type":"#microsoft.graph.partner.security.partnerSecurityAlert","status":"resolved"}`, true},
		{"type annotation without #", `{"@odata.type":"microsoft.graph.partner.security.partnerSecurityAlert","status":"active"}`, true},
		{"wrong type annotation", `{"@odata.type":"#microsoft.graph.user","status":"resolved"}`, false},
		{"empty object", `{}`, false},
		{"reason without status", `{"resolvedReason":"fraud"}`, false},
		{"null status", `{"status":null}`, false},
		{"number status", `{"status":1}`, false},
		{"mis-cased status", `{"status":"Resolved"}`, false},
		{"unknown reason", `{"status":"resolved","resolvedReason":"maybe"}`, false},
		{"read-only property", `{"status":"resolved","resolvedBy":"me@contoso.com"}`, false},
		{"read-only id with its own value", `{"status":"resolved","id":"` + alert.DocumentedID + `"}`, false},
		{"unknown property", `{"status":"resolved","foo":1}`, false},
		{"array", `[{"status":"resolved"}]`, false},
		{"string", `"resolved"`, false},
		{"null", `null`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			desc, why := described.valid(tt.body)
			status, answer := patchMock(t, base, tt.body)
			if desc != tt.valid {
				t.Errorf("description says valid=%v (%s); want %v", desc, why, tt.valid)
			}
			if want := map[bool]int{true: 200, false: 400}[tt.valid]; status != want {
				t.Errorf("mock answered %d; want %d\n%s", status, want, answer)
			}
		})
	}
}

// TestPatchMemberCombinationsAgree sends every combination of a value for
// status, resolvedReason, @odata.type and one other member (each absent, valid,
// null, or wrong in a way) and requires the mock's verdict to be the
// description's in every case.
func TestPatchMemberCombinationsAgree(t *testing.T) {
	base := newAgreementServer(t)
	described := newDescribedVerdict(t)
	const absent = "<absent>"
	statuses := []string{absent, `"active"`, `"resolved"`, `"investigating"`, `"unknownFutureValue"`, `null`, `"closed"`, `2`, `"Active"`}
	reasons := []string{absent, `"legitimate"`, `"ignore"`, `"fraud"`, `"unknownFutureValue"`, `null`, `"maybe"`, `true`}
	types := []string{absent, `"#microsoft.graph.partner.security.partnerSecurityAlert"`, `"microsoft.graph.partner.security.partnerSecurityAlert"`, `"#microsoft.graph.partner.security.activityLog"`, `7`}
	others := []string{absent, `"severity":"low"`, `"riskScore":7`, `"@odata.context":"x"`}
	n, accepted := 0, 0
	for _, st := range statuses {
		for _, rr := range reasons {
			for _, ty := range types {
				for _, other := range others {
					var members []string
					add := func(name, v string) {
						if v != absent {
							members = append(members, fmt.Sprintf("%q:%s", name, v))
						}
					}
					add("@odata.type", ty)
					add("status", st)
					add("resolvedReason", rr)
					if other != absent {
						members = append(members, other)
					}
					body := "{" + strings.Join(members, ",") + "}"
					desc, why := described.valid(body)
					status, answer := patchMock(t, base, body)
					n++
					if desc {
						accepted++
					}
					if (status == http.StatusOK) != desc || (status != http.StatusOK && status != http.StatusBadRequest) {
						t.Errorf("%s: mock answered %d, description says valid=%v %s\n%s", body, status, desc, why, answer)
					}
				}
			}
		}
	}
	// Guard against a loop that tests nothing: every combination was sent,
	// and the description accepted some but not all of them.
	if n != 9*8*5*4 || accepted == 0 || accepted == n {
		t.Errorf("sent %d bodies, %d accepted; the combinations are not what the test means", n, accepted)
	}
	t.Logf("%d bodies, %d accepted by both", n, accepted)
}

// TestPatchRulesOutsideJSONSchema lists what the mock enforces on a PATCH body
// that a JSON Schema cannot say, because it concerns the JSON text rather than
// the value (docs/contract.md lists the same). The description accepts the
// value each decodes to; the mock answers 400.
func TestPatchRulesOutsideJSONSchema(t *testing.T) {
	base := newAgreementServer(t)
	described := newDescribedVerdict(t)
	tests := []struct{ name, body, value string }{
		{"a member twice", `{"status":"active","status":"resolved"}`, `{"status":"resolved"}`},
		{"byte order mark", "\ufeff" + `{"status":"resolved"}`, `{"status":"resolved"}`},
		{"a second value after the object", `{"status":"resolved"}{}`, `{"status":"resolved"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ok, why := described.valid(tt.value); !ok {
				t.Fatalf("the description rejects the decoded value %s (%s); this rule is then expressible, move it to the agreement table", tt.value, why)
			}
			if status, answer := patchMock(t, base, tt.body); status != http.StatusBadRequest {
				t.Errorf("mock answered %d; want 400\n%s", status, answer)
			}
			if !bytes.Contains(contractDoc(t), []byte(tt.name)) {
				t.Errorf("docs/contract.md does not name the rule %q", tt.name)
			}
		})
	}
}

// contractDoc returns docs/contract.md, where the rules above are written down.
func contractDoc(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "contract.md"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
