package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/cucumber/godog"
)

// The rest of the Graph protocol a client of this API meets: the service
// root, the metadata document and JSON batching ("Combine multiple HTTP
// requests using JSON batching"). None of them is an operation of the
// description, so the contract does not judge their answers; these steps do,
// and every response inside a batch is judged by the contract as the same
// request sent alone would be.

// batchReply is one response of a JSON batch.
type batchReply struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// batchSent is a batch a scenario sent: its requests (method and url by id)
// and the replies, by id as the client must match them.
type batchSent struct {
	requests map[string][2]string // id → method, url
	replies  map[string]batchReply
}

// --- the service root and the metadata document ---

func (st *scenario) readServiceRoot(ctx context.Context) error {
	return st.do(ctx, request{method: http.MethodGet, target: "", auth: st.auth, protocol: true})
}

func (st *scenario) readMetadata(ctx context.Context) error {
	return st.do(ctx, request{method: http.MethodGet, target: "/$metadata", auth: st.auth, accept: "application/xml", protocol: true})
}

// serviceDocument is the OData JSON service document (OData JSON Format 4.0,
// section 5).
type serviceDocument struct {
	Context string `json:"@odata.context"`
	Value   []struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
		URL  string `json:"url"`
	} `json:"value"`
}

func (st *scenario) lastServiceDocument() (*serviceDocument, error) {
	if st.last == nil {
		return nil, errors.New("no request was sent yet")
	}
	var doc serviceDocument
	if err := json.Unmarshal(st.last.body, &doc); err != nil || doc.Value == nil {
		return nil, fmt.Errorf("%s %s: not an OData service document ({\"@odata.context\":…,\"value\":[…]}): %s", st.last.method, st.last.url, excerpt(st.last.body))
	}
	return &doc, nil
}

// serviceDocumentContext: the service document's context URL is the
// metadata document of the same service root (an absolute URL ending in
// /$metadata).
func (st *scenario) serviceDocumentContext() error {
	doc, err := st.lastServiceDocument()
	if err != nil {
		return err
	}
	u, err := url.Parse(doc.Context)
	if err != nil || !u.IsAbs() || !strings.HasSuffix(u.Path, "/$metadata") {
		return fmt.Errorf("the service document's \"@odata.context\" = %q; want the absolute URL of the metadata document (…/$metadata)", doc.Context)
	}
	return nil
}

func (st *scenario) serviceDocumentLists(name string) error {
	doc, err := st.lastServiceDocument()
	if err != nil {
		return err
	}
	for _, v := range doc.Value {
		if v.Name == name {
			if v.Kind != "Singleton" {
				return fmt.Errorf("the service document lists %q as kind %q; want Singleton", name, v.Kind)
			}
			return nil
		}
	}
	return fmt.Errorf("the service document does not list %q (body %s)", name, excerpt(st.last.body))
}

// responseIsCSDL: the answer is XML by its Content-Type and an OData CSDL
// document (edmx:Edmx).
func (st *scenario) responseIsCSDL() error {
	if st.last == nil {
		return errors.New("no request was sent yet")
	}
	ct := st.last.header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/xml" && mt != "text/xml") {
		return fmt.Errorf("%s %s: Content-Type = %q; want application/xml (CSDL XML)", st.last.method, st.last.url, ct)
	}
	if _, err := readCSDL(st.last.body); err != nil {
		return fmt.Errorf("%s %s: %w", st.last.method, st.last.url, err)
	}
	return nil
}

// csdlDoc is the part of a CSDL XML document the steps read.
type csdlDoc struct {
	XMLName xml.Name `xml:"http://docs.oasis-open.org/odata/ns/edmx Edmx"`
	Schemas []struct {
		Namespace string `xml:"Namespace,attr"`
		Alias     string `xml:"Alias,attr"`
		Enums     []struct {
			Name    string `xml:"Name,attr"`
			Members []struct {
				Name string `xml:"Name,attr"`
			} `xml:"Member"`
		} `xml:"EnumType"`
		Types      []csdlType `xml:"EntityType"`
		Complex    []csdlType `xml:"ComplexType"`
		Containers []struct {
			Singletons []struct {
				Name string `xml:"Name,attr"`
				Type string `xml:"Type,attr"`
			} `xml:"Singleton"`
		} `xml:"EntityContainer"`
	} `xml:"DataServices>Schema"`
}

type csdlType struct {
	Name       string `xml:"Name,attr"`
	BaseType   string `xml:"BaseType,attr"`
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

func readCSDL(b []byte) (*csdlDoc, error) {
	var d csdlDoc
	if err := xml.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("the body is not an OData CSDL XML document (edmx:Edmx): %v", err)
	}
	return &d, nil
}

