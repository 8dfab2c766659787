package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/conformance/oracle"
	"github.com/partner-security/alertmock/mock"
	"github.com/partner-security/alertmock/mock/auth"
)

// noEnv is a getenv with no variables set.
func noEnv(string) string { return "" }

// runCmd runs the command with args and returns its exit status, stdout and stderr.
func runCmd(tb testing.TB, getenv func(string) string, args ...string) (int, string, string) {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, getenv, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// junitSuites is the part of a JUnit XML report the test reads.
type junitSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		File  string `xml:"file,attr"`
		Cases []struct {
			Name      string    `xml:"name,attr"`
			Classname string    `xml:"classname,attr"`
			Failure   *struct{} `xml:"failure"`
			Skipped   *struct{} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestBuiltInMockJUnitReport runs the whole suite against the built-in mock and
// checks that -format junit -out writes a JUnit XML file that parses.
func TestBuiltInMockJUnitReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.xml")
	code, stdout, stderr := runCmd(t, noEnv, "-format", "junit", "-out", out)
	if code != exitPassed {
		t.Fatalf("exit status = %d; want %d\nstdout: %s\nstderr: %s", code, exitPassed, stdout, stderr)
	}
	if !strings.Contains(stdout, "conformance: PASS:") {
		t.Errorf("stdout = %q; want a PASS summary line", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep junitSuites
	if err := xml.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report is not XML: %v", err)
	}
	if rep.Tests == 0 || rep.Failures != 0 {
		t.Errorf("report: tests = %d, failures = %d; want tests > 0, failures 0", rep.Tests, rep.Failures)
	}
	cases := 0
	for _, s := range rep.Suites {
		if !strings.HasPrefix(s.File, "features/") || !strings.HasSuffix(s.File, ".feature") {
			t.Errorf("testsuite %s: file %q; want features/<name>.feature", s.Name, s.File)
		}
		for _, c := range s.Cases {
			cases++
			if c.Failure != nil || c.Skipped != nil || c.Classname != s.Name {
				t.Errorf("testcase %s / %s: failure %v, skipped %v, classname %q; want a pass with its feature as classname", s.Name, c.Name, c.Failure, c.Skipped, c.Classname)
			}
		}
	}
	if cases != rep.Tests {
		t.Errorf("report lists %d testcases; its tests attribute says %d", cases, rep.Tests)
	}
}

// TestSeparateMockTarget runs the suite with -target against a mock served
// separately, as a CI job would against a started alertmock.
func TestSeparateMockTarget(t *testing.T) {
	code, stdout, stderr := runCmd(t, noEnv, "-target", serveMock(t, mock.Config{}), "-format", "progress")
	if code != exitPassed {
		t.Fatalf("exit status = %d; want %d\nstdout: %s\nstderr: %s", code, exitPassed, stdout, stderr)
	}
}

// TestAdminTokenReachesControlAPI runs the fault scenarios against a mock
// whose control API requires an admin token.
func TestAdminTokenReachesControlAPI(t *testing.T) {
	args := []string{"-target", serveMock(t, mock.Config{AdminToken: "s3cret"}), "-tags", "@mock-only", "-format", "progress"}
	if code, stdout, _ := runCmd(t, noEnv, append(args, "-admin-token", "s3cret")...); code != exitPassed {
		t.Errorf("with -admin-token: exit status = %d; want %d\n%s", code, exitPassed, stdout)
	}
	code, stdout, _ := runCmd(t, noEnv, args...)
	if code != exitFailed || !strings.Contains(stdout, "needs the mock's control API") {
		t.Errorf("without -admin-token: exit status = %d; want %d and a message naming the control API\n%s", code, exitFailed, stdout)
	}
}

// TestMintKeySignsTokens runs the suite against a mock that checks HS256
// signatures: with -mint-key every scenario but the opaque-token ones passes.
func TestMintKeySignsTokens(t *testing.T) {
	code, stdout, stderr := runCmd(t, noEnv, "-target", serveMock(t, mock.Config{AuthKey: []byte("k3y")}), "-mint-key", "k3y", "-tags", "~@opaque-token", "-format", "progress")
	if code != exitPassed {
		t.Fatalf("exit status = %d; want %d\nstdout: %s\nstderr: %s", code, exitPassed, stdout, stderr)
	}
}

// TestHTTPSTarget runs the read-only scenarios against a mock served over
// HTTPS with a certificate the system does not trust: -ca-cert makes it trusted,
// and without it the run stops with one line about the certificate.
func TestHTTPSTarget(t *testing.T) {
	base, ca := serveTLSMock(t)
	args := []string{"-target", base, "-tags", "@live-safe", "-format", "progress"}
	if code, stdout, stderr := runCmd(t, noEnv, append(args, "-ca-cert", ca)...); code != exitPassed {
		t.Errorf("with -ca-cert: exit status = %d; want %d\nstdout: %s\nstderr: %s", code, exitPassed, stdout, stderr)
	}
	code, _, stderr := runCmd(t, noEnv, args...)
	if code != exitUsage || !strings.Contains(stderr, "the TLS certificate is not trusted") || !strings.Contains(stderr, "with -ca-cert FILE") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("without -ca-cert: exit status = %d, stderr %q; want %d and one line naming -ca-cert", code, stderr, exitUsage)
	}
}

// TestWrongServerFails checks that a target that serves something Graph-shaped
// but not the API makes the command exit 1 with a FAIL summary.
func TestWrongServerFails(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"value":[]}`))
	}))
	t.Cleanup(ts.Close)
	out := filepath.Join(t.TempDir(), "report.xml")
	code, stdout, _ := runCmd(t, noEnv, "-target", ts.URL+"/beta", "-tags", "@live-safe", "-format", "junit", "-out", out)
	if code != exitFailed {
		t.Errorf("exit status = %d; want %d", code, exitFailed)
	}
	if !strings.Contains(stdout, "conformance: FAIL:") {
		t.Errorf("stdout does not end with a FAIL summary line:\n%s", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report is not XML: %v", err)
	}
	if rep.Failures == 0 {
		t.Fatal("report: failures = 0; want some")
	}
	for _, s := range rep.Suites {
		for _, c := range s.Cases {
			if c.Failure == nil {
				continue
			}
			// The service root, $metadata and $batch are not operations of
			// the description: their steps judge them, not the contract.
			msg := c.Failure.Message
			protocol := strings.Contains(msg, "$batch") || strings.Contains(msg, "$metadata") || strings.Contains(msg, "service document")
			if !(strings.Contains(msg, "oracle: GET") || protocol) || strings.Contains(msg, "hook") {
				t.Errorf("failure message = %q; want the oracle's findings on the step (or a protocol step's error), not a hook failure", msg)
			}
		}
	}
}

// TestUnreachableTarget checks that a target that does not answer gives one
// clear line, not a failure per scenario or a stack trace.
func TestUnreachableTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, stdout, stderr := runCmd(t, noEnv, "-target", "http://"+addr+"/beta")
	if code != exitUsage {
		t.Errorf("exit status = %d; want %d", code, exitUsage)
	}
	if got := strings.Count(strings.TrimSpace(stderr), "\n"); got != 0 || !strings.Contains(stderr, "does not answer") {
		t.Errorf("stderr = %q; want one line saying the target does not answer", stderr)
	}
	if stdout != "" {
		t.Errorf("stdout = %q; want nothing", stdout)
	}
}

// TestOwnFeatures runs a team's own feature file with the same steps, and
// checks that an undefined step fails the run (strict mode).
func TestOwnFeatures(t *testing.T) {
	tests := []struct {
		name, feature string
		want          int
	}{
		{"known steps", `Feature: Our own check
  @live-safe @documented
  Scenario: Our alert is readable
    Given I am signed in with permission to read alerts
    When I read the alert
    Then the request succeeds with status 200
    And the response is a valid "partnerSecurityAlertEntity"
`, exitPassed},
		{"undefined step", `Feature: Our own check
  Scenario: A step nobody wrote
    When I dance around the alert
`, exitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "own.feature"), []byte(tt.feature), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCmd(t, noEnv, "-features", dir, "-format", "progress")
			if code != tt.want {
				t.Errorf("exit status = %d; want %d\nstdout: %s\nstderr: %s", code, tt.want, stdout, stderr)
			}
		})
	}
}

// TestListSteps checks that -list-steps prints the step patterns.
func TestListSteps(t *testing.T) {
	code, stdout, _ := runCmd(t, noEnv, "-list-steps")
	if code != exitPassed {
		t.Errorf("exit status = %d; want %d", code, exitPassed)
	}
	for _, want := range []string{`^I read the alert$`, `^the response is a valid "([^"]*)"$`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("-list-steps output lacks %s:\n%s", want, stdout)
		}
	}
}

