package conformance_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/partner-security/alertmock/conformance"
	"github.com/partner-security/alertmock/features"
)

// junitReport is what a JUnit reader takes from a report.
type junitReport struct {
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
	Time     string `xml:"time,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		File     string `xml:"file,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Time     string `xml:"time,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Skipped   *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			Error   *struct{} `xml:"error"`
			Failure *struct {
				Type    string `xml:"type,attr"`
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// checkJUnit validates a report against junit-10.xsd and checks that its
// counts and times agree with the result it was written from.
func checkJUnit(t *testing.T, b []byte, res *conformance.Result) junitReport {
	t.Helper()
	if p := loadXSD(t, junitXSD).validate(b); p != nil {
		t.Fatalf("the report breaks %s:\n%s", junitXSD, strings.Join(p, "\n"))
	}
	var rep junitReport
	if err := xml.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	passed, failed := res.Counts()
	skipped := len(res.Scenarios) - passed - failed
	if rep.Tests != len(res.Scenarios) || rep.Failures != failed {
		t.Errorf("testsuites: tests %d, failures %d; want %d, %d", rep.Tests, rep.Failures, len(res.Scenarios), failed)
	}
	nonNegative := func(what, v string) {
		if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 {
			t.Errorf("%s time = %q; want seconds, not negative", what, v)
		}
	}
	nonNegative("testsuites", rep.Time)
	var tests, failures, skips int
	for _, s := range rep.Suites {
		nonNegative("testsuite "+s.Name, s.Time)
		if s.File == "" || len(s.Cases) != s.Tests {
			t.Errorf("testsuite %q: file %q, %d testcases, tests %d; want a file and the count", s.Name, s.File, len(s.Cases), s.Tests)
		}
		sf, ss := 0, 0
		for _, c := range s.Cases {
			nonNegative("testcase "+c.Name, c.Time)
			if c.Classname == "" || c.Error != nil {
				t.Errorf("testcase %q: classname %q, error %v; want a classname and no <error>", c.Name, c.Classname, c.Error)
			}
			if c.Failure != nil {
				sf++
				if !strings.HasPrefix(c.Failure.Message, "step [") || !strings.Contains(c.Failure.Text, "Step: ") {
					t.Errorf("testcase %q: failure %+v; want the failing step in message and text", c.Name, c.Failure)
				}
			}
			if c.Skipped != nil {
				ss++
			}
		}
		if sf != s.Failures || ss != s.Skipped {
			t.Errorf("testsuite %q: failures %d, skipped %d; its testcases have %d, %d", s.Name, s.Failures, s.Skipped, sf, ss)
		}
		tests, failures, skips = tests+s.Tests, failures+sf, skips+ss
	}
	if tests != len(res.Scenarios) || failures != failed || skips != skipped {
		t.Errorf("suites hold %d tests, %d failures, %d skipped; want %d, %d, %d", tests, failures, skips, len(res.Scenarios), failed, skipped)
	}
	return rep
}

// TestJUnitOfAFailingRun writes the JUnit report of a real run with passed,
// failed, undefined and skipped scenarios, in random order and concurrently,
// and checks it validates and counts right.
func TestJUnitOfAFailingRun(t *testing.T) {
	var seen []string
	s, err := conformance.New(t.Context(), conformance.Config{BaseURL: serveMock(t), Steps: teamSteps(&seen), OmitSteps: []string{succeedsPattern}})
	if err != nil {
		t.Fatal(err)
	}
	feats := fstest.MapFS{
		"team.feature": teamFeatures["team.feature"],
		"broken.feature": {Data: []byte(`Feature: Broken expectations
  Scenario: A status nobody answers
    When I read the alert
    Then the request succeeds with status 201

  Scenario: A step nobody wrote
    When I dance around the alert
`)},
	}
	var out bytes.Buffer
	res, err := s.Run(t.Context(), conformance.Options{Features: feats, Format: "junit", Output: &out, Randomize: -1, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[conformance.Outcome]int{}
	for _, sc := range res.Scenarios {
		outcomes[sc.Outcome]++
	}
	if outcomes[conformance.Passed] != 1 || outcomes[conformance.Failed] != 1 || outcomes[conformance.Undefined] != 1 || outcomes[conformance.Skipped] != 1 {
		t.Fatalf("outcomes = %v; want one of each", outcomes)
	}
	rep := checkJUnit(t, out.Bytes(), res)
	for _, s := range rep.Suites {
		for _, c := range s.Cases {
			if c.Name == "A status nobody answers" && (c.Failure == nil || c.Failure.Type != "failed" || !strings.Contains(c.Failure.Message, "step [the request succeeds with status 201]")) {
				t.Errorf("failed testcase: %+v; want the step and its error", c.Failure)
			}
			if c.Name == "A step nobody wrote" && (c.Failure == nil || c.Failure.Type != "undefined") {
				t.Errorf("undefined testcase: %+v; want a failure of type undefined", c.Failure)
			}
		}
	}
}

// TestJUnitTimesOfRandomConcurrentRuns runs the built-in read-only scenarios
// in random order, concurrently, where godog's own formatter gave suites
// negative times, and checks the report.
func TestJUnitTimesOfRandomConcurrentRuns(t *testing.T) {
	s := newSuite(t, serveMock(t))
	for range 3 {
		var out bytes.Buffer
		res, err := s.Run(t.Context(), conformance.Options{Features: features.FS(), Tags: "@live-safe", Format: "junit", Output: &out, Randomize: -1, Concurrency: 8})
		if err != nil {
			t.Fatal(err)
		}
		checkJUnit(t, out.Bytes(), res)
	}
}

// TestJUnitGolden writes the report of a hand-made result and compares it
// with testdata/junit-report.xml (go test ./conformance -run Golden -update
// rewrites it); .ci/junit-consumers.sh has real JUnit readers read the same file.
func TestJUnitGolden(t *testing.T) {
	res := &conformance.Result{BaseURL: "http://mock.test/beta", AlertID: conformance.DocumentedAlertID, Duration: 1234 * time.Millisecond, Scenarios: []conformance.ScenarioResult{
		{Feature: "features/update_status.feature", FeatureName: "Update the status of an alert", Line: 10, Name: "Resolve an alert", Tags: []string{"@live-writes", "@documented"}, Outcome: conformance.Passed, Duration: 120 * time.Millisecond},
		{Feature: "features/update_status.feature", FeatureName: "Update the status of an alert", Line: 30, Name: "Refused: a status that does not exist", Outcome: conformance.Failed, Duration: 80 * time.Millisecond,
			Step: `the request fails with status 400 and error code "BadRequest"`, Err: "error code = \"RequestBodyRead\"; want \"BadRequest\" (PATCH /security/partner/securityAlerts/x)\nbody: {\"error\":{}} <&>"},
		{Feature: "features/update_status.feature", FeatureName: "Update the status of an alert", Line: 41, Name: "Refused: a status that does not exist", Outcome: conformance.Passed, Duration: -5 * time.Millisecond},
		{Feature: "features/list_alerts.feature", FeatureName: "List, filter and page through alerts", Line: 7, Name: "Every page", Outcome: conformance.Skipped, Err: "skipped: needs 3 alerts"},
		{Feature: "features/list_alerts.feature", FeatureName: "List, filter and page through alerts", Line: 20, Name: "A step nobody wrote", Outcome: conformance.Undefined, Step: "I dance", Err: "step is undefined"},
	}}
	var out bytes.Buffer
	if err := res.WriteJUnit(&out); err != nil {
		t.Fatal(err)
	}
	checkJUnit(t, out.Bytes(), res)
	const golden = "testdata/junit-report.xml"
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("JUnit report differs from %s (go test ./conformance -run Golden -update):\n%s", golden, out.String())
	}
}
