package conformance

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// dateTimeLike matches strings that are meant as date-times.
var dateTimeLike = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}`)

// utcDateTimes checks every string in v that looks like a date-time: it must be
// RFC 3339 in UTC (Graph: "always in UTC"): ending in "Z", or in the zero
// offset "+00:00", which RFC 3339 reads the same.
func utcDateTimes(path string, v any) error {
	switch x := v.(type) {
	case string:
		if !dateTimeLike.MatchString(x) {
			return nil
		}
		if _, err := time.Parse(time.RFC3339Nano, x); err != nil {
			return fmt.Errorf("%s = %q; want an RFC 3339 date-time", path, x)
		}
		if !inUTC(x) {
			return fmt.Errorf("%s = %q; want UTC, ending in Z (or +00:00)", path, x)
		}
	case []any:
		for i, e := range x {
			if err := utcDateTimes(fmt.Sprintf("%s[%d]", path, i), e); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if strings.HasPrefix(k, "@odata.") {
				continue
			}
			if err := utcDateTimes(path+"."+k, x[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// inUTC reports whether an RFC 3339 time is written in UTC: "Z", or "+00:00",
// which RFC 3339 §4.3 reads the same ("-00:00" says the local offset is
// unknown, not that UTC is meant).
func inUTC(s string) bool {
	return strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "+00:00")
}

func (st *scenario) alertTimesUTC() error {
	alert, err := st.lastAlert()
	if err != nil {
		return err
	}
	return utcDateTimes("the alert", alert)
}

func (st *scenario) listedTimesUTC() error {
	alerts, err := st.listedNonEmpty()
	if err != nil {
		return err
	}
	for i, a := range alerts {
		if err := utcDateTimes(fmt.Sprintf("value[%d]", i), a); err != nil {
			return err
		}
	}
	return nil
}

// everyProperty checks that a whole alert has every property the description
// declares for it, a null one as null: Graph writes nulls rather than leaving
// properties out (graph-api.md §3).
func (st *scenario) everyProperty(what string, alert map[string]any) error {
	var missing []string
	for _, name := range sortedKeys(st.suite.contract.model.properties) {
		if _, ok := alert[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s has no %s; want every property of the type, null when it has no value", what, strings.Join(missing, ", "))
	}
	return nil
}

func (st *scenario) alertHasEveryProperty() error {
	alert, err := st.lastAlert()
	if err != nil {
		return err
	}
	return st.everyProperty("the alert", alert)
}

func (st *scenario) listedHaveEveryProperty() error {
	alerts, err := st.listedNonEmpty()
	if err != nil {
		return err
	}
	for i, a := range alerts {
		if err := st.everyProperty(fmt.Sprintf("value[%d] (id %s)", i, show(a["id"])), a); err != nil {
			return err
		}
	}
	return nil
}

// listedNonEmpty returns the listed alerts; an empty list is an error, since
// a check of "every listed alert" would hold for it whatever the server did.
func (st *scenario) listedNonEmpty() ([]map[string]any, error) {
	alerts, err := st.listedAlerts()
	if err != nil {
		return nil, err
	}
	if len(alerts) == 0 {
		return nil, errors.New("no alerts are listed; want some to check")
	}
	return alerts, nil
}
