package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/tlscert"
)

// trustingClient returns a client whose only trusted root is the PEM file at path.
func trustingClient(tb testing.TB, path string) *http.Client {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		tb.Fatalf("%s holds no PEM certificate", path)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true,
	}}
	// Idle connections would make the server's graceful shutdown wait.
	tb.Cleanup(client.CloseIdleConnections)
	return client
}

// checkHTTPS lists alerts over base with client and checks the answer is
// served over TLS with an https @odata.context and nextLink.
func checkHTTPS(tb testing.TB, client *http.Client, base string) {
	tb.Helper()
	if !strings.HasPrefix(base, "https://") {
		tb.Fatalf("base URL %q; want https://", base)
	}
	status, m := call(tb, client, "GET", base+"/security/partner/securityAlerts?$top=2", "opaque", "tls", "")
	if status != 200 {
		tb.Fatalf("GET over HTTPS: Status = %d; want 200\n%v", status, m)
	}
	for _, k := range []string{"@odata.context", "@odata.nextLink"} {
		if v, _ := m[k].(string); !strings.HasPrefix(v, base) {
			tb.Errorf("%s = %q; want it to start with %q", k, v, base)
		}
	}
}

func TestServeTLSGeneratedCertificate(t *testing.T) {
	certOut := filepath.Join(t.TempDir(), "certs", "alertmock.pem")
	base, printed := serveRun(t, "-tls", "-tls-cert-out", certOut)
	if got := strings.Join(printed, "\n"); !strings.Contains(got, certOut) {
		t.Errorf("printed %q; want the certificate path %s", got, certOut)
	}
	checkHTTPS(t, trustingClient(t, certOut), base)
	// localhost is in the certificate too.
	checkHTTPS(t, trustingClient(t, certOut), strings.Replace(base, "127.0.0.1", "localhost", 1))

	untrusting := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()},
	}}
	resp, err := untrusting.Get(base + "/security/partner/securityAlerts")
	if err == nil {
		resp.Body.Close()
		t.Fatal("GET without trusting the certificate succeeded; want a verification error")
	}
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("error = %v; want x509.UnknownAuthorityError", err)
	}
}

// TestServeTLSDefaultCertificatePath: without -tls-cert-out the certificate
// goes to the temporary directory, which the output states, and never to the
// working directory (issue 11: one sat untracked in the repository root).
func TestServeTLSDefaultCertificatePath(t *testing.T) {
	work, tmp := t.TempDir(), t.TempDir()
	t.Chdir(work)
	t.Setenv("TMPDIR", tmp)
	base, printed := serveRun(t, "-tls")
	want := filepath.Join(tmp, "alertmock-cert.pem")
	if got := strings.Join(printed, "\n"); !strings.Contains(got, "written to "+want) {
		t.Errorf("printed %q; want it to state the certificate path %s", got, want)
	}
	checkHTTPS(t, trustingClient(t, want), base)
	if entries, err := os.ReadDir(work); err != nil || len(entries) != 0 {
		t.Errorf("working directory holds %v (err %v); want nothing", entries, err)
	}
}

func TestServeTLSGivenFiles(t *testing.T) {
	gen, err := tlscert.Generate(tlscert.Options{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	keyDER, err := x509.MarshalPKCS8PrivateKey(gen.Certificate.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, gen.PEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := serveRun(t, "-tls-cert", certFile, "-tls-key", keyFile)
	checkHTTPS(t, trustingClient(t, certFile), base)
}

func TestServeTLSFlagErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{"cert without key", []string{"-tls-cert", filepath.Join(dir, "c.pem")}, "key"},
		{"key without cert", []string{"-tls-key", filepath.Join(dir, "k.pem")}, "certificate"},
		{"missing files", []string{"-tls-cert", filepath.Join(dir, "c.pem"), "-tls-key", filepath.Join(dir, "k.pem")}, "c.pem"},
		{"cert-out without -tls", []string{"-tls-cert-out", filepath.Join(dir, "x.pem")}, "-tls-cert-out"},
		{"unwritable cert-out", []string{"-tls", "-tls-cert-out", filepath.Join(dir, "file", "x.pem")}, "-tls-cert-out"},
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := run(ctx, append([]string{"-addr", "127.0.0.1:0"}, tt.args...), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run %v = %v; want an error mentioning %q", tt.args, err, tt.want)
			}
		})
	}
}
