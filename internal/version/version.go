// Package version tells which release of alertmock a binary is.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// stamped is the release version, set at link time by scripts/release:
//
//	-ldflags "-X github.com/partner-security/alertmock/internal/version.stamped=v1.2.3"
//
// It is empty in a plain go build.
var stamped string

// Version returns the release version of the running binary: the one stamped
// at link time, else the module version the go command recorded (go install
// …@v1.2.3 records v1.2.3; a build in a checkout records "(devel)" or a
// pseudo-version), else "devel".
func Version() string {
	info, _ := debug.ReadBuildInfo()
	return resolve(stamped, info)
}

// resolve is Version with its inputs given.
func resolve(stamped string, info *debug.BuildInfo) string {
	switch {
	case stamped != "":
		return stamped
	case info != nil && info.Main.Version != "" && info.Main.Version != "(devel)":
		return info.Main.Version
	}
	return "devel"
}

// Line is what -version prints for the command name: the name, the version,
// the Go release that built it and the platform, e.g.
// "alertmock v1.2.3 (go1.26.8 linux/amd64)".
func Line(name string) string {
	return fmt.Sprintf("%s %s (%s %s/%s)", name, Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
