// Command alertmock serves a stateful mock of the Microsoft Graph beta partner
// security alerts API (see package mock).
//
// Usage:
//
//	alertmock [flags]
//	alertmock token [flags]   print a test access token (JWT); see token.go
//
// It listens on 127.0.0.1:8080 by default, prints the base URL (…/beta) and
// serves until SIGINT or SIGTERM, then drains in-flight requests and exits 0.
//
// Secrets stay off the command line, where any local user reads them (ps):
// the admin token and the HS256 auth key are taken, first match wins, from
//
//	-admin-token / -auth-key             the flag (discouraged: visible in ps)
//	-admin-token-file / -auth-key-file   a file (one trailing newline is ignored)
//	ALERTMOCK_ADMIN_TOKEN / ALERTMOCK_AUTH_KEY   the environment
//
// Giving both the flag and its -file form is an error, as is an empty file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/partner-security/alertmock/internal/version"
	"github.com/partner-security/alertmock/mock"
	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/openapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0) // -h printed the usage
	default:
		fmt.Fprintln(os.Stderr, "alertmock:", err)
		os.Exit(2)
	}
}

// options are the command-line flags.
type options struct {
	addr           string
	seed           int64
	dataFile       string
	noAuth         bool
	authKey        string
	authAudience   string // aud every JWT must carry
	authIssuer     string // iss every JWT must carry
	authExpOpt     bool   // with -auth-key, accept a JWT without exp
	logFormat      string
	logLevel       string
	maxBody        int64
	pageSize       int
	drainPeriod    time.Duration
	journalSize    int
	journalBytes   int64 // memory budget of the whole journal
	journalSession int64 // memory budget of one session's journal
	faultsFile     string
	adminToken     string
	throttle       float64
	batchShuffle   int64
	enumMembers    alert.Future // -enum-member, repeatable
	adminTokenFile string       // file holding the admin token
	authKeyFile    string       // file holding the auth key
	tls            bool         // serve HTTPS (tls.go)
	tlsCert        string       // PEM certificate file to serve instead of a generated one
	tlsKey         string       // its PEM private key
	tlsCertOut     string       // where the generated certificate's PEM is written
	stateFile      string       // bbolt file keeping sessions across restarts
	maxSessions    int          // sessions kept before the least recently used is forgotten
	version        bool         // print the version and exit
}

