package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// --- outcome ---

func (st *scenario) succeedsWith(status int) error {
	if st.last == nil {
		return errors.New("no request was sent yet")
	}
	if st.last.status != status {
		return fmt.Errorf("%s %s: status = %d; want %d (body %s)", st.last.method, st.last.url, st.last.status, status, excerpt(st.last.body))
	}
	return nil
}

func (st *scenario) failsWith(status int, code string) error {
	if err := st.succeedsWith(status); err != nil {
		return err
	}
	obj, err := st.lastObject()
	if err != nil {
		return err
	}
	got, _ := lookup(obj, "error.code")
	if got != code {
		return fmt.Errorf("%s %s: error code = %s; want %q (body %s)", st.last.method, st.last.url, show(got), code, excerpt(st.last.body))
	}
	return nil
}

func (st *scenario) errorMentions(text string) error {
	obj, err := st.lastObject()
	if err != nil {
		return err
	}
	msg, _ := lookup(obj, "error.message")
	s, ok := msg.(string)
	if !ok || !strings.Contains(s, text) {
		return fmt.Errorf("error message = %s; want it to mention %q", show(msg), text)
	}
	return nil
}

func (st *scenario) responseIsValid(schema string) error {
	if st.last == nil {
		return errors.New("no request was sent yet")
	}
	if err := st.suite.contract.Validate(schema, st.last.body); err != nil {
		return fmt.Errorf("%s %s: %w", st.last.method, st.last.url, err)
	}
	return nil
}

// annotationEndsWith checks an annotation such as @odata.context from the given
// suffix on (the part before "$metadata#" names the host, which differs).
func (st *scenario) annotationEndsWith(name, suffix string) error {
	obj, err := st.lastObject()
	if err != nil {
		return err
	}
	got, _ := obj[name].(string)
	if !strings.HasSuffix(got, suffix) {
		return fmt.Errorf("%q = %s; want it to end with %q", name, show(obj[name]), suffix)
	}
	return nil
}

// --- the alert in the response ---

func (st *scenario) alertPropertyIs(name, literal string) error {
	alert, err := st.lastAlert()
	if err != nil {
		return err
	}
	var want any
	if err := json.Unmarshal([]byte(literal), &want); err != nil {
		return fmt.Errorf("step value %s is not JSON: %w", literal, err)
	}
	got, present := alert[name]
	if !present {
		return fmt.Errorf("the alert has no %q; want %s (alert %s)", name, literal, excerpt(st.last.body))
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("the alert's %q = %s; want %s", name, show(got), literal)
	}
	return nil
}

func (st *scenario) alertPropertyIsAlertID(name string) error {
	return st.alertPropertyIs(name, show(st.alertID))
}

func (st *scenario) alertPropertyIsActor(name string) error {
	if st.auth.actor == "" {
		return errors.New("the signed-in user is unknown: the configured token is not a JWT with upn, unique_name, preferred_username or appid")
	}
	return st.alertPropertyIs(name, show(st.auth.actor))
}

func (st *scenario) alertPropertyIsUpdateTime(name string) error {
	alert, err := st.lastAlert()
	if err != nil {
		return err
	}
	return st.isUpdateTime(fmt.Sprintf("the alert's %q", name), alert[name])
}

// isUpdateTime checks that v is an RFC 3339 UTC time within the latest update's
// round trip (widened by the allowed clock skew).
func (st *scenario) isUpdateTime(what string, v any) error {
	if st.update == nil {
		return errors.New("no update was sent yet")
	}
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("%s = %s; want the time of the update", what, show(v))
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("%s = %q; want an RFC 3339 date-time: %v", what, s, err)
	}
	if !strings.HasSuffix(s, "Z") {
		return fmt.Errorf("%s = %q; want UTC (ending in Z)", what, s)
	}
	return st.within(what, t, st.update)
}

// within checks that t falls within the exchange's round trip, widened by the
// allowed clock skew.
func (st *scenario) within(what string, t time.Time, x *exchange) error {
	skew := st.suite.cfg.ClockSkew
	from, to := x.sentAt.Add(-skew), x.receivedAt.Add(skew)
	if t.Before(from) || t.After(to) {
		return fmt.Errorf("%s = %s; want a time between %s and %s (the request ± %s)", what, t.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), skew)
	}
	return nil
}

func (st *scenario) alertPropertyAsRemembered(name string) error {
	if st.remembered == nil {
		return errors.New("no alert was remembered")
	}
	alert, err := st.lastAlert()
	if err != nil {
		return err
	}
	if got, want := alert[name], st.remembered[name]; !reflect.DeepEqual(got, want) {
		return fmt.Errorf("the alert's %q = %s; want %s as remembered", name, show(got), show(want))
	}
	return nil
}

