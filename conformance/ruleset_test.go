package conformance

import (
	"context"
	"testing"
)

// TestRuleSetOfARun checks how a run chooses the oracle's rules: documented
// only when the scenarios it selects include none tagged @assumption, unless
// Config.Rules says otherwise.
func TestRuleSetOfARun(t *testing.T) {
	tests := []struct {
		rules RuleSet
		tags  string
		want  bool // documented only
	}{
		{RulesAuto, "", false},
		{RulesAuto, "~@mock-only", false},
		{RulesAuto, "~@mock-only && ~@assumption", true},
		{RulesAuto, "@live-safe && ~@assumption", true},
		{RulesAuto, "@documented", true},
		{RulesAuto, "@assumption", false},
		{RulesAll, "~@assumption", false},
		{RulesDocumented, "", true},
	}
	for _, tt := range tests {
		s, err := New(context.Background(), Config{BaseURL: "http://127.0.0.1:9/beta", Rules: tt.rules})
		if err != nil {
			t.Fatal(err)
		}
		pickles, _, err := selection(Options{Tags: tt.tags})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.documentedOnly(pickles); got != tt.want {
			t.Errorf("rules %q, tags %q: documented only = %v; want %v", tt.rules, tt.tags, got, tt.want)
		}
	}
	if s, err := New(context.Background(), Config{BaseURL: "http://127.0.0.1:9/beta"}); err != nil || s.documentedOnly(nil) {
		t.Errorf("no scenario selected: documented only = true (err %v); want every rule", err)
	}
	if _, err := New(context.Background(), Config{BaseURL: "http://127.0.0.1:9/beta", Rules: "strict"}); err == nil {
		t.Error(`New with Rules "strict" = nil error; want one`)
	}
}
