// Command release builds the release archives of alertmock: the alertmock and
// conformance binaries for linux, darwin and windows on amd64 and arm64, each
// archive with a short README and the repository's LICENSE (when there is
// one), and a SHA256SUMS file. The version is stamped into both binaries
// (-version prints it).
//
// The archives are reproducible: two runs on one commit give the same bytes,
// wherever the checkout lies and whatever the build cache holds. The binaries
// are built with -trimpath, -buildvcs=false and CGO_ENABLED=0 and a fixed
// environment; every archive entry is dated at the commit time, owned by 0:0
// with mode 0755 or 0644, in name order; gzip headers carry no name or time.
// scripts/release.sh runs it from the repository root:
//
//	scripts/release.sh VERSION OUTDIR
//	go run ./scripts/release [-platforms linux/amd64,…] [-root DIR] VERSION OUTDIR
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

// platforms are the release's targets, in the order they are built.
var platforms = []string{
	"linux/amd64", "linux/arm64",
	"darwin/amd64", "darwin/arm64",
	"windows/amd64", "windows/arm64",
}

// versionPattern is what a VERSION may look like: it becomes part of file
// names, so no path separators or spaces.
var versionPattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._+-]*$`)

// versionSymbol is the variable -ldflags -X stamps.
const versionSymbol = "github.com/partner-security/alertmock/internal/version.stamped"

// commands are the binaries of every archive.
var commands = []string{"alertmock", "conformance"}

// config is what one run builds.
type config struct {
	version   string
	out       string   // absolute output directory, new or empty
	root      string   // the repository checkout
	platforms []string // GOOS/GOARCH
	epoch     time.Time
	commit    string // "" when unknown
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseArgs(ctx, args, getenv, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go command: %w", err)
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	readme, license, err := docs(cfg, stderr)
	if err != nil {
		return err
	}
	var archives []string
	for _, p := range cfg.platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		name := "alertmock_" + cfg.version + "_" + goos + "_" + goarch
		dir := filepath.Join(cfg.out, name)
		if err := build(ctx, goTool, cfg, goos, goarch, dir); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "README.md"), readme(goos, goarch), 0o644); err != nil {
			return err
		}
		if license != nil {
			if err := os.WriteFile(filepath.Join(dir, "LICENSE"), license, 0o644); err != nil {
				return err
			}
		}
		if goos == runtime.GOOS && goarch == runtime.GOARCH {
			if err := checkVersion(ctx, dir, cfg.version); err != nil {
				return err
			}
		}
		archive := name + ".tar.gz"
		if goos == "windows" {
			archive = name + ".zip"
		}
		if err := writeArchive(filepath.Join(cfg.out, archive), dir, name, cfg.epoch); err != nil {
			return fmt.Errorf("%s: %w", archive, err)
		}
		archives = append(archives, archive)
	}
	sums, err := writeSums(cfg.out, archives)
	if err != nil {
		return err
	}
	for _, a := range archives {
		st, err := os.Stat(filepath.Join(cfg.out, a))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-48s %6.1f MB\n", a, float64(st.Size())/1e6)
	}
	fmt.Fprintf(stdout, "%s: %d archives of %s in %s (%.0f s)\n", sums, len(archives), cfg.version, cfg.out, time.Since(start).Seconds())
	return nil
}

// parseArgs reads the command line and the source date, and checks all of it
// before anything is built.
func parseArgs(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: release [flags] VERSION OUTDIR\n\n"+
			"Builds alertmock and conformance for every platform into OUTDIR (new or\n"+
			"empty): one archive per platform and SHA256SUMS.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	plats := fs.String("platforms", "all", "comma-separated GOOS/GOARCH to build, or all: "+strings.Join(platforms, ","))
	fs.StringVar(&cfg.root, "root", ".", "the repository checkout to build")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return cfg, errors.New("want VERSION and OUTDIR")
	}
	cfg.version = fs.Arg(0)
	if !versionPattern.MatchString(cfg.version) {
		return cfg, fmt.Errorf("VERSION %q: want letters, digits and . _ + - only (e.g. v1.2.3)", cfg.version)
	}
	var err error
	if cfg.platforms, err = parsePlatforms(*plats); err != nil {
		return cfg, err
	}
	if cfg.out, err = filepath.Abs(fs.Arg(1)); err != nil {
		return cfg, err
	}
	if entries, err := os.ReadDir(cfg.out); err == nil && len(entries) > 0 {
		return cfg, fmt.Errorf("OUTDIR %s is not empty: give a new or empty directory", cfg.out)
	}
	if cfg.root, err = filepath.Abs(cfg.root); err != nil {
		return cfg, err
	}
	if _, err := os.Stat(filepath.Join(cfg.root, "cmd", "alertmock")); err != nil {
		return cfg, fmt.Errorf("-root %s is not an alertmock checkout: %w", cfg.root, err)
	}
	cfg.commit, cfg.epoch, err = source(ctx, cfg.root, getenv, stderr)
	return cfg, err
}

// parsePlatforms reads -platforms.
func parsePlatforms(s string) ([]string, error) {
	if s == "all" {
		return platforms, nil
	}
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(platforms, p) {
			return nil, fmt.Errorf("-platforms: %q is not one of %s", p, strings.Join(platforms, ", "))
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// source returns the commit being built and the date every archive entry
// carries: $SOURCE_DATE_EPOCH when set, else the commit's time. It warns when
// the working tree differs from the commit.
func source(ctx context.Context, root string, getenv func(string) string, stderr io.Writer) (commit string, epoch time.Time, err error) {
	git := func(args ...string) (string, error) {
		out, err := exec.CommandContext(ctx, "git", append([]string{"-C", root}, args...)...).Output()
		return strings.TrimSpace(string(out)), err
	}
	commit, gitErr := git("rev-parse", "HEAD")
	if gitErr != nil {
		commit = ""
	} else if st, err := git("status", "--porcelain"); err == nil && st != "" {
		fmt.Fprintf(stderr, "release: warning: the working tree has changes not in commit %.12s; these archives are not that commit's\n", commit)
	}
	if s := getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil || sec < 0 {
			return "", time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: want seconds since 1970", s)
		}
		return commit, time.Unix(sec, 0).UTC(), nil
	}
	if gitErr != nil {
		return "", time.Time{}, fmt.Errorf("%s is not a git checkout (%v): set SOURCE_DATE_EPOCH to date the archive entries", root, gitErr)
	}
	ct, err := git("log", "-1", "--format=%ct", "HEAD")
	if err != nil {
		return "", time.Time{}, fmt.Errorf("git log: %w", err)
	}
	sec, err := strconv.ParseInt(ct, 10, 64)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("git log: commit time %q: %w", ct, err)
	}
	return commit, time.Unix(sec, 0).UTC(), nil
}

// build compiles the commands for one platform into dir.
func build(ctx context.Context, goTool string, cfg config, goos, goarch, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	args := []string{"build", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -X " + versionSymbol + "=" + cfg.version,
		"-o", dir + string(filepath.Separator)}
	for _, c := range commands {
		args = append(args, "./cmd/"+c)
	}
	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Dir = cfg.root
	cmd.Env = buildEnv(os.Environ(), goos, goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// buildEnv is env with every setting that changes the binaries fixed: the
// platform, no cgo, baseline instruction sets, no experiments, and GOFLAGS
// reduced to -mod=readonly (so a -race or -tags of the caller's cannot leak
// in). Where modules and caches live is kept.
func buildEnv(env []string, goos, goarch string) []string {
	drop := []string{"GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS", "GOEXPERIMENT",
		"GOAMD64", "GOARM64", "GOARM", "GO386", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64", "GOWASM"}
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, k) {
			out = append(out, kv)
		}
	}
	return append(out, "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=-mod=readonly",
		"GOAMD64=v1", "GOARM64=v8.0")
}

// checkVersion runs the built commands (the host's platform only) and checks
// that -version prints the stamped version: the linker ignores an -X for a
// symbol that does not exist, so only running them proves the stamp.
func checkVersion(ctx context.Context, dir, version string) error {
	for _, c := range commands {
		out, err := exec.CommandContext(ctx, filepath.Join(dir, c), "-version").Output()
		if err != nil {
			return fmt.Errorf("%s -version: %w", c, err)
		}
		if want := c + " " + version + " ("; !strings.HasPrefix(string(out), want) {
			return fmt.Errorf("%s -version printed %q; want it to start with %q (is %s still the variable to stamp?)", c, out, want, versionSymbol)
		}
	}
	return nil
}
