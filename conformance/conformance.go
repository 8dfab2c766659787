// Package conformance is the step library that runs the Gherkin features of
// package features against any endpoint of the partner security alerts API (the
// mock or Microsoft Graph) and checks every response against the OpenAPI
// description.
package conformance

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/partner-security/alertmock/conformance/oracle"
)

// DocumentedAlertID is the id of the alert in Microsoft's documentation; the
// mock's seed data has it, in status active. It is the alert under test unless
// Config.AlertID says otherwise.
const DocumentedAlertID = "d8b202fc-a216-3404-69ef-bdffa445eff6"

// DefaultUser is the UPN of the user in the tokens the harness mints when no
// token is configured.
const DefaultUser = "conformance@contoso.com"

// SessionHeader is the header that gives every scenario its own state on the
// mock; Microsoft Graph ignores it.
const SessionHeader = "X-Mock-Session"

// Config configures a Suite. BaseURL is required; the zero value of every other
// field is usable.
type Config struct {
	// BaseURL is the API's base URL including the version segment, for example
	// "http://127.0.0.1:8080/beta" or "https://graph.microsoft.com/beta".
	BaseURL string
	// Client sends every request; nil means a client with a 60 s timeout.
	// Redirects are never followed (the suite uses a copy that hands them back).
	Client *http.Client
	// Token is the bearer token of the signed-in caller. Empty means the harness
	// mints unsigned tokens itself (accepted by the mock, not by Graph), and
	// every need (see Needs) is met by minting.
	Token string
	// ReadToken, UnprivilegedToken, ExpiredToken, AppToken and AppReadToken
	// are the tokens of the scenarios tagged with a need (see Needs): a
	// delegated token with PartnerSecurity.Read.All only, one without a partner
	// security permission, an expired one, and app-only tokens with the role
	// PartnerSecurity.ReadWrite.All and PartnerSecurity.Read.All. Empty means
	// minted when Token is empty, and unmet otherwise. ReadToken also signs in
	// the steps that only read ("I am signed in with permission to read alerts").
	ReadToken, UnprivilegedToken, ExpiredToken, AppToken, AppReadToken string
	// AlertID is the alert the scenarios read and update; empty means
	// DocumentedAlertID.
	AlertID string
	// Now is the clock that times requests; nil means time.Now.
	Now func() time.Time
	// NewID returns a fresh id for X-Mock-Session; nil means a random UUID v4.
	NewID func() string
	// MintKey, when set, makes the tokens the harness mints HS256-signed with
	// this key instead of unsigned, for a mock started with -auth-key.
	MintKey []byte
	// AdminToken is sent as "Authorization: Bearer <AdminToken>" to the mock's
	// control API (fault injection in @mock-only scenarios), for an alertmock
	// started with -admin-token; empty sends none (loopback access).
	AdminToken string
	// ClockSkew is how far the server's clock (its Date header) may be from
	// Now; zero means 5 minutes. Timestamps the server writes are judged
	// against its own clock, read from the Date header of each answer, with a
	// tolerance of a second (see package oracle).
	ClockSkew time.Duration
	// VariantSeed chooses the shape of each scenario's requests among those
	// Microsoft's clients send (Accept, Content-Type, "$" or "%24" or no
	// prefix, percent-encoding, header case, member order, type annotation,
	// client-request-id; see variant.go): a scenario's shape follows from the
	// seed and its place in the run's selection, and every shape is sent in
	// any run of four scenarios or more. A failing step names its shape.
	VariantSeed int64
	// Variant, when not empty, sends every scenario in this one shape, as a
	// failing step names it ("accept=any prefix=none …"; the dimensions not
	// named keep the harness's own shape, and "base" is that shape alone).
	Variant string
	// Rules chooses the rules of the oracle every exchange is judged by; the
	// zero value, RulesAuto, decides per run (see RuleSet).
	Rules RuleSet
	// Settle is how long a documented step waits for a list to show a change
	// (eventual consistency), re-reading it until it does; zero means 5 s.
	// The @assumption twins demand the change at once.
	Settle time.Duration
	// Steps, when set, registers a team's own steps on every scenario, after
	// the suite's: they run in Run, Test and Compare and may read the
	// scenario's State (StateFrom).
	Steps func(*godog.ScenarioContext)
	// OmitSteps are step patterns of the suite, exactly as -list-steps prints
	// them, that the suite does not register, so that a team's step with the
	// same wording is not ambiguous with it (godog refuses a step text that
	// two patterns match). New fails on a pattern the suite does not have.
	OmitSteps []string
}

