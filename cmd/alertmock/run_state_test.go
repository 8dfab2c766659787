package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock"
	"github.com/partner-security/alertmock/mock/alert"
)

// buildBinary builds the alertmock command into a temporary directory.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("builds and runs the binary; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		tb.Skipf("go tool not on PATH: %v", err)
	}
	bin := filepath.Join(tb.TempDir(), "alertmock")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is a running alertmock binary.
type process struct {
	cmd    *exec.Cmd
	base   string        // base URL it printed
	exited chan struct{} // closed when the process has ended
}

// startBinary starts bin with args (and -addr 127.0.0.1:0) and waits for the
// base URL it prints. The process is killed at cleanup if still running.
func startBinary(tb testing.TB, bin string, args ...string) *process {
	tb.Helper()
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0", "-log-level", "error"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	found := make(chan string, 1)
	var waitErr error
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "alertmock: serving "); ok {
				found <- u
			}
		}
		waitErr = cmd.Wait()
		close(p.exited)
	}()
	tb.Cleanup(func() {
		cmd.Process.Kill() // an error only says it has ended already
		<-p.exited
	})
	select {
	case p.base = <-found:
		return p
	case <-p.exited:
		tb.Fatalf("alertmock %v exited before serving: %v\n%s", args, waitErr, stderr.String())
	case <-time.After(30 * time.Second):
		tb.Fatalf("alertmock %v printed no base URL within 30s\n%s", args, stderr.String())
	}
	return nil
}

// kill ends the process with SIGKILL: no shutdown, no flush, no close.
func (p *process) kill(tb testing.TB) {
	tb.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		tb.Fatal(err)
	}
	<-p.exited
}

// TestStateSurvivesSIGKILL updates alerts from several clients at once, kills
// the server with SIGKILL in the middle of that, restarts it on the same
// -state file and finds every acknowledged (200) update, activity logs
// included. An update in flight at the kill may or may not have been kept,
// but nothing after it.
func TestStateSurvivesSIGKILL(t *testing.T) {
	bin := buildBinary(t)
	state := filepath.Join(t.TempDir(), "alertmock.db")
	srv := startBinary(t, bin, "-state", state)
	client := &http.Client{Timeout: 10 * time.Second}
	token := mintWithRun(t, "-upn", "ana@contoso.com")
	alerts := srv.base + "/security/partner/securityAlerts"

	// Eight workers, each owning one alert in one of two sessions.
	status, list := call(t, client, "GET", alerts+"?$top=4&$select=id", token, "s0", "")
	if status != 200 {
		t.Fatalf("list: Status = %d\n%v", status, list)
	}
	var ids []string
	for _, v := range list["value"].([]any) {
		ids = append(ids, v.(map[string]any)["id"].(string))
	}
	type owned struct {
		session, id string
		initialLogs int            // activity log entries of the seeded alert
		last        map[string]any // the last acknowledged alert (nil: none)
		changes     int            // acknowledged updates that changed the status
	}
	workers := make([]*owned, 0, 2*len(ids))
	for s := range 2 {
		for _, id := range ids {
			workers = append(workers, &owned{session: fmt.Sprintf("s%d", s), id: id})
		}
	}
	seeded := map[string]map[string]any{}
	for _, w := range workers {
		status, m := call(t, client, "GET", alerts+"/"+w.id, token, w.session, "")
		if status != 200 {
			t.Fatalf("GET %s: Status = %d", w.id, status)
		}
		delete(m, "@odata.context")
		seeded[w.id] = m
		w.initialLogs = len(m["activityLogs"].([]any))
	}

	// Each worker cycles its alert through the statuses until the server dies;
	// each 200 that changed the status added one activity log entry.
	cycle := []string{`{"status":"investigating"}`, `{"status":"resolved","resolvedReason":"fraud"}`, `{"status":"active"}`}
	var total atomic.Int64
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10_000; i++ {
				status, m, err := tryCall(client, "PATCH", alerts+"/"+w.id, token, w.session, cycle[i%len(cycle)])
				if err != nil {
					return // the server is gone
				}
				if status != 200 {
					t.Errorf("%s/%s: PATCH Status = %d; want 200\n%v", w.session, w.id, status, m)
					return
				}
				prev := seeded[w.id]["status"]
				if w.last != nil {
					prev = w.last["status"]
				}
				if m["status"] != prev {
					w.changes++
				}
				w.last = m
				total.Add(1)
			}
		}()
	}
	// Kill once enough updates are acknowledged (bounded: the workers stop on
	// their own after 10,000 each).
	workersDone := make(chan struct{})
	go func() { wg.Wait(); close(workersDone) }()
	for total.Load() < 300 {
		select {
		case <-srv.exited:
			t.Fatal("the server ended before it was killed")
		case <-workersDone:
			t.Fatalf("the workers stopped after %d updates, before the kill", total.Load())
		case <-time.After(5 * time.Millisecond):
		}
	}
	srv.kill(t)
	<-workersDone
	if t.Failed() {
		return
	}
	t.Logf("%d updates acknowledged before SIGKILL", total.Load())

	re := startBinary(t, bin, "-state", state)
	for _, w := range workers {
		if w.last == nil {
			continue
		}
		status, got := call(t, client, "GET", re.base+"/security/partner/securityAlerts/"+w.id, token, w.session, "")
		if status != 200 {
			t.Fatalf("%s/%s after restart: Status = %d", w.session, w.id, status)
		}
		wantLogs := w.last["activityLogs"].([]any)
		gotLogs := got["activityLogs"].([]any)
		if got, want := len(wantLogs), w.initialLogs+w.changes; got != want {
			t.Errorf("%s/%s: last acknowledged alert has %d log entries; want %d (seeded %d + one per change)", w.session, w.id, got, want, w.initialLogs)
		}
		switch {
		case len(gotLogs) == len(wantLogs):
			delete(got, "@odata.context")
			delete(w.last, "@odata.context")
			if !reflect.DeepEqual(got, w.last) {
				t.Errorf("%s/%s after restart:\n got %v\nwant %v", w.session, w.id, got, w.last)
			}
		case len(gotLogs) == len(wantLogs)+1: // the update in flight at the kill was committed
			if !reflect.DeepEqual(gotLogs[:len(wantLogs)], wantLogs) {
				t.Errorf("%s/%s after restart: activity log does not start with the acknowledged one:\n got %v\nwant %v…", w.session, w.id, gotLogs, wantLogs)
			}
		default:
			t.Errorf("%s/%s after restart: %d activity log entries; want %d (acknowledged) or %d (one in flight)",
				w.session, w.id, len(gotLogs), len(wantLogs), len(wantLogs)+1)
		}
	}
	// A session never written to still starts from the seed.
	status, m := call(t, client, "GET", re.base+"/security/partner/securityAlerts/"+ids[0], token, "untouched", "")
	delete(m, "@odata.context")
	if status != 200 || !reflect.DeepEqual(m, seeded[ids[0]]) {
		t.Errorf("untouched session after restart: Status %d, alert %v; want 200 and the seeded alert %v", status, m, seeded[ids[0]])
	}
}

