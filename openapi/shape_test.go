package openapi

import (
	"context"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// TestGeneratorsSeeTypes checks the shape code generators read: each success
// body reaches its alert type by $ref, allOf and items alone, outside any
// if/then/else (generators ignore conditionals, and read a type kept only
// there as "any").
func TestGeneratorsSeeTypes(t *testing.T) {
	doc := jsonDoc(t)
	ref := func(name string) string { return "#/components/schemas/" + name }
	body := func(path, method string) map[string]any {
		op := doc["paths"].(map[string]any)[path].(map[string]any)[method].(map[string]any)
		media := op["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)
		name := strings.TrimPrefix(media["schema"].(map[string]any)["$ref"].(string), "#/components/schemas/")
		return component(t, doc, name)
	}
	allOfRefs := func(s map[string]any) []string {
		var out []string
		for _, m := range asSlice(s["allOf"]) {
			if r, ok := m.(map[string]any)["$ref"].(string); ok {
				out = append(out, r)
			}
		}
		return out
	}
	const list, one = "/security/partner/securityAlerts", "/security/partner/securityAlerts/{partnerSecurityAlertId}"

	if got := allOfRefs(body(one, "get")); len(got) != 1 || got[0] != ref(SchemaAlertProjection) {
		t.Errorf("GET body allOf = %v; want the projection", got)
	}
	value := body(list, "get")["properties"].(map[string]any)["value"].(map[string]any)
	if items, _ := value["items"].(map[string]any); items["$ref"] != ref(SchemaAlertProjection) {
		t.Errorf("list value items = %v; want the projection", value["items"])
	}
	// Both closed forms list the alert and its annotations directly (not one
	// through the other): openapi-typescript applies required only to a $ref
	// whose target has the properties itself.
	for _, name := range []string{SchemaAlertEntity, SchemaAlertProjection} {
		if got := allOfRefs(component(t, doc, name)); len(got) != 2 || got[0] != ref(SchemaAlert) || got[1] != ref(SchemaAlertAnnotations) {
			t.Errorf("%s allOf = %v; want the alert and its annotations", name, got)
		}
	}
	op := doc["paths"].(map[string]any)[one].(map[string]any)["patch"].(map[string]any)
	media := op["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)
	if media["schema"].(map[string]any)["$ref"] != ref(SchemaAlertEntity) {
		t.Errorf("PATCH 200 body = %v; want the whole entity", media["schema"])
	}
}

// TestPortableYAML checks what other tools choke on: YAML anchors and aliases
// (Specmatic misreads aliased responses), patternProperties (ogen cannot
// generate them under allOf), and path parameters without an example (Dredd
// refuses the document; Specmatic sends random ids without named examples).
func TestPortableYAML(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal(YAML(), &root); err != nil {
		t.Fatal(err)
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Anchor != "" || n.Kind == yaml.AliasNode {
			t.Errorf("line %d: YAML anchor or alias %q; write the value out", n.Line, n.Anchor+n.Value)
		}
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 && c.Value == "patternProperties" {
				t.Errorf("line %d: patternProperties; name the members as properties", c.Line)
			}
			walk(c)
		}
	}
	walk(&root)

	doc, err := Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, item := range doc.Paths.Map() {
		params := item.Parameters
		for _, op := range item.Operations() {
			params = append(params, op.Parameters...)
		}
		for _, p := range params {
			if p.Value.In == "path" {
				n++
				if p.Value.Example == nil && len(p.Value.Examples) == 0 {
					t.Errorf("%s: path parameter %s has no example", path, p.Value.Name)
				}
			}
		}
	}
	if n == 0 {
		t.Error("no path parameter found; the test looks in the wrong place")
	}
}
