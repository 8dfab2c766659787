package mock

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/openapi"
)

// TestContractTransportCatchesViolations proves the response check used by
// every test rejects what it should.
func TestContractTransportCatchesViolations(t *testing.T) {
	ct := newContractTransport(t, http.DefaultTransport)
	get, _ := http.NewRequest("GET", "http://127.0.0.1:1/beta/security/partner/securityAlerts/x", nil)
	okHeader := func() http.Header {
		h := http.Header{}
		h.Set("Content-Type", ContentTypeOData)
		h.Set("request-id", "8e0e8a4f-7c43-4c4e-9d6e-0e4e6a0b8d11")
		h.Set("client-request-id", "c")
		return h
	}
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
	}{
		{"undeclared status", 204, okHeader(), ``},
		{"entity missing required property", 200, okHeader(), `{"id":"x"}`},
		{"enum value outside the enum", 200, okHeader(), `{"@odata.context":"x/$entity","id":"x","alertType":"t","confidenceLevel":"low","customerTenantId":"c","detectedDateTime":"2024-01-01T00:00:00Z","displayName":"d","severity":"bad","status":"active","subscriptionId":"s"}`},
		{"error not an envelope", 404, okHeader(), `{"message":"nope"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tt.status, Header: tt.header}
			if err := ct.check(get, resp, []byte(tt.body)); err == nil {
				t.Errorf("check accepted %d %s; want a violation", tt.status, tt.body)
			}
		})
	}
}

// TestDocumentMatchesDomain keeps the description and the Go domain in step:
// the property names $select accepts, the enums and the orderby keys.
func TestDocumentMatchesDomain(t *testing.T) {
	doc, err := openapi.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	enum := func(name string) []string {
		var out []string
		for _, v := range doc.Components.Schemas[name].Value.Enum {
			out = append(out, v.(string))
		}
		return out
	}
	tests := []struct {
		schema string
		want   []string
	}{
		{openapi.SchemaAlertPropertyName, alert.PropertyNames()},
		{openapi.SchemaStatus, alert.StatusValues()},
		{openapi.SchemaResolvedReason, alert.ResolvedReasonValues()},
		{openapi.SchemaSeverity, alert.SeverityValues()},
		{openapi.SchemaConfidence, alert.ConfidenceValues()},
	}
	for _, tt := range tests {
		got := enum(tt.schema)
		a, b := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(tt.want))
		if !slices.Equal(a, b) {
			t.Errorf("%s enum = %v; want %v", tt.schema, got, tt.want)
		}
	}
	props := doc.Components.Schemas[openapi.SchemaAlert].Value.Properties
	for _, name := range alert.PropertyNames() {
		if _, ok := props[name]; !ok {
			t.Errorf("property %s of alert.PropertyNames is not in the description", name)
		}
	}
	if len(props) != len(alert.PropertyNames()) {
		t.Errorf("description has %d alert properties; want %d", len(props), len(alert.PropertyNames()))
	}
}