// csdlIndex finds the types of a CSDL document by qualified name, aliases
// resolved.
type csdlIndex struct {
	types   map[string]csdlType
	enums   map[string][]string
	aliases map[string]string // alias → namespace
	singles map[string]string // singleton → qualified type
}

func indexCSDL(d *csdlDoc) *csdlIndex {
	x := &csdlIndex{types: map[string]csdlType{}, enums: map[string][]string{}, aliases: map[string]string{}, singles: map[string]string{}}
	for _, s := range d.Schemas {
		if s.Alias != "" {
			x.aliases[s.Alias] = s.Namespace
		}
	}
	for _, s := range d.Schemas {
		for _, t := range slices.Concat(s.Types, s.Complex) {
			x.types[s.Namespace+"."+t.Name] = t
		}
		for _, e := range s.Enums {
			var names []string
			for _, m := range e.Members {
				names = append(names, m.Name)
			}
			x.enums[s.Namespace+"."+e.Name] = names
		}
		for _, c := range s.Containers {
			for _, sg := range c.Singletons {
				x.singles[sg.Name] = x.qualify(sg.Type)
			}
		}
	}
	return x
}

// qualify resolves an alias in a (possibly Collection(…)) type name.
func (x *csdlIndex) qualify(t string) string {
	if inner, ok := strings.CutPrefix(t, "Collection("); ok {
		return "Collection(" + x.qualify(strings.TrimSuffix(inner, ")")) + ")"
	}
	if ns, rest, ok := strings.Cut(t, "."); ok {
		if full, isAlias := x.aliases[ns]; isAlias {
			return full + "." + rest
		}
	}
	return t
}

// property returns a property of a type or of its base types.
func (x *csdlIndex) property(typ, name string) (propType string, nullable, ok bool) {
	for seen := 0; typ != "" && seen < 16; seen++ {
		t, found := x.types[typ]
		if !found {
			return "", false, false
		}
		for _, p := range t.Properties {
			if p.Name == name {
				return x.qualify(p.Type), p.Nullable != "false", true
			}
		}
		typ = x.qualify(t.BaseType)
	}
	return "", false, false
}

func (x *csdlIndex) navigation(typ, name string) string {
	for _, n := range x.types[typ].Navigation {
		if n.Name == name {
			return x.qualify(n.Type)
		}
	}
	return ""
}

// metadataDeclaresAlert: the metadata document leads from the security
// singleton through partner to the collection of alerts, and declares every
// property of the alert as the description does: the same kind of type,
// the same nullability, and for an enum the description's members first, in
// their order (a service may have added members after unknownFutureValue).
func (st *scenario) metadataDeclaresAlert() error {
	if err := st.responseIsCSDL(); err != nil {
		return err
	}
	d, _ := readCSDL(st.last.body)
	x := indexCSDL(d)
	const ns = "microsoft.graph.partner.security"
	alertType := ns + ".partnerSecurityAlert"
	security, ok := x.singles["security"]
	if !ok {
		return errors.New("the metadata declares no singleton \"security\"")
	}
	partner := x.navigation(security, "partner")
	if partner != ns+".partnerSecurity" {
		return fmt.Errorf("the metadata: %s has the navigation property partner of type %q; want %s.partnerSecurity", security, partner, ns)
	}
	if got := x.navigation(partner, "securityAlerts"); got != "Collection("+alertType+")" {
		return fmt.Errorf("the metadata: %s has securityAlerts of type %q; want Collection(%s)", partner, got, alertType)
	}
	if _, ok := x.types[alertType]; !ok {
		return fmt.Errorf("the metadata declares no entity type %s", alertType)
	}
	var problems []string
	for _, name := range sortedKeys(st.suite.contract.model.properties) {
		p := st.suite.contract.model.properties[name]
		typ, nullable, ok := x.property(alertType, name)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s is not declared", name))
			continue
		}
		if want := p.allows("null"); nullable != want {
			problems = append(problems, fmt.Sprintf("%s: metadata nullable %v, description nullable %v", name, nullable, want))
		}
		if err := sameKind(x, typ, p); err != "" {
			problems = append(problems, name+": "+err)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("the metadata's %s differs from the description: %s", alertType, strings.Join(problems, "; "))
	}
	return nil
}

