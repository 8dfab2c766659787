package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the drift report as plain text: a summary, then every
// scenario on which the sides disagree with both outcomes and the first
// difference, then one line per scenario on which they agree.
func (d *Drift) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Drift report: A %s (%s) against B %s (%s)\n", d.A.Target, tally(d.A), d.B.Target, tally(d.B))
	ew.printf("%s\n", d.verdict())
	for _, sc := range d.Scenarios {
		if sc.Same {
			continue
		}
		ew.printf("\nDIFFERS %s:%d  %s%s\n", sc.Feature, sc.Line, sc.Name, tagSuffix(sc.Tags))
		ew.printf("  A: %s\n", outcomeText(sc.A))
		ew.printf("  B: %s\n", outcomeText(sc.B))
		if sc.Difference != nil {
			ew.printf("  first difference: %s\n", sc.Difference)
		} else {
			ew.printf("  first difference: none in the HTTP answers (the steps judged them differently)\n")
		}
	}
	if agree := len(d.Scenarios) - d.Differing(); agree > 0 {
		ew.printf("\nAgree (%d):\n", agree)
		for _, sc := range d.Scenarios {
			if sc.Same {
				ew.printf("  %-9s %s:%d  %s\n", sc.A.Outcome, sc.Feature, sc.Line, sc.Name)
			}
		}
	}
	return ew.err
}

// WriteJSON writes the drift report as one indented JSON object: the Drift
// with "agree" and "differing" added.
func (d *Drift) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Agree     bool `json:"agree"`
		Differing int  `json:"differing"`
		*Drift
	}{d.Agree(), d.Differing(), d})
}

// WriteMarkdown writes the drift report as GitHub-flavoured Markdown, for a
// CI job summary: the two targets, a table of the scenarios that differ, and
// the scenarios that agree folded away.
func (d *Drift) WriteMarkdown(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("## Conformance drift report\n\n")
	ew.printf("| Side | Target | Passed | Failed |\n|---|---|---:|---:|\n")
	ew.printf("| A | `%s` | %d | %d |\n", cell(d.A.Target), d.A.Passed, d.A.Failed)
	ew.printf("| B | `%s` | %d | %d |\n\n", cell(d.B.Target), d.B.Passed, d.B.Failed)
	ew.printf("**%s**\n", d.verdict())
	if n := d.Differing(); n > 0 {
		ew.printf("\n| Scenario | A | B | First difference |\n|---|---|---|---|\n")
		for _, sc := range d.Scenarios {
			if sc.Same {
				continue
			}
			diff := "none in the HTTP answers"
			if sc.Difference != nil {
				diff = sc.Difference.String()
			}
			ew.printf("| `%s:%d` %s%s | %s | %s | %s |\n", sc.Feature, sc.Line, cell(sc.Name), cell(tagSuffix(sc.Tags)), cell(outcomeText(sc.A)), cell(outcomeText(sc.B)), cell(diff))
		}
	}
	if agree := len(d.Scenarios) - d.Differing(); agree > 0 {
		ew.printf("\n<details><summary>%d scenarios agree</summary>\n\n| Scenario | Outcome on both |\n|---|---|\n", agree)
		for _, sc := range d.Scenarios {
			if sc.Same {
				ew.printf("| `%s:%d` %s | %s |\n", sc.Feature, sc.Line, cell(sc.Name), sc.A.Outcome)
			}
		}
		ew.printf("\n</details>\n")
	}
	return ew.err
}

// String describes the difference in one line, e.g. `request 2 (PATCH
// /security/partner/securityAlerts/{alertId}): error code: A BadRequest, B
// RequestBodyRead`.
func (x *Difference) String() string {
	what := x.Aspect
	switch x.Aspect {
	case "header", "property":
		what += " " + x.Name
	case "value":
		what = "value of " + x.Name
	}
	return fmt.Sprintf("request %d (%s): %s: A %s, B %s", x.Exchange, x.Request, what, x.A, x.B)
}

// tagSuffix shows a scenario's tags after its name.
func tagSuffix(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return "  (" + strings.Join(tags, " ") + ")"
}

// verdict is the report's summary sentence.
func (d *Drift) verdict() string {
	n := d.Differing()
	if n == 0 {
		return fmt.Sprintf("Both sides agree on all %d scenarios.", len(d.Scenarios))
	}
	return fmt.Sprintf("The sides differ on %d of %d scenarios.", n, len(d.Scenarios))
}

// tally is a side's counts in words.
func tally(s Side) string {
	return fmt.Sprintf("%d passed, %d failed", s.Passed, s.Failed)
}

// outcomeText is an outcome with its failing step and the first line of its error.
func outcomeText(o SideOutcome) string {
	if o.Outcome == Passed || o.Step == "" {
		return string(o.Outcome)
	}
	s := fmt.Sprintf("%s at step [%s]", o.Outcome, o.Step)
	if o.Error != "" {
		s += ": " + firstLine(o.Error, 240)
	}
	return s
}

// firstLine returns the first line of s, cut to at most max runes.
func firstLine(s string, max int) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "`", "'").Replace(s)
}

// errWriter keeps the first write error, so that a report is written with
// plain printf calls.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
