package odata

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

func ptr[T any](v T) *T { return &v }

func sample() *alert.Alert {
	reason := alert.ReasonFraud
	return &alert.Alert{ID: "x", Status: alert.StatusResolved, Severity: alert.SeverityHigh, ConfidenceLevel: alert.ConfidenceMedium,
		AlertType: "vmCreationSpike", CustomerTenantID: "c1", SubscriptionID: "s1", ResolvedReason: &reason, IsTest: ptr(false),
		DetectedDateTime: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), ResolvedOnDateTime: ptr(time.Date(2024, 6, 2, 0, 0, 0, 0, time.UTC))}
}

func TestFilterMatch(t *testing.T) {
	a := sample()
	tests := []struct {
		filter string
		want   bool
	}{
		{"status eq 'resolved'", true},
		{"status ne 'resolved'", false},
		{"severity eq 'high' and confidenceLevel eq 'medium'", true},
		{"severity eq 'high' and confidenceLevel eq 'low'", false},
		{"severity eq 'low' or confidenceLevel eq 'medium'", true},
		{"severity eq 'low' or confidenceLevel eq 'low'", false},
		{"not (status eq 'resolved')", false},
		{"not not status eq 'resolved'", true},
		{"alertType eq 'vmCreationSpike'", true},
		{"customerTenantId eq 'c2'", false},
		{"subscriptionId ne 's2'", true},
		{"resolvedReason eq 'fraud'", true},
		{"resolvedReason eq null", false},
		{"resolvedReason ne null", true},
		{"isTest eq false", true},
		{"isTest eq true", false},
		{"isTest eq null", false},
		{"detectedDateTime eq 2024-06-01T00:00:00Z", true},
		{"detectedDateTime ne 2024-06-01T00:00:00Z", false},
		{"detectedDateTime gt 2024-05-31T23:59:59Z", true},
		{"detectedDateTime gt 2024-06-01T00:00:00Z", false},
		{"detectedDateTime ge 2024-06-01T00:00:00Z", true},
		{"detectedDateTime lt 2024-06-01T00:00:00Z", false},
		{"detectedDateTime lt 2024-06-01T00:00:01Z", true},
		{"detectedDateTime le 2024-06-01T00:00:00Z", true},
		{"detectedDateTime le 2024-05-31T00:00:00Z", false},
		{"detectedDateTime eq 2024-06-01T02:00:00+02:00", true},
		{"firstObservedDateTime eq null", true},
		{"firstObservedDateTime ne null", false},
		{"firstObservedDateTime gt 2020-01-01T00:00:00Z", false},
		{"firstObservedDateTime ne 2020-01-01T00:00:00Z", true},
		{"resolvedOnDateTime ge 2024-06-02T00:00:00Z", true},
		{"lastObservedDateTime eq null", true},
		{"customerTenantId eq 'it''s'", false},
		{"((status eq 'resolved'))", true},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := ParseFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Match(a); got != tt.want {
				t.Errorf("Match = %v; want %v", got, tt.want)
			}
		})
	}
	// Null properties: an equality with a value never matches them.
	var empty alert.Alert
	for _, f := range []string{"resolvedReason eq 'fraud'", "isTest eq true", "isTest eq false", "firstObservedDateTime eq 2024-01-01T00:00:00Z"} {
		q, err := ParseFilter(f)
		if err != nil {
			t.Fatal(err)
		}
		if q.Match(&empty) {
			t.Errorf("%q matches an alert where the property is null", f)
		}
	}
	for _, f := range []string{"resolvedReason ne 'fraud'", "resolvedReason eq null", "isTest eq null"} {
		if q, _ := ParseFilter(f); !q.Match(&empty) {
			t.Errorf("%q does not match an alert where the property is null", f)
		}
	}
	q, _ := ParseFilter("customerTenantId eq 'it''s'")
	b := *a
	b.CustomerTenantID = "it's"
	if !q.Match(&b) {
		t.Errorf("'' in a literal is not one quote")
	}
}

func TestFilterEqualities(t *testing.T) {
	tests := []struct {
		filter, want string
	}{
		{"status eq 'active'", "[{status active}]"},
		{"status eq 'active' and severity eq 'high' and isTest eq true", "[{status active} {severity high}]"},
		{"(status eq 'active' and confidenceLevel eq 'low') and detectedDateTime gt 2024-01-01T00:00:00Z", "[{status active} {confidenceLevel low}]"},
		{"status eq 'active' or severity eq 'high'", "[]"},
		{"status eq 'active' and (severity eq 'high' or severity eq 'low')", "[{status active}]"},
		{"not (status eq 'active')", "[]"},
		{"status ne 'active'", "[]"},
		{"alertType eq 'x'", "[]"},
		{"resolvedReason eq 'fraud'", "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := ParseFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(f.Equalities()); got != tt.want && !(tt.want == "[]" && len(f.Equalities()) == 0) {
				t.Errorf("Equalities = %s; want %s", got, tt.want)
			}
		})
	}
}

