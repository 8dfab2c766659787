package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"
)

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
	alerts, err := st.listedNonEmpty()
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
	alerts, err := st.listedNonEmpty()
	if err != nil {
		return err
	}
	for i, a := range alerts {
		if err := hasOnly(fmt.Sprintf("value[%d]", i), a, props); err != nil {
			return err
		}
	}
	return nil
}

func (st *scenario) noListedHas(name, value string) error {
	alerts, err := st.listedNonEmpty()
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
	alerts, err := st.listedNonEmpty()
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
	alerts, err := st.listedNonEmpty()
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
	alerts, err := st.listedNonEmpty()
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

// keeps checks that a next link keeps every option of the readable query, with
// or without its "$" (Graph beta takes both, and the request may have been
// sent either way).
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
		vals, ok := got[k]
		if alt := strings.TrimPrefix(k, "$"); !ok && alt != k {
			vals, ok = got[alt]
		}
		if !ok || len(vals) != 1 || vals[0] != v {
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
		if err := st.oracle.Validate(schema, p.body); err != nil {
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
	alerts, err := st.listedNonEmpty()
	if err != nil {
		return err
	}
	if len(alerts) < 2 {
		return fmt.Errorf("%d alert is listed; want at least 2 to check their order", len(alerts))
	}
	return orderedBy(alerts, name, direction)
}

// alertsRead returns the alerts of every page read, in order.
func (st *scenario) alertsRead() ([]map[string]any, error) {
	if len(st.pages) == 0 {
		return nil, errors.New("no pages were read")
	}
	var out []map[string]any
	for _, p := range st.pages {
		obj, _ := p.json.(map[string]any)
		value, _ := obj["value"].([]any)
		for _, v := range value {
			a, _ := v.(map[string]any)
			out = append(out, a)
		}
	}
	return out, nil
}

// alertsReadOrdered checks the order across pages: a next page link that drops
// $orderby gives pages each in order but not together.
func (st *scenario) alertsReadOrdered(name, direction string) error {
	alerts, err := st.alertsRead()
	if err != nil {
		return err
	}
	if len(alerts) < 2 {
		return fmt.Errorf("%d alerts were read on %d pages; want at least 2 to check their order", len(alerts), len(st.pages))
	}
	if err := orderedBy(alerts, name, direction); err != nil {
		return fmt.Errorf("across the %d pages read: %w", len(st.pages), err)
	}
	return nil
}

func (st *scenario) everyAlertReadHasOnly(props string) error {
	alerts, err := st.alertsRead()
	if err != nil {
		return err
	}
	if len(alerts) == 0 {
		return fmt.Errorf("no alerts were read on %d pages; want some to check", len(st.pages))
	}
	for i, p := range st.pages {
		obj, _ := p.json.(map[string]any)
		value, _ := obj["value"].([]any)
		for j, v := range value {
			a, _ := v.(map[string]any)
			if err := hasOnly(fmt.Sprintf("page %d value[%d]", i+1, j), a, props); err != nil {
				return err
			}
		}
	}
	return nil
}

// noPageEmpty checks that the pages read hold alerts: a next page link on a
// full last page leads to an empty page.
func (st *scenario) noPageEmpty() error {
	if len(st.pages) == 0 {
		return errors.New("no pages were read")
	}
	for i, p := range st.pages {
		obj, _ := p.json.(map[string]any)
		if value, _ := obj["value"].([]any); len(value) == 0 {
			prev := ""
			if i > 0 {
				prev = fmt.Sprintf(", though page %d linked to it", i)
			}
			return fmt.Errorf("page %d of %d (%s) lists no alerts%s; want every page to hold some", i+1, len(st.pages), p.url, prev)
		}
	}
	return nil
}

// orderedBy checks that alerts are ordered by a date-time property.
func orderedBy(alerts []map[string]any, name, direction string) error {
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

func (st *scenario) noAlertReadHas(name, value string) error {
	alerts, err := st.alertsRead()
	if err != nil {
		return err
	}
	if len(alerts) == 0 {
		return fmt.Errorf("no alerts were read on %d pages; want some to check", len(st.pages))
	}
	for i, p := range st.pages {
		obj, _ := p.json.(map[string]any)
		value0, _ := obj["value"].([]any)
		for _, v := range value0 {
			a, _ := v.(map[string]any)
			if a[name] == value {
				return fmt.Errorf("page %d lists alert %s with %q = %q; want no such alert", i+1, show(a["id"]), name, value)
			}
		}
	}
	return nil
}

// alertUnderTestReadWith checks the alert under test as the pages read show
// it: a list served from a copy that updates do not reach shows the old value.
// Graph does not promise that a list shows a change at once, so the pages are
// read again until they do, for the settle time (Config.Settle); the oracle
// holds the list to the same time.
func (st *scenario) alertUnderTestReadWith(ctx context.Context, name, want string) error {
	deadline := st.suite.cfg.Now().Add(st.suite.cfg.Settle)
	read := time.Time{} // when the pages were last read again
	for {
		err := st.listShowed(name, want)
		if err == nil || read.After(deadline) {
			return err // the last read came after the settle time: the oracle judged it too
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(settlePoll):
		}
		read = st.suite.cfg.Now()
		if err := st.readEveryPage(ctx, st.pagesQuery); err != nil {
			return fmt.Errorf("reading the list again for a change to show: %w", err)
		}
	}
}

// settlePoll is how often a list is read again while it settles.
const settlePoll = 100 * time.Millisecond

// listShowedAtOnce checks the alert under test as the pages read show it,
// without reading them again: the list must show a change at once.
func (st *scenario) listShowedAtOnce(name, want string) error {
	return st.listShowed(name, want)
}

// listShowed checks the alert under test on the pages read.
func (st *scenario) listShowed(name, want string) error {
	alerts, err := st.alertsRead()
	if err != nil {
		return err
	}
	for _, a := range alerts {
		if a["id"] == st.alertID {
			if a[name] != want {
				return fmt.Errorf("the list shows the alert under test with %q = %s; want %q", name, show(a[name]), want)
			}
			return nil
		}
	}
	return fmt.Errorf("the alert under test %s is not on any of the %d pages read; want it listed", st.alertID, len(st.pages))
}