// damagedStateFiles writes a state file with acknowledged changes, then
// copies of it cut short and overwritten.
func damagedStateFiles(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "good.db")
	root := startRun(t, "-state", path)
	client := &http.Client{Timeout: 10 * time.Second}
	for i := range 5 {
		status, m := call(t, client, "PATCH", root+"/beta/security/partner/securityAlerts/"+alert.DocumentedID, "x", fmt.Sprint("s", i), `{"status":"investigating"}`)
		if status != 200 {
			t.Fatalf("PATCH: %d %v", status, m)
		}
	}
	// startRun's cleanup stops the server at the end of the test; read the
	// committed file now (bbolt's file is whole after each commit).
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	write := func(name string, b []byte) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		out[name] = p
	}
	write("truncated.db", good[:len(good)/2])
	write("truncated-16k.db", good[:16<<10])
	corrupt := bytes.Clone(good)
	for i := 8 << 10; i < len(corrupt); i++ {
		corrupt[i] = byte(i*31 + 7)
	}
	write("corrupted.db", corrupt)
	// Issue #19 part 3: one flipped bit in a stored value (served changed
	// before), and in the meta page of the newest commit (bbolt went back
	// to the commit before without a word).
	flipped := bytes.Clone(good)
	at := bytes.LastIndex(flipped, []byte(`"status":"investigating"`))
	if at < 0 {
		t.Fatal("no stored status in the state file")
	}
	flipped[at+len(`"status":"investigatin`)] ^= 0x01 // investigating → investigatinf
	write("flipped-value.db", flipped)
	meta := bytes.Clone(good)
	newest := 0 // the meta page with the higher transaction id (bbolt's txid at byte 64 of a page)
	if binary.LittleEndian.Uint64(meta[4096+64:]) > binary.LittleEndian.Uint64(meta[64:]) {
		newest = 4096
	}
	meta[newest+40] ^= 0x10 // the root bucket's sequence: only the checksum notices
	write("newest-meta-page.db", meta)
	return out
}

