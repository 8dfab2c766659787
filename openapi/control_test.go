package openapi

import (
	"context"
	"strings"
	"testing"
)

// TestLoadControl checks that the control API description loads, validates
// and declares every call of the control API under ControlBasePath.
func TestLoadControl(t *testing.T) {
	doc, err := LoadControl(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"/_mock/reset":                      {"POST"},
		"/_mock/sessions":                   {"GET"},
		"/_mock/sessions/{session}/reset":   {"POST"},
		"/_mock/sessions/{session}/alerts":  {"PUT", "POST"},
		"/_mock/sessions/{session}/journal": {"GET", "DELETE"},
		"/_mock/faults":                     {"GET", "POST", "DELETE"},
		"/_mock/faults/{id}":                {"DELETE"},
		"/_mock/throttle":                   {"GET", "PUT", "DELETE"},
	}
	for p, methods := range want {
		item := doc.Paths.Value(p)
		if item == nil {
			t.Errorf("path %s missing", p)
			continue
		}
		for _, m := range methods {
			if item.GetOperation(m) == nil {
				t.Errorf("%s %s missing", m, p)
			}
		}
		if got := len(item.Operations()); got != len(methods) {
			t.Errorf("%s has %d operations; want %d", p, got, len(methods))
		}
	}
	if got := doc.Paths.Len(); got != len(want) {
		t.Errorf("%d paths; want %d", got, len(want))
	}
	for p := range doc.Paths.Map() {
		if !strings.HasPrefix(p, ControlBasePath+"/") {
			t.Errorf("path %s outside %s", p, ControlBasePath)
		}
	}
	if string(ControlYAML()) != string(controlDocument) {
		t.Errorf("ControlYAML() differs from the embedded document")
	}
}