// RuleSet chooses the rules of the oracle (package oracle) a run judges every
// exchange by.
type RuleSet string

// The rule sets.
const (
	// RulesAuto judges by documented rules only when the run selects
	// scenarios and none of them is tagged @assumption (for example with
	// -tags '~@mock-only && ~@assumption'), and by every rule otherwise.
	// InitializeScenario, used without Run, judges by every rule.
	RulesAuto RuleSet = ""
	// RulesDocumented judges by the rules labelled documented, and validates
	// bodies against the documented projection of the description.
	RulesDocumented RuleSet = "documented"
	// RulesAll judges by every rule, documented and assumed.
	RulesAll RuleSet = "all"
)

// Suite runs the features against one endpoint. Make it with New; it is safe
// for concurrent scenarios.
type Suite struct {
	cfg      Config
	base     *url.URL
	contract *Contract
	// all and documented judge every exchange: by every rule, and by the
	// documented rules only.
	all, documented *oracle.Oracle
	// steps are the step patterns, compiled once for every scenario.
	steps map[string]*regexp.Regexp
	// pinned is Config.Variant parsed, nil for the schedule of VariantSeed.
	pinned *variant
	// started counts the scenarios started without an ordinal (variantFor).
	started atomic.Int64
}

// builtinContract is the Contract of the embedded description, built once per
// process: it never changes, and building it (load, compile every schema)
// costs more than the rest of a Suite.
var builtinContract = sync.OnceValues(func() (*Contract, error) { return NewContract(context.Background()) })

// New checks cfg and takes the contract (the OpenAPI description, its routes
// and compiled schemas, built once per process) for every scenario.
func New(ctx context.Context, cfg Config) (*Suite, error) {
	base, err := url.Parse(strings.TrimSuffix(cfg.BaseURL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("conformance: base URL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	if base.Scheme != "http" && base.Scheme != "https" {
		return nil, fmt.Errorf("conformance: base URL %q: scheme %q; want http or https", cfg.BaseURL, base.Scheme)
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 60 * time.Second}
	}
	// A redirect is an answer to judge, not to follow: the description
	// declares no 3xx, and a followed redirect would be judged by the page it
	// leads to. The caller's client is copied, not changed.
	c := *cfg.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// Every request of a scenario run by Run or Compare is recorded for the
	// drift report; other requests pass through untouched.
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = recordingTransport{next: caseTransport{next: next}} // header names in the variant's case on the wire only
	cfg.Client = &c
	if cfg.AlertID == "" {
		cfg.AlertID = DocumentedAlertID
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = newUUID
	}
	if cfg.ClockSkew == 0 {
		cfg.ClockSkew = oracle.DefaultClockSkew
	}
	if cfg.Settle == 0 {
		cfg.Settle = oracle.DefaultSettle
	}
	switch cfg.Rules {
	case RulesAuto, RulesDocumented, RulesAll:
	default:
		return nil, fmt.Errorf("conformance: rules %q; want %q, %q or %q (auto)", cfg.Rules, RulesDocumented, RulesAll, RulesAuto)
	}
	contract, err := builtinContract()
	if err != nil {
		return nil, err
	}
	s := &Suite{cfg: cfg, base: base, contract: contract, steps: make(map[string]*regexp.Regexp)}
	if cfg.Variant != "" {
		v, err := parseVariant(cfg.Variant)
		if err != nil {
			return nil, fmt.Errorf("conformance: %w", err)
		}
		s.pinned = &v
	}
	for _, o := range []struct {
		to         **oracle.Oracle
		documented bool
	}{{&s.all, false}, {&s.documented, true}} {
		if *o.to, err = oracle.New(ctx, oracle.Options{Documented: o.documented, BasePath: base.Path, Settle: cfg.Settle, ClockSkew: cfg.ClockSkew}); err != nil {
			return nil, err
		}
	}
	var bad error
	(&scenario{}).register(func(pattern string, _ any) {
		re, err := regexp.Compile(pattern)
		if err != nil && bad == nil {
			bad = fmt.Errorf("conformance: step pattern %q: %w", pattern, err)
		}
		s.steps[pattern] = re
	})
	if bad != nil {
		return nil, bad
	}
	for _, p := range cfg.OmitSteps {
		if _, ok := s.steps[p]; !ok {
			return nil, fmt.Errorf("conformance: OmitSteps: %q is not a step pattern of the suite (conformance -list-steps lists them)", p)
		}
		delete(s.steps, p)
	}
	return s, nil
}

// InitializeScenario registers the steps on a fresh per-scenario state; pass it
// as godog.TestSuite.ScenarioInitializer.
func (s *Suite) InitializeScenario(sc *godog.ScenarioContext) {
	s.initializeScenario(sc, s.cfg.Rules == RulesDocumented)
}

// initializeScenario registers the steps on a fresh per-scenario state that
// judges every exchange by the documented rules only, or by every rule.
func (s *Suite) initializeScenario(sc *godog.ScenarioContext, documented bool) {
	st := s.newScenario(documented)
	sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
		st.variant = s.variantFor(ctx)
		return ctx, nil
	})
	st.register(func(pattern string, fn any) {
		if re, ok := s.steps[pattern]; ok { // not omitted
			sc.Step(re, st.naming(fn))
		}
	})
	state := &State{st: st}
	sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
		return context.WithValue(ctx, stateKey{}, state), nil
	})
	if s.cfg.Steps != nil {
		s.cfg.Steps(sc)
	}
}

