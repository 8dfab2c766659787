package conformance

import (
	"context"
	"fmt"
	"strings"
)

// Drift is the side-by-side outcome of the same scenarios against two
// endpoints, A and B: how a mock drifted from the live service, or one version
// of a service from another. Make it with Compare or Diff.
type Drift struct {
	// A and B are the two endpoints and their tallies.
	A Side `json:"a"`
	B Side `json:"b"`
	// Scenarios are the scenarios in file order.
	Scenarios []ScenarioDrift `json:"scenarios"`
	// restores are the sides' Restore, when Compare ran them.
	restores [2]*Restore
}

// Side is one endpoint of a Drift.
type Side struct {
	// Target is the endpoint's base URL.
	Target string `json:"target"`
	// Passed and Failed count its scenarios (skipped ones count as neither).
	Passed int `json:"passed"`
	Failed int `json:"failed"`
}

// ScenarioDrift is one scenario on both sides.
type ScenarioDrift struct {
	// Feature, Line and Name identify the scenario (Line is that of the
	// examples row for an outline).
	Feature string `json:"feature"`
	Line    int    `json:"line"`
	Name    string `json:"name"`
	// Tags are the scenario's tags, e.g. @documented or @assumption.
	Tags []string `json:"tags,omitempty"`
	// A and B are its outcome on each side.
	A SideOutcome `json:"a"`
	B SideOutcome `json:"b"`
	// Same reports whether the sides agree: the same outcome, and when it is not
	// a pass, the same first step that did not pass.
	Same bool `json:"same"`
	// Difference is the first difference of the sides' HTTP exchanges, for a
	// scenario whose sides disagree; nil when they agree or the exchanges show
	// no difference.
	Difference *Difference `json:"firstDifference,omitempty"`
}

// SideOutcome is a scenario's outcome on one side.
type SideOutcome struct {
	// Outcome is how the scenario ended.
	Outcome Outcome `json:"outcome"`
	// Step and Error are the first step that did not pass and its error, with
	// the side's base URL left out of it; empty when the scenario passed.
	Step  string `json:"step,omitempty"`
	Error string `json:"error,omitempty"`
	// Requests is how many HTTP requests the scenario sent.
	Requests int `json:"requests"`
}

// Difference is the first way the two sides answered a scenario differently:
// the first differing status; failing that the first differing error code,
// then header, then property, then the requests themselves.
type Difference struct {
	// Exchange is the 1-based number of the request in the scenario.
	Exchange int `json:"exchange"`
	// Request is its method and URL below the base URL, the alert id written
	// as {alertId} and paging tokens as "…".
	Request string `json:"request"`
	// Aspect is what differs: "status", "error code", "header", "property"
	// (present on one side only, or of another JSON type other than null),
	// "value" (of a property of an error body), or "requests" (one side sent
	// another request, or more).
	Aspect string `json:"aspect"`
	// Name is the header name or the property path: "value[].status" in a
	// success (array elements merged), "error.details[0].code" in an error;
	// empty for the other aspects.
	Name string `json:"name,omitempty"`
	// A and B are the values on each side; "(absent)" when there is none.
	A string `json:"a"`
	B string `json:"b"`
}

// Agree reports whether both sides agree on every scenario.
func (d *Drift) Agree() bool {
	return d.Differing() == 0
}

// Differing counts the scenarios on which the sides disagree.
func (d *Drift) Differing() int {
	n := 0
	for _, sc := range d.Scenarios {
		if !sc.Same {
			n++
		}
	}
	return n
}

// Compare runs the scenarios selected by o against a and then against b (each
// probed first, see Ping) and returns the drift between them. o's Format and
// Output are ignored. The same scenarios run on both sides, so a shared
// endpoint sees the writes of both.
func Compare(ctx context.Context, a, b *Suite, o Options) (*Drift, error) {
	o.Format, o.Output = "", nil
	o, pickles, lines, err := prepare(o)
	if err != nil {
		return nil, err
	}
	for i, s := range []*Suite{a, b} { // both, before either side's writes
		if err := s.Ping(ctx); err != nil {
			return nil, &SideError{Side: "AB"[i : i+1], Err: err}
		}
		if err := s.checkNeeds(pickles); err != nil {
			return nil, &SideError{Side: "AB"[i : i+1], Err: err}
		}
	}
	var res [2]*Result
	for i, s := range []*Suite{a, b} {
		restore := s.noteAlert(ctx)
		res[i] = s.runSelected(ctx, o, pickles, lines, nil)
		s.restoreAlert(ctx, restore)
		res[i].Restore = restore
	}
	d, err := Diff(res[0], res[1])
	if err != nil {
		return nil, err
	}
	d.restores = [2]*Restore{res[0].Restore, res[1].Restore}
	return d, nil
}

// Restores says how each side's alert under test was put back after its
// run, A then B (see Restore); nil for a Drift made by Diff.
func (d *Drift) Restores() []*Restore {
	if d.restores[0] == nil {
		return nil
	}
	return d.restores[:]
}

// SideError is an error of one side of Compare: its probe failed.
type SideError struct {
	// Side is "A" or "B".
	Side string
	// Err is the side's error (see Ping).
	Err error
}

func (e *SideError) Error() string { return "side " + e.Side + ": " + e.Err.Error() }

// Unwrap returns the side's error.
func (e *SideError) Unwrap() error { return e.Err }

// Diff compares two results of the same scenarios (as Run returns them) and
// returns their drift; it fails when they are not results of the same scenarios.
func Diff(a, b *Result) (*Drift, error) {
	if len(a.Scenarios) != len(b.Scenarios) {
		return nil, fmt.Errorf("conformance: the results hold %d and %d scenarios; want the same scenarios", len(a.Scenarios), len(b.Scenarios))
	}
	d := &Drift{A: side(a), B: side(b), Scenarios: make([]ScenarioDrift, len(a.Scenarios))}
	for i, sa := range a.Scenarios {
		sb := b.Scenarios[i]
		if sa.Feature != sb.Feature || sa.Line != sb.Line || sa.Name != sb.Name {
			return nil, fmt.Errorf("conformance: scenario %d is %s:%d on A and %s:%d on B; want the same scenarios", i+1, sa.Feature, sa.Line, sb.Feature, sb.Line)
		}
		sd := ScenarioDrift{
			Feature: sa.Feature, Line: sa.Line, Name: sa.Name, Tags: sa.Tags,
			A: sideOutcome(sa, a.BaseURL), B: sideOutcome(sb, b.BaseURL),
		}
		sd.Same = sa.Outcome == sb.Outcome && (sa.Outcome == Passed || sa.Step == sb.Step)
		if !sd.Same {
			sd.Difference = firstDifference(view(a, sa.Exchanges), view(b, sb.Exchanges))
		}
		d.Scenarios[i] = sd
	}
	return d, nil
}

// side tallies a result.
func side(r *Result) Side {
	p, f := r.Counts()
	return Side{Target: r.BaseURL, Passed: p, Failed: f}
}

// sideOutcome is a scenario's outcome with the side's base URL left out of its
// error, so that the report reads the same for any two endpoints.
func sideOutcome(sc ScenarioResult, base string) SideOutcome {
	o := SideOutcome{Outcome: sc.Outcome, Requests: len(sc.Exchanges)}
	if sc.Outcome != Passed {
		o.Step = sc.Step
		o.Error = strings.TrimSpace(sc.Err)
		if base != "" {
			o.Error = strings.ReplaceAll(o.Error, base, "")
		}
	}
	return o
}
