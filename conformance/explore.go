package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/partner-security/alertmock/conformance/oracle"
)

// Seeded exploration: a stream of random operations (explore_gen.go), each a
// step of the suite's own (explore_ops.go), run against the target and judged
// by the oracle and its shadow model as every step of a scenario is. On the
// first failure the sequence is shrunk (explore_shrink.go) to a minimal one
// that still fails by the same rule, every replay from fresh state, and
// printed as a scenario that fails the same way when run as a feature.

// ExploreOptions configures Suite.Explore; the zero value explores 100
// operations of seed 0, judged by the rules a run of every scenario uses.
type ExploreOptions struct {
	// Ops is how many random operations to run; 0 means 100.
	Ops int
	// Seed chooses the operations: the same seed against a target in the same
	// state sends the same requests.
	Seed int64
	// Tags and Features choose the rules every exchange is judged by, as for
	// a Run with the same options (see RuleSet): with Config.Rules RulesAuto,
	// the documented rules only when the scenarios they select include none
	// tagged @assumption (for example Tags "~@assumption"). Features nil
	// means the embedded features.
	Tags     string
	Features fs.FS
	// WriteOthers lets operations update alerts other than the alert under
	// test. Set it only for a target that keeps the state of each
	// X-Mock-Session apart (the mock); otherwise other alerts are only read,
	// and only the alert under test is put back after every replay.
	WriteOthers bool
	// MaxReplays bounds the replays of shrinking; 0 means 400.
	MaxReplays int
}

// ExploreResult is the outcome of an exploration.
type ExploreResult struct {
	// BaseURL is the endpoint explored; AlertID the alert under test.
	BaseURL, AlertID string
	// Seed and Ops are those of the options (Ops with its default).
	Seed int64
	Ops  int
	// Rules are the rules every exchange was judged by.
	Rules RuleSet
	// Failure is the first failure and its minimal scenario; nil when every
	// operation passed.
	Failure *ExploreFailure
	// Duration is the wall time of the exploration, shrinking included.
	Duration time.Duration
	// Restore says how the alert under test was put back afterwards.
	Restore *Restore
}

// ExploreFailure is the first operation of an exploration that failed, and
// the minimal sequence that fails the same way.
type ExploreFailure struct {
	// Rule and Label are those of the oracle's rule that failed; Rule is
	// empty when a step's own check failed or no answer came (Step then
	// names the failure).
	Rule  string
	Label oracle.Label
	// At is the number of the failing operation (from 1); Step is its step,
	// Err its error and Finding the error's first finding on one line
	// ("[rule, label] what was wrong").
	At      int
	Step    string
	Err     string
	Finding string
	// Steps are the operations of the minimal sequence as steps, and
	// MinimalErr the error its last step fails with.
	Steps      []string
	MinimalErr string
	// Replays is how many sequences shrinking ran.
	Replays int
	// Scenario is a feature holding the minimal sequence as a scenario: saved
	// as a .feature file and run against the same target (conformance
	// -features DIR), it fails by the same rule.
	Scenario string
}

// OK reports whether every operation passed.
func (r *ExploreResult) OK() bool { return r.Failure == nil }

