package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// decodeJWT splits a compact JWT and decodes its header and claims.
func decodeJWT(tb testing.TB, token string) (header, claims map[string]any, sig []byte) {
	tb.Helper()
	parts := strings.Split(token, ".")
	if got, want := len(parts), 3; got != want {
		tb.Fatalf("token has %d parts; want %d: %q", got, want, token)
	}
	decode := func(i int, v any) {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			tb.Fatalf("part %d is not base64url: %v", i, err)
		}
		if v == nil {
			sig = b
			return
		}
		if err := json.Unmarshal(b, v); err != nil {
			tb.Fatalf("part %d is not JSON: %v", i, err)
		}
	}
	decode(0, &header)
	decode(1, &claims)
	decode(2, nil)
	return header, claims, sig
}

func TestMintClaims(t *testing.T) {
	iat := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		tok  Token
		want map[string]any
	}{
		{
			name: "delegated",
			tok: Token{
				Scopes: []string{"PartnerSecurity.ReadWrite.All", "User.Read"}, UPN: "ana@contoso.com",
				TenantID: "t1", ObjectID: "o1", AppID: "a1", IssuedAt: iat, ExpiresAt: iat.Add(time.Hour),
			},
			want: map[string]any{
				"aud": GraphAudience, "iss": "https://sts.windows.net/t1/", "ver": "1.0",
				"scp": "PartnerSecurity.ReadWrite.All User.Read", "upn": "ana@contoso.com",
				"tid": "t1", "oid": "o1", "appid": "a1",
				"iat": float64(iat.Unix()), "nbf": float64(iat.Unix()), "exp": float64(iat.Add(time.Hour).Unix()),
			},
		},
		{
			name: "app-only",
			tok:  Token{Roles: []string{"PartnerSecurity.Read.All"}, AppID: "app-123"},
			want: map[string]any{
				"aud": GraphAudience, "iss": "https://sts.windows.net/common/", "ver": "1.0",
				"roles": []any{"PartnerSecurity.Read.All"}, "appid": "app-123",
			},
		},
		{
			name: "overrides and extra claims",
			tok: Token{
				Audience: "00000003-0000-0000-c000-000000000000", Issuer: "https://issuer.test/",
				NotBefore: iat.Add(time.Minute), IssuedAt: iat,
				Extra: map[string]any{"unique_name": "bob@contoso.com", "aud": "lost"},
			},
			want: map[string]any{
				"aud": "00000003-0000-0000-c000-000000000000", "iss": "https://issuer.test/", "ver": "1.0",
				"unique_name": "bob@contoso.com",
				"iat":         float64(iat.Unix()), "nbf": float64(iat.Add(time.Minute).Unix()),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, err := Mint(tt.tok, nil)
			if err != nil {
				t.Fatal(err)
			}
			header, claims, sig := decodeJWT(t, token)
			if got, want := header["alg"], "none"; got != want {
				t.Errorf("alg = %v; want %v", got, want)
			}
			if got, want := len(sig), 0; got != want {
				t.Errorf("unsigned token signature length = %d; want %d", got, want)
			}
			if !reflect.DeepEqual(claims, tt.want) {
				t.Errorf("claims = %v; want %v", claims, tt.want)
			}
		})
	}
}

func TestMintSignsHS256(t *testing.T) {
	key := []byte("s3cret")
	token, err := Mint(Token{Scopes: []string{"PartnerSecurity.Read.All"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	header, _, sig := decodeJWT(t, token)
	if got, want := header["alg"], "HS256"; got != want {
		t.Errorf("alg = %v; want %v", got, want)
	}
	if got, want := header["typ"], "JWT"; got != want {
		t.Errorf("typ = %v; want %v", got, want)
	}
	signingInput := token[:strings.LastIndex(token, ".")]
	for _, tt := range []struct {
		name  string
		key   []byte
		valid bool
	}{
		{"same key", key, true},
		{"other key", []byte("other"), false},
	} {
		mac := hmac.New(sha256.New, tt.key)
		mac.Write([]byte(signingInput))
		if got := hmac.Equal(sig, mac.Sum(nil)); got != tt.valid {
			t.Errorf("%s: signature valid = %v; want %v", tt.name, got, tt.valid)
		}
	}
}