// TestFlags checks flag errors and defaults.
func TestFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		check   func(options) string
	}{
		{name: "bad format", args: []string{"-format", "html"}, wantErr: `-format "html"`},
		{name: "stray argument", args: []string{"features/"}, wantErr: "unexpected arguments"},
		{name: "negative concurrency", args: []string{"-concurrency", "-1"}, wantErr: "-concurrency"},
		{name: "a test report format with -compare", args: []string{"-compare", "http://127.0.0.1:1/beta", "-format", "junit"}, wantErr: `-format "junit" with -compare: want one of text, json, markdown`},
		{name: "a drift report format without -compare", args: []string{"-format", "markdown"}, wantErr: `-format "markdown": want one of pretty`},
		{name: "a -compare setting without -compare", args: []string{"-compare-token", "t"}, wantErr: "-compare-token needs -compare"},
		{name: "unknown rules", args: []string{"-rules", "strict"}, wantErr: `-rules "strict": want auto, documented or all`},
		{name: "no settle time", args: []string{"-settle", "0s"}, wantErr: "-settle 0s: want a positive duration"},
		{name: "rules and settle time", args: []string{"-rules", "documented", "-settle", "2s"}, check: func(o options) string {
			if o.rules != "documented" || o.settle != 2*time.Second {
				return fmt.Sprintf("rules %q, settle %s; want documented, 2s", o.rules, o.settle)
			}
			return ""
		}},
		{name: "rules and settle time by default", check: func(o options) string {
			if o.rules != "auto" || o.settle != 5*time.Second {
				return fmt.Sprintf("rules %q, settle %s; want auto, 5s", o.rules, o.settle)
			}
			return ""
		}},
		{name: "-compare defaults", args: []string{"-compare", "http://127.0.0.1:1/beta", "-alert-id", "a1"}, check: func(o options) string {
			if o.format != "text" || o.compareID != "a1" || o.concurrency != 1 {
				return fmt.Sprintf("format %q, compare alert id %q, concurrency %d; want text, a1, 1", o.format, o.compareID, o.concurrency)
			}
			return ""
		}},
		{name: "mock runs concurrently", check: func(o options) string {
			if o.concurrency <= 1 {
				return "concurrency <= 1 for the built-in mock"
			}
			return ""
		}},
		{name: "a target runs one at a time", args: []string{"-target", "https://graph.microsoft.com/beta"}, check: func(o options) string {
			if o.concurrency != 1 {
				return "concurrency != 1 for a -target"
			}
			return ""
		}},
		{name: "admin token from ALERTMOCK_ADMIN_TOKEN", env: map[string]string{"ALERTMOCK_ADMIN_TOKEN": "adm"}, check: func(o options) string {
			if o.adminToken != "adm" {
				return "admin token " + o.adminToken + "; want adm"
			}
			return ""
		}},
		{name: "a variant that is none", args: []string{"-variant", "accept=xml"}, wantErr: `-variant: request variant "accept=xml": accept="xml"; want one of json, any, odata, none`},
		{name: "a variant seed is picked", check: func(o options) string {
			if o.variantSeed < 0 {
				return fmt.Sprintf("variant seed %d; want one picked", o.variantSeed)
			}
			return ""
		}},
		{name: "read token from GRAPH_READ_TOKEN", env: map[string]string{"GRAPH_READ_TOKEN": "r3ad"}, check: func(o options) string {
			if got := *o.needTokens["@needs-read-token"]; got != "r3ad" {
				return "read token " + got + "; want r3ad"
			}
			return ""
		}},
		{name: "token from GRAPH_TOKEN", env: map[string]string{"GRAPH_TOKEN": "t0k"}, check: func(o options) string {
			if o.token != "t0k" {
				return "token " + o.token + "; want t0k"
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			o, err := parseFlags(tt.args, getenv, &bytes.Buffer{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v; want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(o); msg != "" {
				t.Error(msg)
			}
		})
	}
}

// TestListRules checks that -list-rules prints the oracle's table, every rule
// with its label, and exits 0.
func TestListRules(t *testing.T) {
	code, stdout, stderr := runCmd(t, noEnv, "-list-rules")
	if code != exitPassed || stderr != "" {
		t.Fatalf("exit status = %d, stderr %q; want 0 and nothing", code, stderr)
	}
	if stdout != oracle.Table() {
		t.Errorf("-list-rules printed:\n%s\nwant oracle.Table():\n%s", stdout, oracle.Table())
	}
	for _, r := range oracle.Rules() {
		if !strings.Contains(stdout, "| `"+r.ID+"` | "+string(r.Label)+" | ") {
			t.Errorf("-list-rules lacks the row of %s", r.ID)
		}
	}
}

// TestRulesOfARun runs the built-in mock with tag sets and -rules and checks
// the rules the summary line names.
func TestRulesOfARun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the built-in mock three times")
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-tags", "@live-safe && ~@assumption"}, "(rules: documented)"},
		{[]string{"-tags", "@live-safe"}, "(rules: all)"},
		{[]string{"-tags", "@live-safe && ~@assumption", "-rules", "all"}, "(rules: all)"},
	} {
		code, stdout, stderr := runCmd(t, noEnv, append(tt.args, "-format", "progress")...)
		if code != exitPassed || !strings.Contains(stdout, tt.want) {
			t.Errorf("conformance %s: exit status %d, stdout ends %q, stderr %q; want 0 and %s", strings.Join(tt.args, " "), code, lastLine(stdout), stderr, tt.want)
		}
	}
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestHelp checks that -h prints the usage with every flag and exits 0.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		code, stdout, stderr := runCmd(t, noEnv, arg)
		if code != exitPassed {
			t.Errorf("%s: exit status = %d; want %d", arg, code, exitPassed)
		}
		for _, want := range []string{"Usage: conformance", "-target", "-compare", "-compare-token", "exit 0"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: the usage lacks %q:\n%s", arg, want, stdout)
			}
		}
		if stderr != "" {
			t.Errorf("%s: stderr = %q; want nothing", arg, stderr)
		}
	}
}