func (st *scenario) alertHasOnly(props string) error {
	alert, err := st.lastAlert()
	if err != nil {
		return err
	}
	return hasOnly("the alert", alert, props)
}

// hasOnly checks that obj has exactly the listed properties, besides OData
// annotations.
func hasOnly(what string, obj map[string]any, props string) error {
	want := strings.Split(props, ",")
	var got []string
	for k := range obj {
		if !strings.HasPrefix(k, "@odata.") {
			got = append(got, k)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("%s has the properties %s; want exactly %s", what, strings.Join(got, ","), strings.Join(want, ","))
	}
	return nil
}

func (st *scenario) alertIsRemembered() error {
	if st.remembered == nil {
		return errors.New("no alert was remembered")
	}
	alert, err := st.lastAlert()
	if err != nil {
		return err
	}
	return sameAlert(alert, st.remembered, "as remembered")
}

// alertUnchanged reads the alert (with the default credentials) and compares it
// with the baseline.
func (st *scenario) alertUnchanged(ctx context.Context) error {
	if st.baseline == nil {
		return errors.New("no alert was noted before (use: the alert is \"…\")")
	}
	alert, err := st.setup(ctx, request{method: http.MethodGet, target: alertPath(st.alertID)})
	if err != nil {
		return err
	}
	return sameAlert(alert, st.baseline, "before the refused request")
}

// sameAlert compares two alerts property by property, OData annotations aside.
func sameAlert(got, want map[string]any, as string) error {
	var diffs []string
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	for _, k := range sortedKeys(keys) {
		if strings.HasPrefix(k, "@odata.") {
			continue
		}
		if !reflect.DeepEqual(got[k], want[k]) {
			diffs = append(diffs, fmt.Sprintf("%q = %s; want %s", k, show(got[k]), show(want[k])))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("the alert differs from the alert %s: %s", as, strings.Join(diffs, "; "))
	}
	return nil
}

// --- the activity log ---

// activityLog returns the activityLogs of an alert (null counts as empty).
func activityLog(alert map[string]any) ([]map[string]any, error) {
	raw, present := alert["activityLogs"]
	if !present || raw == nil {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("activityLogs = %s; want an array", show(raw))
	}
	out := make([]map[string]any, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("activityLogs[%d] = %s; want an object", i, show(e))
		}
		out = append(out, m)
	}
	return out, nil
}

func (st *scenario) activityLogNew(n int) error {
	if st.baseline == nil {
		return errors.New("no alert was noted before (use: the alert is \"…\")")
	}
	alert, err := st.lastAlert()
	if err != nil {
		return err
	}
	before, err := activityLog(st.baseline)
	if err != nil {
		return err
	}
	after, err := activityLog(alert)
	if err != nil {
		return err
	}
	if got := len(after) - len(before); got != n {
		return fmt.Errorf("the activity log has %d new entries (%d before, %d now: %s); want %d", got, len(before), len(after), show(after), n)
	}
	if len(before) > 0 && !reflect.DeepEqual(after[:len(before)], before) {
		return fmt.Errorf("the earlier activity log entries changed: now %s; were %s", show(after[:len(before)]), show(before))
	}
	return nil
}

// newestEntry returns the last activity log entry of the latest alert.
func (st *scenario) newestEntry() (map[string]any, error) {
	alert, err := st.lastAlert()
	if err != nil {
		return nil, err
	}
	log, err := activityLog(alert)
	if err != nil {
		return nil, err
	}
	if len(log) == 0 {
		return nil, errors.New("the alert's activity log is empty; want an entry")
	}
	return log[len(log)-1], nil
}

func (st *scenario) newestEntryChange(from, to string) error {
	e, err := st.newestEntry()
	if err != nil {
		return err
	}
	if e["statusFrom"] != from || e["statusTo"] != to {
		return fmt.Errorf("the newest activity log entry is %s; want statusFrom %q, statusTo %q", show(e), from, to)
	}
	return nil
}

func (st *scenario) newestEntryByActor() error {
	if st.auth.actor == "" {
		return errors.New("the signed-in user is unknown: the configured token is not a JWT with upn, unique_name, preferred_username or appid")
	}
	return st.newestEntryBy(st.auth.actor)
}

func (st *scenario) newestEntryBy(who string) error {
	e, err := st.newestEntry()
	if err != nil {
		return err
	}
	if e["updatedBy"] != who {
		return fmt.Errorf("the newest activity log entry's updatedBy = %s; want %q", show(e["updatedBy"]), who)
	}
	return nil
}

func (st *scenario) newestEntryAtUpdate() error {
	e, err := st.newestEntry()
	if err != nil {
		return err
	}
	return st.isUpdateTime("the newest activity log entry's updatedDateTime", e["updatedDateTime"])
}

// --- lists and pages ---

// listedAlerts returns the alerts of the latest list response.
func (st *scenario) listedAlerts() ([]map[string]any, error) {
	value, err := st.lastValue()
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(value))
	for i, v := range value {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("value[%d] = %s; want an alert object", i, show(v))
		}
		out = append(out, m)
	}
	return out, nil
}

