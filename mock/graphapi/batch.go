package graphapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/partner-security/alertmock/mock/grapherr"
	"github.com/partner-security/alertmock/mock/journal"
)

// MaxBatchRequests is how many requests one JSON batch may hold (Microsoft
// Graph's limit, "Combine multiple HTTP requests using JSON batching").
const MaxBatchRequests = 20

// batchItem is one request of a JSON batch as the client sent it.
type batchItem struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

// batchReply is one response of a JSON batch.
type batchReply struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// batchShuffle orders the responses of every batch by a random source seeded
// once (Deps.BatchShuffleSeed), so that the same batches come back in the same
// orders in every run.
type batchShuffle struct {
	mu  sync.Mutex
	rnd *rand.Rand
}

// ServeBatch serves POST /beta/$batch, JSON batching as Microsoft Graph
// documents it: a body {"requests":[…]} of at most MaxBatchRequests
// requests, each with an id unique in the batch (letter case aside), a
// method, a url relative to the version, and headers with a Content-Type
// when it has a body. A batch that breaks these rules is a 400 and runs
// nothing. Otherwise every request runs, in an order that respects dependsOn,
// through the same pipeline as a direct request (Deps.Pipeline: journal,
// fault rules, throttle, then the API itself), authorised by the batch's
// token; a request that depends on one that failed is not run and answers
// 424. The batch answers 200 with {"responses":[…]}: each with its id,
// status, headers and body, in the order they ran (or shuffled with
// Deps.BatchShuffleSeed).
//
// The batch request itself is routed here by the caller without the
// pipeline: it is neither journaled nor throttled nor faulted; its requests
// are, each on its own.
func (a *API) ServeBatch(w http.ResponseWriter, r *http.Request) {
	if err := a.serveBatch(w, r); err != nil {
		a.writeError(w, r, err)
	}
}

func (a *API) serveBatch(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return grapherr.Errorf(grapherr.CodeMethodNotAllowed, "The HTTP method '%s' is not allowed for the request target; allowed: POST.", r.Method)
	}
	if err := checkJSONContentType(r); err != nil {
		return err
	}
	limit := a.maxBody * MaxBatchRequests
	if r.ContentLength > limit {
		return grapherr.Errorf(grapherr.CodeRequestEntityTooLarge, "The batch request body is larger than the limit of %d bytes.", limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return grapherr.Errorf(grapherr.CodeBadRequest, "The request body could not be read: %v.", err)
	}
	items, err := decodeBatch(body)
	if err != nil {
		return err
	}
	order, err := batchOrder(items)
	if err != nil {
		return err
	}
	batchID := firstValue(w.Header(), "Request-Id")
	if batchID == "" {
		batchID = a.newID()
	}
	replies := make([]batchReply, 0, len(items))
	failed := map[string]string{} // lower-case id → why its dependents fail
	for _, i := range order {
		it := items[i]
		var reply batchReply
		if why := dependencyFailed(it, failed); why != "" {
			reply = a.failedDependency(r, it, why)
		} else {
			reply = a.runBatchItem(r, it, batchID)
		}
		if reply.Status >= 400 {
			failed[strings.ToLower(it.ID)] = fmt.Sprintf("request '%s' failed with status %d", it.ID, reply.Status)
		}
		replies = append(replies, reply)
	}
	if s := a.shuffle; s != nil {
		s.mu.Lock()
		s.rnd.Shuffle(len(replies), func(i, j int) { replies[i], replies[j] = replies[j], replies[i] })
		s.mu.Unlock()
	}
	out, err := json.Marshal(struct {
		Responses []batchReply `json:"responses"`
	}{replies})
	if err != nil {
		return fmt.Errorf("graphapi: encode batch: %w", err)
	}
	writeOK(w, out)
	return nil
}

// batchError is the 400 of a malformed batch, naming the member at fault.
func batchError(target, format string, args ...any) *grapherr.Error {
	e := grapherr.Errorf(grapherr.CodeBadRequest, format, args...)
	e.Target = target
	return e
}

