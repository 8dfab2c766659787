package conformance

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	messages "github.com/cucumber/messages/go/v34"
)

// ErrTags is returned (wrapped in a *TagError) by Run, Test, Compare and
// Select when Options.Tags is not a godog tag expression or names a tag that
// no scenario of the features has: a typo inside a negation ("~@asumption")
// would otherwise select more scenarios than meant, silently.
var ErrTags = errors.New("bad tag expression")

// TagSyntax describes godog's tag expressions, for messages.
const TagSyntax = "@tag, ~@tag (not), a && b (and), a,b (or); no parentheses or words: e.g. '@live-safe && ~@assumption'"

// TagError reports a tag expression that is malformed or names an unknown tag.
type TagError struct {
	// Expr is the expression as given.
	Expr string
	// Term is the part of Expr at fault.
	Term string
	// Problem says what is wrong with Term.
	Problem string
	// Known are the tags of the features, sorted.
	Known []string
}

func (e *TagError) Error() string {
	return fmt.Sprintf("-tags %q: %s", e.Expr, e.Problem)
}

// Unwrap makes errors.Is(err, ErrTags) true.
func (e *TagError) Unwrap() error { return ErrTags }

// checkTags checks expr against godog's syntax (groups joined by ",", terms
// joined by "&&", each term "@name" or "~@name") and requires every tag it
// names, negated or not, to be a tag of some scenario in all.
func checkTags(expr string, all []*messages.Pickle) error {
	if strings.TrimSpace(expr) == "" {
		return nil
	}
	known := tagNames(all)
	for _, group := range strings.Split(expr, ",") {
		for _, raw := range strings.Split(group, "&&") {
			term := strings.TrimSpace(raw)
			if problem := termProblem(term); problem != "" {
				return &TagError{Expr: expr, Term: term, Problem: problem, Known: known}
			}
			name := "@" + strings.TrimPrefix(strings.TrimPrefix(term, "~"), "@")
			if !slices.Contains(known, name) {
				problem := fmt.Sprintf("no scenario has the tag %s", name)
				if near := nearest(name, known); near != "" {
					problem += "; did you mean " + near + "?"
				}
				problem += " (the features use " + strings.Join(known, " ") + ")"
				return &TagError{Expr: expr, Term: term, Problem: problem, Known: known}
			}
		}
	}
	return nil
}

// termProblem says what is wrong with one term of a tag expression, or "".
func termProblem(term string) string {
	syntax := "; godog's syntax is " + TagSyntax
	switch {
	case term == "":
		return "an empty term (a stray \",\" or \"&&\")" + syntax
	case strings.ContainsAny(term, "()"):
		return "parentheses are not part of godog's tag expressions: write (a,b) && c as a && c,b && c" + syntax
	case strings.HasPrefix(term, "!"):
		return fmt.Sprintf("%q: write ~ for not, e.g. ~%s", term, strings.TrimPrefix(term, "!")) + syntax
	case strings.Contains(term, "||") || strings.Contains(term, "|"):
		return fmt.Sprintf("%q: write , for or", term) + syntax
	}
	if f := strings.Fields(term); len(f) > 1 {
		switch strings.ToLower(f[0]) {
		case "not":
			return fmt.Sprintf("%q: write ~ for not, e.g. ~%s", term, f[len(f)-1]) + syntax
		}
		for _, w := range f {
			switch strings.ToLower(w) {
			case "and":
				return fmt.Sprintf("%q: write && for and", term) + syntax
			case "or":
				return fmt.Sprintf("%q: write , for or", term) + syntax
			}
		}
		return fmt.Sprintf("%q is not one tag (join tags with && or ,)", term) + syntax
	}
	name := strings.TrimPrefix(strings.TrimPrefix(term, "~"), "@")
	if name == "" || strings.ContainsAny(name, "@~!&|") {
		return fmt.Sprintf("%q is not a tag", term) + syntax
	}
	return ""
}

// tagNames returns the distinct tags of the scenarios, sorted.
func tagNames(pickles []*messages.Pickle) []string {
	var names []string
	for _, p := range pickles {
		for _, t := range p.Tags {
			if !slices.Contains(names, t.Name) {
				names = append(names, t.Name)
			}
		}
	}
	slices.Sort(names)
	return names
}

// nearest returns the known tag closest to name when it is a likely typo
// (at most two edits away), else "".
func nearest(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(name), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
