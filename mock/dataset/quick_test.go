package dataset

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/partner-security/alertmock/internal/gen"
	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/openapi"
)

// TestQuickValidImpliesSchema: quickValid never accepts what the contract's
// entity schema refuses. It is tried on the seed and generated alerts and on
// every alert made by changing one member (or one member of a log entry or
// resource) to each of a set of wrong, borderline and right values; it must
// also accept the valid alerts, or it saves nothing.
func TestQuickValidImpliesSchema(t *testing.T) {
	entity := entitySchema(t)
	var corpus []map[string]any
	for _, a := range append(alert.Seed(0), gen.Alerts(60)...) {
		b, _ := json.Marshal(a)
		v, err := DecodeJSON(b)
		if err != nil {
			t.Fatal(err)
		}
		if !quickValid(v) {
			t.Errorf("quickValid refuses valid alert %s", a.ID)
		}
		corpus = append(corpus, v.(map[string]any))
	}
	values := []any{nil, "", "x", "active", "resolved", "fraud", "high", "low", "unknownFutureValue", "Active",
		json.Number("1"), json.Number("0"), true, false, []any{}, map[string]any{}, []any{"x"}, []any{map[string]any{}},
		"2024-01-01T00:00:00Z", "2024-01-01T00:00:00.123+02:00", "2024-01-01t00:00:00z", "2024-02-30T00:00:00Z",
		"2024-01-01 00:00:00Z", "2024-01-01T00:00:00", "2024-01-01T24:00:00Z", "2024-12-31T23:59:60Z",
		map[string]any{"k": "v"}, map[string]any{"k": json.Number("1")}, map[string]any{"k": nil},
		[]any{map[string]any{"resourceId": "r", "resourceType": "t"}},
		[]any{map[string]any{"resourceId": "r", "resourceType": "t", "extra": 1}},
		[]any{map[string]any{"resourceId": "r"}},
		[]any{map[string]any{"statusFrom": "active", "statusTo": "resolved", "updatedBy": "u", "updatedDateTime": "2024-01-01T00:00:00Z"}},
		[]any{map[string]any{"statusFrom": "active", "statusTo": "bogus", "updatedBy": "u", "updatedDateTime": "2024-01-01T00:00:00Z"}},
		[]any{map[string]any{"statusFrom": "active", "statusTo": "resolved", "updatedBy": "u", "updatedDateTime": "2024-01-01T00:00:00Z", "@odata.type": "x"}},
		[]any{map[string]any{"statusFrom": "active", "statusTo": "resolved", "updatedBy": nil, "updatedDateTime": "2024-01-01T00:00:00Z"}},
	}
	keys := append(alert.PropertyNames(), "extra", "@odata.type", "@odata", "ID")
	checked, accepted := 0, 0
	try := func(v map[string]any, what string) {
		checked++
		if !quickValid(v) {
			return
		}
		accepted++
		if err := entity.Validate(v); err != nil {
			t.Errorf("%s: quickValid accepts what the schema refuses: %v", what, Problem(err))
		}
	}
	for i, base := range corpus[:12] {
		for _, k := range keys {
			for _, x := range values {
				m := clone(base)
				m[k] = x
				try(m, k+"="+jsonString(x))
			}
			m := clone(base)
			delete(m, k)
			try(m, "without "+k)
		}
		for _, list := range []string{"activityLogs", "affectedResources"} {
			items, _ := base[list].([]any)
			if len(items) == 0 {
				continue
			}
			item := items[0].(map[string]any)
			for k := range item {
				for _, x := range values {
					m := clone(base)
					it := clone(item)
					it[k] = x
					m[list] = append([]any{it}, items[1:]...)
					try(m, list+"[0]."+k+"="+jsonString(x))
				}
			}
		}
		_ = i
	}
	t.Logf("%d variants, %d accepted by quickValid (each confirmed by the schema)", checked, accepted)
}

func clone(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func jsonString(x any) string {
	b, _ := json.Marshal(x)
	return string(b)
}

// TestQuickValidAnnotationsMatchContract: the annotations quickValid lets
// through are exactly those the contract's partnerSecurityAlertAnnotations
// names, so a new annotation in the description fails here, not silently.
func TestQuickValidAnnotationsMatchContract(t *testing.T) {
	doc, err := openapi.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ref, ok := doc.Components.Schemas[openapi.SchemaAlertAnnotations]
	if !ok || ref.Value == nil {
		t.Fatalf("no schema %s in the description", openapi.SchemaAlertAnnotations)
	}
	var names []string
	for n := range ref.Value.Properties {
		names = append(names, n)
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(annotations))
	if !slices.Equal(names, want) {
		t.Errorf("contract annotations = %v; quickValid knows %v", names, want)
	}
}
