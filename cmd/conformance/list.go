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

// featurePath is the path of a feature file as the user knows it: in the
// -features folder, or features/ of the repository for the built-in ones.
func featurePath(dir, feature string) string {
	if dir == "" {
		return path.Join("features", feature)
	}
	return filepath.Join(dir, filepath.FromSlash(feature))
}

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
		fmt.Fprintf(tw, "%s:%d\t%s\t%s\n", featurePath(o.featuresDir, sc.Feature), sc.Line, strings.Join(sc.Tags, " "), sc.Name)
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
