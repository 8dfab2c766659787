package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// handParse is the hand-written JWT reading this package replaced with
// golang-jwt/jwt/v5 (split, decode header and claims, check HS256), kept as
// the baseline of BenchmarkParse.
func handParse(tok string, key []byte) (claims, bool) {
	var c claims
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return c, false
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	decode := func(seg string, v any) error {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
		if err != nil {
			return err
		}
		if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '{' {
			return errNotObject
		}
		return json.Unmarshal(b, v)
	}
	if decode(parts[0], &hdr) != nil || decode(parts[1], &c) != nil {
		return c, false
	}
	if key != nil {
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(parts[0] + "." + parts[1]))
		if hdr.Alg != "HS256" || err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
			return c, false
		}
	}
	return c, true
}

// BenchmarkParse compares reading and verifying one HS256 token (uncached)
// with golang-jwt/jwt/v5 (the package) and with the hand-written code it
// replaced. Tokens are cached per Verifier, so this cost is paid once per
// distinct token, not per request. Compare the two as a ratio from one run.
func BenchmarkParse(b *testing.B) {
	key := []byte("k")
	tok := mint(b, Token{Scopes: []string{"PartnerSecurity.ReadWrite.All"}, UPN: "ana@contoso.com", TenantID: "t1", AppID: "a1", ObjectID: "o1"}, "k")
	b.Run("jwt", func(b *testing.B) {
		v := NewVerifier(key, Checks{})
		for b.Loop() {
			if p := v.parse(tok); p.err != nil {
				b.Fatal(p.err)
			}
		}
	})
	b.Run("handwritten", func(b *testing.B) {
		for b.Loop() {
			if _, ok := handParse(tok, key); !ok {
				b.Fatal("not ok")
			}
		}
	})
}
