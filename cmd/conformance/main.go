// Command conformance runs the partner security alerts features against the
// built-in mock, a separately started alertmock, or Microsoft Graph, and exits 0
// only when every selected scenario passed; with -compare it runs them against
// two endpoints and writes a drift report, exiting 0 only when both sides agree
// on every scenario. Exit status 2 is a usage error, one line naming the fix:
// bad flags, a tag the features do not have, no scenario selected, a target
// that does not serve the API, refuses the token or is not trusted.
//
// Usage:
//
//	conformance -list [-tags EXPR] [-features DIR]
//	conformance [-target URL] [-ca-cert FILE] [-token T] [-admin-token T] [-mint-key K]
//	            [-read-token T] [-unprivileged-token T] [-expired-token T] [-app-token T] [-app-read-token T]
//	            [-alert-id ID] [-tags EXPR]
//	            [-format pretty|progress|cucumber|junit] [-out FILE]
//	            [-features DIR] [-concurrency N] [-random-seed N] [-variant-seed N] [-variant SPEC]
//	            [-rules auto|documented|all] [-settle D]
//	conformance -list-rules
//	conformance -explore N [-seed S] [-target URL …] [-rules …] [-tags EXPR] [-format pretty|junit] [-out FILE]
//	conformance [-target URL …] -compare URL [-compare-token T] [-compare-ca-cert FILE]
//	            [-compare-admin-token T] [-compare-mint-key K] [-compare-alert-id ID]
//	            [-format text|json|markdown] [-out FILE] [-tags EXPR] …
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
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/cucumber/godog"

	"github.com/partner-security/alertmock/conformance"
	"github.com/partner-security/alertmock/conformance/oracle"
	"github.com/partner-security/alertmock/features"
	"github.com/partner-security/alertmock/internal/version"
	"github.com/partner-security/alertmock/mock"
	"github.com/partner-security/alertmock/mock/alert"
)

// Exit statuses.
const (
	exitPassed = 0 // every selected scenario passed
	exitFailed = 1 // a scenario failed
	exitUsage  = 2 // bad flags, no scenario selected, a target that does not serve the API, unwritable report
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
	randomSeed, variantSeed      int64
	variant                      string
	listSteps, list, listRules   bool
	version                      bool
	rules                        string
	settle                       time.Duration
	// explore is the number of random operations of an exploration (0: none), seed their seed.
	explore int
	seed    int64
	seedSet bool
	// needTokens are the tokens of the needs (conformance.Needs), by tag.
	needTokens map[string]*string
	// compare is the second endpoint of a drift report, with its own settings.
	compare                                  string
	compareToken, compareAdminToken          string
	compareMintKey, compareCACert, compareID string
}

// formats are the report formats of a run (all godog formatters but
// "events"), and compareFormats those of a drift report.
var (
	formats        = []string{"pretty", "progress", "cucumber", "junit"}
	compareFormats = []string{"text", "json", "markdown"}
)

// usageHead is printed above the flags by -h.
const usageHead = `Usage: conformance [flags]

Runs the partner security alerts features against an endpoint of the API (by
default a built-in mock) and exits 0 when every selected scenario passed, 1
when one failed, 2 on a usage error (bad flags, a tag the features do not have,
no scenario selected, a target that does not serve the API, refuses the token or
is not trusted). -list prints what -tags selects without sending a request. With -compare it runs them against two endpoints
and writes a drift report: exit 0 when both sides agree on every scenario, 1
when they differ. See docs/conformance-ci.md.

Flags:
`