// parseFlags is the one place flags are declared; getenv reads the
// environment (os.Getenv; tests pass their own).
func parseFlags(args []string, stderr io.Writer, getenv func(string) string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("alertmock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(fs) }
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free one)")
	fs.Int64Var(&o.seed, "seed", 0, "seed of the generated dataset (same seed, same alerts)")
	fs.StringVar(&o.dataFile, "data", "", "JSON file of alerts to serve instead of the generated dataset ([…] or {\"value\":[…]})")
	fs.BoolVar(&o.noAuth, "no-auth", false, "accept every request without checking the Authorization header")
	fs.StringVar(&o.authKey, "auth-key", "", "verify JWT signatures with HS256 and this key (opaque tokens are then refused); prefer -auth-key-file or "+envAuthKey)
	fs.StringVar(&o.authKeyFile, "auth-key-file", "", "read -auth-key from this file (one trailing newline is ignored)")
	fs.StringVar(&o.authAudience, "auth-audience", "", "refuse a JWT whose aud claim is not (or does not contain) this value (401 \"Invalid audience.\")")
	fs.StringVar(&o.authIssuer, "auth-issuer", "", "refuse a JWT whose iss claim is not this value (401 \"Invalid issuer.\")")
	fs.BoolVar(&o.authExpOpt, "auth-exp-optional", false, "with -auth-key, accept a JWT without an exp claim (by default it is a 401, as Entra ID always sets exp)")
	fs.StringVar(&o.logFormat, "log", "text", "log format: text or json")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.Int64Var(&o.maxBody, "max-body", mock.DefaultMaxBodyBytes, "largest accepted request body in bytes (larger: 413)")
	fs.IntVar(&o.pageSize, "page-size", mock.DefaultPageSize, "default list page size")
	fs.DurationVar(&o.drainPeriod, "drain", 10*time.Second, "how long to wait for in-flight requests at shutdown")
	fs.IntVar(&o.maxSessions, "max-sessions", mock.DefaultMaxSessions, "sessions kept in memory (store and journal); past it the least recently used one is forgotten and starts from the seed again (with -state, a changed session is read back from the file instead)")
	fs.IntVar(&o.journalSize, "journal-size", mock.DefaultJournalSize, "requests kept per session in the request journal (0 turns it off)")
	fs.Int64Var(&o.journalBytes, "journal-bytes", mock.DefaultJournalBytes, "memory budget of the request journal in bytes; past it the oldest entries of any session are dropped")
	fs.Int64Var(&o.journalSession, "journal-session-bytes", mock.DefaultJournalSessionBytes, "memory budget of one session's journal in bytes (at most -journal-bytes); past it the session's oldest entries are dropped")
	fs.StringVar(&o.faultsFile, "faults", "", "JSON file of fault rules in force from the start (one rule or {\"value\":[…]}, as POST /_mock/faults)")
	fs.StringVar(&o.adminToken, "admin-token", "", "require 'Authorization: Bearer <token>' on the control API /_mock/ and accept it from any address (default: loopback clients only); prefer -admin-token-file or "+envAdminToken)
	fs.StringVar(&o.adminTokenFile, "admin-token-file", "", "read -admin-token from this file (one trailing newline is ignored)")
	fs.Float64Var(&o.throttle, "throttle", 0, "limit each session to this many requests per second (429 with Retry-After over it; 0 = no limit)")
	fs.Int64Var(&o.batchShuffle, "batch-shuffle", 0, "shuffle the responses of every JSON batch (POST /beta/$batch) with this seed, the same way on every run, to catch clients that match them by position (0: in the order the requests ran)")
	fs.Func("enum-member", "add a member after unknownFutureValue to an alert enum, as ENUM=MEMBER (e.g. securityAlertSeverity=critical; repeatable): alerts may hold it, clients see it only with 'Prefer: include-unknown-enum-members'", func(v string) error {
		enum, member, ok := strings.Cut(v, "=")
		if !ok {
			return fmt.Errorf("want ENUM=MEMBER, e.g. %s=critical", alert.EnumSeverity)
		}
		if o.enumMembers == nil {
			o.enumMembers = alert.Future{}
		}
		o.enumMembers[enum] = append(o.enumMembers[enum], member)
		return o.enumMembers.Check()
	})
	fs.BoolVar(&o.tls, "tls", false, "serve HTTPS with a certificate generated at start for localhost, 127.0.0.1 and ::1")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate (chain) file; needs -tls-key")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key of -tls-cert")
	fs.StringVar(&o.tlsCertOut, "tls-cert-out", "", "with -tls, write the generated certificate (PEM) here for clients to trust (default "+defaultCertOut()+")")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.StringVar(&o.stateFile, "state", "", "keep sessions in this bbolt file so acknowledged updates survive restarts (default: memory only)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := flagsFromEnv(fs, set, getenv); err != nil {
		return nil, err
	}
	var err error
	if o.adminToken, err = secret("admin-token", o.adminToken, set, o.adminTokenFile, envAdminToken, getenv); err != nil {
		return nil, err
	}
	if o.authKey, err = secret("auth-key", o.authKey, set, o.authKeyFile, envAuthKey, getenv); err != nil {
		return nil, err
	}
	return o, nil
}

