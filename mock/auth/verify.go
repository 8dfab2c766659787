package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/partner-security/alertmock/mock/alert"
)

// Bounds of a Verifier's cache: clients reuse one token for many requests,
// but a client could otherwise pin thousands of megabyte-long tokens.
const (
	maxCachedTokens     = 1024    // when full, the cache starts over
	maxCachedTokenBytes = 8 << 10 // longer tokens are parsed every time
)

// Verifier parses bearer tokens and, with a key, verifies their HS256
// signature. It caches what it parsed, so that the several readers of one
// request (session lookup, auth) decode its token once. It is safe for
// concurrent use; make one with NewVerifier.
type Verifier struct {
	key    []byte
	checks Checks
	parser *jwt.Parser
	mu     sync.Mutex
	cache  map[string]*Parsed
}

// Checks are the claim checks a Verifier makes on every JWT besides its
// signature (exp and nbf are always honoured when present). The zero value
// makes none. Opaque tokens carry no claims and are not checked.
type Checks struct {
	// Audience, when set, must be the aud claim (a string) or one of its
	// members (an array); otherwise ErrAudience.
	Audience string
	// Issuer, when set, must be the iss claim; otherwise ErrIssuer.
	Issuer string
	// RequireExp refuses a JWT without an exp claim (ErrNoExpiry): Entra
	// ID never issues one.
	RequireExp bool
}

// NewVerifier returns a Verifier that makes checks. With a non-nil key,
// JWTs must be HS256-signed with it and opaque tokens are refused; without
// one, JWTs are read without checking a signature and opaque tokens are
// accepted.
func NewVerifier(key []byte, checks Checks) *Verifier {
	return &Verifier{key: key, checks: checks, parser: jwt.NewParser(jwt.WithoutClaimsValidation(), jwt.WithPaddingAllowed())}
}

// Parsed is what a token says, independent of the clock: the principal, its
// validity window, and the error it earns regardless of time (malformed, bad
// signature). Principal.Tenant is read even when the signature is bad, so a
// request still names its session.
type Parsed struct {
	Principal Principal
	exp, nbf  *float64
	err       error
}

// Valid returns the principal, or the *TokenError of a token that is
// malformed, badly signed, expired or not yet valid at now.
func (p *Parsed) Valid(now time.Time) (Principal, error) {
	if p.err != nil {
		return Principal{}, p.err
	}
	unix := float64(now.Unix())
	if (p.exp != nil && unix >= *p.exp) || (p.nbf != nil && unix < *p.nbf) {
		return Principal{}, ErrExpired
	}
	return p.Principal, nil
}

// Parse reads a bearer token (cached). A token without dots is opaque;
// anything with a dot must be a JWT (three base64url parts, JSON object
// header and payload).
func (v *Verifier) Parse(tok string) *Parsed {
	v.mu.Lock()
	p, ok := v.cache[tok]
	v.mu.Unlock()
	if ok {
		return p
	}
	p = v.parse(tok)
	if len(tok) > maxCachedTokenBytes {
		return p // not worth pinning a huge key
	}
	v.mu.Lock()
	if v.cache == nil || len(v.cache) >= maxCachedTokens {
		v.cache = make(map[string]*Parsed, 64)
	}
	v.cache[tok] = p
	v.mu.Unlock()
	return p
}

// cached reports whether the cache holds tok (for tests).
func (v *Verifier) cached(tok string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, ok := v.cache[tok]
	return ok
}

