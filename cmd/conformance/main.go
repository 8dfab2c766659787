// Command conformance runs the partner security alerts features against the
// built-in mock, a separately started alertmock, or Microsoft Graph, and exits 0
// only when every selected scenario passed.
//
// Usage:
//
//	conformance [-target URL] [-ca-cert FILE] [-token T] [-admin-token T] [-mint-key K]
//	            [-alert-id ID] [-tags EXPR]
//	            [-format pretty|progress|cucumber|junit] [-out FILE]
//	            [-features DIR] [-concurrency N] [-random-seed N]
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cucumber/godog"

	"github.com/partner-security/alertmock/conformance"
	"github.com/partner-security/alertmock/features"
	"github.com/partner-security/alertmock/mock"
)

// Exit statuses.
const (
	exitPassed = 0 // every selected scenario passed
	exitFailed = 1 // a scenario failed
	exitUsage  = 2 // bad flags, unreachable target, unwritable report
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the command line settings.
type options struct {
	target, token, alertID, tags string
	adminToken, mintKey, caCert  string
	format, out, featuresDir     string
	concurrency                  int
	randomSeed                   int64
	listSteps                    bool
}

// formats are the report formats offered (all godog formatters but "events").
var formats = []string{"pretty", "progress", "cucumber", "junit"}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.target, "target", "", "base URL of the API including /beta (default: the built-in mock, started on 127.0.0.1)")
	fs.StringVar(&o.token, "token", getenv("GRAPH_TOKEN"), "bearer token for -target (default: $GRAPH_TOKEN; empty: mint unsigned test tokens, which only the mock accepts)")
	fs.StringVar(&o.adminToken, "admin-token", getenv("ALERTMOCK_ADMIN_TOKEN"), "admin token of a -target alertmock's control API, for the @mock-only fault scenarios (default: $ALERTMOCK_ADMIN_TOKEN)")
	fs.StringVar(&o.mintKey, "mint-key", getenv("ALERTMOCK_AUTH_KEY"), "HS256 key to sign the test tokens the harness mints, for a -target alertmock started with -auth-key (default: $ALERTMOCK_AUTH_KEY; empty: unsigned)")
	fs.StringVar(&o.caCert, "ca-cert", "", "PEM file of certificates to trust for an https -target, besides the system's (e.g. the one alertmock -tls writes)")
	fs.StringVar(&o.alertID, "alert-id", "", "id of the alert the scenarios read and update (default: the documented alert "+conformance.DocumentedAlertID+")")
	fs.StringVar(&o.tags, "tags", "", `scenarios to run by tag, e.g. "@live-safe" or "@live-safe,@live-writes" or "~@mock-only" (default: all)`)
	fs.StringVar(&o.format, "format", "pretty", "report format: "+strings.Join(formats, ", "))
	fs.StringVar(&o.out, "out", "", "write the report to this file instead of stdout (the summary line still goes to stdout)")
	fs.StringVar(&o.featuresDir, "features", "", "run the .feature files in this directory instead of the built-in ones")
	fs.IntVar(&o.concurrency, "concurrency", 0, "scenarios run at once (default: 8 against the built-in mock, 1 against a -target)")
	fs.BoolVar(&o.listSteps, "list-steps", false, "print the step patterns that feature files may use, and exit")
	fs.Int64Var(&o.randomSeed, "random-seed", -1, "seed of the scenario order; -1 picks one, 0 keeps file order")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if !slices.Contains(formats, o.format) {
		return o, fmt.Errorf("-format %q: want one of %s", o.format, strings.Join(formats, ", "))
	}
	if o.concurrency < 0 {
		return o, fmt.Errorf("-concurrency %d: want 1 or more", o.concurrency)
	}
	if o.concurrency == 0 {
		o.concurrency = 1
		if o.target == "" {
			o.concurrency = 8
		}
	}
	return o, nil
}

// run runs the suite and returns the exit status; errors are one line on stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		return exitUsage
	}
	if o.listSteps {
		return listSteps(ctx, stdout, stderr)
	}
	code, err := runSuite(ctx, o, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
	}
	return code
}

