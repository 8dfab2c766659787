package openapi

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// TestKinValidateResponse checks that kin-openapi's response validation (which
// the mock's tests use) agrees with the JSON Schema checks on the conditional
// GET schema: whole entity, projection, and a broken entity.
func TestKinValidateResponse(t *testing.T) {
	ctx := context.Background()
	doc, err := Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/beta/security/partner/securityAlerts/d8b202fc-a216-3404-69ef-bdffa445eff6", nil)
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatal(err)
	}
	ctxURL := "http://127.0.0.1/beta/$metadata#security/partner/securityAlerts"
	tests := []struct {
		name   string
		status int
		header map[string]string
		body   string
		valid  bool
	}{
		{"whole alert", 200, nil, documentedAlert, true},
		{"projection", 200, nil, `{"@odata.context":"` + ctxURL + `(id,status)/$entity","id":"a","status":"resolved"}`, true},
		{"missing displayName", 200, nil, strings.Replace(documentedAlert, `"displayName":`, `"x-displayName":`, 1), false},
		{"404 envelope", 404, nil, `{"error":{"code":"ResourceNotFound","message":"m","innerError":{"date":"2021-10-31T05:13:50","request-id":"1b4934de-9b5e-4b1e-8d7a-3a3f1c9e2b10","client-request-id":"c"}}}`, true},
		{"404 not an envelope", 404, nil, `{"message":"not found"}`, false},
		{"undeclared status", 418, nil, `{}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {"application/json;odata.metadata=minimal;charset=utf-8"},
				"Request-Id": {"1b4934de-9b5e-4b1e-8d7a-3a3f1c9e2b10"}, "Client-Request-Id": {"c"}}
			err := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
				Status:                 tt.status,
				Header:                 h,
				Body:                   io.NopCloser(strings.NewReader(tt.body)),
				Options:                &openapi3filter.Options{IncludeResponseStatus: true},
			})
			if got := err == nil; got != tt.valid {
				t.Errorf("ValidateResponse = %v; want valid=%v", err, tt.valid)
			}
		})
	}
}
