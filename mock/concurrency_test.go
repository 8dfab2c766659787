package mock

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

// TestConcurrentPatches: 64 goroutines × 50 PATCHes flip one alert between
// statuses. Every request acts as a different user, so each activity log entry
// tells which request made it. Afterwards the log has exactly one entry per
// PATCH that changed the status, each made by that PATCH, in clock order, and
// forming one unbroken chain of statuses.
func TestConcurrentPatches(t *testing.T) {
	const goroutines, perG = 64, 50
	var tick atomic.Int64
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ts := newTestServer(t, Config{Now: func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Millisecond) }})
	statuses := []string{"active", "investigating", "resolved"}
	// The activity log grows to ~2,000 entries, so checking every body against
	// the schema is quadratic (minutes under -race). Bodies over 32 KiB skip the
	// schema check here (status and headers are still checked); the final
	// state is read back and checked in full below.
	ts.contract.bodyLimit.Store(32 << 10)

	type result struct {
		actor   string
		changed bool // the response's log holds an entry by actor
	}
	results := make(chan result, goroutines*perG)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				actor := fmt.Sprintf("u%d-%d@x.com", g, i)
				tok := jwt(map[string]any{"scp": "PartnerSecurity.ReadWrite.All", "upn": actor})
				got := ts.do(t, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Token: tok,
					Body: fmt.Sprintf(`{"status":%q}`, statuses[(g*7+i)%3])})
				if got.Status != 200 {
					t.Errorf("PATCH: %d %s", got.Status, got.Body)
					return
				}
				// Count this request's entries without decoding ~200 KB per response.
				mine := bytes.Count(got.Body, []byte(`"updatedBy":"`+actor+`"`))
				if mine > 1 {
					t.Errorf("%s has %d log entries; want at most 1", actor, mine)
				}
				results <- result{actor: actor, changed: mine == 1}
			}
		})
	}
	wg.Wait()
	close(results)

	changedBy := map[string]bool{}
	for r := range results {
		if r.changed {
			changedBy[r.actor] = true
		}
	}
	ts.contract.bodyLimit.Store(0)
	if got := ts.do(t, req{Path: alertPath(alert.DocumentedID)}); got.Status != 200 {
		t.Fatalf("GET after the PATCHes: %d", got.Status)
	}
	t.Logf("%d PATCH bodies over 32 KiB not schema-checked", ts.contract.skippedBodies.Load())
	final := mustAlert(t, ts.Server, DefaultSession, alert.DocumentedID)
	logs := final.ActivityLogs
	if len(logs) != len(changedBy) {
		t.Errorf("len(activityLogs) = %d; want %d (one per PATCH that changed the status)", len(logs), len(changedBy))
	}
	if len(changedBy) < 2 {
		t.Fatalf("only %d changes; the test did not exercise concurrency", len(changedBy))
	}
	prev := alert.StatusActive
	for i, l := range logs {
		if !changedBy[l.UpdatedBy] {
			t.Errorf("log %d by %s, whose response did not show its change", i, l.UpdatedBy)
		}
		if l.StatusFrom != prev || l.StatusFrom == l.StatusTo {
			t.Errorf("log %d: %s → %s after %s; want an unbroken chain of real changes", i, l.StatusFrom, l.StatusTo, prev)
		}
		if i > 0 && !l.UpdatedDateTime.After(logs[i-1].UpdatedDateTime) {
			t.Errorf("log %d at %v not after log %d at %v", i, l.UpdatedDateTime, i-1, logs[i-1].UpdatedDateTime)
		}
		prev = l.StatusTo
	}
	if final.Status != prev {
		t.Errorf("status = %s; want %s (the last log entry's statusTo)", final.Status, prev)
	}
	if (final.Status == alert.StatusResolved) != (final.ResolvedBy != nil) {
		t.Errorf("status %s with resolvedBy %v", final.Status, final.ResolvedBy)
	}
}
