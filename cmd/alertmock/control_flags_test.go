package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// startRun runs the command with args on a free port and returns its root
// URL (scheme://host:port); the server stops when the test ends.
func startRun(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-log-level", "error"}, args...), pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run = %v; want nil after cancel", err)
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if err != nil {
		t.Fatalf("reading the served URL: %v", err)
	}
	u := strings.TrimSpace(line[strings.Index(line, "http://"):])
	return strings.TrimSuffix(u, "/beta")
}

// get sends a GET with the headers (name, value, name, value …) and returns
// the status and body.
func get(t *testing.T, url string, headers ...string) (int, string) {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestControlFlags starts the command with -faults, -throttle, -admin-token
// and -journal-size and checks that each takes effect.
func TestControlFlags(t *testing.T) {
	faults := filepath.Join(t.TempDir(), "faults.json")
	if err := os.WriteFile(faults, []byte(`{"value":[{"id":"down","session":"flaky","kind":"status","status":503}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// 0.01 requests per second: a session's second request waits 100 s, so
	// the throttle's 429 cannot be missed on a slow machine (issue #12: the
	// test passed whether -throttle was enforced or not).
	root := startRun(t, "-faults", faults, "-throttle", "0.01", "-admin-token", "s3cret", "-journal-size", "5")
	alert := root + "/beta/security/partner/securityAlerts/d8b202fc-a216-3404-69ef-bdffa445eff6"

	if st, _ := get(t, alert, "Authorization", "Bearer x", "X-Mock-Session", "flaky"); st != http.StatusServiceUnavailable {
		t.Errorf("session flaky: status %d; want 503 from the -faults rule", st)
	}
	if st, _ := get(t, alert, "Authorization", "Bearer x", "X-Mock-Session", "busy"); st != http.StatusOK {
		t.Errorf("busy, 1st request: status %d; want 200", st)
	}
	if st, ra := getRetryAfter(t, alert, "Authorization", "Bearer x", "X-Mock-Session", "busy"); st != http.StatusTooManyRequests || ra != "100" {
		t.Errorf("busy, 2nd request: status %d, Retry-After %q; want 429 and 100 (-throttle 0.01)", st, ra)
	}
	if st, _ := get(t, root+"/_mock/faults"); st != http.StatusUnauthorized {
		t.Errorf("control API without the admin token: status %d; want 401", st)
	}
	st, body := get(t, root+"/_mock/faults", "Authorization", "Bearer s3cret")
	if st != http.StatusOK || !strings.Contains(body, `"id":"down"`) {
		t.Errorf("control API with the admin token: %d %s; want 200 listing rule down", st, body)
	}
	st, body = get(t, root+"/_mock/throttle", "Authorization", "Bearer s3cret")
	if st != http.StatusOK || !strings.Contains(body, `"requestsPerSecond":0.01`) {
		t.Errorf("GET throttle: %d %s; want requestsPerSecond 0.01", st, body)
	}
	for i := 0; i < 8; i++ {
		get(t, alert, "Authorization", "Bearer x", "X-Mock-Session", "flaky")
	}
	_, body = get(t, root+"/_mock/sessions/flaky/journal", "Authorization", "Bearer s3cret")
	if n := strings.Count(body, `"seq":`); n != 5 {
		t.Errorf("journal of flaky holds %d entries; want 5 (-journal-size)", n)
	}
}

// getRetryAfter sends a GET with the headers and returns the status and the
// Retry-After header.
func getRetryAfter(t *testing.T, url string, headers ...string) (int, string) {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// TestBadFaultsFile: a faults file with a bad rule stops the start with a
// message naming the file and the field.
func TestBadFaultsFile(t *testing.T) {
	faults := filepath.Join(t.TempDir(), "faults.json")
	if err := os.WriteFile(faults, []byte(`{"value":[{"kind":"drop"},{"kind":"status","status":418}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-faults", faults}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), faults) || !strings.Contains(err.Error(), "'value[1].status'") {
		t.Errorf("run = %v; want an error naming %s and 'value[1].status'", err, faults)
	}
}

// TestMaxSessionsFlag: -max-sessions caps the sessions the server keeps;
// past it the least recently used one is forgotten.
func TestMaxSessionsFlag(t *testing.T) {
	root := startRun(t, "-max-sessions", "2")
	for _, s := range []string{"a", "b", "c"} {
		if st, body := get(t, root+"/beta/security/partner/securityAlerts?$top=1", "Authorization", "Bearer x", "X-Mock-Session", s); st != http.StatusOK {
			t.Fatalf("GET in session %s = %d %s; want 200", s, st, body)
		}
	}
	st, body := get(t, root+"/_mock/sessions")
	if st != http.StatusOK || strings.Contains(body, `"name":"a"`) || !strings.Contains(body, `"name":"c"`) {
		t.Errorf("GET /_mock/sessions = %d %s; want 200 with b and c only", st, body)
	}
	var stderr strings.Builder
	if err := run(context.Background(), []string{"-max-sessions", "0"}, io.Discard, &stderr); err == nil || !strings.Contains(err.Error(), "-max-sessions") {
		t.Errorf("run -max-sessions 0 = %v; want an error naming -max-sessions", err)
	}
}

// TestSecretSources pins where the admin token and the auth key come from
// (issue #10 part 5: only the command line, where ps shows them): the flag,
// else its -file form, else the environment; flag and file together, and an
// empty file, are errors.
func TestSecretSources(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tokFile, keyFile, empty := file("tok", "from-file\n"), file("key", "key-file\r\n"), file("empty", "\n")
	env := map[string]string{envAdminToken: "from-env", envAuthKey: "key-env"}
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		wantToken string
		wantKey   string
		err       string
	}{
		{"nothing", nil, nil, "", "", ""},
		{"env", nil, env, "from-env", "key-env", ""},
		{"files beat env", []string{"-admin-token-file", tokFile, "-auth-key-file", keyFile}, env, "from-file", "key-file", ""},
		{"flags beat env", []string{"-admin-token", "flag", "-auth-key", "kflag"}, env, "flag", "kflag", ""},
		{"empty flag beats env", []string{"-admin-token="}, env, "", "key-env", ""},
		{"flag and file", []string{"-admin-token", "flag", "-admin-token-file", tokFile}, nil, "", "", "give -admin-token or -admin-token-file, not both"},
		{"key flag and file", []string{"-auth-key", "k", "-auth-key-file", keyFile}, nil, "", "", "give -auth-key or -auth-key-file, not both"},
		{"empty file", []string{"-auth-key-file", empty}, nil, "", "", "is empty"},
		{"missing file", []string{"-admin-token-file", filepath.Join(dir, "none")}, nil, "", "", "-admin-token-file:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseFlags(tt.args, io.Discard, func(k string) string { return tt.env[k] })
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parseFlags error = %v; want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.adminToken != tt.wantToken || o.authKey != tt.wantKey {
				t.Errorf("admin token, auth key = %q, %q; want %q, %q", o.adminToken, o.authKey, tt.wantToken, tt.wantKey)
			}
		})
	}
}

// TestSecretsFromEnvironmentServe starts the command with the admin token
// and the auth key only in the environment: both take effect.
func TestSecretsFromEnvironmentServe(t *testing.T) {
	t.Setenv(envAdminToken, "env-admin")
	t.Setenv(envAuthKey, "env-key")
	root := startRun(t)
	if st, _ := get(t, root+"/_mock/faults", "Authorization", "Bearer env-admin"); st != http.StatusOK {
		t.Errorf("control API with the admin token from the environment: %d; want 200", st)
	}
	if st, _ := get(t, root+"/_mock/faults"); st != http.StatusUnauthorized {
		t.Errorf("control API without a token: %d; want 401", st)
	}
	if st, _ := get(t, root+"/beta/security/partner/securityAlerts?$top=1", "Authorization", "Bearer opaque"); st != http.StatusUnauthorized {
		t.Errorf("opaque token with an auth key from the environment: %d; want 401", st)
	}
}
