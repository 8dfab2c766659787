package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock"
	"github.com/partner-security/alertmock/mock/alert"
)

// mintWithRun runs "alertmock token args…" through run and returns the token.
func mintWithRun(tb testing.TB, args ...string) string {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), append([]string{"token"}, args...), &stdout, &stderr); err != nil {
		tb.Fatalf("alertmock token %v: %v\n%s", args, err, stderr.String())
	}
	out := stdout.String()
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		tb.Fatalf("alertmock token printed %q; want one line", out)
	}
	return strings.TrimSuffix(out, "\n")
}

// jwtParts decodes a compact JWT's header and claims and returns its signature.
func jwtParts(tb testing.TB, token string) (header, claims map[string]any, sig []byte) {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("token %q has %d parts; want 3", token, len(parts))
	}
	for i, v := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			tb.Fatalf("part %d: %v", i, err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			tb.Fatalf("part %d: %v", i, err)
		}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		tb.Fatalf("signature: %v", err)
	}
	return header, claims, sig
}

func TestTokenSubcommandClaims(t *testing.T) {
	before := time.Now().Unix()
	tests := []struct {
		name string
		args []string
		want map[string]any // claims that must be present with these values
		gone []string       // claims that must be absent
	}{
		{"default is a delegated writer", nil,
			map[string]any{"scp": "PartnerSecurity.ReadWrite.All", "aud": "https://graph.microsoft.com", "ver": "1.0"},
			[]string{"roles", "upn", "tid", "appid"}},
		{"delegated with user and tenant",
			[]string{"-scp", "PartnerSecurity.Read.All,User.Read", "-upn", "ana@contoso.com", "-tid", "t-1", "-oid", "o-1"},
			map[string]any{"scp": "PartnerSecurity.Read.All User.Read", "upn": "ana@contoso.com", "tid": "t-1",
				"oid": "o-1", "iss": "https://sts.windows.net/t-1/"},
			[]string{"roles"}},
		{"app-only",
			[]string{"-roles", "PartnerSecurity.ReadWrite.All PartnerSecurity.Read.All", "-appid", "app-1"},
			map[string]any{"roles": []any{"PartnerSecurity.ReadWrite.All", "PartnerSecurity.Read.All"}, "appid": "app-1"},
			[]string{"scp", "upn"}},
		{"explicitly no permission", []string{"-scp", ""}, map[string]any{}, []string{"scp", "roles"}},
		{"audience, issuer and extra claims",
			[]string{"-aud", "api://x", "-iss", "https://issuer.test/", "-claim", "unique_name=bob@contoso.com", "-claim", "azp=z"},
			map[string]any{"aud": "api://x", "iss": "https://issuer.test/", "unique_name": "bob@contoso.com", "azp": "z"},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header, claims, sig := jwtParts(t, mintWithRun(t, tt.args...))
			if got, want := header["alg"], "none"; got != want {
				t.Errorf("alg = %v; want %v", got, want)
			}
			if len(sig) != 0 {
				t.Errorf("unsigned token has a %d-byte signature; want none", len(sig))
			}
			for k, want := range tt.want {
				if got := claims[k]; !reflect.DeepEqual(got, want) {
					t.Errorf("claim %s = %v; want %v", k, got, want)
				}
			}
			for _, k := range tt.gone {
				if v, ok := claims[k]; ok {
					t.Errorf("claim %s = %v; want absent", k, v)
				}
			}
			iat, _ := claims["iat"].(float64)
			exp, _ := claims["exp"].(float64)
			if int64(iat) < before || exp-iat != 3600 {
				t.Errorf("iat, exp = %v, %v; want iat ≥ %d and a 1h lifetime", iat, exp, before)
			}
		})
	}
}

func TestTokenSubcommandExpiry(t *testing.T) {
	now := time.Now().Unix()
	_, claims, _ := jwtParts(t, mintWithRun(t, "-expires", "-1h"))
	exp, _ := claims["exp"].(float64)
	iat, _ := claims["iat"].(float64)
	if int64(exp) > now || iat >= exp {
		t.Errorf("-expires -1h: iat %v, exp %v; want exp in the past (≤ %d) and iat before exp", iat, exp, now)
	}
	_, claims, _ = jwtParts(t, mintWithRun(t, "-expires", "90m"))
	if got, want := claims["exp"].(float64)-claims["iat"].(float64), 5400.0; got != want {
		t.Errorf("-expires 90m: exp-iat = %v; want %v", got, want)
	}
}

