package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/partner-security/alertmock/conformance"
)

// sideFlags are the flags that configure one endpoint.
type sideFlags struct {
	target, token, mintKey, caCert string
}

var (
	targetFlags  = sideFlags{"-target", "-token", "-mint-key", "-ca-cert"}
	compareFlags = sideFlags{"-compare", "-compare-token", "-compare-mint-key", "-compare-ca-cert"}
)

// explain turns an error of a run into one line that names the fix in terms
// of the flags: a refused token, an untrusted certificate, and with -compare
// the side (-target or -compare) whose probe failed.
func explain(err error, o options) string {
	flags, side := targetFlags, ""
	var se *conformance.SideError
	if errors.As(err, &se) {
		err = se.Err
		if se.Side == "B" {
			flags = compareFlags
		}
		side = flags.target + ": "
	}
	token, mintKey := o.token, o.mintKey
	if flags == compareFlags {
		token, mintKey = o.compareToken, o.compareMintKey
	}
	var (
		ae       *conformance.AuthError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		verify   *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &ae):
		return side + authFix(ae, flags, token != "", mintKey != "")
	case errors.As(err, &hostname):
		return fmt.Sprintf("%s%s: the TLS certificate is not for this host (%v): use a host name the certificate names", side, hostOf(err), hostname.Error())
	case errors.As(err, &verify), errors.As(err, &unknown):
		return fmt.Sprintf("%s%s: the TLS certificate is not trusted (%s): pass the CA certificate that signed it with %s FILE (for alertmock -tls, the certificate file it printed at start)", side, hostOf(err), certReason(err), flags.caCert)
	}
	return side + oneLine(err)
}

// authFix explains a token the target refused on the probe.
func authFix(e *conformance.AuthError, f sideFlags, hasToken, hasMintKey bool) string {
	answer := fmt.Sprintf("%d %s: %s", e.Status, e.Code, strings.TrimSpace(e.Message))
	switch {
	case e.Status == http.StatusForbidden && hasToken:
		return fmt.Sprintf("target %s does not let %s read alerts (%s): the token needs PartnerSecurity.Read.All or PartnerSecurity.ReadWrite.All (PartnerSecurity.ReadWrite.All for @live-writes)", e.BaseURL, f.token, answer)
	case e.Status == http.StatusForbidden:
		return fmt.Sprintf("target %s does not let the harness's test tokens read alerts (%s): pass a token that may, with %s", e.BaseURL, answer, f.token)
	case hasToken:
		return fmt.Sprintf("target %s refuses %s (%s): pass a valid, unexpired access token for it (for Microsoft Graph one with PartnerSecurity.ReadWrite.All; see \"Against Microsoft Graph\" in the conformance docs)", e.BaseURL, f.token, answer)
	case hasMintKey:
		return fmt.Sprintf("target %s refuses the test tokens signed with %s (%s): give the key the alertmock was started with (-auth-key)", e.BaseURL, f.mintKey, answer)
	default:
		return fmt.Sprintf("target %s refuses the unsigned test tokens the harness mints (%s): for an alertmock started with -auth-key K pass %s K; for any other service pass a token with %s", e.BaseURL, answer, f.mintKey, f.token)
	}
}

// hostOf names the endpoint in a transport error ("target <url>"), from the
// probe's message.
func hostOf(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, " does not answer"); i > 0 {
		return msg[:i]
	}
	return "target"
}

// certReason is the certificate problem in the transport error's words.
func certReason(err error) string {
	var verify *tls.CertificateVerificationError
	if errors.As(err, &verify) {
		return verify.Err.Error()
	}
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		return unknown.Error()
	}
	return err.Error()
}

// createReport creates the -out file, and the folders above it.
func createReport(path string) (*os.File, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("-out %s: %w", path, err)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-out: %w", err)
	}
	return f, nil
}

// listen listens on addr for what (a flag or "the built-in mock"), naming the
// fix when the port is taken or the address is not one of this machine.
func listen(what, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case err == nil:
		return ln, nil
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("%s: %s is already in use by another program: stop it, or pick another port (port 0 picks a free one)", what, addr)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return nil, fmt.Errorf("%s: %s is not an address of this machine: listen on 127.0.0.1 or 0.0.0.0", what, addr)
	case errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("%s: %s needs privileges (ports below 1024): pick a port of 1024 or above", what, addr)
	}
	return nil, fmt.Errorf("%s: %w", what, err)
}
