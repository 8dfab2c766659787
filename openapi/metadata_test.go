package openapi

import (
	"context"
	"encoding/xml"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// csdl is the part of a CSDL XML document the test reads.
type csdl struct {
	XMLName xml.Name `xml:"Edmx"`
	Version string   `xml:"Version,attr"`
	Schemas []struct {
		Namespace string `xml:"Namespace,attr"`
		Alias     string `xml:"Alias,attr"`
		Enums     []struct {
			Name    string `xml:"Name,attr"`
			Members []struct {
				Name  string `xml:"Name,attr"`
				Value string `xml:"Value,attr"`
			} `xml:"Member"`
		} `xml:"EnumType"`
		Complex []csdlStructured `xml:"ComplexType"`
		Entity  []csdlStructured `xml:"EntityType"`
		Root    []struct {
			Name       string `xml:"Name,attr"`
			Singletons []struct {
				Name string `xml:"Name,attr"`
				Type string `xml:"Type,attr"`
			} `xml:"Singleton"`
		} `xml:"EntityContainer"`
	} `xml:"DataServices>Schema"`
}

type csdlStructured struct {
	Name       string `xml:"Name,attr"`
	BaseType   string `xml:"BaseType,attr"`
	OpenType   string `xml:"OpenType,attr"`
	Properties []struct {
		Name     string `xml:"Name,attr"`
		Type     string `xml:"Type,attr"`
		Nullable string `xml:"Nullable,attr"`
	} `xml:"Property"`
	Navigation []struct {
		Name string `xml:"Name,attr"`
		Type string `xml:"Type,attr"`
	} `xml:"NavigationProperty"`
}

func readCSDL(tb testing.TB, b []byte) *csdl {
	tb.Helper()
	var c csdl
	if err := xml.Unmarshal(b, &c); err != nil {
		tb.Fatalf("metadata.xml is not CSDL XML: %v", err)
	}
	return &c
}

// csdlProperty is how a property reads in CSDL: its type with namespaces
// dropped ("Collection(activityLog)", "Edm.String", "securityAlertStatus")
// and whether it is nullable.
type csdlProperty struct {
	typ      string
	nullable bool
}

func shortType(t string) string {
	for _, ns := range []string{Namespace + ".", "microsoft.graph.", "graph."} {
		t = strings.ReplaceAll(t, ns, "")
	}
	return t
}

// describeOpenAPI reads an OpenAPI property schema the same way: the CSDL
// type it stands for and whether null is allowed.
func describeOpenAPI(s *openapi3.SchemaRef) (csdlProperty, error) {
	var p csdlProperty
	v := s.Value
	if ref := s.Ref; ref != "" {
		return csdlProperty{typ: shortType(strings.TrimPrefix(ref, schemaComponentURLPrefix))}, nil
	}
	for _, alt := range slices.Concat(v.AnyOf, v.OneOf, v.AllOf) {
		if alt.Ref != "" {
			p.typ = shortType(strings.TrimPrefix(alt.Ref, schemaComponentURLPrefix))
		} else if alt.Value != nil && alt.Value.Type != nil && alt.Value.Type.Is("null") {
			p.nullable = true
		}
	}
	if p.typ != "" {
		return p, nil
	}
	if v.Type == nil {
		return p, fmt.Errorf("no type")
	}
	p.nullable = v.Type.Includes("null")
	switch {
	case v.Type.Includes("array"):
		item, err := describeOpenAPI(v.Items)
		if err != nil {
			return p, err
		}
		p.typ = "Collection(" + item.typ + ")"
	case v.Type.Includes("boolean"):
		p.typ = "Edm.Boolean"
	case v.Type.Includes("string") && v.Format == "date-time":
		p.typ = "Edm.DateTimeOffset"
	case v.Type.Includes("string"):
		p.typ = "Edm.String"
	default:
		return p, fmt.Errorf("type %v", *v.Type)
	}
	return p, nil
}

// TestMetadataAgreesWithDescription holds the CSDL the mock serves at
// /beta/$metadata to the OpenAPI description: every property of the alert
// and its complex types with the same type and nullability (a CSDL property
// without Nullable="false" is nullable; a required member of a complex type
// is not), every enum with the same members in the same order, and the
// navigation from the security singleton to the alerts.
func TestMetadataAgreesWithDescription(t *testing.T) {
	doc, err := Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkMetadata(t, readCSDL(t, MetadataXML()), doc)
}

// reporter is what checkMetadata reports through: a *testing.T, or a
// recorder for the test that the check can fail.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// recorder keeps what a check reported.
type recorder struct{ problems []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

func checkMetadata(t reporter, c *csdl, doc *openapi3.T) {
	t.Helper()
	if c.Version != "4.0" {
		t.Errorf("Edmx Version = %q; want 4.0", c.Version)
	}
	types := map[string]csdlStructured{}
	enums := map[string][]string{}
	var singletons []string
	for _, s := range c.Schemas {
		for _, st := range slices.Concat(s.Complex, s.Entity) {
			types[s.Namespace+"."+st.Name] = st
		}
		for _, e := range s.Enums {
			var names []string
			for i, m := range e.Members {
				names = append(names, m.Name)
				if m.Value != fmt.Sprint(i) {
					t.Errorf("enum %s member %s has Value %s; want %d (its place)", e.Name, m.Name, m.Value, i)
				}
			}
			enums[s.Namespace+"."+e.Name] = names
		}
		for _, root := range s.Root {
			for _, sg := range root.Singletons {
				singletons = append(singletons, sg.Name+":"+shortType(sg.Type))
			}
		}
	}
	if !slices.Equal(singletons, []string{"security:security"}) {
		t.Errorf("singletons = %v; want [security:security]", singletons)
	}
	nav := func(typ, name, want string) {
		for _, n := range types[typ].Navigation {
			if n.Name == name {
				if got := shortType(n.Type); got != want {
					t.Errorf("%s/%s has type %s; want %s", typ, name, got, want)
				}
				return
			}
		}
		t.Errorf("%s has no navigation property %s", typ, name)
	}
	nav("microsoft.graph.security", "partner", "partnerSecurity")
	nav(Namespace+".partnerSecurity", "securityAlerts", "Collection(partnerSecurityAlert)")

	for _, name := range []string{SchemaAlert, SchemaActivityLog, SchemaAffectedResource} {
		st, ok := types[name]
		if !ok {
			t.Errorf("metadata has no type %s", name)
			continue
		}
		sch := doc.Components.Schemas[name].Value
		got := map[string]csdlProperty{}
		for _, p := range st.Properties {
			got[p.Name] = csdlProperty{typ: shortType(p.Type), nullable: p.Nullable != "false"}
		}
		if st.BaseType == "graph.entity" {
			got["id"] = csdlProperty{typ: "Edm.String"} // the key of graph.entity
		}
		var want []string
		for prop := range sch.Properties {
			want = append(want, prop)
		}
		sort.Strings(want)
		for _, prop := range want {
			o, err := describeOpenAPI(sch.Properties[prop])
			if err != nil {
				t.Errorf("%s.%s in the description: %v", name, prop, err)
				continue
			}
			if slices.Contains(sch.Required, prop) && o.nullable {
				t.Errorf("%s.%s is required and nullable in the description", name, prop)
			}
			g, ok := got[prop]
			switch {
			case !ok:
				t.Errorf("%s.%s is in the description, not in the metadata", name, prop)
			case g.typ != o.typ:
				t.Errorf("%s.%s: metadata type %s; description %s", name, prop, g.typ, o.typ)
			case g.nullable != o.nullable:
				t.Errorf("%s.%s: metadata nullable %v; description nullable %v", name, prop, g.nullable, o.nullable)
			}
			delete(got, prop)
		}
		for prop := range got {
			t.Errorf("%s.%s is in the metadata, not in the description", name, prop)
		}
	}
	for _, name := range []string{SchemaStatus, SchemaResolvedReason, SchemaSeverity, SchemaConfidence} {
		var want []string
		for _, v := range doc.Components.Schemas[name].Value.Enum {
			want = append(want, fmt.Sprint(v))
		}
		if got := enums[name]; !slices.Equal(got, want) {
			t.Errorf("enum %s: metadata members %v; description %v", name, got, want)
		}
	}
	if d, ok := types[SchemaAdditionalData]; !ok || d.OpenType != "true" {
		t.Errorf("metadata: %s is not an open complex type", SchemaAdditionalData)
	}
}

// TestMetadataCheckFails runs the agreement check on altered metadata: each
// change must be reported, so the test above can fail.
func TestMetadataCheckFails(t *testing.T) {
	doc, err := Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	base := string(MetadataXML())
	for _, tt := range []struct{ name, old, new string }{
		{"nullability", `<Property Name="alertType" Type="Edm.String" Nullable="false" />`, `<Property Name="alertType" Type="Edm.String" />`},
		{"type", `<Property Name="isTest" Type="Edm.Boolean" />`, `<Property Name="isTest" Type="Edm.String" />`},
		{"missing property", `<Property Name="catalogOfferId" Type="Edm.String" />`, ``},
		{"extra property", `<Property Name="catalogOfferId" Type="Edm.String" />`, `<Property Name="catalogOfferId" Type="Edm.String" /><Property Name="riskScore" Type="Edm.String" />`},
		{"enum member", `<Member Name="fraud" Value="2" />`, `<Member Name="fraudulent" Value="2" />`},
		{"navigation", `Name="securityAlerts" Type="Collection(microsoft.graph.partner.security.partnerSecurityAlert)"`, `Name="alerts" Type="Collection(microsoft.graph.partner.security.partnerSecurityAlert)"`},
		{"complex type", `<Property Name="updatedBy" Type="Edm.String" Nullable="false" />`, `<Property Name="updatedBy" Type="Edm.String" />`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			altered := strings.Replace(base, tt.old, tt.new, 1)
			if altered == base {
				t.Fatalf("%q is not in metadata.xml", tt.old)
			}
			var rec recorder
			checkMetadata(&rec, readCSDL(t, []byte(altered)), doc)
			if len(rec.problems) == 0 {
				t.Errorf("the check passed metadata with a changed %s", tt.name)
			}
		})
	}
}
