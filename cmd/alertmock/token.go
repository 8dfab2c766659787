package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/partner-security/alertmock/mock/auth"
)

// defaultTokenScope is the permission a minted token carries when neither
// -scp nor -roles is given: enough to read and update alerts.
const defaultTokenScope = "PartnerSecurity.ReadWrite.All"

// claimFlags collects repeated -claim name=value flags.
type claimFlags map[string]any

func (c claimFlags) String() string { return fmt.Sprint(map[string]any(c)) }

func (c claimFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("want name=value, got %q", s)
	}
	c[name] = value
	return nil
}

// runToken is the "alertmock token" subcommand: it prints a test access token
// (a JWT) on stdout. args are the arguments after "token"; now is the clock
// the iat/nbf/exp claims are computed from.
func runToken(args []string, now time.Time, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("alertmock token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: alertmock token [flags]\n\n"+
			"Prints a test access token (JWT) for the mock. Without -scp and -roles it is a\n"+
			"delegated token with scp %s.\n\nFlags:\n", defaultTokenScope)
		fs.PrintDefaults()
	}
	scp := fs.String("scp", "", "delegated permissions (claim scp), separated by spaces or commas")
	roles := fs.String("roles", "", "application permissions (claim roles), separated by spaces or commas: an app-only token")
	upn := fs.String("upn", "", "signed-in user (claim upn), recorded as updatedBy/resolvedBy")
	tid := fs.String("tid", "", "tenant id (claim tid); the mock's session when no X-Mock-Session header is sent")
	appid := fs.String("appid", "", "client application id (claim appid), recorded as updatedBy/resolvedBy for app-only tokens")
	oid := fs.String("oid", "", "object id (claim oid)")
	aud := fs.String("aud", auth.GraphAudience, "audience (claim aud)")
	iss := fs.String("iss", "", "issuer (claim iss); default https://sts.windows.net/<tid>/")
	expires := fs.Duration("expires", time.Hour, "lifetime from now (claim exp); negative mints an already expired token")
	key := fs.String("key", "", "sign with HS256 using this key (the server's -auth-key); without a key the token is unsigned (alg none)")
	keyFile := fs.String("key-file", "", "read the HS256 key from this file (one trailing newline is ignored)")
	extra := claimFlags{}
	fs.Var(extra, "claim", "extra claim name=value (string), repeatable, e.g. -claim unique_name=ana@contoso.com")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("token: unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["key"] && set["key-file"] {
		return errors.New("token: give -key or -key-file, not both")
	}

	signingKey := []byte(*key)
	if *keyFile != "" {
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return fmt.Errorf("token: %w", err)
		}
		signingKey = []byte(trimNewline(string(b)))
		if len(signingKey) == 0 {
			return fmt.Errorf("token: key file %s is empty", *keyFile)
		}
	}

	tok := auth.Token{
		Scopes:    splitList(*scp),
		Roles:     splitList(*roles),
		UPN:       *upn,
		TenantID:  *tid,
		AppID:     *appid,
		ObjectID:  *oid,
		Audience:  *aud,
		Issuer:    *iss,
		IssuedAt:  now,
		ExpiresAt: now.Add(*expires),
		Extra:     extra,
	}
	if !set["scp"] && !set["roles"] {
		tok.Scopes = []string{defaultTokenScope}
	}
	if *expires < 0 {
		// An expired token: issued before it expired, as a real one would be.
		tok.IssuedAt = tok.ExpiresAt.Add(-time.Hour)
	}
	token, err := auth.Mint(tok, signingKey)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	_, err = fmt.Fprintln(stdout, token)
	return err
}

// splitList splits a permission list on spaces and commas.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

// trimNewline removes one trailing "\n" or "\r\n", as editors and echo add.
func trimNewline(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r")
}