func (v *Verifier) parse(tok string) *Parsed {
	if tok == "" {
		return &Parsed{err: ErrEmpty}
	}
	if !strings.Contains(tok, ".") {
		if v.key != nil {
			return &Parsed{err: ErrMalformed}
		}
		return &Parsed{Principal: Principal{Actor: alert.DefaultActor, Opaque: true}}
	}
	var c claims
	t, parts, err := v.parser.ParseUnverified(tok, &c)
	// The library decodes the header, the claims, looks up the algorithm,
	// then decodes the signature. Without a key an unknown algorithm or an
	// undecodable signature does not matter; with one it is a bad signature.
	sigOnly := errors.Is(err, jwt.ErrTokenUnverifiable) ||
		(errors.Is(err, jwt.ErrTokenMalformed) && t != nil && t.Method != nil)
	if (err != nil && !sigOnly) || t.Header == nil || !c.object {
		// A JOSE header and a claims set are JSON objects; null would
		// decode into empty claims (a token without permissions).
		return &Parsed{err: ErrMalformed}
	}
	p := &Parsed{exp: c.Exp, nbf: c.Nbf, Principal: Principal{Tenant: c.TID}}
	if v.key != nil {
		if err != nil || t.Method != jwt.SigningMethodHS256 ||
			jwt.SigningMethodHS256.Verify(parts[0]+"."+parts[1], t.Signature, v.key) != nil {
			p.err = ErrSignature
			return p
		}
	}
	if p.err = v.checkClaims(&c); p.err != nil {
		return p
	}
	pr := &p.Principal
	switch {
	case c.Scp != "":
		pr.Permissions = strings.Fields(c.Scp)
		pr.Actor = firstNonEmpty(c.UPN, c.UniqueName, c.PreferredUsername)
	case len(c.Roles) > 0:
		pr.Permissions = c.Roles
		pr.Actor = firstNonEmpty(c.AppID, c.AZP)
	default:
		pr.Actor = firstNonEmpty(c.UPN, c.UniqueName, c.PreferredUsername, c.AppID, c.AZP)
	}
	if pr.Actor == "" {
		pr.Actor = alert.DefaultActor
	}
	return p
}

// checkClaims makes the Verifier's Checks on a token's claims.
func (v *Verifier) checkClaims(c *claims) error {
	if v.checks.RequireExp && c.Exp == nil {
		return ErrNoExpiry
	}
	if want := v.checks.Audience; want != "" {
		var aud jwt.ClaimStrings // a string or an array of strings
		if len(c.Aud) == 0 || json.Unmarshal(c.Aud, &aud) != nil || !slices.Contains(aud, want) {
			return ErrAudience
		}
	}
	if want := v.checks.Issuer; want != "" {
		var iss string
		if len(c.Iss) == 0 || json.Unmarshal(c.Iss, &iss) != nil || iss != want {
			return ErrIssuer
		}
	}
	return nil
}

// claims are the JWT payload members the mock reads. The time claims are
// read as JSON numbers and compared with the clock at each request (the
// library's validator would compare them once, at parse time).
type claims struct {
	Scp               string   `json:"scp"`
	Roles             []string `json:"roles"`
	UPN               string   `json:"upn"`
	UniqueName        string   `json:"unique_name"`
	PreferredUsername string   `json:"preferred_username"`
	AppID             string   `json:"appid"`
	AZP               string   `json:"azp"`
	TID               string   `json:"tid"`
	Exp               *float64 `json:"exp"`
	Nbf               *float64 `json:"nbf"`
	// aud and iss are decoded only when a Check asks for them, so a token
	// with an odd one is refused only then.
	Aud    json.RawMessage `json:"aud"`
	Iss    json.RawMessage `json:"iss"`
	object bool            // the payload was a JSON object
}

// UnmarshalJSON decodes a JSON object and notes that it was one (a null
// payload never reaches it).
func (c *claims) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return errNotObject
	}
	type plain claims
	if err := json.Unmarshal(b, (*plain)(c)); err != nil {
		return err
	}
	c.object = true
	return nil
}

// errNotObject: a JWT part that is not a JSON object.
var errNotObject = errors.New("auth: JWT part is not a JSON object")

// The jwt.Claims interface: the parser skips claims validation, so these
// are never asked.
func (c *claims) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (c *claims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (c *claims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c *claims) GetIssuer() (string, error)                   { return "", nil }
func (c *claims) GetSubject() (string, error)                  { return "", nil }
func (c *claims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