// TestBadFlagIsOneLine checks that a flag error is one line and exit 2.
func TestBadFlagIsOneLine(t *testing.T) {
	code, stdout, stderr := runCmd(t, noEnv, "-tagz", "@live-safe")
	if code != exitUsage || stdout != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "-tagz") {
		t.Errorf("exit status %d, stdout %q, stderr %q; want %d and one line naming -tagz", code, stdout, stderr, exitUsage)
	}
}

// TestNoScenarioSelected checks that a selection of no scenario is exit 2 with
// one line saying so, not a green run, and writes no report.
func TestNoScenarioSelected(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"tags no scenario has together", []string{"-tags", "@live-safe && @mock-only"}, `no scenario selected: the tags "@live-safe && @mock-only" match none of the`},
		{"empty features folder", []string{"-features", empty}, "no scenario selected: the features hold no scenario"},
		{"mistyped tag in a drift report", []string{"-tags", "@mock-onyl", "-compare", "http://127.0.0.1:1/beta"}, "no scenario has the tag @mock-onyl; did you mean @mock-only?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "report")
			code, stdout, stderr := runCmd(t, noEnv, append(tt.args, "-out", out)...)
			if code != exitUsage {
				t.Errorf("exit status = %d; want %d", code, exitUsage)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q; want one line containing %q", stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q; want nothing", stdout)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("-out file written for a run that did not happen")
			}
		})
	}
}