func parseFlags(args []string, getenv func(string) string, usage io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.Usage = func() {
		fmt.Fprint(usage, usageHead)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.target, "target", "", "base URL of the API including /beta (default: the built-in mock, started on 127.0.0.1)")
	fs.StringVar(&o.token, "token", getenv("GRAPH_TOKEN"), "bearer token for -target (default: $GRAPH_TOKEN; empty: mint unsigned test tokens, which only the mock accepts)")
	o.needTokens = map[string]*string{}
	for _, n := range conformance.Needs() {
		if n.Flag != "" {
			o.needTokens[n.Tag] = fs.String(n.Flag[1:], getenv(n.Env), fmt.Sprintf("%s, for the %s scenarios against an endpoint given a token (-token, -compare-token) (default: $%s)", n.What, n.Tag, n.Env))
		}
	}
	fs.StringVar(&o.adminToken, "admin-token", getenv("ALERTMOCK_ADMIN_TOKEN"), "admin token of a -target alertmock's control API, for the @mock-only fault scenarios (default: $ALERTMOCK_ADMIN_TOKEN)")
	fs.StringVar(&o.mintKey, "mint-key", getenv("ALERTMOCK_AUTH_KEY"), "HS256 key to sign the test tokens the harness mints, for a -target alertmock started with -auth-key (default: $ALERTMOCK_AUTH_KEY; empty: unsigned)")
	fs.StringVar(&o.caCert, "ca-cert", "", "PEM file of certificates to trust for an https -target, besides the system's (e.g. the one alertmock -tls writes)")
	fs.StringVar(&o.alertID, "alert-id", "", "id of the alert the scenarios read and update (default: the documented alert "+conformance.DocumentedAlertID+")")
	fs.StringVar(&o.compare, "compare", "", "base URL of a second endpoint: run the scenarios against -target and this one, and write a drift report instead of a test report")
	fs.StringVar(&o.compareToken, "compare-token", "", "bearer token for -compare (empty: mint unsigned test tokens)")
	fs.StringVar(&o.compareAdminToken, "compare-admin-token", "", "admin token of a -compare alertmock's control API")
	fs.StringVar(&o.compareMintKey, "compare-mint-key", "", "HS256 key to sign the test tokens minted for -compare")
	fs.StringVar(&o.compareCACert, "compare-ca-cert", "", "PEM file of certificates to trust for an https -compare")
	fs.StringVar(&o.compareID, "compare-alert-id", "", "id of the alert under test on -compare (default: that of -alert-id)")
	fs.StringVar(&o.tags, "tags", "", `scenarios to run by tag, e.g. "@live-safe" or "@live-safe,@live-writes" or "~@mock-only" (default: all)`)
	fs.StringVar(&o.format, "format", "", "report format: "+strings.Join(formats, ", ")+" (default pretty); with -compare: "+strings.Join(compareFormats, ", ")+" (default text)")
	fs.StringVar(&o.out, "out", "", "write the report to this file instead of stdout (the summary line, or the text drift report, still goes to stdout)")
	fs.StringVar(&o.featuresDir, "features", "", "run the .feature files in this directory instead of the built-in ones")
	fs.IntVar(&o.concurrency, "concurrency", 0, "scenarios run at once (default: 8 against the built-in mock, 1 against a -target or -compare)")
	fs.BoolVar(&o.listSteps, "list-steps", false, "print the step patterns that feature files may use, and exit")
	fs.BoolVar(&o.list, "list", false, "print the scenarios -tags selects (file:line, tags, name) and exit; sends no request")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.BoolVar(&o.listRules, "list-rules", false, "print the oracle's rules (id, label, source) as a Markdown table, and exit")
	fs.StringVar(&o.rules, "rules", "auto", "rules every exchange is judged by: documented, all, or auto (documented when no selected scenario is tagged @assumption, else all)")
	fs.DurationVar(&o.settle, "settle", oracle.DefaultSettle, "how long a documented step re-reads a list for a change to show (eventual consistency)")
	fs.Int64Var(&o.randomSeed, "random-seed", -1, "seed of the scenario order; -1 picks one, 0 keeps file order")
	fs.IntVar(&o.explore, "explore", 0, "instead of the scenarios, run N random operations judged by the oracle; on a failure print a minimal scenario that reproduces it (see docs/conformance.md, Exploration)")
	fs.Int64Var(&o.seed, "seed", 0, "seed of the -explore operations (default: a random one, printed so a failure can be rerun)")
	fs.Int64Var(&o.variantSeed, "variant-seed", -1, "seed of the request shape (variant) of each scenario, printed with the summary and in failures; -1 picks one")
	fs.StringVar(&o.variant, "variant", "", `send every scenario in this request variant, as a failure names it (e.g. "accept=any prefix=none"; "base": the harness's own shape)`)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	fs.Visit(func(f *flag.Flag) { o.seedSet = o.seedSet || f.Name == "seed" })
	allowed, def := formats, "pretty"
	if o.compare != "" {
		allowed, def = compareFormats, "text"
	}
	if o.format == "" {
		o.format = def
	}
	if !slices.Contains(allowed, o.format) {
		with := ""
		if o.compare != "" {
			with = " with -compare"
		}
		return o, fmt.Errorf("-format %q%s: want one of %s", o.format, with, strings.Join(allowed, ", "))
	}
	if o.compare == "" {
		for name, v := range map[string]string{"-compare-token": o.compareToken, "-compare-admin-token": o.compareAdminToken, "-compare-mint-key": o.compareMintKey, "-compare-ca-cert": o.compareCACert, "-compare-alert-id": o.compareID} {
			if v != "" {
				return o, fmt.Errorf("%s needs -compare", name)
			}
		}
	}
	if o.compareID == "" {
		o.compareID = o.alertID
	}
	if err := checkExplore(&o); err != nil {
		return o, err
	}
	if o.rules != "auto" && o.rules != string(conformance.RulesDocumented) && o.rules != string(conformance.RulesAll) {
		return o, fmt.Errorf("-rules %q: want auto, documented or all", o.rules)
	}
	if o.settle <= 0 {
		return o, fmt.Errorf("-settle %s: want a positive duration, e.g. 5s", o.settle)
	}
	if err := conformance.CheckVariant(o.variant); err != nil {
		return o, fmt.Errorf("-variant: %w", err)
	}
	if o.variantSeed == -1 {
		o.variantSeed = rand.Int64N(1 << 31) // one schedule for both sides of -compare
	}
	if o.concurrency < 0 {
		return o, fmt.Errorf("-concurrency %d: want 1 or more", o.concurrency)
	}
	if o.concurrency == 0 {
		o.concurrency = 1
		if o.target == "" && o.compare == "" {
			o.concurrency = 8
		}
	}
	return o, nil
}

