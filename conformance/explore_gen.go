package conformance

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/partner-security/alertmock/openapi"
)

// The random operations of an exploration, drawn from what the description
// declares: the writable properties of the update body with their enums and
// types, its annotations (@odata.type), the read-only properties of the
// alert, the names $select accepts, the properties and operators the $filter
// parameter names, and the list's other options. Values the description
// cannot give (an alert's current read-only values, the strings and times to
// filter by, the other alerts) come from the target, read once before the
// first operation, so the stream is the same for a seed and a target state.

// exploreSpace is what the description says an exploration may send.
type exploreSpace struct {
	model *alertModel
	// annotations are the annotations of the update body (@odata.type) and
	// the values the description allows for each.
	annotations map[string][]string
	// selectable are the names $select accepts, in the description's order.
	selectable []string
	// list are the query options of the list, in the description's order.
	list []listOption
	// filters are the properties $filter compares and the operators each
	// takes; connectives the operators that join comparisons, and grouping
	// whether parentheses may group them.
	filters     []filterProp
	connectives []string
	grouping    bool
}

// listOption is one query option the list declares.
type listOption struct {
	name   string
	schema *openapi3.Schema
}

// filterProp is a property $filter may compare, with its operators.
type filterProp struct {
	prop *property
	ops  []string
}

// builtinSpace is the exploreSpace of the embedded description, read once
// per process.
var builtinSpace = sync.OnceValues(func() (*exploreSpace, error) {
	doc, err := openapi.Load(context.Background())
	if err != nil {
		return nil, err
	}
	return spaceFromDescription(doc)
})

// spaceFromDescription reads what an exploration may send from the
// description: the update's body, the list's and the read's query options.
func spaceFromDescription(doc *openapi3.T) (*exploreSpace, error) {
	m, err := modelFromDescription(doc)
	if err != nil {
		return nil, err
	}
	sp := &exploreSpace{model: m, annotations: map[string][]string{}}
	patch := doc.Paths.Find("/security/partner/securityAlerts/{partnerSecurityAlertId}").Patch
	body := patch.RequestBody.Value.Content.Get("application/json").Schema
	for name, ref := range objectProperties(body) {
		if strings.HasPrefix(name, "@") {
			sp.annotations[name] = describe(name, ref).enum
		}
	}
	list := doc.Paths.Find("/security/partner/securityAlerts")
	if list == nil || list.Get == nil {
		return nil, errors.New("conformance: the description has no GET of the alert list")
	}
	for _, p := range list.Get.Parameters {
		if p.Value == nil || p.Value.In != openapi3.ParameterInQuery || p.Value.Schema == nil {
			continue
		}
		sp.list = append(sp.list, listOption{name: p.Value.Name, schema: p.Value.Schema.Value})
		switch p.Value.Name {
		case "$select":
			if items := p.Value.Schema.Value.Items; items != nil && items.Value != nil {
				for _, e := range items.Value.Enum {
					if s, ok := e.(string); ok {
						sp.selectable = append(sp.selectable, s)
					}
				}
			}
		case "$filter":
			sp.filters, sp.connectives, sp.grouping = filtersOf(p.Value.Description, m)
		}
	}
	if len(sp.selectable) == 0 {
		return nil, errors.New("conformance: the description's $select names no property")
	}
	if len(sp.filters) == 0 {
		return nil, errors.New("conformance: the description of $filter names no property with its operators (\"`eq`/`ne` on status, …\")")
	}
	return sp, nil
}

// filterClause matches one clause of the $filter description: "`eq`/`ne` on
// status, severity and isTest".
var filterClause = regexp.MustCompile("^((?:`[a-z]+`/)*`[a-z]+`) on (.+)$")

