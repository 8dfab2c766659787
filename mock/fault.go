package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind is what a fault rule does to a request it fires on.
type FaultKind string

// The fault kinds.
const (
	// FaultStatus answers with Status (429, 500, 503 or 504) in the Graph
	// error envelope instead of the real answer; 429 carries Retry-After.
	FaultStatus FaultKind = "status"
	// FaultLatency waits Latency, then lets the request through.
	FaultLatency FaultKind = "latency"
	// FaultDrop closes the connection without answering.
	FaultDrop FaultKind = "drop"
)

// MaxFaultLatency is the longest Latency a fault rule may ask for.
const MaxFaultLatency = 5 * time.Minute

// DefaultFaultSeed seeds a rule's random source when the rule gives none, so
// that probabilistic rules fire on the same requests in every run.
const DefaultFaultSeed = 1

// faultStatuses are the statuses a fault may answer with: those the
// description declares for every operation, with their Graph error codes and
// the messages the mock sends unless a rule gives its own.
var faultStatuses = map[int]struct{ code, message string }{
	http.StatusTooManyRequests:     {"TooManyRequests", "Please retry again later."},
	http.StatusInternalServerError: {"InternalServerError", "An internal server error occurred (injected by an alertmock fault rule)."},
	http.StatusServiceUnavailable:  {"ServiceUnavailable", "The service is temporarily unavailable. Please retry again later."},
	http.StatusGatewayTimeout:      {"GatewayTimeout", "The gateway did not receive a response in time."},
}

// FaultRule says which requests a fault applies to and what it does. Method,
// Path and Session narrow the requests it matches (empty matches all); Times
// and Probability decide on which matching requests it fires.
type FaultRule struct {
	// ID names the rule; Faults.Add assigns "1", "2", … when it is empty.
	ID string `json:"id,omitempty"`
	// Method matches the HTTP method, case-insensitively ("" = any).
	Method string `json:"method,omitempty"`
	// Path is a path pattern matched against the whole URL path, e.g.
	// "/beta/security/partner/securityAlerts/*" ("" = any; see matchPath).
	Path string `json:"path,omitempty"`
	// Session matches the request's session ("" = any).
	Session string `json:"session,omitempty"`
	// Kind is what the rule does: status, latency or drop.
	Kind FaultKind `json:"kind"`
	// Status is the status a FaultStatus rule answers with: 429, 500, 503 or 504.
	Status int `json:"status,omitempty"`
	// RetryAfter is the Retry-After header value in seconds ("0", "2.128") or
	// an HTTP date. A 429 always carries one ("1" when empty); a 503 only
	// when it is set.
	RetryAfter string `json:"retryAfter,omitempty"`
	// Message replaces the default error message.
	Message string `json:"message,omitempty"`
	// Latency is waited before the rule acts (for FaultLatency it is the
	// whole effect); at most MaxFaultLatency. In JSON a duration string such
	// as "250ms".
	Latency Duration `json:"latency,omitempty"`
	// Times makes the rule fire on the next Times matching requests only;
	// 0 means on every one.
	Times int `json:"times,omitempty"`
	// Probability, in (0, 1), makes the rule fire on that share of matching
	// requests, decided by a random source seeded with Seed; 0 and 1 mean on
	// every one.
	Probability float64 `json:"probability,omitempty"`
	// Seed seeds the rule's random source (0 means DefaultFaultSeed), so the
	// same rule fires on the same matching requests in every run.
	Seed uint64 `json:"seed,omitempty"`
	// Fired counts the requests the rule fired on (set by Faults; ignored
	// when adding a rule).
	Fired int `json:"fired"`
}

// Duration is a time.Duration written in JSON as a Go duration string
// ("250ms", "2s").
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("expected a duration string such as \"250ms\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("expected a duration string such as \"250ms\", got %q", s)
	}
	*d = Duration(v)
	return nil
}