// run runs the suite and returns the exit status; errors are one line on stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var usage bytes.Buffer
	o, err := parseFlags(args, getenv, &usage)
	if errors.Is(err, flag.ErrHelp) {
		_, _ = stdout.Write(usage.Bytes())
		return exitPassed
	}
	if err != nil {
		fmt.Fprintf(stderr, "conformance: %v (conformance -h lists the flags)\n", err)
		return exitUsage
	}
	if o.version {
		fmt.Fprintln(stdout, version.Line("conformance"))
		return exitPassed
	}
	if o.listSteps {
		return listSteps(ctx, stdout, stderr)
	}
	if o.listRules {
		_, _ = io.WriteString(stdout, oracle.Table())
		return exitPassed
	}
	if o.list {
		if err := listScenarios(o, stdout); err != nil {
			fmt.Fprintf(stderr, "conformance: %s\n", oneLine(err))
			return exitUsage
		}
		return exitPassed
	}
	run := runSuite
	switch {
	case o.compare != "":
		run = runCompare
	case o.explore > 0:
		run = runExplore
	}
	code, err := run(ctx, o, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "conformance: %s\n", explain(err, o))
	}
	return code
}

// oneLine keeps an error to one line of output.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// side is one endpoint as the flags describe it.
type side struct {
	flag, target, token, adminToken, mintKey, caCert, alertID string
	rules                                                     string
	settle                                                    time.Duration
	needTokens                                                map[string]*string // used when token is set
	variantSeed                                               int64
	variant                                                   string
}

