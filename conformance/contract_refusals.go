package conformance

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The refusals derived from the description: for every writable property of
// the PATCH body the values its schema forbids (outside the enum, a JSON type it
// does not allow, null where it is not nullable), every read-only property of
// the alert, and a property the alert does not declare. They are read from the
// schemas of the update operation (its request body and its 200 response), with
// $ref, allOf, anyOf and oneOf resolved, so that a new property or enum member
// in the description is probed without editing a feature file.

// property is what the description says about one property of the alert.
type property struct {
	name     string
	types    []string // JSON types allowed, "null" included when nullable
	enum     []string // the members of a string enum, nil if none
	readOnly bool
	format   string
	schema   *openapi3.Schema // for building a valid value of another property
}

// alertModel is the alert as the description declares it.
type alertModel struct {
	// properties of the alert (from the update's 200 response), by name.
	properties map[string]*property
	// writable are the properties of the PATCH body (annotations such as
	// @odata.type left out), with the required ones listed in required.
	writable []*property
	required []string
}

// modelFromDescription reads the alert model from the PATCH operation on the
// alert item.
func modelFromDescription(doc *openapi3.T) (*alertModel, error) {
	item := doc.Paths.Find("/security/partner/securityAlerts/{partnerSecurityAlertId}")
	if item == nil || item.Patch == nil {
		return nil, errors.New("conformance: the description has no PATCH on an alert")
	}
	op := item.Patch
	if op.RequestBody == nil || op.RequestBody.Value == nil || op.RequestBody.Value.Content.Get("application/json") == nil {
		return nil, errors.New("conformance: the PATCH on an alert declares no application/json body")
	}
	body := op.RequestBody.Value.Content.Get("application/json").Schema
	ok := op.Responses.Status(http.StatusOK)
	if ok == nil || ok.Value == nil || ok.Value.Content.Get("application/json") == nil {
		return nil, errors.New("conformance: the PATCH on an alert declares no 200 JSON body")
	}
	entity := ok.Value.Content.Get("application/json").Schema
	m := &alertModel{properties: map[string]*property{}}
	for name, s := range objectProperties(entity) {
		if strings.HasPrefix(name, "@") {
			continue // OData control information (@odata.context, …), not a property of the type
		}
		p := describe(name, s)
		m.properties[name] = p
	}
	if len(m.properties) == 0 {
		return nil, errors.New("conformance: the alert schema of the PATCH response declares no properties")
	}
	bodyProps := objectProperties(body)
	for _, name := range sortedKeys(bodyProps) {
		if strings.HasPrefix(name, "@") {
			continue // an annotation such as @odata.type, not a property
		}
		m.writable = append(m.writable, describe(name, bodyProps[name]))
	}
	m.required = requiredOf(body)
	if len(m.writable) == 0 {
		return nil, errors.New("conformance: the PATCH body schema declares no writable property")
	}
	return m, nil
}

// branches returns a schema and, recursively, the schemas of its allOf, anyOf
// and oneOf: the places a property list, a type or an enum may hide behind
// wrappers.
func branches(ref *openapi3.SchemaRef) []*openapi3.Schema {
	if ref == nil || ref.Value == nil {
		return nil
	}
	s := ref.Value
	out := []*openapi3.Schema{s}
	for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, b := range list {
			out = append(out, branches(b)...)
		}
	}
	return out
}

// objectProperties merges the properties of a schema and its branches; a
// property named in several is described by the first branch that
// constrains it (an allOf member may name it with {} only to require it).
func objectProperties(ref *openapi3.SchemaRef) map[string]*openapi3.SchemaRef {
	out := map[string]*openapi3.SchemaRef{}
	for _, s := range branches(ref) {
		for name, p := range s.Properties {
			if seen, ok := out[name]; !ok || (unconstrained(seen) && !unconstrained(p)) {
				out[name] = p
			}
		}
	}
	return out
}

