package journal

import (
	"net/http"
	"net/url"
	"strings"
)

// Redacted replaces a secret the journal does not keep.
const Redacted = "[redacted]"

// Bounds of what an entry keeps: a client may send up to the server's header
// limit (1 MB) with every request.
const (
	// headerValueBytes is the longest header value, path or query kept;
	// longer ones are cut and end in truncatedMark.
	headerValueBytes = 4096
	// headerBytes is the most header bytes (names and values) an entry
	// keeps; headers past it are left out.
	headerBytes = 16 << 10
)

// truncatedMark ends a header value, path or query the journal cut.
const truncatedMark = "…[truncated]"

// cutValue returns v, or its first headerValueBytes bytes followed by
// truncatedMark.
func cutValue(v string) string {
	if len(v) <= headerValueBytes {
		return v
	}
	return v[:headerValueBytes] + truncatedMark
}

// cutCopy is cutValue(v) in memory of its own: v may be part of a much
// larger string (the request line) that keeping v would keep.
func cutCopy(v string) string {
	if len(v) > headerValueBytes {
		return cutValue(v) // a new string
	}
	return strings.Clone(v)
}

// authSchemes are the HTTP authentication schemes (the IANA registry, and
// NTLM, PoP and AWS4-HMAC-SHA256 in common use) whose name an Authorization
// header keeps in the journal: "Bearer [redacted]". Any other first word may
// be the secret itself.
var authSchemes = map[string]bool{
	"basic": true, "bearer": true, "digest": true, "dpop": true, "gnap": true, "hoba": true,
	"mutual": true, "negotiate": true, "ntlm": true, "oauth": true, "pop": true,
	"privatetoken": true, "scram-sha-1": true, "scram-sha-256": true, "vapid": true,
	"aws4-hmac-sha256": true,
}

// secretHeader reports whether the value of the request header name (in
// canonical form) is a secret that the journal replaces whole: cookies, API
// keys (X-Api-Key, Ocp-Apim-Subscription-Key, X-Functions-Key), and any
// header whose name says token, secret, password, signature or credential.
func secretHeader(name string) bool {
	for _, s := range secretWords {
		if containsFold(name, s) {
			return true
		}
	}
	return false
}

// secretWords are the lower-case words that mark a header as a secret.
var secretWords = [...]string{"cookie", "key", "token", "secret", "password", "passwd", "signature", "credential", "session-id", "sessionid"}

// containsFold reports whether s contains the lower-case ASCII word,
// ignoring ASCII case, without allocating (it runs on every header of every
// journaled request).
func containsFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		j := 0
		for j < len(word) && s[i+j]|0x20 == word[j] {
			j++
		}
		if j == len(word) {
			return true
		}
	}
	return false
}

// Redact returns the value the journal keeps of the request header name
// (canonical form) with value v. Authorization and Proxy-Authorization keep
// only a known scheme ("Bearer [redacted]"; a value without one becomes
// "[redacted]"); the headers secretHeader names become "[redacted]"; others
// are kept.
func Redact(name, v string) string {
	switch {
	case name == "Authorization" || name == "Proxy-Authorization":
		scheme, _, ok := strings.Cut(strings.TrimSpace(v), " ")
		switch {
		case !ok:
			return Redacted
		case scheme == "Bearer":
			return "Bearer " + Redacted // a constant: no allocation per entry
		case !authSchemes[strings.ToLower(scheme)]:
			return Redacted
		}
		return scheme + " " + Redacted
	case secretHeader(name):
		return Redacted
	}
	return v
}

// secretParams are query parameters whose values the journal replaces:
// tokens, keys, signatures and passwords that clients put in URLs.
var secretParams = map[string]bool{
	"access_token": true, "id_token": true, "refresh_token": true, "token": true,
	"code": true, "client_secret": true, "client_assertion": true, "assertion": true,
	"api_key": true, "apikey": true, "api-key": true, "key": true, "subscription-key": true,
	"subscription_key": true, "sig": true, "signature": true, "password": true, "secret": true,
}

// RedactQuery returns the raw query q with the value of every parameter named
// in secretParams (case-insensitively, after unescaping) replaced by
// "[redacted]"; the rest of q is kept byte for byte.
func RedactQuery(q string) string {
	var b []byte // nil until a parameter is redacted
	done := 0    // q[:done] is in b
	for pos := 0; pos <= len(q); {
		end := strings.IndexByte(q[pos:], '&')
		if end < 0 {
			end = len(q)
		} else {
			end += pos
		}
		if name, _, ok := strings.Cut(q[pos:end], "="); ok && SecretParam(name) {
			b = append(b, q[done:pos+len(name)]...)
			b = append(b, "="+Redacted...)
			done = end
		}
		pos = end + 1
	}
	if b == nil {
		return q
	}
	return string(append(b, q[done:]...))
}

// SecretParam reports whether the query parameter name (escaped as sent)
// carries a credential: access_token, client_secret, api_key, sig, … (case
// does not matter). The journal redacts their values and @odata.nextLink
// leaves them out.
func SecretParam(name string) bool {
	if n, err := url.QueryUnescape(name); err == nil {
		name = n
	}
	return secretParams[strings.ToLower(name)]
}

// flattenRedacted returns h as name, value pairs with secrets redacted (see
// Redact), and whether some were left out: values are cut to
// headerValueBytes, and pairs stop at headerBytes in all.
func flattenRedacted(h http.Header) (pairs []string, truncated bool) {
	n := 0
	for _, vs := range h {
		n += len(vs)
	}
	pairs = make([]string, 0, 2*n)
	total := 0
	for k, vs := range h {
		for _, v := range vs {
			v = cutValue(Redact(k, v))
			if total+len(k)+len(v) > headerBytes {
				truncated = true
				continue
			}
			total += len(k) + len(v)
			pairs = append(pairs, k, v)
		}
	}
	return pairs, truncated
}

// headerFromPairs rebuilds an http.Header from name, value pairs.
func headerFromPairs(pairs []string) http.Header {
	h := make(http.Header, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		h[pairs[i]] = append(h[pairs[i]], pairs[i+1])
	}
	return h
}