// newSuite returns the suite of one endpoint.
func newSuite(ctx context.Context, s side) (*conformance.Suite, error) {
	caFlag := "-ca-cert"
	if s.flag == "-compare" {
		caFlag = "-compare-ca-cert"
	}
	client, err := newClient(caFlag, s.caCert)
	if err != nil {
		return nil, err
	}
	rules := conformance.RuleSet(s.rules)
	if s.rules == "auto" {
		rules = conformance.RulesAuto
	}
	cfg := conformance.Config{BaseURL: s.target, Client: client, Token: s.token, AlertID: s.alertID, AdminToken: s.adminToken, MintKey: []byte(s.mintKey), Rules: rules, Settle: s.settle,
		VariantSeed: s.variantSeed, Variant: s.variant}
	for _, n := range conformance.Needs() {
		if tok := s.needTokens[n.Tag]; tok != nil && s.token != "" { // a side that mints needs none
			n.Set(&cfg, *tok)
		}
	}
	suite, err := conformance.New(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.flag, err)
	}
	return suite, nil
}

// featureFS returns the features to run: a folder, or the built-in ones.
func featureFS(dir string) (fs.FS, error) {
	if dir == "" {
		return features.FS(), nil
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("-features %s: no such folder; give the folder that holds your .feature files", dir)
	case err != nil:
		return nil, fmt.Errorf("-features: %w", err)
	case !st.IsDir():
		return nil, fmt.Errorf("-features %s is a file; give the folder that holds it (-features %s): every .feature file below it runs", dir, filepath.Dir(dir))
	}
	return os.DirFS(dir), nil
}

// targetSuite returns the suite for -target, the built-in mock when none is
// given, its base URL, and a stop func to call when the run is over.
func targetSuite(ctx context.Context, o options) (*conformance.Suite, string, func(), error) {
	target, stop := o.target, func() {}
	if target == "" {
		base, stopMock, err := startMock()
		if err != nil {
			return nil, "", nil, err
		}
		target, stop = base, stopMock
	}
	suite, err := newSuite(ctx, side{"-target", target, o.token, o.adminToken, o.mintKey, o.caCert, o.alertID, o.rules, o.settle, o.needTokens, o.variantSeed, o.variant})
	if err != nil {
		stop()
		return nil, "", nil, err
	}
	return suite, target, stop, nil
}

func runSuite(ctx context.Context, o options, stdout, _ io.Writer) (int, error) {
	suite, target, stop, err := targetSuite(ctx, o)
	if err != nil {
		return exitUsage, err
	}
	defer stop()
	feats, err := featureFS(o.featuresDir)
	if err != nil {
		return exitUsage, err
	}
	report := stdout
	if o.out != "" {
		f, err := createReport(o.out)
		if err != nil {
			return exitUsage, err
		}
		defer f.Close()
		report = f
	}

	start := time.Now()
	format := o.format
	if format == "junit" {
		format = "" // written below, with the features' paths as the user knows them
	}
	res, err := suite.Run(ctx, conformance.Options{
		Features: feats, Tags: o.tags, Concurrency: o.concurrency, Randomize: o.randomSeed,
		Format: format, Output: report,
	})
	if err != nil {
		if o.out != "" {
			_ = os.Remove(o.out) // no report of a run that did not happen
		}
		return exitUsage, err
	}
	if o.format == "junit" {
		for i := range res.Scenarios {
			res.Scenarios[i].Feature = featurePath(o.featuresDir, res.Scenarios[i].Feature)
		}
		if err := res.WriteJUnit(report); err != nil {
			return exitUsage, fmt.Errorf("-out: %w", err)
		}
	}
	elapsed := time.Since(start).Round(time.Millisecond)
	if o.variant == "" {
		fmt.Fprintf(stdout, "\nconformance: requests sent in the variants of -variant-seed %d\n", o.variantSeed)
	}
	if res.Restore != nil {
		fmt.Fprintf(stdout, "\nconformance: %s\n", res.Restore)
	}
	passed, failed := res.Counts()
	verdict := "PASS"
	if failed > 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(stdout, "\nconformance: %s: %d scenarios, %d passed, %d failed against %s in %s (rules: %s)\n",
		verdict, passed+failed, passed, failed, target, elapsed, res.Rules)
	if failed > 0 {
		return exitFailed, nil
	}
	return exitPassed, nil
}