// sameKind compares a CSDL type with a property of the description, and
// returns what differs or "".
func sameKind(x *csdlIndex, typ string, p *property) string {
	members, isEnum := x.enums[typ]
	_, isStructured := x.types[typ]
	switch {
	case strings.HasPrefix(typ, "Collection("):
		if !p.allows("array") {
			return fmt.Sprintf("metadata %s, description not an array", typ)
		}
	case isEnum:
		if len(p.enum) == 0 {
			return fmt.Sprintf("metadata enum %s, description no enum", typ)
		}
		if len(members) < len(p.enum) || !slices.Equal(members[:len(p.enum)], p.enum) {
			return fmt.Sprintf("metadata members %v, description %v (the description's members must come first, in order)", members, p.enum)
		}
	case isStructured:
		if !p.allows("object") {
			return fmt.Sprintf("metadata complex type %s, description not an object", typ)
		}
	case typ == "Edm.Boolean":
		if !p.allows("boolean") {
			return "metadata Edm.Boolean, description not a boolean"
		}
	case typ == "Edm.DateTimeOffset":
		if !p.allows("string") || p.format != "date-time" {
			return "metadata Edm.DateTimeOffset, description not a date-time string"
		}
	case typ == "Edm.String":
		if !p.allows("string") || len(p.enum) > 0 || p.format == "date-time" {
			return "metadata Edm.String, description another kind of value"
		}
	default:
		return fmt.Sprintf("metadata type %s is not declared in the document", typ)
	}
	return ""
}

// --- JSON batching ---

// batchPath is the batch endpoint below the base URL.
const batchPath = "/$batch"

