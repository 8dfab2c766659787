package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// answer is an exchange reduced to what the drift report compares.
type answer struct {
	request string // method and URL below the base URL
	status  string
	failed  bool   // the status is 400 or more
	code    string // the Graph error code, "" when none
	headers []field
	props   []field // the JSON body flattened in document order
}

// field is a header or a property of an answer.
type field struct {
	name  string
	kind  string // JSON type of a property: string, number, boolean, null, object, array
	value string // shown in the report; JSON text for a property
	// judge reports whether the value is compared, not only the kind: not for
	// values that differ from one request to the next (ids, times, messages).
	judge bool
}

// absent is shown for what one side lacks.
const absent = "(absent)"

// comparedHeaders are the response headers the drift report compares: those
// the description declares or that carry the OData protocol, by value or only
// by presence.
var comparedHeaders = []struct {
	name    string
	byValue bool
}{
	{"Content-Type", true}, // its media type and odata.metadata parameter
	{"OData-Version", true},
	{"client-request-id", true}, // the echo of the request's
	{"request-id", false},
	{"Retry-After", false},
	{"WWW-Authenticate", false},
	{"Location", false},
}

// volatileProperties are properties whose values differ between any two
// answers; only their presence and type are compared.
var volatileProperties = map[string]bool{
	"request-id": true, "client-request-id": true, "date": true,
	"@odata.context": true, "@odata.nextLink": true, "@odata.deltaLink": true,
}

// skipToken matches a paging token in a URL, whose value is the server's own.
var skipToken = regexp.MustCompile(`(?i)(\$?skip_?token=)[^&]*`)

// view reduces a scenario's exchanges for comparison.
func view(r *Result, xs []Exchange) []answer {
	out := make([]answer, len(xs))
	for i, x := range xs {
		a := answer{request: x.Method + " " + relative(x.URL, r.BaseURL, r.AlertID)}
		if x.Status == 0 {
			a.status = "no answer"
			out[i] = a
			continue
		}
		a.status, a.failed = strconv.Itoa(x.Status), x.Status >= 400
		for _, h := range comparedHeaders {
			v := x.Header.Get(h.name)
			switch {
			case v == "":
				v = absent
			case !h.byValue:
				v = "present"
			case strings.EqualFold(h.name, "client-request-id"):
				v = echo(v, x.RequestHeader.Get(h.name))
			case strings.EqualFold(h.name, "Content-Type"):
				v = mediaType(v)
			}
			a.headers = append(a.headers, field{name: h.name, value: v, judge: true})
		}
		a.props = flatten(x.Body, r.AlertID)
		if !a.failed {
			a.props = shape(a.props)
		}
		a.code = errorCode(x.Body)
		out[i] = a
	}
	return out
}

// relative returns u below base (or its path and query when it is elsewhere),
// the alert id written as {alertId} and paging tokens as "…".
func relative(u, base, alertID string) string {
	rel := u
	if base != "" && strings.HasPrefix(u, base) {
		rel = strings.TrimPrefix(u, base)
	} else if pu, err := url.Parse(u); err == nil {
		rel = pu.RequestURI()
	}
	if alertID != "" {
		rel = strings.ReplaceAll(rel, url.PathEscape(alertID), "{alertId}")
	}
	rel = skipToken.ReplaceAllString(rel, "${1}…")
	if rel == "" {
		rel = "/"
	}
	return rel
}

// echo describes a response's client-request-id: whether it echoes the
// request's, or is the server's own.
func echo(got, sent string) string {
	switch {
	case sent == "":
		return "present (none was sent)"
	case got == sent:
		return "the request's"
	default:
		return "not the request's"
	}
}

// mediaType returns a Content-Type's media type and odata.metadata parameter.
func mediaType(v string) string {
	mt, params, err := mime.ParseMediaType(v)
	if err != nil {
		return strings.ToLower(v)
	}
	if m, ok := params["odata.metadata"]; ok {
		return mt + "; odata.metadata=" + m
	}
	return mt
}

