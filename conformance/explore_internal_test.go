package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// testState is a target state for generating operations without a target.
func testState() *targetState {
	return &targetState{
		alert: map[string]any{"id": DocumentedAlertID, "displayName": "Crypto mining", "status": "active", "alertType": "Crypto mining", "detectedDateTime": "2024-01-23T16:03:33.05Z"},
		others: []map[string]any{
			{"id": "a1", "status": "resolved", "alertType": "Unusual activity", "customerTenantId": "c1"},
			{"id": "a2", "status": "investigating", "alertType": `a "quoted" & joined type`},
		},
	}
}

// TestFiltersOfDescription checks that the properties and operators of
// $filter are read from the parameter's description, and that names the
// alert does not declare are left out.
func TestFiltersOfDescription(t *testing.T) {
	sp, err := builtinSpace()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range sp.filters {
		got[f.prop.name] = strings.Join(f.ops, "/")
	}
	want := map[string]string{
		"status": "eq/ne", "severity": "eq/ne", "confidenceLevel": "eq/ne", "alertType": "eq/ne", "customerTenantId": "eq/ne",
		"subscriptionId": "eq/ne", "isTest": "eq/ne", "resolvedReason": "eq/ne",
		"detectedDateTime": "eq/ne/ge/le/gt/lt", "firstObservedDateTime": "eq/ne/ge/le/gt/lt", "lastObservedDateTime": "eq/ne/ge/le/gt/lt", "resolvedOnDateTime": "eq/ne/ge/le/gt/lt",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("filters = %v; want %v", got, want)
	}
	if !slices.Equal(sp.connectives, []string{"and", "or"}) || !sp.grouping {
		t.Errorf("connectives %v, grouping %v; want and, or with parentheses", sp.connectives, sp.grouping)
	}
	props, conns, grouping := filtersOf("Supported: `eq` on status and colour; `gt`/`lt` on detectedDateTime; `and`", sp.model)
	if len(props) != 2 || props[0].prop.name != "status" || props[1].prop.name != "detectedDateTime" || !slices.Equal(props[1].ops, []string{"gt", "lt"}) || !slices.Equal(conns, []string{"and"}) || grouping {
		t.Errorf("filtersOf = %v %v %v; want status eq and detectedDateTime gt/lt, joined by and, no grouping", props, conns, grouping)
	}
	if props, _, _ := filtersOf("Filter items by property values.", sp.model); len(props) != 0 {
		t.Errorf("filtersOf of a description without clauses = %v; want none", props)
	}
}

// TestGeneratedStepsAreSteps checks that every operation a seed draws is one
// step of the suite, matched by exactly one pattern, and that the stream is
// the seed's: the same seed draws the same operations, another seed others.
func TestGeneratedStepsAreSteps(t *testing.T) {
	s, err := New(context.Background(), Config{BaseURL: "http://127.0.0.1:1/beta"})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := builtinSpace()
	if err != nil {
		t.Fatal(err)
	}
	ops := newGenerator(7, sp, testState(), true, true).ops(600)
	for _, text := range steps(ops) {
		var matches []string
		for p, re := range s.steps {
			if re.MatchString(text) {
				matches = append(matches, p)
			}
		}
		if len(matches) != 1 {
			t.Errorf("step %q matches %d patterns %v; want 1", text, len(matches), matches)
		}
		if strings.Contains(text, "quoted") {
			t.Errorf("step %q holds a value a quoted step argument cannot", text)
		}
	}
	// Gherkin keeps every text as it is (a "#" inside a line, quotes,
	// braces), so the printed scenario runs the same steps.
	feature := "Feature: f\n  Scenario: s\n"
	for _, text := range steps(ops) {
		feature += "    When " + text + "\n"
	}
	pickles, _, err := selected(Options{Features: fstest.MapFS{"f.feature": {Data: []byte(feature)}}})
	if err != nil || len(pickles) != 1 {
		t.Fatalf("the steps as a feature: %d scenarios, %v", len(pickles), err)
	}
	for i, st := range pickles[0].Steps {
		if st.Text != steps(ops)[i] {
			t.Errorf("Gherkin reads step %d as %q; want %q", i, st.Text, steps(ops)[i])
		}
	}
	again := steps(newGenerator(7, sp, testState(), true, true).ops(600))
	if !slices.Equal(steps(ops), again) {
		t.Error("seed 7 drew other operations the second time")
	}
	if other := steps(newGenerator(8, sp, testState(), true, true).ops(600)); slices.Equal(steps(ops), other) {
		t.Error("seeds 7 and 8 drew the same operations")
	}
}

