package odata

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

// filterExpr reports whether an alert matches (a compiled part of a $filter).
type filterExpr func(*alert.Alert) bool

// Filter is a compiled `$filter`.
type Filter struct {
	match filterExpr
	eqs   []Equality
	exact bool // the filter is the conjunction of eqs and nothing else
}

// Match reports whether a matches the filter.
func (f *Filter) Match(a *alert.Alert) bool { return f.match(a) }

// Equalities are comparisons "property eq 'value'" on an indexed property
// (status, severity, confidenceLevel) that every match satisfies: the
// filter's top-level conjunction. A source may start from the alerts with
// one of these values instead of all of them; Match still decides.
func (f *Filter) Equalities() []Equality { return f.eqs }

// Exact reports whether the filter is nothing but its Equalities joined by
// "and": an alert matches exactly when it satisfies every one of them.
func (f *Filter) Exact() bool { return f.exact }

// Equality is one "property eq 'value'" comparison a Filter implies.
type Equality struct {
	Property string // status, severity or confidenceLevel
	Value    string
}

// indexed are the enum properties a source may keep an equality index for.
var indexed = []string{"status", "severity", "confidenceLevel"}

// Indexed reports whether a source may keep an index for property: the enum
// properties a filter can compare for equality.
func Indexed(property string) bool { return slices.Contains(indexed, property) }

// IndexEntries calls f with every indexed property of a and its value: the
// keys under which a source's equality index files a. A source that builds
// its index with it answers every Equality a Filter reports.
func IndexEntries(a *alert.Alert, f func(Equality)) {
	for _, name := range indexed {
		if v, ok := filterProperties[name].str(a); ok {
			f(Equality{Property: name, Value: v})
		}
	}
}

// filterKind is how a property may be compared in `$filter`.
type filterKind int

const (
	kindEnum filterKind = iota
	kindString
	kindBool
	kindTime
)

type filterProp struct {
	kind     filterKind
	nullable bool
	enum     string                            // the enum type (alert.EnumStatus, …) of a kindEnum
	members  []string                          // enum members
	str      func(*alert.Alert) (string, bool) // false: null (no allocation per alert)
	tm       func(*alert.Alert) *time.Time
}

// filterProperties is the table of filterProps, built once and only read.
var filterProperties = filterProps()

// filterProps returns the properties `$filter` supports, as the description's
// $filter parameter lists them.
func filterProps() map[string]filterProp {
	sp := func(f func(*alert.Alert) string) func(*alert.Alert) (string, bool) {
		return func(a *alert.Alert) (string, bool) { return f(a), true }
	}
	return map[string]filterProp{
		"status":           {kind: kindEnum, enum: alert.EnumStatus, members: alert.StatusValues(), str: sp(func(a *alert.Alert) string { return string(a.Status) })},
		"severity":         {kind: kindEnum, enum: alert.EnumSeverity, members: alert.SeverityValues(), str: sp(func(a *alert.Alert) string { return string(a.Severity) })},
		"confidenceLevel":  {kind: kindEnum, enum: alert.EnumConfidence, members: alert.ConfidenceValues(), str: sp(func(a *alert.Alert) string { return string(a.ConfidenceLevel) })},
		"alertType":        {kind: kindString, str: sp(func(a *alert.Alert) string { return a.AlertType })},
		"customerTenantId": {kind: kindString, str: sp(func(a *alert.Alert) string { return a.CustomerTenantID })},
		"subscriptionId":   {kind: kindString, str: sp(func(a *alert.Alert) string { return a.SubscriptionID })},
		"resolvedReason": {kind: kindEnum, enum: alert.EnumResolvedReason, nullable: true, members: alert.ResolvedReasonValues(), str: func(a *alert.Alert) (string, bool) {
			if a.ResolvedReason == nil {
				return "", false
			}
			return string(*a.ResolvedReason), true
		}},
		"isTest": {kind: kindBool, nullable: true, str: func(a *alert.Alert) (string, bool) {
			if a.IsTest == nil {
				return "", false
			}
			return strconv.FormatBool(*a.IsTest), true
		}},
		"detectedDateTime":      {kind: kindTime, tm: func(a *alert.Alert) *time.Time { return &a.DetectedDateTime }},
		"firstObservedDateTime": {kind: kindTime, nullable: true, tm: func(a *alert.Alert) *time.Time { return a.FirstObservedDateTime }},
		"lastObservedDateTime":  {kind: kindTime, nullable: true, tm: func(a *alert.Alert) *time.Time { return a.LastObservedDateTime }},
		"resolvedOnDateTime":    {kind: kindTime, nullable: true, tm: func(a *alert.Alert) *time.Time { return a.ResolvedOnDateTime }},
	}
}

// filterErr is an error about `$filter`.
func filterErr(format string, args ...any) *Error {
	return errorf("$filter", "Invalid value for query option '$filter': "+format, args...)
}

// token kinds of the filter lexer.
type ftok struct {
	text   string
	quoted bool // a '…' string literal (text is unquoted)
	pos    int
}

