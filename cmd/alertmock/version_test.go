package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/partner-security/alertmock/internal/version"
)

// TestVersionFlag: -version prints one line and serves nothing (run returns
// at once instead of listening on the default address).
func TestVersionFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-version"}, &stdout, &stderr); err != nil {
		t.Fatalf("run -version: %v (stderr %q)", err, stderr.String())
	}
	if got, want := stdout.String(), version.Line("alertmock")+"\n"; got != want {
		t.Errorf("stdout = %q; want %q", got, want)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr = %q; want nothing", stderr.String())
	}
}
