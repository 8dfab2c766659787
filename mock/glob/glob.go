// Package glob matches URL paths against the path patterns that fault rules
// and journal filters share.
package glob

import "strings"

// Match reports whether the URL path p matches pattern. A pattern is a path
// in which "*" stands for any run of characters inside one segment (no "/")
// and "**" for any run of characters across segments; every other character
// stands for itself. The empty pattern matches every path. For example
// "/beta/security/partner/securityAlerts/*" matches any one alert and
// "/beta/**" every Graph path.
//
// Match runs in time proportional to len(pattern) × len(p) whatever the
// pattern: a table of which prefixes of p the pattern read so far matches,
// advanced one pattern element at a time (backtracking takes time
// exponential in the number of stars).
func Match(pattern, p string) bool {
	if pattern == "" {
		return true
	}
	if strings.IndexByte(pattern, '*') < 0 {
		return pattern == p
	}
	cur := make([]bool, len(p)+1) // cur[j]: the pattern so far matches p[:j]
	next := make([]bool, len(p)+1)
	cur[0] = true
	for pattern != "" {
		clear(next)
		switch {
		case pattern[0] != '*': // one literal byte
			for j := 0; j < len(p); j++ {
				next[j+1] = cur[j] && p[j] == pattern[0]
			}
			pattern = pattern[1:]
		case strings.HasPrefix(pattern, "**"): // any run of characters
			next[0] = cur[0]
			for j := 1; j <= len(p); j++ {
				next[j] = cur[j] || next[j-1]
			}
			pattern = strings.TrimLeft(pattern, "*")
		default: // any run of characters without "/"
			next[0] = cur[0]
			for j := 1; j <= len(p); j++ {
				next[j] = cur[j] || (next[j-1] && p[j-1] != '/')
			}
			pattern = pattern[1:]
		}
		cur, next = next, cur
	}
	return cur[len(p)]
}
