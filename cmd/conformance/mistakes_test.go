package main

import (
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/partner-security/alertmock/mock"
)

// TestMistakesAreOneLine checks that each mistake a user makes on the command
// line stops the run before any scenario with exit 2 and one line on stderr
// that names the fix, and writes no report.
func TestMistakesAreOneLine(t *testing.T) {
	plain := serveMock(t, mock.Config{})
	signed := serveMock(t, mock.Config{AuthKey: []byte("k3y")})
	tlsBase, _ := serveTLSMock(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "own.feature")
	if err := os.WriteFile(file, []byte("Feature: f\n  @team-only\n  Scenario: s\n    When I read the alert\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"a typo inside a negated tag", []string{"-tags", "~@mock-only && ~@asumption"},
			[]string{`-tags "~@mock-only && ~@asumption": no scenario has the tag @asumption; did you mean @assumption?`}},
		{"a typo in a tag", []string{"-tags", "@live-safty"}, []string{"no scenario has the tag @live-safty; did you mean @live-safe?"}},
		{"a tag of other features", []string{"-features", dir, "-tags", "@team-only,@mock-only"}, []string{"no scenario has the tag @mock-only", "the features use @team-only"}},
		{"not as a word", []string{"-tags", "not @mock-only"}, []string{"write ~ for not, e.g. ~@mock-only", "godog's syntax is"}},
		{"! for not", []string{"-tags", "!@mock-only"}, []string{"write ~ for not, e.g. ~@mock-only"}},
		{"and as a word", []string{"-tags", "@live-safe and @documented"}, []string{"write && for and"}},
		{"|| for or", []string{"-tags", "@live-safe || @live-writes"}, []string{"write , for or"}},
		{"unbalanced parentheses", []string{"-tags", "(@live-safe,@live-writes && ~@assumption"}, []string{"parentheses are not part of godog's tag expressions"}},
		{"a stray comma", []string{"-tags", "@live-safe,"}, []string{"an empty term"}},
		{"a token the target refuses", []string{"-target", plain, "-token", "abc.def.ghi"},
			[]string{"target " + plain + " refuses -token (401 InvalidAuthenticationToken: ", "pass a valid, unexpired access token"}},
		{"a mock that checks signatures, no -mint-key", []string{"-target", signed},
			[]string{"refuses the unsigned test tokens the harness mints (401 InvalidAuthenticationToken: ", "pass -mint-key K"}},
		{"the wrong -mint-key", []string{"-target", signed, "-mint-key", "nope"}, []string{"refuses the test tokens signed with -mint-key", "-auth-key"}},
		{"-features that does not exist", []string{"-features", filepath.Join(dir, "nope")}, []string{"no such folder"}},
		{"-features that is a file", []string{"-features", file}, []string{"is a file; give the folder that holds it (-features " + dir + ")"}},
		{"https without -ca-cert", []string{"-target", tlsBase, "-tags", "@live-safe"},
			[]string{"target " + tlsBase + ": the TLS certificate is not trusted (x509: ", "with -ca-cert FILE"}},
		{"-compare refuses its token", []string{"-compare", signed, "-tags", "@live-safe"},
			[]string{"-compare: target " + signed + " refuses the unsigned test tokens", "pass -compare-mint-key K", "with -compare-token"}},
		{"-target refuses its token in a drift report", []string{"-target", signed, "-compare", plain, "-tags", "@live-safe"},
			[]string{"-target: target " + signed + " refuses", "pass -mint-key K"}},
		{"https -compare without -compare-ca-cert", []string{"-compare", tlsBase, "-tags", "@live-safe"},
			[]string{"-compare: target " + tlsBase + ": the TLS certificate is not trusted", "with -compare-ca-cert FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "report")
			code, stdout, stderr := runCmd(t, noEnv, append(tt.args, "-out", out)...)
			if code != exitUsage {
				t.Errorf("exit status = %d; want %d\nstdout: %s", code, exitUsage, stdout)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("stderr is %d lines; want 1:\n%s", strings.Count(stderr, "\n"), stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr = %q; want it to say %q", stderr, w)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("-out file written for a run that did not happen")
			}
		})
	}
}

// serveTLSMock serves a mock over HTTPS with a certificate the system does
// not trust; it returns the base URL and a PEM file of the certificate.
func serveTLSMock(t *testing.T) (string, string) {
	t.Helper()
	srv, err := mock.New(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	ts.StartTLS()
	t.Cleanup(ts.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return ts.URL + "/beta", ca
}

// TestListenTakenPort checks that a port in use is named with the fix.
func TestListenTakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { taken.Close() })
	ln, err := listen("-listen", taken.Addr().String())
	if err == nil {
		ln.Close()
		t.Fatal("listen on a taken port succeeded")
	}
	if want := "-listen: " + taken.Addr().String() + " is already in use by another program: stop it, or pick another port (port 0 picks a free one)"; err.Error() != want {
		t.Errorf("error = %q; want %q", err, want)
	}
	ln, err = listen("-listen", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on a free port: %v", err)
	}
	ln.Close()
}

// TestOutCreatesItsFolder checks that -out reports/x.xml creates reports/.
func TestOutCreatesItsFolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "reports", "ci", "conformance.xml")
	code, stdout, stderr := runCmd(t, noEnv, "-tags", "@live-safe && ~@assumption", "-format", "junit", "-out", out)
	if code != exitPassed {
		t.Fatalf("exit status = %d; want %d\nstdout: %s\nstderr: %s", code, exitPassed, stdout, stderr)
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		t.Errorf("report %s: %v; want a written file", out, err)
	}
}

