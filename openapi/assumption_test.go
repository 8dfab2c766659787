package openapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestAssumptionsLift checks the documented projection: every x-assumption
// names a keyword its object has, and the projection accepts what only an
// assumption forbids while still refusing what the documentation forbids.
func TestAssumptionsLift(t *testing.T) {
	marks, err := Assumptions()
	if err != nil {
		t.Fatal(err)
	}
	if len(marks) < 20 {
		t.Fatalf("%d assumptions; want the whole audit (at least 20)", len(marks))
	}
	for _, a := range marks {
		if strings.TrimSpace(a.Reason) == "" {
			t.Errorf("%s %s: no reason given", a.Pointer, a.Keyword)
		}
	}
	strict, err := NewSchemas()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := NewDocumentedSchemas()
	if err != nil {
		t.Fatal(err)
	}
	const alert = `{"id":"a","alertType":"t","confidenceLevel":"low","customerTenantId":"c","detectedDateTime":"2024-01-23T16:03:33.05Z","displayName":"d","severity":"high","status":"active","subscriptionId":"s"`
	tests := []struct {
		name, schema, body string
		strict, documented bool // valid against each
	}{
		{"a whole alert", SchemaAlertEntity, alert + `}`, true, true},
		{"an added property", SchemaAlertEntity, alert + `,"riskScore":7}`, false, true},
		{"a number in additionalDetails", SchemaAlertEntity, alert + `,"additionalDetails":{"ConnectionCount":5}}`, false, true},
		{"an empty id", SchemaAlertEntity, strings.Replace(alert, `"id":"a"`, `"id":""`, 1) + `}`, false, true},
		{"no alertType", SchemaAlertEntity, strings.Replace(alert, `"alertType":"t",`, "", 1) + `}`, false, false},
		{"a severity outside the enum", SchemaAlertEntity, strings.Replace(alert, `"high"`, `"critical"`, 1) + `}`, false, false},
		{"an error without innerError", SchemaODataError, `{"error":{"code":"c","message":"m"}}`, false, true},
		{"an error with an empty message", SchemaODataError, `{"error":{"code":"c","message":""}}`, false, true},
		{"an error with innererror in the docs' spelling", SchemaODataError, `{"error":{"code":"c","message":"m","innererror":{"date":"x"}}}`, false, true},
		{"an error without a message", SchemaODataError, `{"error":{"code":"c"}}`, false, false},
		{"an error beside the envelope", SchemaODataError, `{"error":{"code":"c","message":"m"},"x":1}`, false, false},
		{"a collection with an annotation", SchemaAlertCollection, `{"value":[],"@microsoft.graph.tips":"t"}`, false, true},
		{"a collection with a null nextLink", SchemaAlertCollection, `{"value":[],"@odata.nextLink":null}`, false, false},
		{"a reason without resolving", SchemaAlertUpdate, `{"status":"active","resolvedReason":"fraud"}`, false, true},
		{"an update without status", SchemaAlertUpdate, `{"resolvedReason":"fraud"}`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, side := range []struct {
				name  string
				s     *Schemas
				valid bool
			}{{"full", strict, tt.strict}, {"documented", doc, tt.documented}} {
				sch, err := side.s.Compile(tt.schema)
				if err != nil {
					t.Fatal(err)
				}
				v, err := decodeNumber([]byte(tt.body))
				if err != nil {
					t.Fatal(err)
				}
				if err := sch.Validate(v); (err == nil) != side.valid {
					t.Errorf("%s schema: valid = %v; want %v (%v)", side.name, err == nil, side.valid, err)
				}
			}
		})
	}
}

// decodeNumber decodes JSON keeping numbers as json.Number, as the validators see them.
func decodeNumber(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}
