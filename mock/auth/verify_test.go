package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// unsigned returns an alg "none" JWT with the claims JSON.
func unsigned(claims string) string { return b64(`{"alg":"none"}`) + "." + b64(claims) + "." }

func mint(tb testing.TB, t Token, key string) string {
	tb.Helper()
	var k []byte
	if key != "" {
		k = []byte(key)
	}
	s, err := Mint(t, k)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// TestParse pins what a token earns with and without a key: the principal,
// or Graph's 401 message.
func TestParse(t *testing.T) {
	read := []string{"PartnerSecurity.Read.All"}
	tests := []struct {
		name  string
		key   string
		token string
		want  Principal
		err   error
	}{
		{"empty", "", "", Principal{}, ErrEmpty},
		{"opaque", "", "opaque-token", Principal{Actor: alert.DefaultActor, Opaque: true}, nil},
		{"opaque with key", "k", "opaque-token", Principal{}, ErrMalformed},
		{"delegated", "", mint(t, Token{Scopes: read, UPN: "ana@contoso.com", TenantID: "t1"}, ""),
			Principal{Actor: "ana@contoso.com", Tenant: "t1", Permissions: read}, nil},
		{"app-only", "", mint(t, Token{Roles: read, AppID: "app-7"}, ""), Principal{Actor: "app-7", Permissions: read}, nil},
		{"azp", "", unsigned(`{"roles":["r"],"azp":"az"}`), Principal{Actor: "az", Permissions: []string{"r"}}, nil},
		{"preferred_username", "", unsigned(`{"scp":"a b","preferred_username":"p@x"}`), Principal{Actor: "p@x", Permissions: []string{"a", "b"}}, nil},
		{"nobody", "", unsigned(`{}`), Principal{Actor: alert.DefaultActor}, nil},
		{"no permission, upn", "", unsigned(`{"upn":"u@x"}`), Principal{Actor: "u@x"}, nil},
		{"no permission, appid", "", unsigned(`{"appid":"a"}`), Principal{Actor: "a"}, nil},
		{"signed", "k", mint(t, Token{Scopes: read, UPN: "ana@contoso.com"}, "k"), Principal{Actor: "ana@contoso.com", Permissions: read}, nil},
		{"signed, no key needed", "", mint(t, Token{Scopes: read, UPN: "ana@contoso.com"}, "k"), Principal{Actor: "ana@contoso.com", Permissions: read}, nil},
		{"other key", "k", mint(t, Token{Scopes: read}, "other"), Principal{}, ErrSignature},
		{"unsigned for a key", "k", mint(t, Token{Scopes: read}, ""), Principal{}, ErrSignature},
		{"unknown alg, no key", "", b64(`{"alg":"XY999"}`) + "." + b64(`{"upn":"u@x"}`) + ".", Principal{Actor: "u@x"}, nil},
		{"unknown alg, key", "k", b64(`{"alg":"XY999"}`) + "." + b64(`{"upn":"u@x"}`) + ".", Principal{}, ErrSignature},
		{"no alg, no key", "", b64(`{}`) + "." + b64(`{"upn":"u@x"}`) + ".", Principal{Actor: "u@x"}, nil},
		{"bad signature base64, no key", "", unsigned(`{"upn":"u@x"}`) + "!!", Principal{Actor: "u@x"}, nil},
		{"bad signature base64, key", "k", b64(`{"alg":"HS256"}`) + "." + b64(`{"upn":"u@x"}`) + ".!!", Principal{}, ErrSignature},
		{"padded", "", b64(`{"alg":"none"}`) + "=." + b64(`{"upn":"u@x"}`) + ".", Principal{Actor: "u@x"}, nil},
		{"two parts", "", "a.b", Principal{}, ErrMalformed},
		{"four parts", "", "a.b.c.d", Principal{}, ErrMalformed},
		{"two dots only", "", "..", Principal{}, ErrMalformed},
		{"payload null", "", unsigned("null"), Principal{}, ErrMalformed},
		{"payload array", "", unsigned("[]"), Principal{}, ErrMalformed},
		{"payload string", "", unsigned(`"x"`), Principal{}, ErrMalformed},
		{"header null", "", b64("null") + "." + b64(`{"scp":"x"}`) + ".", Principal{}, ErrMalformed},
		{"header array", "", b64("[]") + "." + b64(`{"scp":"x"}`) + ".", Principal{}, ErrMalformed},
		{"scp as array", "", unsigned(`{"scp":["x"]}`), Principal{}, ErrMalformed},
		{"roles as string", "", unsigned(`{"roles":"x"}`), Principal{}, ErrMalformed},
		{"exp as string", "", unsigned(`{"exp":"1"}`), Principal{}, ErrMalformed},
		{"bad base64", "", b64(`{"alg":"none"}`) + ".!!!.", Principal{}, ErrMalformed},
		{"expired", "", unsigned(`{"exp":1777636800}`), Principal{}, ErrExpired},       // exp == now
		{"not yet valid", "", unsigned(`{"nbf":1777636801}`), Principal{}, ErrExpired}, // nbf == now + 1s
		{"valid window", "", unsigned(`{"nbf":1777636800,"exp":1777636801}`), Principal{Actor: alert.DefaultActor}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var key []byte
			if tt.key != "" {
				key = []byte(tt.key)
			}
			got, err := NewVerifier(key, Checks{}).Parse(tt.token).Valid(now)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error = %v; want %v", err, tt.err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("principal = %+v; want %+v", got, tt.want)
			}
		})
	}
}