// Explore probes the target (see Ping), reads the alert under test and the
// list once, and runs o.Ops random operations drawn from o.Seed: valid and
// invalid updates of the alert under test (and, with o.WriteOthers, of other
// alerts), reads whole and with $select of it and of other alerts, lists
// with $filter, $select, $count and the list's other options, one page or
// following every next link. Each exchange is judged by the oracle with the
// model of a scenario, as when the operations' steps run in a feature. On the
// first failure the sequence is shrunk to a minimal one that fails by the
// same rule, each replay from fresh state (a new X-Mock-Session, the alert
// under test put back as the exploration found it). The alert under test is
// put back afterwards. An error means the exploration could not run (bad
// options or tags, a target that does not serve the API); a failure found is
// not an error but ExploreResult.Failure.
func (s *Suite) Explore(ctx context.Context, o ExploreOptions) (*ExploreResult, error) {
	if o.Ops < 0 || o.MaxReplays < 0 {
		return nil, fmt.Errorf("conformance: explore %d operations with %d replays; want 0 or more of each", o.Ops, o.MaxReplays)
	}
	if o.Ops == 0 {
		o.Ops = 100
	}
	if o.MaxReplays == 0 {
		o.MaxReplays = 400
	}
	documented, err := s.exploreDocumented(o)
	if err != nil {
		return nil, err
	}
	sp, err := builtinSpace()
	if err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		return nil, err
	}
	began := time.Now()
	res := &ExploreResult{BaseURL: s.base.String(), AlertID: s.cfg.AlertID, Seed: o.Seed, Ops: o.Ops, Rules: RulesAll}
	if documented {
		res.Rules = RulesDocumented
	}
	res.Restore = s.noteAlert(ctx)
	defer s.restoreAlert(ctx, res.Restore)
	state, err := s.targetState(ctx)
	if err != nil {
		return nil, err
	}
	ops := newGenerator(o.Seed, sp, state, o.WriteOthers, s.cfg.Token == "").ops(o.Ops)
	x := &explorer{s: s, documented: documented, restore: res.Restore, patterns: map[string]string{}}
	first, err := x.replay(ctx, ops, false)
	if err != nil {
		return nil, err
	}
	if first.at >= 0 {
		f := &ExploreFailure{Rule: first.rule, Label: first.label, At: first.at + 1, Step: ops[first.at].step(), Err: first.err.Error(), Finding: first.finding}
		minimal, last, replays, err := shrink(ops[:first.at+1], first, o.MaxReplays, func(cand []exploreOp) (*outcome, error) {
			return x.replay(ctx, cand, true)
		})
		if err != nil {
			return nil, err
		}
		f.Steps, f.MinimalErr, f.Replays = steps(minimal), last.err.Error(), replays
		f.Scenario = x.scenarioText(res, f, last, len(ops))
		res.Failure = f
	}
	res.Duration = time.Since(began)
	return res, nil
}

// exploreDocumented decides the rules of an exploration as Run decides those
// of a run of the scenarios o selects.
func (s *Suite) exploreDocumented(o ExploreOptions) (bool, error) {
	switch s.cfg.Rules {
	case RulesDocumented:
		return true, nil
	case RulesAll:
		return false, nil
	}
	pickles, _, err := selection(Options{Features: o.Features, Tags: o.Tags})
	if err != nil {
		return false, err
	}
	return s.documentedOnly(pickles), nil
}

// targetState reads the alert under test and the alerts of the list (at
// most 20 pages or 200 alerts) in a session of their own, with the suite's
// credentials: what the operations are drawn from besides the description.
func (s *Suite) targetState(ctx context.Context) (*targetState, error) {
	session := s.cfg.NewID()
	get := func(u string) (map[string]any, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", s.defaultCredentials().header)
		req.Header.Set(SessionHeader, session)
		resp, err := s.cfg.Client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		var obj map[string]any
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &obj) != nil {
			return nil, fmt.Errorf("GET %s answered %d: %s", u, resp.StatusCode, excerpt(b))
		}
		return obj, nil
	}
	alert, err := get(s.base.String() + alertPath(s.cfg.AlertID))
	if err != nil {
		return nil, fmt.Errorf("exploration: reading the alert under test: %w", err)
	}
	st := &targetState{alert: alert}
	u := s.base.String() + "/security/partner/securityAlerts"
	for page := 0; page < 20 && u != "" && len(st.others) < 200; page++ {
		list, err := get(u)
		if err != nil {
			return nil, fmt.Errorf("exploration: reading the alerts: %w", err)
		}
		items, _ := list["value"].([]any)
		for _, it := range items {
			if a, ok := it.(map[string]any); ok {
				if id, _ := a["id"].(string); id != "" && id != s.cfg.AlertID {
					st.others = append(st.others, a)
				}
			}
		}
		u, _ = list["@odata.nextLink"].(string)
		if next, err := url.Parse(u); err != nil || next.Host != s.base.Host {
			u = ""
		}
	}
	sort.Slice(st.others, func(i, j int) bool { return st.others[i]["id"].(string) < st.others[j]["id"].(string) })
	return st, nil
}