// Validate checks the rule and fills in defaults (RetryAfter of a 429). It
// returns a *ControlParamError naming the field that is not valid.
func (r *FaultRule) Validate() error {
	bad := func(name, value, reason string) error {
		return &ControlParamError{Name: name, Value: value, Reason: reason}
	}
	switch r.Kind {
	case FaultStatus:
		if _, ok := faultStatuses[r.Status]; !ok {
			return bad("status", strconv.Itoa(r.Status), "a status fault answers with one of 429, 500, 503, 504")
		}
	case FaultLatency, FaultDrop:
		if r.Status != 0 {
			return bad("status", strconv.Itoa(r.Status), "only a rule of kind 'status' has a status")
		}
	default:
		return bad("kind", string(r.Kind), "expected one of: status, latency, drop")
	}
	if r.RetryAfter != "" {
		if r.Kind != FaultStatus || (r.Status != http.StatusTooManyRequests && r.Status != http.StatusServiceUnavailable) {
			return bad("retryAfter", r.RetryAfter, "only a 429 or 503 status fault carries Retry-After")
		}
		if !validRetryAfter(r.RetryAfter) {
			return bad("retryAfter", r.RetryAfter, "expected seconds (e.g. 0, 1, 2.128) or an HTTP date")
		}
	}
	if r.Kind == FaultStatus && r.Status == http.StatusTooManyRequests && r.RetryAfter == "" {
		r.RetryAfter = "1"
	}
	if r.Latency < 0 || time.Duration(r.Latency) > MaxFaultLatency {
		return bad("latency", time.Duration(r.Latency).String(), "expected a duration from 0s to "+MaxFaultLatency.String())
	}
	if r.Kind == FaultLatency && r.Latency == 0 {
		return bad("latency", "0s", "a latency fault needs a latency above 0s")
	}
	if r.Times < 0 {
		return bad("times", strconv.Itoa(r.Times), "expected 0 (every matching request) or more")
	}
	if !(r.Probability >= 0 && r.Probability <= 1) {
		return bad("probability", strconv.FormatFloat(r.Probability, 'g', -1, 64), "expected a number from 0 to 1")
	}
	if strings.ContainsAny(r.Method, " /") {
		return bad("method", r.Method, "expected an HTTP method such as PATCH")
	}
	if r.Path != "" && !strings.HasPrefix(r.Path, "/") && !strings.HasPrefix(r.Path, "*") {
		return bad("path", r.Path, "expected a path pattern starting with '/', e.g. /beta/security/partner/securityAlerts/*")
	}
	return nil
}

// validRetryAfter reports whether v is a Retry-After value: non-negative
// decimal seconds or an HTTP date.
func validRetryAfter(v string) bool {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f >= 0 && !strings.ContainsAny(v, "eEnN+-")
	}
	_, err := http.ParseTime(v)
	return err == nil
}

// Faults holds the fault rules of a mock. Rules are tried in the order they
// were added: latency rules that match a request and fire add up, and the
// first status or drop rule that fires decides the answer. It is safe for
// concurrent use; its zero value is not (use NewFaults).
type Faults struct {
	mu     sync.Mutex
	lastID int
	rules  []*faultState
}

// faultState is a rule with its random source.
type faultState struct {
	rule FaultRule
	rng  *rand.Rand
}

// NewFaults returns an empty set of rules.
func NewFaults() *Faults { return &Faults{} }

// Add validates r and appends it to the rules, returning it as stored (with
// its ID). An ID that is already in use is an error.
func (f *Faults) Add(r FaultRule) (FaultRule, error) {
	added, err := f.AddAll([]FaultRule{r})
	if err != nil {
		return FaultRule{}, err
	}
	return added[0], nil
}

// AddAll validates the rules and appends them in order, all or none,
// returning them as stored (with their IDs). An error names the rule's index
// (value[i].field) when there is more than one rule.
func (f *Faults) AddAll(rules []FaultRule) ([]FaultRule, error) {
	name := func(i int, err error) error {
		if len(rules) == 1 {
			return err
		}
		var pe *ControlParamError
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
			return nil, name(i, &ControlParamError{Name: "id", Value: r.ID, Reason: "a rule with this id exists; delete it first"})
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
			seed = DefaultFaultSeed
		}
		f.rules = append(f.rules, &faultState{rule: *r, rng: rand.New(rand.NewPCG(seed, seed))})
	}
	return rules, nil
}