func (st *scenario) everyListedHas(name, want string) error {
	alerts, err := st.listedAlerts()
	if err != nil {
		return err
	}
	for i, a := range alerts {
		if a[name] != want {
			return fmt.Errorf("value[%d] (id %s) has %q = %s; want %q", i, show(a["id"]), name, show(a[name]), want)
		}
	}
	return nil
}

func (st *scenario) everyListedHasOnly(props string) error {
	alerts, err := st.listedAlerts()
	if err != nil {
		return err
	}
	if len(alerts) == 0 {
		return errors.New("no alerts are listed; want some to check")
	}
	for i, a := range alerts {
		if err := hasOnly(fmt.Sprintf("value[%d]", i), a, props); err != nil {
			return err
		}
	}
	return nil
}

func (st *scenario) noListedHas(name, value string) error {
	alerts, err := st.listedAlerts()
	if err != nil {
		return err
	}
	for i, a := range alerts {
		if a[name] == value {
			return fmt.Errorf("value[%d] (id %s) has %q = %q; want no such alert", i, show(a["id"]), name, value)
		}
	}
	return nil
}

func (st *scenario) everyListedOneOf(name, values string) error {
	alerts, err := st.listedAlerts()
	if err != nil {
		return err
	}
	allowed := strings.Split(values, ",")
	for i, a := range alerts {
		if s, _ := a[name].(string); !slices.Contains(allowed, s) {
			return fmt.Errorf("value[%d] (id %s) has %q = %s; want one of %s", i, show(a["id"]), name, show(a[name]), values)
		}
	}
	return nil
}

func (st *scenario) everyListedOnOrAfter(name, since string) error {
	t0, err := time.Parse(time.RFC3339Nano, since)
	if err != nil {
		return fmt.Errorf("step value %q is not a date-time: %w", since, err)
	}
	alerts, err := st.listedAlerts()
	if err != nil {
		return err
	}
	for i, a := range alerts {
		s, _ := a[name].(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || t.Before(t0) {
			return fmt.Errorf("value[%d] (id %s) has %q = %s; want a date-time on or after %s", i, show(a["id"]), name, show(a[name]), since)
		}
	}
	return nil
}

// listedOrderedAs checks that the listed alerts are ordered by a property whose
// values rank in the given order (an enum's member order).
func (st *scenario) listedOrderedAs(name, order string) error {
	alerts, err := st.listedAlerts()
	if err != nil {
		return err
	}
	rank := strings.Split(order, ",")
	prev := -1
	for i, a := range alerts {
		s, _ := a[name].(string)
		r := slices.Index(rank, s)
		if r < 0 {
			return fmt.Errorf("value[%d] has %q = %s; want one of %s", i, name, show(a[name]), order)
		}
		if r < prev {
			return fmt.Errorf("value[%d] has %q = %q after %q; want the order %s", i, name, s, rank[prev], order)
		}
		prev = r
	}
	return nil
}

func (st *scenario) everyPageSameCount() error {
	if len(st.pages) == 0 {
		return errors.New("no pages were read")
	}
	first, _ := st.pages[0].json.(map[string]any)
	for i, p := range st.pages[1:] {
		obj, _ := p.json.(map[string]any)
		if !reflect.DeepEqual(obj["@odata.count"], first["@odata.count"]) {
			return fmt.Errorf("page %d has \"@odata.count\" = %s; want %s as on page 1", i+2, show(obj["@odata.count"]), show(first["@odata.count"]))
		}
	}
	return nil
}

func (st *scenario) countAtLeastListed() error {
	obj, err := st.lastObject()
	if err != nil {
		return err
	}
	alerts, err := st.listedAlerts()
	if err != nil {
		return err
	}
	count, ok := obj["@odata.count"].(float64)
	if !ok {
		return fmt.Errorf("\"@odata.count\" = %s; want a number", show(obj["@odata.count"]))
	}
	if int(count) < len(alerts) {
		return fmt.Errorf("\"@odata.count\" = %d; want at least the %d alerts listed", int(count), len(alerts))
	}
	return nil
}

func (st *scenario) nListed(n int) error {
	alerts, err := st.listedAlerts()
	if err != nil {
		return err
	}
	if len(alerts) != n {
		return fmt.Errorf("%d alerts are listed; want %d", len(alerts), n)
	}
	return nil
}

// sameOrigin checks that a next link is absolute and on the base URL's scheme
// and host (client libraries drop the token on another host).
func (st *scenario) sameOrigin(link string) error {
	u, err := url.Parse(link)
	if err != nil || !u.IsAbs() {
		return fmt.Errorf("\"@odata.nextLink\" = %q; want an absolute URL", link)
	}
	base := st.suite.base
	if u.Scheme != base.Scheme || u.Host != base.Host {
		return fmt.Errorf("\"@odata.nextLink\" = %q; want it on %s://%s, where the request went", link, base.Scheme, base.Host)
	}
	return nil
}

// keeps checks that a next link keeps every option of the readable query.
func (st *scenario) keeps(obj map[string]any, query string) error {
	next, present := obj["@odata.nextLink"]
	if !present {
		return errors.New("there is no \"@odata.nextLink\"; want one")
	}
	link, ok := next.(string)
	if !ok {
		return fmt.Errorf("\"@odata.nextLink\" = %s; want a URL", show(next))
	}
	if err := st.sameOrigin(link); err != nil {
		return err
	}
	u, _ := url.Parse(link)
	got := u.Query()
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if vals, ok := got[k]; !ok || len(vals) != 1 || vals[0] != v {
			return fmt.Errorf("\"@odata.nextLink\" = %q; want it to keep %s=%s", link, k, v)
		}
	}
	return nil
}

