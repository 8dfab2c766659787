package mock

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

// principal is who sent a request, as read from its bearer token.
type principal struct {
	Actor       string   // for activityLogs.updatedBy and resolvedBy
	Tenant      string   // the tid claim
	Permissions []string // scp (delegated) or roles (application)
	Opaque      bool     // not a JWT: fully permitted (unless an AuthKey is set)
}

// claims are the JWT payload members the mock reads.
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
}

// Messages of 401 answers, as Graph words them.
const (
	msgTokenEmpty   = "Access token is empty."
	msgTokenParse   = "CompactToken parsing failed with error code: 80049217"
	msgTokenExpired = "Access token has expired or is not valid yet."
	msgTokenSig     = "Access token validation failure. Invalid signature."
)

// bearer splits an Authorization header into its token and whether the
// scheme is Bearer (case-insensitive).
func bearer(r *http.Request) (token string, isBearer bool) {
	scheme, tok, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	return strings.TrimSpace(tok), strings.EqualFold(scheme, "Bearer")
}

// tokenInfo is what a token says, independent of the clock: the principal,
// its validity window, and the 401 it earns regardless of time (malformed, bad
// signature). tenant is read even when the signature is bad, for sessionOf.
type tokenInfo struct {
	p        principal
	exp, nbf *float64
	err      *Error
}

// maxCachedTokens bounds the token cache; when full it starts over.
const maxCachedTokens = 1024

// tokenCache remembers parsed tokens: clients reuse one token for many
// requests, and the session lookup of three middlewares plus auth would
// otherwise decode the same JWT four times per request.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]*tokenInfo
}

// token returns the parsed token (cached).
func (s *Server) token(tok string) *tokenInfo {
	c := &s.tokens
	c.mu.Lock()
	info, ok := c.m[tok]
	c.mu.Unlock()
	if ok {
		return info
	}
	info = parseToken(tok, s.cfg.AuthKey)
	if len(tok) > maxCachedKeyBytes {
		return info // not worth pinning a huge key
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = make(map[string]*tokenInfo, 64)
	}
	c.m[tok] = info
	c.mu.Unlock()
	return info
}

// valid returns the principal, or the 401 for a token that is malformed,
// badly signed, expired or not yet valid at now.
func (t *tokenInfo) valid(now time.Time) (principal, *Error) {
	if t.err != nil {
		return principal{}, t.err
	}
	unix := float64(now.Unix())
	if (t.exp != nil && unix >= *t.exp) || (t.nbf != nil && unix < *t.nbf) {
		return principal{}, &Error{Code: CodeInvalidAuthenticationToken, Message: msgTokenExpired}
	}
	return t.p, nil
}

// parseToken reads a bearer token. A token without dots is opaque; anything
// with a dot must be a JWT (three base64url parts, JSON header and payload).
// With key set, the JWT must be HS256-signed with it and opaque tokens fail.
func parseToken(tok string, key []byte) *tokenInfo {
	unauth := func(msg string) *tokenInfo {
		return &tokenInfo{err: &Error{Code: CodeInvalidAuthenticationToken, Message: msg}}
	}
	if tok == "" {
		return unauth(msgTokenEmpty)
	}
	if !strings.Contains(tok, ".") {
		if key != nil {
			return unauth(msgTokenParse)
		}
		return &tokenInfo{p: principal{Actor: alert.DefaultActor, Opaque: true}}
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return unauth(msgTokenParse)
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	var c claims
	if decodeSegment(parts[0], &hdr) != nil || decodeSegment(parts[1], &c) != nil {
		return unauth(msgTokenParse)
	}
	info := &tokenInfo{exp: c.Exp, nbf: c.Nbf, p: principal{Tenant: c.TID}}
	if key != nil {
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(parts[0] + "." + parts[1]))
		if hdr.Alg != "HS256" || err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
			info.err = &Error{Code: CodeInvalidAuthenticationToken, Message: msgTokenSig}
			return info
		}
	}
	p := &info.p
	switch {
	case c.Scp != "":
		p.Permissions = strings.Fields(c.Scp)
		p.Actor = firstNonEmpty(c.UPN, c.UniqueName, c.PreferredUsername)
	case len(c.Roles) > 0:
		p.Permissions = c.Roles
		p.Actor = firstNonEmpty(c.AppID, c.AZP)
	default:
		p.Actor = firstNonEmpty(c.UPN, c.UniqueName, c.PreferredUsername, c.AppID, c.AZP)
	}
	if p.Actor == "" {
		p.Actor = alert.DefaultActor
	}
	return info
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	// A JOSE header and a claims set are JSON objects; null would decode
	// into empty claims (a token without permissions) instead of failing.
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return errNotObject
	}
	return json.Unmarshal(b, v)
}

// errNotObject: a JWT part that is not a JSON object.
var errNotObject = errors.New("mock: JWT part is not a JSON object")

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// authenticate returns the request's principal, or a 401/403 *Error. required
// lists the permissions of which the operation needs one (from the
// description's security requirements); empty means any authenticated caller.
// With auth disabled every request passes; a readable JWT still names the actor
// and tenant.
func (s *Server) authenticate(r *http.Request, required []string) (principal, *Error) {
	tok, isBearer := bearer(r)
	if s.cfg.DisableAuth {
		if tok != "" {
			if info := s.token(tok); info.err == nil && !info.p.Opaque {
				return info.p, nil
			}
		}
		return principal{Actor: alert.DefaultActor}, nil
	}
	switch {
	case strings.TrimSpace(r.Header.Get("Authorization")) == "" || (isBearer && tok == ""):
		return principal{}, &Error{Code: CodeInvalidAuthenticationToken, Message: msgTokenEmpty}
	case !isBearer:
		return principal{}, &Error{Code: CodeInvalidAuthenticationToken, Message: msgTokenParse}
	}
	p, err := s.token(tok).valid(s.now())
	if err != nil {
		return p, err
	}
	if p.Opaque || len(required) == 0 {
		return p, nil
	}
	for _, perm := range p.Permissions {
		if slices.Contains(required, perm) {
			return p, nil
		}
	}
	return p, errorf(CodeForbidden,
		"Missing role permissions on the request. API requires one of '%s'. Roles on the request '%s'.",
		strings.Join(required, ", "), strings.Join(p.Permissions, ", "))
}

// sessionOf names the session of a request: the X-Mock-Session header, else the
// token's tid claim, else DefaultSession. It reads the token itself (leniently,
// no signature check) so that middleware running before auth agrees with the
// handlers.
func (s *Server) sessionOf(r *http.Request) string {
	if v := r.Header.Get(HeaderSession); v != "" {
		return v
	}
	if tok, ok := bearer(r); ok && tok != "" {
		if t := s.token(tok).p.Tenant; t != "" {
			return t
		}
	}
	return DefaultSession
}
