package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// burstResult is one of the status changes sent at once.
type burstResult struct {
	status string // the status asked for
	x      *exchange
	err    error
}

// changeStatusAtOnce sends n status changes of the alert under test at the
// same time, cycling through the members of the status enum of the
// description (unknownFutureValue aside), starting with one other than the
// current status.
func (st *scenario) changeStatusAtOnce(ctx context.Context, n int) error {
	if st.baseline == nil {
		return errors.New("no alert was noted before (use: the alert is \"…\")")
	}
	if n < 2 {
		return fmt.Errorf("%d changes at once; want at least 2", n)
	}
	var members []string
	for _, p := range st.suite.contract.model.writable {
		if p.name == "status" {
			for _, e := range p.enum {
				if e != unknownFutureValue {
					members = append(members, e)
				}
			}
		}
	}
	if len(members) < 2 {
		return fmt.Errorf("the description's status has the members %v; want at least 2 to change between", members)
	}
	start := slices.Index(members, fmt.Sprint(st.baseline["status"])) + 1
	st.burst = make([]burstResult, n)
	var wg sync.WaitGroup
	for i := range st.burst {
		status := members[(start+i)%len(members)]
		body, _ := json.Marshal(map[string]string{"status": status})
		wg.Add(1)
		go func() {
			defer wg.Done()
			x, err := st.send(ctx, request{method: http.MethodPatch, target: alertPath(st.alertID), body: body, hasBody: true, contentType: "application/json", auth: st.auth})
			st.burst[i] = burstResult{status: status, x: x, err: err}
		}()
	}
	wg.Wait()
	for _, r := range st.burst {
		if r.err != nil {
			return fmt.Errorf("one of the changes sent at once: %w", r.err)
		}
	}
	return nil
}

// burstLogged checks the outcome of the changes sent at once against the
// alert as read afterwards. Every acknowledged (200) change must show the
// status it asked for, its answer's activity log must be the start of the
// final log (an answer whose log the final one does not continue was lost or
// rewritten), a change it made must be its answer's newest entry, every new
// entry of the final log must be the newest entry of some acknowledged answer
// (an entry nobody acknowledged is a change logged twice), and the new entries
// must chain from the status before to the status now.
func (st *scenario) burstLogged(ctx context.Context) error {
	if len(st.burst) == 0 {
		return errors.New("no changes were sent at once")
	}
	final, err := st.setup(ctx, request{method: http.MethodGet, target: alertPath(st.alertID)})
	if err != nil {
		return err
	}
	before, err := activityLog(st.baseline)
	if err != nil {
		return err
	}
	finalLog, err := activityLog(final)
	if err != nil {
		return err
	}
	if err := chain(st.baseline, final); err != nil {
		return fmt.Errorf("after %d changes at once: %w", len(st.burst), err)
	}
	claimed := map[int]bool{} // lengths of the logs of acknowledged answers
	acked := 0
	var problems []string
	for i, r := range st.burst {
		if r.x.status != http.StatusOK {
			continue
		}
		acked++
		alert, _ := r.x.json.(map[string]any)
		if alert["status"] != r.status {
			problems = append(problems, fmt.Sprintf("change %d to %q was answered with status %s", i+1, r.status, show(alert["status"])))
			continue
		}
		log, err := activityLog(alert)
		if err != nil {
			return fmt.Errorf("change %d: %w", i+1, err)
		}
		if len(log) > len(finalLog) || (len(log) > 0 && !reflect.DeepEqual(log, finalLog[:len(log)])) {
			problems = append(problems, fmt.Sprintf("change %d to %q was acknowledged with the log %s, which the log read afterwards (%s) does not continue: the change was lost or rewritten", i+1, r.status, show(log[min(len(before), len(log)):]), show(finalLog[len(before):])))
			continue
		}
		if len(log) > len(before) && log[len(log)-1]["statusTo"] != r.status {
			problems = append(problems, fmt.Sprintf("change %d to %q was acknowledged with the newest entry %s", i+1, r.status, show(log[len(log)-1])))
		}
		claimed[len(log)] = true
	}
	if acked == 0 {
		return fmt.Errorf("none of the %d changes sent at once was acknowledged with 200 (first answer %d: %s)", len(st.burst), st.burst[0].x.status, excerpt(st.burst[0].x.body))
	}
	for k := len(before) + 1; k <= len(finalLog); k++ {
		if !claimed[k] {
			problems = append(problems, fmt.Sprintf("new activity log entry %d %s is the newest entry of no acknowledged change: a change was logged twice, or one nobody made", k-len(before), show(finalLog[k-1])))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d changes at once, %d acknowledged: %s", len(st.burst), acked, strings.Join(problems, "; "))
	}
	return nil
}
