package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cucumber/godog"

	"github.com/partner-security/alertmock/conformance"
)

// succeedsPattern is the wording of a team's step that the suite has too.
const succeedsPattern = `^the request succeeds with status (\d+)$`

// teamFeatures uses the suite's steps, the team's own wording of one of them,
// a team step reading the scenario's state, and a team step that skips.
var teamFeatures = fstest.MapFS{"team.feature": {Data: []byte(`Feature: Our team's checks
  Scenario: Our own status check reads the suite's last response
    Given I am signed in with permission to read alerts
    When I read the alert
    Then the request succeeds with status 200
    And our check sees the alert under test in its own session

  Scenario: A check we have not written yet
    When I read the alert
    Then our check is skipped
`)}}

// teamSteps are a team's steps, reading the suite's state through StateFrom;
// seen records what they saw.
func teamSteps(seen *[]string) func(*godog.ScenarioContext) {
	return func(sc *godog.ScenarioContext) {
		sc.Step(succeedsPattern, func(ctx context.Context, status int) error {
			st, ok := conformance.StateFrom(ctx)
			if !ok {
				return errors.New("no scenario state in the step's context")
			}
			last := st.LastResponse()
			if last == nil || last.Status != status {
				return fmt.Errorf("last response %+v; want status %d", last, status)
			}
			*seen = append(*seen, fmt.Sprintf("%s %d", last.Method, last.Status))
			return nil
		})
		sc.Step(`^our check sees the alert under test in its own session$`, func(ctx context.Context) error {
			st, _ := conformance.StateFrom(ctx)
			last := st.LastResponse()
			obj, _ := last.JSON.(map[string]any)
			switch {
			case obj["id"] != st.AlertID():
				return fmt.Errorf("last response is alert %v; want the alert under test %s", obj["id"], st.AlertID())
			case st.Session() == "" || st.Header().Get(conformance.SessionHeader) != st.Session():
				return fmt.Errorf("session %q, header %v; want a session sent in X-Mock-Session", st.Session(), st.Header())
			case !strings.HasPrefix(st.Authorization(), "Bearer ") || st.Header().Get("Authorization") != st.Authorization():
				return fmt.Errorf("authorization %q; want the signed-in caller's bearer token", st.Authorization())
			case !strings.HasSuffix(st.BaseURL(), "/beta") || !strings.HasPrefix(last.URL, st.BaseURL()):
				return fmt.Errorf("base URL %q, last URL %q", st.BaseURL(), last.URL)
			}
			*seen = append(*seen, "session "+st.Session())
			return nil
		})
		sc.Step(`^our check is skipped$`, func() error { return godog.ErrSkip })
	}
}

// TestTeamStepsReadStateWithoutAmbiguity runs a team's features with the
// team's own steps: with the suite's step of the same wording omitted they
// pass and read the state; without OmitSteps godog refuses the step as
// ambiguous; an unknown pattern in OmitSteps is an error of New.
func TestTeamStepsReadStateWithoutAmbiguity(t *testing.T) {
	base := serveMock(t)
	run := func(omit []string, seen *[]string) *conformance.Result {
		t.Helper()
		s, err := conformance.New(t.Context(), conformance.Config{BaseURL: base, Steps: teamSteps(seen), OmitSteps: omit})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Run(t.Context(), conformance.Options{Features: teamFeatures})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	var seen []string
	res := run([]string{succeedsPattern}, &seen)
	if got := []conformance.Outcome{res.Scenarios[0].Outcome, res.Scenarios[1].Outcome}; got[0] != conformance.Passed || got[1] != conformance.Skipped {
		t.Fatalf("outcomes = %v (%s); want passed, skipped", got, res.Scenarios[0].Err)
	}
	if len(seen) != 2 || seen[0] != "GET 200" || !strings.HasPrefix(seen[1], "session ") || len(seen[1]) < len("session x") {
		t.Errorf("the team's steps saw %q; want GET 200 and the session", seen)
	}

	seen = nil
	res = run(nil, &seen)
	if sc := res.Scenarios[0]; sc.Outcome != conformance.Failed || !strings.Contains(sc.Err, "ambiguous step definition") {
		t.Errorf("without OmitSteps: %s %q; want failed as ambiguous", sc.Outcome, sc.Err)
	}

	if _, err := conformance.New(t.Context(), conformance.Config{BaseURL: base, OmitSteps: []string{`^the request succeeds$`}}); err == nil || !strings.Contains(err.Error(), "is not a step pattern of the suite") {
		t.Errorf("New with an unknown OmitSteps pattern = %v; want an error naming it", err)
	}
	if _, ok := conformance.StateFrom(context.Background()); ok {
		t.Error("StateFrom(context.Background()) found a state")
	}
}

// TestStateBeforeAnyRequest checks LastResponse before a step sent one.
func TestStateBeforeAnyRequest(t *testing.T) {
	var last *conformance.Response
	called := false
	s, err := conformance.New(t.Context(), conformance.Config{BaseURL: serveMock(t), Steps: func(sc *godog.ScenarioContext) {
		sc.Step(`^nothing was sent$`, func(ctx context.Context) error {
			st, _ := conformance.StateFrom(ctx)
			last, called = st.LastResponse(), true
			return nil
		})
	}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(t.Context(), conformance.Options{Features: fstest.MapFS{"f.feature": {Data: []byte("Feature: f\n  Scenario: s\n    Then nothing was sent\n")}}})
	if err != nil || !res.OK() || !called || last != nil {
		t.Errorf("run = %v, ok %v, step called %v, LastResponse %+v; want a pass with nil", err, res != nil && res.OK(), called, last)
	}
}
