package oracle

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/partner-security/alertmock/openapi"
)

// Schema returns the compiled schema component with the given name — a full
// name, or a short one such as "partnerSecurityAlertEntity" or "ODataError" —
// of the documented projection when the oracle judges by documented rules
// only, else of the full description.
func (o *Oracle) Schema(name string) (*jsonschema.Schema, error) {
	for _, full := range []string{name, openapi.Namespace + "." + name, "microsoft.graph.ODataErrors." + name} {
		if sch := o.c.schema(full, o.opts.Documented); sch != nil {
			return sch, nil
		}
	}
	return nil, fmt.Errorf("the description has no schema named %q", name)
}

// Validate checks a JSON body against the named schema component (see Schema).
func (o *Oracle) Validate(name string, body []byte) error {
	sch, err := o.Schema(name)
	if err != nil {
		return err
	}
	v, err := decodeOne(body)
	if err != nil {
		return fmt.Errorf("the body %s (%s)", err, excerpt(body))
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("not a valid %s: %s", name, schemaError(err))
	}
	return nil
}

// excerpt shortens a body for a message.
func excerpt(b []byte) string {
	const max = 200
	if len(b) > max {
		return fmt.Sprintf("%q…", b[:max])
	}
	return fmt.Sprintf("%q", b)
}

// schemaTitle names a compiled schema by its component name.
func schemaTitle(s *jsonschema.Schema) string {
	loc := s.Location
	if i := strings.LastIndex(loc, "/"); i >= 0 {
		loc = loc[i+1:]
	}
	if un, err := url.PathUnescape(loc); err == nil {
		loc = un
	}
	return loc
}

// schemaError flattens a validation error to the leaf causes, each naming the
// place in the instance and what was wrong there.
func schemaError(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	var leaves []string
	// unevaluated collects, per object, the members that
	// unevaluatedProperties false refused: the closed alert types say "no other
	// property" that way (JSON Schema 2020-12), and they are reported in the
	// words additionalProperties uses.
	unevaluated := map[string][]string{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			at := e.InstanceLocation
			if at == "" {
				at = "/"
			}
			if strings.HasSuffix(e.KeywordLocation, "/unevaluatedProperties") {
				parent, name := at[:strings.LastIndex(at, "/")], at[strings.LastIndex(at, "/")+1:]
				if parent == "" {
					parent = "/"
				}
				unevaluated[parent] = append(unevaluated[parent], "'"+unescapePointer(name)+"'")
				return
			}
			leaves = append(leaves, fmt.Sprintf("at %s: %s", at, sortedNames(e.Message)))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	// A member that fails its own schema is not "evaluated", so every member
	// beside it is refused by unevaluatedProperties too: report those only
	// when nothing else is wrong.
	if len(leaves) == 0 {
		for parent, names := range unevaluated {
			sort.Strings(names)
			leaves = append(leaves, fmt.Sprintf("at %s: additionalProperties %s not allowed", parent, strings.Join(compact(names), ", ")))
		}
	}
	sort.Strings(leaves)
	leaves = compact(leaves)
	if len(leaves) > 8 {
		leaves = append(leaves[:8], fmt.Sprintf("and %d more", len(leaves)-8))
	}
	return strings.Join(leaves, ", ")
}

// unescapePointer decodes one JSON Pointer reference token (RFC 6901).
func unescapePointer(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// compact removes adjacent duplicates from a sorted slice.
func compact(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// sortedNames puts the names of "additionalProperties 'b', 'a' not allowed"
// in order: the validator lists them in map order.
func sortedNames(msg string) string {
	rest, ok := strings.CutPrefix(msg, "additionalProperties ")
	names, ok2 := strings.CutSuffix(rest, " not allowed")
	if !ok || !ok2 {
		return msg
	}
	list := strings.Split(names, ", ")
	sort.Strings(list)
	return "additionalProperties " + strings.Join(list, ", ") + " not allowed"
}
