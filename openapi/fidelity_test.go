package openapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// graphAPICopy is the part of ../shared/graph-api.md (section 3) that describes
// partnerSecurityAlert; the tests below compare the description with it.
const graphAPICopy = "testdata/graph-api-section3.md"

// edmProperty is one row of the property table in graph-api.md.
type edmProperty struct {
	Name     string
	EDMType  string // e.g. Edm.String, Collection(activityLog), securityAlertStatus
	Nullable bool
}

func readGraphAPICopy(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(graphAPICopy)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// parsePropertyTable reads the "| Property | EDM type | Nullable | …" table.
func parsePropertyTable(tb testing.TB, md string) []edmProperty {
	tb.Helper()
	var props []edmProperty
	in := false
	sc := bufio.NewScanner(strings.NewReader(md))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "| Property | EDM type |") {
			in = true
			continue
		}
		if !in {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(line, "|")
		if len(cells) < 5 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") {
			continue
		}
		name := strings.TrimSpace(cells[1])
		nullable := strings.Trim(strings.TrimSpace(cells[3]), "*")
		props = append(props, edmProperty{
			Name:     name,
			EDMType:  strings.TrimSpace(strings.SplitN(strings.TrimSpace(cells[2]), " ", 2)[0]),
			Nullable: nullable == "yes",
		})
	}
	if len(props) == 0 {
		tb.Fatalf("no property table found in %s", graphAPICopy)
	}
	return props
}

// enumLine matches "- securityAlertStatus: active=0, resolved=1, …".
var enumLine = regexp.MustCompile(`^- (securityAlert\w+): (.+)$`)

func parseEnums(tb testing.TB, md string) map[string][]string {
	tb.Helper()
	enums := map[string][]string{}
	for _, line := range strings.Split(md, "\n") {
		m := enumLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, member := range strings.Split(m[2], ",") {
			member = strings.TrimSpace(member)
			name, _, ok := strings.Cut(member, "=")
			if !ok {
				break // the note after the members
			}
			enums[m[1]] = append(enums[m[1]], name)
		}
	}
	return enums
}

// jsonDoc returns the description as a generic JSON value.
func jsonDoc(tb testing.TB) map[string]any {
	tb.Helper()
	b, err := JSON()
	if err != nil {
		tb.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		tb.Fatal(err)
	}
	return doc
}

func component(tb testing.TB, doc map[string]any, name string) map[string]any {
	tb.Helper()
	s, ok := doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
	if !ok {
		tb.Fatalf("schema component %q missing", name)
	}
	return s
}

// schemaShape summarises a property schema: its JSON types, the component it
// refers to (through allOf/anyOf), whether null is allowed, and its format.
type schemaShape struct {
	Types    []string
	Ref      string // component name without the namespace
	Nullable bool
	Format   string
	ItemsRef string
	ReadOnly bool
}

func shapeOf(s map[string]any) schemaShape {
	var sh schemaShape
	switch t := s["type"].(type) {
	case string:
		sh.Types = []string{t}
	case []any:
		for _, x := range t {
			sh.Types = append(sh.Types, x.(string))
		}
	}
	refName := func(v any) string {
		ref, _ := v.(string)
		return strings.TrimPrefix(ref, "#/components/schemas/"+Namespace+".")
	}
	if r, ok := s["$ref"]; ok {
		sh.Ref = refName(r)
	}
	for _, key := range []string{"allOf", "anyOf", "oneOf"} {
		list, _ := s[key].([]any)
		for _, sub := range list {
			m := sub.(map[string]any)
			if r, ok := m["$ref"]; ok {
				sh.Ref = refName(r)
			}
			if m["type"] == "null" {
				sh.Nullable = true
			}
		}
	}
	if slices.Contains(sh.Types, "null") {
		sh.Nullable = true
	}
	sh.Format, _ = s["format"].(string)
	sh.ReadOnly, _ = s["readOnly"].(bool)
	if items, ok := s["items"].(map[string]any); ok {
		sh.ItemsRef = refName(items["$ref"])
	}
	return sh
}