// usage prints the commands and the flags of the server.
func usage(fs *flag.FlagSet) {
	fmt.Fprint(fs.Output(), "Usage:\n"+
		"  alertmock [flags]         serve the mock (http://127.0.0.1:8080/beta by default)\n"+
		"  alertmock token [flags]   print a test access token (JWT); alertmock token -h lists its flags\n\n"+
		"Flags:\n")
	fs.PrintDefaults()
}

// Environment variables that carry the secrets (the conformance CLI reads
// the same names).
const (
	envAdminToken = "ALERTMOCK_ADMIN_TOKEN"
	envAuthKey    = "ALERTMOCK_AUTH_KEY"
)

// envName is the environment variable that sets the flag name when the
// command line does not: ALERTMOCK_ and the name in capitals, "-" as "_"
// (-page-size: ALERTMOCK_PAGE_SIZE).
func envName(name string) string {
	return "ALERTMOCK_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// flagsFromEnv sets every flag the command line left unset from its
// environment variable (envName), so that a container started without
// arguments (a CI service, a compose file) takes any setting. The command line
// wins; the secrets keep their own order (secret); -version is not read.
// A repeatable flag (-enum-member) takes several values separated by commas.
// A bad value is an error naming the variable.
func flagsFromEnv(fs *flag.FlagSet, set map[string]bool, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		switch f.Name {
		case "version", "admin-token", "auth-key":
			return
		}
		v := getenv(envName(f.Name))
		if err != nil || set[f.Name] || v == "" {
			return
		}
		vals := []string{v}
		if f.Name == "enum-member" {
			vals = strings.Split(v, ",")
		}
		for _, one := range vals {
			if e := fs.Set(f.Name, strings.TrimSpace(one)); e != nil {
				err = fmt.Errorf("%s=%q: %v", envName(f.Name), v, e)
				return
			}
		}
		set[f.Name] = true
	})
	return err
}

// secret returns the value of the secret flag name: the flag when set, else
// the contents of file (its -file form) when given, else the environment
// variable env. The flag and its file together are an error, as is an empty
// or unreadable file.
func secret(name, value string, set map[string]bool, file, env string, getenv func(string) string) (string, error) {
	switch {
	case set[name] && file != "":
		return "", fmt.Errorf("give -%s or -%s-file, not both", name, name)
	case set[name]:
		return value, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("-%s-file: %w", name, err)
		}
		v := trimNewline(string(b))
		if v == "" {
			return "", fmt.Errorf("-%s-file: %s is empty", name, file)
		}
		return v, nil
	}
	return getenv(env), nil
}

