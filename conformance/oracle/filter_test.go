package oracle

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestFilterEval evaluates filters on one alert: yes, no, or maybe where the
// service's choices decide (letter case of free text, order of strings) or
// the alert lacks the property.
func TestFilterEval(t *testing.T) {
	o, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var a map[string]any
	dec := json.NewDecoder(strings.NewReader(`{"status":"active","alertType":"Crypto","isTest":false,"confidenceLevel":"unknownFutureValue","resolvedReason":null,"detectedDateTime":"2024-01-23T16:03:33.05Z","score":5}`))
	dec.UseNumber()
	if err := dec.Decode(&a); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		filter string
		want   truth
	}{
		{"status eq 'active'", yes},
		{"status eq 'Active'", no}, // an enum member is exact
		{"status ne 'active'", no},
		{"status ne 'resolved'", yes},
		{"alertType eq 'crypto'", maybe}, // free text: the service may ignore case
		{"alertType eq 'Crypto'", yes},
		{"alertType eq 'other'", no},
		{"alertType gt 'A'", maybe},
		{"resolvedReason eq null", yes},
		{"resolvedReason ne null", no},
		{"status eq null", no},
		{"status ne null", yes},
		{"resolvedReason lt 'fraud'", no}, // an order with null is false
		{"detectedDateTime ge 2024-01-01T00:00:00Z", yes},
		{"detectedDateTime gt 2024-01-23T16:03:33.05Z", no},
		{"detectedDateTime le 2024-01-23T16:03:33.05Z", yes},
		{"detectedDateTime lt 2024-01-23T16:03:33.05Z", no},
		{"detectedDateTime eq 2024-01-23T16:03:33.05Z", yes},
		{"detectedDateTime ne 2024-01-23T16:03:33.05Z", no},
		{"detectedDateTime ge '2024-01-01T00:00:00Z'", yes},
		{"isTest eq false", yes},
		{"isTest ne false", no},
		{"isTest eq true", no},
		{"isTest gt true", maybe},
		{"score gt 4", yes},
		{"score lt 4", no},
		{"score eq 'five'", maybe},
		{"severity eq 'high'", maybe}, // not carried
		{"status eq 'active' and isTest eq true", no},
		{"status eq 'active' or isTest eq true", yes},
		{"status eq 'resolved' or alertType eq 'crypto'", maybe},
		{"not (status eq 'resolved')", yes},
		{"not status eq 'active'", no},
		{"(status eq 'resolved' or status eq 'active') and not (isTest eq true)", yes},
		{"alertType eq 'it''s'", no},
		{"confidenceLevel eq 'high'", maybe}, // unknownFutureValue may stand for a later member
		{"confidenceLevel eq 'unknownFutureValue'", yes},
	}
	for _, tt := range tests {
		e, err := parseFilter(tt.filter)
		if err != nil {
			t.Errorf("parseFilter(%q) = %v", tt.filter, err)
			continue
		}
		if got := e.eval(a, o.c); got != tt.want {
			t.Errorf("%s = %v; want %v", tt.filter, got, tt.want)
		}
	}
	for _, bad := range []string{"startswith(alertType,'C')", "status eq", "status has 'x'", "(status eq 'a'", "status eq 'a", "status eq bogus", "status eq 'a' xor"} {
		if _, err := parseFilter(bad); err == nil {
			t.Errorf("parseFilter(%q) = nil error; want one (not judged)", bad)
		}
	}
}

// TestFindingsError checks the error a scenario step reports: the exchange
// once, then each finding with its rule, label and source.
func TestFindingsError(t *testing.T) {
	if err := (Findings{}).Err(); err != nil {
		t.Errorf("no findings: Err = %v; want nil", err)
	}
	fs := Findings{
		{Rule: "a-rule", Label: Documented, Source: "the docs", At: "status", Got: `"x"`, Want: `"y"`, Method: "GET", URL: "http://h/beta/x", Status: 200},
		{Rule: "b-rule", Label: Assumed, Source: "our choice", Got: "missing the header", Want: "it", Method: "GET", URL: "http://h/beta/x", Status: 200},
	}
	want := "oracle: GET http://h/beta/x answered 200:\n  [a-rule, documented] status = \"x\"; want \"y\"\n    source: the docs\n  [b-rule, assumed] missing the header; want it\n    source: our choice"
	if got := fs.Err().Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	if got := fs[1].String(); got != "[b-rule, assumed] GET http://h/beta/x answered 200: missing the header; want it" {
		t.Errorf("String() = %q", got)
	}
}