// TestAlertPropertiesMatchGraphMetadata checks every property of
// partnerSecurityAlert against the metadata table in graph-api.md: present,
// same type, same nullability, readOnly on all but status and resolvedReason,
// and no property the metadata does not have.
func TestAlertPropertiesMatchGraphMetadata(t *testing.T) {
	md := readGraphAPICopy(t)
	want := parsePropertyTable(t, md)
	if len(want) != 21 {
		t.Fatalf("graph-api.md lists %d properties; want 21", len(want))
	}
	doc := jsonDoc(t)
	alert := component(t, doc, SchemaAlert)
	props := alert["properties"].(map[string]any)
	if len(props) != len(want) {
		t.Errorf("description has %d properties; want %d", len(props), len(want))
	}
	writable := map[string]bool{"status": true, "resolvedReason": true}
	for _, p := range want {
		t.Run(p.Name, func(t *testing.T) {
			raw, ok := props[p.Name].(map[string]any)
			if !ok {
				t.Fatalf("property %q missing from %s", p.Name, SchemaAlert)
			}
			sh := shapeOf(raw)
			if sh.Nullable != p.Nullable {
				t.Errorf("nullable = %v; want %v (metadata)", sh.Nullable, p.Nullable)
			}
			if sh.ReadOnly == writable[p.Name] {
				t.Errorf("readOnly = %v; want %v", sh.ReadOnly, !writable[p.Name])
			}
			switch {
			case p.EDMType == "Edm.String":
				if !slices.Contains(sh.Types, "string") || sh.Format != "" {
					t.Errorf("types %v format %q; want string without format", sh.Types, sh.Format)
				}
			case p.EDMType == "Edm.Boolean":
				if !slices.Contains(sh.Types, "boolean") {
					t.Errorf("types %v; want boolean", sh.Types)
				}
			case p.EDMType == "Edm.DateTimeOffset":
				if !slices.Contains(sh.Types, "string") || sh.Format != "date-time" {
					t.Errorf("types %v format %q; want string date-time", sh.Types, sh.Format)
				}
			case strings.HasPrefix(p.EDMType, "Collection("):
				elem := strings.TrimSuffix(strings.TrimPrefix(p.EDMType, "Collection("), ")")
				if !slices.Contains(sh.Types, "array") || sh.ItemsRef != elem {
					t.Errorf("types %v items %q; want array of %s", sh.Types, sh.ItemsRef, elem)
				}
			default: // a complex or enum type of the namespace
				if sh.Ref != p.EDMType {
					t.Errorf("refers to %q; want %q", sh.Ref, p.EDMType)
				}
			}
		})
	}
	// Required in the whole entity: exactly the non-nullable properties. The
	// list is written beside allOf (openapi-typescript reads it there) and in
	// the first allOf member (Specmatic and @hey-api/openapi-ts read it
	// there), which names exactly those properties with empty schemas, so it
	// adds no constraint (and comes first: oapi-codegen merges in order); both
	// lists must say the same.
	entity := component(t, doc, SchemaAlertEntity)
	var inside []string
	for i, member := range entity["allOf"].([]any) {
		m := member.(map[string]any)
		for _, r := range asSlice(m["required"]) {
			inside = append(inside, r.(string))
		}
		if m["required"] == nil {
			continue
		}
		props, _ := m["properties"].(map[string]any)
		if i != 0 || len(m) != 2 || len(props) != len(asSlice(m["required"])) {
			t.Errorf("allOf[%d] = %v; want the first member, with required and properties naming the same members, nothing else", i, m)
		}
		for _, r := range asSlice(m["required"]) {
			if p, ok := props[r.(string)].(map[string]any); !ok || len(p) != 0 {
				t.Errorf("allOf[%d] property %v = %v; want {} (the alert types it)", i, r, props[r.(string)])
			}
		}
	}
	var required []string
	for _, r := range asSlice(entity["required"]) {
		required = append(required, r.(string))
	}
	if !slices.Equal(inside, required) {
		t.Errorf("entity required beside allOf %v, inside allOf %v; want the same list in both places", required, inside)
	}
	var nonNullable []string
	for _, p := range want {
		if !p.Nullable {
			nonNullable = append(nonNullable, p.Name)
		}
	}
	slices.Sort(required)
	slices.Sort(nonNullable)
	if !slices.Equal(required, nonNullable) {
		t.Errorf("entity required = %v; want the non-nullable properties %v", required, nonNullable)
	}
	// openType is false: the closed forms admit nothing beyond the 21
	// properties and the named OData annotations.
	for _, name := range []string{SchemaAlertProjection, SchemaAlertEntity} {
		if c := component(t, doc, name); c["unevaluatedProperties"] != false && !closedByAllOf(t, doc, c) {
			t.Errorf("%s is not closed: want unevaluatedProperties false (openType is false)", name)
		}
	}
	annotations := component(t, doc, SchemaAlertAnnotations)["properties"].(map[string]any)
	for name := range annotations {
		if !strings.HasPrefix(name, "@odata.") {
			t.Errorf("%s names %q; want only @odata.* annotations", SchemaAlertAnnotations, name)
		}
		if _, clash := props[name]; clash {
			t.Errorf("annotation %q is also an alert property", name)
		}
	}
}