// explorer runs sequences of operations against the suite's target.
type explorer struct {
	s          *Suite
	documented bool
	restore    *Restore
	// patterns are the step patterns of step texts run before.
	patterns map[string]string
}

// outcome is how a sequence ended: at is the index of the failing operation,
// -1 when every one passed.
type outcome struct {
	at    int
	err   error
	rule  string
	label oracle.Label
	rules []string // every rule of the failing exchange's findings
	key   string   // the rule, or the failing step's pattern when no rule failed
	// finding is the first finding ("[rule, label] what was wrong"), or the
	// first line of the error when no rule failed.
	finding string
}

// sameFailure reports whether o fails the way want did: by the same rule, or,
// when no rule failed, at a step of the same pattern.
func (o *outcome) sameFailure(want *outcome) bool {
	if o.at < 0 {
		return false
	}
	if want.rule != "" {
		for _, r := range o.rules {
			if r == want.rule {
				return true
			}
		}
		return false
	}
	return o.key == want.key
}

// prelude are the steps that start every sequence: they name the alert
// under test, so that the printed scenario does not depend on -alert-id.
func (x *explorer) prelude() []string {
	return []string{fmt.Sprintf(`the alert under test has the id "%s"`, x.s.cfg.AlertID)}
}

// replay runs ops as the steps of a fresh scenario (a new session; with
// fresh, the alert under test first put back as the exploration found it)
// and returns how it ended. Its error means the sequence could not be run.
func (x *explorer) replay(ctx context.Context, ops []exploreOp, fresh bool) (*outcome, error) {
	if fresh {
		r := *x.restore
		x.s.restoreAlert(ctx, &r)
		if r.Err != "" {
			return nil, fmt.Errorf("exploration: putting the alert under test back before a replay: %s", r.Err)
		}
	}
	st := x.s.newScenario(x.documented)
	fns := map[string]reflect.Value{}
	st.register(func(pattern string, fn any) { fns[pattern] = reflect.ValueOf(fn) })
	for _, text := range x.prelude() {
		if _, err := x.run(ctx, fns, text); err != nil {
			return nil, fmt.Errorf("exploration: %s: %w", text, err)
		}
	}
	for _, step := range sequence(ops) {
		pattern, err := x.run(ctx, fns, step.text)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var unrunnable *unrunnableStep
		if errors.As(err, &unrunnable) {
			return nil, err
		}
		o := &outcome{at: step.op, err: err, key: "step " + pattern, finding: firstLine(err.Error(), 240)}
		var fs oracle.Findings
		if errors.As(err, &fs) && len(fs) > 0 {
			o.rule, o.label, o.key = fs[0].Rule, fs[0].Label, fs[0].Rule
			o.finding = firstLine(fmt.Sprintf("[%s, %s] %s", fs[0].Rule, fs[0].Label, fs[0].Message()), 240)
			for _, f := range fs {
				o.rules = append(o.rules, f.Rule)
			}
		}
		return o, nil
	}
	return &outcome{at: -1}, nil
}

// unrunnableStep is a step text the exploration cannot run: a bug of the
// exploration, not a failure of the target.
type unrunnableStep struct {
	text, problem string
}

func (e *unrunnableStep) Error() string {
	return fmt.Sprintf("exploration: the step %q %s", e.text, e.problem)
}

