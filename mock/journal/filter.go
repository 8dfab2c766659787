package journal

import (
	"strconv"
	"strings"

	"github.com/partner-security/alertmock/mock/glob"

	"github.com/partner-security/alertmock/mock/grapherr"
)

// Filter selects journal entries. Its zero value selects all of them; every
// non-zero field must match.
type Filter struct {
	// Method matches the HTTP method, case-insensitively.
	Method string
	// Path is a path pattern (see glob.Match: "*" is any run of characters
	// inside one segment, "**" any run across segments).
	Path string
	// Status matches the response status exactly.
	Status int
	// StatusClass matches the first digit of the status: 4 selects 4xx.
	StatusClass int
}

// ParseFilter reads a Filter from the query parameters method, path and
// status of the control API; status is a code ("429") or a class ("4xx"). It
// returns a *FilterError naming the parameter that is not valid.
func ParseFilter(method, path, status string) (Filter, error) {
	f := Filter{Method: method, Path: path}
	if status == "" {
		return f, nil
	}
	if len(status) == 3 && strings.EqualFold(status[1:], "xx") && status[0] >= '1' && status[0] <= '5' {
		f.StatusClass = int(status[0] - '0')
		return f, nil
	}
	n, err := strconv.Atoi(status)
	if err != nil || n < 100 || n > 599 {
		return f, &FilterError{Name: "status", Value: status, Reason: "expected a status code such as 429 or a class such as 4xx"}
	}
	f.Status = n
	return f, nil
}

// Match reports whether e passes the filter.
func (f Filter) Match(e *Entry) bool {
	switch {
	case f.Method != "" && !strings.EqualFold(f.Method, e.Method):
		return false
	case !glob.Match(f.Path, e.Path):
		return false
	case f.Status != 0 && f.Status != e.Status:
		return false
	case f.StatusClass != 0 && f.StatusClass != e.Status/100:
		return false
	}
	return true
}

// FilterError reports a filter parameter that is not valid.
type FilterError = grapherr.FieldError
