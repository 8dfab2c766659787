package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The operations of an exploration: each is one step of the suite's own
// (steps.go), so that a sequence of them prints as a scenario that sends the
// same requests, and each knows the simpler operations the shrinker may try
// in its place.

// opKind is what an operation does.
type opKind int

const (
	opUpdate opKind = iota // PATCH an alert
	opRead                 // GET one alert
	opList                 // GET one page of the list
	opPages                // GET the list and every page its next links lead to
	opSignIn               // sign in with permission to read, or to update
)

// exploreOp is one operation of an exploration.
type exploreOp struct {
	kind opKind
	// id is the alert of an update or read; "" means the alert under test.
	id string
	// body is an update's JSON object, its members in order; raw, when
	// rawBody is set, is sent instead (a body that is not one JSON object).
	body    []bodyMember
	raw     string
	rawBody bool
	// sel is the $select of a read; nil reads the whole alert.
	sel []string
	// query are the options of a list, in the order they are sent.
	query []option
	// scope is the permission of a sign-in: "read" or "update".
	scope string
}

// bodyMember is one member of an update's body, its value as JSON.
type bodyMember struct {
	name  string
	value json.RawMessage
}

// option is one query option of a list. A $filter keeps its terms apart so
// that the shrinker can drop them one by one.
type option struct {
	name  string
	value string
	// filter, for a $filter, is its terms joined by connectives.
	filter *filterText
}

// filterText is a $filter: terms joined by connectives (conj[i] joins
// terms[i] and terms[i+1]), the first two in parentheses when grouped.
type filterText struct {
	terms   []string
	conj    []string
	grouped bool
}

func (f *filterText) String() string {
	var b strings.Builder
	for i, t := range f.terms {
		if i > 0 {
			b.WriteString(" " + f.conj[i-1] + " ")
		}
		if f.grouped && len(f.terms) > 2 && i == 0 {
			b.WriteString("(")
		}
		b.WriteString(t)
		if f.grouped && len(f.terms) > 2 && i == 1 {
			b.WriteString(")")
		}
	}
	return b.String()
}

// without returns the filter without term i (and a connective next to it).
func (f *filterText) without(i int) *filterText {
	out := &filterText{terms: slices.Delete(slices.Clone(f.terms), i, i+1), conj: slices.Clone(f.conj), grouped: f.grouped}
	out.conj = slices.Delete(out.conj, max(i-1, 0), max(i-1, 0)+1)
	return out
}

func (o option) text() string {
	if o.filter != nil {
		return o.name + "=" + o.filter.String()
	}
	return o.name + "=" + o.value
}

// queryText writes the options as a feature writes a query ("$filter=… &$top=2").
func queryText(opts []option) string {
	parts := make([]string, len(opts))
	for i, o := range opts {
		parts[i] = o.text()
	}
	return strings.Join(parts, "&")
}

// bodyText writes an update's body on one line, its members in order.
func (o exploreOp) bodyText() string {
	if o.rawBody {
		return o.raw
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o.body {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(jsonText(m.name))
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	return b.String()
}

// jsonText encodes v as JSON on one line, without escaping <, > and &.
func jsonText(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the values are built from JSON, strings, numbers and booleans
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// step is the operation as a step of the suite.
func (o exploreOp) step() string {
	switch o.kind {
	case opUpdate:
		if o.id != "" {
			return fmt.Sprintf(`I update the alert with the id "%s" with the JSON '%s'`, o.id, o.bodyText())
		}
		return fmt.Sprintf(`I update the alert with the JSON '%s'`, o.bodyText())
	case opRead:
		switch {
		case o.id != "" && o.sel != nil:
			return fmt.Sprintf(`I read the alert with the id "%s" selecting "%s"`, o.id, strings.Join(o.sel, ","))
		case o.id != "":
			return fmt.Sprintf(`I read the alert with the id "%s"`, o.id)
		case o.sel != nil:
			return fmt.Sprintf(`I read the alert selecting "%s"`, strings.Join(o.sel, ","))
		}
		return "I read the alert"
	case opList:
		if len(o.query) == 0 {
			return "I list the alerts"
		}
		return fmt.Sprintf(`I list the alerts with "%s"`, queryText(o.query))
	case opPages:
		return fmt.Sprintf(`I read the alerts page by page with "%s"`, queryText(o.query))
	default:
		return fmt.Sprintf("I am signed in with permission to %s alerts", o.scope)
	}
}

// simpler returns the operations the shrinker tries in o's place, each
// simpler than o by one thing: an update without one of its members, a read
// with one selected property fewer or none, a list without one option or
// one term of its filter, one selected property fewer.
func (o exploreOp) simpler() []exploreOp {
	var out []exploreOp
	switch o.kind {
	case opUpdate:
		out = append(out, exploreOp{kind: opRead, id: o.id}) // a read teaches the model as much
		if o.rawBody {
			break
		}
		for i := range o.body {
			c := o
			c.body = slices.Delete(slices.Clone(o.body), i, i+1)
			out = append(out, c)
		}
	case opRead:
		if o.sel != nil {
			c := o
			c.sel = nil
			out = append(out, c)
		}
		if len(o.sel) > 1 {
			for i := range o.sel {
				c := o
				c.sel = slices.Delete(slices.Clone(o.sel), i, i+1)
				out = append(out, c)
			}
		}
	case opList, opPages:
		if o.kind == opPages {
			c := o
			c.kind = opList
			out = append(out, c)
		}
		for i, opt := range o.query {
			c := o
			c.query = slices.Delete(slices.Clone(o.query), i, i+1)
			out = append(out, c)
			if opt.filter != nil && len(opt.filter.terms) > 1 {
				for j := range opt.filter.terms {
					c := o
					c.query = slices.Clone(o.query)
					c.query[i].filter = opt.filter.without(j)
					out = append(out, c)
				}
			}
			if opt.name == "$select" && strings.Contains(opt.value, ",") {
				props := strings.Split(opt.value, ",")
				for j := range props {
					c := o
					c.query = slices.Clone(o.query)
					c.query[i].value = strings.Join(slices.Delete(slices.Clone(props), j, j+1), ",")
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// opStep is one step of a sequence and the index of the operation it runs.
type opStep struct {
	text string
	op   int
}

// sequence writes operations as the steps that run them, in order: the one
// place both a replay and the printed scenario take their steps from, so
// that they cannot differ. Each operation is one step; a step an operation
// needs before it (its request variant, say) goes here, with the
// operation's index.
func sequence(ops []exploreOp) []opStep {
	out := make([]opStep, len(ops))
	for i, o := range ops {
		out[i] = opStep{o.step(), i}
	}
	return out
}

// steps returns the texts of the sequence of ops.
func steps(ops []exploreOp) []string {
	seq := sequence(ops)
	out := make([]string, len(seq))
	for i, s := range seq {
		out[i] = s.text
	}
	return out
}
