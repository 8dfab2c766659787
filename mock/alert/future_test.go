package alert

import (
	"testing"
)

// TestHasUnknownMembers: every declared member is known, and a value outside
// the declared members in any enum property (or in an activity log entry) is
// not; Masked replaces exactly those.
func TestHasUnknownMembers(t *testing.T) {
	base := Seed(0)[0]
	if base.HasUnknownMembers() {
		t.Fatalf("a seed alert has unknown members: %+v", base)
	}
	later := ResolvedReason("accepted")
	for _, tt := range []struct {
		name string
		set  func(a *Alert)
	}{
		{"status", func(a *Alert) { a.Status = "dismissed" }},
		{"severity", func(a *Alert) { a.Severity = "critical" }},
		{"confidence", func(a *Alert) { a.ConfidenceLevel = "certain" }},
		{"reason", func(a *Alert) { a.ResolvedReason = &later }},
		{"log from", func(a *Alert) { a.ActivityLogs = []ActivityLog{{StatusFrom: "dismissed", StatusTo: StatusActive}} }},
		{"log to", func(a *Alert) { a.ActivityLogs = []ActivityLog{{StatusFrom: StatusActive, StatusTo: "dismissed"}} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := base.Clone()
			tt.set(&a)
			if !a.HasUnknownMembers() {
				t.Fatal("HasUnknownMembers = false; want true")
			}
			if m := a.Masked(); m.HasUnknownMembers() {
				t.Errorf("Masked still has unknown members: %+v", m)
			}
		})
	}
	for _, enum := range []string{EnumStatus, EnumSeverity, EnumConfidence, EnumResolvedReason} {
		for _, m := range EnumValues(enum) {
			a := base.Clone()
			switch enum {
			case EnumStatus:
				a.Status = Status(m)
			case EnumSeverity:
				a.Severity = Severity(m)
			case EnumConfidence:
				a.ConfidenceLevel = Confidence(m)
			default:
				r := ResolvedReason(m)
				a.ResolvedReason = &r
			}
			if a.HasUnknownMembers() {
				t.Errorf("%s member %s counts as unknown", enum, m)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = base.HasUnknownMembers() }); n != 0 {
		t.Errorf("HasUnknownMembers allocates %v times; want 0 (it runs for every alert sent)", n)
	}
}

func TestFutureCheck(t *testing.T) {
	for _, tt := range []struct {
		f  Future
		ok bool
	}{
		{nil, true}, {Future{EnumSeverity: {"critical"}}, true}, {Future{EnumStatus: {"dismissed", "archived"}}, true},
		{Future{"nope": {"x"}}, false}, {Future{EnumSeverity: {"high"}}, false}, {Future{EnumSeverity: {"9lives"}}, false},
		{Future{EnumSeverity: {""}}, false}, {Future{EnumStatus: {"x", "x"}}, false},
	} {
		if err := tt.f.Check(); (err == nil) != tt.ok {
			t.Errorf("Future%v.Check() = %v; want ok %v", tt.f, err, tt.ok)
		}
	}
}
