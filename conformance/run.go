package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/partner-security/alertmock/features"
)

// ErrNoScenario is returned (wrapped) by Run, Test and Compare when the
// features and tags select no scenario, so that a mistyped tag or an empty
// folder cannot pass as a green run.
var ErrNoScenario = errors.New("no scenario selected")

// Options selects the scenarios of a run and how they are run; the zero value
// runs every embedded scenario one at a time in file order. They are the
// options of the conformance command.
type Options struct {
	// Features holds the .feature files (searched recursively); nil means the
	// embedded features (features.FS). os.DirFS(dir) runs a folder.
	Features fs.FS
	// Tags is a godog tag expression, e.g. "@live-safe", "@live-safe,@live-writes"
	// (or) or "~@mock-only && ~@assumption" (and, not); empty selects all.
	Tags string
	// Concurrency is how many scenarios run at once; 0 means 1.
	Concurrency int
	// Randomize is the seed of the scenario order: 0 keeps file order, -1 picks
	// a seed.
	Randomize int64
	// Format is the report written to Output: a godog formatter ("pretty",
	// "progress", "cucumber") or "junit" (Result.WriteJUnit, after the run);
	// empty writes no report.
	Format string
	// Output receives the Format report; nil discards it.
	Output io.Writer
}

// Outcome is how a scenario ended.
type Outcome string

// The outcomes of a scenario.
const (
	Passed    Outcome = "passed"
	Failed    Outcome = "failed"
	Skipped   Outcome = "skipped"   // a step skipped the scenario (godog.ErrSkip)
	Undefined Outcome = "undefined" // a step has no definition
	Pending   Outcome = "pending"   // a step is not implemented yet
)

// ScenarioResult is the outcome of one scenario (one row of an outline).
type ScenarioResult struct {
	// Feature is the path of the feature file within Options.Features.
	Feature string
	// FeatureName is the name of its feature ("Feature: …").
	FeatureName string
	// Line is the line of the scenario, or of its row in an outline's examples.
	Line int
	// Name is the scenario's name.
	Name string
	// Tags are the scenario's tags, including inherited ones.
	Tags []string
	// Outcome is how it ended.
	Outcome Outcome
	// Step is the text of the first step that did not pass; empty when all did.
	Step string
	// Err is that step's error.
	Err string
	// Exchanges are the scenario's HTTP requests and responses in the order
	// they were sent.
	Exchanges []Exchange
	// Duration is how long the scenario ran.
	Duration time.Duration
}

// Result is the outcome of a run: its scenarios in file order.
type Result struct {
	// BaseURL is the endpoint the scenarios ran against.
	BaseURL string
	// AlertID is the alert under test.
	AlertID string
	// Rules are the rules every exchange was judged by: RulesDocumented or
	// RulesAll.
	Rules RuleSet
	// Scenarios are the selected scenarios in file order.
	Scenarios []ScenarioResult
	// Duration is the wall time of the run.
	Duration time.Duration
	// Restore says how the alert under test was put back after the run
	// (Run, Test and Compare set it).
	Restore *Restore
}

// Counts returns how many scenarios passed and how many did not (skipped
// scenarios count as neither).
func (r *Result) Counts() (passed, failed int) {
	for _, sc := range r.Scenarios {
		switch sc.Outcome {
		case Passed:
			passed++
		case Skipped:
		default:
			failed++
		}
	}
	return passed, failed
}

// OK reports whether no scenario failed.
func (r *Result) OK() bool {
	_, failed := r.Counts()
	return failed == 0
}

// Run probes the endpoint (see Ping) and runs the selected scenarios against
// it. It returns an error, and runs nothing, when the endpoint does not serve
// the API, the features do not parse, or no scenario is selected
// (ErrNoScenario); a failed scenario is not an error but an Outcome in the
// Result. After the run its only error is one writing the "junit" report, and
// the Result comes with it.
func (s *Suite) Run(ctx context.Context, o Options) (*Result, error) {
	return s.run(ctx, o, nil)
}

// Test runs the selected scenarios against the endpoint from a go test, each
// scenario a subtest of t named after it. A failed scenario fails its subtest;
// an endpoint that does not serve the API, or a selection of no scenario,
// fails t at once.
func (s *Suite) Test(t *testing.T, o Options) {
	t.Helper()
	if _, err := s.run(t.Context(), o, t); err != nil {
		t.Fatal(err)
	}
}

