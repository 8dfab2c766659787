package conformance

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	messages "github.com/cucumber/messages/go/v34"
)

// Need is a token a scenario requires besides the signed-in caller's (Config.Token):
// a scenario that signs in another way is tagged with the need's Tag. When the
// harness mints its tokens (no Config.Token) every need is met by minting; with
// a real token a need is met only by its own token, and a run that selects a
// scenario whose need is not met fails before it starts (*NeedError).
type Need struct {
	// Tag is the scenario tag, e.g. "@needs-read-token".
	Tag string
	// What describes the token.
	What string
	// Flag and Env are the conformance command's flag and environment variable
	// that supply it; empty for @needs-minting, which only minting meets.
	Flag, Env string
	// Steps are the patterns of the steps that need it.
	Steps []string
	// token returns the configured token that meets the need ("" when none).
	token func(Config) string
	// set configures the token.
	set func(*Config, string)
}

// Set configures the token that meets the need; it does nothing for
// @needs-minting.
func (n Need) Set(c *Config, token string) {
	if n.set != nil {
		n.set(c, token)
	}
}

// The need tags.
const (
	needsReadToken         = "@needs-read-token"
	needsUnprivilegedToken = "@needs-unprivileged-token"
	needsExpiredToken      = "@needs-expired-token"
	needsAppToken          = "@needs-app-token"
	needsAppReadToken      = "@needs-app-read-token"
	needsMinting           = "@needs-minting"
)

// Needs returns every need, in the order the conformance command lists its flags.
func Needs() []Need {
	return []Need{
		{Tag: needsReadToken, What: "a delegated token with PartnerSecurity.Read.All and not PartnerSecurity.ReadWrite.All",
			Flag: "-read-token", Env: "GRAPH_READ_TOKEN",
			Steps: []string{stepReadOnly},
			token: func(c Config) string { return c.ReadToken }, set: func(c *Config, t string) { c.ReadToken = t }},
		{Tag: needsUnprivilegedToken, What: "a delegated token without a partner security permission (e.g. User.Read only)",
			Flag: "-unprivileged-token", Env: "GRAPH_UNPRIVILEGED_TOKEN",
			Steps: []string{stepUnprivileged},
			token: func(c Config) string { return c.UnprivilegedToken }, set: func(c *Config, t string) { c.UnprivilegedToken = t }},
		{Tag: needsExpiredToken, What: "an access token for Microsoft Graph that has expired",
			Flag: "-expired-token", Env: "GRAPH_EXPIRED_TOKEN",
			Steps: []string{stepExpired},
			token: func(c Config) string { return c.ExpiredToken }, set: func(c *Config, t string) { c.ExpiredToken = t }},
		{Tag: needsAppToken, What: "an app-only token with the role PartnerSecurity.ReadWrite.All",
			Flag: "-app-token", Env: "GRAPH_APP_TOKEN",
			Steps: []string{stepAppUpdate},
			token: func(c Config) string { return c.AppToken }, set: func(c *Config, t string) { c.AppToken = t }},
		{Tag: needsAppReadToken, What: "an app-only token with the role PartnerSecurity.Read.All only",
			Flag: "-app-read-token", Env: "GRAPH_APP_READ_TOKEN",
			Steps: []string{stepAppRead},
			token: func(c Config) string { return c.AppReadToken }, set: func(c *Config, t string) { c.AppReadToken = t }},
		{Tag: needsMinting, What: "tokens with chosen claims (scopes, times, tenant), which the harness mints and only a target that trusts it accepts",
			Steps: []string{stepSignedInAs, stepSignedInAsExpired, stepSignedInAsNotYetValid, stepNotYetValid, stepApplicationRoles, stepTenantSession, stepOtherTenant},
			token: func(Config) string { return "" }},
	}
}

// The patterns of the steps that need a token of their own (see Needs).
const (
	stepReadOnly              = `^I am signed in with permission to read alerts only$`
	stepUnprivileged          = `^I am signed in without a partner security permission$`
	stepExpired               = `^I am signed in with a token that expired an hour ago$`
	stepAppUpdate             = `^I am an application with permission to update alerts$`
	stepAppRead               = `^I am an application with permission to read alerts$`
	stepSignedInAs            = `^I am signed in as "([^"]*)" with the permissions "([^"]*)"$`
	stepSignedInAsExpired     = `^I am signed in as "([^"]*)" with the permissions "([^"]*)" and a token that expired an hour ago$`
	stepSignedInAsNotYetValid = `^I am signed in as "([^"]*)" with the permissions "([^"]*)" and a token valid from an hour from now$`
	stepNotYetValid           = `^I am signed in with a token that is not valid yet$`
	stepApplicationRoles      = `^I am an application with the roles "([^"]*)" and the application id "([^"]*)"$`
	stepTenantSession         = `^I send no session header and am signed in to a tenant of my own$`
	stepOtherTenant           = `^I read the alert as a user of another tenant of my own$`
)

