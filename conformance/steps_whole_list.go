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
	since  *time.Time
}

var (
	conditionPattern = regexp.MustCompile(`^"([^"]*)" is (not )?(?:one of )?"([^"]*)"$`)
	sincePattern     = regexp.MustCompile(`^"([^"]*)" is on or after "([^"]*)"$`)
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
			t, err := time.Parse(time.RFC3339Nano, m[2])
			if err != nil {
				return nil, fmt.Errorf("step condition %q: %q is not a date-time", part, m[2])
			}
			out = append(out, condition{name: m[1], since: &t})
			continue
		}
		m := conditionPattern.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf(`step condition %q: want "<property>" is [not] [one of] "<value>[,<value>…]", or "<property>" is on or after "<date-time>"`, part)
		}
		out = append(out, condition{name: m[1], not: m[2] != "", values: strings.Split(m[3], ",")})
	}
	return out, nil
}

func (c condition) holds(alert map[string]any) bool {
	s, ok := alert[c.name].(string)
	if c.since != nil {
		t, err := time.Parse(time.RFC3339Nano, s)
		return ok && err == nil && !t.Before(*c.since)
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
	conds, err := parseConditions(conditions)
	if err != nil {
		return err
	}
	obj, err := st.lastObject()
	if err != nil {
		return err
	}
	listed, err := st.allPages(ctx, obj, st.last.url)
	if err != nil {
		return err
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
		return fmt.Errorf("reading the whole list: %w", err)
	}
	whole, ok := x.json.(map[string]any)
	if !ok || x.status != http.StatusOK {
		return fmt.Errorf("reading the whole list: GET %s answered %d; want 200 (body %s)", x.url, x.status, excerpt(x.body))
	}
	all, err := st.allPages(ctx, whole, x.url)
	if err != nil {
		return fmt.Errorf("reading the whole list: %w", err)
	}
	got := map[string]bool{}
	for _, a := range listed {
		id, _ := a["id"].(string)
		if got[id] {
			return fmt.Errorf("alert %q is listed twice", id)
		}
		got[id] = true
	}
	var missing []string
	want := map[string]bool{}
	for _, a := range all {
		id, _ := a["id"].(string)
		if !slices.ContainsFunc(conds, func(c condition) bool { return !c.holds(a) }) {
			want[id] = true
			if !got[id] {
				missing = append(missing, id)
			}
		}
	}
	var extra []string
	for id := range got {
		if !want[id] {
			extra = append(extra, id)
		}
	}
	slices.Sort(extra)
	if len(missing) > 0 || len(extra) > 0 {
		where := ""
		if conditions != "" {
			where = " where " + conditions
		}
		return fmt.Errorf("%d alerts are listed; want the %d of the whole list%s: missing %s, not wanted %s",
			len(got), len(want), where, showIDs(missing), showIDs(extra))
	}
	return nil
}

// anotherAlert notes an alert other than the alert under test, as it is now.
func (st *scenario) anotherAlert(ctx context.Context) error {
	list, err := st.setup(ctx, request{method: http.MethodGet, target: "/security/partner/securityAlerts?" + encodeQuery("$top=2&$select=id")})
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
	if len(ids) > 10 {
		return fmt.Sprintf("%s and %d more", show(ids[:10]), len(ids)-10)
	}
	return show(ids)
}
