package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/partner-security/alertmock/conformance"
)

// checkExplore checks the flags of an exploration (-explore N).
func checkExplore(o *options) error {
	switch {
	case o.explore < 0:
		return fmt.Errorf("-explore %d: want the number of operations, 1 or more", o.explore)
	case o.explore == 0 && o.seedSet:
		return fmt.Errorf("-seed needs -explore")
	case o.explore == 0:
		return nil
	case o.compare != "":
		return fmt.Errorf("-explore and -compare: explore one endpoint at a time")
	case o.format != "pretty" && o.format != "junit":
		return fmt.Errorf("-format %q with -explore: want pretty (the minimal scenario as text) or junit", o.format)
	}
	if !o.seedSet {
		o.seed = rand.Int64N(1<<31) + 1
	}
	return nil
}

// runExplore explores the target with o.explore random operations of
// o.seed and reports: exit 0 when every one passed, 1 when one failed
// (after the minimal scenario, the seed and how to rerun), 2 when the
// exploration could not run.
func runExplore(ctx context.Context, o options, stdout, _ io.Writer) (int, error) {
	suite, target, stop, err := targetSuite(ctx, o)
	if err != nil {
		return exitUsage, err
	}
	defer stop()
	feats, err := featureFS(o.featuresDir)
	if err != nil {
		return exitUsage, err
	}
	report := stdout
	if o.out != "" {
		f, err := createReport(o.out)
		if err != nil {
			return exitUsage, err
		}
		defer f.Close()
		report = f
	}
	start := time.Now()
	// Other alerts are updated only on the built-in mock, whose sessions
	// keep every replay's changes apart; elsewhere they are only read.
	res, err := suite.Explore(ctx, conformance.ExploreOptions{Ops: o.explore, Seed: o.seed, Tags: o.tags, Features: feats, WriteOthers: o.target == ""})
	if err != nil {
		if o.out != "" {
			_ = os.Remove(o.out)
		}
		return exitUsage, err
	}
	if o.format == "junit" {
		err = res.WriteJUnit(report)
	} else {
		err = res.WriteText(report)
	}
	if err != nil {
		return exitUsage, fmt.Errorf("-out: %w", err)
	}
	elapsed := time.Since(start).Round(time.Millisecond)
	if res.Restore != nil {
		fmt.Fprintf(stdout, "\nconformance: %s\n", res.Restore)
	}
	if f := res.Failure; f != nil {
		what := f.Rule
		if what == "" {
			what = "its step"
		}
		fmt.Fprintf(stdout, "\nconformance: FAIL: operation %d of %d (seed %d) failed by %s, shrunk to %d operations, against %s in %s (rules: %s); rerun: %s\n",
			f.At, res.Ops, res.Seed, what, len(f.Steps), target, elapsed, res.Rules, rerun(o))
		return exitFailed, nil
	}
	fmt.Fprintf(stdout, "\nconformance: PASS: %d operations (seed %d) against %s in %s (rules: %s)\n", res.Ops, res.Seed, target, elapsed, res.Rules)
	return exitPassed, nil
}

// rerun is the command line that repeats the exploration (tokens left out).
func rerun(o options) string {
	args := []string{"conformance", "-explore", fmt.Sprint(o.explore), "-seed", fmt.Sprint(o.seed)}
	for _, f := range []struct{ name, value string }{
		{"-target", o.target}, {"-alert-id", o.alertID}, {"-features", o.featuresDir}, {"-tags", o.tags},
	} {
		if f.value != "" {
			args = append(args, f.name, shellQuote(f.value))
		}
	}
	if o.rules != "auto" {
		args = append(args, "-rules", o.rules)
	}
	return strings.Join(args, " ")
}

// shellQuote quotes s for a POSIX shell when it holds more than safe characters.
func shellQuote(s string) string {
	if strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