// newScenario returns the state of a fresh scenario: its own session, the
// alert under test, the default credentials, and an oracle of the documented
// rules only or of every rule.
func (s *Suite) newScenario(documented bool) *scenario {
	st := &scenario{suite: s, session: s.cfg.NewID(), alertID: s.cfg.AlertID, auth: s.defaultCredentials(), oracle: s.all, models: map[string]*oracle.Model{}}
	if documented {
		st.oracle = s.documented
	}
	return st
}

// naming wraps a step function so that its error names the shape the
// scenario's requests were sent in, and how to send them so again.
func (st *scenario) naming(fn any) any {
	f := reflect.ValueOf(fn)
	return reflect.MakeFunc(f.Type(), func(args []reflect.Value) []reflect.Value {
		out := f.Call(args)
		last := out[len(out)-1]
		if err, ok := last.Interface().(error); ok && err != nil && !errors.Is(err, godog.ErrSkip) {
			how := fmt.Sprintf("-variant-seed %d", st.suite.cfg.VariantSeed)
			if st.suite.pinned != nil {
				how = "-variant"
			}
			err = fmt.Errorf("%w\n(requests sent as %q, by %s; -variant %q sends every scenario so)", err, st.variant.String(), how, st.variant.String())
			out[len(out)-1] = reflect.ValueOf(&err).Elem()
		}
		return out
	}).Interface()
}

// documentedOnly decides, for a run of the selected scenarios, whether the
// oracle judges by documented rules only (see RuleSet).
func (s *Suite) documentedOnly(pickles []*messages.Pickle) bool {
	switch s.cfg.Rules {
	case RulesDocumented:
		return true
	case RulesAll:
		return false
	}
	for _, p := range pickles {
		for _, t := range p.Tags {
			if t.Name == "@assumption" {
				return false
			}
		}
	}
	return len(pickles) > 0
}

