package auth

import (
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// GraphAudience is the aud claim of an access token for Microsoft Graph, the
// default audience of a minted token.
const GraphAudience = "https://graph.microsoft.com"

// Token describes a test access token for Mint: the claims of a
// Microsoft Entra ID (v1.0) access token for Microsoft Graph that the mock
// reads. Empty fields are left out of the token unless a default is given.
type Token struct {
	// Scopes are the delegated permissions (claim scp, joined with spaces),
	// e.g. PartnerSecurity.ReadWrite.All.
	Scopes []string
	// Roles are the application permissions (claim roles, an array) of an
	// app-only token.
	Roles []string
	// UPN is the signed-in user (claim upn): the updatedBy/resolvedBy the mock
	// records for a delegated token.
	UPN string
	// TenantID is claim tid. The mock keeps a session per tenant when a request
	// has no X-Mock-Session header.
	TenantID string
	// AppID is the client application (claim appid): the updatedBy/resolvedBy
	// the mock records for an app-only token.
	AppID string
	// ObjectID is claim oid.
	ObjectID string
	// Audience is claim aud. Empty means GraphAudience.
	Audience string
	// Issuer is claim iss. Empty means "https://sts.windows.net/<TenantID>/"
	// (with "common" when TenantID is empty).
	Issuer string
	// IssuedAt is claim iat; zero leaves it out.
	IssuedAt time.Time
	// NotBefore is claim nbf; zero means IssuedAt.
	NotBefore time.Time
	// ExpiresAt is claim exp; zero leaves it out (a token that never expires).
	ExpiresAt time.Time
	// Extra holds any other claims (e.g. unique_name, preferred_username, azp).
	// The fields above take precedence over an Extra claim of the same name.
	Extra map[string]any
}

// Claims returns the JWT claims set of t, defaults applied, as Mint
// encodes it.
func (t Token) Claims() map[string]any {
	c := make(map[string]any, len(t.Extra)+12)
	for k, v := range t.Extra {
		c[k] = v
	}
	c["aud"] = GraphAudience
	if t.Audience != "" {
		c["aud"] = t.Audience
	}
	switch {
	case t.Issuer != "":
		c["iss"] = t.Issuer
	case t.TenantID != "":
		c["iss"] = "https://sts.windows.net/" + t.TenantID + "/"
	default:
		c["iss"] = "https://sts.windows.net/common/"
	}
	c["ver"] = "1.0"
	if len(t.Scopes) > 0 {
		c["scp"] = strings.Join(t.Scopes, " ")
	}
	if len(t.Roles) > 0 {
		c["roles"] = append([]string(nil), t.Roles...)
	}
	for name, v := range map[string]string{"upn": t.UPN, "tid": t.TenantID, "appid": t.AppID, "oid": t.ObjectID} {
		if v != "" {
			c[name] = v
		}
	}
	if !t.IssuedAt.IsZero() {
		c["iat"] = t.IssuedAt.Unix()
		c["nbf"] = t.IssuedAt.Unix()
	}
	if !t.NotBefore.IsZero() {
		c["nbf"] = t.NotBefore.Unix()
	}
	if !t.ExpiresAt.IsZero() {
		c["exp"] = t.ExpiresAt.Unix()
	}
	return c
}

// Mint encodes t as a compact JWT. With a non-empty key it is signed with
// HMAC-SHA256 (alg HS256), the signature a Verifier with that key checks;
// without a key it is an unsecured JWT (alg "none", empty signature), which a
// Verifier without a key reads.
func Mint(t Token, key []byte) (string, error) {
	var (
		tok string
		err error
	)
	if len(key) > 0 {
		tok, err = jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(t.Claims())).SignedString(key)
	} else {
		tok, err = jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims(t.Claims())).SignedString(jwt.UnsafeAllowNoneSignatureType)
	}
	if err != nil {
		return "", fmt.Errorf("auth: mint token: %w", err)
	}
	return tok, nil
}
