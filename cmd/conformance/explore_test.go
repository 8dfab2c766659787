package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/partner-security/alertmock/mock"
)

// TestExploreMock is the "done when" on the command line: 300
// operations of seed 1 against the built-in mock pass.
func TestExploreMock(t *testing.T) {
	code, stdout, stderr := runCmd(t, noEnv, "-explore", "300", "-seed", "1")
	if code != exitPassed {
		t.Fatalf("exit status = %d; want %d\nstdout: %s\nstderr: %s", code, exitPassed, stdout, stderr)
	}
	if last := lastLine(stdout); !strings.HasPrefix(last, "conformance: PASS: 300 operations (seed 1) against http://127.0.0.1:") || !strings.HasSuffix(last, "(rules: all)") {
		t.Errorf("last line = %q; want the PASS summary of 300 operations of seed 1", last)
	}
}

// serveClearing serves a mock whose update answers leave out the
// description: a service that breaks "an update keeps what it does not name".
func serveClearing(t *testing.T) string {
	t.Helper()
	srv, err := mock.New(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var a map[string]any
		if r.Method == http.MethodPatch && rec.Code == http.StatusOK && json.Unmarshal(body, &a) == nil {
			a["description"] = nil
			body, _ = json.Marshal(a)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/beta"
}

// TestExploreBrokenTarget is the other half: against a broken server the
// exploration exits 1 and prints a minimal scenario, the seed and how to
// rerun; saved as a .feature and run with -features, the scenario fails by
// the same rule against that server and passes against the mock.
func TestExploreBrokenTarget(t *testing.T) {
	broken := serveClearing(t)
	code, stdout, stderr := runCmd(t, noEnv, "-explore", "300", "-seed", "1", "-target", broken)
	if code != exitFailed {
		t.Fatalf("exit status = %d; want %d\nstdout: %s\nstderr: %s", code, exitFailed, stdout, stderr)
	}
	last := lastLine(stdout)
	for _, want := range []string{"conformance: FAIL: operation ", "(seed 1) failed by patch-keeps-unnamed", "rerun: conformance -explore 300 -seed 1 -target " + broken} {
		if !strings.Contains(last, want) {
			t.Errorf("last line = %q; want it to contain %q", last, want)
		}
	}
	i, j := strings.Index(stdout, "# Found by"), strings.Index(stdout, "\nconformance: alert")
	if i < 0 || j < i {
		t.Fatalf("no scenario in the output:\n%s", stdout)
	}
	feature := stdout[i:j]
	if n := strings.Count(feature, "\n    When ") + strings.Count(feature, "\n    And "); n < 1 || n > 3 {
		t.Errorf("the scenario has %d operations; want 1 to 3:\n%s", n, feature)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "explore.feature"), []byte(feature), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCmd(t, noEnv, "-features", dir, "-target", broken, "-format", "progress")
	if code != exitFailed || !strings.Contains(stdout, "[patch-keeps-unnamed, documented] description = null") {
		t.Errorf("the scenario against the broken server: exit %d; want %d, failing by patch-keeps-unnamed\nstdout: %s\nstderr: %s", code, exitFailed, stdout, stderr)
	}
	if code, stdout, stderr = runCmd(t, noEnv, "-features", dir, "-format", "progress"); code != exitPassed {
		t.Errorf("the scenario against the built-in mock: exit %d; want %d\nstdout: %s\nstderr: %s", code, exitPassed, stdout, stderr)
	}
}

// TestExploreJUnitReport checks -format junit -out with -explore: one test
// case, failed, with the minimal scenario, and the summary on stdout.
func TestExploreJUnitReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "explore.xml")
	code, stdout, stderr := runCmd(t, noEnv, "-explore", "300", "-seed", "1", "-target", serveClearing(t), "-format", "junit", "-out", out)
	if code != exitFailed || !strings.Contains(lastLine(stdout), "conformance: FAIL:") {
		t.Fatalf("exit status = %d; want %d with a FAIL summary\nstdout: %s\nstderr: %s", code, exitFailed, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep junitSuites
	if err := xml.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report is not XML: %v", err)
	}
	if rep.Tests != 1 || rep.Failures != 1 || !bytes.Contains(b, []byte("Feature: Exploration")) {
		t.Errorf("report: tests %d, failures %d; want one failed test case carrying the scenario:\n%s", rep.Tests, rep.Failures, b)
	}
}

// TestExploreFlags checks the flags of an exploration.
func TestExploreFlags(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"-explore", "-3"}, "-explore -3: want the number of operations"},
		{[]string{"-seed", "4"}, "-seed needs -explore"},
		{[]string{"-explore", "10", "-compare", "http://127.0.0.1:1/beta"}, "-explore and -compare"},
		{[]string{"-explore", "10", "-format", "progress"}, `-format "progress" with -explore: want pretty`},
	} {
		if _, err := parseFlags(tt.args, noEnv, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%v: error = %v; want one containing %q", tt.args, err, tt.wantErr)
		}
	}
	o, err := parseFlags([]string{"-explore", "10"}, noEnv, &bytes.Buffer{})
	if err != nil || o.seed < 1 {
		t.Errorf("-explore without -seed: seed %d, error %v; want a seed picked", o.seed, err)
	}
	o, err = parseFlags([]string{"-explore", "10", "-seed", "0", "-rules", "documented", "-tags", "~@assumption && ~@mock-only"}, noEnv, &bytes.Buffer{})
	if err != nil || o.seed != 0 {
		t.Fatalf("-seed 0: seed %d, error %v; want 0 kept", o.seed, err)
	}
	if got, want := rerun(o), "conformance -explore 10 -seed 0 -tags '~@assumption && ~@mock-only' -rules documented"; got != want {
		t.Errorf("rerun = %q; want %q", got, want)
	}
}

// TestExploreOutputInDocs runs the failing exploration docs/conformance.md
// shows and checks the page's text against the output, ports and times
// aside.
func TestExploreOutputInDocs(t *testing.T) {
	page, err := os.ReadFile("../../docs/conformance.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(page), "<!-- explore-output")
	_, rest, ok2 := strings.Cut(rest, "```text\n")
	block, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("docs/conformance.md has no <!-- explore-output --> block of text")
	}
	code, stdout, stderr := runCmd(t, noEnv, "-explore", "300", "-seed", "1", "-target", serveClearing(t))
	if code != exitFailed {
		t.Fatalf("exit status = %d; want %d\nstdout: %s\nstderr: %s", code, exitFailed, stdout, stderr)
	}
	if got, want := normalizeRun(stdout), normalizeRun(block); got != want {
		t.Errorf("the output of the exploration differs from docs/conformance.md:\n--- got\n%s\n--- docs\n%s", got, want)
	}
}

var (
	anyPort     = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)
	anyDuration = regexp.MustCompile(` in [0-9.]+(ns|µs|ms|s) \(rules`)
)

// normalizeRun writes every port as 8080 and every duration as T.
func normalizeRun(s string) string {
	s = anyPort.ReplaceAllString(s, "127.0.0.1:8080")
	s = anyDuration.ReplaceAllString(s, " in T (rules")
	return strings.TrimSpace(s)
}
