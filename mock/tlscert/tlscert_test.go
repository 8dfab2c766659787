package tlscert

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fixedNow is the clock of the TLS tests.
func fixedNow() time.Time { return time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC) }

// startTLS serves a trivial handler over HTTPS with cert on 127.0.0.1.
func startTLS(tb testing.TB, cert tls.Certificate) *httptest.Server {
	tb.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	srv.TLS = ServerConfig(cert)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusting client's handshake failure is expected
	srv.StartTLS()
	tb.Cleanup(srv.Close)
	return srv
}

// clientTrusting returns a client whose only trusted root is the PEM file at path.
func clientTrusting(tb testing.TB, path string) *http.Client {
	tb.Helper()
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		tb.Fatalf("AppendCertsFromPEM(%s) = false; want true", path)
	}
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true},
	}
}

func TestGeneratedCertTrustedThroughWrittenPEM(t *testing.T) {
	gen, err := Generate(Options{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sub", "cert.pem")
	if err := WritePEM(path, gen.PEM); err != nil {
		t.Fatal(err)
	}
	srv := startTLS(t, gen.Certificate)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	trusting := clientTrusting(t, path)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		t.Run(host, func(t *testing.T) {
			resp, err := trusting.Get("https://" + net.JoinHostPort(host, port) + "/")
			if err != nil {
				t.Fatalf("GET with the written certificate trusted: %v", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if got, want := resp.StatusCode, http.StatusOK; got != want {
				t.Errorf("Status = %d; want %d", got, want)
			}
			if got, want := string(body), "ok"; got != want {
				t.Errorf("body = %q; want %q", got, want)
			}
		})
	}

	t.Run("untrusting client fails verification", func(t *testing.T) {
		plain := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()},
		}}
		resp, err := plain.Get(srv.URL + "/")
		if err == nil {
			resp.Body.Close()
			t.Fatal("GET without trusting the certificate succeeded; want a verification error")
		}
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Errorf("error = %v; want x509.UnknownAuthorityError", err)
		}
	})
}

func TestGenerateCertFields(t *testing.T) {
	gen, err := Generate(Options{Now: fixedNow, Validity: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	leaf := gen.Certificate.Leaf
	if got, want := leaf.NotAfter, fixedNow().Add(48*time.Hour); !got.Equal(want) {
		t.Errorf("NotAfter = %v; want %v", got, want)
	}
	if got, want := leaf.NotBefore, fixedNow().Add(-time.Hour); !got.Equal(want) {
		t.Errorf("NotBefore = %v; want %v", got, want)
	}
	if leaf.IsCA {
		t.Errorf("IsCA = true; want false (a server certificate, not a CA)")
	}
	tests := []struct{ name, host string }{
		{"dns localhost", "localhost"},
		{"ipv4 loopback", "127.0.0.1"},
		{"ipv6 loopback", "::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := leaf.VerifyHostname(tt.host); err != nil {
				t.Errorf("VerifyHostname(%q) = %v; want nil", tt.host, err)
			}
		})
	}
	if err := leaf.VerifyHostname("example.com"); err == nil {
		t.Errorf("VerifyHostname(example.com) = nil; want an error")
	}
}

func TestGenerateCertCustomHosts(t *testing.T) {
	gen, err := Generate(Options{Now: fixedNow, Hosts: []string{"mock.test", "10.1.2.3"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"mock.test", "10.1.2.3"} {
		if err := gen.Certificate.Leaf.VerifyHostname(h); err != nil {
			t.Errorf("VerifyHostname(%q) = %v; want nil", h, err)
		}
	}
	if err := gen.Certificate.Leaf.VerifyHostname("localhost"); err == nil {
		t.Errorf("VerifyHostname(localhost) = nil; want an error for a host not asked for")
	}
}

func TestGenerateCertNeedsClock(t *testing.T) {
	if _, err := Generate(Options{}); err == nil {
		t.Fatal("Generate without Now = nil error; want an error")
	}
}

func TestLoadCertFiles(t *testing.T) {
	gen, err := Generate(Options{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certPath := filepath.Join(dir, "cert.pem")
	keyPath := filepath.Join(dir, "key.pem")
	if err := WritePEM(certPath, gen.PEM); err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(gen.Certificate.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pemEncode("PRIVATE KEY", keyDER), 0o600); err != nil {
		t.Fatal(err)
	}

	cert, err := LoadFiles(certPath, keyPath)
	if err != nil {
		t.Fatalf("LoadFiles: %v", err)
	}
	srv := startTLS(t, cert)
	resp, err := clientTrusting(t, certPath).Get(srv.URL + "/")
	if err != nil {
		t.Fatalf("GET over loaded certificate: %v", err)
	}
	resp.Body.Close()
	if got, want := resp.StatusCode, http.StatusOK; got != want {
		t.Errorf("Status = %d; want %d", got, want)
	}

	bad := []struct{ name, cert, key string }{
		{"missing key", certPath, ""},
		{"missing cert", "", keyPath},
		{"nonexistent file", filepath.Join(dir, "nope.pem"), keyPath},
		{"key is a certificate", certPath, certPath},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := LoadFiles(tt.cert, tt.key); err == nil {
				t.Errorf("LoadFiles(%q, %q) = nil error; want an error", tt.cert, tt.key)
			}
		})
	}
}

func pemEncode(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
