// Package docs holds the documentation pages; its tests keep what the pages
// claim about the code true.
package docs

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// commands are the command lines whose flags the docs' flag tables list, and
// the page their table belongs on.
var commands = []struct {
	name string   // as in <!-- flags: NAME -->
	args []string // binary, then arguments printing the usage
	page string
}{
	{"alertmock", []string{"alertmock", "-h"}, "mock.md"},
	{"alertmock token", []string{"alertmock", "token", "-h"}, "mock.md"},
	{"conformance", []string{"conformance", "-h"}, "conformance.md"},
}

// TestFlagTablesInSync: every flag the binaries define has a row in a flag
// table of the docs, and every row names a flag that exists.
func TestFlagTablesInSync(t *testing.T) {
	bin := buildCommands(t)
	tables := flagTables(t)
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			defined := definedFlags(t, filepath.Join(bin, c.args[0]), c.args[1:]...)
			documented := tables[c.name]
			if len(documented) == 0 {
				t.Fatalf("no flag table for %s in the docs (mark it <!-- flags: %s --> or put it in %s)", c.name, c.name, c.page)
			}
			for _, f := range defined {
				if _, ok := documented[f]; !ok {
					t.Errorf("flag -%s of %s has no row in the docs' flag tables", f, c.name)
				}
			}
			for f, where := range documented {
				if f == "h" || f == "help" {
					continue // the flag package's own help flag, never listed by -h
				}
				if !slices.Contains(defined, f) {
					t.Errorf("%s: row for -%s, which %s does not define", where, f, c.name)
				}
			}
		})
	}
}

// buildCommands builds alertmock and conformance into a temporary directory.
func buildCommands(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goTool, "build", "-o", dir+string(filepath.Separator), "../cmd/alertmock", "../cmd/conformance").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// usageFlag matches a flag line of flag.PrintDefaults.
var usageFlag = regexp.MustCompile(`^  -([A-Za-z0-9-]+)`)

// definedFlags runs the command's usage and returns its flag names.
func definedFlags(t *testing.T, bin string, args ...string) []string {
	t.Helper()
	out, _ := exec.Command(bin, args...).CombinedOutput() // -h exits 0 or 2
	var flags []string
	for _, line := range strings.Split(string(out), "\n") {
		if m := usageFlag.FindStringSubmatch(line); m != nil {
			flags = append(flags, m[1])
		}
	}
	if len(flags) == 0 {
		t.Fatalf("%s %v printed no flags:\n%s", bin, args, out)
	}
	return flags
}

// flagMarker names the command of the flag table after it.
var flagMarker = regexp.MustCompile(`^<!-- flags: ([a-z ]+) -->$`)

// codeFlag matches a flag in a backticked span of a table's first cell.
var codeFlag = regexp.MustCompile("`-([A-Za-z0-9-]+)[^`]*`")

// flagTables reads every table of README.md and docs/*.md whose first header
// cell is "flag": by command, the flags of its rows and where each row is.
// A table belongs to the command its <!-- flags: … --> marker names, else to
// conformance on conformance*.md pages and to alertmock elsewhere.
func flagTables(t *testing.T) map[string]map[string]string {
	t.Helper()
	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]map[string]string{}
	for _, page := range append(pages, "../README.md") {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		marker := ""
		for i := 0; i < len(lines); i++ {
			line := strings.TrimSpace(lines[i])
			if m := flagMarker.FindStringSubmatch(line); m != nil {
				marker = m[1]
				continue
			}
			if !strings.HasPrefix(line, "|") || i+1 >= len(lines) || !strings.HasPrefix(strings.TrimSpace(lines[i+1]), "|---") {
				if line != "" {
					marker = ""
				}
				continue
			}
			cells := strings.Split(strings.Trim(line, "|"), "|")
			if !strings.EqualFold(strings.TrimSpace(cells[0]), "flag") {
				marker = ""
				continue
			}
			cmd := marker
			if cmd == "" {
				cmd = "alertmock"
				if strings.HasPrefix(filepath.Base(page), "conformance") {
					cmd = "conformance"
				}
			}
			if tables[cmd] == nil {
				tables[cmd] = map[string]string{}
			}
			for i += 2; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|"); i++ {
				first := strings.Split(strings.Trim(strings.TrimSpace(lines[i]), "|"), "|")[0]
				for _, m := range codeFlag.FindAllStringSubmatch(first, -1) {
					tables[cmd][m[1]] = page + ":" + strconv.Itoa(i+1)
				}
			}
			marker = ""
		}
	}
	return tables
}

// TestDocsGoSnippetsAreReal: every Go snippet of the checked pages appears,
// verbatim up to white space, in a _test.go file of the repository, so it
// compiles and runs.
func TestDocsGoSnippetsAreReal(t *testing.T) {
	var tests bytes.Buffer
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, "_test.go") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			tests.WriteString(squash(string(b)))
			tests.WriteByte('\n')
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range append(pages, "../README.md") { // every page: a Go snippet must be a real test
		for _, snip := range goSnippets(t, page) {
			if !strings.Contains(tests.String(), squash(snip.text)) {
				t.Errorf("%s:%d: this Go snippet is in no _test.go file; make it a test or an Example and copy it verbatim:\n%s", page, snip.line, snip.text)
			}
		}
	}
}

// snippet is a fenced code block and the line it starts on.
type snippet struct {
	line int
	text string
}

// goSnippets returns the ```go blocks of a page.
func goSnippets(t *testing.T, page string) []snippet {
	t.Helper()
	f, err := os.Open(page)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []snippet
	var cur *snippet
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(line) == "```go":
			cur = &snippet{line: n}
		case cur != nil && strings.TrimSpace(line) == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// squash collapses runs of white space into one space.
func squash(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