// TestGeneratorCovers checks that 300 operations send what the description
// allows: every member of every writable enum, unknownFutureValue included,
// every read-only property, every property $filter compares, every name
// $select accepts, the type annotation, and refusals of each kind.
func TestGeneratorCovers(t *testing.T) {
	sp, err := builtinSpace()
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(steps(newGenerator(1, sp, testState(), false, false).ops(300)), "\n")
	var want []string
	for _, p := range sp.model.writable {
		for _, e := range p.enum {
			want = append(want, fmt.Sprintf(`"%s":"%s"`, p.name, e))
		}
	}
	want = append(want, `"@odata.type":`, `"conformanceUndeclaredProperty":`, `"status":null`, `"status":"Active"`, `"status":1`, `page by page`, `$count=true`, `$top=`, `$orderby=`)
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("300 operations of seed 1 never send %s", w)
		}
	}
	for name, p := range sp.model.properties {
		if p.readOnly && !strings.Contains(all, `'{"`+name+`":`) && !strings.Contains(all, `,"`+name+`":`) {
			t.Errorf("300 operations of seed 1 never update the read-only %s", name)
		}
	}
	for _, f := range sp.filters {
		if !strings.Contains(all, "$filter="+f.prop.name+" ") && !strings.Contains(all, "$filter=("+f.prop.name+" ") && !strings.Contains(all, " "+f.prop.name+" ") {
			t.Errorf("300 operations of seed 1 never filter by %s", f.prop.name)
		}
	}
	selected := map[string]bool{}
	for _, op := range newGenerator(1, sp, testState(), false, false).ops(300) {
		for _, s := range op.sel {
			selected[s] = true
		}
	}
	for _, name := range sp.selectable {
		if !selected[name] {
			t.Errorf("300 operations of seed 1 never read %s with $select", name)
		}
	}
}

// TestShrink checks the shrinker against a fake target that fails by rule
// "r" when a read of "x" comes before a read of "y": noise around them goes,
// the pair stays; a candidate that fails earlier is cut there; a failure by
// another rule does not count; the budget bounds the replays.
func TestShrink(t *testing.T) {
	read := func(id string) exploreOp { return exploreOp{kind: opRead, id: id} }
	replay := func(ops []exploreOp) (*outcome, error) {
		seenX := false
		for i, op := range ops {
			switch {
			case op.kind == opRead && op.id == "x":
				seenX = true
			case op.kind == opRead && op.id == "y" && seenX:
				return &outcome{at: i, err: errors.New("broke r"), rule: "r", rules: []string{"r"}, key: "r"}, nil
			case op.kind == opRead && op.id == "y":
				return &outcome{at: i, err: errors.New("broke q"), rule: "q", rules: []string{"q"}, key: "q"}, nil
			case op.kind == opRead && op.id == "early":
				return &outcome{at: i, err: errors.New("broke r early"), rule: "r", rules: []string{"r"}, key: "r"}, nil
			}
		}
		return &outcome{at: -1}, nil
	}
	var ops []exploreOp
	for i := 0; i < 40; i++ {
		ops = append(ops, read(fmt.Sprint("n", i)))
		if i == 11 {
			ops = append(ops, read("x"))
		}
	}
	ops = append(ops, read("y"))
	first, _ := replay(ops)
	got, last, replays, err := shrink(ops, first, 400, replay)
	if err != nil {
		t.Fatal(err)
	}
	if texts := steps(got); !slices.Equal(texts, []string{`I read the alert with the id "x"`, `I read the alert with the id "y"`}) || last.rule != "r" {
		t.Errorf("shrunk to %q (rule %q) in %d replays; want the read of x, then of y", texts, last.rule, replays)
	}
	// y alone fails too, by another rule: that candidate does not count.
	// A candidate that fails by the rule earlier is cut after it.
	if got, _, _, _ := shrink([]exploreOp{read("x"), read("n"), read("early"), read("n2"), read("y")}, first, 400, replay); !slices.Equal(steps(got), []string{`I read the alert with the id "early"`}) {
		t.Errorf("shrunk to %q; want the read of early alone, which fails by r", steps(got))
	}
	if _, _, replays, _ := shrink(ops, first, 3, replay); replays != 3 {
		t.Errorf("%d replays with a budget of 3; want 3", replays)
	}
	// A list simplifies to fewer options and filter terms while it fails.
	list := exploreOp{kind: opPages, query: []option{
		{name: "$filter", filter: &filterText{terms: []string{"status eq 'active'", "severity eq 'high'", "isTest eq true"}, conj: []string{"and", "or"}, grouped: true}},
		{name: "$select", value: "id,status"}, {name: "$top", value: "2"},
	}}
	if got := list.step(); got != `I read the alerts page by page with "$filter=(status eq 'active' and severity eq 'high') or isTest eq true&$select=id,status&$top=2"` {
		t.Errorf("step = %s", got)
	}
	byFilter := func(ops []exploreOp) (*outcome, error) {
		if strings.Contains(ops[len(ops)-1].step(), "severity eq 'high'") {
			return &outcome{at: len(ops) - 1, rule: "f", rules: []string{"f"}, err: errors.New("f")}, nil
		}
		return &outcome{at: -1}, nil
	}
	failed, _ := byFilter([]exploreOp{list})
	got, _, _, _ = shrink([]exploreOp{list}, failed, 400, byFilter)
	if s := steps(got); len(s) != 1 || s[0] != `I list the alerts with "$filter=severity eq 'high'"` {
		t.Errorf("shrunk to %q; want one list filtering by severity alone", s)
	}
}
