// Package oracle judges one HTTP exchange with the partner security alerts API
// against the rules of Microsoft's documentation and of this project's
// assumptions, remembering in a Model what the alerts it has seen must be.
package oracle

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Label says what a rule rests on.
type Label string

// The labels of a rule.
const (
	// Documented rules rest on Microsoft's documentation of the API, Graph's
	// metadata (CSDL) and conventions, or the OData, JSON and HTTP standards
	// Graph builds on. A service that breaks one is wrong.
	Documented Label = "documented"
	// Assumed rules are this project's choices where Microsoft is silent, or
	// details seen only in captures of the live service. A service that breaks
	// one differs from the mock, and may still be right.
	Assumed Label = "assumed"
)

// Rule is one rule every exchange is judged by.
type Rule struct {
	// ID names the rule: stable, kebab-case (for example "error-envelope").
	ID string
	// Label says whether the rule is documented or assumed.
	Label Label
	// Source is where a reader finds the rule: the documentation page, the
	// standard and its section, the capture; for an assumed rule, the choice
	// made and why.
	Source string
	// Doc says in one paragraph what the rule requires.
	Doc string

	check func(*pass)
}

// Rules returns every rule of the oracle, ordered by ID.
func Rules() []Rule {
	out := make([]Rule, len(rules))
	copy(out, rules)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Lookup returns the rule with the given ID.
func Lookup(id string) (Rule, bool) {
	for _, r := range rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// Exchange is one HTTP request and the response to it, as the client saw them.
type Exchange struct {
	// Method and URL are those of the request; URL is absolute.
	Method, URL string
	// RequestHeader and RequestBody are the request's header and body.
	RequestHeader http.Header
	RequestBody   []byte
	// Status is the response's status code; 0 when no response came.
	Status int
	// Header and Body are the response's header and body.
	Header http.Header
	Body   []byte
	// Sent is when the request was sent, Received when the response was read
	// whole, both by the client's clock.
	Sent, Received time.Time
}

// Options configures an Oracle. The zero value judges by every rule.
type Options struct {
	// Documented restricts the oracle to the rules labelled Documented, and
	// has it validate bodies against the documented projection of the
	// description (the keywords marked x-assumption lifted).
	Documented bool
	// BasePath is the path of the API's base URL, for example "/beta" (the
	// default) or "/graph/beta" behind a proxy.
	BasePath string
	// Settle is how long after the client's change a listed alert may still
	// show the alert as it was (eventual consistency of lists); zero means
	// DefaultSettle. The assumed rule list-read-your-writes allows none.
	Settle time.Duration
	// ClockSkew is how far the server's Date header may be from the client's
	// clock; zero means DefaultClockSkew.
	ClockSkew time.Duration
	// Tolerance widens every time window a server timestamp is judged
	// against; zero means DefaultTolerance.
	Tolerance time.Duration
}

// Defaults of Options.
const (
	DefaultSettle    = 5 * time.Second
	DefaultClockSkew = 5 * time.Minute
	DefaultTolerance = time.Second
)

// Oracle judges exchanges by a set of rules. Make it with New; it is safe for
// concurrent use.
type Oracle struct {
	opts  Options
	rules []Rule
	c     *contract
}

// New returns an Oracle with the rules the options select. The description
// is loaded and its schemas compiled once per process.
func New(ctx context.Context, o Options) (*Oracle, error) {
	c, err := builtinContract(ctx)
	if err != nil {
		return nil, err
	}
	if o.BasePath == "" {
		o.BasePath = "/beta"
	}
	o.BasePath = "/" + strings.Trim(o.BasePath, "/")
	if o.Settle == 0 {
		o.Settle = DefaultSettle
	}
	if o.ClockSkew == 0 {
		o.ClockSkew = DefaultClockSkew
	}
	if o.Tolerance == 0 {
		o.Tolerance = DefaultTolerance
	}
	or := &Oracle{opts: o, c: c}
	for _, r := range rules {
		if o.Documented && r.Label != Documented {
			continue
		}
		or.rules = append(or.rules, r)
	}
	return or, nil
}

// Options returns the options the oracle was made with, defaults filled in.
func (o *Oracle) Options() Options { return o.opts }

// Rules returns the rules the oracle judges by, in table order.
func (o *Oracle) Rules() []Rule { return append([]Rule(nil), o.rules...) }

// Judge judges x by the oracle's rules, with what m knows of the alerts from
// the exchanges it was given before, and then teaches m what x shows. m may be
// nil: only the rules that need no history apply. Judge x once, after its
// response was read (or its request failed); call m.Begin(x) before sending
// it, so that requests sent at the same time are known to overlap.
func (o *Oracle) Judge(m *Model, x *Exchange) Findings {
	p := o.newPass(m, x)
	if m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		p.before = m.viewLocked(p)
	}
	var out Findings
	for i := range o.rules {
		p.rule = &o.rules[i]
		p.rule.check(p)
	}
	out = p.findings
	if m != nil {
		m.learnLocked(p)
	}
	return out
}

// Finding is one way an exchange broke a rule.
type Finding struct {
	// Rule, Label and Source are those of the broken rule.
	Rule   string
	Label  Label
	Source string
	// At is what was wrong: a header, the status, a property of the body
	// ("value[2].status"), an activity log entry.
	At string
	// Got and Want say what it was and what the rule wants.
	Got, Want string
	// Method, URL and Status name the exchange.
	Method, URL string
	Status      int
}

// Message says what was wrong: "At = Got; want Want".
func (f Finding) Message() string {
	if f.At == "" {
		return fmt.Sprintf("%s; want %s", f.Got, f.Want)
	}
	return fmt.Sprintf("%s = %s; want %s", f.At, f.Got, f.Want)
}

// String names the rule, its label, the exchange and what was wrong.
func (f Finding) String() string {
	return fmt.Sprintf("[%s, %s] %s %s answered %d: %s", f.Rule, f.Label, f.Method, f.URL, f.Status, f.Message())
}

// Findings are the findings of one exchange; as an error they read one
// finding a line, each with its source.
type Findings []Finding

// Error lists the findings with their sources.
func (fs Findings) Error() string {
	if len(fs) == 0 {
		return "no findings"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "oracle: %s %s answered %d:", fs[0].Method, fs[0].URL, fs[0].Status)
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  [%s, %s] %s\n    source: %s", f.Rule, f.Label, f.Message(), f.Source)
	}
	return b.String()
}

// Err returns fs as an error, or nil when there is no finding.
func (fs Findings) Err() error {
	if len(fs) == 0 {
		return nil
	}
	return fs
}