// unconstrained reports whether a schema is {} (or only annotations).
func unconstrained(ref *openapi3.SchemaRef) bool {
	if ref == nil || ref.Value == nil {
		return true
	}
	s := ref.Value
	return ref.Ref == "" && (s.Type == nil || len(s.Type.Slice()) == 0) && len(s.Enum) == 0 && s.Format == "" &&
		len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0 && len(s.Properties) == 0 && s.Items == nil && s.Not == nil && !s.ReadOnly
}

// requiredOf merges the required lists of a schema and its allOf branches.
func requiredOf(ref *openapi3.SchemaRef) []string {
	var out []string
	for _, s := range branches(ref) {
		for _, r := range s.Required {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	sort.Strings(out)
	return out
}

// describe reads one property's types, enum, nullability and readOnly, across
// its branches.
func describe(name string, ref *openapi3.SchemaRef) *property {
	p := &property{name: name, schema: ref.Value}
	add := func(t string) {
		if t == "integer" {
			t = "number"
		}
		if !slices.Contains(p.types, t) {
			p.types = append(p.types, t)
		}
	}
	for _, s := range branches(ref) {
		p.readOnly = p.readOnly || s.ReadOnly
		if s.Type != nil {
			for _, t := range s.Type.Slice() {
				add(t)
			}
		}
		if s.Nullable {
			add("null")
		}
		if s.Format != "" && p.format == "" {
			p.format = s.Format
		}
		for _, e := range s.Enum {
			if str, ok := e.(string); ok && !slices.Contains(p.enum, str) {
				p.enum = append(p.enum, str)
			}
		}
	}
	if len(p.enum) > 0 && !slices.Contains(p.types, "string") {
		add("string")
	}
	return p
}

func (p *property) allows(t string) bool { return slices.Contains(p.types, t) }

// probe is one update the description forbids.
type probe struct {
	what string // e.g. `status = 1 (a number, which the schema does not allow)`
	body map[string]any
}

// unknownFutureValue is the sentinel of Graph's evolvable enums; as a PATCH
// value it means "no change", so it never serves as a change.
const unknownFutureValue = "unknownFutureValue"

// baseUpdate returns a valid update that changes the alert: every required
// writable property with a valid value other than the current one.
func (m *alertModel) baseUpdate(current map[string]any) map[string]any {
	body := map[string]any{}
	for _, p := range m.writable {
		if slices.Contains(m.required, p.name) {
			body[p.name] = sample(p, current[p.name])
		}
	}
	return body
}

// forbiddenValues returns the probes for the writable properties: values
// outside an enum (including a member in another letter case), of a JSON type
// the property does not allow, and null where it is not nullable.
func (m *alertModel) forbiddenValues(current map[string]any) []probe {
	var out []probe
	for _, p := range m.writable {
		add := func(v any, why string) {
			body := m.baseUpdate(current)
			body[p.name] = v
			out = append(out, probe{what: fmt.Sprintf("%s = %s (%s)", p.name, show(v), why), body: body})
		}
		if len(p.enum) > 0 {
			add(undeclaredMember(p.enum), "not a member of the enum "+strings.Join(p.enum, ", "))
			for _, e := range p.enum {
				if e == unknownFutureValue {
					continue
				}
				if other := flipCase(e); !slices.Contains(p.enum, other) {
					add(other, fmt.Sprintf("the member %q in another letter case", e))
					break
				}
			}
		}
		for _, t := range []struct {
			name  string
			value any
		}{{"string", "conformance-probe"}, {"number", 1}, {"boolean", true}, {"object", map[string]any{}}, {"array", []any{}}, {"null", nil}} {
			if p.allows(t.name) || (t.name == "string" && len(p.enum) > 0) {
				continue
			}
			why := "a " + t.name + ", which the schema does not allow"
			if t.name == "null" {
				why = "null, though the property is not nullable"
			}
			add(t.value, why)
		}
	}
	return out
}

// readOnlyChanges returns one probe per read-only property: a valid update
// that also sets the property to a valid value other than its current one.
func (m *alertModel) readOnlyChanges(current map[string]any) []probe {
	var out []probe
	for _, name := range sortedKeys(m.properties) {
		p := m.properties[name]
		if !p.readOnly {
			continue
		}
		v := sample(p, current[name])
		if reflect.DeepEqual(normalize(v), current[name]) {
			continue // no other valid value could be built
		}
		body := m.baseUpdate(current)
		body[name] = v
		out = append(out, probe{what: fmt.Sprintf("the read-only %s = %s (now %s)", name, show(v), show(current[name])), body: body})
	}
	return out
}

// undeclared returns a probe with a property the alert does not declare.
func (m *alertModel) undeclared(current map[string]any) probe {
	name := "conformanceUndeclaredProperty"
	for m.properties[name] != nil {
		name += "X"
	}
	body := m.baseUpdate(current)
	body[name] = "conformance-probe"
	return probe{what: fmt.Sprintf("%s = %q (a property the alert does not declare)", name, "conformance-probe"), body: body}
}

// undeclaredMember returns a string that is not one of the members.
func undeclaredMember(members []string) string {
	v := "conformanceNotAMember"
	for slices.Contains(members, v) {
		v += "X"
	}
	return v
}

// flipCase returns s with its first letter in the other case.
func flipCase(s string) string {
	if s == "" {
		return s
	}
	first := s[:1]
	if up := strings.ToUpper(first); up != first {
		return up + s[1:]
	}
	return strings.ToLower(first) + s[1:]
}

// sample returns a valid value for the property other than avoid where it can.
func sample(p *property, avoid any) any {
	if len(p.enum) > 0 {
		for _, e := range p.enum {
			if e != unknownFutureValue && e != avoid {
				return e
			}
		}
	}
	return sampleSchema(p.schema, avoid, 0)
}

// sampleSchema builds a valid value of a schema, other than avoid where it can.
func sampleSchema(s *openapi3.Schema, avoid any, depth int) any {
	if s == nil || depth > 5 {
		return "conformance-probe"
	}
	for _, e := range s.Enum {
		if e != avoid && e != unknownFutureValue {
			return e
		}
	}
	types := s.Type.Slice()
	for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, b := range list {
			if b.Value != nil && !(b.Value.Type.Is("null")) {
				return sampleSchema(b.Value, avoid, depth+1)
			}
		}
	}
	for _, t := range types {
		switch t {
		case "string":
			v := "conformance-probe"
			if s.Format == "date-time" {
				v = "2001-02-03T04:05:06Z"
			}
			if v == avoid {
				v += "-2"
			}
			return v
		case "boolean":
			b, _ := avoid.(bool)
			return !b
		case "integer", "number":
			if avoid == 7.0 {
				return 8
			}
			return 7
		case "array":
			if list, _ := avoid.([]any); len(list) > 0 {
				return []any{}
			}
			if s.Items != nil {
				return []any{sampleSchema(s.Items.Value, nil, depth+1)}
			}
			return []any{"conformance-probe"}
		case "object":
			obj := map[string]any{}
			for _, r := range s.Required {
				if ps := s.Properties[r]; ps != nil {
					obj[r] = sampleSchema(ps.Value, nil, depth+1)
				}
			}
			if len(s.Required) == 0 && s.AdditionalProperties.Schema != nil {
				obj["conformanceProbe"] = sampleSchema(s.AdditionalProperties.Schema.Value, nil, depth+1)
			}
			if reflect.DeepEqual(normalize(obj), avoid) {
				obj["conformanceProbe"] = "conformance-probe"
			}
			return obj
		}
	}
	return "conformance-probe"
}

// normalize turns a value into what encoding/json decodes it to, for comparisons
// with decoded responses.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	}
	return v
}
