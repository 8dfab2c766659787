// Package features holds the conformance suite's Gherkin feature files, one per
// capability of the Microsoft Graph partner security alerts API, embedded so that
// the conformance tool is self-contained.
package features

import (
	"embed"
	"io/fs"
)

// files is the embedded feature files; read-only, exposed through FS.
//
//go:embed *.feature
var files embed.FS

// FS returns the embedded feature files (at the root of the file system, names
// ending in ".feature"), ready for godog.Options.FS.
func FS() fs.FS {
	return files
}
