package oracle

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/partner-security/alertmock/openapi"
)

// contract is what the rules read from the OpenAPI description: the routes,
// the compiled schemas (full, and the documented projection), and the alert's
// properties and enums.
type contract struct {
	doc    *openapi3.T
	router routers.Router
	// full and documented hold every schema component compiled, by name.
	full, documented map[string]*jsonschema.Schema
	// properties are the alert's declared property names; nonNullable those
	// CSDL marks Nullable=false; writable those of the PATCH body; dateTimes
	// those of format date-time.
	properties, nonNullable, writable, dateTimes []string
	// enums are the members of the enum-typed properties, by property name
	// (the activity log's statusFrom and statusTo under those names).
	enums map[string][]string
	// verdicts caches what validating a body found (see cachedVerdict):
	// scenarios read the same alerts and pages again and again.
	verdicts verdictCache
}

// verdictKey names one validation: the schema, which description, the body.
type verdictKey struct {
	schema     string
	documented bool
	body       uint64 // maphash of the body
	size       int
}

// verdictCache is a bounded map of validation verdicts, safe for concurrent use.
type verdictCache struct {
	mu   sync.Mutex
	seed maphash.Seed
	m    map[verdictKey]string
}

// maxVerdicts bounds the cache; when full it starts again.
const maxVerdicts = 4096

// cachedVerdict returns what validating body against schema found ("" for
// nothing), computing it with validate the first time.
func (c *contract) cachedVerdict(schema string, documented bool, body []byte, validate func() string) string {
	vc := &c.verdicts
	vc.mu.Lock()
	if vc.m == nil {
		vc.m, vc.seed = map[verdictKey]string{}, maphash.MakeSeed()
	}
	k := verdictKey{schema, documented, maphash.Bytes(vc.seed, body), len(body)}
	v, ok := vc.m[k]
	vc.mu.Unlock()
	if ok {
		return v
	}
	v = validate()
	vc.mu.Lock()
	if len(vc.m) >= maxVerdicts {
		clear(vc.m)
	}
	vc.m[k] = v
	vc.mu.Unlock()
	return v
}

// builtinContract is the contract of the embedded description, built once per
// process: it never changes, and compiling every schema twice costs more than
// the rest of an Oracle.
var builtinContract = func() func(context.Context) (*contract, error) {
	var once sync.Once
	var c *contract
	var err error
	return func(ctx context.Context) (*contract, error) {
		once.Do(func() { c, err = loadContract(ctx) })
		return c, err
	}
}()

func loadContract(ctx context.Context) (*contract, error) {
	doc, err := openapi.Load(ctx)
	if err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("oracle: route table from description: %w", err)
	}
	full, err := openapi.NewSchemas()
	if err != nil {
		return nil, err
	}
	documented, err := openapi.NewDocumentedSchemas()
	if err != nil {
		return nil, err
	}
	c := &contract{doc: doc, router: router, full: map[string]*jsonschema.Schema{}, documented: map[string]*jsonschema.Schema{}, enums: map[string][]string{}}
	for name := range doc.Components.Schemas {
		if c.full[name], err = full.Compile(name); err != nil {
			return nil, err
		}
		if c.documented[name], err = documented.Compile(name); err != nil {
			return nil, err
		}
	}
	alert := doc.Components.Schemas[openapi.SchemaAlert]
	entity := doc.Components.Schemas[openapi.SchemaAlertEntity]
	update := doc.Components.Schemas[openapi.SchemaAlertUpdate]
	if alert == nil || entity == nil || update == nil {
		return nil, errors.New("oracle: the description lacks the alert, entity or update schema")
	}
	for name, p := range alert.Value.Properties {
		c.properties = append(c.properties, name)
		for _, s := range branches(p) {
			if s.Format == "date-time" {
				c.dateTimes = append(c.dateTimes, name)
				break
			}
		}
		if members := enumOf(p); len(members) > 0 {
			c.enums[name] = members
		}
	}
	for _, s := range branches(entity) {
		for _, r := range s.Required {
			if !slices.Contains(c.nonNullable, r) {
				c.nonNullable = append(c.nonNullable, r)
			}
		}
	}
	for name := range update.Value.Properties {
		if !strings.HasPrefix(name, "@") {
			c.writable = append(c.writable, name)
		}
	}
	if log := doc.Components.Schemas[openapi.SchemaActivityLog]; log != nil {
		for _, name := range []string{"statusFrom", "statusTo"} {
			if members := enumOf(log.Value.Properties[name]); len(members) > 0 {
				c.enums[name] = members
			}
		}
	}
	for _, l := range [][]string{c.properties, c.nonNullable, c.writable, c.dateTimes} {
		sort.Strings(l)
	}
	if len(c.enums["status"]) == 0 {
		return nil, errors.New("oracle: the description's status has no enum")
	}
	return c, nil
}

// branches returns a schema and, recursively, the schemas of its allOf, anyOf
// and oneOf.
func branches(ref *openapi3.SchemaRef) []*openapi3.Schema {
	if ref == nil || ref.Value == nil {
		return nil
	}
	out := []*openapi3.Schema{ref.Value}
	for _, list := range []openapi3.SchemaRefs{ref.Value.AllOf, ref.Value.AnyOf, ref.Value.OneOf} {
		for _, b := range list {
			out = append(out, branches(b)...)
		}
	}
	return out
}

// enumOf returns the string members of a schema's enum, across its branches.
func enumOf(ref *openapi3.SchemaRef) []string {
	var out []string
	for _, s := range branches(ref) {
		for _, e := range s.Enum {
			if str, ok := e.(string); ok && !slices.Contains(out, str) {
				out = append(out, str)
			}
		}
	}
	return out
}

// schema returns a compiled component: of the documented projection when
// documented is set, else of the full description.
func (c *contract) schema(name string, documented bool) *jsonschema.Schema {
	if documented {
		return c.documented[name]
	}
	return c.full[name]
}

// isProperty reports whether name is a declared property of the alert.
func (c *contract) isProperty(name string) bool {
	_, ok := slices.BinarySearch(c.properties, name)
	return ok
}

// isDateTime reports whether the property is a date-time.
func (c *contract) isDateTime(name string) bool {
	_, ok := slices.BinarySearch(c.dateTimes, name)
	return ok
}
