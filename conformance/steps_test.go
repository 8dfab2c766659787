package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/partner-security/alertmock/conformance/oracle"
)

// The step-level tests feed one step a prepared response and check both of its
// outcomes: each check of the step library must be able to fail (a mutation of
// the check that always passes, or compares a value with itself, is caught
// here even where no broken server reaches it).

var (
	testSuiteOnce sync.Once
	testSuite     *Suite
	testSuiteErr  error
)

// stepSuite returns a Suite whose clock is fixed at t0; no step under test
// sends a request.
func stepSuite(tb testing.TB) *Suite {
	tb.Helper()
	testSuiteOnce.Do(func() {
		testSuite, testSuiteErr = New(context.Background(), Config{BaseURL: "http://127.0.0.1:9/beta", Now: func() time.Time { return t0 }, ClockSkew: time.Minute})
	})
	if testSuiteErr != nil {
		tb.Fatal(testSuiteErr)
	}
	return testSuite
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// ex builds an exchange answered with status, headers and a JSON body, sent
// and received at t0.
func ex(status int, headers map[string]string, body string) *exchange {
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	x := &exchange{method: "GET", url: "http://127.0.0.1:9/beta/x", status: status, header: h, body: []byte(body), sentAt: t0, receivedAt: t0}
	var v any
	if json.Unmarshal(x.body, &v) == nil {
		x.json = v
	}
	return x
}

func obj(s string) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		panic(err)
	}
	return m
}

const (
	envelope = `{"error":{"code":"BadRequest","message":"The property 'foo' does not exist.","innerError":{"date":"2026-01-02T03:04:05","request-id":"0dd686c8-6380-42ef-b98e-45b8cbf494b2","client-request-id":"c"}}}`
	rid      = "0dd686c8-6380-42ef-b98e-45b8cbf494b2"
)