// closedByAllOf reports whether an allOf member of c refers to a component
// that has unevaluatedProperties false (so c is closed through it).
func closedByAllOf(tb testing.TB, doc map[string]any, c map[string]any) bool {
	tb.Helper()
	for _, m := range asSlice(c["allOf"]) {
		ref, _ := m.(map[string]any)["$ref"].(string)
		name, ok := strings.CutPrefix(ref, "#/components/schemas/")
		if ok && component(tb, doc, name)["unevaluatedProperties"] == false {
			return true
		}
	}
	return false
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// TestEnumsMatchGraphMetadata checks the four enums member by member, in order.
func TestEnumsMatchGraphMetadata(t *testing.T) {
	want := parseEnums(t, readGraphAPICopy(t))
	if len(want) != 4 {
		t.Fatalf("graph-api.md lists %d alert enums; want 4", len(want))
	}
	doc := jsonDoc(t)
	for name, members := range want {
		var got []string
		for _, m := range component(t, doc, Namespace+"."+name)["enum"].([]any) {
			got = append(got, m.(string))
		}
		if !slices.Equal(got, members) {
			t.Errorf("%s members = %v; want %v", name, got, members)
		}
		if got[len(got)-1] != "unknownFutureValue" {
			t.Errorf("%s: last member = %q; want the evolvable-enum sentinel unknownFutureValue", name, got[len(got)-1])
		}
	}
}

// TestComplexTypesMatchGraphMetadata checks activityLog and affectedResource
// (all members non-nullable, hence required) and the open additionalDataDictionary.
func TestComplexTypesMatchGraphMetadata(t *testing.T) {
	doc := jsonDoc(t)
	tests := []struct {
		name  string
		props map[string]string // property → "string", "date-time" or enum component
	}{
		{"activityLog", map[string]string{"statusFrom": "securityAlertStatus", "statusTo": "securityAlertStatus", "updatedBy": "string", "updatedDateTime": "date-time"}},
		{"affectedResource", map[string]string{"resourceId": "string", "resourceType": "string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := component(t, doc, Namespace+"."+tt.name)
			props := s["properties"].(map[string]any)
			if len(props) != len(tt.props) {
				t.Errorf("%d properties; want %d", len(props), len(tt.props))
			}
			var required []string
			for _, r := range s["required"].([]any) {
				required = append(required, r.(string))
			}
			for name, kind := range tt.props {
				raw, ok := props[name].(map[string]any)
				if !ok {
					t.Errorf("property %q missing", name)
					continue
				}
				sh := shapeOf(raw)
				if sh.Nullable {
					t.Errorf("%s nullable; want non-nullable", name)
				}
				if !slices.Contains(required, name) {
					t.Errorf("%s not required; want required (Nullable=false)", name)
				}
				switch kind {
				case "string":
					if !slices.Equal(sh.Types, []string{"string"}) || sh.Format != "" {
						t.Errorf("%s: types %v format %q; want string", name, sh.Types, sh.Format)
					}
				case "date-time":
					if sh.Format != "date-time" {
						t.Errorf("%s: format %q; want date-time", name, sh.Format)
					}
				default:
					if sh.Ref != kind {
						t.Errorf("%s: refers to %q; want %q", name, sh.Ref, kind)
					}
				}
			}
		})
	}
	dict := component(t, doc, SchemaAdditionalData)
	if ap, _ := dict["additionalProperties"].(map[string]any); ap["type"] != "string" {
		t.Errorf("additionalDataDictionary additionalProperties = %v; want an open object of strings", dict["additionalProperties"])
	}
}

// TestGraphAPICopyInSync fails when ../shared/graph-api.md changed its
// section 3 and testdata was not refreshed. CI runs with shared/ beside the
// clone (../shared from the repository root), so there (CI=true) a missing
// copy is a failure; on a plain clone without it the test is skipped.
func TestGraphAPICopyInSync(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "graph-api.md")
	src, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s (shared/ beside the repository) cannot be read: %v", path, err)
		}
		t.Skipf("shared/graph-api.md not beside the checkout: %v", err)
	}
	start := bytes.Index(src, []byte("## 3. partnerSecurityAlert"))
	end := bytes.Index(src, []byte("### Canonical example entity"))
	if start < 0 || end < start {
		t.Fatal("graph-api.md: section 3 not found; update the test")
	}
	copyText := readGraphAPICopy(t)
	if !strings.Contains(copyText, string(src[start:end])) {
		t.Errorf("%s is out of date with ../shared/graph-api.md section 3; copy it again", graphAPICopy)
	}
}