func lexFilter(src string) ([]ftok, error) {
	var toks []ftok
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')':
			toks = append(toks, ftok{text: string(c), pos: i})
			i++
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(src) {
					return nil, filterErr("the string literal at position %d is not closed.", i)
				}
				if src[j] == '\'' {
					if j+1 < len(src) && src[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(src[j])
				j++
			}
			toks = append(toks, ftok{text: b.String(), quoted: true, pos: i})
			i = j + 1
		default:
			j := i
			for j < len(src) && !strings.ContainsRune(" \t()'", rune(src[j])) {
				j++
			}
			toks = append(toks, ftok{text: src[i:j], pos: i})
			i = j
		}
	}
	return toks, nil
}

// filterParser is a recursive-descent parser over the grammar
//
//	expr  = and { "or" and }
//	and   = unary { "and" unary }
//	unary = "not" unary | "(" expr ")" | property op literal
type filterParser struct {
	toks  []ftok
	i     int
	props map[string]filterProp
	depth int // "(" and "not" levels open at the current token
	// leaves counts the comparisons, exact those that are indexed
	// equalities; with no "or" or "not" either, a filter whose counts equal
	// its equalities is exactly their conjunction.
	leaves, exact int
	other         bool      // an "or" or a "not" was seen
	ev            Evolution // the enums' members after unknownFutureValue, and the client's opt-in
}

// MaxFilterDepth bounds the nesting of parentheses and "not" in a `$filter`:
// the parser recurses per level, so an unbounded depth let one request grow
// a goroutine stack as far as its URL allows (1 MB of headers).
const MaxFilterDepth = 100

// ParseFilter compiles a `$filter` value; the error is an *Error.
func ParseFilter(src string) (*Filter, error) { return ParseFilterWith(src, Evolution{}) }

// ParseFilterWith compiles a `$filter` value for a service whose enums gained
// the members of ev.Future, asked for by a client that did (ev.Include) or
// did not opt in to them: as Graph's evolvable enums pattern says, without
// the opt-in a member added after unknownFutureValue is a 400 and
// unknownFutureValue matches the alerts holding such a member; with it,
// members compare as they are.
func ParseFilterWith(src string, ev Evolution) (*Filter, error) {
	if strings.TrimSpace(src) == "" {
		return nil, filterErr("the expression is empty.")
	}
	toks, err := lexFilter(src)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks, props: filterProperties, ev: ev}
	f, eqs, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, filterErr("unexpected '%s' at position %d.", p.toks[p.i].text, p.toks[p.i].pos)
	}
	return &Filter{match: f, eqs: eqs, exact: !p.other && p.exact == p.leaves && p.leaves == len(eqs)}, nil
}

func (p *filterParser) peek() (ftok, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return ftok{}, false
}

func (p *filterParser) next(what string) (ftok, error) {
	t, ok := p.peek()
	if !ok {
		return t, filterErr("the expression ends where %s was expected.", what)
	}
	p.i++
	return t, nil
}

func (p *filterParser) keyword(kw string) bool {
	if t, ok := p.peek(); ok && !t.quoted && t.text == kw {
		p.i++
		return true
	}
	return false
}

// or, and, unary and comparison return the compiled expression and the
// equalities every match of it satisfies.
func (p *filterParser) or() (filterExpr, []Equality, error) {
	left, eqs, err := p.and()
	if err != nil {
		return nil, nil, err
	}
	for p.keyword("or") {
		right, _, err := p.and()
		if err != nil {
			return nil, nil, err
		}
		eqs = nil // either side may match: neither side's equalities hold
		p.other = true
		l := left
		left = func(a *alert.Alert) bool { return l(a) || right(a) }
	}
	return left, eqs, nil
}

func (p *filterParser) and() (filterExpr, []Equality, error) {
	left, eqs, err := p.unary()
	if err != nil {
		return nil, nil, err
	}
	for p.keyword("and") {
		right, reqs, err := p.unary()
		if err != nil {
			return nil, nil, err
		}
		eqs = append(eqs, reqs...)
		l := left
		left = func(a *alert.Alert) bool { return l(a) && right(a) }
	}
	return left, eqs, nil
}

func (p *filterParser) unary() (filterExpr, []Equality, error) {
	if t, ok := p.peek(); ok && !t.quoted && (t.text == "not" || t.text == "(") {
		if p.depth++; p.depth >= MaxFilterDepth {
			return nil, nil, filterErr("the expression nests parentheses and 'not' more than %d levels deep (at position %d).", MaxFilterDepth-1, t.pos)
		}
		defer func() { p.depth-- }()
	}
	if p.keyword("not") {
		p.other = true
		f, _, err := p.unary()
		if err != nil {
			return nil, nil, err
		}
		return func(a *alert.Alert) bool { return !f(a) }, nil, nil
	}
	if p.keyword("(") {
		f, eqs, err := p.or()
		if err != nil {
			return nil, nil, err
		}
		if !p.keyword(")") {
			return nil, nil, filterErr("a ')' is missing.")
		}
		return f, eqs, nil
	}
	f, eq, err := p.comparison()
	p.leaves++
	if err != nil || eq == nil {
		return f, nil, err
	}
	p.exact++
	return f, []Equality{*eq}, nil
}

