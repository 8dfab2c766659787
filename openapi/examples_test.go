package openapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestExamplesValid validates every example in the description against the
// schema it illustrates (request bodies and responses of every operation).
func TestExamplesValid(t *testing.T) {
	doc := jsonDoc(t)
	s, err := NewSchemas()
	if err != nil {
		t.Fatal(err)
	}
	examples := doc["components"].(map[string]any)["examples"].(map[string]any)
	resolve := func(ex map[string]any) any {
		if ref, ok := ex["$ref"].(string); ok {
			ex = examples[strings.TrimPrefix(ref, "#/components/examples/")].(map[string]any)
		}
		return ex["value"]
	}
	responses := doc["components"].(map[string]any)["responses"].(map[string]any)
	checked := 0
	check := func(where string, media map[string]any) {
		schema := media["schema"].(map[string]any)
		name := strings.TrimPrefix(schema["$ref"].(string), "#/components/schemas/")
		sch, err := s.Compile(name)
		if err != nil {
			t.Fatal(err)
		}
		var values []any
		if v, ok := media["example"]; ok {
			values = append(values, v)
		}
		if exs, ok := media["examples"].(map[string]any); ok {
			for _, ex := range exs {
				values = append(values, resolve(ex.(map[string]any)))
			}
		}
		for _, v := range values {
			checked++
			if err := sch.Validate(v); err != nil {
				t.Errorf("%s: example invalid against %s: %v", where, name, err)
			}
		}
	}
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			op, ok := op.(map[string]any)
			if !ok || method == "parameters" {
				continue
			}
			if rb, ok := op["requestBody"].(map[string]any); ok {
				for mt, media := range rb["content"].(map[string]any) {
					check(method+" "+path+" request "+mt, media.(map[string]any))
				}
			}
			for status, resp := range op["responses"].(map[string]any) {
				r := resp.(map[string]any)
				if ref, ok := r["$ref"].(string); ok {
					r = responses[strings.TrimPrefix(ref, "#/components/responses/")].(map[string]any)
				}
				for mt, media := range r["content"].(map[string]any) {
					check(method+" "+path+" "+status+" "+mt, media.(map[string]any))
				}
			}
		}
	}
	if checked < 5 {
		t.Errorf("checked %d examples; want at least 5 (request, GET, PATCH, 404)", checked)
	}
}

// documentedAlert is the corrected documented alert (status resolved).
const documentedAlert = `{
 "id":"d8b202fc-a216-3404-69ef-bdffa445eff6",
 "displayName":"Action Required: Virtual machine connecting to crypto currency mining pool Detected",
 "description":"Analysis of Azure resource network activity detected the resource was connecting to a crypto currency mining pool.",
 "alertType":"networkConnectionsToCryptoMiningPools","status":"resolved","severity":"high","confidenceLevel":"medium",
 "customerTenantId":"1889e718-414b-4bad-8bbe-c1135bd39a41","subscriptionId":"5f6e6521-6e5f-4b0b-80aa-bd44fad7a398",
 "valueAddedResellerTenantId":"c296b2ce-8cd1-4346-9e82-d8eccca70d65","catalogOfferId":"MS-AZR-0017G",
 "detectedDateTime":"2024-01-23T16:03:33.05Z","firstObservedDateTime":"2024-01-23T16:03:33.05Z","lastObservedDateTime":"2024-01-23T16:03:33.05Z",
 "resolvedReason":"fraud","resolvedOnDateTime":"2024-02-23T16:03:33.05Z","resolvedBy":"danas@contoso.com","isTest":false,
 "affectedResources":[{"resourceId":"/subscriptions/subscription-id/resourceGroups/resourcegroup-name/providers/Microsoft.Compute/virtualMachines/vm-name","resourceType":"AzureResource"}],
 "activityLogs":[{"statusFrom":"active","statusTo":"investigating","updatedBy":"samanthab@contoso.com","updatedDateTime":"2023-08-10T08:47:10.8454142Z"},
                 {"statusFrom":"investigating","statusTo":"resolved","updatedBy":"samanthab@contoso.com","updatedDateTime":"2023-08-10T08:47:25.2089246Z"}],
 "additionalDetails":{"VM_IP":"[  \"vm-ip\"]","ConnectionCount":"5"}}`

