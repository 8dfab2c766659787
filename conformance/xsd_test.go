package conformance_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// xsdNode is an element of the XSD, as parsed.
type xsdNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []xsdNode  `xml:",any"`
}

func (n *xsdNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// xsdSchema validates documents against the subset of XML Schema 1.0 that
// junit-10.xsd uses: global and local elements (name, ref, type, minOccurs,
// maxOccurs), complex types (named or anonymous, mixed or not) with sequence
// and choice content, attributes (use="required", undeclared ones refused),
// and simple types restricting xs:string by a pattern. Any other construct
// in the XSD is an error, so the validator cannot silently skip a rule.
type xsdSchema struct {
	elements map[string]*xsdNode // global elements by name
	types    map[string]*xsdNode // named complex and simple types
}

// loadXSD reads an XSD file.
func loadXSD(tb testing.TB, path string) *xsdSchema {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var root xsdNode
	if err := xml.Unmarshal(b, &root); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	s := &xsdSchema{elements: map[string]*xsdNode{}, types: map[string]*xsdNode{}}
	for i := range root.Children {
		c := &root.Children[i]
		switch c.XMLName.Local {
		case "element":
			s.elements[c.attr("name")] = c
		case "complexType", "simpleType":
			s.types[c.attr("name")] = c
		default:
			tb.Fatalf("%s: top-level %s is not supported", path, c.XMLName.Local)
		}
	}
	return s
}

// docNode is an element of the document to validate.
type docNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []docNode  `xml:",any"`
	line     int
}

// validate returns every violation of the schema in doc (nil when valid).
func (s *xsdSchema) validate(doc []byte) []string {
	root, err := parseDoc(doc)
	if err != nil {
		return []string{err.Error()}
	}
	decl, ok := s.elements[root.XMLName.Local]
	if !ok {
		return []string{fmt.Sprintf("root element <%s> is not declared", root.XMLName.Local)}
	}
	var problems []string
	s.check(root, decl, root.XMLName.Local, &problems)
	return problems
}

// parseDoc parses doc into docNodes.
func parseDoc(doc []byte) (*docNode, error) {
	var root docNode
	if err := xml.NewDecoder(bytes.NewReader(doc)).Decode(&root); err != nil {
		return nil, err
	}
	return &root, nil
}

// check validates element n against its declaration decl.
func (s *xsdSchema) check(n *docNode, decl *xsdNode, where string, problems *[]string) {
	fail := func(format string, args ...any) {
		*problems = append(*problems, where+": "+fmt.Sprintf(format, args...))
	}
	typ := s.typeOf(decl)
	if typ == nil { // a simple type (xs:string): text only
		if len(n.Attrs) > 0 {
			fail("attribute %s is not allowed", n.Attrs[0].Name.Local)
		}
		if len(n.Children) > 0 {
			fail("element <%s> is not allowed in text-only content", n.Children[0].XMLName.Local)
		}
		return
	}
	// Attributes: each declared, required ones present, values of their type.
	declared := map[string]*xsdNode{}
	var content *xsdNode
	for i := range typ.Children {
		c := &typ.Children[i]
		switch c.XMLName.Local {
		case "attribute":
			declared[c.attr("name")] = c
		case "sequence", "choice":
			content = c
		default:
			fail("XSD construct %s is not supported by this validator", c.XMLName.Local)
		}
	}
	for _, a := range n.Attrs {
		d, ok := declared[a.Name.Local]
		if !ok {
			fail("attribute %s is not allowed", a.Name.Local)
			continue
		}
		if msg := s.checkSimple(d.attr("type"), a.Value); msg != "" {
			fail("attribute %s=%q: %s", a.Name.Local, a.Value, msg)
		}
	}
	for name, d := range declared {
		if d.attr("use") == "required" && !slices.ContainsFunc(n.Attrs, func(a xml.Attr) bool { return a.Name.Local == name }) {
			fail("required attribute %s is missing", name)
		}
	}
	if typ.attr("mixed") != "true" && strings.TrimSpace(n.Text) != "" {
		fail("text %q is not allowed (element-only content)", firstLineOf(n.Text))
	}
	// Children: their names must match the content model, each valid itself.
	names := make([]string, len(n.Children))
	for i, c := range n.Children {
		names[i] = "<" + c.XMLName.Local + ">"
	}
	model := "^$"
	locals := map[string]*xsdNode{}
	if content != nil {
		model = "^" + s.pattern(content, locals) + "$"
	}
	if !regexp.MustCompile(model).MatchString(strings.Join(names, "")) {
		fail("children %s do not match the content model %s", strings.Join(names, ""), model)
	}
	for i := range n.Children {
		c := &n.Children[i]
		d := locals[c.XMLName.Local]
		if d == nil {
			d = s.elements[c.XMLName.Local]
		}
		if d != nil {
			s.check(c, d, where+"/"+c.XMLName.Local, problems)
		}
	}
}

// typeOf returns the complex type of an element declaration, or nil for a
// simple one.
func (s *xsdSchema) typeOf(decl *xsdNode) *xsdNode {
	if ref := decl.attr("ref"); ref != "" {
		decl = s.elements[ref]
	}
	if t := decl.attr("type"); t != "" {
		if strings.HasPrefix(t, "xs:") {
			return nil
		}
		return s.types[t]
	}
	for i := range decl.Children {
		if decl.Children[i].XMLName.Local == "complexType" {
			return &decl.Children[i]
		}
	}
	return nil
}