// sendBatch posts a batch body and keeps its replies by id. Each reply is
// judged by the contract as the same request sent alone (its status declared
// for the operation, its body valid); a 424 only has to be the Graph error
// envelope. A batch answer that is not {"responses":[…]} fails the step only
// when it is a 200: a refused batch is for the Then steps to judge.
func (st *scenario) sendBatch(ctx context.Context, items []map[string]any) error {
	body, err := json.Marshal(map[string]any{"requests": items})
	if err != nil {
		return err
	}
	err = st.do(ctx, request{method: http.MethodPost, target: batchPath, body: body, hasBody: true,
		contentType: "application/json", auth: st.auth, protocol: true})
	if err != nil {
		return err
	}
	sent := &batchSent{requests: map[string][2]string{}, replies: map[string]batchReply{}}
	for _, it := range items {
		id, _ := it["id"].(string)
		m, _ := it["method"].(string)
		u, _ := it["url"].(string)
		sent.requests[id] = [2]string{m, u}
	}
	st.batch = sent
	if st.last.status != http.StatusOK {
		return nil
	}
	var env struct {
		Responses []batchReply `json:"responses"`
	}
	if err := json.Unmarshal(st.last.body, &env); err != nil || env.Responses == nil {
		return fmt.Errorf("POST %s answered 200 but not {\"responses\":[…]}: %s", batchPath, excerpt(st.last.body))
	}
	var problems []string
	for _, r := range env.Responses {
		if _, dup := sent.replies[r.ID]; dup {
			problems = append(problems, fmt.Sprintf("two responses have the id %q", r.ID))
		}
		sent.replies[r.ID] = r
		req, ok := sent.requests[r.ID]
		if !ok {
			problems = append(problems, fmt.Sprintf("a response has the id %q, which no request of the batch has", r.ID))
			continue
		}
		if err := st.checkReply(req[0], req[1], r); err != nil {
			problems = append(problems, fmt.Sprintf("response %q: %v", r.ID, err))
		}
	}
	for id := range sent.requests {
		if _, ok := sent.replies[id]; !ok {
			problems = append(problems, fmt.Sprintf("no response has the id %q", id))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("the batch's responses: %s", strings.Join(problems, "; "))
	}
	return nil
}

// checkReply judges one reply of a batch by the contract, as the response to
// the same request sent alone. Graph does not promise request-id headers
// inside a batch (its documented example has none), so their absence is not
// held against it.
func (st *scenario) checkReply(method, target string, r batchReply) error {
	if r.Status == http.StatusFailedDependency {
		return st.oracle.Validate("ODataError", r.Body)
	}
	if !strings.HasPrefix(target, "/") {
		target = "/" + target
	}
	req, err := http.NewRequest(method, st.suite.base.String()+target, nil)
	if err != nil {
		return err
	}
	h := http.Header{}
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	for _, k := range []string{"request-id", "client-request-id"} {
		if h.Get(k) == "" {
			h.Set(k, "00000000-0000-4000-8000-000000000000")
		}
	}
	resp := &http.Response{StatusCode: r.Status, Header: h, Body: io.NopCloser(bytes.NewReader(r.Body))}
	if st.oracle.Options().Documented {
		return st.checkDocumented(req, resp, r.Body)
	}
	return st.suite.contract.Check(req, st.suite.base.Path, resp, r.Body)
}

// sendBatchTable sends the batch of a table with the columns id, method, url
// and optionally body and depends on (comma-separated ids). "{alert id}" and
// "{other alert id}" in a url stand for those alerts; a request with a body
// is sent with the header Content-Type: application/json.
func (st *scenario) sendBatchTable(ctx context.Context, table *godog.Table) error {
	if len(table.Rows) < 2 {
		return errors.New("the batch table needs a header row and at least one request")
	}
	var cols []string
	for _, c := range table.Rows[0].Cells {
		cols = append(cols, c.Value)
	}
	var items []map[string]any
	for _, row := range table.Rows[1:] {
		it := map[string]any{}
		for i, c := range row.Cells {
			v := c.Value
			switch cols[i] {
			case "id", "method":
				it[cols[i]] = v
			case "url":
				v = strings.ReplaceAll(v, "{alert id}", url.PathEscape(st.alertID))
				if st.other != nil {
					id, _ := st.other["id"].(string)
					v = strings.ReplaceAll(v, "{other alert id}", url.PathEscape(id))
				}
				it["url"] = v
			case "body":
				if v != "" {
					it["body"] = json.RawMessage(v)
					it["headers"] = map[string]string{"Content-Type": "application/json"}
				}
			case "depends on":
				if v != "" {
					it["dependsOn"] = strings.Split(strings.ReplaceAll(v, " ", ""), ",")
				}
			default:
				return fmt.Errorf("the batch table has the column %q; want id, method, url, body, depends on", cols[i])
			}
		}
		items = append(items, it)
	}
	return st.sendBatch(ctx, items)
}

// sendBatchOfReads sends a batch of n reads of the alert under test.
func (st *scenario) sendBatchOfReads(ctx context.Context, n int) error {
	var items []map[string]any
	for i := range n {
		items = append(items, map[string]any{"id": fmt.Sprint(i + 1), "method": "GET", "url": alertPath(st.alertID)})
	}
	return st.sendBatch(ctx, items)
}

// sendBatchBodyWithoutHeaders sends a batch whose update has a body but no
// headers, which Graph's batching page forbids.
func (st *scenario) sendBatchBodyWithoutHeaders(ctx context.Context) error {
	return st.sendBatch(ctx, []map[string]any{{"id": "1", "method": "PATCH", "url": alertPath(st.alertID),
		"body": map[string]any{"status": "resolved", "resolvedReason": "fraud"}}})
}

func (st *scenario) reply(id string) (batchReply, error) {
	if st.batch == nil {
		return batchReply{}, errors.New("no batch was sent yet")
	}
	if st.last.status != http.StatusOK {
		return batchReply{}, fmt.Errorf("the batch answered %d, not 200 with the responses: %s", st.last.status, excerpt(st.last.body))
	}
	r, ok := st.batch.replies[id]
	if !ok {
		return r, fmt.Errorf("the batch has no response with the id %q", id)
	}
	return r, nil
}

func (st *scenario) replyStatus(id string, status int) error {
	r, err := st.reply(id)
	if err != nil {
		return err
	}
	if r.Status != status {
		return fmt.Errorf("batch response %q: status = %d; want %d (body %s)", id, r.Status, status, excerpt(r.Body))
	}
	return nil
}

func (st *scenario) replyClientError(id string) error {
	r, err := st.reply(id)
	if err != nil {
		return err
	}
	if r.Status < 400 || r.Status > 499 {
		return fmt.Errorf("batch response %q: status = %d; want a client error (4xx) (body %s)", id, r.Status, excerpt(r.Body))
	}
	return st.oracle.Validate("ODataError", r.Body)
}

func (st *scenario) replyHasHeader(id, name string) error {
	r, err := st.reply(id)
	if err != nil {
		return err
	}
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) && v != "" {
			return nil
		}
	}
	return fmt.Errorf("batch response %q has no header %s (headers %v)", id, name, r.Headers)
}

// replyIsAlert checks that a reply is the alert with the given id.
func (st *scenario) replyIsAlert(id, alertID, which string) error {
	r, err := st.reply(id)
	if err != nil {
		return err
	}
	var obj map[string]any
	_ = json.Unmarshal(r.Body, &obj)
	if got := obj["id"]; got != alertID {
		return fmt.Errorf("batch response %q has the alert %s; want %s (%s): responses are matched to requests by id, not by position", id, show(got), alertID, which)
	}
	return nil
}

func (st *scenario) replyIsAlertUnderTest(id string) error {
	return st.replyIsAlert(id, st.alertID, "the alert under test")
}

func (st *scenario) replyIsOtherAlert(id string) error {
	if st.other == nil {
		return errors.New("no other alert was noted (use: another alert)")
	}
	other, _ := st.other["id"].(string)
	return st.replyIsAlert(id, other, "the other alert")
}

func (st *scenario) replyProperty(id, name, value string) error {
	r, err := st.reply(id)
	if err != nil {
		return err
	}
	var obj map[string]any
	_ = json.Unmarshal(r.Body, &obj)
	if got := obj[name]; got != value {
		return fmt.Errorf("batch response %q: the alert's %q = %s; want %q", id, name, show(got), value)
	}
	return nil
}