func TestStepChecks(t *testing.T) {
	jsonCT := map[string]string{"Content-Type": "application/json"}
	ids := map[string]string{"Content-Type": "application/json", "request-id": rid, "client-request-id": "c"}
	alert := `{"id":"a","status":"resolved","resolvedReason":"fraud","resolvedOnDateTime":"2026-01-02T03:04:05Z","activityLogs":[{"statusFrom":"active","statusTo":"resolved","updatedBy":"u@contoso.com","updatedDateTime":"2026-01-02T03:04:05.1234567Z"}]}`
	tests := []struct {
		name string
		last *exchange
		prep func(st *scenario)
		step func(st *scenario) error
		want string // "" passes, else a substring of the error
	}{
		{name: "status as wanted", last: ex(200, nil, `{}`), step: func(st *scenario) error { return st.succeedsWith(200) }},
		{name: "status not as wanted", last: ex(201, nil, `{}`), step: func(st *scenario) error { return st.succeedsWith(200) }, want: "status = 201; want 200"},
		{name: "no request yet", step: func(st *scenario) error { return st.succeedsWith(200) }, want: "no request was sent yet"},
		{name: "status and code as wanted", last: ex(400, jsonCT, envelope), step: func(st *scenario) error { return st.failsWith(400, "BadRequest") }},
		{name: "code not as wanted", last: ex(400, jsonCT, envelope), step: func(st *scenario) error { return st.failsWith(400, "badRequest") }, want: `error code = "BadRequest"; want "badRequest"`},
		{name: "code right, status not", last: ex(404, jsonCT, envelope), step: func(st *scenario) error { return st.failsWith(400, "BadRequest") }, want: "status = 404; want 400"},
		{name: "message mentions", last: ex(400, jsonCT, envelope), step: func(st *scenario) error { return st.errorMentions("'foo'") }},
		{name: "message does not mention", last: ex(400, jsonCT, envelope), step: func(st *scenario) error { return st.errorMentions("'bar'") }, want: `want it to mention "'bar'"`},

		{name: "refused with 400", last: ex(400, jsonCT, envelope), step: (*scenario).refusedClientError},
		{name: "refused with 499", last: ex(499, jsonCT, envelope), step: (*scenario).refusedClientError},
		{name: "accepted is not refused", last: ex(200, jsonCT, envelope), step: (*scenario).refusedClientError, want: "status = 200; want a client error (4xx)"},
		{name: "399 is not a client error", last: ex(399, jsonCT, envelope), step: (*scenario).refusedClientError, want: "status = 399; want a client error"},
		{name: "500 is not a client error", last: ex(500, jsonCT, envelope), step: (*scenario).refusedClientError, want: "status = 500; want a client error"},
		{name: "refusal outside the envelope", last: ex(400, jsonCT, `{"code":"BadRequest","message":"m"}`), step: (*scenario).refusedClientError, want: "ODataError"},
		{name: "refusal as text", last: ex(400, map[string]string{"Content-Type": "text/plain"}, envelope), step: (*scenario).refusedClientError, want: `Content-Type = "text/plain"; want application/json`},
		{name: "401 in the envelope", last: ex(401, jsonCT, envelope), step: func(st *scenario) error { return st.failsInEnvelope(401) }},
		{name: "401 wanted, 403 got", last: ex(403, jsonCT, envelope), step: func(st *scenario) error { return st.failsInEnvelope(401) }, want: "status = 403; want 401"},
		{name: "403 of 403 or 404", last: ex(403, jsonCT, envelope), step: func(st *scenario) error { return st.failsEitherInEnvelope(403, 404) }},
		{name: "404 of 403 or 404", last: ex(404, jsonCT, envelope), step: func(st *scenario) error { return st.failsEitherInEnvelope(403, 404) }},
		{name: "401 is neither 403 nor 404", last: ex(401, jsonCT, envelope), step: func(st *scenario) error { return st.failsEitherInEnvelope(403, 404) }, want: "status = 401; want 403 or 404"},
		{name: "403 outside the envelope", last: ex(403, jsonCT, `{"message":"no"}`), step: func(st *scenario) error { return st.failsEitherInEnvelope(403, 404) }, want: "ODataError"},
		{name: "either without a request", step: func(st *scenario) error { return st.failsEitherInEnvelope(403, 404) }, want: "no request was sent yet"},
		{name: "a query answered", last: ex(200, jsonCT, `{"value":[]}`), step: (*scenario).succeedsUnlessUnsupported},
		{name: "a query refused outside the envelope", last: ex(400, jsonCT, `{"message":"no"}`), step: (*scenario).succeedsUnlessUnsupported, want: "status = 400; want 200"},
		{name: "a query failing otherwise", last: ex(500, jsonCT, envelope), step: (*scenario).succeedsUnlessUnsupported, want: "status = 500; want 200"},
		{name: "no claims challenge", last: ex(401, map[string]string{"WWW-Authenticate": `Bearer realm=""`}, envelope), step: (*scenario).noClaimsChallenge},
		{name: "claims challenge", last: ex(401, map[string]string{"WWW-Authenticate": `Bearer error="insufficient_claims", claims="e30="`}, envelope), step: (*scenario).noClaimsChallenge, want: "want no claims challenge"},

		{name: "annotation ends with", last: ex(200, nil, `{"@odata.context":"http://h/beta/$metadata#security/partner/securityAlerts/$entity"}`), step: func(st *scenario) error { return st.annotationEndsWith("@odata.context", "securityAlerts/$entity") }},
		{name: "annotation ends otherwise", last: ex(200, nil, `{"@odata.context":"http://h/beta/$metadata#security/partner/securityAlerts"}`), step: func(st *scenario) error { return st.annotationEndsWith("@odata.context", "securityAlerts/$entity") }, want: `want it to end with "securityAlerts/$entity"`},
		{name: "annotation of no object", last: ex(200, nil, `[]`), step: func(st *scenario) error { return st.annotationEndsWith("@odata.context", "x") }, want: "is not a JSON object"},
		{name: "property as wanted", last: ex(200, nil, alert), step: func(st *scenario) error { return st.alertPropertyIs("status", `"resolved"`) }},
		{name: "property not as wanted", last: ex(200, nil, alert), step: func(st *scenario) error { return st.alertPropertyIs("status", `"active"`) }, want: `the alert's "status" = "resolved"; want "active"`},
		{name: "property absent", last: ex(200, nil, alert), step: func(st *scenario) error { return st.alertPropertyIs("resolvedBy", `null`) }, want: `the alert has no "resolvedBy"`},
		{name: "not an alert: 404", last: ex(404, nil, envelope), step: func(st *scenario) error { return st.alertPropertyIs("status", `"resolved"`) }, want: "is 404, not an alert"},

		{name: "time of the update", last: ex(200, nil, alert), prep: updated(t0), step: func(st *scenario) error { return st.alertPropertyIsUpdateTime("resolvedOnDateTime") }},
		{name: "time at the edge of the skew", last: ex(200, nil, alert), prep: updated(t0.Add(time.Minute)), step: func(st *scenario) error { return st.alertPropertyIsUpdateTime("resolvedOnDateTime") }},
		{name: "time before the update", last: ex(200, nil, alert), prep: updated(t0.Add(time.Minute + time.Second)), step: func(st *scenario) error { return st.alertPropertyIsUpdateTime("resolvedOnDateTime") }, want: "want a time between"},
		{name: "time after the update", last: ex(200, nil, alert), prep: updated(t0.Add(-time.Minute - time.Second)), step: func(st *scenario) error { return st.alertPropertyIsUpdateTime("resolvedOnDateTime") }, want: "want a time between"},
		{name: "time not UTC", last: ex(200, nil, `{"resolvedOnDateTime":"2026-01-02T05:04:05+02:00"}`), prep: updated(t0), step: func(st *scenario) error { return st.alertPropertyIsUpdateTime("resolvedOnDateTime") }, want: "want UTC (ending in Z, or +00:00)"},
		{name: "time not a time", last: ex(200, nil, `{"resolvedOnDateTime":"yesterday"}`), prep: updated(t0), step: func(st *scenario) error { return st.alertPropertyIsUpdateTime("resolvedOnDateTime") }, want: "want an RFC 3339 date-time"},
		{name: "time null", last: ex(200, nil, `{"resolvedOnDateTime":null}`), prep: updated(t0), step: func(st *scenario) error { return st.alertPropertyIsUpdateTime("resolvedOnDateTime") }, want: "want the time of the update"},
		{name: "time without an update", last: ex(200, nil, alert), step: func(st *scenario) error { return st.alertPropertyIsUpdateTime("resolvedOnDateTime") }, want: "no update was sent yet"},
		{name: "newest entry at the update", last: ex(200, nil, alert), prep: updated(t0), step: (*scenario).newestEntryAtUpdate},
		{name: "newest entry long before the update", last: ex(200, nil, alert), prep: updated(t0.Add(3 * time.Hour)), step: (*scenario).newestEntryAtUpdate, want: "updatedDateTime = 2026-01-02T03:04:05.1234567Z; want a time between"},

		{name: "as remembered", last: ex(200, nil, alert), prep: remember(alert), step: func(st *scenario) error { return st.alertPropertyAsRemembered("status") }},
		{name: "not as remembered", last: ex(200, nil, alert), prep: remember(`{"status":"active"}`), step: func(st *scenario) error { return st.alertPropertyAsRemembered("status") }, want: `the alert's "status" = "resolved"; want "active" as remembered`},
		{name: "the one remembered", last: ex(200, nil, alert), prep: remember(alert), step: (*scenario).alertIsRemembered},
		{name: "not the one remembered", last: ex(200, nil, alert), prep: remember(strings.Replace(alert, "fraud", "ignore", 1)), step: (*scenario).alertIsRemembered, want: `"resolvedReason" = "fraud"; want "ignore"`},
		{name: "only the properties", last: ex(200, nil, `{"@odata.context":"c","id":"a","status":"active"}`), step: func(st *scenario) error { return st.alertHasOnly("status,id") }},
		{name: "more than the properties", last: ex(200, nil, `{"id":"a","status":"active","severity":"high"}`), step: func(st *scenario) error { return st.alertHasOnly("id,status") }, want: "has the properties id,severity,status; want exactly id,status"},
		{name: "rest unchanged", last: ex(200, nil, alert), prep: baseline(`{"id":"a","status":"active","resolvedReason":null,"activityLogs":[]}`), step: (*scenario).alertRestUnchanged},
		{name: "rest changed", last: ex(200, nil, alert), prep: baseline(`{"id":"b","status":"active"}`), step: (*scenario).alertRestUnchanged, want: `"id" = "a"; want "b"`},

		{name: "one new entry", last: ex(200, nil, alert), prep: baseline(`{"status":"active","activityLogs":[]}`), step: func(st *scenario) error { return st.activityLogNew(1) }},
		{name: "too few new entries", last: ex(200, nil, alert), prep: baseline(`{"status":"active","activityLogs":[]}`), step: func(st *scenario) error { return st.activityLogNew(2) }, want: "has 1 new entries"},
		{name: "too many new entries", last: ex(200, nil, alert), prep: baseline(`{"status":"active","activityLogs":[]}`), step: func(st *scenario) error { return st.activityLogNew(0) }, want: "has 1 new entries"},
		{name: "earlier entries changed", last: ex(200, nil, alert), prep: baseline(`{"status":"active","activityLogs":[{"statusFrom":"resolved","statusTo":"active"}]}`), step: func(st *scenario) error { return st.activityLogNew(0) }, want: "the earlier activity log entries changed"},
		{name: "newest entry records the change", last: ex(200, nil, alert), step: func(st *scenario) error { return st.newestEntryChange("active", "resolved") }},
		{name: "newest entry records another change", last: ex(200, nil, alert), step: func(st *scenario) error { return st.newestEntryChange("active", "investigating") }, want: `want statusFrom "active", statusTo "investigating"`},
		{name: "newest entry from another status", last: ex(200, nil, alert), step: func(st *scenario) error { return st.newestEntryChange("investigating", "resolved") }, want: `want statusFrom "investigating"`},
		{name: "newest entry by", last: ex(200, nil, alert), step: func(st *scenario) error { return st.newestEntryBy("u@contoso.com") }},
		{name: "newest entry by another", last: ex(200, nil, alert), step: func(st *scenario) error { return st.newestEntryBy("v@contoso.com") }, want: `updatedBy = "u@contoso.com"; want "v@contoso.com"`},
		{name: "no entry", last: ex(200, nil, `{"activityLogs":[]}`), step: func(st *scenario) error { return st.newestEntryBy("u@contoso.com") }, want: "the alert's activity log is empty"},

		{name: "chain from the earlier status", last: ex(200, nil, alert), prep: baseline(`{"status":"active","activityLogs":[]}`), step: (*scenario).activityLogChain},
		{name: "chain from another status", last: ex(200, nil, alert), prep: baseline(`{"status":"investigating","activityLogs":[]}`), step: (*scenario).activityLogChain, want: `want statusFrom "investigating"`},
		{name: "chain not ending at the status", last: ex(200, nil, strings.Replace(alert, `"status":"resolved"`, `"status":"active"`, 1)), prep: baseline(`{"status":"active","activityLogs":[]}`), step: (*scenario).activityLogChain, want: `end at status "resolved"; want the alert's status "active"`},
		{name: "change not logged", last: ex(200, nil, `{"status":"resolved","activityLogs":[]}`), prep: baseline(`{"status":"active","activityLogs":[]}`), step: (*scenario).activityLogChain, want: `end at status "active"; want the alert's status "resolved"`},
		{name: "change logged twice", last: ex(200, nil, `{"status":"resolved","activityLogs":[{"statusFrom":"active","statusTo":"resolved"},{"statusFrom":"active","statusTo":"resolved"}]}`), prep: baseline(`{"status":"active","activityLogs":[]}`), step: (*scenario).activityLogChain, want: "new activity log entry 2"},
		{name: "earlier entries lost", last: ex(200, nil, `{"status":"resolved","activityLogs":[]}`), prep: baseline(`{"status":"resolved","activityLogs":[{"statusFrom":"active","statusTo":"resolved"}]}`), step: (*scenario).activityLogChain, want: "the earlier activity log entries changed"},
		{name: "entries in time order", last: ex(200, nil, `{"activityLogs":[{"updatedDateTime":"2026-01-02T03:04:05Z"},{"updatedDateTime":"2026-01-02T03:04:05Z"},{"updatedDateTime":"2026-01-02T03:04:06.5Z"}]}`), step: (*scenario).activityLogInTimeOrder},
		{name: "entries out of time order", last: ex(200, nil, `{"activityLogs":[{"updatedDateTime":"2026-01-02T03:04:06Z"},{"updatedDateTime":"2026-01-02T03:04:05Z"}]}`), step: (*scenario).activityLogInTimeOrder, want: "activity log entry 2 has updatedDateTime 2026-01-02T03:04:05Z, before entry 1's"},
		{name: "an entry without a time", last: ex(200, nil, `{"activityLogs":[{"updatedDateTime":"2026-01-02T03:04:05Z"},{"updatedDateTime":"soon"}]}`), step: (*scenario).activityLogInTimeOrder, want: `activity log entry 2 has updatedDateTime = "soon"; want an RFC 3339 date-time`},
		{name: "one entry has no order", last: ex(200, nil, alert), step: (*scenario).activityLogInTimeOrder, want: "want at least 2"},
		{name: "UTC times", last: ex(200, nil, alert), step: (*scenario).alertTimesUTC},
		{name: "a time with an offset", last: ex(200, nil, `{"activityLogs":[{"updatedDateTime":"2026-01-02T05:04:05+02:00"}]}`), step: (*scenario).alertTimesUTC, want: `the alert.activityLogs[0].updatedDateTime = "2026-01-02T05:04:05+02:00"; want UTC`},

		{name: "header is", last: ex(200, ids, `{}`), step: func(st *scenario) error { return st.headerIs("client-request-id", "c") }},
		{name: "header is not", last: ex(200, ids, `{}`), step: func(st *scenario) error { return st.headerIs("client-request-id", "d") }, want: `header client-request-id = "c"; want "d"`},
		{name: "header missing", last: ex(200, nil, `{}`), step: func(st *scenario) error { return st.headerIs("client-request-id", "c") }, want: "the response has no header client-request-id"},
		{name: "header is JSON", last: ex(200, map[string]string{"Content-Type": "application/json; charset=utf-8"}, `{}`), step: func(st *scenario) error { return st.headerIsJSON("Content-Type") }},
		{name: "header is not JSON", last: ex(200, map[string]string{"Content-Type": "application/jsonx"}, `{}`), step: func(st *scenario) error { return st.headerIsJSON("Content-Type") }, want: "want application/json"},
		{name: "header is a UUID", last: ex(200, ids, `{}`), step: func(st *scenario) error { return st.headerIsUUID("request-id") }},
		{name: "header is not a UUID", last: ex(200, ids, `{}`), step: func(st *scenario) error { return st.headerIsUUID("client-request-id") }, want: "want a UUID"},
		{name: "header is the other header", last: ex(200, map[string]string{"a": "x", "b": "x"}, `{}`), step: func(st *scenario) error { return st.headerIsHeader("a", "b") }},
		{name: "header is not the other header", last: ex(200, map[string]string{"a": "x", "b": "y"}, `{}`), step: func(st *scenario) error { return st.headerIsHeader("a", "b") }, want: `header a = "x"; want "y"`},
		{name: "header new", last: ex(200, ids, `{}`), prep: func(st *scenario) { st.rememberedHeader = "other" }, step: func(st *scenario) error { return st.headerNotRemembered("request-id") }},
		{name: "header the same again", last: ex(200, ids, `{}`), prep: func(st *scenario) { st.rememberedHeader = rid }, step: func(st *scenario) error { return st.headerNotRemembered("request-id") }, want: "again; want a new value"},
		{name: "header has the parameter", last: ex(200, map[string]string{"Content-Type": "application/json;odata.metadata=minimal"}, `{}`), step: func(st *scenario) error { return st.headerHasParameter("Content-Type", "odata.metadata=minimal") }},
		{name: "header lacks the parameter", last: ex(200, map[string]string{"Content-Type": "application/json"}, `{}`), step: func(st *scenario) error { return st.headerHasParameter("Content-Type", "odata.metadata=minimal") }, want: "want the parameter odata.metadata=minimal"},
		{name: "header lists", last: ex(405, map[string]string{"Allow": "GET, PATCH"}, `{}`), step: func(st *scenario) error { return st.headerLists("Allow", "PATCH") }},
		{name: "header does not list", last: ex(405, map[string]string{"Allow": "GET, PATCHES"}, `{}`), step: func(st *scenario) error { return st.headerLists("Allow", "PATCH") }, want: "want it to list PATCH"},
		{name: "error field is the header", last: ex(404, ids, envelope), step: func(st *scenario) error { return st.errorFieldIsHeader("innerError.request-id", "request-id") }},
		{name: "error field is not the header", last: ex(404, map[string]string{"request-id": "0dd686c8-6380-42ef-b98e-45b8cbf494b3"}, envelope), step: func(st *scenario) error { return st.errorFieldIsHeader("innerError.request-id", "request-id") }, want: `the error's "innerError.request-id" = "` + rid + `"; want "0dd686c8-6380-42ef-b98e-45b8cbf494b3"`},
		{name: "error field missing", last: ex(404, ids, `{"error":{}}`), step: func(st *scenario) error { return st.errorFieldIs("innerError.request-id", rid) }, want: `the error has no "innerError.request-id"`},
		{name: "error date is the request time", last: ex(404, ids, envelope), step: func(st *scenario) error { return st.errorFieldIsRequestTime("innerError.date") }},
		{name: "error date in the second the request started", last: ex(404, ids, envelope), prep: func(st *scenario) { st.last.sentAt = t0.Add(time.Minute + 500*time.Millisecond) }, step: func(st *scenario) error { return st.errorFieldIsRequestTime("innerError.date") }},
		{name: "error date a second before the request", last: ex(404, ids, envelope), prep: func(st *scenario) { st.last.sentAt = t0.Add(time.Minute + 1000*time.Millisecond) }, step: func(st *scenario) error { return st.errorFieldIsRequestTime("innerError.date") }, want: "want a time between"},
		{name: "error date an hour off", last: ex(404, ids, strings.Replace(envelope, "03:04:05", "04:04:05", 1)), step: func(st *scenario) error { return st.errorFieldIsRequestTime("innerError.date") }, want: "want a time between"},
		{name: "error date with a zone", last: ex(404, ids, strings.Replace(envelope, "03:04:05", "03:04:05Z", 1)), step: func(st *scenario) error { return st.errorFieldIsRequestTime("innerError.date") }, want: "want UTC without a zone"},

		// Lists and pages: a check of "every" alert fails when there is none.
		{name: "every listed alert has", last: ex(200, nil, `{"value":[{"id":"a","status":"active"}]}`), step: func(st *scenario) error { return st.everyListedHas("status", "active") }},
		{name: "a listed alert has not", last: ex(200, nil, `{"value":[{"id":"a","status":"active"},{"id":"b","status":"resolved"}]}`), step: func(st *scenario) error { return st.everyListedHas("status", "active") }, want: `value[1] (id "b") has "status" = "resolved"; want "active"`},
		{name: "every listed alert of none", last: ex(200, nil, `{"value":[]}`), step: func(st *scenario) error { return st.everyListedHas("status", "active") }, want: "no alerts are listed; want some to check"},
		{name: "no listed alert of none", last: ex(200, nil, `{"value":[]}`), step: func(st *scenario) error { return st.noListedHas("status", "resolved") }, want: "no alerts are listed"},
		{name: "one of, of none", last: ex(200, nil, `{"value":[]}`), step: func(st *scenario) error { return st.everyListedOneOf("status", "active") }, want: "no alerts are listed"},
		{name: "on or after, of none", last: ex(200, nil, `{"value":[]}`), step: func(st *scenario) error { return st.everyListedOnOrAfter("detectedDateTime", "2024-01-01T00:00:00Z") }, want: "no alerts are listed"},
		{name: "only the properties, of none", last: ex(200, nil, `{"value":[]}`), step: func(st *scenario) error { return st.everyListedHasOnly("id") }, want: "no alerts are listed"},
		{name: "ordered, of one", last: ex(200, nil, `{"value":[{"detectedDateTime":"2024-01-01T00:00:00Z"}]}`), step: func(st *scenario) error { return st.listedOrdered("detectedDateTime", "ascending") }, want: "want at least 2 to check their order"},
		{name: "ordered", last: ex(200, nil, `{"value":[{"detectedDateTime":"2024-01-01T00:00:00Z"},{"detectedDateTime":"2024-01-02T00:00:00Z"}]}`), step: func(st *scenario) error { return st.listedOrdered("detectedDateTime", "ascending") }},
		{name: "not ordered", last: ex(200, nil, `{"value":[{"detectedDateTime":"2024-01-02T00:00:00Z"},{"detectedDateTime":"2024-01-01T00:00:00Z"}]}`), step: func(st *scenario) error { return st.listedOrdered("detectedDateTime", "ascending") }, want: "want ascending order"},
		{name: "ordered as the enum, of none", last: ex(200, nil, `{"value":[]}`), step: func(st *scenario) error { return st.listedOrderedAs("severity", "high,low") }, want: "no alerts are listed"},
		{name: "every alert read has only, on empty pages", prep: pages(`{"value":[]}`, `{"value":[]}`), step: func(st *scenario) error { return st.everyAlertReadHasOnly("id") }, want: "no alerts were read on 2 pages"},
		{name: "every alert read has only", prep: pages(`{"value":[{"id":"a"}]}`, `{"value":[{"id":"b"}]}`), step: func(st *scenario) error { return st.everyAlertReadHasOnly("id") }},
		{name: "an alert read has more", prep: pages(`{"value":[{"id":"a"}]}`, `{"value":[{"id":"b","status":"active"}]}`), step: func(st *scenario) error { return st.everyAlertReadHasOnly("id") }, want: "page 2 value[0] has the properties id,status"},
		{name: "alerts read ordered, of one", prep: pages(`{"value":[{"detectedDateTime":"2024-01-01T00:00:00Z"}]}`, `{"value":[]}`), step: func(st *scenario) error { return st.alertsReadOrdered("detectedDateTime", "descending") }, want: "want at least 2 to check their order"},
		{name: "alerts read out of order across pages", prep: pages(`{"value":[{"detectedDateTime":"2024-01-01T00:00:00Z"}]}`, `{"value":[{"detectedDateTime":"2024-01-02T00:00:00Z"}]}`), step: func(st *scenario) error { return st.alertsReadOrdered("detectedDateTime", "descending") }, want: "across the 2 pages read"},
		{name: "no alert read has, on empty pages", prep: pages(`{"value":[]}`), step: func(st *scenario) error { return st.noAlertReadHas("status", "resolved") }, want: "no alerts were read"},
		{name: "no alert read has", prep: pages(`{"value":[{"id":"a","status":"active"}]}`), step: func(st *scenario) error { return st.noAlertReadHas("status", "resolved") }},
		{name: "an alert read has", prep: pages(`{"value":[{"id":"a","status":"resolved"}]}`), step: func(st *scenario) error { return st.noAlertReadHas("status", "resolved") }, want: `want no such alert`},
		{name: "no page empty", prep: pages(`{"value":[{"id":"a"}]}`, `{"value":[]}`), step: (*scenario).noPageEmpty, want: "page 2 of 2"},
		{name: "count as read", prep: pages(`{"@odata.count":2,"value":[{"id":"a"}]}`, `{"value":[{"id":"b"}]}`), step: (*scenario).pagesMatchCount},
		{name: "count not as read", prep: pages(`{"@odata.count":3,"value":[{"id":"a"}]}`, `{"value":[{"id":"b"}]}`), step: (*scenario).pagesMatchCount, want: `want the "@odata.count" of 3`},
		{name: "an alert read twice", prep: pages(`{"@odata.count":2,"value":[{"id":"a"}]}`, `{"value":[{"id":"a"}]}`), step: (*scenario).pagesMatchCount, want: `alert "a" is on page 1 and again on page 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &scenario{suite: stepSuite(t), oracle: stepSuite(t).all, models: map[string]*oracle.Model{}, last: tt.last, auth: credentials{actor: "u@contoso.com"}}
			if tt.prep != nil {
				tt.prep(st)
			}
			err := tt.step(st)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("step error = %v; want none", err)
			case tt.want != "" && err == nil:
				t.Errorf("step error = nil; want one mentioning %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("step error = %v; want it to mention %q", err, tt.want)
			}
		})
	}
}

// updated notes an update sent and answered at t.
func updated(t time.Time) func(*scenario) {
	return func(st *scenario) { st.update = &exchange{sentAt: t, receivedAt: t} }
}

// pages notes the pages of "I read every page".
func pages(bodies ...string) func(*scenario) {
	return func(st *scenario) {
		for _, b := range bodies {
			st.pages = append(st.pages, ex(200, nil, b))
		}
	}
}

func remember(alert string) func(*scenario) {
	return func(st *scenario) { st.remembered = obj(alert) }
}

func baseline(alert string) func(*scenario) {
	return func(st *scenario) { st.baseline = obj(alert) }
}

// TestUTCDateTimes checks the walk over a whole alert.
func TestUTCDateTimes(t *testing.T) {
	tests := []struct {
		v    string
		want string
	}{
		{`{"a":"2026-01-02T03:04:05Z","b":["2026-01-02T03:04:05.1234567Z"],"c":"not a time","@odata.context":"2026-01-02T03:04:05+01:00"}`, ""},
		{`{"a":"2026-01-02T03:04:05-00:00"}`, "want UTC, ending in Z (or +00:00)"},
		{`{"a":"2026-01-02T03:04:05.1234567+00:00"}`, ""},
		{`{"a":{"b":["2026-01-02T03:04:05+01:00"]}}`, `x.a.b[0] = "2026-01-02T03:04:05+01:00"`},
		{`{"a":"2026-01-02T03:04"}`, "want an RFC 3339 date-time"},
	}
	for _, tt := range tests {
		var v any
		if err := json.Unmarshal([]byte(tt.v), &v); err != nil {
			t.Fatal(err)
		}
		err := utcDateTimes("x", v)
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("utcDateTimes(%s) = %v; want %q", tt.v, err, tt.want)
		}
	}
}

// TestConditions checks the null semantics of the whole-list conditions.
func TestConditions(t *testing.T) {
	tests := []struct {
		cond  string
		alert string
		want  bool
	}{
		{`"r" is "fraud"`, `{"r":"fraud"}`, true},
		{`"r" is "fraud"`, `{"r":null}`, false},
		{`"r" is not "fraud"`, `{"r":null}`, true},
		{`"r" is not "fraud"`, `{}`, true},
		{`"r" is not "fraud"`, `{"r":"fraud"}`, false},
		{`"r" is null`, `{"r":null}`, true},
		{`"r" is null`, `{"r":"x"}`, false},
		{`"r" is not null`, `{"r":"x"}`, true},
		{`"r" is not null`, `{"r":null}`, false},
		{`"t" is before "2024-01-01T00:00:00Z"`, `{"t":null}`, false},
		{`"t" is before "2024-01-01T00:00:00Z"`, `{"t":"2023-12-31T23:59:59Z"}`, true},
		{`"t" is before "2024-01-01T00:00:00Z"`, `{"t":"2024-01-01T00:00:00Z"}`, false},
		{`"t" is on or after "2024-01-01T00:00:00Z"`, `{"t":"2024-01-01T00:00:00Z"}`, true},
		{`"t" is on or after "2024-01-01T00:00:00Z"`, `{"t":null}`, false},
		{`"s" is one of "a,b"`, `{"s":"b"}`, true},
		{`"s" is one of "a,b"`, `{"s":"c"}`, false},
	}
	for _, tt := range tests {
		conds, err := parseConditions(tt.cond)
		if err != nil || len(conds) != 1 {
			t.Fatalf("parseConditions(%q) = %v, %v", tt.cond, conds, err)
		}
		if got := conds[0].holds(obj(tt.alert)); got != tt.want {
			t.Errorf("%s holds for %s = %v; want %v", tt.cond, tt.alert, got, tt.want)
		}
	}
	if _, err := parseConditions(`"t" is before "yesterday"`); err == nil {
		t.Error(`parseConditions("t" is before "yesterday") = nil error; want one`)
	}
}

// TestUnsupportedQuerySkips checks that a query refused with a 400 in the
// envelope skips the rest of its scenario rather than passing or failing it.
func TestUnsupportedQuerySkips(t *testing.T) {
	st := &scenario{suite: stepSuite(t), oracle: stepSuite(t).all, models: map[string]*oracle.Model{}, last: ex(400, map[string]string{"Content-Type": "application/json"}, envelope)}
	if err := st.succeedsUnlessUnsupported(); !errors.Is(err, godog.ErrSkip) || !strings.Contains(err.Error(), "refused as unsupported (400)") {
		t.Errorf("step error = %v; want godog.ErrSkip saying the query was refused as unsupported", err)
	}
}