func (p *filterParser) comparison() (filterExpr, *Equality, error) {
	pt, err := p.next("a property name")
	if err != nil {
		return nil, nil, err
	}
	if pt.quoted {
		return nil, nil, filterErr("expected a property name at position %d, found the string '%s'.", pt.pos, pt.text)
	}
	prop, ok := p.props[pt.text]
	if !ok {
		if strings.Contains(pt.text, "(") || (p.i < len(p.toks) && p.toks[p.i].text == "(") {
			return nil, nil, filterErr("the function '%s' is not supported.", pt.text)
		}
		if alert.IsProperty(pt.text) {
			return nil, nil, filterErr("filtering on property '%s' is not supported.", pt.text)
		}
		return nil, nil, filterErr("could not find a property named '%s' on type '%s'.", pt.text, alert.TypeName)
	}
	ot, err := p.next("an operator")
	if err != nil {
		return nil, nil, err
	}
	op := ot.text
	ops := []string{"eq", "ne"}
	if prop.kind == kindTime {
		ops = []string{"eq", "ne", "gt", "ge", "lt", "le"}
	}
	if ot.quoted || !slices.Contains(ops, op) {
		return nil, nil, filterErr("operator '%s' is not supported for property '%s'; use one of: %s.", op, pt.text, strings.Join(ops, ", "))
	}
	lt, err := p.next("a value")
	if err != nil {
		return nil, nil, err
	}
	isNull := !lt.quoted && lt.text == "null"
	if isNull && (!prop.nullable || (op != "eq" && op != "ne")) {
		return nil, nil, filterErr("property '%s' cannot be compared with null using '%s'.", pt.text, op)
	}
	neg := op == "ne"
	switch prop.kind {
	case kindEnum, kindString, kindBool:
		var want *string
		if !isNull {
			v, err := p.literal(pt.text, prop, lt)
			if err != nil {
				return nil, nil, err
			}
			want = &v
		}
		get := prop.str
		masked := prop.kind == kindEnum && !p.ev.Include
		if masked {
			// A client that did not opt in sees unknownFutureValue for every
			// member added after it, and compares with what it sees.
			members := prop.members
			raw := get
			get = func(a *alert.Alert) (string, bool) {
				v, ok := raw(a)
				if ok && !slices.Contains(members, v) {
					return alert.UnknownFutureValue, true
				}
				return v, ok
			}
		}
		var eqn *Equality
		if op == "eq" && want != nil && Indexed(pt.text) && !(masked && *want == alert.UnknownFutureValue) {
			eqn = &Equality{Property: pt.text, Value: *want}
		}
		return func(a *alert.Alert) bool {
			got, ok := get(a)
			eq := (!ok && want == nil) || (ok && want != nil && got == *want)
			return eq != neg
		}, eqn, nil
	default:
		get := prop.tm
		if isNull {
			return func(a *alert.Alert) bool { return (get(a) == nil) != neg }, nil, nil
		}
		want, err := time.Parse(time.RFC3339Nano, lt.text)
		if err != nil {
			return nil, nil, filterErr("invalid date-time '%s' for property '%s'; expected RFC 3339, e.g. 2024-01-23T16:03:33Z.", lt.text, pt.text)
		}
		return func(a *alert.Alert) bool {
			got := get(a)
			if got == nil {
				return op == "ne"
			}
			c := got.Compare(want)
			switch op {
			case "eq":
				return c == 0
			case "ne":
				return c != 0
			case "gt":
				return c > 0
			case "ge":
				return c >= 0
			case "lt":
				return c < 0
			}
			return c <= 0
		}, nil, nil
	}
}

// literal checks a non-null literal against the property's kind.
func (p *filterParser) literal(name string, prop filterProp, t ftok) (string, error) {
	switch prop.kind {
	case kindBool:
		if t.quoted || (t.text != "true" && t.text != "false") {
			return "", filterErr("invalid value '%s' for property '%s'; expected true, false or null.", t.text, name)
		}
		return t.text, nil
	case kindEnum:
		if !t.quoted {
			return "", filterErr("the value '%s' for property '%s' must be a string in single quotes.", t.text, name)
		}
		if p.ev.Future.Has(prop.enum, t.text) {
			if !p.ev.Include {
				return "", filterErr("the member '%s' of property '%s' comes after unknownFutureValue; send the header 'Prefer: include-unknown-enum-members' to use it.", t.text, name)
			}
			return t.text, nil
		}
		if !slices.Contains(prop.members, t.text) {
			members := prop.members
			if p.ev.Include {
				members = slices.Concat(members, p.ev.Future[prop.enum])
			}
			return "", filterErr("invalid value '%s' for property '%s'; expected one of: %s.", t.text, name, strings.Join(members, ", "))
		}
		return t.text, nil
	}
	if !t.quoted {
		return "", filterErr("the value '%s' for property '%s' must be a string in single quotes.", t.text, name)
	}
	return t.text, nil
}
