package store

import (
	"strings"
	"testing"
)

func TestNameProblem(t *testing.T) {
	tests := []struct {
		name, give, want string
	}{
		{"empty", "", ""},
		{"plain", "suite-a", ""},
		{"unicode text", "süite ✓", ""},
		{"longest", strings.Repeat("a", MaxNameBytes), ""},
		{"one byte over", strings.Repeat("a", MaxNameBytes+1), "is 257 bytes long, over the limit of 256 bytes."},
		{"control character", "a\nb", `must be UTF-8 text without control characters; got "a\nb".`},
		{"DEL", "a\x7fb", `must be UTF-8 text without control characters; got "a\x7fb".`},
		{"not UTF-8", "a\xffb", `must be UTF-8 text without control characters; got "a\xffb".`},
	}
	for _, tt := range tests {
		if got := NameProblem(tt.give); got != tt.want {
			t.Errorf("%s: NameProblem(%q) = %q; want %q", tt.name, tt.give, got, tt.want)
		}
	}
}