// TestParseTenantOfBadSignature: a badly signed token still names its
// tenant, so that the request's 401 is journaled in the right session.
func TestParseTenantOfBadSignature(t *testing.T) {
	p := NewVerifier([]byte("k"), Checks{}).Parse(mint(t, Token{TenantID: "contoso"}, "other"))
	if _, err := p.Valid(now); !errors.Is(err, ErrSignature) || p.Principal.Tenant != "contoso" {
		t.Errorf("Valid error = %v, Tenant = %q; want ErrSignature and contoso", err, p.Principal.Tenant)
	}
}

// TestParseCache: a token is parsed once; a huge one is not kept (a client
// could pin thousands of megabyte-long keys), and a full cache starts over.
func TestParseCache(t *testing.T) {
	v := NewVerifier(nil, Checks{})
	tok := mint(t, Token{UPN: "u@x"}, "")
	if a, b := v.Parse(tok), v.Parse(tok); a != b || !v.cached(tok) {
		t.Errorf("Parse twice gave %p and %p (cached %v); want the same, cached", a, b, v.cached(tok))
	}
	v.Parse("another-token")
	if !v.cached(tok) || !v.cached("another-token") {
		t.Errorf("after a second token: cached %v, %v; want both kept", v.cached(tok), v.cached("another-token"))
	}
	long := strings.Repeat("a", maxCachedTokenBytes+1)
	v.Parse(long)
	if v.cached(long) {
		t.Errorf("cache holds a token of %d bytes; want at most %d", len(long), maxCachedTokenBytes)
	}
	edge := strings.Repeat("b", maxCachedTokenBytes)
	v.Parse(edge)
	if !v.cached(edge) {
		t.Errorf("cache misses a token of exactly %d bytes", maxCachedTokenBytes)
	}
	for i := range maxCachedTokens {
		v.Parse(strings.Repeat("c", i+1))
	}
	v.mu.Lock()
	n := len(v.cache)
	v.mu.Unlock()
	if n > maxCachedTokens {
		t.Errorf("cache holds %d tokens; want at most %d", n, maxCachedTokens)
	}
}

func TestBearer(t *testing.T) {
	tests := []struct {
		header []string
		token  string
		bearer bool
	}{
		{nil, "", false},
		{[]string{"Bearer abc"}, "abc", true},
		{[]string{"bearer abc"}, "abc", true},
		{[]string{"BEARER   abc  "}, "abc", true},
		{[]string{"Bearer"}, "", true},
		{[]string{"Basic dXNlcjpwYXNz"}, "dXNlcjpwYXNz", false},
		{[]string{"Bearer\tabc"}, "", false},
		{[]string{"Bearer a", "Basic b"}, "a", true},
	}
	for _, tt := range tests {
		tok, ok := Bearer(http.Header{"Authorization": tt.header})
		if tok != tt.token || ok != tt.bearer {
			t.Errorf("Bearer(%q) = %q, %v; want %q, %v", tt.header, tok, ok, tt.token, tt.bearer)
		}
	}
}

