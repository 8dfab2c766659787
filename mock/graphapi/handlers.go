package graphapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/grapherr"
	"github.com/partner-security/alertmock/mock/journal"
	"github.com/partner-security/alertmock/mock/store"
	"github.com/partner-security/alertmock/openapi"
)

// ContentTypeOData is the Content-Type of every successful Graph response.
const ContentTypeOData = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

// entitySet is the path of the alerts collection below the base path, as
// @odata.context names it.
const entitySet = "security/partner/securityAlerts"

// notFound is the 404 for an alert id that the session does not have.
func notFound(id string) *grapherr.Error {
	return grapherr.Errorf(grapherr.CodeResourceNotFound,
		"Resource '%s' does not exist or one of its queried reference-property objects are not present.", id)
}

// handleGet serves GET /security/partner/securityAlerts/{id}.
func (a *API) handleGet(w http.ResponseWriter, r *http.Request, c *call) error {
	id := c.params["partnerSecurityAlertId"]
	al, err := a.store.Get(c.session, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound(id)
	}
	if err != nil {
		return err
	}
	return writeEntity(w, r, c.shown(al), c.query.Select)
}

// handleUpdate serves PATCH /security/partner/securityAlerts/{id}.
func (a *API) handleUpdate(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := checkJSONContentType(r); err != nil {
		return err
	}
	if ce := r.Header.Values("Content-Encoding"); len(ce) > 0 && !(len(ce) == 1 && strings.EqualFold(strings.TrimSpace(ce[0]), "identity")) {
		return grapherr.Errorf(grapherr.CodeUnsupportedMediaType, "The Content-Encoding '%s' is not supported; send the body uncompressed.", strings.Join(ce, ", "))
	}
	if r.ContentLength > a.maxBody {
		return grapherr.Errorf(grapherr.CodeRequestEntityTooLarge, "The request body is larger than the limit of %d bytes.", a.maxBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return grapherr.Errorf(grapherr.CodeBadRequest, "The request body could not be read: %v.", err)
	}
	p, err := a.decodePatch(body, c.include)
	if err != nil {
		return err
	}
	id := c.params["partnerSecurityAlertId"]
	al, err := a.store.Update(c.session, id, p, c.who.Actor)
	if errors.Is(err, store.ErrNotFound) {
		return notFound(id)
	}
	if err != nil {
		return err
	}
	return writeEntity(w, r, c.shown(al), nil)
}

// patchCache remembers, for bodies alert.DecodePatch accepted (a pure
// function of the bytes), the patch and the contract's verdict on it: clients
// send the same few bodies again and again, and decoding was a tenth of a
// PATCH. Bounded: short bodies only, and when full it starts over.
type patchCache struct {
	mu sync.Mutex
	m  map[string]patchEntry
}

// patchEntry is a decoded body and the schema's verdict on it.
type patchEntry struct {
	p       alert.Patch
	verdict error // validatePatch's
}

// Bounds of the patch cache.
const (
	maxCachedPatches   = 1024
	maxCachedPatchBody = 256
)

// decodePatch is alert.DecodePatch and then validatePatch, through the cache
// (one lock per PATCH it has seen). Every call gets its own ResolvedReason
// pointer.
func (a *API) decodePatch(body []byte, include bool) (alert.Patch, error) {
	if include && (len(a.future[alert.EnumStatus]) > 0 || len(a.future[alert.EnumResolvedReason]) > 0) {
		// A client that accepts members after unknownFutureValue may set
		// them (not cached: the cache holds the declared members' verdicts).
		p, err := alert.DecodePatchFuture(body, a.future)
		if err != nil {
			return p, err
		}
		return p, a.validatePatch(p)
	}
	if len(body) > maxCachedPatchBody {
		p, err := alert.DecodePatch(body)
		if err != nil {
			return p, err
		}
		return p, a.validatePatch(p)
	}
	c := &a.patches
	c.mu.Lock()
	e, ok := c.m[string(body)]
	c.mu.Unlock()
	if !ok {
		p, err := alert.DecodePatch(body)
		if err != nil {
			return p, err
		}
		e = patchEntry{p: p, verdict: a.validatePatch(p)}
		c.mu.Lock()
		if c.m == nil || len(c.m) >= maxCachedPatches {
			c.m = make(map[string]patchEntry, 16)
		}
		c.m[string(body)] = e
		c.mu.Unlock()
	}
	if e.verdict != nil {
		return alert.Patch{}, e.verdict
	}
	p := e.p
	if p.ResolvedReason != nil {
		r := *p.ResolvedReason
		p.ResolvedReason = &r
	}
	return p, nil
}

// checkJSONContentType requires one Content-Type application/json (case does
// not matter; parameters allowed, but a charset must be UTF-8, the only
// encoding of JSON the mock reads, RFC 8259 §8.1); anything else, or none, is
// a 415.
func checkJSONContentType(r *http.Request) error {
	cts := r.Header.Values("Content-Type")
	if len(cts) > 1 {
		return grapherr.Errorf(grapherr.CodeUnsupportedMediaType, "The request has more than one Content-Type ('%s'); send one: 'application/json'.", strings.Join(cts, "', '"))
	}
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		if ct == "" {
			return grapherr.Errorf(grapherr.CodeUnsupportedMediaType, "The request has no Content-Type; send the body as 'application/json'.")
		}
		return grapherr.Errorf(grapherr.CodeUnsupportedMediaType, "The Content-Type '%s' is not supported; send the body as 'application/json'.", ct)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return grapherr.Errorf(grapherr.CodeUnsupportedMediaType, "The charset '%s' of Content-Type '%s' is not supported; send the body as UTF-8 ('application/json' or 'application/json; charset=utf-8').", cs, ct)
	}
	return nil
}

