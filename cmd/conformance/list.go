package main

import (
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/partner-security/alertmock/conformance"
)

// listScenarios prints the scenarios o.tags selects from the features, one a
// line (file:line, tags, name), and a count; it sends no request.
func listScenarios(o options, stdout io.Writer) error {
	feats, err := featureFS(o.featuresDir)
	if err != nil {
		return err
	}
	scenarios, err := conformance.Select(conformance.Options{Features: feats, Tags: o.tags})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, sc := range scenarios {
		file := path.Join("features", sc.Feature) // the embedded features, as in the repository
		if o.featuresDir != "" {
			file = filepath.Join(o.featuresDir, filepath.FromSlash(sc.Feature))
		}
		fmt.Fprintf(tw, "%s:%d\t%s\t%s\n", file, sc.Line, strings.Join(sc.Tags, " "), sc.Name)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	selection := "all scenarios"
	if strings.TrimSpace(o.tags) != "" {
		selection = fmt.Sprintf("-tags %q", o.tags)
	}
	_, err = fmt.Fprintf(stdout, "\n%d scenarios selected by %s\n", len(scenarios), selection)
	return err
}
