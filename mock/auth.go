package mock

import (
	"net/http"

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