// TestList checks that -list prints the scenarios a tag set selects with
// their file:line and tags, sends no request (an unreachable -target is fine,
// and a reachable one sees none), and fails like a run on a bad tag.
func TestList(t *testing.T) {
	var requests atomic.Int32
	counting := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { requests.Add(1) }))
	t.Cleanup(counting.Close)
	for _, target := range []string{"http://127.0.0.1:1/beta", counting.URL + "/beta"} {
		code, stdout, stderr := runCmd(t, noEnv, "-list", "-target", target, "-tags", "@live-safe && ~@assumption")
		if code != exitPassed || stderr != "" {
			t.Fatalf("-list against %s: exit status %d, stderr %q; want %d and nothing", target, code, stderr, exitPassed)
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		last := lines[len(lines)-1]
		if !strings.HasSuffix(last, `scenarios selected by -tags "@live-safe && ~@assumption"`) {
			t.Errorf("last line = %q; want the count", last)
		}
		for _, l := range lines[:len(lines)-2] {
			if !strings.HasPrefix(l, "features/") || !strings.Contains(l, ".feature:") || !strings.Contains(l, "@live-safe") || strings.Contains(l, "@assumption") {
				t.Errorf("line %q: want features/<file>.feature:<line> with @live-safe and not @assumption", l)
			}
		}
		if want := len(lines) - 2; !strings.HasPrefix(last, fmt.Sprint(want)+" scenarios") {
			t.Errorf("last line = %q; want %d scenarios", last, want)
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("-list sent %d requests; want none", n)
	}
	if code, _, stderr := runCmd(t, noEnv, "-list", "-tags", "~@asumption"); code != exitUsage || !strings.Contains(stderr, "did you mean @assumption?") {
		t.Errorf("-list with a typo: exit status %d, stderr %q; want %d naming the tag", code, stderr, exitUsage)
	}
}

// TestRestoreLine checks that a run against a target without sessions (as
// Microsoft Graph) puts the alert under test back, also after a failed
// scenario, and says so in the line before the summary.
func TestRestoreLine(t *testing.T) {
	srv, err := mock.New(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Mock-Session", "graph") // one state for every request
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	dir := t.TempDir()
	feature := "Feature: w\n  Scenario: resolve, then expect a 201\n    Given I am signed in with permission to update alerts\n    When I change the alert's status to \"resolved\" with the reason \"fraud\"\n    Then the request succeeds with status 201\n"
	if err := os.WriteFile(filepath.Join(dir, "w.feature"), []byte(feature), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, noEnv, "-target", ts.URL+"/beta", "-features", dir, "-format", "progress")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	want := `conformance: alert d8b202fc-a216-3404-69ef-bdffa445eff6 restored to status "active", reason null (the scenarios left status "resolved", reason "fraud")`
	if code != exitFailed || len(lines) < 3 || lines[len(lines)-3] != want || !strings.HasPrefix(lines[len(lines)-1], "conformance: FAIL: 1 scenarios") {
		t.Errorf("exit status %d, stdout ends:\n%s\nstderr %q; want %d and the line %q before the summary", code, strings.Join(lines[max(0, len(lines)-3):], "\n"), stderr, exitFailed, want)
	}
}
