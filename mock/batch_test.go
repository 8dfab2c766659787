package mock

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/openapi"
)

// batchResult is a decoded batch response.
type batchResult struct {
	Responses []struct {
		ID      string            `json:"id"`
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"responses"`
}

// byID returns the reply with the id, failing the test when there is none.
func (b batchResult) byID(tb testing.TB, id string) (status int, headers map[string]string, body map[string]any) {
	tb.Helper()
	for _, r := range b.Responses {
		if r.ID == id {
			_ = json.Unmarshal(r.Body, &body)
			return r.Status, r.Headers, body
		}
	}
	tb.Fatalf("no response with id %q in %+v", id, b)
	return 0, nil, nil
}

func (ts *testServer) batch(tb testing.TB, session, body string) (response, batchResult) {
	tb.Helper()
	got := ts.do(tb, req{Method: http.MethodPost, Path: "/$batch", Body: body, Session: session})
	var b batchResult
	if got.Status == http.StatusOK {
		if err := json.Unmarshal(got.Body, &b); err != nil {
			tb.Fatalf("batch body is not {\"responses\":[…]}: %v\n%s", err, got.Body)
		}
	}
	return got, b
}

// seedIDs returns the ids of n alerts of the seed besides the documented one.
func seedIDs(n int) []string {
	var out []string
	for _, a := range alert.Seed(0) {
		if a.ID != alert.DocumentedID && a.Status == alert.StatusActive && len(out) < n {
			out = append(out, a.ID)
		}
	}
	return out
}

// TestBatchDoneWhen is the acceptance case: a batch of a PATCH, a GET
// that depends on it, an invalid PATCH and a PATCH a fault rule throttles
// answers 200 with 200, 200, 400 and 429 (with its own Retry-After) in its
// slots; only the valid PATCH changed anything, and the journal holds four
// entries linked to the batch.
func TestBatchDoneWhen(t *testing.T) {
	ts := newTestServer(t, Config{})
	ids := seedIDs(2)
	a, b, c := alert.DocumentedID, ids[0], ids[1]
	if _, err := ts.Faults().AddAll([]FaultRule{{Method: "PATCH", Path: "/beta/security/partner/securityAlerts/" + c,
		Kind: FaultStatus, Status: 429, RetryAfter: "1", Times: 1}}); err != nil {
		t.Fatal(err)
	}
	before := map[string]alert.Alert{b: mustAlert(t, ts.Server, "s", b), c: mustAlert(t, ts.Server, "s", c)}
	got, res := ts.batch(t, "s", fmt.Sprintf(`{"requests":[
		{"id":"1","method":"PATCH","url":"/security/partner/securityAlerts/%s","headers":{"Content-Type":"application/json"},"body":{"status":"investigating"}},
		{"id":"2","method":"GET","url":"/security/partner/securityAlerts/%s?$select=id,status","dependsOn":["1"]},
		{"id":"3","method":"PATCH","url":"/security/partner/securityAlerts/%s","headers":{"Content-Type":"application/json"},"body":{"status":"bogus"}},
		{"id":"4","method":"PATCH","url":"security/partner/securityAlerts/%s","headers":{"Content-Type":"application/json"},"body":{"status":"resolved"}}]}`, a, a, b, c))
	if got.Status != http.StatusOK {
		t.Fatalf("batch: Status = %d; want 200\n%s", got.Status, got.Body)
	}
	for _, w := range []struct {
		id     string
		status int
	}{{"1", 200}, {"2", 200}, {"3", 400}, {"4", 429}} {
		status, headers, body := res.byID(t, w.id)
		if status != w.status {
			t.Errorf("request %s: status = %d; want %d (%v)", w.id, status, w.status, body)
		}
		if headers["request-id"] == "" {
			t.Errorf("request %s: no request-id in its headers %v", w.id, headers)
		}
		if w.status == 429 && headers["Retry-After"] != "1" {
			t.Errorf("request %s: Retry-After = %q; want 1", w.id, headers["Retry-After"])
		}
		if w.status >= 400 {
			if e, _ := body["error"].(map[string]any); e["code"] == nil {
				t.Errorf("request %s: body is not the Graph envelope: %v", w.id, body)
			}
		}
	}
	if _, _, body := res.byID(t, "2"); body["status"] != "investigating" {
		t.Errorf("request 2 read status %v; want investigating (it ran after request 1)", body["status"])
	}
	if got := mustAlert(t, ts.Server, "s", a).Status; got != alert.StatusInvestigating {
		t.Errorf("alert %s: status %s; want investigating", a, got)
	}
	for id, was := range before {
		if now := mustAlert(t, ts.Server, "s", id); now.Status != was.Status || len(now.ActivityLogs) != len(was.ActivityLogs) {
			t.Errorf("alert %s changed: status %s → %s", id, was.Status, now.Status)
		}
	}
	entries := ts.Journal().Entries("s", JournalFilter{})
	if len(entries) != 4 {
		t.Fatalf("journal has %d entries; want 4 (one per request of the batch, none for the batch)", len(entries))
	}
	batchID := got.Header.Get("request-id")
	for i, e := range entries {
		if e.Batch == nil || e.Batch.RequestID != batchID {
			t.Errorf("entry %d (%s %s) is not linked to the batch %s: %+v", i, e.Method, e.Path, batchID, e.Batch)
			continue
		}
		if want := []string{"1", "2", "3", "4"}[i]; e.Batch.ID != want {
			t.Errorf("entry %d: batch id %q; want %q (the order they ran)", i, e.Batch.ID, want)
		}
	}
}

// TestBatchRefused: a batch that breaks the documented rules is a 400 that
// names the problem and runs nothing.
func TestBatchRefused(t *testing.T) {
	ts := newTestServer(t, Config{})
	get := func(id string) string {
		return `{"id":"` + id + `","method":"GET","url":"/security/partner/securityAlerts?$top=1"}`
	}
	var many []string
	for i := range 21 {
		many = append(many, get(fmt.Sprint(i)))
	}
	patch := fmt.Sprintf(`{"id":"p","method":"PATCH","url":"/security/partner/securityAlerts/%s","body":{"status":"resolved"}}`, alert.DocumentedID)
	for _, tt := range []struct {
		name, body, target, mention string
	}{
		{"21 requests", `{"requests":[` + strings.Join(many, ",") + `]}`, "requests", "at most 20"},
		{"no requests", `{"requests":[]}`, "requests", "at least one"},
		{"not an object", `[1]`, "requests", "not a JSON object"},
		{"ids differing in case only", `{"requests":[` + get("a") + `,` + get("A") + `]}`, "requests[1].id", "same id"},
		{"no id", `{"requests":[{"method":"GET","url":"/x"}]}`, "requests[0].id", "no id"},
		{"number id", `{"requests":[{"id":1,"method":"GET","url":"/x"}]}`, "requests[0]", "not a request object"},
		{"no method", `{"requests":[{"id":"1","url":"/x"}]}`, "requests[0].method", "no method"},
		{"no url", `{"requests":[{"id":"1","method":"GET"}]}`, "requests[0].url", "no url"},
		{"absolute url", `{"requests":[{"id":"1","method":"GET","url":"https://graph.microsoft.com/beta/security"}]}`, "requests[0].url", "relative to the version"},
		{"body without headers", `{"requests":[` + patch + `]}`, "requests[0].headers", "no Content-Type"},
		{"unknown dependency", `{"requests":[{"id":"1","method":"GET","url":"/x","dependsOn":["9"]}]}`, "requests[0].dependsOn", "not in the batch"},
		{"self dependency", `{"requests":[{"id":"1","method":"GET","url":"/x","dependsOn":["1"]}]}`, "requests[0].dependsOn", "itself"},
		{"cycle", `{"requests":[{"id":"1","method":"GET","url":"/x","dependsOn":["2"]},{"id":"2","method":"GET","url":"/x","dependsOn":["1"]}]}`, "", "circle"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := ts.batch(t, "refused", tt.body)
			if got.Status != http.StatusBadRequest || got.ErrorCode(t) != CodeBadRequest {
				t.Fatalf("Status, code = %d, %s; want 400 %s\n%s", got.Status, got.ErrorCode(t), CodeBadRequest, got.Body)
			}
			if msg := got.ErrorMessage(t); !strings.Contains(msg, tt.mention) {
				t.Errorf("message %q does not mention %q", msg, tt.mention)
			}
			e, _ := got.JSON(t)["error"].(map[string]any)
			if tt.target != "" && e["target"] != tt.target {
				t.Errorf("target = %v; want %s", e["target"], tt.target)
			}
		})
	}
	if n := len(ts.Journal().Entries("refused", JournalFilter{})); n != 0 {
		t.Errorf("journal has %d entries after refused batches; want 0", n)
	}
	if got := ts.do(t, req{Path: "/$batch"}); got.Status != http.StatusMethodNotAllowed || got.Header.Get("Allow") != "POST" {
		t.Errorf("GET /beta/$batch: Status, Allow = %d, %q; want 405, POST", got.Status, got.Header.Get("Allow"))
	}
	got := ts.do(t, req{Method: http.MethodPost, Path: "/$batch", Body: `{"requests":[]}`, Header: map[string]string{"Content-Type": "text/plain"}})
	if got.Status != http.StatusUnsupportedMediaType {
		t.Errorf("batch as text/plain: Status = %d; want 415", got.Status)
	}
}

// TestBatchDependencies: a request whose dependency failed answers 424 and
// does not run, and so do the requests that depend on it in turn; requests
// run after what they depend on, whatever their place in the batch.
func TestBatchDependencies(t *testing.T) {
	ts := newTestServer(t, Config{})
	id := alert.DocumentedID
	_, res := ts.batch(t, "deps", fmt.Sprintf(`{"requests":[
		{"id":"read","method":"GET","url":"/security/partner/securityAlerts/%s","dependsOn":["Write"]},
		{"id":"write","method":"PATCH","url":"/security/partner/securityAlerts/%s","headers":{"content-type":"application/json"},"body":{"status":"resolved","resolvedReason":"fraud"}},
		{"id":"bad","method":"PATCH","url":"/security/partner/securityAlerts/nope","headers":{"Content-Type":"application/json"},"body":{"status":"active"}},
		{"id":"after-bad","method":"PATCH","url":"/security/partner/securityAlerts/%s","headers":{"Content-Type":"application/json"},"body":{"status":"active"},"dependsOn":["bad"]},
		{"id":"after-after","method":"GET","url":"/security/partner/securityAlerts/%s","dependsOn":["after-bad"]}]}`, id, id, id, id))
	if status, _, body := res.byID(t, "read"); status != 200 || body["status"] != "resolved" {
		t.Errorf("read: %d %v; want 200 with status resolved (it depends on write)", status, body["status"])
	}
	if status, _, _ := res.byID(t, "bad"); status != 404 {
		t.Errorf("bad: status %d; want 404", status)
	}
	for _, dep := range []string{"after-bad", "after-after"} {
		status, _, body := res.byID(t, dep)
		e, _ := body["error"].(map[string]any)
		if status != http.StatusFailedDependency || e["code"] != "FailedDependency" {
			t.Errorf("%s: %d %v; want 424 FailedDependency", dep, status, body)
		}
	}
	if got := mustAlert(t, ts.Server, "deps", id).Status; got != alert.StatusResolved {
		t.Errorf("status = %s; want resolved (after-bad, which would reopen it, must not run)", got)
	}
	if n := len(ts.Journal().Entries("deps", JournalFilter{})); n != 3 {
		t.Errorf("journal has %d entries; want 3 (the two 424s did not run)", n)
	}
}

// TestBatchInnerRequests: each request inside a batch is answered as if sent
// alone: the batch's token authorises it (or not), a path Graph has but the
// mock does not serve is a 404 envelope in its slot, the throttle counts
// each request, and a request's own headers (Prefer, client-request-id)
// reach it.
func TestBatchInnerRequests(t *testing.T) {
	ts := newTestServer(t, Config{})
	nested, res := ts.batch(t, "inner", `{"requests":[{"id":"n","method":"POST","url":"/$batch","headers":{"Content-Type":"application/json"},"body":{"requests":[{"id":"1","method":"GET","url":"/me"}]}}]}`)
	if status, _, b := res.byID(t, "n"); nested.Status != 200 || status != 400 || !strings.Contains(fmt.Sprint(b), "do not nest") {
		t.Errorf("a batch inside a batch: %d, slot %d %v; want 200 with a 400 saying batches do not nest", nested.Status, status, b)
	}
	body := `{"requests":[{"id":"me","method":"GET","url":"/me"},{"id":"list","method":"GET","url":"/security/partner/securityAlerts?$top=1","headers":{"client-request-id":"c-1"}}]}`
	_, res = ts.batch(t, "inner", body)
	if status, _, b := res.byID(t, "me"); status != 404 || !strings.Contains(fmt.Sprint(b), "ResourceNotFound") {
		t.Errorf("/me: %d %v; want 404 ResourceNotFound", status, b)
	}
	if status, h, _ := res.byID(t, "list"); status != 200 || h["client-request-id"] != "c-1" || !strings.HasPrefix(h["Content-Type"], "application/json") {
		t.Errorf("list: %d %v; want 200 with client-request-id c-1 and a JSON Content-Type", status, h)
	}

	got := ts.do(t, req{Method: http.MethodPost, Path: "/$batch", Body: body, Token: "-"})
	var noToken batchResult
	_ = json.Unmarshal(got.Body, &noToken)
	if got.Status != 200 {
		t.Fatalf("batch without a token: Status = %d; want 200 (each request answers for itself)", got.Status)
	}
	if status, _, _ := noToken.byID(t, "list"); status != http.StatusUnauthorized {
		t.Errorf("list without a token: status %d; want 401", status)
	}

	if err := ts.Throttle().Set(ThrottleConfig{RequestsPerSecond: 0.001, Burst: 1}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ts.Throttle().Set(ThrottleConfig{}) })
	got, res = ts.batch(t, "throttled", `{"requests":[`+
		`{"id":"a","method":"GET","url":"/security/partner/securityAlerts?$top=1"},`+
		`{"id":"b","method":"GET","url":"/security/partner/securityAlerts?$top=1"}]}`)
	if got.Status != 200 {
		t.Fatalf("throttled batch: Status = %d; want 200 (the batch itself is not throttled)", got.Status)
	}
	if status, _, _ := res.byID(t, "a"); status != 200 {
		t.Errorf("a: status %d; want 200 (the first request of the session)", status)
	}
	if status, h, _ := res.byID(t, "b"); status != 429 || h["Retry-After"] == "" {
		t.Errorf("b: %d, Retry-After %q; want 429 with Retry-After", status, h["Retry-After"])
	}
}

// TestBatchShuffle: with BatchShuffleSeed the replies come in another order
// than the requests, the same one for the same seed; without it, in the
// order the requests ran.
func TestBatchShuffle(t *testing.T) {
	var reqs []string
	var want []string
	for i := range 8 {
		reqs = append(reqs, fmt.Sprintf(`{"id":"%d","method":"GET","url":"/security/partner/securityAlerts?$top=1"}`, i))
		want = append(want, fmt.Sprint(i))
	}
	body := `{"requests":[` + strings.Join(reqs, ",") + `]}`
	order := func(seed int64) []string {
		ts := newTestServer(t, Config{BatchShuffleSeed: seed})
		_, res := ts.batch(t, "shuffle", body)
		var ids []string
		for _, r := range res.Responses {
			ids = append(ids, r.ID)
		}
		return ids
	}
	if got := order(0); !slices.Equal(got, want) {
		t.Errorf("without a seed: order %v; want %v", got, want)
	}
	a, b := order(7), order(7)
	if slices.Equal(a, want) {
		t.Errorf("seed 7: order %v is the order of the requests; want another", a)
	}
	if !slices.Equal(a, b) {
		t.Errorf("seed 7 gave %v, then %v; want the same order", a, b)
	}
}

// TestBatchBodies: a body that is not JSON travels base64-encoded both ways
// (decoded before the request runs, encoded in the reply), a method that is
// not an HTTP token refuses the batch, and a batch over 20 times the body
// limit is a 413.
func TestBatchBodies(t *testing.T) {
	ts := newTestServer(t, Config{MaxBodyBytes: 300})
	enc := base64.StdEncoding.EncodeToString([]byte(`{"status":"resolved"}`))
	_, res := ts.batch(t, "bodies", fmt.Sprintf(`{"requests":[
		{"id":"text","method":"PATCH","url":"/security/partner/securityAlerts/%s","headers":{"Content-Type":"text/plain"},"body":"%s"},
		{"id":"md","method":"GET","url":"/$metadata"}]}`, alert.DocumentedID, enc))
	if status, _, _ := res.byID(t, "text"); status != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain update: status %d; want 415", status)
	}
	for _, r := range res.Responses {
		if r.ID != "md" {
			continue
		}
		var s string
		if err := json.Unmarshal(r.Body, &s); err != nil {
			t.Fatalf("metadata reply body is not a base64 string: %s", r.Body)
		}
		if b, err := base64.StdEncoding.DecodeString(s); err != nil || string(b) != string(openapi.MetadataXML()) {
			t.Errorf("metadata reply body does not decode to the metadata document (%v)", err)
		}
	}
	got, _ := ts.batch(t, "bodies", `{"requests":[{"id":"1","method":"GE T","url":"/x"}]}`)
	if got.Status != http.StatusBadRequest || !strings.Contains(got.ErrorMessage(t), "not an HTTP method") {
		t.Errorf("method 'GE T': %d %s; want 400 saying it is not an HTTP method", got.Status, got.Body)
	}
	got, _ = ts.batch(t, "bodies", `{"requests":[{"id":"1","method":"GET","url":"/x","body":"`+strings.Repeat("a", 20*300)+`","headers":{"Content-Type":"text/plain"}}]}`)
	if got.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("batch over 20 × MaxBodyBytes: Status = %d; want 413", got.Status)
	}
}

// TestBatchJournalOverControlAPI reads the journal entries of a batch through
// the control API: each names its batch, as openapi/control.yaml describes.
func TestBatchJournalOverControlAPI(t *testing.T) {
	ts := newTestServer(t, Config{})
	got, _ := ts.batch(t, "cj", `{"requests":[{"id":"only","method":"GET","url":"/security/partner/securityAlerts?$top=1"}]}`)
	ctl := newControlClient(t, ts)
	j := ctl.call(t, http.MethodGet, "/_mock/sessions/cj/journal", "")
	var list struct {
		Value []struct {
			Batch *struct{ RequestID, ID string } `json:"batch"`
		} `json:"value"`
	}
	if err := json.Unmarshal(j.Body, &list); err != nil || len(list.Value) != 1 || list.Value[0].Batch == nil {
		t.Fatalf("journal = %s; want one entry with a batch link", j.Body)
	}
	if b := list.Value[0].Batch; b.RequestID != got.Header.Get("request-id") || b.ID != "only" {
		t.Errorf("batch link = %+v; want the batch's request-id %s and id only", b, got.Header.Get("request-id"))
	}
}
