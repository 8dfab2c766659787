package docs

import (
	"flag"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated tables of architecture.md")

const module = "github.com/partner-security/alertmock"

// generated sections of architecture.md, between <!-- generated: NAME -->
// and <!-- end generated: NAME -->.
func generatedSection(t *testing.T, doc, name string) (start, end int) {
	t.Helper()
	open, closing := "<!-- generated: "+name+" -->\n", "<!-- end generated: "+name+" -->"
	start = strings.Index(doc, open)
	end = strings.Index(doc, closing)
	if start < 0 || end < start {
		t.Fatalf("architecture.md has no section %q … %q", open, closing)
	}
	return start + len(open), end
}

// TestArchitectureTables regenerates the tables of architecture.md that
// follow the code: the imports of every package below mock/ (module and
// third-party, from the non-test files), and the files of the root package
// with their line counts and the arrows between them. Run with -update to
// rewrite them.
func TestArchitectureTables(t *testing.T) {
	b, err := os.ReadFile("architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, sec := range []struct {
		name string
		gen  func(*testing.T) string
	}{{"imports", importsTable}, {"root files", rootFilesTable}} {
		start, end := generatedSection(t, doc, sec.name)
		want := sec.gen(t)
		if doc[start:end] != want {
			if *update {
				doc = doc[:start] + want + doc[end:]
				continue
			}
			t.Errorf("architecture.md: the %s table is stale; run go test ./docs -run TestArchitectureTables -update. Want:\n%s", sec.name, want)
		}
	}
	if *update {
		if err := os.WriteFile("architecture.md", []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// nonTestFiles parses the non-test Go files of a directory.
func nonTestFiles(t *testing.T, fset *token.FileSet, dir string) []*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

func importsTable(t *testing.T) string {
	var dirs []string
	err := filepath.WalkDir("../mock", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			if m, _ := filepath.Glob(filepath.Join(p, "*.go")); len(m) > 0 {
				dirs = append(dirs, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(dirs)
	var sb strings.Builder
	sb.WriteString("| package | imports (module packages; third-party modules) |\n|---|---|\n")
	fset := token.NewFileSet()
	for _, dir := range dirs {
		var own, third []string
		for _, f := range nonTestFiles(t, fset, dir) {
			for _, imp := range f.Imports {
				p := strings.Trim(imp.Path.Value, `"`)
				switch {
				case strings.HasPrefix(p, module+"/"):
					own = append(own, "`"+strings.TrimPrefix(p, module+"/")+"`")
				case strings.Contains(strings.Split(p, "/")[0], "."):
					third = append(third, "`"+p+"`")
				}
			}
		}
		slices.Sort(own)
		slices.Sort(third)
		own, third = slices.Compact(own), slices.Compact(third)
		cell := strings.Join(own, ", ")
		if len(third) > 0 {
			if cell != "" {
				cell += "; "
			}
			cell += strings.Join(third, ", ")
		}
		if cell == "" {
			cell = "—"
		}
		fmt.Fprintf(&sb, "| `%s` | %s |\n", strings.TrimPrefix(dir, "../"), cell)
	}
	return sb.String()
}

// rootFilesTable counts the lines of the root package's non-test files and
// the arrows between them: a file points at another when it uses a
// package-level name, a method or a struct field declared there (go/types:
// every Info.Uses and Info.Selections entry, mapped to the file of its
// declaration).
func rootFilesTable(t *testing.T) string {
	fset := token.NewFileSet()
	files := nonTestFiles(t, fset, "../mock")
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}}
	if _, err := conf.Check(module+"/mock", fset, files, info); err != nil {
		t.Fatal(err)
	}
	lines := map[string]int{}
	total := 0
	for _, f := range files {
		name := filepath.Base(fset.File(f.Pos()).Name())
		lines[name] = fset.File(f.Pos()).LineCount()
		total += lines[name]
	}
	arrows := map[[2]string]bool{}
	into := map[string]int{}
	add := func(use token.Pos, obj types.Object) {
		if obj == nil || obj.Pkg() == nil || obj.Pkg().Path() != module+"/mock" || !obj.Pos().IsValid() {
			return
		}
		from, to := filepath.Base(fset.Position(use).Filename), filepath.Base(fset.Position(obj.Pos()).Filename)
		if from != to && !arrows[[2]string{from, to}] {
			arrows[[2]string{from, to}] = true
			into[to]++
		}
	}
	for id, obj := range info.Uses {
		add(id.Pos(), obj)
	}
	for sel, s := range info.Selections {
		add(sel.Sel.Pos(), s.Obj())
	}
	names := make([]string, 0, len(lines))
	for n := range lines {
		names = append(names, n)
	}
	sort.Strings(names)
	var sb strings.Builder
	fmt.Fprintf(&sb, "The root package `mock` is %d lines of non-test Go in %d files, with %d file-to-file arrows, %d of them into `mock.go`:\n\n", total, len(names), len(arrows), into["mock.go"])
	sb.WriteString("| file | lines | arrows into it |\n|---|---|---|\n")
	for _, n := range names {
		fmt.Fprintf(&sb, "| `%s` | %d | %d |\n", n, lines[n], into[n])
	}
	return sb.String()
}