func TestTokenSubcommandSigns(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("k3y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-key", "k3y"}, {"-key-file", keyFile}} {
		token := mintWithRun(t, args...)
		header, _, sig := jwtParts(t, token)
		if got, want := header["alg"], "HS256"; got != want {
			t.Errorf("%v: alg = %v; want %v", args, got, want)
		}
		mac := hmac.New(sha256.New, []byte("k3y"))
		mac.Write([]byte(token[:strings.LastIndex(token, ".")]))
		if !hmac.Equal(sig, mac.Sum(nil)) {
			t.Errorf("%v: signature does not verify with key %q", args, "k3y")
		}
	}
}

func TestTokenSubcommandErrors(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"key and key file", []string{"-key", "a", "-key-file", empty}},
		{"empty key file", []string{"-key-file", empty}},
		{"missing key file", []string{"-key-file", filepath.Join(t.TempDir(), "nope")}},
		{"bad claim", []string{"-claim", "novalue"}},
		{"bad duration", []string{"-expires", "soon"}},
		{"stray argument", []string{"extra"}},
		{"unknown flag", []string{"-bogus"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			err := run(context.Background(), append([]string{"token"}, tt.args...), &stdout, io.Discard)
			if err == nil {
				t.Errorf("alertmock token %v = nil error; want an error", tt.args)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q; want nothing on error", stdout.String())
			}
		})
	}
}

// serveRun runs the server through run with args (and -addr 127.0.0.1:0)
// until the test ends. It returns the base URL run printed and every line it
// printed before it.
func serveRun(tb testing.TB, args ...string) (baseURL string, printed []string) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // nobody listens any more; keep draining
			}
		}
	}()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-log-level", "error"}, args...), pw, io.Discard)
		pw.Close()
	}()
	tb.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			tb.Errorf("run returned %v after cancel; want nil", err)
		}
	})
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				cancel()
				tb.Fatalf("run %v ended before serving: %v (printed %q)", args, <-errc, printed)
			}
			if u, found := strings.CutPrefix(line, "alertmock: serving "); found {
				return u, printed
			}
			printed = append(printed, line)
		case <-timeout:
			tb.Fatalf("run %v printed no base URL within 20s (printed %q)", args, printed)
		}
	}
}

// call sends one request with a bearer token (and a JSON body for PATCH) and
// decodes the JSON answer.
func call(tb testing.TB, client *http.Client, method, url, token, session, body string) (int, map[string]any) {
	tb.Helper()
	status, m, err := tryCall(client, method, url, token, session, body)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	return status, m
}

// tryCall is call returning its error (transport failure or a body that is
// not a JSON object) instead of failing the test.
func tryCall(client *http.Client, method, url, token, session, body string) (int, map[string]any, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Mock-Session", session)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("body is not a JSON object: %w\n%s", err, b)
	}
	return resp.StatusCode, m, nil
}

