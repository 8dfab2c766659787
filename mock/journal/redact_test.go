package journal

import (
	"net/http"
	"strings"
	"testing"
)

// TestRedactSecrets reproduces issue #10 part 5: the journal kept
// ?access_token=…, X-Api-Key and Ocp-Apim-Subscription-Key verbatim, and an
// Authorization value without a scheme kept its first word (the secret).
func TestRedactSecrets(t *testing.T) {
	tests := []struct {
		name, header, value, want string
	}{
		{"bearer", "Authorization", "Bearer eyJ.x.y", "Bearer [redacted]"},
		{"lowercase bearer", "Authorization", "bearer eyJ.x.y", "bearer [redacted]"},
		{"basic", "Authorization", "Basic dXNlcjpwYXNz", "Basic [redacted]"},
		{"no scheme", "Authorization", "s3cr3t-token", "[redacted]"},
		{"no scheme, two words", "Authorization", "s3cr3t-token more", "[redacted]"},
		{"scheme only", "Authorization", "Bearer", "[redacted]"},
		{"proxy", "Proxy-Authorization", "Negotiate abc", "Negotiate [redacted]"},
		{"api key", "X-Api-Key", "k-123", "[redacted]"},
		{"apim key", "Ocp-Apim-Subscription-Key", "0123456789abcdef", "[redacted]"},
		{"functions key", "X-Functions-Key", "fk", "[redacted]"},
		{"cookie", "Cookie", "session=secret", "[redacted]"},
		{"set-cookie", "Set-Cookie", "a=b", "[redacted]"},
		{"token header", "X-Ms-Token-Aad-Access-Token", "t", "[redacted]"},
		{"client secret", "X-Client-Secret", "t", "[redacted]"},
		{"ordinary", "Accept", "application/json", "application/json"},
		{"session", "X-Mock-Session", "s1", "s1"},
		{"request id", "Client-Request-Id", "abc", "abc"},
		{"keep-alive", "Keep-Alive", "timeout=5", "timeout=5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redact(tt.header, tt.value); got != tt.want {
				t.Errorf("Redact(%q, %q) = %q; want %q", tt.header, tt.value, got, tt.want)
			}
		})
	}
}

func TestRedactQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"$top=5", "$top=5"},
		{"access_token=abc", "access_token=[redacted]"},
		{"$top=5&access_token=abc&$skip=1", "$top=5&access_token=[redacted]&$skip=1"},
		{"ACCESS_TOKEN=abc", "ACCESS_TOKEN=[redacted]"},
		{"access%5Ftoken=abc", "access%5Ftoken=[redacted]"},
		{"code=1&subscription-key=2&sig=3", "code=[redacted]&subscription-key=[redacted]&sig=[redacted]"},
		{"api_key=x&apikey=y&key=z", "api_key=[redacted]&apikey=[redacted]&key=[redacted]"},
		{"client_secret=s&password=p", "client_secret=[redacted]&password=[redacted]"},
		{"access_token", "access_token"},
		{"a=1&&access_token=x&", "a=1&&access_token=[redacted]&"},
		{"$filter=token eq 'x'", "$filter=token eq 'x'"},
		{"tokens=1", "tokens=1"},
	}
	for _, tt := range tests {
		if got := RedactQuery(tt.in); got != tt.want {
			t.Errorf("RedactQuery(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestRecordRedacts checks that Record keeps only redacted secrets, and
// leaves the caller's header alone.
func TestRecordRedacts(t *testing.T) {
	j := New(Config{})
	h := http.Header{"X-Api-Key": {"k-123"}, "Authorization": {"s3cr3t"}, "Accept": {"*/*"}}
	j.Record("s", Entry{Path: "/beta/x", Query: "access_token=s3cr3t&$top=1", Header: h})
	e := j.Entries("s", Filter{})[0]
	for k, vs := range e.Header {
		for _, v := range vs {
			if strings.Contains(v, "s3cr3t") || strings.Contains(v, "k-123") {
				t.Errorf("header %s = %q; want the secret redacted", k, v)
			}
		}
	}
	if e.Query != "access_token=[redacted]&$top=1" {
		t.Errorf("Query = %q; want %q", e.Query, "access_token=[redacted]&$top=1")
	}
	if h.Get("X-Api-Key") != "k-123" {
		t.Errorf("caller's header changed to %q", h.Get("X-Api-Key"))
	}
}