func TestPermits(t *testing.T) {
	req := []string{"PartnerSecurity.Read.All", "PartnerSecurity.ReadWrite.All"}
	tests := []struct {
		name     string
		p        Principal
		required []string
		want     bool
	}{
		{"one of them", Principal{Permissions: []string{"User.Read", "PartnerSecurity.Read.All"}}, req, true},
		{"none", Principal{Permissions: []string{"User.Read"}}, req, false},
		{"no permissions", Principal{}, req, false},
		{"opaque", Principal{Opaque: true}, req, true},
		{"nothing required", Principal{}, nil, true},
	}
	for _, tt := range tests {
		if got := tt.p.Permits(tt.required); got != tt.want {
			t.Errorf("%s: Permits = %v; want %v", tt.name, got, tt.want)
		}
	}
}

// TestParseCacheBound: the cache never holds more than maxCachedTokens.
func TestParseCacheBound(t *testing.T) {
	v := NewVerifier(nil, Checks{})
	for i := range maxCachedTokens + 1 {
		v.Parse(fmt.Sprint("opaque-", i))
		v.mu.Lock()
		n := len(v.cache)
		v.mu.Unlock()
		if n > maxCachedTokens {
			t.Fatalf("after %d tokens the cache holds %d; want at most %d", i+1, n, maxCachedTokens)
		}
	}
}

// TestChecks reproduces issue #19 part 7: with a key, a token without exp
// was accepted and neither aud nor iss was looked at. Each Check refuses
// what it names, with Graph's wording, and lets the rest through.
func TestChecks(t *testing.T) {
	const aud, iss = "api://alertmock", "https://sts.windows.net/t1/"
	exp := now.Add(time.Hour)
	good := Token{Audience: aud, Issuer: iss, ExpiresAt: exp, UPN: "u@x"}
	tests := []struct {
		name   string
		checks Checks
		key    string // the Verifier's; "" for unsigned tokens
		token  string
		err    error
	}{
		{"no checks, no exp", Checks{}, "k", mint(t, Token{UPN: "u@x"}, "k"), nil},
		{"exp required, none", Checks{RequireExp: true}, "k", mint(t, Token{UPN: "u@x"}, "k"), ErrNoExpiry},
		{"exp required, present", Checks{RequireExp: true}, "k", mint(t, good, "k"), nil},
		{"exp required, expired", Checks{RequireExp: true}, "k", mint(t, Token{ExpiresAt: now}, "k"), ErrExpired},
		{"audience", Checks{Audience: aud}, "k", mint(t, good, "k"), nil},
		{"audience, other", Checks{Audience: aud}, "k", mint(t, Token{ExpiresAt: exp}, "k"), ErrAudience},
		{"audience in an array", Checks{Audience: aud}, "", unsigned(`{"aud":["x","` + aud + `"]}`), nil},
		{"audience, array without it", Checks{Audience: aud}, "", unsigned(`{"aud":["x"]}`), ErrAudience},
		{"audience, none", Checks{Audience: aud}, "", unsigned(`{"upn":"u@x"}`), ErrAudience},
		{"audience, a number", Checks{Audience: aud}, "", unsigned(`{"aud":5}`), ErrAudience},
		{"audience, differs in case", Checks{Audience: aud}, "", unsigned(`{"aud":"API://alertmock"}`), ErrAudience},
		{"odd audience, not checked", Checks{}, "", unsigned(`{"aud":5}`), nil},
		{"issuer", Checks{Issuer: iss}, "k", mint(t, good, "k"), nil},
		{"issuer, other", Checks{Issuer: iss}, "k", mint(t, Token{TenantID: "t2"}, "k"), ErrIssuer},
		{"issuer, none", Checks{Issuer: iss}, "", unsigned(`{}`), ErrIssuer},
		{"issuer, not a string", Checks{Issuer: iss}, "", unsigned(`{"iss":["` + iss + `"]}`), ErrIssuer},
		{"all three", Checks{Audience: aud, Issuer: iss, RequireExp: true}, "k", mint(t, good, "k"), nil},
		{"bad signature first", Checks{Audience: aud, RequireExp: true}, "k", mint(t, Token{}, "other"), ErrSignature},
		{"opaque, no key: not checked", Checks{Audience: aud, Issuer: iss, RequireExp: true}, "", "opaque", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var key []byte
			if tt.key != "" {
				key = []byte(tt.key)
			}
			_, err := NewVerifier(key, tt.checks).Parse(tt.token).Valid(now)
			if !errors.Is(err, tt.err) {
				t.Errorf("error = %v; want %v", err, tt.err)
			}
		})
	}
}
