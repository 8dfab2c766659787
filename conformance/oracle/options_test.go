package oracle

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestDocumentedOnly checks Options.Documented: only documented rules judge,
// and bodies are validated against the documented projection.
func TestDocumentedOnly(t *testing.T) {
	o, err := New(context.Background(), Options{Documented: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Rules()) == 0 || len(o.Rules()) == len(Rules()) {
		t.Fatalf("%d rules of %d; want the documented ones only", len(o.Rules()), len(Rules()))
	}
	for _, r := range o.Rules() {
		if r.Label != Documented {
			t.Errorf("rule %s (%s) in a documented-only oracle", r.ID, r.Label)
		}
	}
	f := newFx()
	x := f.get(alert(map[string]any{"riskScore": 7, "@odata.context": "elsewhere"}))
	x.Header.Set("Content-Type", "application/json")
	if fs := o.Judge(NewModel(), x); len(fs) > 0 {
		t.Errorf("an added property, another context, plain JSON: %v; want no finding by documented rules", fs)
	}
	if err := o.Validate("partnerSecurityAlertEntity", []byte(alert(map[string]any{"riskScore": 7}))); err != nil {
		t.Errorf("Validate against the documented projection: %v; want nil", err)
	}
	all, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := all.Validate("partnerSecurityAlertEntity", []byte(alert(map[string]any{"riskScore": 7}))); err == nil || !strings.Contains(err.Error(), "riskScore") {
		t.Errorf("Validate against the full description = %v; want riskScore refused", err)
	}
	if _, err := all.Schema("noSuchSchema"); err == nil {
		t.Error("Schema(noSuchSchema) = nil error; want one")
	}
	if got := all.Options(); got.BasePath != "/beta" || got.Settle != DefaultSettle || got.ClockSkew != DefaultClockSkew || got.Tolerance != DefaultTolerance {
		t.Errorf("Options() = %+v; want the defaults filled in", got)
	}
}

// TestRuleTable checks the table: ids unique and ordered, each rule with a
// label, a source and a doc, Lookup finding each and nothing else.
func TestRuleTable(t *testing.T) {
	rs := Rules()
	if !sort.SliceIsSorted(rs, func(i, j int) bool { return rs[i].ID < rs[j].ID }) {
		t.Error("Rules() is not ordered by ID")
	}
	seen := map[string]bool{}
	for _, r := range rs {
		if seen[r.ID] {
			t.Errorf("rule %s twice", r.ID)
		}
		seen[r.ID] = true
		if r.ID != strings.ToLower(r.ID) || strings.ContainsAny(r.ID, " _") {
			t.Errorf("rule id %q: want kebab-case", r.ID)
		}
		if (r.Label != Documented && r.Label != Assumed) || r.Source == "" || r.Doc == "" {
			t.Errorf("rule %s: label %q, source %q, doc %q; want all three", r.ID, r.Label, r.Source, r.Doc)
		}
		if got, ok := Lookup(r.ID); !ok || got.ID != r.ID {
			t.Errorf("Lookup(%s) = %v, %v", r.ID, got.ID, ok)
		}
	}
	if _, ok := Lookup("no-such-rule"); ok {
		t.Error("Lookup(no-such-rule) found one")
	}
	if !strings.Contains(Table(), "| `"+rs[0].ID+"` | "+string(rs[0].Label)+" | ") {
		t.Errorf("Table() lacks the row of %s", rs[0].ID)
	}
}

// TestClockEstimate checks how the Date headers narrow the server's clock,
// and that a clock that jumps starts the estimate again.
func TestClockEstimate(t *testing.T) {
	at := func(sent time.Time, date time.Time) *Exchange {
		return &Exchange{Sent: sent, Received: sent.Add(100 * time.Millisecond), Header: http.Header{"Date": {date.Format(http.TimeFormat)}}}
	}
	var c clockEstimate
	c.learn(at(t0, t0.Add(2*time.Second)), time.Second)
	if !c.set || c.lo != 2*time.Second-100*time.Millisecond || c.hi != 3*time.Second {
		t.Fatalf("after one Date: %+v; want [1.9s, 3s]", c)
	}
	c.learn(at(t0.Add(500*time.Millisecond), t0.Add(3*time.Second)), time.Second)
	if c.lo != 2400*time.Millisecond || c.hi != 3*time.Second {
		t.Errorf("after a second Date: %+v; want [2.4s, 3s]", c)
	}
	c.learn(at(t0.Add(10*time.Second), t0.Add(10*time.Second)), time.Second)
	if c.lo != -100*time.Millisecond || c.hi != time.Second {
		t.Errorf("after a Date that jumped back: %+v; want it started again at [-0.1s, 1s]", c)
	}
	before := c
	c.learn(&Exchange{Sent: t0, Received: t0, Header: http.Header{}}, time.Second)
	if c != before {
		t.Errorf("an answer without Date changed the estimate: %+v", c)
	}
}