// handleList serves GET /security/partner/securityAlerts.
func (a *API) handleList(w http.ResponseWriter, r *http.Request, c *call) error {
	q := c.query
	res, err := a.store.Query(c.session, &q, a.pageSize)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString(`{"@odata.context":`)
	buf.Write(appendContextJSON(buf.AvailableBuffer(), r, q.Select, false))
	if q.Count {
		buf.WriteString(`,"@odata.count":`)
		buf.WriteString(strconv.Itoa(res.Count))
	}
	if res.More {
		buf.WriteString(`,"@odata.nextLink":`)
		writeJSONString(&buf, nextLink(r, q, res.Next))
	}
	buf.WriteString(`,"value":[`)
	for i, a := range res.Page {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := encodeAlert(&buf, c.shown(a), q.Select); err != nil {
			return err
		}
	}
	buf.WriteString("]}")
	writeOK(w, buf.Bytes())
	return nil
}

// nextLink is the absolute URL of the page starting at skip: the request's
// scheme, host and path with every original query option kept and $skip set,
// except parameters that carry credentials (access_token, …), which are
// never sent back.
func nextLink(r *http.Request, q queryOptions, skip int) string {
	params := make([]string, 0, len(q.RawParams)+1)
	replaced := false
	for _, p := range q.RawParams {
		k, _, _ := strings.Cut(p, "=")
		if journal.SecretParam(k) {
			continue
		}
		if key, err := url.QueryUnescape(k); err == nil && (key == "$skip" || key == "skip") {
			params = append(params, k+"="+strconv.Itoa(skip))
			replaced = true
			continue
		}
		params = append(params, p)
	}
	if !replaced {
		params = append(params, "$skip="+strconv.Itoa(skip))
	}
	return string(appendOrigin(nil, r)) + r.URL.EscapedPath() + "?" + strings.Join(params, "&")
}

// appendOrigin appends the scheme and authority of the URLs the mock writes:
// the request's Host, or (an HTTP/1.0 request may have none) the address the
// request came in on.
func appendOrigin(b []byte, r *http.Request) []byte {
	if r.TLS != nil {
		b = append(b, "https://"...)
	} else {
		b = append(b, "http://"...)
	}
	host := r.Host
	if host == "" {
		if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			host = a.String()
		}
	}
	return append(b, host...)
}