// runCompare runs the scenarios against -target and -compare and writes the
// drift report.
func runCompare(ctx context.Context, o options, stdout, stderr io.Writer) (int, error) {
	a, _, stop, err := targetSuite(ctx, o)
	if err != nil {
		return exitUsage, err
	}
	defer stop()
	b, err := newSuite(ctx, side{"-compare", o.compare, o.compareToken, o.compareAdminToken, o.compareMintKey, o.compareCACert, o.compareID, o.rules, o.settle, o.needTokens, o.variantSeed, o.variant})
	if err != nil {
		return exitUsage, err
	}
	feats, err := featureFS(o.featuresDir)
	if err != nil {
		return exitUsage, err
	}
	seed := o.randomSeed
	if seed == -1 {
		seed = rand.Int64N(1<<62) + 1 // one order for both sides
	}
	var file *os.File
	if o.out != "" {
		if file, err = createReport(o.out); err != nil {
			return exitUsage, err
		}
		defer file.Close()
	}
	drift, err := conformance.Compare(ctx, a, b, conformance.Options{Features: feats, Tags: o.tags, Concurrency: o.concurrency, Randomize: seed})
	if err != nil {
		if file != nil {
			file.Close()
			_ = os.Remove(o.out)
		}
		return exitUsage, err
	}
	// The chosen format goes to -out, with the text report on stdout; without
	// -out the chosen format alone goes to stdout.
	write := map[string]func(io.Writer) error{"text": drift.WriteText, "json": drift.WriteJSON, "markdown": drift.WriteMarkdown}[o.format]
	if file == nil {
		if err := write(stdout); err != nil {
			return exitUsage, err
		}
	} else {
		if err := drift.WriteText(stdout); err != nil {
			return exitUsage, err
		}
		if err := write(file); err != nil {
			return exitUsage, fmt.Errorf("-out: %w", err)
		}
		if err := file.Close(); err != nil {
			return exitUsage, fmt.Errorf("-out: %w", err)
		}
	}
	restored := stdout // after the text report; never inside a JSON or Markdown one
	if file == nil && o.format != "text" {
		restored = stderr
	}
	for i, r := range drift.Restores() {
		fmt.Fprintf(restored, "conformance: %s: %s\n", [2]string{"-target", "-compare"}[i], r)
	}
	if !drift.Agree() {
		return exitFailed, nil
	}
	return exitPassed, nil
}

// newClient returns the HTTP client of one endpoint: a 60 s timeout, and the
// certificates of caFile (given by the flag caFlag) trusted besides the system's.
func newClient(caFlag, caFile string) (*http.Client, error) {
	client := &http.Client{Timeout: 60 * time.Second}
	if caFile == "" {
		return client, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", caFlag, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s %s: no PEM certificate in it", caFlag, caFile)
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

// startMock serves a fresh mock on 127.0.0.1 and returns its base URL and a
// function that stops it. Its severity enum has the member "critical" after
// unknownFutureValue, so that the evolvable-enum scenarios run.
func startMock() (string, func(), error) {
	srv, err := mock.New(mock.Config{FutureEnumMembers: alert.Future{alert.EnumSeverity: {"critical"}}})
	if err != nil {
		return "", nil, fmt.Errorf("built-in mock: %w", err)
	}
	ln, err := listen("the built-in mock", "127.0.0.1:0")
	if err != nil {
		_ = srv.Close()
		return "", nil, err
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
