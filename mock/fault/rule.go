// Package fault injects Graph faults (error statuses, latency, dropped
// connections) into chosen requests, by rules added at run time.
package fault

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/partner-security/alertmock/mock/grapherr"
)

// Kind is what a rule does to a request it fires on.
type Kind string

// The fault kinds.
const (
	// KindStatus answers with Status (429, 500, 503 or 504) in the Graph
	// error envelope instead of the real answer; 429 carries Retry-After.
	KindStatus Kind = "status"
	// KindLatency waits Latency, then lets the request through.
	KindLatency Kind = "latency"
	// KindDrop closes the connection without answering.
	KindDrop Kind = "drop"
)

// MaxLatency is the longest Latency a fault rule may ask for.
const MaxLatency = 5 * time.Minute

// DefaultSeed seeds a rule's random source when the rule gives none, so
// that probabilistic rules fire on the same requests in every run.
const DefaultSeed = 1

// statuses are the statuses a fault may answer with: those the
// description declares for every operation, with their Graph error codes and
// the messages the mock sends unless a rule gives its own.
var statuses = map[int]struct{ code, message string }{
	http.StatusTooManyRequests:     {"TooManyRequests", "Please retry again later."},
	http.StatusInternalServerError: {"InternalServerError", "An internal server error occurred (injected by an alertmock fault rule)."},
	http.StatusServiceUnavailable:  {"ServiceUnavailable", "The service is temporarily unavailable. Please retry again later."},
	http.StatusGatewayTimeout:      {"GatewayTimeout", "The gateway did not receive a response in time."},
}

// Rule says which requests a fault applies to and what it does. Method,
// Path and Session narrow the requests it matches (empty matches all); Times
// and Probability decide on which matching requests it fires.
type Rule struct {
	// ID names the rule; Set.Add assigns "1", "2", … when it is empty.
	ID string `json:"id,omitempty"`
	// Method matches the HTTP method, case-insensitively ("" = any).
	Method string `json:"method,omitempty"`
	// Path is a path pattern matched against the whole URL path, e.g.
	// "/beta/security/partner/securityAlerts/*" ("" = any; see glob.Match).
	Path string `json:"path,omitempty"`
	// Session matches the request's session ("" = any).
	Session string `json:"session,omitempty"`
	// Kind is what the rule does: status, latency or drop.
	Kind Kind `json:"kind"`
	// Status is the status a KindStatus rule answers with: 429, 500, 503 or 504.
	Status int `json:"status,omitempty"`
	// RetryAfter is the Retry-After header value in seconds ("0", "2.128") or
	// an HTTP date. A 429 always carries one ("1" when empty); a 503 only
	// when it is set.
	RetryAfter string `json:"retryAfter,omitempty"`
	// Message replaces the default error message.
	Message string `json:"message,omitempty"`
	// Latency is waited before the rule acts (for KindLatency it is the
	// whole effect); at most MaxLatency. In JSON a duration string such
	// as "250ms".
	Latency Duration `json:"latency,omitempty"`
	// Times makes the rule fire on the next Times matching requests only;
	// 0 means on every one.
	Times int `json:"times,omitempty"`
	// Probability, in (0, 1), makes the rule fire on that share of matching
	// requests, decided by a random source seeded with Seed; 0 and 1 mean on
	// every one.
	Probability float64 `json:"probability,omitempty"`
	// Seed seeds the rule's random source (0 means DefaultSeed), so the
	// same rule fires on the same matching requests in every run.
	Seed uint64 `json:"seed,omitempty"`
	// Fired counts the requests the rule fired on (set by Set; ignored
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
// returns a *RuleError naming the field that is not valid.
func (r *Rule) Validate() error {
	bad := func(name, value, reason string) error {
		return &RuleError{Name: name, Value: value, Reason: reason}
	}
	switch r.Kind {
	case KindStatus:
		if _, ok := statuses[r.Status]; !ok {
			return bad("status", strconv.Itoa(r.Status), "a status fault answers with one of 429, 500, 503, 504")
		}
	case KindLatency, KindDrop:
		if r.Status != 0 {
			return bad("status", strconv.Itoa(r.Status), "only a rule of kind 'status' has a status")
		}
	default:
		return bad("kind", string(r.Kind), "expected one of: status, latency, drop")
	}
	if r.RetryAfter != "" {
		if r.Kind != KindStatus || (r.Status != http.StatusTooManyRequests && r.Status != http.StatusServiceUnavailable) {
			return bad("retryAfter", r.RetryAfter, "only a 429 or 503 status fault carries Retry-After")
		}
		if !validRetryAfter(r.RetryAfter) {
			return bad("retryAfter", r.RetryAfter, "expected seconds (e.g. 0, 1, 2.128) or an HTTP date")
		}
	}
	if r.Kind == KindStatus && r.Status == http.StatusTooManyRequests && r.RetryAfter == "" {
		r.RetryAfter = "1"
	}
	if r.Latency < 0 || time.Duration(r.Latency) > MaxLatency {
		return bad("latency", time.Duration(r.Latency).String(), "expected a duration from 0s to "+MaxLatency.String())
	}
	if r.Kind == KindLatency && r.Latency == 0 {
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

// ParseRules reads fault rules as the control API and the -faults file
// take them: one rule object, or {"value": [rule, …]}. Unknown fields are
// errors; an error names the rule's index and field. The rules are not yet
// validated (Set.Add does that).
func ParseRules(data []byte) ([]Rule, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, &RuleError{Name: "body", Value: abbreviate(string(data)), Reason: "expected a JSON object: one rule or {\"value\": [rules]}"}
	}
	list, ok := probe["value"]
	if !ok {
		r, err := decodeRule(data, "")
		if err != nil {
			return nil, err
		}
		return []Rule{r}, nil
	}
	if len(probe) != 1 {
		keys := make([]string, 0, len(probe))
		for k := range probe {
			if k != "value" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		return nil, &RuleError{Name: keys[0], Value: abbreviate(string(probe[keys[0]])), Reason: "a rule list has only the member 'value'"}
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(list, &raws); err != nil {
		return nil, &RuleError{Name: "value", Value: abbreviate(string(list)), Reason: "expected an array of rules"}
	}
	rules := make([]Rule, 0, len(raws))
	for i, raw := range raws {
		r, err := decodeRule(raw, fmt.Sprintf("value[%d].", i))
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// decodeRule decodes one rule strictly; prefix ("value[2].") goes before
// the field name in an error.
func decodeRule(data []byte, prefix string) (Rule, error) {
	var r Rule
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Rule{}, jsonFieldError(err, prefix, data)
	}
	return r, nil
}

// jsonFieldError is grapherr.JSONFieldError, with a latency that is not a
// duration string named as such.
func jsonFieldError(err error, prefix string, data []byte) error {
	var te *json.UnmarshalTypeError
	if msg := err.Error(); !errors.As(err, &te) && strings.Contains(msg, "duration string") {
		return &RuleError{Name: prefix + "latency", Value: abbreviate(string(data)), Reason: msg}
	}
	return grapherr.JSONFieldError(err, prefix, data)
}

// abbreviate cuts s to a length fit for an error message.
func abbreviate(s string) string { return grapherr.Abbreviate(s) }

// RuleError reports a rule field (or control API body member) that is not
// valid.
type RuleError = grapherr.FieldError