func (st *scenario) nextLinkKeeps(query string) error {
	obj, err := st.lastObject()
	if err != nil {
		return err
	}
	return st.keeps(obj, query)
}

func (st *scenario) noNextLink() error {
	obj, err := st.lastObject()
	if err != nil {
		return err
	}
	if v, present := obj["@odata.nextLink"]; present {
		return fmt.Errorf("\"@odata.nextLink\" = %s; want none (absent, not null)", show(v))
	}
	return nil
}

func (st *scenario) everyPageValid(schema string) error {
	if len(st.pages) == 0 {
		return errors.New("no pages were read")
	}
	for i, p := range st.pages {
		if err := st.suite.contract.Validate(schema, p.body); err != nil {
			return fmt.Errorf("page %d (%s): %w", i+1, p.url, err)
		}
	}
	return nil
}

func (st *scenario) everyPageButLastKeeps(query string) error {
	if len(st.pages) < 2 {
		return fmt.Errorf("%d page(s) were read; want at least 2 to check the next links", len(st.pages))
	}
	for i, p := range st.pages[:len(st.pages)-1] {
		obj, _ := p.json.(map[string]any)
		if err := st.keeps(obj, query); err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
	}
	return nil
}

func (st *scenario) lastPageNoNextLink() error {
	if len(st.pages) == 0 {
		return errors.New("no pages were read")
	}
	obj, _ := st.pages[len(st.pages)-1].json.(map[string]any)
	if v, present := obj["@odata.nextLink"]; present {
		return fmt.Errorf("the last page has \"@odata.nextLink\" = %s; want none (absent, not null)", show(v))
	}
	return nil
}

func (st *scenario) pagesMatchCount() error {
	if len(st.pages) == 0 {
		return errors.New("no pages were read")
	}
	first, _ := st.pages[0].json.(map[string]any)
	count, ok := first["@odata.count"].(float64)
	if !ok {
		return fmt.Errorf("the first page's \"@odata.count\" = %s; want a number", show(first["@odata.count"]))
	}
	seen := map[string]int{}
	total := 0
	for i, p := range st.pages {
		obj, _ := p.json.(map[string]any)
		value, _ := obj["value"].([]any)
		for _, v := range value {
			a, _ := v.(map[string]any)
			id, _ := a["id"].(string)
			if prev, dup := seen[id]; dup {
				return fmt.Errorf("alert %q is on page %d and again on page %d", id, prev, i+1)
			}
			seen[id] = i + 1
			total++
		}
	}
	if total != int(count) {
		return fmt.Errorf("%d alerts were read on %d pages; want the \"@odata.count\" of %d", total, len(st.pages), int(count))
	}
	return nil
}