// selected returns the parsed features of o, filtered by its tags.
func selected(o Options) ([]*messages.Pickle, *places, error) {
	feats, err := godog.TestSuite{Options: &godog.Options{FS: o.Features, Paths: []string{"."}, Tags: o.Tags}}.RetrieveFeatures()
	if err != nil {
		return nil, nil, fmt.Errorf("features: %w", err)
	}
	var pickles []*messages.Pickle
	lines := &places{lines: map[string]int{}, names: map[string]string{}}
	for _, f := range feats {
		pickles = append(pickles, f.Pickles...)
		indexLines(f.Uri, f.GherkinDocument, lines)
	}
	return pickles, lines, nil
}

// places are where the scenarios of the features are: the line of every
// scenario and examples row by file and AST node id, and each file's feature
// name.
type places struct {
	lines map[string]int
	names map[string]string
}

// indexLines notes the line of every scenario and examples row of doc, by
// file and AST node id, and the name of its feature.
func indexLines(uri string, doc *messages.GherkinDocument, lines *places) {
	if doc == nil || doc.Feature == nil {
		return
	}
	lines.names[uri] = doc.Feature.Name
	scenario := func(sc *messages.Scenario) {
		if sc == nil {
			return
		}
		lines.lines[uri+"#"+sc.Id] = int(sc.Location.Line)
		for _, ex := range sc.Examples {
			for _, row := range ex.TableBody {
				lines.lines[uri+"#"+row.Id] = int(row.Location.Line)
			}
		}
	}
	for _, c := range doc.Feature.Children {
		scenario(c.Scenario)
		if c.Rule != nil {
			for _, rc := range c.Rule.Children {
				scenario(rc.Scenario)
			}
		}
	}
}

// pickleKey identifies a scenario (an outline row) across runs of the same features.
func pickleKey(p *messages.Pickle) string {
	return p.Uri + "#" + strings.Join(p.AstNodeIds, "/")
}

// lineOf returns the line of the pickle's examples row, or of its scenario.
func lineOf(p *messages.Pickle, lines *places) int {
	for i := len(p.AstNodeIds) - 1; i >= 0; i-- {
		if l, ok := lines.lines[p.Uri+"#"+p.AstNodeIds[i]]; ok {
			return l
		}
	}
	return 0
}

// run is Run, with each scenario a subtest of t when t is not nil.
func (s *Suite) run(ctx context.Context, o Options, t *testing.T) (*Result, error) {
	o, pickles, lines, err := prepare(o)
	if err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		return nil, err
	}
	if err := s.checkNeeds(pickles); err != nil { // after the probe: a target that refuses -token is the first thing to fix
		return nil, err
	}
	restore := s.noteAlert(ctx)
	res := s.runSelected(ctx, o, pickles, lines, t)
	s.restoreAlert(ctx, restore)
	res.Restore = restore
	if o.Format == "junit" && o.Output != nil {
		if err := res.WriteJUnit(o.Output); err != nil {
			return res, fmt.Errorf("conformance: the JUnit report: %w", err)
		}
	}
	return res, nil
}

// prepare fills in o's defaults and returns the scenarios it selects (see
// selection).
func prepare(o Options) (Options, []*messages.Pickle, *places, error) {
	if o.Features == nil {
		o.Features = features.FS()
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	pickles, lines, err := selection(o)
	return o, pickles, lines, err
}

// runSelected runs the scenarios prepare selected against a pinged endpoint.
func (s *Suite) runSelected(ctx context.Context, o Options, pickles []*messages.Pickle, lines *places, t *testing.T) *Result {
	documented := s.documentedOnly(pickles)
	res := &Result{BaseURL: s.base.String(), AlertID: s.cfg.AlertID, Rules: RulesAll, Scenarios: make([]ScenarioResult, len(pickles))}
	if documented {
		res.Rules = RulesDocumented
	}
	index := make(map[string]int, len(pickles))
	for i, p := range pickles {
		index[pickleKey(p)] = i
		d := scenarioOf(p, lines)
		res.Scenarios[i] = ScenarioResult{Feature: d.Feature, FeatureName: d.FeatureName, Line: d.Line, Name: d.Name, Tags: d.Tags, Outcome: Skipped}
	}
	var mu sync.Mutex // guards res.Scenarios while scenarios run
	// JUnit is written from the Result afterwards (WriteJUnit): godog's
	// formatter times suites from scenarios run in random order.
	format, out := o.Format, o.Output
	if format == "" || out == nil || format == "junit" {
		format, out = "progress", io.Discard
	}
	began := time.Now()
	godog.TestSuite{
		Name: "conformance",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
				return withOrdinal(ctx, index[pickleKey(p)]), nil
			})
			s.initializeScenario(sc, documented)
			rec := &recorder{}
			var step, stepErr string
			var began time.Time
			sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
				began = time.Now()
				return withRecorder(ctx, rec), nil
			})
			sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
				if status != godog.StepPassed && step == "" {
					step = st.Text
					if err != nil {
						stepErr = err.Error()
					}
				}
				return ctx, nil
			})
			sc.After(func(ctx context.Context, p *godog.Scenario, err error) (context.Context, error) {
				i, ok := index[pickleKey(p)]
				if !ok {
					return ctx, nil
				}
				mu.Lock()
				defer mu.Unlock()
				r := &res.Scenarios[i]
				r.Outcome, r.Step, r.Err, r.Exchanges, r.Duration = outcomeOf(err), step, stepErr, rec.list(), time.Since(began)
				if r.Err == "" && err != nil && r.Outcome == Failed {
					r.Err = err.Error()
				}
				return ctx, nil // an error here would be reported as a hook failure
			})
		},
		Options: &godog.Options{
			Format:         format,
			Output:         out,
			NoColors:       true,
			FS:             o.Features,
			Paths:          []string{"."},
			Tags:           o.Tags,
			Strict:         true,
			Randomize:      o.Randomize,
			Concurrency:    o.Concurrency,
			DefaultContext: ctx,
			TestingT:       t,
		},
	}.Run()
	res.Duration = time.Since(began)
	return res
}

