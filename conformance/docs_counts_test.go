package conformance_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/cucumber/godog"

	"github.com/partner-security/alertmock/features"
)

// TestDocsCounts keeps the figures docs/conformance.md gives of the proof
// true: the flaws per declared set, the faithful servers and what they
// meet, and the scenarios per tag set.
func TestDocsCounts(t *testing.T) {
	b, err := os.ReadFile("../docs/conformance.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(string(b)), " ")

	bySet := map[tagSet]int{}
	for _, tt := range brokenServers {
		bySet[tt.set]++
	}
	single, meeting, alarms := 0, 0, 0
	for _, tt := range faithfulServers {
		if len(tt.choices) == 1 {
			single++
			if tt.assumed != nil {
				meeting++
			}
		}
		if tt.falseAlarm != "" {
			alarms++
		}
	}
	words := []string{"Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve"}
	want := []string{
		fmt.Sprintf("runs the suite against %d broken variants", len(brokenServers)),
		fmt.Sprintf("| `~@mock-only && ~@assumption` (live, documented only) | %d |", bySet[liveDocumented]),
		fmt.Sprintf("| `~@assumption` (documented, with the mock's tools) | %d |", bySet[documented]),
		fmt.Sprintf("| `~@mock-only` (live, with assumptions) | %d |", bySet[live]),
		fmt.Sprintf("| everything | %d |", bySet[everything]),
		fmt.Sprintf("fails **%d of %d** broken servers and passes the other %d", bySet[liveDocumented], len(brokenServers), len(brokenServers)-bySet[liveDocumented]),
		fmt.Sprintf("The %d assumption-only flaws", bySet[live]),
		fmt.Sprintf("runs the suite against %d reference servers that differ", single),
		fmt.Sprintf("(%d choices do, %d meet none)", meeting, single-meeting),
		fmt.Sprintf("%s of them the documented run still fails", words[min(alarms, len(words)-1)]),
	}
	for _, set := range []struct {
		tags, name string
	}{
		{"", "every scenario"},
		{"~@mock-only", "`~@mock-only`"},
		{"~@assumption", "`~@assumption`"},
		{"~@mock-only && ~@assumption", "`~@mock-only && ~@assumption`"},
		{"@live-safe && ~@assumption", "`@live-safe && ~@assumption`"},
		{"~@mock-only && ~@assumption && ~@needs-minting", "`~@mock-only && ~@assumption && ~@needs-minting`"},
	} {
		feats, err := godog.TestSuite{Options: &godog.Options{FS: features.FS(), Paths: []string{"."}, Tags: set.tags}}.RetrieveFeatures()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range feats {
			n += len(f.Pickles)
		}
		want = append(want, fmt.Sprintf("%s %d", set.name, n))
	}
	for _, w := range want {
		if !strings.Contains(doc, w) {
			t.Errorf("docs/conformance.md does not say %q", w)
		}
	}
}
