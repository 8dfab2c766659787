package oracle

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The part of OData's $filter the oracle evaluates to judge a list: a
// comparison of a property with a literal (eq, ne, gt, ge, lt, le), and, or,
// not and parentheses. Evaluation is three-valued: an alert that does not
// carry a property, or a comparison whose answer depends on choices OData
// leaves to the service (the letter case of free text, the order of strings
// and enum members), is "maybe", and only "no" is a finding.

type truth int

const (
	no truth = iota
	maybe
	yes
)

func (t truth) not() truth { return 2 - t }

func and(a, b truth) truth { return min(a, b) }
func or(a, b truth) truth  { return max(a, b) }

type filterExpr interface {
	eval(alert map[string]any, c *contract) truth
}

type binary struct {
	op   string // and, or
	l, r filterExpr
}

type negation struct{ e filterExpr }

type comparison struct {
	prop string
	op   string // eq ne gt ge lt le
	lit  any    // string, nil, bool, float64, time.Time
}

func (b binary) eval(a map[string]any, c *contract) truth {
	if b.op == "and" {
		return and(b.l.eval(a, c), b.r.eval(a, c))
	}
	return or(b.l.eval(a, c), b.r.eval(a, c))
}

func (n negation) eval(a map[string]any, c *contract) truth { return n.e.eval(a, c).not() }

func (cmp comparison) eval(a map[string]any, c *contract) truth {
	v, present := a[cmp.prop]
	if !present {
		return maybe
	}
	if n, ok := v.(json.Number); ok {
		f, err := n.Float64()
		if err != nil {
			return maybe
		}
		v = f
	}
	if v == nil || cmp.lit == nil {
		switch cmp.op {
		case "eq":
			return truthOf(v == nil && cmp.lit == nil)
		case "ne":
			return truthOf(!(v == nil && cmp.lit == nil))
		}
		return no // ordering comparisons with null are false
	}
	switch lit := cmp.lit.(type) {
	case string:
		s, ok := v.(string)
		if !ok {
			return maybe
		}
		if c.isDateTime(cmp.prop) {
			return compareTimes(s, lit, cmp.op)
		}
		_, isEnum := c.enums[cmp.prop]
		if isEnum && s == unknownFutureValue && lit != unknownFutureValue {
			return maybe // it may stand for a member the client does not know (evolvable enums)
		}
		switch cmp.op {
		case "eq", "ne":
			eq := s == lit
			if !eq && !isEnum && strings.EqualFold(s, lit) {
				return maybe // free text: the service may compare without case
			}
			return truthOf(eq == (cmp.op == "eq"))
		}
		return maybe // the order of strings and of enum members is the service's
	case time.Time:
		s, ok := v.(string)
		if !ok {
			return maybe
		}
		return compareTimes(s, lit.Format(time.RFC3339Nano), cmp.op)
	case bool:
		b, ok := v.(bool)
		if !ok || (cmp.op != "eq" && cmp.op != "ne") {
			return maybe
		}
		return truthOf((b == lit) == (cmp.op == "eq"))
	case float64:
		f, ok := v.(float64)
		if !ok {
			return maybe
		}
		return truthOf(order(f-lit, cmp.op))
	}
	return maybe
}

func compareTimes(s, lit, op string) truth {
	t, err1 := time.Parse(time.RFC3339Nano, s)
	l, err2 := time.Parse(time.RFC3339Nano, lit)
	if err1 != nil || err2 != nil {
		return maybe
	}
	return truthOf(order(float64(t.Sub(l)), op))
}

// order applies a comparison operator to the sign of a difference.
func order(d float64, op string) bool {
	switch op {
	case "eq":
		return d == 0
	case "ne":
		return d != 0
	case "gt":
		return d > 0
	case "ge":
		return d >= 0
	case "lt":
		return d < 0
	default:
		return d <= 0
	}
}

func truthOf(b bool) truth {
	if b {
		return yes
	}
	return no
}

// filterValues returns the values of the properties a filter names, for a message.
func filterValues(e filterExpr, a map[string]any) map[string]any {
	out := map[string]any{}
	var walk func(filterExpr)
	walk = func(e filterExpr) {
		switch x := e.(type) {
		case binary:
			walk(x.l)
			walk(x.r)
		case negation:
			walk(x.e)
		case comparison:
			out[x.prop] = a[x.prop]
		}
	}
	walk(e)
	return out
}

// parseFilter parses the subset; anything else is an error (not judged).
func parseFilter(s string) (filterExpr, error) {
	toks, err := tokens(s)
	if err != nil {
		return nil, err
	}
	fp := &filterParser{toks: toks}
	e, err := fp.or()
	if err == nil && fp.pos != len(fp.toks) {
		err = fmt.Errorf("unexpected %q", fp.toks[fp.pos])
	}
	return e, err
}

type filterParser struct {
	toks []string
	pos  int
}

func (fp *filterParser) peek() string {
	if fp.pos < len(fp.toks) {
		return fp.toks[fp.pos]
	}
	return ""
}

func (fp *filterParser) or() (filterExpr, error) {
	l, err := fp.and()
	for err == nil && strings.EqualFold(fp.peek(), "or") {
		fp.pos++
		var r filterExpr
		if r, err = fp.and(); err == nil {
			l = binary{"or", l, r}
		}
	}
	return l, err
}

func (fp *filterParser) and() (filterExpr, error) {
	l, err := fp.unary()
	for err == nil && strings.EqualFold(fp.peek(), "and") {
		fp.pos++
		var r filterExpr
		if r, err = fp.unary(); err == nil {
			l = binary{"and", l, r}
		}
	}
	return l, err
}

func (fp *filterParser) unary() (filterExpr, error) {
	switch {
	case strings.EqualFold(fp.peek(), "not"):
		fp.pos++
		e, err := fp.unary()
		return negation{e}, err
	case fp.peek() == "(":
		fp.pos++
		e, err := fp.or()
		if err != nil {
			return nil, err
		}
		if fp.peek() != ")" {
			return nil, errors.New("missing )")
		}
		fp.pos++
		return e, nil
	}
	if fp.pos+3 > len(fp.toks) {
		return nil, errors.New("incomplete comparison")
	}
	prop, op, lit := fp.toks[fp.pos], strings.ToLower(fp.toks[fp.pos+1]), fp.toks[fp.pos+2]
	fp.pos += 3
	switch op {
	case "eq", "ne", "gt", "ge", "lt", "le":
	default:
		return nil, fmt.Errorf("operator %q", op)
	}
	if strings.ContainsAny(prop, "('/") {
		return nil, fmt.Errorf("not a property: %q", prop)
	}
	v, err := literal(lit)
	if err != nil {
		return nil, err
	}
	return comparison{prop: prop, op: op, lit: v}, nil
}

// literal reads an OData literal: 'string' (a quote doubled inside), null,
// true, false, a number, a date-time.
func literal(s string) (any, error) {
	switch {
	case strings.HasPrefix(s, "'") && strings.HasSuffix(s, "'") && len(s) >= 2:
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'"), nil
	case s == "null":
		return nil, nil
	case s == "true", s == "false":
		return s == "true", nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f, nil
	}
	return nil, fmt.Errorf("literal %q", s)
}

// tokens splits a filter into words, quoted strings and parentheses.
func tokens(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ':
			i++
		case c == '(' || c == ')':
			out = append(out, string(c))
			i++
		case c == '\'':
			j := i + 1
			for {
				if j >= len(s) {
					return nil, errors.New("unterminated string")
				}
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			out = append(out, s[i:j+1])
			i = j + 1
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '(' && s[j] != ')' {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out, nil
}
