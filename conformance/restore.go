package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// AlertState is the part of the alert under test that the write scenarios
// change and a run puts back.
type AlertState struct {
	// Status is the alert's status, e.g. "active".
	Status string `json:"status"`
	// ResolvedReason is its resolved reason; nil when null.
	ResolvedReason *string `json:"resolvedReason"`
}

func (a AlertState) String() string {
	reason := "null"
	if a.ResolvedReason != nil {
		reason = fmt.Sprintf("%q", *a.ResolvedReason)
	}
	return fmt.Sprintf("status %q, reason %s", a.Status, reason)
}

func (a AlertState) equal(b AlertState) bool {
	if a.Status != b.Status || (a.ResolvedReason == nil) != (b.ResolvedReason == nil) {
		return false
	}
	return a.ResolvedReason == nil || *a.ResolvedReason == *b.ResolvedReason
}

// Restore is what a run did to put the alert under test back as it found it:
// Run, Test and Compare note its status and reason before the scenarios (with
// the suite's credentials and no session header, so on the mock they read the
// default session, which scenarios never change) and, when the scenarios left
// it otherwise, send one PATCH that sets them back, whether scenarios failed
// or not. Against Microsoft Graph, which has no sessions, this undoes the
// @live-writes scenarios.
type Restore struct {
	// AlertID is the alert under test.
	AlertID string
	// Before is the alert as the run found it; After as the scenarios left it.
	Before, After AlertState
	// Restored reports that a PATCH set it back to Before.
	Restored bool
	// Err says why the alert could not be noted or put back; "" when it was
	// (or needed no putting back).
	Err string
}

// String says in one line what was restored.
func (r *Restore) String() string {
	switch {
	case r.Err != "":
		return fmt.Sprintf("alert %s not restored: %s", r.AlertID, r.Err)
	case r.Restored:
		return fmt.Sprintf("alert %s restored to %s (the scenarios left %s)", r.AlertID, r.Before, r.After)
	}
	return fmt.Sprintf("alert %s unchanged by the run (%s)", r.AlertID, r.Before)
}

// noteAlert reads the alert under test before a run; the returned Restore
// carries an Err when it could not.
func (s *Suite) noteAlert(ctx context.Context) *Restore {
	r := &Restore{AlertID: s.cfg.AlertID}
	before, err := s.alertState(ctx)
	if err != nil {
		r.Err = "could not read it before the run: " + err.Error()
		return r
	}
	r.Before = before
	return r
}

// restoreAlert puts the alert back as r.Before found it, when it changed.
// It runs even after ctx was cancelled (an interrupted run), for 30 s at most.
func (s *Suite) restoreAlert(ctx context.Context, r *Restore) {
	if r.Err != "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	after, err := s.alertState(ctx)
	if err != nil {
		r.Err = "could not read it after the run: " + err.Error()
		return
	}
	r.After = after
	if after.equal(r.Before) {
		return
	}
	body := map[string]any{"status": r.Before.Status}
	if r.Before.Status == "resolved" {
		body["resolvedReason"] = r.Before.ResolvedReason
	}
	got, err := s.alertRequest(ctx, http.MethodPatch, body)
	switch {
	case err != nil:
		r.Err = "the PATCH back failed: " + err.Error()
	case got.Status != r.Before.Status:
		r.Err = fmt.Sprintf("the PATCH back left %s", got)
	case !got.equal(r.Before):
		r.Err = fmt.Sprintf("the status is back, but the reason could not be set back without resolving the alert: it is %s", got)
	default:
		r.Restored = true
	}
}

// alertState reads the status and reason of the alert under test.
func (s *Suite) alertState(ctx context.Context) (AlertState, error) {
	return s.alertRequest(ctx, http.MethodGet, nil)
}

// alertRequest sends a GET (body nil) or a PATCH of the alert under test with
// the suite's credentials and no session header, and decodes the answer.
func (s *Suite) alertRequest(ctx context.Context, method string, body any) (AlertState, error) {
	u := s.base.String() + alertPath(s.cfg.AlertID)
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return AlertState{}, err
		}
		rd = bytes.NewReader(b)
	} else {
		u += "?$select=status,resolvedReason"
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return AlertState{}, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", s.defaultCredentials().header)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return AlertState{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return AlertState{}, fmt.Errorf("%s %s answered %d: %s", method, u, resp.StatusCode, excerpt(b))
	}
	var a AlertState
	if err := json.Unmarshal(b, &a); err != nil || a.Status == "" {
		return AlertState{}, fmt.Errorf("%s %s: no alert status in %s", method, u, excerpt(b))
	}
	return a, nil
}