// filtersOf reads the $filter description's clauses, separated by
// semicolons: "`eq`/`ne` on a, b and c" gives each property its operators
// (names the alert does not declare are left out), and a clause listing
// `and`, `or` and "parentheses" gives the connectives.
func filtersOf(desc string, m *alertModel) ([]filterProp, []string, bool) {
	var props []filterProp
	var conns []string
	grouping := false
	desc = strings.Join(strings.Fields(desc), " ")
	for _, clause := range strings.Split(desc, ";") {
		clause = strings.TrimSpace(clause)
		if _, rest, ok := strings.Cut(clause, ": "); ok && !strings.Contains(clause[:strings.Index(clause, ": ")], "`") {
			clause = rest // "Supported: …"
		}
		if sub := filterClause.FindStringSubmatch(clause); sub != nil {
			ops := strings.Split(strings.ReplaceAll(sub[1], "`", ""), "/")
			names := strings.ReplaceAll(sub[2], " and ", ", ")
			for _, n := range strings.Split(names, ",") {
				if p := m.properties[strings.TrimSpace(n)]; p != nil {
					props = append(props, filterProp{prop: p, ops: ops})
				}
			}
			continue
		}
		for _, w := range []string{"and", "or"} {
			if strings.Contains(clause, "`"+w+"`") {
				conns = append(conns, w)
			}
		}
		grouping = grouping || strings.Contains(clause, "parentheses")
	}
	return props, conns, grouping
}

// targetState is what the target holds before an exploration: the alert
// under test, and the other alerts the list shows, ordered by id.
type targetState struct {
	alert  map[string]any
	others []map[string]any
}

// unknownAlertID is the id an exploration reads to get a 404: no alert has
// it unless the target's does (then another is made).
const unknownAlertID = "00000000-0000-4000-8000-000000000000"

// generator draws the operations of an exploration.
type generator struct {
	rng   *rand.Rand
	sp    *exploreSpace
	state *targetState
	// cast are the other alerts the operations touch: a few, so that
	// operations meet the same alert again.
	cast []map[string]any
	// writeOthers lets updates go to the cast; signIn lets operations sign in
	// with other permissions (the harness mints the tokens).
	writeOthers, signIn bool
	// values are the values the target's alerts have, by property, for
	// literals of $filter.
	values  map[string][]any
	unknown string
	// decks are what deal deals from, by name.
	decks map[string][]int
	// comparisons are the terms $filter is drawn from (see comparison).
	comparisons []comparisonTerm
}

// newGenerator returns the generator of the seed's operations.
func newGenerator(seed int64, sp *exploreSpace, state *targetState, writeOthers, signIn bool) *generator {
	g := &generator{rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed0fe4a1e57)), sp: sp, state: state, writeOthers: writeOthers, signIn: signIn, values: map[string][]any{}, decks: map[string][]int{}}
	perm := g.rng.Perm(len(state.others))
	for _, i := range perm[:min(4, len(perm))] {
		g.cast = append(g.cast, state.others[i])
	}
	ids := map[string]bool{}
	for _, a := range append([]map[string]any{state.alert}, state.others...) {
		id, _ := a["id"].(string)
		ids[id] = true
		for _, f := range sp.filters {
			v, ok := a[f.prop.name]
			if str, isStr := v.(string); isStr && strings.ContainsAny(str, "\"&\n\r\t") {
				continue // a step's quoted query cannot hold it
			}
			if ok && v != nil && !slices.ContainsFunc(g.values[f.prop.name], func(w any) bool { return jsonEqualish(v, w) }) {
				g.values[f.prop.name] = append(g.values[f.prop.name], v)
			}
		}
	}
	for _, vs := range g.values {
		sort.Slice(vs, func(i, j int) bool { return string(jsonText(vs[i])) < string(jsonText(vs[j])) })
	}
	g.unknown = unknownAlertID
	for ids[g.unknown] {
		g.unknown = g.unknown[:len(g.unknown)-1] + "1"
	}
	return g
}

// jsonEqualish reports whether two decoded JSON values are equal.
func jsonEqualish(a, b any) bool { return string(jsonText(a)) == string(jsonText(b)) }

