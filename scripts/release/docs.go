package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// repoURL is where the sources and the documentation live.
const repoURL = "https://github.com/partner-security/alertmock"

// docs returns the README of an archive (by platform) and the repository's
// LICENSE, nil when the checkout has none (a warning says so: the archives
// then carry no licence).
func docs(cfg config, stderr io.Writer) (readme func(goos, goarch string) []byte, license []byte, err error) {
	license, err = os.ReadFile(filepath.Join(cfg.root, "LICENSE"))
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "release: warning: %s has no LICENSE file; the archives carry none\n", cfg.root)
		license, err = nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return func(goos, goarch string) []byte { return archiveReadme(cfg, goos, goarch) }, license, nil
}

// archiveReadme is the short README.md of one archive.
func archiveReadme(cfg config, goos, goarch string) []byte {
	exe := ""
	if goos == "windows" {
		exe = ".exe"
	}
	ref, from := "main", repoURL+" (commit unknown)"
	if cfg.commit != "" {
		ref, from = cfg.commit, "commit "+cfg.commit+" of "+repoURL
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# alertmock %s (%s/%s)\n\n", cfg.version, goos, goarch)
	b.WriteString("A contract-test mock server and conformance runner for the Microsoft Graph beta\n" +
		"partner security alerts API (`/security/partner/securityAlerts`).\n\n")
	fmt.Fprintf(&b, "- `alertmock%s`: start the mock on http://127.0.0.1:8080/beta (`-h` lists the flags,\n"+
		"  `alertmock%s token -h` those of the test-token command).\n", exe, exe)
	fmt.Fprintf(&b, "- `conformance%s -target URL`: run the conformance suite against an endpoint\n"+
		"  (`-h` lists the flags; with no `-target` it runs against a built-in mock).\n", exe)
	b.WriteString("- `-version` prints the version of either.\n\n")
	if goos == "darwin" {
		b.WriteString("The binaries are not signed: if macOS refuses to open them, run\n" +
			"`xattr -d com.apple.quarantine alertmock conformance` in this folder.\n\n")
	}
	fmt.Fprintf(&b, "Built from %s.\nDocumentation: %s/tree/%s/docs\n", from, repoURL, ref)
	b.WriteString("Check an archive against the SHA256SUMS file published with it:\n" +
		"`sha256sum -c --ignore-missing SHA256SUMS` (macOS: `shasum -a 256 -c --ignore-missing SHA256SUMS`).\n")
	return []byte(b.String())
}
