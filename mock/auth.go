package mock

import (
	"errors"
	"net/http"
	"strings"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/auth"
)

// Test tokens are minted by package auth; these names keep the mock's API.
type (
	// Token describes a test access token for MintToken (see auth.Token).
	Token = auth.Token
)

// GraphAudience is the aud claim of an access token for Microsoft Graph, the
// default audience of a minted token.
const GraphAudience = auth.GraphAudience

// MintToken encodes t as a compact JWT, HS256-signed with key when key is
// not empty, else unsecured (see auth.Mint).
func MintToken(t Token, key []byte) (string, error) { return auth.Mint(t, key) }

// principal is who sent a request.
type principal = auth.Principal

// authenticate returns the request's principal, or a 401/403 *Error. required
// lists the permissions of which the operation needs one (from the
// description's security requirements); empty means any authenticated caller.
// With auth disabled every request passes; a readable JWT still names the actor
// and tenant.
func (s *Server) authenticate(r *http.Request, required []string) (principal, *Error) {
	tok, isBearer := auth.Bearer(r.Header)
	if s.cfg.DisableAuth {
		if tok != "" {
			if p, err := s.tokens.Parse(tok).Valid(s.now()); err == nil && !p.Opaque {
				return p, nil
			}
		}
		return principal{Actor: alert.DefaultActor}, nil
	}
	var err error
	var p principal
	switch {
	case strings.TrimSpace(r.Header.Get("Authorization")) == "" || (isBearer && tok == ""):
		err = auth.ErrEmpty
	case !isBearer:
		err = auth.ErrMalformed
	default:
		p, err = s.tokens.Parse(tok).Valid(s.now())
	}
	if err != nil { // only *auth.TokenError
		var te *auth.TokenError
		if !errors.As(err, &te) {
			te = auth.ErrMalformed
		}
		return p, &Error{Code: CodeInvalidAuthenticationToken, Message: te.Message}
	}
	if !p.Permits(required) {
		return p, errorf(CodeForbidden,
			"Missing role permissions on the request. API requires one of '%s'. Roles on the request '%s'.",
			strings.Join(required, ", "), strings.Join(p.Permissions, ", "))
	}
	return p, nil
}

// sessionOf names the session of a request: the X-Mock-Session header, else the
// token's tid claim, else DefaultSession. It reads the token itself (leniently,
// no signature check) so that middleware running before auth agrees with the
// handlers.
func (s *Server) sessionOf(r *http.Request) string {
	if v := r.Header.Get(HeaderSession); v != "" {
		return v
	}
	if tok, ok := auth.Bearer(r.Header); ok && tok != "" {
		if t := s.tokens.Parse(tok).Principal.Tenant; t != "" {
			return t
		}
	}
	return DefaultSession
}
