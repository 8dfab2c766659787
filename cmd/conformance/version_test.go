package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/partner-security/alertmock/internal/version"
)

// TestVersionFlag: -version prints one line, exits 0 and runs no scenario.
func TestVersionFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	getenv := func(string) string { return "" }
	if code := run(context.Background(), []string{"-version"}, getenv, &stdout, &stderr); code != exitPassed {
		t.Fatalf("exit %d; want %d (stderr %q)", code, exitPassed, stderr.String())
	}
	if got, want := stdout.String(), version.Line("conformance")+"\n"; got != want {
		t.Errorf("stdout = %q; want %q", got, want)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr = %q; want nothing", stderr.String())
	}
}