// TestTargetWithoutAPI checks that a -target (or -compare) that answers but
// does not serve the API at that base is exit 2 with one line naming the fix.
func TestTargetWithoutAPI(t *testing.T) {
	base := serveMock(t, mock.Config{})
	host := strings.TrimSuffix(base, "/beta")
	notFound := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"the host without /beta", []string{"-target", host}, "does not serve the partner security alerts API (GET " + host + "/security/partner/securityAlerts?$select=id answered 404, application/json): the base URL needs its version segment: try " + base},
		{"a server without the API", []string{"-target", notFound.URL + "/beta"}, "check that " + notFound.URL + "/beta is the API's base URL"},
		{"-compare without /beta", []string{"-target", base, "-compare", host}, "try " + base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, noEnv, append(tt.args, "-tags", "@live-safe")...)
			if code != exitUsage {
				t.Errorf("exit status = %d; want %d", code, exitUsage)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q; want one line containing %q", stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q; want nothing", stdout)
			}
		})
	}
}

// TestCompare runs drift reports between the built-in mock and separately
// served mocks: one like it (exit 0), and one that checks token signatures,
// with the key to sign them, on the scenarios with a key and on those with
// an opaque token (exit 0 and 1).
func TestCompare(t *testing.T) {
	plain, signed := serveMock(t, mock.Config{}), serveMock(t, mock.Config{AuthKey: []byte("k3y")})
	tests := []struct {
		name    string
		args    []string
		format  string
		want    int
		stdout  string // the text report contains it
		differs string // the report file names a differing scenario with it
	}{
		{"two mocks", []string{"-compare", plain}, "json", exitPassed, "Both sides agree on all", ""},
		{"a mock that checks signatures, with its key", []string{"-compare", signed, "-compare-mint-key", "k3y", "-tags", "@live-writes && ~@opaque-token"}, "text", exitPassed, "Both sides agree on all", ""},
		{"a mock that checks signatures, on opaque tokens", []string{"-compare", signed, "-compare-mint-key", "k3y", "-tags", "@opaque-token"}, "markdown", exitFailed, "The sides differ on", "| passed | failed at step ["},
		{"the same, in JSON", []string{"-compare", signed, "-compare-mint-key", "k3y", "-tags", "@opaque-token"}, "json", exitFailed, "The sides differ on", `"same": false`},
	}
	for _, tt := range tests {
		format := tt.format
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "drift."+format)
			code, stdout, stderr := runCmd(t, noEnv, append(tt.args, "-concurrency", "8", "-format", format, "-out", out)...)
			if code != tt.want {
				t.Fatalf("exit status = %d; want %d\nstdout: %s\nstderr: %s", code, tt.want, stdout, stderr)
			}
			if !strings.Contains(stdout, "Drift report: A http://127.0.0.1:") || !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout lacks the text report saying %q:\n%s", tt.stdout, stdout)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			report := string(b)
			switch format {
			case "json":
				var rep struct {
					Agree     bool `json:"agree"`
					Scenarios []struct {
						Name string `json:"name"`
						Same bool   `json:"same"`
					} `json:"scenarios"`
				}
				if err := json.Unmarshal(b, &rep); err != nil {
					t.Fatalf("the JSON report does not parse: %v", err)
				}
				if rep.Agree != (tt.want == exitPassed) || len(rep.Scenarios) == 0 {
					t.Errorf("JSON report: agree %v with %d scenarios; want %v", rep.Agree, len(rep.Scenarios), tt.want == exitPassed)
				}
			case "markdown":
				if !strings.HasPrefix(report, "## Conformance drift report") {
					t.Errorf("the Markdown report starts %q", firstLine(report))
				}
			}
			if tt.differs != "" && !strings.Contains(report, tt.differs) {
				t.Errorf("the %s report does not name %q", format, tt.differs)
			}
		})
	}
}

