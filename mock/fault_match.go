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

// matchGlob is matchPath without the empty-pattern rule. Patterns are short
// and tried against one path, so plain backtracking is fast enough; the depth
// of recursion is bounded by the number of stars in the pattern.
func matchGlob(pattern, s string) bool {
	for pattern != "" {
		if pattern[0] != '*' {
			i := strings.IndexByte(pattern, '*')
			if i < 0 {
				i = len(pattern)
			}
			lit := pattern[:i]
			if !strings.HasPrefix(s, lit) {
				return false
			}
			pattern, s = pattern[i:], s[len(lit):]
			continue
		}
		across := strings.HasPrefix(pattern, "**")
		if across {
			pattern = strings.TrimLeft(pattern, "*")
		} else {
			pattern = pattern[1:]
		}
		for i := 0; i <= len(s); i++ {
			if matchGlob(pattern, s[i:]) {
				return true
			}
			if i < len(s) && s[i] == '/' && !across {
				return false
			}
		}
		return false
	}
	return s == ""
}