// appendContext appends the @odata.context URL of a response: the entity set
// (with the selected properties in parentheses) and /$entity for one alert.
func appendContext(b []byte, r *http.Request, selected []string, entity bool) []byte {
	b = appendOrigin(b, r)
	b = append(b, openapi.BasePath+"/$metadata#"+entitySet...)
	if selected != nil {
		b = append(b, '(')
		for i, p := range selected {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, p...)
		}
		b = append(b, ')')
	}
	if entity {
		b = append(b, "/$entity"...)
	}
	return b
}

// appendContextJSON appends the @odata.context of a response as a JSON
// string: as it is when plain, else as writeJSONString writes it.
func appendContextJSON(b []byte, r *http.Request, selected []string, entity bool) []byte {
	start := len(b)
	b = append(b, '"')
	b = appendContext(b, r, selected, entity)
	if raw := b[start+1:]; !plainJSON(raw) {
		var buf bytes.Buffer
		writeJSONString(&buf, string(raw))
		return append(b[:start], buf.Bytes()...)
	}
	return append(b, '"')
}

// writeEntity writes one alert (or its projection) with its @odata.context.
func writeEntity(w http.ResponseWriter, r *http.Request, a *alert.Alert, selected []string) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	b := append((*bp)[:0], `{"@odata.context":`...)
	b = appendContextJSON(b, r, selected, true)
	b = append(b, ',')
	if selected != nil {
		var buf bytes.Buffer
		if err := encodeMembers(&buf, a, selected); err != nil {
			return err
		}
		b = append(b, buf.Bytes()...)
	} else {
		var err error
		if b, err = alert.AppendJSON(b, a); err != nil {
			return fmt.Errorf("graphapi: encode alert %q: %w", a.ID, err)
		}
	}
	b = append(b, '}')
	*bp = b
	writeOK(w, b)
	return nil
}

// bufPool holds the buffers writeEntity encodes into (the response writer
// copies them).
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// plainJSON reports whether s is printable ASCII without '"' or '\', which
// writeJSONString writes as it is.
func plainJSON(s []byte) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// encodeAlert writes a as a JSON object: the whole alert, or only the selected
// properties in the order given.
func encodeAlert(buf *bytes.Buffer, a *alert.Alert, selected []string) error {
	buf.WriteByte('{')
	if err := encodeMembers(buf, a, selected); err != nil {
		return err
	}
	buf.WriteByte('}')
	return nil
}

// encodeMembers writes the members of encodeAlert's object without the braces.
func encodeMembers(buf *bytes.Buffer, a *alert.Alert, selected []string) error {
	if selected == nil {
		b, err := alert.AppendJSON(buf.AvailableBuffer(), a)
		if err != nil {
			return fmt.Errorf("graphapi: encode alert %q: %w", a.ID, err)
		}
		buf.Write(b)
		return nil
	}
	for i, name := range selected {
		v, _ := a.Field(name)
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("graphapi: encode alert %q property %s: %w", a.ID, name, err)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		writeJSONString(buf, name)
		buf.WriteByte(':')
		buf.Write(b)
	}
	return nil
}

// writeJSONString writes s as a JSON string without HTML escaping, so URLs
// such as @odata.nextLink read as sent ("&", not "\u0026"), as Graph writes them.
func writeJSONString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)           // a string always encodes
	buf.Truncate(buf.Len() - 1) // Encode's newline
}

// writeOK writes a 200 with the Graph success headers and the body parts.
func writeOK(w http.ResponseWriter, parts ...[]byte) {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	h := w.Header()
	h["Content-Type"] = []string{ContentTypeOData}
	h["Odata-Version"] = []string{"4.0"}
	h["Content-Length"] = []string{strconv.Itoa(n)}
	w.WriteHeader(http.StatusOK)
	for _, p := range parts {
		_, _ = w.Write(p)
	}
}
