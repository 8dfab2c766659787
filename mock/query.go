package mock

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/partner-security/alertmock/mock/alert"
)

// queryOptions are the OData system query options of a request, parsed.
type queryOptions struct {
	filter    filterExpr // nil: all
	selected  []string   // $select in the order given; nil: whole entity
	top       int        // 0: not given
	skip      int
	count     bool
	orderby   []orderKey
	skipName  string // the name $skip was sent under ("$skip" or "skip"), for nextLink
	rawParams []string
}

type orderKey struct {
	property string // detectedDateTime or severity
	desc     bool
}

// odataOptions are the system query options Graph knows; those an operation
// does not declare are rejected by name, other unknown parameters are ignored.
func odataOptions() []string {
	return []string{"$filter", "$select", "$top", "$skip", "$count", "$orderby", "$expand",
		"$search", "$skiptoken", "$format", "$apply", "$compute", "$levels", "$deltatoken", "$index", "$schemaversion"}
}

// parseQuery reads the raw query string of a request for operation op. The `$`
// prefix is optional (Graph beta); an option given twice, an option the
// operation does not declare, and a malformed value are 400s naming the option.
func (s *Server) parseQuery(raw string, op *operation) (queryOptions, error) {
	var q queryOptions
	if raw == "" {
		return q, nil
	}
	seen := map[string]bool{}
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		q.rawParams = append(q.rawParams, part)
		k, v, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return q, errorf(CodeBadRequest, "The query string is malformed: %v.", err)
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return q, errorf(CodeBadRequest, "The value of query option '%s' is malformed: %v.", key, err)
		}
		name := "$" + strings.TrimPrefix(key, "$")
		if !slices.Contains(odataOptions(), name) {
			if strings.HasPrefix(key, "$") {
				return q, queryErr(name, "The query option '%s' is not supported.", name)
			}
			continue // not a system query option: ignored, as Graph does
		}
		if !op.query[name] {
			return q, queryErr(name, "The query option '%s' is not supported by this request.", name)
		}
		if seen[name] {
			return q, queryErr(name, "The query option '%s' was specified more than once.", name)
		}
		seen[name] = true
		if err := q.set(name, key, val); err != nil {
			return q, err
		}
	}
	return q, nil
}

func queryErr(option, format string, args ...any) *Error {
	e := errorf(CodeBadRequest, format, args...)
	e.Target = option
	return e
}

// set parses the value of one option.
func (q *queryOptions) set(name, sentAs, val string) error {
	switch name {
	case "$top":
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || n < 1 || n > 999 {
			return queryErr(name, "Invalid value '%s' for query option '$top'; expected an integer from 1 to 999.", val)
		}
		q.top = n
	case "$skip":
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || n < 0 {
			return queryErr(name, "Invalid value '%s' for query option '$skip'; expected a non-negative integer.", val)
		}
		q.skip, q.skipName = n, sentAs
	case "$count":
		switch strings.TrimSpace(val) {
		case "true":
			q.count = true
		case "false":
			q.count = false
		default:
			return queryErr(name, "Invalid value '%s' for query option '$count'; expected true or false.", val)
		}
	case "$select":
		q.selected = []string{}
		for item := range strings.SplitSeq(val, ",") {
			p := strings.TrimSpace(item)
			switch {
			case p == "":
				return queryErr(name, "Invalid value '%s' for query option '$select'; expected comma-separated property names.", val)
			case !alert.IsProperty(p):
				return queryErr(name, "Could not find a property named '%s' on type '%s' (query option '$select').", p, alert.TypeName)
			case slices.Contains(q.selected, p):
				return queryErr(name, "Property '%s' is selected more than once in query option '$select'.", p)
			}
			q.selected = append(q.selected, p)
		}
	case "$orderby":
		for item := range strings.SplitSeq(val, ",") {
			f := strings.Fields(item)
			if len(f) == 0 || len(f) > 2 || (len(f) == 2 && f[1] != "asc" && f[1] != "desc") {
				return queryErr(name, "Invalid value '%s' for query option '$orderby'; expected 'property [asc|desc]' items separated by commas.", val)
			}
			if f[0] != "detectedDateTime" && f[0] != "severity" {
				return queryErr(name, "Ordering by property '%s' is not supported (query option '$orderby'); use detectedDateTime or severity.", f[0])
			}
			if slices.ContainsFunc(q.orderby, func(k orderKey) bool { return k.property == f[0] }) {
				return queryErr(name, "Property '%s' appears more than once in query option '$orderby'.", f[0])
			}
			q.orderby = append(q.orderby, orderKey{property: f[0], desc: len(f) == 2 && f[1] == "desc"})
		}
	case "$filter":
		f, err := parseFilter(val)
		if err != nil {
			return err
		}
		q.filter = f
	}
	return nil
}
