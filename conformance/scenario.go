package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/partner-security/alertmock/conformance/oracle"
)

// credentials are what a scenario's requests authenticate with.
type credentials struct {
	header string // the Authorization header; "" sends none
	actor  string // who changes are recorded as ("" when unknown)
}

// exchange is one request and its response, already judged by the oracle.
type exchange struct {
	method, url        string
	status             int
	header             http.Header
	body               []byte
	json               any // the decoded body, nil when not JSON
	sentAt, receivedAt time.Time
}

// scenario is the state of one running scenario; InitializeScenario makes a
// fresh one for each.
type scenario struct {
	suite *Suite
	// oracle judges every exchange; models are its shadow models, one per
	// state the target keeps apart (see model).
	oracle  *oracle.Oracle
	models  map[string]*oracle.Model
	session string // X-Mock-Session of every request; "" sends none
	alertID string
	auth    credentials
	// clientRequestID is sent as client-request-id when not empty.
	clientRequestID string

	last *exchange // the latest response of a scenario step
	// baseline is the alert as noted by "the alert is …" or "I remember the
	// alert"; "unchanged" and "new entries" compare with it.
	baseline map[string]any
	// remembered is the alert kept by "I remember the alert".
	remembered map[string]any
	// rememberedHeader is a header value kept by "I remember the response header".
	rememberedHeader string
	// update is the latest update a scenario step sent (for "the time of the update").
	update *exchange
	// pages are the responses of "I read every page", and pagesQuery its query.
	pages      []*exchange
	pagesQuery string
	// other is an alert besides the alert under test, as noted by "another alert".
	other map[string]any
	// burst are the answers of "I send N status changes at once".
	burst []burstResult
	// batch is the latest JSON batch sent and its responses by id.
	batch *batchSent
	// laterSeverity is the severity member the target's metadata declares
	// after unknownFutureValue, once "the alert has a severity added after
	// unknownFutureValue" found one.
	laterSeverity string
	// variant is the shape of the scenario's requests (variant.go).
	variant variant
}

// defaultCredentials are those of the caller who may update alerts: the
// configured token, or a minted delegated token for DefaultUser.
func (s *Suite) defaultCredentials() credentials {
	return s.credentialsFor("PartnerSecurity.ReadWrite.All")
}

// credentialsFor returns the configured token, or else a minted delegated token
// with the given scopes.
func (s *Suite) credentialsFor(scopes string) credentials {
	if s.cfg.Token != "" {
		c, err := readClaims(s.cfg.Token)
		actor := ""
		if err == nil {
			actor = c.actor()
		}
		return credentials{header: "Bearer " + s.cfg.Token, actor: actor}
	}
	return credentials{header: "Bearer " + mintToken(delegatedClaims(DefaultUser, scopes, s.cfg.Now()), s.cfg.MintKey), actor: DefaultUser}
}

// request describes a request to send.
type request struct {
	method string
	// target is a path below the base URL (may carry a query) or an absolute URL.
	target      string
	body        []byte
	hasBody     bool
	contentType string // "" sends no Content-Type
	auth        credentials
	// accept is the Accept header; "" sends application/json.
	accept string
	// unknownEnums sends "Prefer: include-unknown-enum-members": the answer
	// may hold enum members the description does not list (those the
	// metadata declares after unknownFutureValue), which the contract check
	// then reads as unknownFutureValue.
	unknownEnums bool
	// protocol marks a request to the service root, the metadata document or
	// $batch: not operations of the description, so the contract does not
	// judge them (steps_protocol.go checks them instead).
	protocol bool
	exact    bool // sent as it is: no request variant changes its body or Content-Type
}

// send sends r with the scenario's session and client-request-id, reads the
// response and has the oracle judge the exchange: a finding is an error.
func (st *scenario) send(ctx context.Context, r request) (*exchange, error) {
	u := r.target
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		u = st.suite.base.String() + u
	}
	var body io.Reader
	if r.hasBody {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", r.method, u, err)
	}
	req.Header.Set("Accept", "application/json")
	if r.accept != "" {
		req.Header.Set("Accept", r.accept)
	}
	if st.session != "" {
		req.Header.Set(SessionHeader, st.session)
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.auth.header != "" {
		req.Header.Set("Authorization", r.auth.header)
	}
	if st.clientRequestID != "" {
		req.Header.Set("client-request-id", st.clientRequestID)
	}
	if r.unknownEnums {
		req.Header.Set("Prefer", preferUnknownEnums)
	}
	r = st.reshape(req, r)
	return st.exchange(req, r)
}