// errorCode returns the code of a Graph error body, or "".
func errorCode(body []byte) string {
	var e struct {
		Error struct {
			Code any `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error.Code == nil {
		return ""
	}
	return fmt.Sprint(e.Error.Code)
}

// maxProperties caps the properties flattened from one body.
const maxProperties = 20000

// flatten lists the properties of a JSON body in document order, each with its
// path ("value[0].status"); a body that is not JSON is one pseudo-property
// "(body)" saying so.
func flatten(body []byte, alertID string) []field {
	if len(bytes.TrimSpace(body)) == 0 {
		return []field{{name: "(body)", kind: "empty", value: "empty", judge: true}}
	}
	if !json.Valid(body) {
		return []field{{name: "(body)", kind: "text", value: "not JSON", judge: true}}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var out []field
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		add := func(kind, value string, judge bool) {
			if path != "" && len(out) < maxProperties {
				out = append(out, field{name: path, kind: kind, value: value, judge: judge})
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' {
				add("object", "an object", true)
				for dec.More() {
					k, err := dec.Token()
					if err != nil {
						return err
					}
					key, _ := k.(string)
					child := key
					if path != "" {
						child = path + "." + key
					}
					if err := walk(child); err != nil {
						return err
					}
				}
			} else {
				add("array", "an array", true)
				for i := 0; dec.More(); i++ {
					if err := walk(fmt.Sprintf("%s[%d]", path, i)); err != nil {
						return err
					}
				}
			}
			_, err := dec.Token() // the closing delimiter
			return err
		case string:
			if alertID != "" {
				t = strings.ReplaceAll(t, alertID, "{alertId}")
			}
			b, _ := json.Marshal(t)
			add("string", string(b), !volatile(path, t))
		case json.Number:
			add("number", t.String(), !volatile(path, ""))
		case bool:
			add("boolean", strconv.FormatBool(t), true)
		case nil:
			add("null", "null", true)
		}
		return nil
	}
	_ = walk("") // the body is valid JSON
	return out
}

// arrayIndex matches the index of an array element in a property path.
var arrayIndex = regexp.MustCompile(`\[\d+\]`)

// openProperties are properties of an open type in the description
// (additionalDataDictionary): which members they have is the data's matter.
var openProperties = []string{"additionalDetails"}

// shape reduces the properties of a success body to its shape, which does not
// depend on the data: array elements merged ("value[].status"), the members of
// open types left out, and each path's JSON types with null left out (a
// nullable property is null or not by the data).
func shape(props []field) []field {
	var out []field
	at := map[string]int{}
	for _, f := range props {
		name := arrayIndex.ReplaceAllString(f.name, "[]")
		if isOpen(name) {
			continue
		}
		i, seen := at[name]
		if !seen {
			i = len(out)
			at[name] = i
			out = append(out, field{name: name, judge: false})
		}
		if f.kind != "null" && !strings.Contains(" "+out[i].kind+" ", " "+f.kind+" ") {
			out[i].kind = strings.TrimSpace(out[i].kind + " " + f.kind)
		}
	}
	for i := range out {
		out[i].value = out[i].kind
		if out[i].value == "" {
			out[i].value = "null"
		}
	}
	return out
}

// isOpen reports whether a property path is a member of an open type.
func isOpen(path string) bool {
	for _, p := range openProperties {
		if strings.HasPrefix(path, p+".") || strings.Contains(path, "]."+p+".") || strings.Contains(path, "."+p+".") {
			return true
		}
	}
	return false
}

// volatile reports whether a property's value differs between any two
// answers: request ids, times, messages.
func volatile(path, s string) bool {
	name := path
	if i := strings.LastIndexAny(path, ".]"); i >= 0 {
		name = path[i+1:]
	}
	if volatileProperties[name] {
		return true
	}
	if s != "" {
		if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return true
		}
	}
	return false
}

// firstDifference returns the first difference between two scenarios'
// answers, by precedence: status, error code, header, property (present on
// one side only, or of another JSON type, null aside: nullable properties are
// null or not by the data), value (in error bodies only: the values of a
// success are the endpoint's data); then the requests themselves. Answers are compared in order up
// to the first request that differs.
func firstDifference(a, b []answer) *Difference {
	n := min(len(a), len(b))
	k := n // answers [0, k) answer the same requests
	for i := range n {
		if a[i].request != b[i].request {
			k = i
			break
		}
	}
	diff := func(i int, aspect, name, va, vb string) *Difference {
		return &Difference{Exchange: i + 1, Request: a[i].request, Aspect: aspect, Name: name, A: va, B: vb}
	}
	for i := range k {
		if a[i].status != b[i].status {
			return diff(i, "status", "", a[i].status, b[i].status)
		}
	}
	for i := range k {
		if a[i].code != b[i].code {
			return diff(i, "error code", "", orAbsent(a[i].code), orAbsent(b[i].code))
		}
	}
	for i := range k {
		for j, h := range a[i].headers {
			if j < len(b[i].headers) && h.value != b[i].headers[j].value {
				return diff(i, "header", h.name, h.value, b[i].headers[j].value)
			}
		}
	}
	for i := range k {
		if name, va, vb, ok := propertyDifference(a[i].props, b[i].props, false); ok {
			return diff(i, "property", name, va, vb)
		}
	}
	for i := range k {
		if !a[i].failed {
			continue // the values of a success are the endpoint's data
		}
		if name, va, vb, ok := propertyDifference(a[i].props, b[i].props, true); ok {
			return diff(i, "value", name, va, vb)
		}
	}
	switch {
	case k < n:
		return diff(k, "requests", "", a[k].request, b[k].request)
	case len(a) > n:
		return diff(n, "requests", "", a[n].request, "(no request)")
	case len(b) > n:
		return &Difference{Exchange: n + 1, Request: b[n].request, Aspect: "requests", A: "(no request)", B: b[n].request}
	}
	return nil
}

// propertyDifference returns the first property present on one side only or
// of another type (values false), or the first judged value that differs
// (values true).
func propertyDifference(a, b []field, values bool) (name, va, vb string, ok bool) {
	inB := make(map[string]field, len(b))
	for _, f := range b {
		inB[f.name] = f
	}
	for _, fa := range a {
		fb, found := inB[fa.name]
		switch {
		case !values && !found:
			return fa.name, fa.value, absent, true
		case !values && fa.kind != fb.kind && fa.kind != "null" && fb.kind != "null" && fa.kind != "" && fb.kind != "":
			// null against a value is a matter of the data, not of the shape.
			return fa.name, fa.value, fb.value, true
		case values && found && fa.kind == fb.kind && fa.judge && fb.judge && fa.value != fb.value:
			return fa.name, fa.value, fb.value, true
		}
	}
	if !values {
		inA := make(map[string]bool, len(a))
		for _, f := range a {
			inA[f.name] = true
		}
		for _, fb := range b {
			if !inA[fb.name] {
				return fb.name, absent, fb.value, true
			}
		}
	}
	return "", "", "", false
}

// orAbsent returns s, or absent when it is empty.
func orAbsent(s string) string {
	if s == "" {
		return absent
	}
	return s
}
