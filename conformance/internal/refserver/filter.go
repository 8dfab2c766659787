package refserver

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// predicate is a parsed $filter.
type predicate func(map[string]any) bool

// filterParser reads the $filter subset the features use: eq/ne on enum and
// string properties, ge/le/gt/lt on detectedDateTime, and, or, parentheses.
type filterParser struct {
	toks   []string
	pos    int
	flaw   Flaw
	prefer bool // the client accepts enum members after unknownFutureValue
}

// tokenize splits a filter into words, quoted strings and parentheses.
func tokenize(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ':
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		case c == '\'':
			j := i + 1
			for j < len(s) && s[j] != '\'' {
				j++
			}
			if j == len(s) {
				return nil, fmt.Errorf("unterminated string")
			}
			toks = append(toks, s[i:j+1])
			i = j + 1
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '(' && s[j] != ')' {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

func parseFilter(s string, flaw Flaw, prefer bool) (predicate, *apiError) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, errorf(400, "BadRequest", "Invalid query option '$filter': %v.", err)
	}
	p := &filterParser{toks: toks, flaw: flaw, prefer: prefer}
	pred, err := p.or()
	if err == nil && p.pos != len(p.toks) {
		err = fmt.Errorf("unexpected '%s'", p.toks[p.pos])
	}
	if err != nil {
		return nil, errorf(400, "BadRequest", "Invalid query option '$filter': %v.", err)
	}
	return pred, nil
}

func (p *filterParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *filterParser) or() (predicate, error) {
	left, err := p.and()
	for err == nil && p.peek() == "or" {
		p.pos++
		var right predicate
		if right, err = p.and(); err == nil {
			l := left
			left = func(m map[string]any) bool { return l(m) || right(m) }
			if p.flaw == OrAsAnd {
				left = func(m map[string]any) bool { return l(m) && right(m) }
			}
		}
	}
	return left, err
}

func (p *filterParser) and() (predicate, error) {
	left, err := p.term()
	for err == nil && p.peek() == "and" {
		p.pos++
		var right predicate
		if right, err = p.term(); err == nil {
			l := left
			left = func(m map[string]any) bool { return l(m) && right(m) }
		}
	}
	return left, err
}

// nullable are the filterable properties that may be null.
var nullable = []string{"resolvedReason", "resolvedOnDateTime"}

var filterable = []string{"status", "severity", "confidenceLevel", "alertType", "resolvedReason", "customerTenantId", "subscriptionId"}

// enums are the members of the enum-typed filterable properties.
var enums = map[string][]string{
	"status":          {"active", "resolved", "investigating", "unknownFutureValue"},
	"severity":        {"informational", "high", "medium", "low", "unknownFutureValue"},
	"confidenceLevel": {"low", "medium", "high", "unknownFutureValue"},
	"resolvedReason":  {"legitimate", "ignore", "fraud", "unknownFutureValue"},
}

func (p *filterParser) term() (predicate, error) {
	if p.peek() == "(" {
		p.pos++
		pred, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing ')'")
		}
		p.pos++
		return pred, nil
	}
	if p.pos+3 > len(p.toks) {
		return nil, fmt.Errorf("incomplete comparison")
	}
	prop, op, lit := p.toks[p.pos], p.toks[p.pos+1], p.toks[p.pos+2]
	p.pos += 3
	if lit == "null" && (op == "eq" || op == "ne") && slices.Contains(nullable, prop) {
		if p.flaw == EqNullMatchesNothing {
			return func(map[string]any) bool { return false }, nil
		}
		return func(m map[string]any) bool { return (m[prop] == nil) == (op == "eq") }, nil
	}
	if prop == "detectedDateTime" || prop == "resolvedOnDateTime" {
		t, err := time.Parse(time.RFC3339Nano, lit)
		if err != nil {
			return nil, fmt.Errorf("'%s' is not a date-time", lit)
		}
		cmp := map[string]func(time.Time) bool{
			"eq": func(x time.Time) bool { return x.Equal(t) }, "ne": func(x time.Time) bool { return !x.Equal(t) },
			"ge": func(x time.Time) bool { return !x.Before(t) }, "le": func(x time.Time) bool { return !x.After(t) },
			"gt": func(x time.Time) bool { return x.After(t) }, "lt": func(x time.Time) bool { return x.Before(t) },
		}[op]
		if cmp == nil {
			return nil, fmt.Errorf("unknown operator '%s'", op)
		}
		return func(m map[string]any) bool {
			if p.flaw == DateFilterNothing {
				return false
			}
			s, _ := m[prop].(string)
			if s == "" && p.flaw == NullDateIsZero {
				return cmp(time.Time{})
			}
			x, err := time.Parse(time.RFC3339Nano, s)
			return err == nil && cmp(x)
		}, nil
	}
	if !slices.Contains(filterable, prop) {
		return nil, fmt.Errorf("property '%s' cannot be filtered", prop)
	}
	if len(lit) < 2 || !strings.HasPrefix(lit, "'") || !strings.HasSuffix(lit, "'") {
		return nil, fmt.Errorf("'%s' is not a string literal", lit)
	}
	val := lit[1 : len(lit)-1]
	later := prop == "severity" && val == laterSeverity && (p.prefer || p.flaw == FilterLaterMemberAccepted)
	if enum, ok := enums[prop]; ok && !slices.Contains(enum, val) && !later {
		return nil, fmt.Errorf("invalid value '%s' for property '%s'", val, prop)
	}
	switch op {
	case "eq":
		if p.flaw == EqMatchesNothing || (p.flaw == FilterUnknownNoMatch && val == "unknownFutureValue") {
			return func(m map[string]any) bool { return m[prop] == lit }, nil
		}
		return func(m map[string]any) bool { return m[prop] == val }, nil
	case "ne":
		if p.flaw == NeExcludesNull {
			return func(m map[string]any) bool { return m[prop] != nil && m[prop] != val }, nil
		}
		return func(m map[string]any) bool { return m[prop] != val }, nil
	}
	return nil, fmt.Errorf("unknown operator '%s'", op)
}
