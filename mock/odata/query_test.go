package odata

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

func all(string) bool { return true }

func TestParse(t *testing.T) {
	tests := []struct {
		raw  string
		want Query
	}{
		{"", Query{}},
		{"$top=5&$skip=3", Query{Top: 5, Skip: 3, SkipName: "$skip"}},
		{"$top=1&$skip=0", Query{Top: 1, Skip: 0, SkipName: "$skip"}},
		{"$top=999", Query{Top: 999}},
		{"top=5&skip=3", Query{Top: 5, Skip: 3, SkipName: "skip"}},
		{"$count=true", Query{Count: true}},
		{"$count=false", Query{Count: false}},
		{"$count=%20true%20", Query{Count: true}},
		{"$select=id,%20status", Query{Select: []string{"id", "status"}}},
		{"$orderby=severity%20desc,detectedDateTime", Query{OrderBy: []OrderKey{{"severity", true}, {"detectedDateTime", false}}}},
		{"$orderby=detectedDateTime%20asc", Query{OrderBy: []OrderKey{{"detectedDateTime", false}}}},
		{"foo=bar&&$top=1", Query{Top: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := Parse(tt.raw, all)
			if err != nil {
				t.Fatal(err)
			}
			got.RawParams = nil
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Parse(%q) = %+v; want %+v", tt.raw, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		raw, option, contains string
		declared              func(string) bool
	}{
		{"$top=0", "$top", "'0'", all},
		{"$top=1000", "$top", "1 to 999", all},
		{"$skip=-1", "$skip", "non-negative", all},
		{"$count=yes", "$count", "'yes'", all},
		{"$count=1", "$count", "true or false", all},
		{"$select=id,bogus", "$select", "'bogus'", all},
		{"$select=id,,status", "$select", "comma-separated", all},
		{"$select=id,id", "$select", "more than once", all},
		{"$orderby=displayName", "$orderby", "'displayName'", all},
		{"$orderby=severity%20up", "$orderby", "'property [asc|desc]'", all},
		{"$orderby=severity,severity%20desc", "$orderby", "more than once", all},
		{"$orderby=", "$orderby", "expected", all},
		{"$foo=1", "$foo", "'$foo' is not supported.", all},
		{"$top=1&top=2", "$top", "more than once", all},
		{"$filter=status%20eq%20'active'", "$filter", "not supported by this request", func(o string) bool { return o != "$filter" }},
		{"%zz=1", "", "malformed", all},
		{"$top=%zz", "", "'$top' is malformed", all},
		{"$filter=", "$filter", "empty", all},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			_, err := Parse(tt.raw, tt.declared)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) = %v; want an *Error", tt.raw, err)
			}
			if e.Option != tt.option || !strings.Contains(e.Message, tt.contains) {
				t.Errorf("Parse(%q) = option %q, %q; want option %q, a message containing %q", tt.raw, e.Option, e.Message, tt.option, tt.contains)
			}
		})
	}
}

// alerts returns n alerts with ids a00…, statuses, severities and times
// cycling.
func alerts(n int) []*alert.Alert {
	st := []alert.Status{alert.StatusActive, alert.StatusInvestigating, alert.StatusResolved}
	sev := []alert.Severity{alert.SeverityLow, alert.SeverityHigh, alert.SeverityMedium, alert.SeverityInformational}
	out := make([]*alert.Alert, n)
	for i := range out {
		out[i] = &alert.Alert{ID: fmt.Sprintf("a%02d", i), Status: st[i%3], Severity: sev[i%4], ConfidenceLevel: alert.ConfidenceLow,
			DetectedDateTime: time.Date(2024, 1, 1, 0, 0, (i*7)%n, 0, time.UTC)}
	}
	return out
}

func ids(as []*alert.Alert) string {
	var s []string
	for _, a := range as {
		s = append(s, a.ID)
	}
	return strings.Join(s, ",")
}