// ops draws n operations.
func (g *generator) ops(n int) []exploreOp {
	out := make([]exploreOp, n)
	for i := range out {
		out[i] = g.next()
	}
	return out
}

// chance reports true with the probability pct percent.
func (g *generator) chance(pct int) bool { return g.rng.IntN(100) < pct }

func pick[T any](g *generator, list []T) T { return list[g.rng.IntN(len(list))] }

// deal returns one of list from the deck of the name: a deck deals every
// item once, in an order the seed shuffles, before it deals any again, so
// that a few hundred operations send every member of every enum, every
// read-only property and every property and operator of $filter.
func deal[T any](g *generator, name string, list []T) T {
	d := g.decks[name]
	if len(d) == 0 {
		d = g.rng.Perm(len(list))
	}
	g.decks[name] = d[1:]
	return list[d[0]]
}

// next draws one operation: updates most often, then lists, reads of the
// alert under test (whole or selected) and of the other alerts.
func (g *generator) next() exploreOp {
	type choice struct {
		weight int
		draw   func() exploreOp
	}
	others := 0
	if len(g.cast) > 0 {
		others = 1
	}
	choices := []choice{
		{30, func() exploreOp { return g.update("", g.state.alert) }},
		{10, func() exploreOp { return exploreOp{kind: opRead} }},
		{8, func() exploreOp { return exploreOp{kind: opRead, sel: g.selection()} }},
		{14, func() exploreOp { return exploreOp{kind: opList, query: g.query(false)} }},
		{6, func() exploreOp { return exploreOp{kind: opPages, query: g.query(true)} }},
		{8 * others, g.readOther},
		{1, func() exploreOp { return exploreOp{kind: opRead, id: g.unknown} }},
	}
	if g.writeOthers && others > 0 {
		choices = append(choices, choice{6, func() exploreOp {
			a := pick(g, g.cast)
			return g.update(a["id"].(string), a)
		}})
	}
	if g.signIn {
		choices = append(choices, choice{3, func() exploreOp { return exploreOp{kind: opSignIn, scope: pick(g, []string{"read", "update"})} }})
	}
	total := 0
	for _, c := range choices {
		total += c.weight
	}
	r := g.rng.IntN(total)
	for _, c := range choices {
		if r < c.weight {
			return c.draw()
		}
		r -= c.weight
	}
	panic("unreachable")
}

func (g *generator) readOther() exploreOp {
	a := pick(g, g.cast)
	op := exploreOp{kind: opRead, id: a["id"].(string)}
	if g.chance(40) {
		op.sel = g.selection()
	}
	return op
}

// selection draws one to four names $select accepts, in the description's order.
func (g *generator) selection() []string {
	n := 1 + g.rng.IntN(4)
	idx := g.rng.Perm(len(g.sp.selectable))[:min(n, len(g.sp.selectable))]
	slices.Sort(idx)
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = g.sp.selectable[j]
	}
	return out
}

