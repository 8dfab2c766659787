package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/partner-security/alertmock/mock/tlscert"
)

// defaultCertName is the file name -tls writes the generated certificate to
// when -tls-cert-out is not given, in the temporary directory (defaultCertOut).
const defaultCertName = "alertmock-cert.pem"

// defaultCertOut is where -tls writes the generated certificate when
// -tls-cert-out is not given: the system's temporary directory ($TMPDIR or
// /tmp), never the working directory, where it would end up in a
// repository.
func defaultCertOut() string {
	return filepath.Join(os.TempDir(), defaultCertName)
}

// serverTLS returns the TLS configuration that -tls, -tls-cert and -tls-key ask
// for, or nil for plain HTTP. A generated certificate is valid for localhost,
// 127.0.0.1, ::1 and the host of -addr; its PEM is written to -tls-cert-out and
// the path reported on stdout before the server starts.
func serverTLS(o *options, now func() time.Time, stdout io.Writer) (*tls.Config, error) {
	given := o.tlsCert != "" || o.tlsKey != ""
	if !o.tls && !given {
		if o.tlsCertOut != "" {
			return nil, errors.New("-tls-cert-out needs -tls")
		}
		return nil, nil
	}
	if given {
		if o.tlsCertOut != "" {
			return nil, errors.New("-tls-cert-out applies to a generated certificate, not to -tls-cert/-tls-key")
		}
		cert, err := tlscert.LoadFiles(o.tlsCert, o.tlsKey)
		if err != nil {
			return nil, err
		}
		return tlscert.ServerConfig(cert), nil
	}
	hosts := tlscert.DefaultHosts()
	if h, _, err := net.SplitHostPort(o.addr); err == nil && h != "" && !slices.Contains(hosts, h) {
		if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
			hosts = append(hosts, h)
		}
	}
	gen, err := tlscert.Generate(tlscert.Options{Hosts: hosts, Now: now})
	if err != nil {
		return nil, err
	}
	out := o.tlsCertOut
	if out == "" {
		out = defaultCertOut()
	}
	if err := tlscert.WritePEM(out, gen.PEM); err != nil {
		return nil, fmt.Errorf("-tls-cert-out: %w", err)
	}
	fmt.Fprintf(stdout, "alertmock: TLS certificate for %v written to %s (trust it, e.g. curl --cacert %s)\n", hosts, out, out)
	return tlscert.ServerConfig(gen.Certificate), nil
}
