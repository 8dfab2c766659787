package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// root is the repository checkout, seen from this package's directory.
const root = "../.."

func noenv(string) string { return "" }

// TestParseArgsRefuses: every bad command line is refused before anything is
// built, with a message naming the problem.
func TestParseArgsRefuses(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "old.zip"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "new")
	tests := []struct {
		name string
		args []string
		env  string // SOURCE_DATE_EPOCH
		want string
	}{
		{"no arguments", nil, "", "want VERSION and OUTDIR"},
		{"one argument", []string{"v1"}, "", "want VERSION and OUTDIR"},
		{"version with a slash", []string{"v1/x", out}, "", `VERSION "v1/x"`},
		{"version with a space", []string{"v1 x", out}, "", `VERSION "v1 x"`},
		{"empty version", []string{"", out}, "", `VERSION ""`},
		{"unknown platform", []string{"-platforms", "linux/amd64,plan9/386", "v1", out}, "", `"plan9/386" is not one of`},
		{"output not empty", []string{"v1", full}, "", "is not empty"},
		{"not a checkout", []string{"-root", t.TempDir(), "v1", out}, "", "is not an alertmock checkout"},
		{"bad SOURCE_DATE_EPOCH", []string{"-root", root, "v1", out}, "yesterday", `SOURCE_DATE_EPOCH "yesterday"`},
		{"negative SOURCE_DATE_EPOCH", []string{"-root", root, "v1", out}, "-5", `SOURCE_DATE_EPOCH "-5"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "SOURCE_DATE_EPOCH" {
					return tt.env
				}
				return ""
			}
			_, err := parseArgs(context.Background(), tt.args, getenv, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v; want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s was created by a refused command line", out)
	}
}

// TestParsePlatforms: all is the six targets in build order; a list keeps
// its order and drops repeats.
func TestParsePlatforms(t *testing.T) {
	all, err := parsePlatforms("all")
	if err != nil || len(all) != 6 {
		t.Fatalf("all = %v, %v; want the six targets", all, err)
	}
	got, err := parsePlatforms("windows/arm64, linux/amd64,windows/arm64")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"windows/arm64", "linux/amd64"}; !slices.Equal(got, want) {
		t.Errorf("got %v; want %v", got, want)
	}
}

// TestBuildEnv: the caller's settings that would change the binaries are
// replaced; where caches and modules live is kept.
func TestBuildEnv(t *testing.T) {
	env := buildEnv([]string{"GOFLAGS=-race -tags=x", "GOAMD64=v3", "CGO_ENABLED=1", "GOOS=plan9",
		"GOEXPERIMENT=arenas", "GOCACHE=/c", "GOPROXY=https://p", "PATH=/bin"}, "darwin", "arm64")
	want := []string{"GOCACHE=/c", "GOPROXY=https://p", "PATH=/bin", "GOOS=darwin", "GOARCH=arm64",
		"CGO_ENABLED=0", "GOFLAGS=-mod=readonly", "GOAMD64=v1", "GOARM64=v8.0"}
	if !slices.Equal(env, want) {
		t.Errorf("buildEnv =\n%q\nwant\n%q", env, want)
	}
}

// TestCheckVersionCatchesAMissingStamp: binaries that print another version
// (as after a rename of the stamped variable, which the linker ignores
// silently) fail the release.
func TestCheckVersionCatchesAMissingStamp(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell scripts stand in for the binaries")
	}
	dir := t.TempDir()
	for _, c := range commands {
		script := "#!/bin/sh\necho '" + c + " devel (go1 linux/amd64)'\n"
		if err := os.WriteFile(filepath.Join(dir, c), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	err := checkVersion(context.Background(), dir, "v1.2.3")
	if err == nil || !strings.Contains(err.Error(), `want it to start with "alertmock v1.2.3 ("`) {
		t.Errorf("err = %v; want the unstamped alertmock named", err)
	}
}

// TestReleaseForThisPlatform builds the release of the platform the test
// runs on, twice into two folders: both give the same SHA256SUMS, the sums
// match the archives, the archive holds both binaries, the README and (when
// the checkout has one) the LICENSE, and the binaries print the version.
func TestReleaseForThisPlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the release binaries; -short skips it")
	}
	plat := runtime.GOOS + "/" + runtime.GOARCH
	if !slices.Contains(platforms, plat) {
		t.Skipf("%s is not a release platform", plat)
	}
	const version = "v0.0.0-test.1"
	var sums [2]string
	var out string
	for i := range sums {
		out = filepath.Join(t.TempDir(), "dist")
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"-platforms", plat, "-root", root, version, out}, noenv, &stdout, &stderr)
		if err != nil {
			t.Fatalf("run %d: %v\nstderr: %s", i, err, stderr.String())
		}
		sums[i] = string(read(t, filepath.Join(out, "SHA256SUMS")))
	}
	if sums[0] != sums[1] {
		t.Errorf("two builds of one checkout differ:\n%s\n%s", sums[0], sums[1])
	}

	name := "alertmock_" + version + "_" + runtime.GOOS + "_" + runtime.GOARCH
	archive := name + ".tar.gz"
	if runtime.GOOS == "windows" {
		archive = name + ".zip"
	}
	b := read(t, filepath.Join(out, archive))
	h := sha256.Sum256(b)
	if want := hex.EncodeToString(h[:]) + "  " + archive + "\n"; sums[0] != want {
		t.Errorf("SHA256SUMS = %q; want %q", sums[0], want)
	}
	got := archiveNames(t, archive, b)
	exe := ""
	if runtime.GOOS == "windows" {
		exe = ".exe"
	}
	want := []string{name + "/", name + "/README.md", name + "/alertmock" + exe, name + "/conformance" + exe}
	if _, err := os.Stat(filepath.Join(root, "LICENSE")); err == nil {
		want = slices.Insert(want, 1, name+"/LICENSE")
	}
	if !slices.Equal(got, want) {
		t.Errorf("archive holds %v; want %v", got, want)
	}
	for _, c := range commands {
		v, err := exec.Command(filepath.Join(out, name, c+exe), "-version").Output()
		if err != nil {
			t.Fatal(err)
		}
		if want := c + " " + version + " (" + runtime.Version() + " " + plat + ")\n"; string(v) != want {
			t.Errorf("%s -version = %q; want %q", c, v, want)
		}
	}
	if readme := string(read(t, filepath.Join(out, name, "README.md"))); !strings.HasPrefix(readme, "# alertmock "+version+" ("+plat+")\n") {
		t.Errorf("README starts %q; want the version and platform", readme[:min(len(readme), 60)])
	}
}

// archiveNames lists the entries of a .tar.gz or .zip.
func archiveNames(t *testing.T, name string, b []byte) []string {
	t.Helper()
	var names []string
	if strings.HasSuffix(name, ".zip") {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		return names
	}
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
}