// firstLine returns the first line of s.
func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// TestCompareReportOnStdout checks that without -out the chosen format, and
// only it, goes to stdout.
func TestCompareReportOnStdout(t *testing.T) {
	code, stdout, stderr := runCmd(t, noEnv, "-compare", serveMock(t, mock.Config{}), "-tags", "@live-safe", "-format", "json")
	if code != exitPassed {
		t.Fatalf("exit status = %d; want %d\nstderr: %s", code, exitPassed, stderr)
	}
	var rep struct {
		Agree bool `json:"agree"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || !rep.Agree {
		t.Errorf("stdout is not a JSON report that agrees (%v):\n%s", err, stdout)
	}
}

// serveMock starts a mock with cfg on a real socket and returns its base URL.
func serveMock(t *testing.T, cfg mock.Config) string {
	t.Helper()
	srv, err := mock.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL + "/beta"
}

// TestNeedTokens runs the scenarios of every need but minting against a mock
// that checks signatures, with a -token of its own and the need tokens given
// by flag and environment: the harness mints nothing, so they pass only with
// the tokens supplied. Without one, or with @needs-minting selected, the run
// stops before it starts, with one line naming the flag or the tag.
func TestNeedTokens(t *testing.T) {
	key := []byte("k3y")
	now := time.Now()
	mint := func(tok auth.Token) string {
		t.Helper()
		tok.TenantID, tok.IssuedAt, tok.NotBefore = "72f988bf-86f1-41af-91ab-2d7cd011db47", now.Add(-time.Hour), now.Add(-time.Hour)
		if tok.ExpiresAt.IsZero() {
			tok.ExpiresAt = now.Add(time.Hour)
		}
		s, err := auth.Mint(tok, key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	env := map[string]string{"GRAPH_EXPIRED_TOKEN": mint(auth.Token{UPN: "eve@contoso.com", Scopes: []string{"PartnerSecurity.Read.All"}, ExpiresAt: now.Add(-time.Minute)})}
	getenv := func(k string) string { return env[k] }
	target := serveMock(t, mock.Config{AuthKey: key})
	args := []string{"-target", target, "-format", "progress", "-tags", "~@mock-only && ~@needs-minting",
		"-token", mint(auth.Token{UPN: "ann@contoso.com", Scopes: []string{"PartnerSecurity.ReadWrite.All"}}),
		"-read-token", mint(auth.Token{UPN: "rita@contoso.com", Scopes: []string{"PartnerSecurity.Read.All"}}),
		"-unprivileged-token", mint(auth.Token{UPN: "uma@contoso.com", Scopes: []string{"User.Read"}}),
		"-app-token", mint(auth.Token{AppID: "9b2c6f1e-0d4a-4e8b-a1c3-5f7e9d0b2a4c", Roles: []string{"PartnerSecurity.ReadWrite.All"}}),
		"-app-read-token", mint(auth.Token{AppID: "1d3f5b7a-9c2e-4f60-8a1b-3c5d7e9f0a2b", Roles: []string{"PartnerSecurity.Read.All"}}),
	}
	if code, stdout, stderr := runCmd(t, getenv, args...); code != exitPassed {
		t.Fatalf("with every need token: exit status = %d; want %d\nstdout: %s\nstderr: %s", code, exitPassed, stdout, stderr)
	}
	// The same tokens serve the -compare side, which has a token of its own,
	// while the built-in mock on the -target side mints its own.
	compare := append([]string{"-compare", target, "-compare-token", args[7]}, args[8:]...)
	compare = append(compare, "-tags", "@needs-read-token,@needs-expired-token,@needs-app-token")
	if code, stdout, stderr := runCmd(t, getenv, compare...); code != exitPassed {
		t.Fatalf("-compare with need tokens: exit status = %d; want %d\nstdout: %s\nstderr: %s", code, exitPassed, stdout, stderr)
	}
	tests := []struct {
		name   string
		getenv func(string) string
		args   []string
		want   []string
	}{
		{"no expired token", noEnv, args, []string{"need an access token for Microsoft Graph that has expired (@needs-expired-token)", "supply it with -expired-token (or $GRAPH_EXPIRED_TOKEN)", `add "~@needs-expired-token" to -tags`}},
		{"minting with a token", getenv, append(args[:len(args):len(args)], "-tags", "@needs-minting"), []string{"(@needs-minting)", `add "~@needs-minting" to -tags`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, tt.getenv, tt.args...)
			if code != exitUsage || stdout != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("exit status %d, stdout %q, stderr %q; want %d and one line on stderr", code, stdout, stderr, exitUsage)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr = %q; want it to say %q", stderr, w)
				}
			}
		})
	}
}

// TestVariantSeed runs the read scenarios against a mock behind a proxy that
// refuses Accept: */* with 406 (as a service that reads only application/json
// would): the run fails naming the variant and the seed printed with the
// summary, the same seed fails the same scenarios again, and -variant base
// (the harness's own shape) passes.
func TestVariantSeed(t *testing.T) {
	srv, err := mock.New(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") == "*/*" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotAcceptable)
			_, _ = w.Write([]byte(`{"error":{"code":"NotAcceptable","message":"application/json only"}}`))
			return
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	args := []string{"-target", ts.URL + "/beta", "-tags", "@live-safe && ~@assumption", "-format", "progress", "-random-seed", "0"}
	code, first, _ := runCmd(t, noEnv, append(args, "-variant-seed", "11")...)
	if code != exitFailed || !strings.Contains(first, "-variant-seed 11") || !strings.Contains(first, `"accept=any`) {
		t.Fatalf("exit status %d; want %d, failures naming accept=any and -variant-seed 11:\n%s", code, exitFailed, first)
	}
	failed := func(out string) string {
		return out[strings.Index(out, "--- Failed steps:"):strings.LastIndex(out, "scenarios (")]
	}
	if _, again, _ := runCmd(t, noEnv, append(args, "-variant-seed", "11")...); !strings.Contains(again, "-variant-seed 11") || failed(again) != failed(first) {
		t.Errorf("the same -variant-seed failed other steps:\n%s\nthen:\n%s", failed(first), failed(again))
	}
	if code, stdout, stderr := runCmd(t, noEnv, append(args, "-variant", "base")...); code != exitPassed || strings.Contains(stdout, "-variant-seed") {
		t.Errorf("-variant base: exit status %d; want %d and no seed printed\nstdout: %s\nstderr: %s", code, exitPassed, stdout, stderr)
	}
}
