package glob_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/partner-security/alertmock/mock/glob"
)

func TestMatch(t *testing.T) {
	const alerts = "/beta/security/partner/securityAlerts"
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"", alerts, true},
		{"", "", true},
		{alerts, alerts, true},
		{alerts, alerts + "/x", false},
		{alerts + "/*", alerts + "/x", true},
		{alerts + "/*", alerts, false},
		{alerts + "/*", alerts + "/x/y", false},
		{alerts + "*", alerts + "/x", false},
		{alerts + "**", alerts + "/x", true},
		{alerts + "**", alerts, true},
		{"/beta/**", alerts + "/x", true},
		{"/beta/**/x", alerts + "/x", true},
		{"/beta/**/y", alerts + "/x", false},
		{"**", "/anything/at/all", true},
		{"/beta/*/partner/**", alerts, true},
		{"/beta/*/partner/**", "/beta/a/b/partner/c", false},
		{"/*", "/", true},
		{"/a*c", "/abbc", true},
		{"/a*c", "/ab/c", false},
		{"/a*", "/b", false},
		{"/a**", "/b/a", false},
		{"*b", "/ab", false}, // "*" does not cross "/"
		{"/*b", "/ab", true},
		{"/x", "/y", false},
		{"/ab*", "/a", false},
	}
	for _, tt := range tests {
		if got := glob.Match(tt.pattern, tt.path); got != tt.want {
			t.Errorf("Match(%q, %q) = %v; want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

// TestMatchPathologicalPattern reproduces a fault rule or journal filter
// path such as "**a**a…**a**b": the backtracking matcher took time
// exponential in the number of stars for every request it was tried on (a
// rule added through the control API stalled every Graph request).
func TestMatchPathologicalPattern(t *testing.T) {
	long := "/" + strings.Repeat("a", 300)
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{strings.Repeat("**a", 40) + "**b", long, false},
		{strings.Repeat("*a", 40) + "*b", long, false},
		{strings.Repeat("**a", 40), long, true},
		{"/" + strings.Repeat("*a", 40), long, true},
		{strings.Repeat("**/", 30) + "x", strings.Repeat("/y", 150), false},
	}
	for i, tt := range tests {
		if got := glob.Match(tt.pattern, tt.path); got != tt.want {
			t.Errorf("case %d: Match = %v; want %v", i, got, tt.want)
		}
	}
}

func ExampleMatch() {
	fmt.Println(glob.Match("/beta/security/partner/securityAlerts/*", "/beta/security/partner/securityAlerts/a1"))
	fmt.Println(glob.Match("/beta/**", "/beta/security/partner/securityAlerts/a1"))
	fmt.Println(glob.Match("/beta/*", "/beta/security/partner"))
	// Output:
	// true
	// true
	// false
}
