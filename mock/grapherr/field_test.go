package grapherr

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestJSONFieldError(t *testing.T) {
	type target struct {
		Kind  string `json:"kind"`
		Times int    `json:"times"`
	}
	long := `{"kind":"` + strings.Repeat("x", 100)
	tests := []struct {
		name, data, prefix string
		want               FieldError
	}{
		{"member of the wrong type", `{"times":"2"}`, "value[1].", FieldError{"value[1].times", "string", "expected int"}},
		{"unknown member", `{"kidn":"status"}`, "", FieldError{"kidn", "kidn", "no such field"}},
		{"body of the wrong type", `[1]`, "", FieldError{"body", "[1]", "json: cannot unmarshal array into Go value of type grapherr.target"}},
		{"cut short, abbreviated", long, "", FieldError{"body", long[:80] + "…", "unexpected EOF"}},
	}
	for _, tt := range tests {
		dec := json.NewDecoder(bytes.NewReader([]byte(tt.data)))
		dec.DisallowUnknownFields()
		var v target
		err := dec.Decode(&v)
		if err == nil {
			t.Fatalf("%s: %s decoded", tt.name, tt.data)
		}
		if got := JSONFieldError(err, tt.prefix, []byte(tt.data)); *got != tt.want {
			t.Errorf("%s: JSONFieldError = %+v; want %+v", tt.name, *got, tt.want)
		}
	}
	e := &FieldError{"status", "x", "expected a number"}
	if got, want := e.Error(), "Invalid value 'x' for 'status': expected a number."; got != want || e.Field() != "status" {
		t.Errorf("Error() = %q, Field() = %q; want %q, status", got, e.Field(), want)
	}
}
