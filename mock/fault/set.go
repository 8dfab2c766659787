package fault

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/partner-security/alertmock/mock/glob"
)

// Set holds the fault rules of a server. Rules are tried in the order they
// were added: latency rules that match a request and fire add up, and the
// first status or drop rule that fires decides the answer. It is safe for
// concurrent use; its zero value is not (use NewSet).
type Set struct {
	mu     sync.Mutex
	lastID int
	rules  []*ruleState
	n      atomic.Int32 // len(rules), read without mu (Empty)
}

// ruleState is a rule with its random source.
type ruleState struct {
	rule Rule
	rng  *rand.Rand
}

// NewSet returns an empty set of rules.
func NewSet() *Set { return &Set{} }

// Add validates r and appends it to the rules, returning it as stored (with
// its ID). An ID that is already in use is an error.
func (f *Set) Add(r Rule) (Rule, error) {
	added, err := f.AddAll([]Rule{r})
	if err != nil {
		return Rule{}, err
	}
	return added[0], nil
}

// AddAll validates the rules and appends them in order, all or none,
// returning them as stored (with their IDs). An error names the rule's index
// (value[i].field) when there is more than one rule.
func (f *Set) AddAll(rules []Rule) ([]Rule, error) {
	name := func(i int, err error) error {
		if len(rules) == 1 {
			return err
		}
		var pe *RuleError
		if errors.As(err, &pe) {
			c := *pe
			c.Name = fmt.Sprintf("value[%d].%s", i, pe.Name)
			return &c
		}
		return err
	}
	rules = slices.Clone(rules)
	for i := range rules {
		if err := rules[i].Validate(); err != nil {
			return nil, name(i, err)
		}
		rules[i].Fired = 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	taken := map[string]bool{}
	for _, s := range f.rules {
		taken[s.rule.ID] = true
	}
	for i, r := range rules {
		if r.ID == "" {
			continue
		}
		if taken[r.ID] {
			return nil, name(i, &RuleError{Name: "id", Value: r.ID, Reason: "a rule with this id exists; delete it first"})
		}
		taken[r.ID] = true
	}
	for i := range rules {
		r := &rules[i]
		for r.ID == "" {
			f.lastID++
			if id := strconv.Itoa(f.lastID); !taken[id] {
				r.ID = id
				taken[id] = true
			}
		}
		seed := r.Seed
		if seed == 0 {
			seed = DefaultSeed
		}
		f.rules = append(f.rules, &ruleState{rule: *r, rng: rand.New(rand.NewPCG(seed, seed))})
		f.n.Store(int32(len(f.rules)))
	}
	return rules, nil
}

// indexLocked returns the position of the rule with the id, or -1.
func (f *Set) indexLocked(id string) int {
	for i, s := range f.rules {
		if s.rule.ID == id {
			return i
		}
	}
	return -1
}

// Rules returns copies of the rules in the order they are tried.
func (f *Set) Rules() []Rule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Rule, 0, len(f.rules))
	for _, s := range f.rules {
		out = append(out, s.rule)
	}
	return out
}

// Delete removes the rule with the id and reports whether there was one.
func (f *Set) Delete(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.indexLocked(id)
	if i < 0 {
		return false
	}
	f.rules = append(f.rules[:i], f.rules[i+1:]...)
	f.n.Store(int32(len(f.rules)))
	return true
}

// Clear removes every rule.
func (f *Set) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
	f.n.Store(0)
}

// Empty reports whether the set holds no rule, without waiting for its lock:
// the middleware then passes a request on without working out its session.
func (f *Set) Empty() bool { return f.n.Load() == 0 }

// Pick decides what the rules do to a request. Rules are tried in order:
// a latency rule that fires adds its wait and the search goes on; the first
// status or drop rule that fires ends it (its own latency added) and is
// returned with ok true. Firings are counted. A rule that matches draws from
// its random source (when it has a probability) whether or not it fires, so
// its decisions depend only on the sequence of requests it matched.
func (f *Set) Pick(method, path, session string) (wait time.Duration, action Rule, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.rules {
		r := &s.rule
		if r.Times > 0 && r.Fired >= r.Times {
			continue
		}
		if (r.Method != "" && !strings.EqualFold(r.Method, method)) ||
			(r.Session != "" && r.Session != session) || !glob.Match(r.Path, path) {
			continue
		}
		if r.Probability > 0 && r.Probability < 1 && s.rng.Float64() >= r.Probability {
			continue
		}
		r.Fired++
		wait += time.Duration(r.Latency)
		if r.Kind != KindLatency {
			return wait, *r, true
		}
	}
	return wait, Rule{}, false
}