// edit returns documentedAlert changed by f.
func edit(tb testing.TB, f func(m map[string]any)) any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(documentedAlert), &m); err != nil {
		tb.Fatal(err)
	}
	f(m)
	return m
}

// TestResponseSchemasStrict shows that the response schemas the harness checks
// with reject what a wrong server would send.
func TestResponseSchemasStrict(t *testing.T) {
	s, err := NewSchemas()
	if err != nil {
		t.Fatal(err)
	}
	entityResp, err := s.Compile(SchemaAlertEntityResp)
	if err != nil {
		t.Fatal(err)
	}
	entity, err := s.Compile(SchemaAlertEntity)
	if err != nil {
		t.Fatal(err)
	}
	collection, err := s.Compile(SchemaAlertCollection)
	if err != nil {
		t.Fatal(err)
	}
	odataError, err := s.Compile(SchemaODataError)
	if err != nil {
		t.Fatal(err)
	}
	raw := func(s string) any {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	ctx := "http://127.0.0.1:8080/beta/$metadata#security/partner/securityAlerts"
	tests := []struct {
		name   string
		schema string
		value  any
		valid  bool
	}{
		{"documented alert", "entity", edit(t, func(m map[string]any) {}), true},
		{"with context", "entity", edit(t, func(m map[string]any) { m["@odata.context"] = ctx + "/$entity" }), true},
		{"nullable nulls", "entity", edit(t, func(m map[string]any) {
			m["resolvedReason"], m["resolvedBy"], m["isTest"], m["activityLogs"] = nil, nil, nil, nil
		}), true},
		{"required displayName missing", "entity", edit(t, func(m map[string]any) { delete(m, "displayName") }), false},
		{"non-nullable status null", "entity", edit(t, func(m map[string]any) { m["status"] = nil }), false},
		{"status outside enum", "entity", edit(t, func(m map[string]any) { m["status"] = "closed" }), false},
		{"isTest as string (doc defect)", "entity", edit(t, func(m map[string]any) { m["isTest"] = "false" }), false},
		{"bad date-time", "entity", edit(t, func(m map[string]any) { m["detectedDateTime"] = "yesterday" }), false},
		{"unknown property", "entity", edit(t, func(m map[string]any) { m["risk"] = "high" }), false},
		{"activity log without updatedBy", "entity", edit(t, func(m map[string]any) {
			m["activityLogs"] = []any{map[string]any{"statusFrom": "active", "statusTo": "resolved", "updatedDateTime": "2024-01-01T00:00:00Z"}}
		}), false},
		{"non-string additional detail", "entity", edit(t, func(m map[string]any) { m["additionalDetails"] = map[string]any{"n": 5} }), false},
		{"select projection", "entity", raw(`{"@odata.context":"` + ctx + `(id,status)/$entity","id":"a","status":"active"}`), true},
		{"projection without selected context", "entity", raw(`{"@odata.context":"` + ctx + `/$entity","id":"a","status":"active"}`), false},
		{"projection with bad enum", "entity", raw(`{"@odata.context":"` + ctx + `(status)/$entity","status":"nope"}`), false},
		{"collection", "collection", map[string]any{"@odata.context": ctx, "@odata.count": 1, "value": []any{edit(t, func(m map[string]any) {})}}, true},
		{"collection with nextLink", "collection", map[string]any{"value": []any{}, "@odata.nextLink": "http://127.0.0.1:8080/beta/security/partner/securityAlerts?$skip=2"}, true},
		{"collection nextLink null", "collection", map[string]any{"value": []any{}, "@odata.nextLink": nil}, false},
		{"collection item incomplete", "collection", map[string]any{"value": []any{map[string]any{"id": "a"}}}, false},
		{"collection select", "collection", map[string]any{"@odata.context": ctx + "(id)", "value": []any{map[string]any{"id": "a"}}}, true},
		{"collection without value", "collection", map[string]any{"@odata.context": ctx}, false},
		// The closed forms must stay closed through allOf (unevaluatedProperties).
		{"whole entity with context", "whole", edit(t, func(m map[string]any) { m["@odata.context"] = ctx + "/$entity" }), true},
		{"whole entity missing severity", "whole", edit(t, func(m map[string]any) { delete(m, "severity") }), false},
		{"whole entity with unknown property", "whole", edit(t, func(m map[string]any) { m["riskScore"] = 7 }), false},
		{"projection is not a whole entity", "whole", raw(`{"@odata.context":"` + ctx + `(id)/$entity","id":"a"}`), false},
		{"unknown annotation", "entity", edit(t, func(m map[string]any) { m["@odata.foo"] = "x" }), false},
		{"annotation not a string", "entity", edit(t, func(m map[string]any) { m["@odata.type"] = 5 }), false},
		{"named annotations", "entity", edit(t, func(m map[string]any) {
			m["@odata.type"], m["@odata.etag"], m["@odata.id"] = "#microsoft.graph.partner.security.partnerSecurityAlert", `W/"1"`, "x"
		}), true},
		{"projection with unknown property", "entity", raw(`{"@odata.context":"` + ctx + `(id)/$entity","id":"a","riskScore":7}`), false},
		{"projection with bad type", "entity", raw(`{"@odata.context":"` + ctx + `(isTest)/$entity","isTest":"no"}`), false},
		{"entity with activity log extra member", "entity", edit(t, func(m map[string]any) {
			m["activityLogs"] = []any{map[string]any{"statusFrom": "active", "statusTo": "resolved", "updatedBy": "u", "updatedDateTime": "2024-01-01T00:00:00Z", "@odata.type": "x"}}
		}), false},
		{"collection select item with unknown property", "collection", map[string]any{"@odata.context": ctx + "(id)", "value": []any{map[string]any{"id": "a", "riskScore": 7}}}, false},
		{"collection select item with bad enum", "collection", map[string]any{"@odata.context": ctx + "(status)", "value": []any{map[string]any{"status": "closed"}}}, false},
		{"collection item with unknown property", "collection", map[string]any{"value": []any{edit(t, func(m map[string]any) { m["riskScore"] = 7 })}}, false},
		{"collection unknown member", "collection", map[string]any{"value": []any{}, "@odata.deltaLink": "x"}, false},
		{"graph error", "error", raw(`{"error":{"code":"ResourceNotFound","message":"Resource could not be discovered.","innerError":{"date":"2021-10-31T05:13:50","request-id":"1b4934de-9b5e-4b1e-8d7a-3a3f1c9e2b10","client-request-id":"x"}}}`), true},
		{"PascalCase envelope", "error", raw(`{"Error":{"Code":"Unauthorized_MissingMFA","Message":"MFA is required"}}`), false},
		{"lower-case innererror", "error", raw(`{"error":{"code":"x","message":"y","innererror":{"date":"2021-10-31T05:13:50","request-id":"1b4934de-9b5e-4b1e-8d7a-3a3f1c9e2b10","client-request-id":"x"}}}`), false},
		{"date with zone", "error", raw(`{"error":{"code":"x","message":"y","innerError":{"date":"2021-10-31T05:13:50Z","request-id":"1b4934de-9b5e-4b1e-8d7a-3a3f1c9e2b10","client-request-id":"x"}}}`), false},
		{"plain text error", "error", "Not Found", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sch := map[string]interface{ Validate(any) error }{"entity": entityResp, "collection": collection, "error": odataError, "whole": entity}[tt.schema]
			err := sch.Validate(tt.value)
			if got := err == nil; got != tt.valid {
				t.Errorf("Validate = %v; want valid=%v", err, tt.valid)
			}
		})
	}
}