// update draws an update of the alert with the id ("" for the alert under
// test) whose state before the exploration was current. Most bodies are
// valid but for at most one thing, so that a refusal has one reason: only
// valid values of the writable properties (members of their enums,
// unknownFutureValue included, or null where allowed); one value the
// property does not allow (null, a member in another letter case, a string
// that is no member, another JSON type); a read-only property with another
// value or its current one; a property the alert does not have; the type
// annotation, naming the type or another; or a body that is not one JSON
// object.
func (g *generator) update(id string, current map[string]any) exploreOp {
	op := exploreOp{kind: opUpdate, id: id}
	m := g.sp.model
	flavor := g.rng.IntN(100)
	if flavor < 5 {
		op.rawBody, op.raw = true, g.rawBody()
		return op
	}
	members := map[string]any{}
	for _, p := range m.writable {
		pct := 30
		if slices.Contains(m.required, p.name) {
			pct = 96
		}
		if g.chance(pct) {
			members[p.name] = g.valid(p)
		}
	}
	switch {
	case flavor < 25: // one value the property does not allow
		p := deal(g, "writable", m.writable)
		members[p.name] = g.invalid(p)
	case flavor < 42: // a read-only property
		var ro []*property
		for _, name := range sortedKeys(m.properties) {
			if p := m.properties[name]; p.readOnly {
				ro = append(ro, p)
			}
		}
		p := deal(g, "read-only", ro)
		cur, known := current[p.name]
		if known && g.chance(30) {
			members[p.name] = cur
		} else {
			members[p.name] = normalize(sample(p, cur))
		}
	case flavor < 48: // a property the alert does not have
		name := "conformanceUndeclaredProperty"
		for m.properties[name] != nil {
			name += "X"
		}
		members[name] = "conformance-probe"
	case flavor < 58: // the type annotation
		for _, name := range sortedKeys(g.sp.annotations) {
			allowed := g.sp.annotations[name]
			if len(allowed) == 0 {
				continue
			}
			if g.chance(80) {
				members[name] = pick(g, allowed)
			} else {
				ns := strings.TrimPrefix(allowed[0], "#")
				ns = ns[:max(strings.LastIndex(ns, "."), 0)]
				members[name] = "#" + ns + ".conformanceNotAType"
			}
		}
	}
	for _, name := range sortedKeys(members) {
		op.body = append(op.body, bodyMember{name, jsonText(members[name])})
	}
	return op
}

// valid draws a valid value of a writable property: a member of its enum
// (unknownFutureValue included) or a valid value of its schema, or null
// where the property allows it.
func (g *generator) valid(p *property) any {
	if p.allows("null") && g.chance(15) {
		return nil
	}
	if len(p.enum) > 0 {
		return deal(g, "value "+p.name, p.enum)
	}
	return normalize(sampleSchema(p.schema, nil, 0))
}

// invalid draws a value the property does not allow: null where it is not
// nullable, a member in another letter case, a string that is no member, or
// a JSON type its schema does not allow.
func (g *generator) invalid(p *property) any {
	var bad []any
	if !p.allows("null") {
		bad = append(bad, nil)
	}
	if len(p.enum) > 0 {
		for _, e := range p.enum {
			if other := flipCase(e); !slices.Contains(p.enum, other) {
				bad = append(bad, other)
			}
		}
		bad = append(bad, undeclaredMember(p.enum))
	}
	for _, t := range []struct {
		name  string
		value any
	}{{"number", 1.0}, {"boolean", true}, {"object", map[string]any{}}, {"array", []any{}}} {
		if !p.allows(t.name) {
			bad = append(bad, t.value)
		}
	}
	if len(bad) == 0 {
		return undeclaredMember(nil)
	}
	return deal(g, "invalid "+p.name, bad)
}

// rawBody draws a body that is not one JSON object: an array, null, a
// string, two objects, or nothing.
func (g *generator) rawBody() string {
	status := g.sp.model.writable[0]
	for _, p := range g.sp.model.writable {
		if slices.Contains(g.sp.model.required, p.name) {
			status = p
			break
		}
	}
	one := func() string {
		return string(jsonText(map[string]any{status.name: sample(status, nil)}))
	}
	switch g.rng.IntN(5) {
	case 0:
		return "[]"
	case 1:
		return "null"
	case 2:
		return string(jsonText(sample(status, nil)))
	case 3:
		return one() + " " + one()
	}
	return ""
}