// errCode reads the code of a Graph error envelope.
func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// TestTokensAgainstServer: tokens from "alertmock token" are accepted by the
// server with the right attribution, refused with 403 without the permission
// and with 401 when signed with another key or expired.
func TestTokensAgainstServer(t *testing.T) {
	alertURL := func(base string) string { return base + "/security/partner/securityAlerts/" + alert.DocumentedID }
	client := &http.Client{Timeout: 10 * time.Second}
	const resolve = `{"status":"resolved","resolvedReason":"fraud"}`

	t.Run("attribution", func(t *testing.T) {
		for _, key := range []string{"", "k1"} {
			var serverArgs, keyArgs []string
			if key != "" {
				serverArgs, keyArgs = []string{"-auth-key", key}, []string{"-key", key}
			}
			base, _ := serveRun(t, serverArgs...)
			tests := []struct {
				name, session, want string
				args                []string
			}{
				{"delegated", "deleg", "ana@contoso.com", []string{"-upn", "ana@contoso.com"}},
				{"app-only", "app", "app-42", []string{"-roles", "PartnerSecurity.ReadWrite.All", "-appid", "app-42"}},
			}
			for _, tt := range tests {
				token := mintWithRun(t, append(tt.args, keyArgs...)...)
				status, m := call(t, client, "PATCH", alertURL(base), token, tt.session+key, resolve)
				if status != 200 {
					t.Fatalf("key %q, %s: PATCH Status = %d; want 200\n%v", key, tt.name, status, m)
				}
				if got := m["resolvedBy"]; got != tt.want {
					t.Errorf("key %q, %s: resolvedBy = %v; want %s", key, tt.name, got, tt.want)
				}
				logs, _ := m["activityLogs"].([]any)
				if len(logs) != 1 {
					t.Fatalf("key %q, %s: activityLogs = %v; want one entry", key, tt.name, m["activityLogs"])
				}
				if got := logs[0].(map[string]any)["updatedBy"]; got != tt.want {
					t.Errorf("key %q, %s: updatedBy = %v; want %s", key, tt.name, got, tt.want)
				}
			}
		}
	})

	t.Run("refusals", func(t *testing.T) {
		base, _ := serveRun(t, "-auth-key", "k1")
		tests := []struct {
			name, method string
			args         []string
			status       int
			code         string
		}{
			{"read scope reads", "GET", []string{"-scp", "PartnerSecurity.Read.All", "-key", "k1"}, 200, ""},
			{"read scope may not patch", "PATCH", []string{"-scp", "PartnerSecurity.Read.All", "-key", "k1"}, 403, "Forbidden"},
			{"read role may not patch", "PATCH", []string{"-roles", "PartnerSecurity.Read.All", "-key", "k1"}, 403, "Forbidden"},
			{"no permission may not read", "GET", []string{"-scp", "User.Read", "-key", "k1"}, 403, "Forbidden"},
			{"other key", "GET", []string{"-key", "k2"}, 401, "InvalidAuthenticationToken"},
			{"unsigned", "GET", nil, 401, "InvalidAuthenticationToken"},
			{"expired", "GET", []string{"-key", "k1", "-expires", "-1m"}, 401, "InvalidAuthenticationToken"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				body := ""
				if tt.method == "PATCH" {
					body = resolve
				}
				status, m := call(t, client, tt.method, alertURL(base), mintWithRun(t, tt.args...), "refusals", body)
				if status != tt.status || errCode(m) != tt.code {
					t.Errorf("Status, code = %d, %q; want %d, %q\n%v", status, errCode(m), tt.status, tt.code, m)
				}
			})
		}
		// Nothing was changed by the refused PATCHes.
		_, m := call(t, client, "GET", alertURL(base), mintWithRun(t, "-key", "k1"), "refusals", "")
		if got := m["status"]; got != "active" {
			t.Errorf("status after refused PATCHes = %v; want active", got)
		}
	})

	// Issue #19 part 7: -auth-key accepted a token without exp and checked
	// neither aud nor iss.
	t.Run("claim checks", func(t *testing.T) {
		noExp := func(key string) string {
			tok, err := mock.MintToken(mock.Token{Scopes: []string{"PartnerSecurity.Read.All"}}, []byte(key))
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		strict, _ := serveRun(t, "-auth-key", "k1", "-auth-audience", "api://mock", "-auth-issuer", "https://issuer/")
		lenient, _ := serveRun(t, "-auth-key", "k1", "-auth-exp-optional")
		tests := []struct {
			name, base, token string
			status            int
			contains          string
		}{
			{"right aud and iss", strict, mintWithRun(t, "-key", "k1", "-aud", "api://mock", "-iss", "https://issuer/"), 200, ""},
			{"other aud", strict, mintWithRun(t, "-key", "k1", "-iss", "https://issuer/"), 401, "Invalid audience."},
			{"other iss", strict, mintWithRun(t, "-key", "k1", "-aud", "api://mock"), 401, "Invalid issuer."},
			{"no exp", lenient, noExp("k1"), 200, ""},
			{"no exp, exp required by default", strict, noExp("k1"), 401, "no expiry"},
		}
		for _, tt := range tests {
			status, m := call(t, client, "GET", alertURL(tt.base), tt.token, "claims", "")
			e, _ := m["error"].(map[string]any)
			msg, _ := e["message"].(string)
			if status != tt.status || !strings.Contains(msg, tt.contains) {
				t.Errorf("%s: Status = %d %q; want %d %q", tt.name, status, msg, tt.status, tt.contains)
			}
		}
		if err := run(context.Background(), []string{"-auth-exp-optional"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "needs -auth-key") {
			t.Errorf("-auth-exp-optional without -auth-key: %v; want an error saying it needs -auth-key", err)
		}
	})
}
