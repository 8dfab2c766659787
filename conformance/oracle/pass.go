package oracle

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/routers"

	"github.com/partner-security/alertmock/openapi"
)

// op is the operation of the API an exchange is.
type op int

const (
	opNone  op = iota // not one of the three operations
	opList            // GET the collection
	opGet             // GET one alert
	opPatch           // PATCH one alert
)

// pass is one rule's view of one exchange: the exchange, what is derived from
// it once, what the model knew before it, and where findings go.
type pass struct {
	o    *Oracle
	rule *Rule
	x    *Exchange
	u    *url.URL
	// rest is the request path below the base path; underBase is false when
	// the path is not under it.
	rest      string
	underBase bool
	// route is the description's operation, when the path and method have one.
	route    *routers.Route
	routeErr error
	op       op
	alertID  string
	// query is the query the answer must honour: the request's own, or, for
	// a page reached by a next link, that of the list it continues.
	query   query
	linked  bool // reached through a next link of an earlier list
	caller  caller
	body    any   // the decoded response body (numbers as json.Number), nil when not JSON
	bodyErr error // why the body is not one JSON value, nil when it is (or empty)
	dupName string
	before  *view // what the model knew, nil without a model
	m       *Model
	// req and reqErr are the decoded body of a PATCH (see parsePatch).
	req    patchBody
	reqErr error

	findings Findings
}

func (o *Oracle) newPass(m *Model, x *Exchange) *pass {
	p := &pass{o: o, x: x, m: m}
	p.u, _ = url.Parse(x.URL)
	if p.u == nil {
		p.u = &url.URL{}
	}
	p.rest, p.underBase = strings.CutPrefix(p.u.Path, strings.TrimSuffix(o.opts.BasePath, "/"))
	if p.underBase {
		u := *p.u
		u.Path, u.RawPath = openapi.BasePath+p.rest, ""
		p.route, _, p.routeErr = o.c.router.FindRoute(&http.Request{Method: x.Method, URL: &u, Host: u.Host, Header: x.RequestHeader})
	}
	const collection = "/security/partner/securityAlerts"
	switch {
	case p.rest == collection && x.Method == http.MethodGet:
		p.op = opList
	case strings.HasPrefix(p.rest, collection+"/") && !strings.Contains(p.rest[len(collection)+1:], "/"):
		id, err := url.PathUnescape(p.rest[len(collection)+1:])
		if err == nil {
			p.alertID = id
		}
		switch x.Method {
		case http.MethodGet:
			p.op = opGet
		case http.MethodPatch:
			p.op = opPatch
		}
	}
	p.query = parseQuery(p.u.RawQuery)
	if m != nil && p.op == opList {
		if q, ok := m.linkQuery(x.URL); ok {
			p.query, p.linked = q, true
		}
	}
	p.caller = callerOf(x.RequestHeader.Get("Authorization"))
	if p.op == opPatch {
		p.req, p.reqErr = parsePatch(x.RequestBody)
	}
	if len(bytes.TrimSpace(x.Body)) > 0 {
		p.body, p.bodyErr = decodeOne(x.Body)
		if p.bodyErr == nil {
			p.dupName = o.c.cachedVerdict("duplicate names", false, x.Body, func() string { return duplicateName(x.Body) })
		}
	}
	return p
}

// report records a finding of the running rule.
func (p *pass) report(at, got, want string) {
	p.findings = append(p.findings, Finding{
		Rule: p.rule.ID, Label: p.rule.Label, Source: p.rule.Source,
		At: at, Got: got, Want: want,
		Method: p.x.Method, URL: p.x.URL, Status: p.x.Status,
	})
}

// object returns the body as a JSON object, or nil.
func (p *pass) object() map[string]any {
	m, _ := p.body.(map[string]any)
	return m
}

// success reports whether the exchange is a 200 of one of the operations.
func (p *pass) success() bool { return p.x.Status == http.StatusOK && p.op != opNone }

