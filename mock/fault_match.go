package mock

import "strings"

// matchPath reports whether the URL path p matches pattern. A pattern is a
// path in which "*" stands for any run of characters inside one segment (no
// "/") and "**" for any run of characters across segments; every other
// character stands for itself. The empty pattern matches every path. Fault
// rules and journal filters share this syntax, for example
// "/beta/security/partner/securityAlerts/*" (any one alert) or "/beta/**"
// (every Graph path).
func matchPath(pattern, p string) bool {
	if pattern == "" {
		return true
	}
	return matchGlob(pattern, p)
}

// matchGlob is matchPath without the empty-pattern rule. It runs in time
// proportional to len(pattern) × len(s) whatever the pattern: a table of
// which prefixes of s the pattern read so far matches, advanced one pattern
// element at a time (backtracking took time exponential in the number of
// stars, on every request a fault rule was tried on).
func matchGlob(pattern, s string) bool {
	if strings.IndexByte(pattern, '*') < 0 {
		return pattern == s
	}
	cur := make([]bool, len(s)+1) // cur[j]: the pattern so far matches s[:j]
	next := make([]bool, len(s)+1)
	cur[0] = true
	for pattern != "" {
		clear(next)
		switch {
		case pattern[0] != '*': // one literal byte
			for j := 0; j < len(s); j++ {
				next[j+1] = cur[j] && s[j] == pattern[0]
			}
			pattern = pattern[1:]
		case strings.HasPrefix(pattern, "**"): // any run of characters
			next[0] = cur[0]
			for j := 1; j <= len(s); j++ {
				next[j] = cur[j] || next[j-1]
			}
			pattern = strings.TrimLeft(pattern, "*")
		default: // any run of characters without "/"
			next[0] = cur[0]
			for j := 1; j <= len(s); j++ {
				next[j] = cur[j] || (next[j-1] && s[j-1] != '/')
			}
			pattern = pattern[1:]
		}
		cur, next = next, cur
	}
	return cur[len(s)]
}
