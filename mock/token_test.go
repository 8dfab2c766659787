package mock

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

func ExampleMintToken() {
	token, err := MintToken(Token{
		Scopes:    []string{"PartnerSecurity.ReadWrite.All"},
		UPN:       "ana@contoso.com",
		IssuedAt:  time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC),
		ExpiresAt: time.Date(2026, 5, 1, 13, 0, 0, 0, time.UTC),
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	parts := strings.Split(token, ".")
	claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
	fmt.Println(string(claims))
	fmt.Printf("signature: %q\n", parts[2])
	// Output:
	// {"aud":"https://graph.microsoft.com","exp":1777640400,"iat":1777636800,"iss":"https://sts.windows.net/common/","nbf":1777636800,"scp":"PartnerSecurity.ReadWrite.All","upn":"ana@contoso.com","ver":"1.0"}
	// signature: ""
}

// TestMintedTokensAccepted: what MintToken makes is what the server's auth
// reads (permissions, actor, expiry, signature).
func TestMintedTokensAccepted(t *testing.T) {
	mint := func(tok Token, key string) string {
		t.Helper()
		var k []byte
		if key != "" {
			k = []byte(key)
		}
		s, err := MintToken(tok, k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	write := []string{"PartnerSecurity.ReadWrite.All"}
	tests := []struct {
		name      string
		serverKey string
		token     string
		status    int
		actor     string // resolvedBy on success
	}{
		{"delegated", "", mint(Token{Scopes: write, UPN: "ana@contoso.com"}, ""), 200, "ana@contoso.com"},
		{"app-only", "", mint(Token{Roles: write, AppID: "app-7"}, ""), 200, "app-7"},
		{"unique_name fallback", "", mint(Token{Scopes: write, Extra: map[string]any{"unique_name": "bo@contoso.com"}}, ""), 200, "bo@contoso.com"},
		{"signed", "k", mint(Token{Scopes: write, UPN: "ana@contoso.com"}, "k"), 200, "ana@contoso.com"},
		{"read only", "", mint(Token{Scopes: []string{"PartnerSecurity.Read.All"}}, ""), 403, ""},
		{"expired", "", mint(Token{Scopes: write, IssuedAt: testNow.Add(-2 * time.Hour), ExpiresAt: testNow.Add(-time.Hour)}, ""), 401, ""},
		{"not yet valid", "", mint(Token{Scopes: write, NotBefore: testNow.Add(time.Hour)}, ""), 401, ""},
		{"other key", "k", mint(Token{Scopes: write}, "other"), 401, ""},
		{"unsigned for a keyed server", "k", mint(Token{Scopes: write}, ""), 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{}
			if tt.serverKey != "" {
				cfg.AuthKey = []byte(tt.serverKey)
			}
			ts := newTestServer(t, cfg)
			got := ts.do(t, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Token: tt.token,
				Body: `{"status":"resolved","resolvedReason":"fraud"}`})
			if got.Status != tt.status {
				t.Fatalf("Status = %d; want %d\n%s", got.Status, tt.status, got.Body)
			}
			if tt.status != 200 {
				return
			}
			if by := got.JSON(t)["resolvedBy"]; by != tt.actor {
				t.Errorf("resolvedBy = %v; want %s", by, tt.actor)
			}
		})
	}
}
