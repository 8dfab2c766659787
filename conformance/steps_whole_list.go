package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// A filtered list is checked against the whole list, not only alert by alert:
// "every listed alert has …" also holds for an empty list, so a server whose
// filter matches nothing would pass it. These steps read the unfiltered list
// and compare the sets of ids, and check another alert around an update.

// condition is one `"<property>" is [not] [one of] "<values>"` or
// `"<property>" is on or after "<date-time>"` of a step.
type condition struct {
	name   string
	not    bool
	values []string
	since  *time.Time // "is on or after"
	before *time.Time // "is before"
	null   bool       // "is null" ("is not null" with not)
}

var (
	conditionPattern = regexp.MustCompile(`^"([^"]*)" is (not )?(?:one of )?"([^"]*)"$`)
	sincePattern     = regexp.MustCompile(`^"([^"]*)" is (on or after|before) "([^"]*)"$`)
	nullPattern      = regexp.MustCompile(`^"([^"]*)" is (not )?null$`)
)

// parseConditions reads `"severity" is one of "high,low" and "status" is not "resolved"`.
func parseConditions(s string) ([]condition, error) {
	var out []condition
	if s == "" {
		return nil, nil
	}
	for _, part := range strings.Split(s, " and ") {
		part = strings.TrimSpace(part)
		if m := sincePattern.FindStringSubmatch(part); m != nil {
			t, err := time.Parse(time.RFC3339Nano, m[3])
			if err != nil {
				return nil, fmt.Errorf("step condition %q: %q is not a date-time", part, m[3])
			}
			c := condition{name: m[1], since: &t}
			if m[2] == "before" {
				c = condition{name: m[1], before: &t}
			}
			out = append(out, c)
			continue
		}
		if m := nullPattern.FindStringSubmatch(part); m != nil {
			out = append(out, condition{name: m[1], not: m[2] != "", null: true})
			continue
		}
		m := conditionPattern.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf(`step condition %q: want "<property>" is [not] [one of] "<value>[,<value>…]", "<property>" is [not] null, or "<property>" is (on or after|before) "<date-time>"`, part)
		}
		out = append(out, condition{name: m[1], not: m[2] != "", values: strings.Split(m[3], ",")})
	}
	return out, nil
}

// holds applies OData's null semantics: a missing or null value is not equal
// to any literal (so "ne" holds for it), and every ordering comparison with
// null is false.
func (c condition) holds(alert map[string]any) bool {
	v := alert[c.name]
	if c.null {
		return (v == nil) != c.not
	}
	s, ok := v.(string)
	if c.since != nil || c.before != nil {
		t, err := time.Parse(time.RFC3339Nano, s)
		if !ok || err != nil {
			return false
		}
		if c.since != nil {
			return !t.Before(*c.since)
		}
		return t.Before(*c.before)
	}
	in := ok && slices.Contains(c.values, s)
	return in != c.not
}

// allPages follows @odata.nextLink from a first list response and returns every
// alert; the responses are checked against the contract but do not become the
// latest response.
func (st *scenario) allPages(ctx context.Context, first map[string]any, firstURL string) ([]map[string]any, error) {
	var out []map[string]any
	obj, at := first, firstURL
	for i := 0; ; i++ {
		if i == maxPages {
			return nil, fmt.Errorf("still a next page link after %d pages of %s", maxPages, firstURL)
		}
		value, ok := obj["value"].([]any)
		if !ok {
			return nil, fmt.Errorf("%s has no \"value\" array: %s", at, show(obj))
		}
		for j, v := range value {
			a, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: value[%d] = %s; want an alert object", at, j, show(v))
			}
			out = append(out, a)
		}
		next, present := obj["@odata.nextLink"]
		if !present {
			return out, nil
		}
		link, ok := next.(string)
		if !ok {
			return nil, fmt.Errorf("%s: \"@odata.nextLink\" = %s; want a URL", at, show(next))
		}
		if err := st.sameOrigin(link); err != nil {
			return nil, err
		}
		x, err := st.send(ctx, request{method: http.MethodGet, target: link, auth: st.auth})
		if err != nil {
			return nil, err
		}
		if obj, ok = x.json.(map[string]any); !ok || x.status != http.StatusOK {
			return nil, fmt.Errorf("GET %s answered %d; want 200 with a list (body %s)", link, x.status, excerpt(x.body))
		}
		at = link
	}
}

// listedAll checks that the latest list (with its further pages) holds every
// alert of the unfiltered list: an ordered list may not lose any.
func (st *scenario) listedAll(ctx context.Context) error {
	return st.listedExactlyWhere(ctx, "")
}

// listedExactlyWhere checks that the latest list (with its further pages) holds
// exactly the alerts of the unfiltered list that meet the conditions.
func (st *scenario) listedExactlyWhere(ctx context.Context, conditions string) error {
	obj, err := st.lastObject()
	if err != nil {
		return err
	}
	listed, err := st.allPages(ctx, obj, st.last.url)
	if err != nil {
		return err
	}
	return st.exactlyWhere(ctx, listed, conditions, "listed")
}

// alertsReadExactlyWhere checks the alerts of every page read (see "I read every
// page") against the unfiltered list.
func (st *scenario) alertsReadExactlyWhere(ctx context.Context, conditions string) error {
	read, err := st.alertsRead()
	if err != nil {
		return err
	}
	return st.exactlyWhere(ctx, read, conditions, "read")
}