// need returns the need with the tag.
func need(tag string) Need {
	for _, n := range Needs() {
		if n.Tag == tag {
			return n
		}
	}
	panic("conformance: no need " + tag)
}

// met reports whether the configuration meets n: by its own token, or by
// minting when no token is configured.
func (n Need) met(c Config) bool {
	return n.token(c) != "" || c.Token == ""
}

// unmet is the error of a step whose need the configuration does not meet.
func (n Need) unmet() error {
	return errors.New(n.remedy("this step needs"))
}

// remedy says what subject ("3 selected scenarios need") lacks and how to
// get it.
func (n Need) remedy(subject string) string {
	if n.Flag == "" {
		return fmt.Sprintf("%s %s (%s), and a run with a token of its own mints none: add \"~%s\" to -tags, or run without -token against a target that trusts the harness's tokens", subject, n.What, n.Tag, n.Tag)
	}
	return fmt.Sprintf("%s %s (%s): supply it with %s (or $%s), or add \"~%s\" to -tags", subject, n.What, n.Tag, n.Flag, n.Env, n.Tag)
}

// NeedError reports scenarios whose need the configuration does not meet;
// Run, Test and Compare return it before running anything.
type NeedError struct {
	// Need is the first unmet need.
	Need Need
	// Scenarios are the selected scenarios that have it.
	Scenarios []string
}

func (e *NeedError) Error() string {
	subject := fmt.Sprintf("%d selected scenarios need", len(e.Scenarios))
	if len(e.Scenarios) == 1 {
		subject = fmt.Sprintf("the selected scenario %q needs", e.Scenarios[0])
	}
	return e.Need.remedy(subject)
}

// UnknownNeedError reports a scenario tagged with a need the harness does not know.
type UnknownNeedError struct {
	Tag, Scenario string
}

func (e *UnknownNeedError) Error() string {
	var tags []string
	for _, n := range Needs() {
		tags = append(tags, n.Tag)
	}
	return fmt.Sprintf("scenario %q has the tag %s, which names no need the harness knows (%s)", e.Scenario, e.Tag, strings.Join(tags, ", "))
}

// checkNeeds returns a *NeedError for the first need of the selected
// scenarios that the configuration does not meet, or an *UnknownNeedError.
func (s *Suite) checkNeeds(pickles []*messages.Pickle) error {
	unmet := map[string][]string{}
	for _, p := range pickles {
		for _, t := range p.Tags {
			if !strings.HasPrefix(t.Name, "@needs-") {
				continue
			}
			i := slices.IndexFunc(Needs(), func(n Need) bool { return n.Tag == t.Name })
			if i < 0 {
				return &UnknownNeedError{Tag: t.Name, Scenario: p.Name}
			}
			if !Needs()[i].met(s.cfg) {
				unmet[t.Name] = append(unmet[t.Name], p.Name)
			}
		}
	}
	for _, n := range Needs() {
		if names := unmet[n.Tag]; len(names) > 0 {
			return &NeedError{Need: n, Scenarios: names}
		}
	}
	return nil
}

// signInFor signs the scenario in with the token that meets the need: the
// configured one, or a minted one carrying the claims mint returns.
func (st *scenario) signInFor(tag string, mint func() claims) error {
	n := need(tag)
	if tok := n.token(st.suite.cfg); tok != "" {
		st.auth = configured(tok)
		return nil
	}
	if !n.met(st.suite.cfg) {
		return n.unmet()
	}
	c := mint()
	st.auth = credentials{header: "Bearer " + mintToken(c, st.suite.cfg.MintKey), actor: c.actor()}
	return nil
}

// configured returns the credentials of a configured token; the actor is
// read from its claims when it is a JWT.
func configured(token string) credentials {
	actor := ""
	if c, err := readClaims(token); err == nil {
		actor = c.actor()
	}
	return credentials{header: "Bearer " + token, actor: actor}
}