func TestFilterErrors(t *testing.T) {
	tests := []struct{ filter, contains string }{
		{"", "empty"},
		{"  ", "empty"},
		{"bogus eq 'x'", "could not find a property named 'bogus'"},
		{"displayName eq 'x'", "filtering on property 'displayName' is not supported"},
		{"status eq 'bogus'", "invalid value 'bogus' for property 'status'"},
		{"status eq active", "must be a string in single quotes"},
		{"alertType eq x", "must be a string in single quotes"},
		{"status gt 'active'", "operator 'gt' is not supported for property 'status'; use one of: eq, ne."},
		{"detectedDateTime has 2024-01-01T00:00:00Z", "use one of: eq, ne, gt, ge, lt, le."},
		{"status 'eq' 'active'", "operator 'eq' is not supported"},
		{"status eq 'active", "the string literal at position 10 is not closed"},
		{"startswith(alertType,'x')", "the function 'startswith' is not supported"},
		{"contains (alertType,'x')", "the function 'contains' is not supported"},
		{"detectedDateTime gt yesterday", "invalid date-time 'yesterday'"},
		{"status eq 'active' 'x'", "unexpected 'x' at position 19"},
		{"'status' eq 'active'", "expected a property name at position 0, found the string 'status'"},
		{"status eq null", "property 'status' cannot be compared with null using 'eq'"},
		{"resolvedOnDateTime gt null", "cannot be compared with null using 'gt'"},
		{"isTest eq 'true'", "expected true, false or null"},
		{"isTest eq yes", "expected true, false or null"},
		{"(status eq 'active'", "a ')' is missing"},
		{"status eq", "ends where a value was expected"},
		{"status", "ends where an operator was expected"},
		{"status eq 'active' and", "ends where a property name was expected"},
		{"bogus", "could not find a property named 'bogus'"},
		{"displayName", "filtering on property 'displayName' is not supported"},
		{strings.Repeat("(", MaxFilterDepth) + "status eq 'active'" + strings.Repeat(")", MaxFilterDepth), "more than 99 levels"},
		{strings.Repeat("not ", MaxFilterDepth) + "status eq 'active'", "more than 99 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			_, err := ParseFilter(tt.filter)
			var e *Error
			if !errors.As(err, &e) || e.Option != "$filter" {
				t.Fatalf("ParseFilter = %v; want an *Error about $filter", err)
			}
			if !strings.HasPrefix(e.Message, "Invalid value for query option '$filter': ") || !strings.Contains(e.Message, tt.contains) {
				t.Errorf("message %q; want it to contain %q", e.Message, tt.contains)
			}
		})
	}
	// The depth counts open levels, not levels seen: many groups side by side are fine.
	siblings := strings.TrimSuffix(strings.Repeat("(status eq 'active') and ", 3*MaxFilterDepth), " and ")
	if _, err := ParseFilter(siblings); err != nil {
		t.Errorf("%d parenthesised groups side by side: %v", 3*MaxFilterDepth, err)
	}
	nots := strings.TrimSuffix(strings.Repeat("not status eq 'active' and ", 3*MaxFilterDepth), " and ")
	if _, err := ParseFilter(nots); err != nil {
		t.Errorf("%d nots side by side: %v", 3*MaxFilterDepth, err)
	}
	depth := strings.Repeat("(", MaxFilterDepth-1) + "status eq 'active'" + strings.Repeat(")", MaxFilterDepth-1)
	if _, err := ParseFilter(depth); err != nil {
		t.Errorf("nesting at the limit: %v", err)
	}
}

func TestFilterExact(t *testing.T) {
	tests := []struct {
		filter string
		want   bool
	}{
		{"status eq 'active'", true},
		{"(status eq 'active')", true},
		{"status eq 'active' and severity eq 'high'", true},
		{"status eq 'active' and isTest eq true", false},
		{"status eq 'active' or severity eq 'high'", false},
		{"not (status eq 'active')", false},
		{"status ne 'active'", false},
		{"status eq 'active' and (severity eq 'high' or severity eq 'low')", false},
		{"alertType eq 'x'", false},
		{"status eq 'active' and not (severity eq 'high')", false},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Exact(); got != tt.want {
			t.Errorf("ParseFilter(%q).Exact() = %v; want %v", tt.filter, got, tt.want)
		}
	}
}