func (st *scenario) listedOrdered(name, direction string) error {
	alerts, err := st.listedAlerts()
	if err != nil {
		return err
	}
	var prev time.Time
	for i, a := range alerts {
		s, _ := a[name].(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("value[%d] has %q = %s; want a date-time", i, name, show(a[name]))
		}
		if i > 0 && ((direction == "ascending" && t.Before(prev)) || (direction == "descending" && t.After(prev))) {
			return fmt.Errorf("value[%d] has %q = %s after %s; want %s order", i, name, s, prev.Format(time.RFC3339Nano), direction)
		}
		prev = t
	}
	return nil
}

// --- headers and the error envelope ---

// header returns a response header of the latest response, which must be there.
func (st *scenario) header(name string) (string, error) {
	if st.last == nil {
		return "", errors.New("no request was sent yet")
	}
	vals, ok := st.last.header[http.CanonicalHeaderKey(name)]
	if !ok || len(vals) == 0 {
		return "", fmt.Errorf("the response has no header %s", name)
	}
	return vals[0], nil
}

func (st *scenario) hasHeader(name string) error {
	_, err := st.header(name)
	return err
}

func (st *scenario) headerIsJSON(name string) error {
	v, err := st.header(name)
	if err != nil {
		return err
	}
	mt, _, err := mime.ParseMediaType(v)
	if err != nil || mt != "application/json" {
		return fmt.Errorf("header %s = %q; want application/json", name, v)
	}
	return nil
}

func (st *scenario) headerIs(name, want string) error {
	v, err := st.header(name)
	if err != nil {
		return err
	}
	if v != want {
		return fmt.Errorf("header %s = %q; want %q", name, v, want)
	}
	return nil
}

func (st *scenario) headerIsUUID(name string) error {
	v, err := st.header(name)
	if err != nil {
		return err
	}
	if !uuidPattern.MatchString(v) {
		return fmt.Errorf("header %s = %q; want a UUID", name, v)
	}
	return nil
}

func (st *scenario) headerIsHeader(name, other string) error {
	want, err := st.header(other)
	if err != nil {
		return err
	}
	return st.headerIs(name, want)
}

func (st *scenario) headerNotRemembered(name string) error {
	v, err := st.header(name)
	if err != nil {
		return err
	}
	if v == st.rememberedHeader {
		return fmt.Errorf("header %s = %q again; want a new value", name, v)
	}
	return nil
}

func (st *scenario) headerHasParameter(name, param string) error {
	v, err := st.header(name)
	if err != nil {
		return err
	}
	_, params, err := mime.ParseMediaType(v)
	k, want, _ := strings.Cut(param, "=")
	if err != nil || !strings.EqualFold(params[strings.ToLower(k)], want) {
		return fmt.Errorf("header %s = %q; want the parameter %s", name, v, param)
	}
	return nil
}

func (st *scenario) headerLists(name, want string) error {
	v, err := st.header(name)
	if err != nil {
		return err
	}
	for _, item := range strings.Split(v, ",") {
		if strings.TrimSpace(item) == want {
			return nil
		}
	}
	return fmt.Errorf("header %s = %q; want it to list %s", name, v, want)
}

// errorField returns a member of the error envelope's "error" object.
func (st *scenario) errorField(path string) (any, error) {
	obj, err := st.lastObject()
	if err != nil {
		return nil, err
	}
	v, ok := lookup(obj, "error."+path)
	if !ok {
		return nil, fmt.Errorf("the error has no %q: %s", path, excerpt(st.last.body))
	}
	return v, nil
}

func (st *scenario) errorFieldIsHeader(path, name string) error {
	want, err := st.header(name)
	if err != nil {
		return err
	}
	return st.errorFieldIs(path, want)
}

func (st *scenario) errorFieldIs(path, want string) error {
	v, err := st.errorField(path)
	if err != nil {
		return err
	}
	if v != want {
		return fmt.Errorf("the error's %q = %s; want %q", path, show(v), want)
	}
	return nil
}

// graphDate is the layout of innerError.date: UTC without a zone designator.
const graphDate = "2006-01-02T15:04:05"

func (st *scenario) errorFieldIsRequestTime(path string) error {
	v, err := st.errorField(path)
	if err != nil {
		return err
	}
	s, _ := v.(string)
	t, err := time.Parse(graphDate, s)
	if err != nil {
		return fmt.Errorf("the error's %q = %s; want UTC without a zone, like %q", path, show(v), graphDate)
	}
	// The date has whole seconds: allow the second the request started in.
	return st.within(fmt.Sprintf("the error's %q", path), t.Add(999*time.Millisecond), st.last)
}
