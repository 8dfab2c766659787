package docs

import (
	"os"
	"strings"
	"testing"

	"github.com/partner-security/alertmock/conformance/oracle"
)

// TestRuleTableInSync checks that the table of rules in conformance.md is
// what `conformance -list-rules` prints (oracle.Table).
func TestRuleTableInSync(t *testing.T) {
	b, err := os.ReadFile("conformance.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- rules: conformance -list-rules -->\n", "<!-- end rules -->"
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("conformance.md has no %q … %q block", strings.TrimSpace(begin), end)
	}
	if got, want := s[i+len(begin):j], oracle.Table(); got != want {
		t.Errorf("the rule table of conformance.md differs from `conformance -list-rules`; replace it with:\n%s", want)
	}
}
