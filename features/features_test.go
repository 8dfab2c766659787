package features

import (
	"io/fs"
	"strings"
	"testing"
)

// TestEveryFeatureIsTagged checks that every scenario says, with exactly one tag
// each, where it may run and what it rests on, as the README promises.
func TestEveryFeatureIsTagged(t *testing.T) {
	names, err := fs.Glob(FS(), "*.feature")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(names), 9; got < want {
		t.Fatalf("feature files = %d; want at least %d", got, want)
	}
	for _, name := range names {
		b, err := fs.ReadFile(FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		var featureTags string
		var pending []string // tag lines read since the last keyword
		for i, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(line, "@"):
				pending = append(pending, line)
			case strings.HasPrefix(line, "Feature:"):
				featureTags = strings.Join(pending, " ")
				pending = nil
			case strings.HasPrefix(line, "Scenario"):
				tags := featureTags + " " + strings.Join(pending, " ")
				pending = nil
				where, basis := 0, 0
				for _, tag := range strings.Fields(tags) {
					switch tag {
					case "@live-safe", "@live-writes", "@mock-only":
						where++
					case "@documented", "@assumption":
						basis++
					}
				}
				if where != 1 || basis != 1 {
					t.Errorf("%s:%d %q has tags %q; want exactly one of @live-safe/@live-writes/@mock-only and exactly one of @documented/@assumption", name, i+1, line, strings.TrimSpace(tags))
				}
			case line == "" || strings.HasPrefix(line, "#"):
			default:
				pending = nil
			}
		}
	}
}