// exactlyWhere compares the ids of alerts with the ids of the alerts of the
// unfiltered list that meet the conditions.
func (st *scenario) exactlyWhere(ctx context.Context, listed []map[string]any, conditions, verb string) error {
	want, err := st.wholeListWhere(ctx, conditions)
	if err != nil {
		return err
	}
	got := map[string]bool{}
	for _, a := range listed {
		id, _ := a["id"].(string)
		if got[id] {
			return fmt.Errorf("alert %q is %s twice", id, verb)
		}
		got[id] = true
	}
	var missing, extra []string
	for _, id := range sortedKeys(want) {
		if !got[id] {
			missing = append(missing, id)
		}
	}
	for _, id := range sortedKeys(got) {
		if !want[id] {
			extra = append(extra, id)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		where := ""
		if conditions != "" {
			where = " where " + conditions
		}
		return fmt.Errorf("%d alerts are %s; want the %d of the whole list%s: missing %s, not wanted %s",
			len(got), verb, len(want), where, showIDs(missing), showIDs(extra))
	}
	return nil
}

// wholeListWhere reads the unfiltered list (every page, only the properties the
// conditions name) and returns the ids of the alerts that meet the conditions.
func (st *scenario) wholeListWhere(ctx context.Context, conditions string) (map[string]bool, error) {
	conds, err := parseConditions(conditions)
	if err != nil {
		return nil, err
	}
	// Only the properties the conditions name: full alerts would cost a schema
	// validation each.
	sel := []string{"id"}
	for _, c := range conds {
		if !slices.Contains(sel, c.name) {
			sel = append(sel, c.name)
		}
	}
	x, err := st.send(ctx, request{method: http.MethodGet, target: "/security/partner/securityAlerts?" + encodeQuery("$select="+strings.Join(sel, ",")), auth: st.auth})
	if err != nil {
		return nil, fmt.Errorf("reading the whole list: %w", err)
	}
	whole, ok := x.json.(map[string]any)
	if !ok || x.status != http.StatusOK {
		return nil, fmt.Errorf("reading the whole list: GET %s answered %d; want 200 (body %s)", x.url, x.status, excerpt(x.body))
	}
	all, err := st.allPages(ctx, whole, x.url)
	if err != nil {
		return nil, fmt.Errorf("reading the whole list: %w", err)
	}
	want := map[string]bool{}
	for _, a := range all {
		id, _ := a["id"].(string)
		if !slices.ContainsFunc(conds, func(c condition) bool { return !c.holds(a) }) {
			want[id] = true
		}
	}
	return want, nil
}

// countIsWholeListWhere checks "@odata.count" of the latest list against the
// number of alerts of the unfiltered list that meet the conditions: a count
// that ignores the filter, or counts only the page, differs.
func (st *scenario) countIsWholeListWhere(ctx context.Context, conditions string) error {
	obj, err := st.lastObject()
	if err != nil {
		return err
	}
	count, ok := obj["@odata.count"].(float64)
	if !ok {
		return fmt.Errorf("\"@odata.count\" = %s; want a number", show(obj["@odata.count"]))
	}
	want, err := st.wholeListWhere(ctx, conditions)
	if err != nil {
		return err
	}
	if int(count) != len(want) || count != float64(int(count)) {
		where := ""
		if conditions != "" {
			where = " where " + conditions
		}
		return fmt.Errorf("\"@odata.count\" = %s; want %d, the number of alerts of the whole list%s", show(obj["@odata.count"]), len(want), where)
	}
	return nil
}

func (st *scenario) countIsWholeList(ctx context.Context) error {
	return st.countIsWholeListWhere(ctx, "")
}

// anotherAlert notes an alert other than the alert under test, as it is now.
func (st *scenario) anotherAlert(ctx context.Context) error {
	list, err := st.setup(ctx, request{method: http.MethodGet, target: "/security/partner/securityAlerts?" + encodeQuery("$select=id")})
	if err != nil {
		return err
	}
	value, _ := list["value"].([]any)
	for _, v := range value {
		a, _ := v.(map[string]any)
		if id, _ := a["id"].(string); id != "" && id != st.alertID {
			alert, err := st.setup(ctx, request{method: http.MethodGet, target: alertPath(id)})
			if err != nil {
				return err
			}
			st.other = alert
			return nil
		}
	}
	return fmt.Errorf("the target lists no alert besides %s; this scenario needs another", st.alertID)
}

// otherAlertUnchanged reads the other alert again and compares it with how it was.
func (st *scenario) otherAlertUnchanged(ctx context.Context) error {
	if st.other == nil {
		return errors.New("no other alert was noted (use: another alert)")
	}
	id, _ := st.other["id"].(string)
	alert, err := st.setup(ctx, request{method: http.MethodGet, target: alertPath(id)})
	if err != nil {
		return err
	}
	if err := sameAlert(alert, st.other, "before the update"); err != nil {
		return fmt.Errorf("the other alert %s changed: %w", id, err)
	}
	return nil
}

// showIDs lists ids for a message, at most ten.
func showIDs(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	if len(ids) > 10 {
		return fmt.Sprintf("%s and %d more", show(ids[:10]), len(ids)-10)
	}
	return show(ids)
}
