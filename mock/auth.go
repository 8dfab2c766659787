package mock

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
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

// parseToken reads a bearer token. A token without dots is opaque; anything
// with a dot must be a JWT (three base64url parts, JSON header and payload).
// With key set, the JWT must be HS256-signed with it and opaque tokens fail.
// exp and nbf are checked against now.
func parseToken(tok string, key []byte, now time.Time) (principal, *Error) {
	unauth := func(msg string) (principal, *Error) {
		return principal{}, &Error{Code: CodeInvalidAuthenticationToken, Message: msg}
	}
	if tok == "" {
		return unauth(msgTokenEmpty)
	}
	if !strings.Contains(tok, ".") {
		if key != nil {
			return unauth(msgTokenParse)
		}
		return principal{Actor: alert.DefaultActor, Opaque: true}, nil
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
	if key != nil {
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(parts[0] + "." + parts[1]))
		if hdr.Alg != "HS256" || err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
			return unauth(msgTokenSig)
		}
	}
	unix := float64(now.Unix())
	if (c.Exp != nil && unix >= *c.Exp) || (c.Nbf != nil && unix < *c.Nbf) {
		return unauth(msgTokenExpired)
	}
	p := principal{Tenant: c.TID}
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
	return p, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

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
		if p, err := parseToken(tok, nil, s.now()); err == nil && !p.Opaque {
			return p, nil
		}
		return principal{Actor: alert.DefaultActor}, nil
	}
	switch {
	case strings.TrimSpace(r.Header.Get("Authorization")) == "" || (isBearer && tok == ""):
		return principal{}, &Error{Code: CodeInvalidAuthenticationToken, Message: msgTokenEmpty}
	case !isBearer:
		return principal{}, &Error{Code: CodeInvalidAuthenticationToken, Message: msgTokenParse}
	}
	p, err := parseToken(tok, s.cfg.AuthKey, s.now())
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
	if tok, ok := bearer(r); ok && strings.Count(tok, ".") == 2 {
		var c struct {
			TID string `json:"tid"`
		}
		if decodeSegment(strings.Split(tok, ".")[1], &c) == nil && c.TID != "" {
			return c.TID
		}
	}
	return DefaultSession
}
