package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

// start runs the command with args on a free port and returns its base URL
// and a stop func that cancels it and returns run's error.
func runMock(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), pw, io.Discard)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no start line: %v (run: %v)", err, <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := strings.TrimSpace(strings.TrimPrefix(line, "alertmock: serving "))
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("run did not return after cancel")
			return nil
		}
	}
	t.Cleanup(func() { _ = stop() })
	return base, stop
}

func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	r, _ := http.NewRequest("GET", url, nil)
	r.Header.Set("Authorization", "Bearer opaque")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestRunServesAndDrains(t *testing.T) {
	base, stop := runMock(t)
	if !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/beta") {
		t.Fatalf("base URL = %q; want http://127.0.0.1:<port>/beta", base)
	}
	if code, _ := getJSON(t, strings.TrimSuffix(base, "/beta")+"/healthz"); code != 200 {
		t.Errorf("healthz = %d; want 200", code)
	}
	if code, m := getJSON(t, base+"/security/partner/securityAlerts/"+alert.DocumentedID); code != 200 || m["status"] != "active" {
		t.Errorf("GET documented alert = %d %v; want 200 active", code, m["status"])
	}
	if err := stop(); err != nil {
		t.Errorf("run = %v; want nil after cancel", err)
	}
}

func TestRunData(t *testing.T) {
	dir := t.TempDir()
	good := alert.Documented()
	good.ID = "only-one"
	b, _ := json.Marshal(map[string]any{"value": []alert.Alert{good}})
	goodFile := filepath.Join(dir, "good.json")
	if err := os.WriteFile(goodFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := runMock(t, "-data", goodFile)
	if code, m := getJSON(t, base+"/security/partner/securityAlerts"); code != 200 || len(m["value"].([]any)) != 1 {
		t.Errorf("list = %d %v; want the one alert of the file", code, m)
	}

	bad := `[` + string(mustMarshal(t, alert.Documented())) + `,{"id":"broken","displayName":"x","alertType":"t","status":"open","severity":"high","confidenceLevel":"low","customerTenantId":"c","subscriptionId":"s","detectedDateTime":"2024-01-01T00:00:00Z"}]`
	badFile := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badFile, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-data", badFile}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `alert 1 (id "broken")`) || !strings.Contains(err.Error(), "status") {
		t.Errorf("run with a bad data file = %v; want an error naming alert 1 (id \"broken\") and status", err)
	}
}

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-nope"}, {"extra"}, {"-log", "xml"}, {"-log-level", "loud"},
		{"-journal-bytes", "0"}, {"-journal-session-bytes", "-1"}, {"-journal-bytes", "1000", "-journal-session-bytes", "1001"}} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run %v = nil; want an error", args)
		}
	}
}

// TestRunPortInUse checks that a taken -addr is one error naming the fix,
// not Go's "bind: address already in use".
func TestRunPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	err = run(context.Background(), []string{"-addr", ln.Addr().String()}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-addr "+ln.Addr().String()+" is already in use") || !strings.Contains(err.Error(), "127.0.0.1:0") {
		t.Errorf("run on a taken port = %v; want an error naming -addr and the fix", err)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