// exchange sends req, reads the answer and has the oracle judge them. A
// protocol request (the service root, $metadata, $batch) is judged by its
// steps; since a $batch may change alerts in ways the shadow model does not
// follow, the model forgets what it knew. An answer to a request that
// accepts unknown enum members is judged with the members after
// unknownFutureValue masked, as a client that does not know them reads it.
func (st *scenario) exchange(req *http.Request, r request) (*exchange, error) {
	m := st.model(req)
	ox := &oracle.Exchange{Method: req.Method, URL: req.URL.String(), RequestHeader: canonical(req.Header), RequestBody: r.body, Sent: st.suite.cfg.Now()}
	if !r.protocol {
		m.Begin(ox)
	}
	resp, err := st.suite.cfg.Client.Do(req)
	if err != nil {
		ox.Received = st.suite.cfg.Now()
		if r.protocol {
			m.Forget()
		} else {
			st.oracle.Judge(m, ox) // an update that got no answer may or may not have been applied
		}
		return nil, fmt.Errorf("%s %s: %w", req.Method, ox.URL, err)
	}
	defer resp.Body.Close()
	ox.Body, err = io.ReadAll(resp.Body)
	ox.Received = st.suite.cfg.Now()
	if err != nil {
		return nil, fmt.Errorf("%s %s: read the response: %w", req.Method, ox.URL, err)
	}
	ox.Status, ox.Header = resp.StatusCode, resp.Header
	x := &exchange{method: req.Method, url: ox.URL, status: ox.Status, header: ox.Header, body: ox.Body, sentAt: ox.Sent, receivedAt: ox.Received}
	if len(x.body) > 0 {
		var v any
		if json.Unmarshal(x.body, &v) == nil {
			x.json = v
		}
	}
	if r.protocol {
		m.Forget()
		return x, nil
	}
	if r.unknownEnums {
		ox.Body = st.maskLaterMembers(ox.Body)
	}
	return x, st.oracle.Judge(m, ox).Err()
}

// model returns the shadow model of the state a request reaches: the
// scenario's session, or, without a session header, the caller's token (the
// mock keys such a request's state by the token's tenant).
func (st *scenario) model(req *http.Request) *oracle.Model {
	key := "session " + req.Header.Get(SessionHeader)
	if req.Header.Get(SessionHeader) == "" {
		key = "token " + req.Header.Get("Authorization")
	}
	m := st.models[key]
	if m == nil {
		m = oracle.NewModel()
		st.models[key] = m
	}
	return m
}

// do sends a scenario step's request: it becomes the latest response.
func (st *scenario) do(ctx context.Context, r request) error {
	x, err := st.send(ctx, r)
	if x != nil {
		st.last = x
	}
	return err
}

// alertPath is the path of one alert below the base URL.
func alertPath(id string) string {
	return "/security/partner/securityAlerts/" + url.PathEscape(id)
}

// patchJSON sends a PATCH of the given JSON body to an alert.
func (st *scenario) patchJSON(ctx context.Context, id string, body []byte, contentType string) error {
	err := st.do(ctx, request{method: http.MethodPatch, target: alertPath(id), body: body, hasBody: true, contentType: contentType, auth: st.auth})
	if st.last != nil && st.last.method == http.MethodPatch {
		st.update = st.last
	}
	return err
}

// setup sends a request of a Given step with the default credentials: it is
// checked against the contract and must succeed with 200, and its response
// does not become the latest response.
func (st *scenario) setup(ctx context.Context, r request) (map[string]any, error) {
	r.auth = st.suite.defaultCredentials()
	x, err := st.send(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("setting up: %w", err)
	}
	if x.status != http.StatusOK {
		return nil, fmt.Errorf("setting up: %s %s answered %d; want 200 (body %s)", r.method, x.url, x.status, excerpt(x.body))
	}
	obj, ok := x.json.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("setting up: %s %s: body is not a JSON object: %s", r.method, x.url, excerpt(x.body))
	}
	return obj, nil
}

// lastObject returns the latest response body as a JSON object.
func (st *scenario) lastObject() (map[string]any, error) {
	if st.last == nil {
		return nil, fmt.Errorf("no request was sent yet")
	}
	obj, ok := st.last.json.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the response to %s %s (status %d) is not a JSON object: %s", st.last.method, st.last.url, st.last.status, excerpt(st.last.body))
	}
	return obj, nil
}

// lastAlert returns the latest response as an alert; it must be a 200.
func (st *scenario) lastAlert() (map[string]any, error) {
	obj, err := st.lastObject()
	if err != nil {
		return nil, err
	}
	if st.last.status != http.StatusOK {
		return nil, fmt.Errorf("the response to %s %s is %d, not an alert: %s", st.last.method, st.last.url, st.last.status, excerpt(st.last.body))
	}
	return obj, nil
}

// lastValue returns the "value" array of the latest list response.
func (st *scenario) lastValue() ([]any, error) {
	obj, err := st.lastObject()
	if err != nil {
		return nil, err
	}
	v, ok := obj["value"].([]any)
	if !ok {
		return nil, fmt.Errorf("the response to %s %s has no \"value\" array: %s", st.last.method, st.last.url, excerpt(st.last.body))
	}
	return v, nil
}

// lookup follows a dotted path ("innerError.request-id") in a JSON object.
func lookup(obj map[string]any, path string) (any, bool) {
	var cur any = obj
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[part]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

// show formats a JSON value for a message.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// encodeQuery turns a query written readably in a feature ("$filter=status eq
// 'active'&$top=2") into a query string: option names are kept as written
// (with their "$"), values are percent-encoded.
func encodeQuery(q string) string {
	if q == "" {
		return ""
	}
	var parts []string
	for _, kv := range strings.Split(q, "&") {
		k, v, hasValue := strings.Cut(kv, "=")
		if !hasValue {
			parts = append(parts, k)
			continue
		}
		parts = append(parts, k+"="+strings.ReplaceAll(url.QueryEscape(v), "+", "%20"))
	}
	return strings.Join(parts, "&")
}