// run serves until ctx is done. Subcommands (e.g. "token") are dispatched here
// before flag parsing.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "token" {
		return runToken(args[1:], time.Now(), stdout, stderr)
	}
	o, err := parseFlags(args, stderr, os.Getenv)
	if err != nil {
		return err
	}
	if o.version {
		fmt.Fprintln(stdout, version.Line("alertmock"))
		return nil
	}
	logs := newLogWriter(stderr, 50*time.Millisecond, 32<<10) // one write per batch of log lines (logwriter.go)
	defer logs.Flush()
	logger, err := newLogger(o, logs)
	if err != nil {
		return err
	}
	cfg := mock.Config{
		FutureEnumMembers: o.enumMembers,
		Seed:              o.seed,
		Logger:            logger,
		DisableAuth:       o.noAuth,
		MaxBodyBytes:      o.maxBody,
		PageSize:          o.pageSize,
	}
	if o.authKey != "" {
		cfg.AuthKey = []byte(o.authKey)
		cfg.AuthRequireExp = !o.authExpOpt
	} else if o.authExpOpt {
		return errors.New("-auth-exp-optional needs -auth-key (without it exp is never required)")
	}
	cfg.AuthAudience, cfg.AuthIssuer = o.authAudience, o.authIssuer
	if err := controlFlags(o, &cfg); err != nil {
		return err
	}
	if o.dataFile != "" {
		b, err := os.ReadFile(o.dataFile)
		if err != nil {
			return fmt.Errorf("-data: %w", err)
		}
		if cfg.Alerts, err = mock.DecodeAlertsWith(b, o.enumMembers); err != nil {
			return fmt.Errorf("-data %s: %w", o.dataFile, err)
		}
	}
	if o.stateFile != "" {
		if cfg.Persistence, err = mock.OpenState(o.stateFile); err != nil {
			return fmt.Errorf("-state: %w", err)
		}
		if cfg.Persistence.EmptyFile() {
			logger.Warn("state file was empty (0 bytes): starting it afresh, with no saved sessions", slog.String("path", o.stateFile))
		}
		if n, err := cfg.Persistence.LastChange(); err == nil {
			logger.Info("state file opened", slog.String("path", o.stateFile), slog.Uint64("last-change", n))
		}
	}
	srv, err := mock.New(cfg)
	if err != nil {
		if cfg.Persistence != nil {
			cfg.Persistence.Close()
		}
		return err
	}
	defer srv.Close()
	tlsConfig, err := serverTLS(o, time.Now, stdout)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", o.addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("-addr %s is already in use (another alertmock?): stop it, or pick another port (-addr 127.0.0.1:0 picks a free one)", o.addr)
	}
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      5 * time.Minute, // injected latency may be long
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		TLSConfig:         tlsConfig,
		// "OPTIONS *" reaches the mock (a Graph 404) instead of Go's empty 200.
		DisableGeneralOptionsHandler: true,
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "alertmock: serving %s://%s%s\n", scheme, ln.Addr(), openapi.BasePath)

	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- hs.ServeTLS(ln, "", "")
			return
		}
		errc <- hs.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", slog.Duration("drain", o.drainPeriod))
	sctx, cancel := context.WithTimeout(context.Background(), o.drainPeriod)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newLogger makes the slog logger the flags ask for.
func newLogger(o *options, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, fmt.Errorf("-log-level: %w", err)
	}
	ho := &slog.HandlerOptions{Level: level}
	switch o.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, ho)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, ho)), nil
	}
	return nil, fmt.Errorf("-log: unknown format %q (text or json)", o.logFormat)
}

// controlFlags applies the flags of the control features (journal, faults,
// throttle, admin token) to cfg.
func controlFlags(o *options, cfg *mock.Config) error {
	cfg.JournalSize = o.journalSize
	if o.journalSize == 0 {
		cfg.JournalSize = -1 // the flag's 0 means off; Config's 0 means the default
	}
	if o.journalBytes < 1 || o.journalSession < 1 {
		return fmt.Errorf("-journal-bytes and -journal-session-bytes must be positive (got %d and %d)", o.journalBytes, o.journalSession)
	}
	if o.journalSession > o.journalBytes {
		return fmt.Errorf("-journal-session-bytes %d is over -journal-bytes %d", o.journalSession, o.journalBytes)
	}
	cfg.JournalBytes, cfg.JournalSessionBytes = o.journalBytes, o.journalSession
	if o.maxSessions < 1 {
		return fmt.Errorf("-max-sessions: %d is not a positive number", o.maxSessions)
	}
	cfg.MaxSessions = o.maxSessions
	cfg.AdminToken = o.adminToken
	cfg.Throttle = mock.ThrottleConfig{RequestsPerSecond: o.throttle}
	cfg.BatchShuffleSeed = o.batchShuffle
	if o.faultsFile != "" {
		b, err := os.ReadFile(o.faultsFile)
		if err != nil {
			return fmt.Errorf("-faults: %w", err)
		}
		if cfg.Faults, err = mock.ParseFaultRules(b); err != nil {
			return fmt.Errorf("-faults %s: %w", o.faultsFile, err)
		}
		if _, err := mock.NewFaults().AddAll(cfg.Faults); err != nil {
			return fmt.Errorf("-faults %s: %w", o.faultsFile, err)
		}
	}
	return nil
}