// isJSON reports whether the response says its body is JSON.
func (p *pass) isJSON() bool {
	mt, _, err := mime.ParseMediaType(p.x.Header.Get("Content-Type"))
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// alerts returns the alert representations of a success: the PATCH or GET
// body, or the items of a list, with where each is ("value[2]").
func (p *pass) alerts() []located {
	if !p.success() {
		return nil
	}
	obj := p.object()
	if obj == nil {
		return nil
	}
	if p.op != opList {
		return []located{{"", obj}}
	}
	items, _ := obj["value"].([]any)
	out := make([]located, 0, len(items))
	for i, it := range items {
		if a, ok := it.(map[string]any); ok {
			out = append(out, located{fmt.Sprintf("value[%d]", i), a})
		}
	}
	return out
}

// located is an alert representation and where it is in the body.
type located struct {
	at    string
	alert map[string]any
}

// path names a property of a located alert.
func (l located) path(name string) string {
	if l.at == "" {
		return name
	}
	return l.at + "." + name
}

// id returns the alert's id, "" when it carries none.
func (l located) id() string {
	s, _ := l.alert["id"].(string)
	return s
}

// query is a request's query options, "$" prefixes made explicit (on Graph
// beta the prefix is optional).
type query map[string]string

func parseQuery(raw string) query {
	q := query{}
	vals, _ := url.ParseQuery(raw)
	for k, v := range vals {
		if len(v) == 0 {
			continue
		}
		if !strings.HasPrefix(k, "$") {
			k = "$" + k
		}
		q[k] = v[0]
	}
	return q
}

// selected returns the properties of $select, nil without one.
func (q query) selected() []string {
	v, ok := q["$select"]
	if !ok {
		return nil
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// whole reports whether a success represents whole alerts (no $select).
func (p *pass) whole() bool { return p.query.selected() == nil }

// decodeOne decodes exactly one JSON value of UTF-8 text, numbers kept exact.
func decodeOne(b []byte) (any, error) {
	if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		return nil, errors.New("starts with a byte order mark")
	}
	if !utf8.Valid(b) {
		return nil, errors.New("is not UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("is not JSON: %v", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("holds more than one JSON value")
	}
	return v, nil
}

// duplicateName returns a member name that appears twice in one object of a
// JSON text, "" when none does.
func duplicateName(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	var dup string
	var walk func() bool
	walk = func() bool {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return false
				}
				name, _ := k.(string)
				if seen[name] && dup == "" {
					dup = name
				}
				seen[name] = true
				if !walk() {
					return false
				}
			}
			_, err = dec.Token()
			return err == nil
		case json.Delim('['):
			for dec.More() {
				if !walk() {
					return false
				}
			}
			_, err = dec.Token()
			return err == nil
		}
		return true
	}
	walk()
	return dup
}

// caller is what the oracle reads from a request's bearer token (without
// checking its signature, which only the service can).
type caller struct {
	header    string // the Authorization header
	bearer    bool   // "Bearer <token>" with a token
	jwt       bool   // the token is a JWT whose claims could be read
	delegated bool   // the token has scp (a user's token)
	upn       string // upn, unique_name or preferred_username of a delegated token
	appID     string // appid or azp
	perms     []string
	exp, nbf  time.Time
}

func callerOf(h string) caller {
	c := caller{header: h}
	scheme, token, _ := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return c
	}
	c.bearer = true
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return c
	}
	var claims struct {
		UPN        string      `json:"upn"`
		UniqueName string      `json:"unique_name"`
		Preferred  string      `json:"preferred_username"`
		Scp        string      `json:"scp"`
		Roles      []string    `json:"roles"`
		AppID      string      `json:"appid"`
		AZP        string      `json:"azp"`
		Exp        json.Number `json:"exp"`
		Nbf        json.Number `json:"nbf"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return c
	}
	c.jwt = true
	c.delegated = claims.Scp != ""
	for _, s := range []string{claims.UPN, claims.UniqueName, claims.Preferred} {
		if s != "" {
			c.upn = s
			break
		}
	}
	c.appID = claims.AppID
	if c.appID == "" {
		c.appID = claims.AZP
	}
	if c.delegated {
		c.perms = strings.Fields(claims.Scp)
	} else {
		c.perms = claims.Roles
	}
	if n, err := strconv.ParseInt(claims.Exp.String(), 10, 64); err == nil {
		c.exp = time.Unix(n, 0)
	}
	if n, err := strconv.ParseInt(claims.Nbf.String(), 10, 64); err == nil {
		c.nbf = time.Unix(n, 0)
	}
	return c
}

// actor returns who the docs say a change by this caller is recorded as:
// the user's UPN for a delegated token, "" when the oracle cannot tell.
func (c caller) actor() string {
	if c.delegated {
		return c.upn
	}
	return ""
}

// show formats a JSON value for a message.
func show(v any) string {
	if v == nil {
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// quote formats a string for a message.
func quote(s string) string { return strconv.Quote(s) }
