package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

// TestHelpListsSubcommands: alertmock -h names the token subcommand (issue
// 11: nothing told a newcomer it exists) and still lists the flags.
func TestHelpListsSubcommands(t *testing.T) {
	var stderr strings.Builder
	err := run(context.Background(), []string{"-h"}, io.Discard, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run -h = %v; want flag.ErrHelp", err)
	}
	for _, want := range []string{"alertmock token [flags]", "alertmock token -h", "-addr", "-tls-cert-out"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-h output lacks %q:\n%s", want, stderr.String())
		}
	}
}