// decodeBatch reads and checks a batch body: every rule whose breach makes
// Graph refuse the whole batch.
func decodeBatch(body []byte) ([]batchItem, error) {
	var env struct {
		Requests *[]json.RawMessage `json:"requests"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, batchError("requests", "The batch request body is not a JSON object with a 'requests' array: %v.", err)
	}
	if env.Requests == nil || len(*env.Requests) == 0 {
		return nil, batchError("requests", "The batch request body needs a 'requests' array with at least one request.")
	}
	raw := *env.Requests
	if len(raw) > MaxBatchRequests {
		return nil, batchError("requests", "A batch holds at most %d requests; this one has %d.", MaxBatchRequests, len(raw))
	}
	items := make([]batchItem, len(raw))
	seen := map[string]int{}
	for i, m := range raw {
		at := fmt.Sprintf("requests[%d]", i)
		var it batchItem
		dec := json.NewDecoder(bytes.NewReader(m))
		if err := dec.Decode(&it); err != nil {
			return nil, batchError(at, "Request %d of the batch is not a request object (id, method, url, headers, body, dependsOn as strings, an object and arrays): %v.", i, err)
		}
		switch {
		case it.ID == "":
			return nil, batchError(at+".id", "Request %d of the batch has no id.", i)
		case it.Method == "":
			return nil, batchError(at+".method", "Request '%s' of the batch has no method.", it.ID)
		case !isToken(it.Method):
			return nil, batchError(at+".method", "Request '%s' of the batch has the method '%s', which is not an HTTP method.", it.ID, it.Method)
		case it.URL == "":
			return nil, batchError(at+".url", "Request '%s' of the batch has no url.", it.ID)
		}
		if u, err := url.Parse(it.URL); err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(it.URL, "//") {
			return nil, batchError(at+".url", "Request '%s' of the batch has the url '%s'; a url in a batch is relative to the version, e.g. '/security/partner/securityAlerts'.", it.ID, it.URL)
		}
		if j, dup := seen[strings.ToLower(it.ID)]; dup {
			return nil, batchError(at+".id", "Requests %d and %d of the batch have the same id '%s' (ids are compared without letter case).", j, i, it.ID)
		}
		seen[strings.ToLower(it.ID)] = i
		if len(it.Body) > 0 && string(it.Body) != "null" && headerOf(it.Headers, "Content-Type") == "" {
			return nil, batchError(at+".headers", "Request '%s' of the batch has a body but no Content-Type in its headers.", it.ID)
		}
		items[i] = it
	}
	for i, it := range items {
		for _, d := range it.DependsOn {
			j, ok := seen[strings.ToLower(d)]
			switch {
			case !ok:
				return nil, batchError(fmt.Sprintf("requests[%d].dependsOn", i), "Request '%s' depends on '%s', which is not in the batch.", it.ID, d)
			case j == i:
				return nil, batchError(fmt.Sprintf("requests[%d].dependsOn", i), "Request '%s' depends on itself.", it.ID)
			}
		}
	}
	return items, nil
}

// batchOrder returns the indexes of items in an order where every request
// comes after the requests it depends on: the order of the batch, each
// request moved after its dependencies. A cycle is a 400.
func batchOrder(items []batchItem) ([]int, error) {
	index := map[string]int{}
	for i, it := range items {
		index[strings.ToLower(it.ID)] = i
	}
	state := make([]int, len(items)) // 0 unvisited, 1 visiting, 2 placed
	order := make([]int, 0, len(items))
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return batchError(fmt.Sprintf("requests[%d].dependsOn", i), "The dependsOn of the batch go round in a circle through request '%s'.", items[i].ID)
		case 2:
			return nil
		}
		state[i] = 1
		for _, d := range items[i].DependsOn {
			if err := visit(index[strings.ToLower(d)]); err != nil {
				return err
			}
		}
		state[i] = 2
		order = append(order, i)
		return nil
	}
	for i := range items {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// dependencyFailed returns why it cannot run (a request it depends on
// failed, or was not run itself), or "".
func dependencyFailed(it batchItem, failed map[string]string) string {
	for _, d := range it.DependsOn {
		if why, ok := failed[strings.ToLower(d)]; ok {
			return why
		}
	}
	return ""
}

// failedDependency is the 424 reply of a request that was not run.
func (a *API) failedDependency(r *http.Request, it batchItem, why string) batchReply {
	rec := newRecorder()
	id := a.newID()
	rec.Header()["Request-Id"] = []string{id}
	rec.Header()["Client-Request-Id"] = []string{orDefault(headerOf(it.Headers, "client-request-id"), id)}
	a.writeError(rec, r, grapherr.Errorf(grapherr.CodeFailedDependency,
		"Request '%s' depends on a request that did not succeed (%s), so it was not run.", it.ID, why))
	return rec.reply(it.ID)
}

// runBatchItem runs one request of the batch through the pipeline and
// returns its reply.
func (a *API) runBatchItem(outer *http.Request, it batchItem, batchID string) batchReply {
	target := it.URL
	if !strings.HasPrefix(target, "/") {
		target = "/" + target
	}
	if p, _, _ := strings.Cut(target, "?"); p == "/$batch" || p == "/%24batch" {
		rec := newRecorder()
		id := a.newID()
		rec.Header()["Request-Id"] = []string{id}
		rec.Header()["Client-Request-Id"] = []string{orDefault(headerOf(it.Headers, "client-request-id"), id)}
		a.writeError(rec, outer, grapherr.Errorf(grapherr.CodeBadRequest, "Request '%s' of the batch is itself a batch; batches do not nest.", it.ID))
		return rec.reply(it.ID)
	}
	body, contentType := batchBody(it)
	ctx := journal.WithBatch(outer.Context(), journal.Batch{RequestID: batchID, ID: it.ID})
	r, err := http.NewRequestWithContext(ctx, it.Method, pathRoot+target, bytes.NewReader(body))
	if err != nil {
		rec := newRecorder()
		a.writeError(rec, outer, batchError("url", "Request '%s' of the batch cannot be sent: %v.", it.ID, err))
		return rec.reply(it.ID)
	}
	r.Host, r.RemoteAddr, r.TLS, r.Proto, r.ProtoMajor, r.ProtoMinor = outer.Host, outer.RemoteAddr, outer.TLS, outer.Proto, outer.ProtoMajor, outer.ProtoMinor
	if len(body) == 0 {
		r.Body, r.ContentLength = http.NoBody, 0
	}
	for k, v := range it.Headers {
		r.Header.Set(k, v)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	// The batch's token authorises every request in it, and the batch's
	// session is theirs.
	r.Header.Del("Authorization")
	if v := outer.Header.Values("Authorization"); len(v) > 0 {
		r.Header["Authorization"] = v
	}
	for _, h := range []string{"X-Mock-Session"} {
		if v := outer.Header.Get(h); v != "" {
			r.Header.Set(h, v)
		}
	}
	rec := newRecorder()
	id := a.newID()
	rec.Header()["Request-Id"] = []string{id}
	rec.Header()["Client-Request-Id"] = []string{orDefault(r.Header.Get("client-request-id"), id)}
	a.inner.ServeHTTP(rec, r)
	return rec.reply(it.ID)
}

// batchBody returns the body of a batch request as bytes: the JSON value as
// written when its Content-Type is JSON, else a base64 string decoded (as
// Graph takes binary bodies), else the value as written.
func batchBody(it batchItem) ([]byte, string) {
	if len(it.Body) == 0 || string(it.Body) == "null" {
		return nil, ""
	}
	ct := headerOf(it.Headers, "Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if mt != "application/json" && strings.HasPrefix(string(it.Body), `"`) {
		var s string
		if json.Unmarshal(it.Body, &s) == nil {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
				if b, err := enc.DecodeString(s); err == nil {
					return b, ct
				}
			}
		}
	}
	return it.Body, ct
}

