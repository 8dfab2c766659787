package version

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	mod := func(v string) *debug.BuildInfo { return &debug.BuildInfo{Main: debug.Module{Version: v}} }
	tests := []struct {
		name    string
		stamped string
		info    *debug.BuildInfo
		want    string
	}{
		{"stamped wins over the module version", "v1.2.3", mod("v0.9.0"), "v1.2.3"},
		{"stamped, no build info", "v1.2.3", nil, "v1.2.3"},
		{"go install …@v0.9.0", "", mod("v0.9.0"), "v0.9.0"},
		{"build in a checkout", "", mod("(devel)"), "devel"},
		{"empty module version", "", mod(""), "devel"},
		{"no build info", "", nil, "devel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := resolve(tt.stamped, tt.info); got != tt.want {
				t.Errorf("resolve(%q, …) = %q; want %q", tt.stamped, got, tt.want)
			}
		})
	}
}

// TestLineUnstamped: a test binary is not stamped, so its line says devel
// and names the toolchain and platform it runs on.
func TestLineUnstamped(t *testing.T) {
	want := "alertmock devel (" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if got := Line("alertmock"); got != want {
		t.Errorf("Line = %q; want %q", got, want)
	}
	if strings.Contains(Line("x"), "(devel)") {
		t.Error(`Line shows the go command's "(devel)"; want "devel"`)
	}
}
