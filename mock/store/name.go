package store

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameBytes is the longest session name the store keeps.
const MaxNameBytes = 256

// NameProblem says what makes name unfit to be a session name, or returns ""
// when it is fit: at most MaxNameBytes of UTF-8 text without control
// characters, so that it can be a key, be named in a URL path and be read
// back from JSON.
func NameProblem(name string) string {
	switch {
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Sprintf("must be UTF-8 text without control characters; got %q.", name)
	case len(name) > MaxNameBytes:
		return fmt.Sprintf("is %d bytes long, over the limit of %d bytes.", len(name), MaxNameBytes)
	}
	return ""
}