func TestRun(t *testing.T) {
	src := Slice(alerts(12))
	tests := []struct {
		raw   string
		page  string
		count int
		more  bool
		next  int
	}{
		{"$top=3", "a00,a01,a02", 0, true, 3},
		{"$top=3&$count=true", "a00,a01,a02", 12, true, 3},
		{"$top=3&$count=false", "a00,a01,a02", 0, true, 3},
		{"$top=5&$skip=10&$count=true", "a10,a11", 12, false, 0},
		{"$skip=12", "", 0, false, 0},
		{"$skip=20&$count=true", "", 12, false, 0},
		{"$top=4&$skip=4", "a04,a05,a06,a07", 0, true, 8},
		{"$top=4&$skip=8", "a08,a09,a10,a11", 0, false, 0},
		{"$filter=status%20eq%20'active'&$count=true", "a00,a03,a06,a09", 4, false, 0},
		{"$filter=status%20eq%20'active'&$top=2&$skip=1&$count=true", "a03,a06", 4, true, 3},
		{"$orderby=detectedDateTime%20desc&$top=3", "a05,a10,a03", 0, true, 3},
		{"$orderby=severity%20desc,detectedDateTime&$top=4", "a00,a04,a08,a02", 0, true, 4}, // low ranks above high in the enum
		{"$filter=severity%20eq%20'high'%20and%20status%20ne%20'active'&$orderby=detectedDateTime", "a01,a05", 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			q, err := Parse(tt.raw, all)
			if err != nil {
				t.Fatal(err)
			}
			res := q.Run(src, 100)
			if ids(res.Page) != tt.page || res.Count != tt.count || res.More != tt.more || res.Next != tt.next {
				t.Errorf("Run = page %s, count %d, more %v, next %d; want %s, %d, %v, %d",
					ids(res.Page), res.Count, res.More, res.Next, tt.page, tt.count, tt.more, tt.next)
			}
		})
	}
	q := Query{}
	if res := q.Run(src, 5); ids(res.Page) != "a00,a01,a02,a03,a04" || !res.More || res.Next != 5 {
		t.Errorf("default page size 5: %s, more %v, next %d", ids(res.Page), res.More, res.Next)
	}
}

// countingSource counts the alerts a Scan passes.
type countingSource struct {
	Slice
	passed int
}

func (c *countingSource) Scan(keys []OrderKey, eqs []Equality, yield func(*alert.Alert) bool) {
	c.Slice.Scan(keys, eqs, func(a *alert.Alert) bool { c.passed++; return yield(a) })
}

// TestRunStopsEarly: without $count a page near the start reads only what it
// needs (the page and one more match).
func TestRunStopsEarly(t *testing.T) {
	src := &countingSource{Slice: Slice(alerts(1000))}
	q := Query{Top: 10, Skip: 5}
	q.Run(src, 100)
	if src.passed != 16 {
		t.Errorf("scanned %d alerts; want 16 (5 skipped, 10 on the page, 1 to know more follow)", src.passed)
	}
	src.passed = 0
	q.Count = true
	if res := q.Run(src, 100); src.passed != 1000 || res.Count != 1000 {
		t.Errorf("with $count: scanned %d, count %d; want 1000, 1000", src.passed, res.Count)
	}
}

func TestCompare(t *testing.T) {
	as := alerts(12)
	got := slices.Clone(as)
	keys := []OrderKey{{"severity", false}, {"detectedDateTime", true}}
	slices.SortFunc(got, func(a, b *alert.Alert) int { return Compare(keys, a, b) })
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if a.Severity.Rank() > b.Severity.Rank() || (a.Severity == b.Severity && a.DetectedDateTime.Before(b.DetectedDateTime)) {
			t.Fatalf("items %d,%d out of order: %s, %s", i-1, i, a.ID, b.ID)
		}
	}
	x, y := *as[0], *as[0]
	y.ID = "b"
	if Compare(keys, &x, &y) >= 0 || Compare(keys, &y, &x) <= 0 || Compare(nil, &x, &x) != 0 {
		t.Errorf("ties are not broken by id ascending")
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []string{"$filter", "$select", "$top", "$skip", "$count", "$orderby", "$expand", "$search"} {
		if !slices.Contains(Options(), o) {
			t.Errorf("Options() lacks %s", o)
		}
	}
}

// counter is a Slice that counts equalities without a scan.
type counter struct {
	countingSource
	counted int
}

func (c *counter) Count(eqs []Equality) (int, bool) {
	c.counted++
	if len(eqs) > 1 {
		return 0, false
	}
	n := 0
	for _, a := range c.Slice {
		if len(eqs) == 0 || string(a.Status) == eqs[0].Value {
			n++
		}
	}
	return n, true
}

// TestRunCountsWithoutScan: $count of an exact or absent filter comes from
// the source's Counter; the scan stops after the page.
func TestRunCountsWithoutScan(t *testing.T) {
	for _, tt := range []struct {
		raw     string
		count   int
		counted int
	}{
		{"$count=true&$top=2", 1000, 1},
		{"$count=true&$top=2&$filter=status%20eq%20'active'", 334, 1},
		{"$count=true&$top=2&$filter=status%20eq%20'active'%20and%20severity%20eq%20'low'", 84, 1}, // two equalities: the counter declines, the scan counts
		{"$count=true&$top=2&$filter=status%20ne%20'active'", 666, 0},
	} {
		src := &counter{countingSource: countingSource{Slice: Slice(alerts(1000))}}
		q, err := Parse(tt.raw, all)
		if err != nil {
			t.Fatal(err)
		}
		res := q.Run(src, 100)
		if res.Count != tt.count || src.counted != tt.counted {
			t.Errorf("%s: count %d, Count calls %d; want %d, %d", tt.raw, res.Count, src.counted, tt.count, tt.counted)
		}
		if tt.counted == 1 && tt.count != 84 && src.passed > 10 {
			t.Errorf("%s: scanned %d alerts; want the scan to stop after the page", tt.raw, src.passed)
		}
	}
}
