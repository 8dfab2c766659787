package conformance_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cucumber/godog"

	"github.com/partner-security/alertmock/conformance"
	"github.com/partner-security/alertmock/mock"
)

// serveSessionless serves a mock that ignores X-Mock-Session (and the
// token's tenant), as Microsoft Graph does: every request reads and changes
// the one alert under test.
func serveSessionless(tb testing.TB) string {
	tb.Helper()
	srv, err := mock.New(mock.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Close() })
	return serve(tb, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set(conformance.SessionHeader, "graph")
		srv.ServeHTTP(w, r)
	}))
}

// writes changes the alert and then fails, so the run ends with the alert
// changed and a failed scenario.
var writes = fstest.MapFS{"writes.feature": {Data: []byte(`Feature: Writes
  Scenario: Investigate
    Given I am signed in with permission to update alerts
    When I change the alert's status to "investigating"
    Then the request succeeds with status 200

  Scenario: Resolve, then expect what never comes
    Given I am signed in with permission to update alerts
    When I change the alert's status to "resolved" with the reason "fraud"
    Then the request succeeds with status 201
`)}}

// TestRunRestoresTheAlert checks that a run puts the alert under test back
// as it found it (status and reason), also when a scenario failed or the run
// was interrupted, and says so; on the mock, with its sessions, there is
// nothing to put back.
func TestRunRestoresTheAlert(t *testing.T) {
	reason := func(s string) *string { return &s }
	tests := []struct {
		name      string
		base      string
		setup     string // a PATCH body sent first, without a session
		interrupt bool
		want      conformance.AlertState
		restored  bool
	}{
		{"an active alert", serveSessionless(t), "", false, conformance.AlertState{Status: "active"}, true},
		{"a resolved alert keeps its reason", serveSessionless(t), `{"status":"resolved","resolvedReason":"legitimate"}`, false, conformance.AlertState{Status: "resolved", ResolvedReason: reason("legitimate")}, true},
		{"an interrupted run", serveSessionless(t), "", true, conformance.AlertState{Status: "active"}, true},
		{"the mock, with sessions", serveMock(t), "", false, conformance.AlertState{Status: "active"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != "" {
				req, _ := http.NewRequest(http.MethodPatch, tt.base+"/security/partner/securityAlerts/"+conformance.DocumentedAlertID, strings.NewReader(tt.setup))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer opaque")
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("setup: %v %v", resp, err)
				}
				resp.Body.Close()
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			cfg := conformance.Config{BaseURL: tt.base}
			if tt.interrupt {
				cfg.Steps = func(sc *godog.ScenarioContext) {
					sc.StepContext().After(func(ctx context.Context, st *godog.Step, _ godog.StepResultStatus, _ error) (context.Context, error) {
						if strings.Contains(st.Text, "resolved") {
							cancel() // as SIGINT would
						}
						return ctx, nil
					})
				}
			}
			s, err := conformance.New(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Run(ctx, conformance.Options{Features: writes})
			if err != nil {
				t.Fatal(err)
			}
			r := res.Restore
			if r == nil || r.Err != "" || r.Restored != tt.restored || r.Before.String() != tt.want.String() {
				t.Fatalf("Restore = %+v; want before %s, restored %v", r, tt.want, tt.restored)
			}
			if tt.restored && (r.After.String() == tt.want.String() || !strings.Contains(r.String(), "restored to "+tt.want.String())) {
				t.Errorf("Restore = %s; want it to say it restored %s from what the scenarios left", r, tt.want)
			}
			if !tt.restored && !strings.Contains(r.String(), "unchanged by the run") {
				t.Errorf("Restore = %s; want unchanged", r)
			}
			got := alertState(t, tt.base)
			if got.String() != tt.want.String() {
				t.Errorf("alert after the run: %s; want %s", got, tt.want)
			}
		})
	}
}

// TestRestoreOfAnAlertThatCannotBeRead checks that a wrong alert id is said,
// not hidden, and that nothing is sent to put it back.
func TestRestoreOfAnAlertThatCannotBeRead(t *testing.T) {
	s, err := conformance.New(t.Context(), conformance.Config{BaseURL: serveSessionless(t), AlertID: "no-such-alert"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(t.Context(), conformance.Options{Features: writes})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Restore; r == nil || r.Restored || !strings.Contains(r.String(), "alert no-such-alert not restored: could not read it before the run: GET ") || !strings.Contains(r.Err, "answered 404") {
		t.Errorf("Restore = %v; want one saying the alert could not be read (404)", r)
	}
}

// alertState reads the alert under test without a session.
func alertState(t *testing.T, base string) conformance.AlertState {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/security/partner/securityAlerts/"+conformance.DocumentedAlertID, nil)
	req.Header.Set("Authorization", "Bearer opaque")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a conformance.AlertState
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return a
}
