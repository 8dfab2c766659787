package oracle

import (
	"fmt"
	"strings"
)

// Table returns the rules as a Markdown table (ID, label, source), ordered by
// ID: what `conformance -list-rules` prints and docs/conformance.md embeds.
func Table() string {
	var b strings.Builder
	b.WriteString("| Rule | Label | Source |\n|---|---|---|\n")
	for _, r := range Rules() {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.ID, r.Label, strings.ReplaceAll(r.Source, "|", `\|`))
	}
	return b.String()
}