// headerOf returns the value of header name in h (names compared without
// letter case), or "".
func headerOf(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// isToken reports whether s is an HTTP token (RFC 9110), as a method must be.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, rune(c)) {
			return false
		}
	}
	return s != ""
}

// recorder is the response writer of a request inside a batch: it keeps the
// status, headers and body for the batch's reply.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// skippedHeaders are headers of a response that do not belong in a batch
// reply (they describe the transfer, not the response).
var skippedHeaders = []string{"Content-Length", "Connection", "Transfer-Encoding"}

// reply turns what the request answered into its batch reply: one value per
// header, the body as JSON when it is JSON, else base64.
func (w *recorder) reply(id string) batchReply {
	rep := batchReply{ID: id, Status: w.status, Headers: map[string]string{}}
	if rep.Status == 0 {
		rep.Status = http.StatusOK
	}
	for k, v := range w.header {
		if len(v) == 0 || slices.Contains(skippedHeaders, k) {
			continue
		}
		rep.Headers[headerName(k)] = strings.Join(v, ", ")
	}
	if b := w.body.Bytes(); len(b) > 0 {
		mt, _, _ := mime.ParseMediaType(w.header.Get("Content-Type"))
		if mt == "application/json" && json.Valid(b) {
			rep.Body = append(json.RawMessage(nil), b...)
		} else {
			rep.Body = json.RawMessage(strconv.Quote(base64.StdEncoding.EncodeToString(b)))
		}
	}
	return rep
}

// headerName spells a header of a reply as Graph does: request-id and
// client-request-id in lower case, the others canonical.
func headerName(k string) string {
	switch k {
	case "Request-Id":
		return "request-id"
	case "Client-Request-Id":
		return "client-request-id"
	}
	return k
}