func runSuite(ctx context.Context, o options, stdout io.Writer) (int, error) {
	target := o.target
	if target == "" {
		base, stop, err := startMock()
		if err != nil {
			return exitUsage, err
		}
		defer stop()
		target = base
	}
	client, err := newClient(o.caCert)
	if err != nil {
		return exitUsage, err
	}
	suite, err := conformance.New(ctx, conformance.Config{BaseURL: target, Client: client, Token: o.token, AlertID: o.alertID, AdminToken: o.adminToken, MintKey: []byte(o.mintKey)})
	if err != nil {
		return exitUsage, err
	}
	if err := suite.Ping(ctx); err != nil {
		return exitUsage, err
	}

	var featureFS fs.FS = features.FS()
	if o.featuresDir != "" {
		if st, err := os.Stat(o.featuresDir); err != nil || !st.IsDir() {
			return exitUsage, fmt.Errorf("-features %s: not a directory", o.featuresDir)
		}
		featureFS = os.DirFS(o.featuresDir)
	}
	report, noColors := stdout, false
	if o.out != "" {
		f, err := os.Create(o.out)
		if err != nil {
			return exitUsage, fmt.Errorf("-out: %w", err)
		}
		defer f.Close()
		report, noColors = f, true
	}

	var tally tally
	start := time.Now()
	status := godog.TestSuite{
		Name: "conformance",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			suite.InitializeScenario(sc)
			tally.count(sc)
		},
		Options: &godog.Options{
			Format:      o.format,
			Output:      report,
			FS:          featureFS,
			Paths:       []string{"."},
			Tags:        o.tags,
			Strict:      true,
			Randomize:   o.randomSeed,
			Concurrency: o.concurrency,
			NoColors:    noColors,
		},
	}.Run()
	elapsed := time.Since(start).Round(time.Millisecond)

	passed, failed := tally.result()
	verdict := "PASS"
	if status != 0 || failed > 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(stdout, "\nconformance: %s: %d scenarios, %d passed, %d failed against %s in %s\n",
		verdict, passed+failed, passed, failed, target, elapsed)
	switch {
	case status == 0 && failed == 0:
		return exitPassed, nil
	case passed+failed == 0:
		return exitUsage, errors.New("no scenario ran (check -features and -tags)")
	default:
		return exitFailed, nil
	}
}

// newClient returns the HTTP client of the run: a 60 s timeout, and the
// certificates of caFile trusted besides the system's.
func newClient(caFile string) (*http.Client, error) {
	client := &http.Client{Timeout: 60 * time.Second}
	if caFile == "" {
		return client, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("-ca-cert: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("-ca-cert %s: no PEM certificate in it", caFile)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	client.Transport = transport
	return client, nil
}

// listSteps prints every step pattern (godog's step definition listing).
func listSteps(ctx context.Context, stdout, stderr io.Writer) int {
	suite, err := conformance.New(ctx, conformance.Config{BaseURL: "http://127.0.0.1/beta"})
	if err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		return exitUsage
	}
	var buf bytes.Buffer
	godog.TestSuite{
		ScenarioInitializer: suite.InitializeScenario,
		Options:             &godog.Options{ShowStepDefinitions: true, Format: "progress", Output: &buf, NoColors: true, FS: features.FS()},
	}.Run()
	// godog colours this listing whatever NoColors says.
	_, _ = stdout.Write(ansiEscape.ReplaceAll(buf.Bytes(), nil))
	return exitPassed
}

// ansiEscape matches terminal colour sequences.
var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// tally counts scenario outcomes across concurrent scenarios.
type tally struct {
	mu             sync.Mutex
	passed, failed int
}

func (t *tally) count(sc *godog.ScenarioContext) {
	sc.After(func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
		t.mu.Lock()
		defer t.mu.Unlock()
		if err != nil {
			t.failed++
		} else {
			t.passed++
		}
		return ctx, nil // a non-nil error would be reported as a hook failure
	})
}

func (t *tally) result() (passed, failed int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.passed, t.failed
}

// startMock serves a fresh mock on 127.0.0.1 and returns its base URL and a
// function that stops it.
func startMock() (string, func(), error) {
	srv, err := mock.New(mock.Config{})
	if err != nil {
		return "", nil, fmt.Errorf("built-in mock: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = srv.Close()
		return "", nil, fmt.Errorf("built-in mock: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hs.Serve(ln) // returns http.ErrServerClosed after Shutdown
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
		<-done
		_ = srv.Close()
	}
	return "http://" + ln.Addr().String() + "/beta", stop, nil
}
