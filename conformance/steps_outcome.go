package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/partner-security/alertmock/conformance/oracle"
)

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
	if err := st.oracle.Validate(schema, st.last.body); err != nil {
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
	if !inUTC(s) {
		return fmt.Errorf("%s = %q; want UTC (ending in Z, or +00:00)", what, s)
	}
	return st.within(what, t, st.update)
}

// within checks that t falls within the exchange's round trip by the
// server's clock: from a round trip before the answer's Date header to a
// second after it (Date has whole seconds), widened by a second of tolerance.
// Without a Date header it falls back to the client's clock widened by the
// allowed clock skew.
func (st *scenario) within(what string, t time.Time, x *exchange) error {
	from, to, how := x.sentAt.Add(-st.suite.cfg.ClockSkew), x.receivedAt.Add(st.suite.cfg.ClockSkew), fmt.Sprintf("the request ± %s", st.suite.cfg.ClockSkew)
	if d, err := http.ParseTime(x.header.Get("Date")); err == nil {
		rtt := x.receivedAt.Sub(x.sentAt)
		from, to, how = d.Add(-rtt-oracle.DefaultTolerance), d.Add(time.Second+oracle.DefaultTolerance), "by the server's Date, ± 1 s"
	}
	if t.Before(from) || t.After(to) {
		return fmt.Errorf("%s = %s; want a time between %s and %s (%s)", what, t.UTC().Format(time.RFC3339Nano), from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano), how)
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

// statusAndResolution are the properties an update may change.
var statusAndResolution = []string{"status", "resolvedReason", "resolvedBy", "resolvedOnDateTime", "activityLogs"}

// alertRestUnchanged compares the latest alert with the baseline, leaving out
// the status, the resolution and the activity log: an update keeps every
// property it does not name.
func (st *scenario) alertRestUnchanged() error {
	if st.baseline == nil {
		return errors.New("no alert was noted before (use: the alert is \"…\")")
	}
	alert, err := st.lastAlert()
	if err != nil {
		return err
	}
	got, want := map[string]any{}, map[string]any{}
	for k, v := range alert {
		if !slices.Contains(statusAndResolution, k) {
			got[k] = v
		}
	}
	for k, v := range st.baseline {
		if !slices.Contains(statusAndResolution, k) {
			want[k] = v
		}
	}
	return sameAlert(got, want, "before the update (status and resolution aside)")
}
