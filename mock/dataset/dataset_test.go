package dataset

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/partner-security/alertmock/internal/gen"
	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/openapi"
)

// entitySchema compiles the contract's partnerSecurityAlertEntity, as the
// root package mock does at New.
func entitySchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	sch, err := openapi.NewSchemas()
	if err != nil {
		t.Fatal(err)
	}
	entity, err := sch.Compile(openapi.SchemaAlertEntity)
	if err != nil {
		t.Fatal(err)
	}
	return entity
}

// TestDecodeFirstProblemInOrder: the alerts are checked in parallel,
// yet the error names the first problem in dataset order, as one loop would.
func TestDecodeFirstProblemInOrder(t *testing.T) {
	entity := entitySchema(t)
	raws := func(n int) []map[string]any {
		b, _ := json.Marshal(gen.Alerts(n))
		var out []map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	tests := []struct {
		name   string
		change func([]map[string]any)
		want   string
	}{
		{"schema problem late, duplicate later", func(as []map[string]any) {
			as[1900]["status"] = "bogus"
			as[1950]["id"] = as[3]["id"]
		}, "alert 1900 (id \"" + gen.ID(1900) + "\")"},
		{"duplicate before a schema problem", func(as []map[string]any) {
			as[700]["id"] = as[2]["id"]
			as[1500]["severity"] = 7
		}, "alert 700 (id \"" + gen.ID(2) + "\"): property 'id': the same id as alert 2"},
		{"two schema problems", func(as []map[string]any) {
			as[1999]["status"] = "bogus"
			as[130]["displayName"] = ""
		}, "alert 130 (id \"" + gen.ID(130) + "\")"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := raws(2000)
			tt.change(as)
			b, _ := json.Marshal(map[string]any{"value": as})
			_, err := Decode(entity, b)
			if !errors.Is(err, ErrInvalidAlert) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode = %v; want ErrInvalidAlert naming %s", err, tt.want)
			}
		})
	}
	b, _ := json.Marshal(raws(2000))
	got, err := Decode(entity, b)
	if err != nil || len(got) != 2000 || got[1999].ID != gen.ID(1999) {
		t.Fatalf("Decode(valid) = %d alerts, %v", len(got), err)
	}
	var pe *alert.PropertyError
	bad := raws(1)
	bad[0]["displayName"] = ""
	b, _ = json.Marshal(bad)
	if _, err := Decode(entity, b); err == nil {
		t.Fatal("empty displayName accepted")
	} else if errors.As(err, &pe) && pe.Property != "displayName" {
		t.Errorf("property error names %q; want displayName", pe.Property)
	}
}

// TestFromValueAgreesWithUnmarshal: the single-parse decoding of -data makes
// exactly the alert json.Unmarshal makes, or declines.
func TestFromValueAgreesWithUnmarshal(t *testing.T) {
	var raws [][]byte
	for _, a := range append(alert.Seed(0), gen.Alerts(120)...) {
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, b)
	}
	doc, _ := json.Marshal(alert.Documented())
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(doc, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	raws = append(raws,
		edit(func(m map[string]any) { m["@odata.type"] = "#x"; m["@odata.etag"] = 1 }),
		edit(func(m map[string]any) {
			for _, k := range []string{"description", "catalogOfferId", "firstObservedDateTime", "isTest", "affectedResources", "activityLogs", "additionalDetails", "resolvedReason"} {
				m[k] = nil
			}
		}),
		edit(func(m map[string]any) {
			for _, k := range []string{"description", "lastObservedDateTime", "affectedResources", "additionalDetails"} {
				delete(m, k)
			}
			m["affectedResources"] = []any{}
			m["activityLogs"] = []any{map[string]any{"statusFrom": "active", "statusTo": "resolved", "updatedBy": "a", "updatedDateTime": "2024-01-01T00:00:00.5+02:00", "@odata.type": "x"}}
		}),
		edit(func(m map[string]any) { m["ID"] = "case" }),                                                  // declined
		edit(func(m map[string]any) { m["isTest"] = "yes" }),                                               // declined
		edit(func(m map[string]any) { m["detectedDateTime"] = "2024-13-01T00:00:00Z" }),                    // declined
		edit(func(m map[string]any) { m["affectedResources"] = []any{map[string]any{"ResourceId": "x"}} }), // declined
		edit(func(m map[string]any) { m["affectedResources"] = []any{nil} }),                               // declined
		[]byte(`{"id":"a\u0062","displayName":"x"}`),                                                       // declined: escape
	)
	accepted := 0
	for i, raw := range raws {
		v, err := DecodeJSON(raw)
		if err != nil {
			t.Fatal(err)
		}
		var got, want alert.Alert
		if !fromValue(raw, v, &got) {
			continue
		}
		accepted++
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Errorf("raw %d: fromValue accepted what json.Unmarshal refuses (%v): %s", i, err, raw)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("raw %d: fromValue and json.Unmarshal differ:\n got %+v\nwant %+v", i, got, want)
		}
	}
	if want := len(raws) - 6; accepted != want {
		t.Logf("note: json.Marshal escapes <, > and & as \\u00XX")
		t.Errorf("fromValue accepted %d of %d; want %d (all but the six it must decline)", accepted, len(raws), want)
	}
}
