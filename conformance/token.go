package conformance

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// claims are the access-token claims the harness sets or reads; only what the
// API looks at (see the README of the mock: scp/roles, upn/appid, tid, exp/nbf).
type claims struct {
	Audience   string   `json:"aud,omitempty"`
	Issuer     string   `json:"iss,omitempty"`
	TenantID   string   `json:"tid,omitempty"`
	UPN        string   `json:"upn,omitempty"`
	UniqueName string   `json:"unique_name,omitempty"`
	PreferredU string   `json:"preferred_username,omitempty"`
	AppID      string   `json:"appid,omitempty"`
	ObjectID   string   `json:"oid,omitempty"`
	AZP        string   `json:"azp,omitempty"`
	Scopes     string   `json:"scp,omitempty"`
	Roles      []string `json:"roles,omitempty"`
	IssuedAt   int64    `json:"iat,omitempty"`
	NotBefore  int64    `json:"nbf,omitempty"`
	Expires    int64    `json:"exp,omitempty"`
}

// testTenant is the tenant id written into minted tokens.
const testTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

// delegatedClaims returns the claims of a delegated (user) token valid around now.
func delegatedClaims(upn, scopes string, now time.Time) claims {
	return claims{
		Audience: "https://graph.microsoft.com",
		Issuer:   "https://sts.windows.net/" + testTenant + "/",
		TenantID: testTenant,
		UPN:      upn,
		AppID:    "de8bc8b5-d9f9-48b1-a8ad-b748da725064",
		Scopes:   scopes,
		IssuedAt: now.Add(-5 * time.Minute).Unix(), NotBefore: now.Add(-5 * time.Minute).Unix(),
		Expires: now.Add(time.Hour).Unix(),
	}
}

// testServicePrincipal is the object id (oid) of the application in minted
// app-only tokens, as Entra sets it: the application's service principal.
const testServicePrincipal = "6c1f0a2e-8d3b-4e5f-9a7c-1b2d3e4f5a6b"

// applicationClaims returns the claims of an app-only token valid around now.
func applicationClaims(appID string, roles []string, now time.Time) claims {
	return claims{
		Audience: "https://graph.microsoft.com",
		Issuer:   "https://sts.windows.net/" + testTenant + "/",
		TenantID: testTenant,
		AppID:    appID,
		ObjectID: testServicePrincipal,
		Roles:    roles,
		IssuedAt: now.Add(-5 * time.Minute).Unix(), NotBefore: now.Add(-5 * time.Minute).Unix(),
		Expires: now.Add(time.Hour).Unix(),
	}
}

// mintToken returns a JWT carrying c: unsigned (alg "none") without a key,
// HS256-signed with one (for a mock started with -auth-key). The live service
// rejects such tokens, so only @mock-only scenarios mint tokens with chosen claims.
func mintToken(c claims, key []byte) string {
	enc := base64.RawURLEncoding
	alg := "none"
	if len(key) > 0 {
		alg = "HS256"
	}
	header := enc.EncodeToString([]byte(`{"alg":"` + alg + `","typ":"JWT"}`))
	payload, _ := json.Marshal(c) // claims has only marshalable fields
	signed := header + "." + enc.EncodeToString(payload)
	if len(key) == 0 {
		return signed + "."
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(signed))
	return signed + "." + enc.EncodeToString(mac.Sum(nil))
}

// actor returns who a token's changes are recorded as: the user's UPN (or
// unique_name, preferred_username) for a delegated token, the application id for
// an app-only one.
func (c claims) actor() string {
	for _, s := range []string{c.UPN, c.UniqueName, c.PreferredU} {
		if s != "" {
			return s
		}
	}
	if c.Scopes == "" {
		if c.AppID != "" {
			return c.AppID
		}
		return c.AZP
	}
	return ""
}

// readClaims decodes the payload of a JWT without checking its signature.
func readClaims(token string) (claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return claims{}, errors.New("the token is not a JWT (three dot-separated parts)")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return claims{}, fmt.Errorf("the token's payload is not base64url: %w", err)
	}
	var c claims
	if err := json.Unmarshal(b, &c); err != nil {
		return claims{}, fmt.Errorf("the token's payload is not JSON claims: %w", err)
	}
	return c, nil
}
