package dataset

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

// documented is the contract's example alert as a JSON object to edit.
func documented(t *testing.T, edit func(m map[string]any)) string {
	t.Helper()
	b, _ := json.Marshal(alert.Documented())
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, _ = json.Marshal(m)
	return string(b)
}

// TestDecodeErrors: what is wrong with the data, worded, for each way it
// can be wrong; every error wraps ErrInvalidAlert.
func TestDecodeErrors(t *testing.T) {
	entity := entitySchema(t)
	tests := []struct {
		name, data string
		want       []string // substrings of the error
	}{
		{"empty", "", []string{"expected a JSON array of alerts"}},
		{"blank", " \n\t", []string{"expected a JSON array of alerts"}},
		{"a number", "5", []string{"expected a JSON array of alerts"}},
		{"broken object", `{"value":[`, []string{"not valid JSON"}},
		{"object without value", `{"alerts":[]}`, []string{"no 'value' array"}},
		{"value null", `{"value":null}`, []string{"no 'value' array"}},
		{"unknown member", "[" + documented(t, func(m map[string]any) { m["extra"] = 1 }) + "]",
			[]string{"alert 0 (id \"" + alert.DocumentedID + "\")", "extra"}},
		{"missing required", "[" + documented(t, func(m map[string]any) { delete(m, "displayName") }) + "]",
			[]string{"alert 0", "missing properties: 'displayName'"}},
		{"wrong type, second alert", "[" + documented(t, func(m map[string]any) {}) + "," +
			documented(t, func(m map[string]any) { m["id"] = "b"; m["severity"] = 7 }) + "]",
			[]string{"alert 1 (id \"b\")", "property 'severity' (at /severity)"}},
		{"not an object", `[5]`, []string{"alert 0 (id \"<nil>\")"}},
		{"not JSON inside", `[{"id":"x",}]`, []string{"expected a JSON array of alerts", "invalid character"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(entity, []byte(tt.data))
			if got != nil || !errors.Is(err, ErrInvalidAlert) {
				t.Fatalf("Decode = %d alerts, %v; want ErrInvalidAlert", len(got), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "property ''") {
				t.Errorf("error %q names an empty property", err)
			}
		})
	}
}

// TestDecodeSlowPath: an alert the one-parse conversion declines (a \u
// escape) is decoded by json.Unmarshal and still checked and put in UTC; an
// empty dataset is no alerts.
func TestDecodeSlowPath(t *testing.T) {
	entity := entitySchema(t)
	raw := documented(t, func(m map[string]any) {
		m["detectedDateTime"] = "2024-05-06T09:08:09+02:00"
		m["displayName"] = "caf\u00e9"
	})
	raw = strings.Replace(raw, "café", `caf\u00e9`, 1)
	got, err := Decode(entity, []byte(`{"value":[`+raw+`]}`))
	if err != nil || len(got) != 1 {
		t.Fatalf("Decode = %v, %v", got, err)
	}
	if d := got[0].DetectedDateTime; d.Location() != time.UTC || !d.Equal(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)) {
		t.Errorf("detectedDateTime = %v; want 2024-05-06T07:08:09Z in UTC", d)
	}
	if got[0].DisplayName != "café" {
		t.Errorf("displayName = %q", got[0].DisplayName)
	}
	for _, empty := range []string{`[]`, `{"value":[]}`} {
		if got, err := Decode(entity, []byte(empty)); err != nil || len(got) != 0 {
			t.Errorf("Decode(%s) = %v, %v; want no alerts", empty, got, err)
		}
	}
}

// TestProblem: a validation error worded by its deepest cause, with the
// property when there is one; any other error as its text.
func TestProblem(t *testing.T) {
	entity := entitySchema(t)
	tests := []struct {
		edit func(m map[string]any)
		want string
	}{
		{func(m map[string]any) { delete(m, "status") }, "missing properties: 'status'"},
		{func(m map[string]any) { m["activityLogs"] = []any{map[string]any{"statusFrom": 1}} }, "property 'activityLogs.0"},
	}
	for _, tt := range tests {
		v, err := DecodeJSON([]byte(documented(t, tt.edit)))
		if err != nil {
			t.Fatal(err)
		}
		verr := entity.Validate(v)
		if verr == nil {
			t.Fatalf("schema accepts %v", v)
		}
		if got := Problem(verr); !strings.HasPrefix(got, tt.want) {
			t.Errorf("Problem = %q; want it to start with %q", got, tt.want)
		}
	}
	if got := Problem(errors.New("plain")); got != "plain" {
		t.Errorf("Problem(plain error) = %q", got)
	}
	if _, err := DecodeJSON([]byte(`{"a":`)); err == nil {
		t.Error("DecodeJSON accepts broken JSON")
	}
	if v, err := DecodeJSON([]byte(`{"n":1.50}`)); err != nil || v.(map[string]any)["n"] != json.Number("1.50") {
		t.Errorf("DecodeJSON = %v, %v; want the number kept as json.Number 1.50", v, err)
	}
}