// query draws the options of a list, in the order the description declares
// them; paged lists ask for small pages more often, so that there are next
// links to follow.
func (g *generator) query(paged bool) []option {
	var out []option
	for _, lo := range g.sp.list {
		switch lo.name {
		case "$filter":
			if g.chance(55) {
				out = append(out, option{name: lo.name, filter: g.filter()})
			}
		case "$select":
			if g.chance(35) {
				out = append(out, option{name: lo.name, value: strings.Join(g.selection(), ",")})
			}
		case "$count":
			if g.chance(30) {
				out = append(out, option{name: lo.name, value: "true"})
			}
		case "$top":
			pct := 30
			if paged {
				pct = 70
			}
			if g.chance(pct) {
				lo, hi := bounds(lo.schema, 1, 5)
				out = append(out, option{name: "$top", value: fmt.Sprint(lo + g.rng.IntN(min(hi, lo+4)-lo+1))})
			}
		case "$skip":
			if g.chance(5) {
				lo, _ := bounds(lo.schema, 0, 3)
				out = append(out, option{name: "$skip", value: fmt.Sprint(lo + g.rng.IntN(4))})
			}
		case "$orderby":
			if items := lo.schema.Items; items != nil && items.Value != nil && len(items.Value.Enum) > 0 && g.chance(15) {
				out = append(out, option{name: lo.name, value: fmt.Sprint(pick(g, items.Value.Enum))})
			}
		}
	}
	return out
}

// bounds returns a numeric schema's minimum and maximum, or the defaults.
func bounds(s *openapi3.Schema, lo, hi int) (int, int) {
	if s.Min != nil {
		lo = int(*s.Min)
	}
	if s.Max != nil {
		hi = int(*s.Max)
	}
	return lo, hi
}

// filter draws one to three comparisons joined by the described connectives.
func (g *generator) filter() *filterText {
	n := 1
	switch r := g.rng.IntN(100); {
	case r >= 80:
		n = 3
	case r >= 45:
		n = 2
	}
	if len(g.sp.connectives) == 0 {
		n = 1
	}
	f := &filterText{}
	for i := 0; i < n; i++ {
		f.terms = append(f.terms, g.comparison())
		if i > 0 {
			f.conj = append(f.conj, pick(g, g.sp.connectives))
		}
	}
	f.grouped = g.sp.grouping && n == 3 && g.chance(40)
	return f
}

// comparison deals "property op literal" for a property $filter compares,
// from the deck of every property, operator and enum member (null and the
// booleans included): a few hundred operations compare with each. A time
// is one the target's alerts have, a day either side, or a fixed one; a
// string one they have, or one none has.
func (g *generator) comparison() string {
	if g.comparisons == nil {
		for _, fp := range g.sp.filters {
			p := fp.prop
			for _, op := range fp.ops {
				var lits []string
				if (op == "eq" || op == "ne") && p.allows("null") {
					lits = append(lits, "null")
				}
				switch {
				case len(p.enum) > 0:
					for _, e := range p.enum {
						lits = append(lits, "'"+e+"'")
					}
				case p.allows("boolean"):
					lits = append(lits, "true", "false")
				default:
					lits = append(lits, "") // drawn when dealt
				}
				for _, l := range lits {
					g.comparisons = append(g.comparisons, comparisonTerm{p, op, l})
				}
			}
		}
	}
	c := deal(g, "comparison", g.comparisons)
	p, lit := c.prop, c.lit
	switch {
	case lit != "":
	case p.format == "date-time":
		t := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
		if seen := g.values[p.name]; len(seen) > 0 && g.chance(70) {
			if s, ok := pick(g, seen).(string); ok {
				if parsed, err := time.Parse(time.RFC3339Nano, s); err == nil {
					t = parsed
				}
			}
		}
		lit = t.Add(time.Duration(g.rng.IntN(3)-1) * 24 * time.Hour).UTC().Format(time.RFC3339Nano)
	default:
		str := "conformance-probe"
		if seen := g.values[p.name]; len(seen) > 0 && g.chance(85) {
			if v, ok := pick(g, seen).(string); ok {
				str = v
			}
		}
		lit = "'" + strings.ReplaceAll(str, "'", "''") + "'"
	}
	return p.name + " " + c.op + " " + lit
}

// comparisonTerm is a comparison of $filter; an empty lit is drawn when the
// term is dealt.
type comparisonTerm struct {
	prop *property
	op   string
	lit  string
}