// run runs one step text with the scenario's step functions, found by the
// suite's patterns as godog finds them, and returns the pattern.
func (x *explorer) run(ctx context.Context, fns map[string]reflect.Value, text string) (string, error) {
	pattern, ok := x.patterns[text]
	if !ok {
		var matches []string
		for p, re := range x.s.steps {
			if re.MatchString(text) {
				matches = append(matches, p)
			}
		}
		if len(matches) != 1 {
			sort.Strings(matches)
			return "", &unrunnableStep{text, fmt.Sprintf("matches %d step patterns of the suite (%s); want one (is it omitted by Config.OmitSteps?)", len(matches), strings.Join(matches, ", "))}
		}
		pattern = matches[0]
		x.patterns[text] = pattern
	}
	args := x.s.steps[pattern].FindStringSubmatch(text)[1:]
	fn := fns[pattern]
	t := fn.Type()
	var in []reflect.Value
	for i := 0; i < t.NumIn(); i++ {
		switch pt := t.In(i); {
		case pt == reflect.TypeFor[context.Context]():
			in = append(in, reflect.ValueOf(ctx))
		case len(args) == 0:
			return pattern, &unrunnableStep{text, "has fewer arguments than its function"}
		case pt.Kind() == reflect.String:
			in = append(in, reflect.ValueOf(args[0]).Convert(pt))
			args = args[1:]
		case pt.Kind() == reflect.Int:
			n, err := strconv.Atoi(args[0])
			if err != nil {
				return pattern, &unrunnableStep{text, "has an argument that is not a number: " + args[0]}
			}
			in = append(in, reflect.ValueOf(n))
			args = args[1:]
		default:
			return pattern, &unrunnableStep{text, "takes an argument of type " + pt.String() + ", which the exploration does not send"}
		}
	}
	out := fn.Call(in)
	if err, _ := out[len(out)-1].Interface().(error); err != nil {
		return pattern, err
	}
	return pattern, nil
}

// scenarioText writes the minimal sequence of f as a feature: tagged so that
// a run of it judges by the exploration's rules (@assumption for every rule),
// the alert under test named in its first step.
func (x *explorer) scenarioText(res *ExploreResult, f *ExploreFailure, last *outcome, ops int) string {
	var b strings.Builder
	what := f.Rule
	if what == "" {
		what = "the step " + strconv.Quote(f.Step)
	}
	fmt.Fprintf(&b, "# Found by conformance -explore %d -seed %d against %s: operation %d of %d failed by %s;\n", ops, res.Seed, res.BaseURL, f.At, ops, what)
	fmt.Fprintf(&b, "# shrunk to %d operations in %d replays. Run it with conformance -features DIR.\n", len(f.Steps), f.Replays)
	b.WriteString("Feature: Exploration\n\n")
	tags := "@explore"
	if !x.documented {
		tags += " @assumption"
	}
	fmt.Fprintf(&b, "  %s\n  Scenario: Seed %d fails by %s\n", tags, res.Seed, what)
	all := append(x.prelude(), f.Steps...)
	for i, text := range all {
		keyword := "And"
		switch i {
		case 0:
			keyword = "Given"
		case len(x.prelude()):
			keyword = "When"
		}
		if i == len(all)-1 {
			fmt.Fprintf(&b, "    # %s\n", last.finding)
		}
		fmt.Fprintf(&b, "    %s %s\n", keyword, text)
	}
	return b.String()
}

// WriteText writes what an exploration found: nothing when it passed, else
// the failing operation, its error and the minimal scenario.
func (r *ExploreResult) WriteText(w io.Writer) error {
	f := r.Failure
	if f == nil {
		return nil
	}
	_, err := fmt.Fprintf(w, "exploration: operation %d of %d (seed %d) failed: %s\n%s\n\nshrunk to %d operations in %d replays; this scenario fails the same way when saved as a .feature file and run with conformance -features DIR:\n\n%s",
		f.At, r.Ops, r.Seed, f.Step, indent(f.Err), len(f.Steps), f.Replays, f.Scenario)
	return err
}

// WriteJUnit writes the exploration as a JUnit report of one test case,
// whose failure carries the minimal scenario.
func (r *ExploreResult) WriteJUnit(w io.Writer) error {
	sc := ScenarioResult{Feature: "explore", FeatureName: "Exploration", Name: fmt.Sprintf("%d operations, seed %d", r.Ops, r.Seed), Outcome: Passed, Duration: r.Duration}
	if f := r.Failure; f != nil {
		sc.Outcome, sc.Step = Failed, f.Step
		sc.Err = fmt.Sprintf("operation %d of %d: %s\n\n%s\n\nA minimal scenario that fails the same way:\n\n%s", f.At, r.Ops, f.Finding, f.Err, f.Scenario)
	}
	return (&Result{BaseURL: r.BaseURL, AlertID: r.AlertID, Rules: r.Rules, Scenarios: []ScenarioResult{sc}, Duration: r.Duration}).WriteJUnit(w)
}

// indent indents every line of s by two spaces.
func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}
