package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// AssumptionKey is the extension that marks what in the description is our
// assumption rather than Microsoft's documentation. On a schema it is an
// object from a keyword to the reason ("minLength": "…"), or from
// "keyword/item" to the reason for one item of a list keyword
// ("required/innerError": "…"); on any other object (a header, a response, a
// parameter) it is the reason the whole object is an assumption.
const AssumptionKey = "x-assumption"

// Assumption is one place the description marks as our assumption.
type Assumption struct {
	// Pointer is the JSON pointer of the object that carries the mark, e.g.
	// "/components/schemas/microsoft.graph.ODataErrors.MainError".
	Pointer string
	// Keyword is the keyword it lifts ("minLength", "required/innerError"),
	// or "" when the whole object is the assumption.
	Keyword string
	// Reason says what the choice is and why it is not documented.
	Reason string
}

// Assumptions lists every x-assumption of the description, ordered by pointer
// and keyword.
func Assumptions() ([]Assumption, error) {
	doc, err := jsonTree()
	if err != nil {
		return nil, err
	}
	var out []Assumption
	walk(doc, "", func(ptr string, obj map[string]any) {
		switch mark := obj[AssumptionKey].(type) {
		case string:
			out = append(out, Assumption{Pointer: ptr, Reason: mark})
		case map[string]any:
			for k, v := range mark {
				reason, _ := v.(string)
				out = append(out, Assumption{Pointer: ptr, Keyword: k, Reason: reason})
			}
		}
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pointer != out[j].Pointer {
			return out[i].Pointer < out[j].Pointer
		}
		return out[i].Keyword < out[j].Keyword
	})
	return out, nil
}

// NewDocumentedSchemas returns the schemas of the documented projection of
// the description: the embedded description with every keyword an
// x-assumption names lifted (a keyword removed, or one item removed from a
// list keyword such as required). What is left rests on Microsoft's
// documentation alone; a response valid against the full schema is valid
// against it too.
func NewDocumentedSchemas() (*Schemas, error) {
	doc, err := jsonTree()
	if err != nil {
		return nil, err
	}
	var bad error
	walk(doc, "", func(ptr string, obj map[string]any) {
		mark, ok := obj[AssumptionKey].(map[string]any)
		if !ok {
			return
		}
		for k := range mark {
			if err := lift(obj, k); err != nil && bad == nil {
				bad = fmt.Errorf("openapi: %s %s: %w", ptr, AssumptionKey, err)
			}
		}
	})
	if bad != nil {
		return nil, bad
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi: documented projection as JSON: %w", err)
	}
	return compileSchemas(b)
}

// lift removes a keyword, or one item of a list keyword, from a schema object.
func lift(obj map[string]any, key string) error {
	kw, item, hasItem := strings.Cut(key, "/")
	v, ok := obj[kw]
	if !ok {
		return fmt.Errorf("marks %q, which the object does not have", kw)
	}
	if !hasItem {
		delete(obj, kw)
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		return fmt.Errorf("marks an item of %q, which is not a list", kw)
	}
	i := slices.IndexFunc(list, func(e any) bool { return e == item })
	if i < 0 {
		return fmt.Errorf("marks %q in %q, which does not list it", item, kw)
	}
	obj[kw] = slices.Delete(slices.Clone(list), i, i+1)
	return nil
}

// jsonTree returns the description decoded from JSON into maps and slices.
func jsonTree() (map[string]any, error) {
	b, err := JSON()
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("openapi: description as JSON: %w", err)
	}
	return doc, nil
}

// walk calls fn for every object of the tree that carries an x-assumption,
// with its JSON pointer, parents before children.
func walk(v any, ptr string, fn func(string, map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x[AssumptionKey]; ok {
			fn(ptr, x)
		}
		for _, k := range sortedMapKeys(x) {
			if k != AssumptionKey {
				walk(x[k], ptr+"/"+strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1"), fn)
			}
		}
	case []any:
		for i, e := range x {
			walk(e, fmt.Sprintf("%s/%d", ptr, i), fn)
		}
	}
}

func sortedMapKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// compileSchemas returns a Schemas over a description given as JSON.
func compileSchemas(b []byte) (*Schemas, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	c.AssertContent = true
	if err := c.AddResource(documentURL, bytes.NewReader(b)); err != nil {
		return nil, fmt.Errorf("openapi: add description to schema compiler: %w", err)
	}
	return &Schemas{compiler: c}, nil
}