// pattern turns a sequence or choice into a regular expression over child
// element names written "<name>", noting local element declarations.
func (s *xsdSchema) pattern(n *xsdNode, locals map[string]*xsdNode) string {
	var parts []string
	for i := range n.Children {
		c := &n.Children[i]
		var p string
		switch c.XMLName.Local {
		case "element":
			name := c.attr("ref")
			if name == "" {
				name = c.attr("name")
				locals[name] = c
			}
			p = "(?:<" + regexp.QuoteMeta(name) + ">)"
		case "sequence", "choice":
			p = "(?:" + s.pattern(c, locals) + ")"
		default:
			p = "(?:UNSUPPORTED " + c.XMLName.Local + ")"
		}
		parts = append(parts, p+occurs(c))
	}
	sep := ""
	if n.XMLName.Local == "choice" {
		sep = "|"
	}
	return "(?:" + strings.Join(parts, sep) + ")" + occurs(n)
}

// occurs is the regular-expression quantifier of minOccurs/maxOccurs.
func occurs(n *xsdNode) string {
	lo, hi := n.attr("minOccurs"), n.attr("maxOccurs")
	if lo == "" {
		lo = "1"
	}
	if hi == "" {
		hi = "1"
	}
	switch {
	case lo == "1" && hi == "1":
		return ""
	case hi == "unbounded":
		return "{" + lo + ",}"
	}
	return "{" + lo + "," + hi + "}"
}

// checkSimple checks a value against a simple type; "" when valid.
func (s *xsdSchema) checkSimple(typ, v string) string {
	switch typ {
	case "", "xs:string":
		return ""
	case "xs:int", "xs:integer":
		if _, err := strconv.Atoi(v); err != nil {
			return "not an integer"
		}
		return ""
	}
	t := s.types[typ]
	if t == nil || t.XMLName.Local != "simpleType" {
		return "unknown type " + typ
	}
	for _, r := range t.Children {
		if r.XMLName.Local != "restriction" || r.attr("base") != "xs:string" {
			return "unsupported simple type " + typ
		}
		for _, f := range r.Children {
			if f.XMLName.Local != "pattern" {
				return "unsupported facet " + f.XMLName.Local
			}
			// An XSD pattern matches the whole value.
			if !regexp.MustCompile("^(?:" + f.attr("value") + ")$").MatchString(v) {
				return "does not match the pattern of " + typ
			}
		}
	}
	return ""
}

func firstLineOf(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

// junitXSD is the JUnit schema the reports are checked against.
const junitXSD = "testdata/junit-10.xsd"

// TestXSDValidatorRefuses checks the validator itself: reports that break a
// rule of junit-10.xsd are refused, naming the rule, and a valid one passes.
func TestXSDValidatorRefuses(t *testing.T) {
	schema := loadXSD(t, junitXSD)
	ok := `<testsuites name="c" tests="1" failures="1" errors="0" time="0.5"><testsuite name="f" tests="1" failures="1" errors="0" skipped="0" time="1,234.5" file="x.feature"><properties><property name="a" value="b"/></properties><testcase name="s" classname="f" time="0.5"><failure type="failed" message="m">text</failure></testcase></testsuite></testsuites>`
	if p := schema.validate([]byte(ok)); p != nil {
		t.Fatalf("a valid report is refused: %v", p)
	}
	tests := []struct{ name, doc, want string }{
		{"negative suite time", strings.Replace(ok, `time="1,234.5"`, `time="-0.5"`, 1), `attribute time="-0.5": does not match the pattern of SUREFIRE_TIME`},
		{"skipped on testsuites (godog's formatter)", strings.Replace(ok, `<testsuites name="c"`, `<testsuites name="c" skipped="0"`, 1), "attribute skipped is not allowed"},
		{"status on testcase (godog's formatter)", strings.Replace(ok, `classname="f"`, `classname="f" status="passed"`, 1), "attribute status is not allowed"},
		{"file on testcase", strings.Replace(ok, `classname="f"`, `classname="f" file="x.feature"`, 1), "attribute file is not allowed"},
		{"a testsuite without tests", strings.Replace(ok, `<testsuite name="f" tests="1"`, `<testsuite name="f"`, 1), "required attribute tests is missing"},
		{"an unknown element in a testcase", strings.Replace(ok, `<failure`, `<broken/><failure`, 1), "do not match the content model"},
		{"a property without a value", strings.Replace(ok, ` value="b"`, ``, 1), "required attribute value is missing"},
		{"text in a testsuite", strings.Replace(ok, `<properties>`, `oops<properties>`, 1), `text "oops" is not allowed`},
		{"a testcase outside a testsuite", `<testsuites><testcase name="s"/></testsuites>`, "do not match the content model"},
		{"another root", `<report/>`, "root element <report> is not declared"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := schema.validate([]byte(tt.doc))
			if !slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, tt.want) }) {
				t.Errorf("problems = %q; want one saying %q", p, tt.want)
			}
		})
	}
}
