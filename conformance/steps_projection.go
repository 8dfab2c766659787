package conformance

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The documented side of $select: an answer carries every selected property
// (OData lets a service add more, such as the key); "only the properties"
// is the assumed side.

// hasProperties checks that obj carries every listed property.
func hasProperties(what string, obj map[string]any, props string) error {
	var missing []string
	for _, p := range strings.Split(props, ",") {
		if _, ok := obj[p]; !ok {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s has the properties %s; want %s among them (missing %s)", what, strings.Join(sortedKeys(obj), ","), props, strings.Join(missing, ","))
	}
	return nil
}

func (st *scenario) alertHasProperties(props string) error {
	alert, err := st.lastAlert()
	if err != nil {
		return err
	}
	return hasProperties("the alert", alert, props)
}

func (st *scenario) everyListedHasProperties(props string) error {
	alerts, err := st.listedNonEmpty()
	if err != nil {
		return err
	}
	for i, a := range alerts {
		if err := hasProperties(fmt.Sprintf("value[%d]", i), a, props); err != nil {
			return err
		}
	}
	return nil
}

// wait lets time pass, so that the server's clock must move too.
func (st *scenario) wait(ctx context.Context, seconds string) error {
	s, err := strconv.ParseFloat(seconds, 64)
	if err != nil || s < 0 || s > 60 {
		return fmt.Errorf("wait %s seconds: want a number from 0 to 60", seconds)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Duration(s * float64(time.Second))):
		return nil
	}
}
