package tlscert

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// rsaCert is a self-signed RSA certificate for 127.0.0.1, as a user's
// -tls-cert may be (the generated one is ECDSA).
func rsaCert(tb testing.TB) tls.Certificate {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rsa test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// servers starts a TLS server with ServerConfig for the generated (ECDSA)
// certificate and one for an RSA certificate, by certificate kind.
func servers(tb testing.TB) map[string]string {
	tb.Helper()
	gen, err := Generate(Options{Now: time.Now})
	if err != nil {
		tb.Fatal(err)
	}
	return map[string]string{
		"ECDSA": strings.TrimPrefix(startTLS(tb, gen.Certificate).URL, "https://"),
		"RSA":   strings.TrimPrefix(startTLS(tb, rsaCert(tb)).URL, "https://"),
	}
}

// handshake reports whether a client offering only suite at TLS 1.2 (or,
// with suite 0, only TLS version v) completes a handshake with addr.
func handshake(addr string, v, suite uint16) (tls.ConnectionState, error) {
	cfg := &tls.Config{InsecureSkipVerify: true, MinVersion: v, MaxVersion: v}
	if suite != 0 {
		cfg.CipherSuites = []uint16{suite}
	}
	d := &tls.Dialer{Config: cfg, NetDialer: &net.Dialer{Timeout: 10 * time.Second}}
	c, err := d.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer c.Close()
	return c.(*tls.Conn).ConnectionState(), nil
}

// TestTLS12AcceptsOnlyAEADWithForwardSecrecy reproduces issue #19 part 4:
// TLS 1.2 accepted the CBC suites with SHA-1 MACs
// (ECDHE-ECDSA-AES128-SHA, …). A Go client offers each TLS 1.2 suite Go
// knows (secure and insecure) alone; the server must accept exactly the
// ECDHE AEAD suites of its certificate's kind. The accepted list is
// logged (go test -v -run TestTLS12 ./mock/tlscert).
func TestTLS12AcceptsOnlyAEADWithForwardSecrecy(t *testing.T) {
	addrs := servers(t)
	want := map[string][]string{"ECDSA": nil, "RSA": nil}
	for _, id := range []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256} {
		name := tls.CipherSuiteName(id)
		kind := "RSA"
		if strings.Contains(name, "ECDSA") {
			kind = "ECDSA"
		}
		want[kind] = append(want[kind], name)
	}
	for _, kind := range []string{"ECDSA", "RSA"} {
		var got []string
		for _, cs := range slices.Concat(tls.CipherSuites(), tls.InsecureCipherSuites()) {
			if !slices.Contains(cs.SupportedVersions, tls.VersionTLS12) {
				continue
			}
			if _, err := handshake(addrs[kind], tls.VersionTLS12, cs.ID); err == nil {
				got = append(got, cs.Name)
			}
		}
		slices.Sort(got)
		slices.Sort(want[kind])
		t.Logf("%s certificate, TLS 1.2 accepts: %s", kind, strings.Join(got, ", "))
		if !slices.Equal(got, want[kind]) {
			t.Errorf("%s certificate: TLS 1.2 accepts %v; want exactly %v", kind, got, want[kind])
		}
	}
}

// TestTLSVersions: TLS 1.3 is served (with Go's AEAD suites); TLS 1.0 and
// 1.1 are refused.
func TestTLSVersions(t *testing.T) {
	for kind, addr := range servers(t) {
		st, err := handshake(addr, tls.VersionTLS13, 0)
		if err != nil {
			t.Errorf("%s: TLS 1.3 handshake: %v", kind, err)
		} else {
			t.Logf("%s certificate, TLS 1.3 negotiates %s", kind, tls.CipherSuiteName(st.CipherSuite))
		}
		for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
			if _, err := handshake(addr, v, 0); err == nil {
				t.Errorf("%s: %s handshake succeeded; want it refused", kind, tls.VersionName(v))
			}
		}
	}
}

// TestTLSSuitesWithOpenSSL asks openssl s_client (when installed) for the
// suites the outside battery found accepted, by OpenSSL's names.
func TestTLSSuitesWithOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	addrs := servers(t)
	tests := []struct {
		kind, version, cipher string
		accepted              bool
	}{
		{"ECDSA", "-tls1_2", "ECDHE-ECDSA-AES128-SHA", false},
		{"ECDSA", "-tls1_2", "ECDHE-ECDSA-AES256-SHA", false},
		{"ECDSA", "-tls1_2", "ECDHE-ECDSA-AES128-SHA256", false},
		{"ECDSA", "-tls1_2", "ECDHE-ECDSA-AES128-GCM-SHA256", true},
		{"ECDSA", "-tls1_2", "ECDHE-ECDSA-AES256-GCM-SHA384", true},
		{"ECDSA", "-tls1_2", "ECDHE-ECDSA-CHACHA20-POLY1305", true},
		{"RSA", "-tls1_2", "ECDHE-RSA-AES128-SHA", false},
		{"RSA", "-tls1_2", "ECDHE-RSA-AES256-SHA", false},
		{"RSA", "-tls1_2", "AES128-SHA", false},
		{"RSA", "-tls1_2", "AES256-SHA", false},
		{"RSA", "-tls1_2", "AES128-GCM-SHA256", false}, // RSA key exchange: no forward secrecy
		{"RSA", "-tls1_2", "ECDHE-RSA-AES128-GCM-SHA256", true},
		{"RSA", "-tls1_2", "ECDHE-RSA-CHACHA20-POLY1305", true},
		{"ECDSA", "-tls1_3", "", true},
		{"RSA", "-tls1_3", "", true},
	}
	for _, tt := range tests {
		args := []string{"s_client", "-connect", addrs[tt.kind], tt.version}
		if tt.cipher != "" {
			args = append(args, "-cipher", tt.cipher)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := exec.CommandContext(ctx, openssl, args...).CombinedOutput() // stdin is empty: it quits after the handshake
		cancel()
		negotiated := err == nil && strings.Contains(string(out), "Cipher is ") && !strings.Contains(string(out), "Cipher is (NONE)")
		if negotiated != tt.accepted {
			t.Errorf("openssl %s: accepted = %v; want %v\n%s", strings.Join(args, " "), negotiated, tt.accepted, out)
		}
	}
}
