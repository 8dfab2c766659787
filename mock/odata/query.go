// Package odata parses the OData system query options of a Graph request
// ($filter, $select, $orderby, $top, $skip, $count) into a Query that runs
// against alerts; it does no HTTP.
package odata

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/partner-security/alertmock/mock/alert"
)

// Error is a client mistake in the query string: Option is the option at
// fault as "$name" (empty when the query string itself is malformed), Message
// is written for the client.
type Error struct {
	Option  string
	Message string
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

func errorf(option, format string, args ...any) *Error {
	return &Error{Option: option, Message: fmt.Sprintf(format, args...)}
}

// Query is the parsed system query options of one request.
type Query struct {
	// Filter is the compiled $filter; nil means every alert matches.
	Filter *Filter
	// Select lists the $select properties in the order given; nil means the
	// whole entity.
	Select []string
	// Top is the page size asked for; 0 means not given.
	Top int
	// Skip is how many matches to skip.
	Skip int
	// Count asks for @odata.count.
	Count bool
	// OrderBy are the $orderby keys; ties are broken by id, ascending.
	OrderBy []OrderKey
	// SkipName is the name $skip was sent under ("$skip" or "skip").
	SkipName string
	// RawParams are the parameters of the query string as sent (for nextLink).
	RawParams []string
}

// OrderKey is one $orderby item.
type OrderKey struct {
	Property string // detectedDateTime or severity
	Desc     bool
}

// Options are the system query options Graph knows; those an operation does
// not declare are rejected by name, other unknown parameters are ignored.
func Options() []string {
	return []string{"$filter", "$select", "$top", "$skip", "$count", "$orderby", "$expand",
		"$search", "$skiptoken", "$format", "$apply", "$compute", "$levels", "$deltatoken", "$index", "$schemaversion"}
}

// Parse reads a raw query string. declared reports whether the operation
// declares an option ("$"-prefixed name). The `$` prefix is optional (Graph
// beta); an option given twice, an option the operation does not declare,
// and a malformed value are errors (*Error) naming the option.
func Parse(raw string, declared func(option string) bool) (Query, error) {
	return ParseWith(raw, declared, Evolution{})
}

// Evolution is what a query needs to know of the evolvable enums: the
// members each alert enum gained after unknownFutureValue (Future), and
// whether the client opted in to seeing them with "Prefer:
// include-unknown-enum-members" (Include). The zero value: none, no opt-in.
type Evolution struct {
	Future  alert.Future
	Include bool
}

// ParseWith is Parse for a service whose enums gained the members of
// ev.Future (see ParseFilterWith for what they change in `$filter`).
func ParseWith(raw string, declared func(option string) bool, ev Evolution) (Query, error) {
	var q Query
	if raw == "" {
		return q, nil
	}
	seen := map[string]bool{}
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		q.RawParams = append(q.RawParams, part)
		k, v, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return q, errorf("", "The query string is malformed: %v.", err)
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return q, errorf("", "The value of query option '%s' is malformed: %v.", key, err)
		}
		name := "$" + strings.TrimPrefix(key, "$")
		if !slices.Contains(Options(), name) {
			if strings.HasPrefix(key, "$") {
				return q, errorf(name, "The query option '%s' is not supported.", name)
			}
			continue // not a system query option: ignored, as Graph does
		}
		if !declared(name) {
			return q, errorf(name, "The query option '%s' is not supported by this request.", name)
		}
		if seen[name] {
			return q, errorf(name, "The query option '%s' was specified more than once.", name)
		}
		seen[name] = true
		if err := q.set(name, key, val, ev); err != nil {
			return q, err
		}
	}
	return q, nil
}

// set parses the value of one option.
func (q *Query) set(name, sentAs, val string, ev Evolution) error {
	switch name {
	case "$top":
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || n < 1 || n > 999 {
			return errorf(name, "Invalid value '%s' for query option '$top'; expected an integer from 1 to 999.", val)
		}
		q.Top = n
	case "$skip":
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || n < 0 {
			return errorf(name, "Invalid value '%s' for query option '$skip'; expected a non-negative integer.", val)
		}
		q.Skip, q.SkipName = n, sentAs
	case "$count":
		switch strings.TrimSpace(val) {
		case "true":
			q.Count = true
		case "false":
			q.Count = false
		default:
			return errorf(name, "Invalid value '%s' for query option '$count'; expected true or false.", val)
		}
	case "$select":
		q.Select = []string{}
		for item := range strings.SplitSeq(val, ",") {
			p := strings.TrimSpace(item)
			switch {
			case p == "":
				return errorf(name, "Invalid value '%s' for query option '$select'; expected comma-separated property names.", val)
			case !alert.IsProperty(p):
				return errorf(name, "Could not find a property named '%s' on type '%s' (query option '$select').", p, alert.TypeName)
			case slices.Contains(q.Select, p):
				return errorf(name, "Property '%s' is selected more than once in query option '$select'.", p)
			}
			q.Select = append(q.Select, p)
		}
	case "$orderby":
		for item := range strings.SplitSeq(val, ",") {
			f := strings.Fields(item)
			if len(f) == 0 || len(f) > 2 || (len(f) == 2 && f[1] != "asc" && f[1] != "desc") {
				return errorf(name, "Invalid value '%s' for query option '$orderby'; expected 'property [asc|desc]' items separated by commas.", val)
			}
			if f[0] != "detectedDateTime" && f[0] != "severity" {
				return errorf(name, "Ordering by property '%s' is not supported (query option '$orderby'); use detectedDateTime or severity.", f[0])
			}
			if slices.ContainsFunc(q.OrderBy, func(k OrderKey) bool { return k.Property == f[0] }) {
				return errorf(name, "Property '%s' appears more than once in query option '$orderby'.", f[0])
			}
			q.OrderBy = append(q.OrderBy, OrderKey{Property: f[0], Desc: len(f) == 2 && f[1] == "desc"})
		}
	case "$filter":
		f, err := ParseFilterWith(val, ev)
		if err != nil {
			return err
		}
		q.Filter = f
	}
	return nil
}

// Compare orders two alerts by keys, then by id ascending: the order of a
// list response.
func Compare(keys []OrderKey, a, b *alert.Alert) int {
	for _, k := range keys {
		var c int
		if k.Property == "severity" {
			c = a.Severity.Rank() - b.Severity.Rank()
		} else {
			c = a.DetectedDateTime.Compare(b.DetectedDateTime)
		}
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return strings.Compare(a.ID, b.ID)
}
