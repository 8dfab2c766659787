package conformance

import (
	"errors"
	"fmt"
	"reflect"
	"time"
)

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

// chain checks that the entries after the baseline's log lead from the
// baseline's status to the alert's status: each starts where the one before
// ended. A change logged twice or a change not logged breaks it. (That
// repeating a status adds no entry is an assumption with steps of its own.)
func chain(baseline, alert map[string]any) error {
	before, err := activityLog(baseline)
	if err != nil {
		return err
	}
	after, err := activityLog(alert)
	if err != nil {
		return err
	}
	if len(after) < len(before) || (len(before) > 0 && !reflect.DeepEqual(after[:len(before)], before)) {
		return fmt.Errorf("the earlier activity log entries changed: now %s; were %s", show(after), show(before))
	}
	from := baseline["status"]
	for i, e := range after[len(before):] {
		if e["statusFrom"] != from {
			return fmt.Errorf("new activity log entry %d is %s; want statusFrom %s, where the entry before it ended (log %s)", i+1, show(e), show(from), show(after[len(before):]))
		}
		from = e["statusTo"]
	}
	if from != alert["status"] {
		return fmt.Errorf("the new activity log entries %s end at status %s; want the alert's status %s", show(after[len(before):]), show(from), show(alert["status"]))
	}
	return nil
}

func (st *scenario) activityLogChain() error {
	if st.baseline == nil {
		return errors.New("no alert was noted before (use: the alert is \"…\")")
	}
	alert, err := st.lastAlert()
	if err != nil {
		return err
	}
	return chain(st.baseline, alert)
}

// activityLogInTimeOrder checks that the alert's activity log entries have
// date-times that never go back; it needs two entries to compare.
func (st *scenario) activityLogInTimeOrder() error {
	alert, err := st.lastAlert()
	if err != nil {
		return err
	}
	log, err := activityLog(alert)
	if err != nil {
		return err
	}
	if len(log) < 2 {
		return fmt.Errorf("the activity log has %d entries; want at least 2 to compare their times", len(log))
	}
	var prev time.Time
	for i, e := range log {
		s, _ := e["updatedDateTime"].(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("activity log entry %d has updatedDateTime = %s; want an RFC 3339 date-time", i+1, show(e["updatedDateTime"]))
		}
		if i > 0 && t.Before(prev) {
			return fmt.Errorf("activity log entry %d has updatedDateTime %s, before entry %d's %s; want the entries in time order", i+1, s, i, prev.Format(time.RFC3339Nano))
		}
		prev = t
	}
	return nil
}
