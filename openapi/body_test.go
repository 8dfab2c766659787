package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// patchBodies are the request bodies the description must accept or reject.
var patchBodies = []struct {
	name  string
	body  string
	valid bool
}{
	{"documented request", `{"status":"resolved","resolvedReason":"fraud"}`, true},
	{"status only", `{"status":"investigating"}`, true},
	{"type annotation", `{"@odata.type":"#microsoft.graph.partner.security.partnerSecurityAlert","status":"resolved"}`, true},
	{"resolvedReason null", `{"status":"resolved","resolvedReason":null}`, true},
	{"evolvable sentinel", `{"status":"unknownFutureValue"}`, true},
	{"empty object", `{}`, false},
	{"bad status", `{"status":"bogus"}`, false},
	{"null status", `{"status":null}`, false},
	{"number status", `{"status":1}`, false},
	{"bad resolvedReason", `{"status":"resolved","resolvedReason":"maybe"}`, false},
	{"read-only displayName", `{"status":"resolved","displayName":"x"}`, false},
	{"read-only id", `{"status":"resolved","id":"x"}`, false},
	{"unknown property", `{"status":"resolved","foo":1}`, false},
	{"mis-cased enum", `{"status":"Resolved"}`, false},
	{"wrong type annotation", `{"@odata.type":"#microsoft.graph.user","status":"resolved"}`, false},
	{"array body", `[{"status":"resolved"}]`, false},
	// resolvedReason needs status resolved, unless it is unknownFutureValue
	// ("no change"): the mock's rule, stated in the description.
	{"reason with active", `{"status":"active","resolvedReason":"fraud"}`, false},
	{"reason with investigating", `{"status":"investigating","resolvedReason":"legitimate"}`, false},
	{"null reason with active", `{"status":"active","resolvedReason":null}`, false},
	{"reason with unknownFutureValue status", `{"status":"unknownFutureValue","resolvedReason":"fraud"}`, false},
	{"sentinel reason with active", `{"status":"active","resolvedReason":"unknownFutureValue"}`, true},
	{"sentinel reason and status", `{"status":"unknownFutureValue","resolvedReason":"unknownFutureValue"}`, true},
	{"ignore with resolved", `{"status":"resolved","resolvedReason":"ignore"}`, true},
	{"reason without status", `{"resolvedReason":"fraud"}`, false},
}

// TestPatchBodySchema checks the PATCH body schema with a JSON Schema 2020-12
// compiler (jsonschema/v5), as the harness and the mock compile it.
func TestPatchBodySchema(t *testing.T) {
	s, err := NewSchemas()
	if err != nil {
		t.Fatal(err)
	}
	sch, err := s.Compile(SchemaAlertUpdate)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range patchBodies {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tt.body), &v); err != nil {
				t.Fatal(err)
			}
			err := sch.Validate(v)
			if got := err == nil; got != tt.valid {
				t.Errorf("Validate(%s) = %v; want valid=%v", tt.body, err, tt.valid)
			}
		})
	}
}

// TestPatchBodyKinOpenAPI checks the same bodies through kin-openapi's request
// validation of the PATCH operation, routed from the loaded description.
func TestPatchBodyKinOpenAPI(t *testing.T) {
	ctx := context.Background()
	doc, err := Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range patchBodies {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPatch, "http://127.0.0.1:8080"+BasePath+"/security/partner/securityAlerts/d8b202fc-a216-3404-69ef-bdffa445eff6", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("FindRoute: %v", err)
			}
			if route.Operation.OperationID != "security.partner.UpdateSecurityAlerts" {
				t.Fatalf("operation = %s; want the update", route.Operation.OperationID)
			}
			err = openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
				Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
			})
			if got := err == nil; got != tt.valid {
				t.Errorf("ValidateRequest(%s) = %v; want valid=%v", tt.body, err, tt.valid)
			}
		})
	}
}

// TestRouting checks that the relative server lets the router find every
// operation on any host, and rejects what the description does not have.
func TestRouting(t *testing.T) {
	doc, err := Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, url string
		wantOp      string // "" = no route
	}{
		{"GET", "http://127.0.0.1:8080/beta/security/partner/securityAlerts", "security.partner.ListSecurityAlerts"},
		{"GET", "https://localhost/beta/security/partner/securityAlerts/abc", "security.partner.GetSecurityAlerts"},
		{"PATCH", "http://example.test/beta/security/partner/securityAlerts/abc", "security.partner.UpdateSecurityAlerts"},
		{"DELETE", "http://127.0.0.1/beta/security/partner/securityAlerts/abc", ""},
		{"GET", "http://127.0.0.1/v1.0/security/partner/securityAlerts", ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, tt.url, bytes.NewReader(nil))
		route, _, err := router.FindRoute(req)
		got := ""
		if err == nil {
			got = route.Operation.OperationID
		}
		if got != tt.wantOp {
			t.Errorf("%s %s → %q (%v); want %q", tt.method, tt.url, got, err, tt.wantOp)
		}
	}
}