// outcomeOf maps the error godog hands a scenario's After hook to an Outcome.
func outcomeOf(err error) Outcome {
	switch {
	case err == nil:
		return Passed
	case errors.Is(err, godog.ErrSkip):
		return Skipped
	case errors.Is(err, godog.ErrUndefined):
		return Undefined
	case errors.Is(err, godog.ErrPending):
		return Pending
	default:
		return Failed
	}
}

// selection returns the scenarios o selects (with o.Features set), or an
// error wrapping ErrNoScenario when there is none.
func selection(o Options) ([]*messages.Pickle, *places, error) {
	if o.Features == nil {
		o.Features = features.FS()
	}
	if strings.TrimSpace(o.Tags) != "" {
		all, _, err := selected(Options{Features: o.Features})
		if err != nil {
			return nil, nil, err
		}
		if err := checkTags(o.Tags, all); err != nil {
			return nil, nil, err
		}
	}
	pickles, lines, err := selected(o)
	if err != nil {
		return nil, nil, err
	}
	if len(pickles) == 0 {
		return nil, nil, noScenario(o)
	}
	return pickles, lines, nil
}

// Scenario identifies one scenario (one row of an outline) of the features.
type Scenario struct {
	// Feature is the path of the feature file within Options.Features.
	Feature string
	// FeatureName is the name of its feature ("Feature: …").
	FeatureName string
	// Line is the line of the scenario, or of its row in an outline's examples.
	Line int
	// Name is the scenario's name.
	Name string
	// Tags are the scenario's tags, including inherited ones.
	Tags []string
}

// Select returns the scenarios o selects, in file order, without running
// them or sending a request: what Run would run. Its errors are those of Run
// before the probe: a *TagError (ErrTags), ErrNoScenario, or features that do
// not parse.
func Select(o Options) ([]Scenario, error) {
	_, pickles, lines, err := prepare(o)
	if err != nil {
		return nil, err
	}
	out := make([]Scenario, len(pickles))
	for i, p := range pickles {
		out[i] = scenarioOf(p, lines)
	}
	return out, nil
}

// scenarioOf identifies a pickle as a Scenario.
func scenarioOf(p *messages.Pickle, lines *places) Scenario {
	tags := make([]string, len(p.Tags))
	for j, tg := range p.Tags {
		tags[j] = tg.Name
	}
	return Scenario{Feature: p.Uri, FeatureName: lines.names[p.Uri], Line: lineOf(p, lines), Name: p.Name, Tags: tags}
}

// noScenario explains why o selects no scenario.
func noScenario(o Options) error {
	if o.Tags == "" {
		return fmt.Errorf("%w: the features hold no scenario (is it the folder of the .feature files?)", ErrNoScenario)
	}
	all, _, err := selected(Options{Features: o.Features})
	if err != nil || len(all) == 0 {
		return fmt.Errorf("%w: the features hold no scenario (is it the folder of the .feature files?)", ErrNoScenario)
	}
	return fmt.Errorf("%w: the tags %q match none of the %d scenarios: each tag is used, but no scenario has this combination (%s)", ErrNoScenario, o.Tags, len(all), tagList(all))
}

// tagList names the tags of the scenarios, for a hint.
func tagList(pickles []*messages.Pickle) string {
	seen := map[string]bool{}
	var names []string
	for _, p := range pickles {
		for _, t := range p.Tags {
			if !seen[t.Name] {
				seen[t.Name] = true
				names = append(names, t.Name)
			}
		}
	}
	if len(names) == 0 {
		return "they have no tags"
	}
	slices.Sort(names)
	return "they use " + strings.Join(names, " ")
}