// Ping sends one read of the alert list with the suite's credentials and
// reports whether the target serves the API at its base URL and accepts them,
// so that a wrong URL or token gives one clear error instead of a failure in
// every scenario. The target serves it when the list answers 2xx with a
// "value" array, or 401, 403, 429 or 5xx in the Graph error envelope; a 401 or
// 403 is then an *AuthError (the credentials are refused), and 429 and 5xx are
// left to the scenarios. A target that does not answer is an error wrapping
// the transport's (a *tls.CertificateVerificationError for an untrusted
// certificate); one that answers anything else is a *TargetError naming the
// likely fix.
func (s *Suite) Ping(ctx context.Context) error {
	u := s.base.String() + "/security/partner/securityAlerts?$select=id"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", s.defaultCredentials().header)
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("target %s does not answer: %w", s.base, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if servesAPI(resp.StatusCode, body) {
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			return authError(s.base.String(), resp.StatusCode, body, s.cfg.Token == "")
		}
		return nil
	}
	return &TargetError{
		BaseURL:     s.base.String(),
		Probe:       "GET " + u,
		Status:      resp.StatusCode,
		ContentType: resp.Header.Get("Content-Type"),
		Location:    resp.Header.Get("Location"),
	}
}

// servesAPI reports whether an answer to a read of the alert list comes from
// the API: a list, or a Graph error that a scenario would judge.
func servesAPI(status int, body []byte) bool {
	var v struct {
		Value []any `json:"value"`
		Error *struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	switch {
	case status >= 200 && status < 300:
		return v.Value != nil
	case status == http.StatusUnauthorized, status == http.StatusForbidden, status == http.StatusTooManyRequests, status >= 500:
		return v.Error != nil && v.Error.Code != ""
	}
	return false
}

// TargetError reports an endpoint that answers HTTP but does not serve the
// partner security alerts API at its base URL.
type TargetError struct {
	// BaseURL is the base URL the suite was given.
	BaseURL string
	// Probe is the request that found it ("GET <url>").
	Probe string
	// Status, ContentType and Location describe the answer.
	Status      int
	ContentType string
	Location    string
}

// Fix returns the likely fix: a base URL to try instead, or what to check.
func (e *TargetError) Fix() string {
	base := strings.TrimSuffix(e.BaseURL, "/")
	switch {
	case strings.HasSuffix(base, "/v1.0"):
		return "the API exists only in beta: try " + strings.TrimSuffix(base, "/v1.0") + "/beta"
	case strings.Contains(base, "/beta/"):
		return "the base URL ends at its version segment: try " + base[:strings.Index(base, "/beta/")+len("/beta")]
	case !strings.HasSuffix(base, "/beta"):
		return "the base URL needs its version segment: try " + base + "/beta"
	case e.Status >= 300 && e.Status < 400 && e.Location != "":
		return "it redirects to " + e.Location + ": use the URL it leads to, or check proxies and sign-in"
	default:
		return "check that " + base + " is the API's base URL (the alerts are at " + base + "/security/partner/securityAlerts)"
	}
}

func (e *TargetError) Error() string {
	ct := e.ContentType
	if ct == "" {
		ct = "no Content-Type"
	}
	return fmt.Sprintf("target %s does not serve the partner security alerts API (%s answered %d, %s): %s", e.BaseURL, e.Probe, e.Status, ct, e.Fix())
}

// AuthError reports a target that serves the API but refuses the suite's
// credentials on the probe: every scenario would fail with the same 401 or 403.
type AuthError struct {
	// BaseURL is the base URL the suite was given.
	BaseURL string
	// Status is 401 (the token is refused) or 403 (it may not read alerts).
	Status int
	// Code and Message are those of the Graph error envelope.
	Code, Message string
	// Minted reports whether the refused token was one the harness minted
	// (Config.Token empty), signed with Config.MintKey when that is set.
	Minted bool
}

// authError reads the Graph error envelope of a refused probe.
func authError(base string, status int, body []byte, minted bool) *AuthError {
	var v struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &v) // servesAPI has decoded it already
	return &AuthError{BaseURL: base, Status: status, Code: v.Error.Code, Message: v.Error.Message, Minted: minted}
}

func (e *AuthError) Error() string {
	what := "the configured token"
	if e.Minted {
		what = "the test tokens the harness mints"
	}
	verb := "refuses"
	if e.Status == http.StatusForbidden {
		verb = "does not let read alerts with"
	}
	return fmt.Sprintf("target %s %s %s (%d %s: %s)", e.BaseURL, verb, what, e.Status, e.Code, e.Message)
}

// newUUID returns a random UUID version 4.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