// TestRunDamagedState reproduces issue #10: a state file cut short crashed
// the start (SIGSEGV inside bbolt), other damage panicked with a goroutine
// dump. run now returns one line naming the file and the damage.
func TestRunDamagedState(t *testing.T) {
	for name, path := range damagedStateFiles(t) {
		t.Run(name, func(t *testing.T) {
			var stderr strings.Builder
			err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-state", path}, io.Discard, &stderr)
			if err == nil {
				t.Fatal("run with a damaged state file = nil error")
			}
			if !errors.Is(err, mock.ErrStateDamaged) {
				t.Errorf("run = %v; want an error matching mock.ErrStateDamaged", err)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "-state: ") || !strings.Contains(msg, path) || !strings.Contains(msg, "damaged") {
				t.Errorf("run = %q; want one line: -state: …%s… damaged …", msg, path)
			}
		})
	}
}

// TestBinaryDamagedState: the binary exits non-zero with one line on stderr,
// no goroutine dump.
func TestBinaryDamagedState(t *testing.T) {
	bin := buildBinary(t)
	for name, path := range damagedStateFiles(t) {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-state", path)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("alertmock -state %s: %v; want exit status 2\n%s", name, err, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "alertmock: -state: ") || !strings.Contains(lines[0], "damaged") {
				t.Errorf("stderr = %q; want one line 'alertmock: -state: … damaged …'", stderr.String())
			}
		})
	}
}

// TestStateSurvivesEvictionAndLowerCap reproduces issue #10: with -state and
// -max-sessions 3, a session whose PATCH was acknowledged was gone after
// three other sessions were read and the server restarted; restarting with a
// lower -max-sessions deleted every session on the next new one.
func TestStateSurvivesEvictionAndLowerCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	client := &http.Client{Timeout: 10 * time.Second}
	alertURL := func(root string) string { return root + "/beta/security/partner/securityAlerts/" + alert.DocumentedID }
	serve := func(maxSessions string) (string, func()) {
		return runUntilStopped(t, io.Discard, "-log-level", "error", "-state", path, "-max-sessions", maxSessions)
	}

	root, stop := serve("3")
	for _, s := range []string{"d1", "d2", "d3"} {
		if status, m := call(t, client, "PATCH", alertURL(root), "x", s, `{"status":"resolved","resolvedReason":"fraud"}`); status != 200 {
			t.Fatalf("PATCH in %s: %d %v", s, status, m)
		}
	}
	for _, s := range []string{"r1", "r2", "r3"} { // evicts d1…d3 from memory
		call(t, client, "GET", alertURL(root), "x", s, "")
	}
	if status, m := call(t, client, "GET", alertURL(root), "x", "d1", ""); status != 200 || m["status"] != "resolved" {
		t.Errorf("d1 after eviction: %d status %v; want 200 resolved (read back from the file)", status, m["status"])
	}
	stop()

	root, stop = serve("1")
	for _, s := range []string{"n1", "n2"} {
		call(t, client, "GET", alertURL(root), "x", s, "")
	}
	for _, s := range []string{"d1", "d2", "d3"} {
		if status, m := call(t, client, "GET", alertURL(root), "x", s, ""); status != 200 || m["status"] != "resolved" {
			t.Errorf("%s after restart with -max-sessions 1: %d status %v; want 200 resolved", s, status, m["status"])
		}
	}
	stop()
}

// runUntilStopped starts run with args (and -addr 127.0.0.1:0), its log to
// logs, and returns the root URL it serves and a stop that cancels it and
// fails the test unless run then returns nil.
func runUntilStopped(t *testing.T, logs io.Writer, args ...string) (root string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), pw, logs)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if err != nil {
		cancel()
		t.Fatalf("start: %v (%v)", err, <-done)
	}
	return strings.TrimSuffix(strings.TrimSpace(line[strings.Index(line, "http://"):]), "/beta"), func() {
		t.Helper()
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("run = %v", err)
		}
	}
}

// TestRunEmptyStateFile: a -state file with no bytes (mktemp's, or one
// emptied) starts afresh with a warning line saying so; every start logs
// the number of the file's last change.
func TestRunEmptyStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	start := func() string {
		var logs lockedBuffer
		root, stop := runUntilStopped(t, &logs, "-state", path)
		client := &http.Client{Timeout: 10 * time.Second}
		if status, m := call(t, client, "PATCH", root+"/beta/security/partner/securityAlerts/"+alert.DocumentedID, "x", "e", `{"status":"resolved"}`); status != 200 {
			t.Fatalf("PATCH: %d %v", status, m)
		}
		stop()
		out, _ := logs.state()
		return out
	}
	first := start()
	if !strings.Contains(first, "level=WARN") || !strings.Contains(first, "state file was empty") || !strings.Contains(first, "last-change=0") {
		t.Errorf("first start logged:\n%s\nwant a warning that the file was empty and last-change=0", first)
	}
	second := start()
	if strings.Contains(second, "was empty") || !strings.Contains(second, "last-change=1") {
		t.Errorf("second start logged:\n%s\nwant no warning and last-change=1", second)
	}
}
