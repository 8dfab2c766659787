// Package tlscert makes, writes and loads the TLS certificates the mock serves
// HTTPS with.
package tlscert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// DefaultHosts returns the names a generated certificate is valid for when
// Options.Hosts is empty: localhost, 127.0.0.1 and ::1.
func DefaultHosts() []string { return []string{"localhost", "127.0.0.1", "::1"} }

// Options configures Generate. The zero value is ready for use apart
// from Now, which must be set (the package keeps no clock of its own).
type Options struct {
	// Hosts are the DNS names and IP addresses the certificate is valid for.
	// Empty means DefaultHosts.
	Hosts []string
	// Now is the clock; the certificate is valid from one hour before Now
	// (tolerating small clock skew between client and server).
	Now func() time.Time
	// Validity is how long after Now the certificate stays valid.
	// Zero means 7 days.
	Validity time.Duration
	// Rand is the source of randomness for the key and the serial number.
	// Nil means crypto/rand.Reader.
	Rand io.Reader
}

// Cert is a self-signed certificate made by Generate.
type Cert struct {
	// Certificate is ready for tls.Config.Certificates.
	Certificate tls.Certificate
	// PEM is the certificate (not the key) PEM-encoded: what a client adds to
	// its trusted roots (Go: x509.CertPool.AppendCertsFromPEM; curl: --cacert;
	// Node.js: NODE_EXTRA_CA_CERTS).
	PEM []byte
}

// Generate makes a fresh ECDSA P-256 key and a self-signed server
// certificate for opts.Hosts. The key exists only in memory.
func Generate(opts Options) (*Cert, error) {
	if opts.Now == nil {
		return nil, errors.New("tlscert: Generate: Options.Now is nil")
	}
	hosts := opts.Hosts
	if len(hosts) == 0 {
		hosts = DefaultHosts()
	}
	validity := opts.Validity
	if validity <= 0 {
		validity = 7 * 24 * time.Hour
	}
	random := opts.Rand
	if random == nil {
		random = rand.Reader
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), random)
	if err != nil {
		return nil, fmt.Errorf("tlscert: generate TLS key: %w", err)
	}
	serial, err := rand.Int(random, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("tlscert: generate certificate serial: %w", err)
	}
	now := opts.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"alertmock"}, CommonName: hosts[0]},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(random, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("tlscert: create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("tlscert: parse generated certificate: %w", err)
	}
	return &Cert{
		Certificate: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		PEM:         pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
	}, nil
}

// WritePEM writes a PEM certificate to path so that a reader never sees a
// partial file: it writes a temporary file in the same directory and renames
// it. Missing parent directories are created.
func WritePEM(path string, pemBytes []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("tlscert: write certificate: %w", err)
	}
	f, err := os.CreateTemp(dir, ".alertmock-cert-*.pem")
	if err != nil {
		return fmt.Errorf("tlscert: write certificate: %w", err)
	}
	tmp := f.Name()
	_, werr := f.Write(pemBytes)
	cerr := f.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp, 0o644)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("tlscert: write certificate %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("tlscert: write certificate: %w", err)
	}
	return nil
}

// LoadFiles loads a PEM certificate (chain) and its private key, as given
// with -tls-cert and -tls-key.
func LoadFiles(certFile, keyFile string) (tls.Certificate, error) {
	if certFile == "" || keyFile == "" {
		return tls.Certificate{}, errors.New("tlscert: both a certificate file and a key file are needed")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlscert: load TLS certificate %s / key %s: %w", certFile, keyFile, err)
	}
	return cert, nil
}

// CipherSuites12 returns the TLS 1.2 cipher suites ServerConfig accepts: ECDHE
// key exchange (forward secrecy) with an AEAD cipher (AES-GCM,
// ChaCha20-Poly1305), for ECDSA and RSA certificates. Go's default list for
// TLS 1.2 also has the CBC suites with SHA-1 MACs
// (TLS_ECDHE_*_WITH_AES_*_CBC_SHA), which these leave out. TLS 1.3 is not
// configurable in Go and has only AEAD suites with forward secrecy.
func CipherSuites12() []uint16 {
	return []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	}
}

// ServerConfig returns the TLS configuration the mock serves HTTPS with:
// the certificate, TLS 1.3, or TLS 1.2 with CipherSuites12 only. Give it
// to http.Server.TLSConfig and call ServeTLS(ln, "", ""), which adds the ALPN
// protocols (HTTP/2, HTTP/1.1).
func ServerConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		CipherSuites: CipherSuites12(),
	}
}