// indexLocked returns the position of the rule with the id, or -1.
func (f *Faults) indexLocked(id string) int {
	for i, s := range f.rules {
		if s.rule.ID == id {
			return i
		}
	}
	return -1
}

// Rules returns copies of the rules in the order they are tried.
func (f *Faults) Rules() []FaultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FaultRule, 0, len(f.rules))
	for _, s := range f.rules {
		out = append(out, s.rule)
	}
	return out
}

// Delete removes the rule with the id and reports whether there was one.
func (f *Faults) Delete(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.indexLocked(id)
	if i < 0 {
		return false
	}
	f.rules = append(f.rules[:i], f.rules[i+1:]...)
	return true
}

// Clear removes every rule.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
}

// pick decides what the rules do to a request. Rules are tried in order:
// a latency rule that fires adds its wait and the search goes on; the first
// status or drop rule that fires ends it (its own latency added) and is
// returned with ok true. Firings are counted. A rule that matches draws from
// its random source (when it has a probability) whether or not it fires, so
// its decisions depend only on the sequence of requests it matched.
func (f *Faults) pick(method, path, session string) (wait time.Duration, action FaultRule, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.rules {
		r := &s.rule
		if r.Times > 0 && r.Fired >= r.Times {
			continue
		}
		if (r.Method != "" && !strings.EqualFold(r.Method, method)) ||
			(r.Session != "" && r.Session != session) || !matchPath(r.Path, path) {
			continue
		}
		if r.Probability > 0 && r.Probability < 1 && s.rng.Float64() >= r.Probability {
			continue
		}
		r.Fired++
		wait += time.Duration(r.Latency)
		if r.Kind != FaultLatency {
			return wait, *r, true
		}
	}
	return wait, FaultRule{}, false
}

// ParseFaultRules reads fault rules as the control API and the -faults file
// take them: one rule object, or {"value": [rule, …]}. Unknown fields are
// errors; an error names the rule's index and field. The rules are not yet
// validated (Faults.Add does that).
func ParseFaultRules(data []byte) ([]FaultRule, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, &ControlParamError{Name: "body", Value: abbreviate(string(data)), Reason: "expected a JSON object: one rule or {\"value\": [rules]}"}
	}
	list, ok := probe["value"]
	if !ok {
		r, err := decodeFaultRule(data, "")
		if err != nil {
			return nil, err
		}
		return []FaultRule{r}, nil
	}
	if len(probe) != 1 {
		keys := make([]string, 0, len(probe))
		for k := range probe {
			if k != "value" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		return nil, &ControlParamError{Name: keys[0], Value: abbreviate(string(probe[keys[0]])), Reason: "a rule list has only the member 'value'"}
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(list, &raws); err != nil {
		return nil, &ControlParamError{Name: "value", Value: abbreviate(string(list)), Reason: "expected an array of rules"}
	}
	rules := make([]FaultRule, 0, len(raws))
	for i, raw := range raws {
		r, err := decodeFaultRule(raw, fmt.Sprintf("value[%d].", i))
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// decodeFaultRule decodes one rule strictly; prefix ("value[2].") goes before
// the field name in an error.
func decodeFaultRule(data []byte, prefix string) (FaultRule, error) {
	var r FaultRule
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return FaultRule{}, jsonFieldError(err, prefix, data)
	}
	return r, nil
}

// jsonFieldError turns a json decoding error into a *ControlParamError naming
// the field (prefixed) where the decoder can tell it.
func jsonFieldError(err error, prefix string, data []byte) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &ControlParamError{Name: prefix + te.Field, Value: te.Value, Reason: "expected " + te.Type.String()}
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return &ControlParamError{Name: prefix + name, Value: name, Reason: "no such field"}
	}
	if strings.Contains(msg, "duration string") {
		return &ControlParamError{Name: prefix + "latency", Value: abbreviate(string(data)), Reason: msg}
	}
	return &ControlParamError{Name: prefix + "body", Value: abbreviate(string(data)), Reason: msg}
}

// abbreviate cuts s to a length fit for an error message.
func abbreviate(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
