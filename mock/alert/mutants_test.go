package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The tests in this file close mutants gremlins found alive in this package
// (docs/architecture.md, "Closing mutants").

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestWritable(t *testing.T) {
	for _, name := range append(PropertyNames(), "@odata.type", "x", "") {
		want := name == "status" || name == "resolvedReason"
		if got := Writable(name); got != want {
			t.Errorf("Writable(%q) = %v; want %v", name, got, want)
		}
	}
}

// TestCloneSharesNothing: each reference a clone holds is its own; changing
// it leaves the original as it was.
func TestCloneSharesNothing(t *testing.T) {
	orig := Documented()
	orig.ActivityLogs = []ActivityLog{{StatusActive, StatusResolved, "u", time.Unix(0, 0)}}
	keep := Documented()
	keep.ActivityLogs = []ActivityLog{{StatusActive, StatusResolved, "u", time.Unix(0, 0)}}
	changes := map[string]func(c *Alert){
		"description":       func(c *Alert) { *c.Description = "x" },
		"reseller":          func(c *Alert) { *c.ValueAddedResellerTenantID = "x" },
		"catalog offer":     func(c *Alert) { *c.CatalogOfferID = "x" },
		"first observed":    func(c *Alert) { *c.FirstObservedDateTime = time.Unix(1, 0) },
		"last observed":     func(c *Alert) { *c.LastObservedDateTime = time.Unix(1, 0) },
		"isTest":            func(c *Alert) { *c.IsTest = !*c.IsTest },
		"affectedResources": func(c *Alert) { c.AffectedResources[0].ResourceID = "x" },
		"activityLogs":      func(c *Alert) { c.ActivityLogs[0].UpdatedBy = "x" },
		"additionalDetails": func(c *Alert) { c.AdditionalDetails["x"] = "y" },
	}
	for name, change := range changes {
		c := orig.Clone()
		change(&c)
		if !reflect.DeepEqual(orig, keep) {
			t.Fatalf("changing the clone's %s changed the original", name)
		}
	}
	r := ReasonFraud
	by := "b"
	at := time.Unix(2, 0)
	orig.ResolvedReason, orig.ResolvedBy, orig.ResolvedOnDateTime = &r, &by, &at
	c := orig.Clone()
	*c.ResolvedReason, *c.ResolvedBy, *c.ResolvedOnDateTime = ReasonIgnore, "x", time.Unix(3, 0)
	if r != ReasonFraud || by != "b" || !at.Equal(time.Unix(2, 0)) {
		t.Error("changing the clone's resolution changed the original")
	}
	empty := Alert{AffectedResources: []AffectedResource{}, ActivityLogs: []ActivityLog{}, AdditionalDetails: map[string]string{}}
	if ce := empty.Clone(); ce.AffectedResources == nil || ce.ActivityLogs == nil || ce.AdditionalDetails == nil {
		t.Error("clone of empty collections is nil (writes null where the original writes [])")
	}
	var null Alert
	if cn := null.Clone(); cn.AffectedResources != nil {
		t.Error("clone of nil affectedResources is not nil")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name     string
		change   func(a *Alert)
		property string // "" valid
	}{
		{"documented", func(a *Alert) {}, ""},
		{"null collections", func(a *Alert) { a.ActivityLogs, a.AffectedResources, a.AdditionalDetails = nil, nil, nil }, ""},
		{"reason null", func(a *Alert) { a.ResolvedReason = nil }, ""},
		{"no id", func(a *Alert) { a.ID = "" }, "id"},
		{"no displayName", func(a *Alert) { a.DisplayName = "" }, "displayName"},
		{"no alertType", func(a *Alert) { a.AlertType = "" }, "alertType"},
		{"no customerTenantId", func(a *Alert) { a.CustomerTenantID = "" }, "customerTenantId"},
		{"no subscriptionId", func(a *Alert) { a.SubscriptionID = "" }, "subscriptionId"},
		{"no detectedDateTime", func(a *Alert) { a.DetectedDateTime = time.Time{} }, "detectedDateTime"},
		{"bad status", func(a *Alert) { a.Status = "Active" }, "status"},
		{"bad severity", func(a *Alert) { a.Severity = "" }, "severity"},
		{"bad confidence", func(a *Alert) { a.ConfidenceLevel = "sure" }, "confidenceLevel"},
		{"bad reason", func(a *Alert) { r := ResolvedReason("x"); a.ResolvedReason = &r }, "resolvedReason"},
		{"log without from", func(a *Alert) { a.ActivityLogs = []ActivityLog{{"", StatusActive, "u", time.Unix(1, 0)}} }, "activityLogs"},
		{"log without to", func(a *Alert) { a.ActivityLogs = []ActivityLog{{StatusActive, "", "u", time.Unix(1, 0)}} }, "activityLogs"},
		{"log without by", func(a *Alert) { a.ActivityLogs = []ActivityLog{{StatusActive, StatusResolved, "", time.Unix(1, 0)}} }, "activityLogs"},
		{"log without time", func(a *Alert) { a.ActivityLogs = []ActivityLog{{StatusActive, StatusResolved, "u", time.Time{}}} }, "activityLogs"},
		{"resource without id", func(a *Alert) { a.AffectedResources = []AffectedResource{{ResourceType: "t"}} }, "affectedResources"},
		{"resource without type", func(a *Alert) { a.AffectedResources = []AffectedResource{{ResourceID: "r"}} }, "affectedResources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Documented()
			tt.change(&a)
			err := a.Validate()
			if tt.property == "" {
				if err != nil {
					t.Errorf("Validate = %v; want nil", err)
				}
				return
			}
			var pe *PropertyError
			if !errors.As(err, &pe) || pe.Property != tt.property || !errors.Is(err, ErrInvalid) || !strings.Contains(pe.Message, tt.property) {
				t.Errorf("Validate = %v; want a *PropertyError naming %s", err, tt.property)
			}
		})
	}
}

// TestDecodePatchErrors: the errors of the ordered scan, each naming the
// property (or the body) and the problem.
func TestDecodePatchErrors(t *testing.T) {
	tests := []struct {
		body     string
		want     Patch
		property string // of the error; "-" no error
		contains string
	}{
		{``, Patch{}, "", "empty"},
		{"  \n", Patch{}, "", "empty"},
		{"\xef\xbb\xbf{\"status\":\"active\"}", Patch{}, "", "byte order mark"},
		{`[]`, Patch{}, "", "not an array"},
		{`"active"`, Patch{}, "", "not a string"},
		{`5`, Patch{}, "", "not a number"},
		{`true`, Patch{}, "", "not a boolean"},
		{`{}`, Patch{}, "status", "required"},
		{`{"resolvedReason":"fraud"}`, Patch{}, "status", "required"},
		{`{"status":null}`, Patch{}, "status", "cannot be null"},
		{`{"status":"resolved","resolvedReason":"bogus"}`, Patch{}, "resolvedReason", "'bogus'"},
		{`{"status":"resolved","resolvedReason":5}`, Patch{}, "resolvedReason", "expected a string"},
		{`{"status":"active","resolvedReason":"fraud"}`, Patch{}, "resolvedReason", "only together with"},
		{`{"status":"active","@odata.type":"#microsoft.graph.alert"}`, Patch{}, "@odata.type", "'@odata.type'"},
		{`{"@odata.type":"#microsoft.graph.alert","status":"active"}`, Patch{}, "@odata.type", "'@odata.type'"},
		{`{"status":"active","id":"x"}`, Patch{}, "id", "read-only"},
		{`{"status":"a\"b"}`, Patch{}, "status", `'a"b'`},
		{`{"status":"resol\u0076ed"}`, Patch{Status: StatusResolved}, "-", ""},
		{`{"status":"\u0072esolved"}`, Patch{Status: StatusResolved}, "-", ""},
		{`{"status":"resolved","resolvedReason":"fr\u0061ud"}`, Patch{Status: StatusResolved, ReasonSet: true, ResolvedReason: reason(ReasonFraud)}, "-", ""},
		{`{"status":"resolved","resolvedReason":"fraud","resolvedReason":null}`, Patch{}, "resolvedReason", "more than once"},
		{`{"status":"investigating","@odata.type":"microsoft.graph.partner.security.partnerSecurityAlert"}`, Patch{Status: StatusInvestigating}, "-", ""},
		{`{"status":"unknownFutureValue"}`, Patch{Status: StatusUnknownFutureValue}, "-", ""},
		{`{"status":""}`, Patch{}, "status", "''"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			for _, decode := range []func([]byte) (Patch, error){DecodePatch, Patch{}.decodeOrdered} {
				got, err := decode([]byte(tt.body))
				if tt.property == "-" {
					if err != nil || !reflect.DeepEqual(got, tt.want) {
						t.Errorf("decode = %+v, %v; want %+v, nil", got, err, tt.want)
					}
					continue
				}
				var pe *PropertyError
				if !errors.As(err, &pe) {
					t.Fatalf("error = %v; want a *PropertyError", err)
				}
				if pe.Property != tt.property || !strings.Contains(pe.Message, tt.contains) {
					t.Errorf("error = %q (property %q); want property %q and message containing %q", pe.Message, pe.Property, tt.property, tt.contains)
				}
			}
		})
	}
}

// TestApplyLeavingResolved: reopening clears the resolution; moving between
// two other statuses keeps what is there.
func TestApplyLeavingResolved(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.FixedZone("x", 3600))
	a := Documented()
	if _, err := a.Apply(Patch{Status: StatusResolved, ReasonSet: true, ResolvedReason: reason(ReasonFraud)}, "", now); err != nil {
		t.Fatal(err)
	}
	if a.ResolvedBy == nil || *a.ResolvedBy != DefaultActor || !a.ResolvedOnDateTime.Equal(now.Truncate(100)) || a.ResolvedOnDateTime.Location() != time.UTC {
		t.Fatalf("resolved by %v at %v; want %s at %v in UTC", a.ResolvedBy, a.ResolvedOnDateTime, DefaultActor, now.Truncate(100))
	}
	if got := a.ResolvedOnDateTime.Nanosecond(); got != 123456700 {
		t.Errorf("resolvedOnDateTime has %d ns; want 123456700 (100 ns steps)", got)
	}
	if _, err := a.Apply(Patch{Status: StatusActive}, "u", now); err != nil {
		t.Fatal(err)
	}
	if a.ResolvedReason != nil || a.ResolvedBy != nil || a.ResolvedOnDateTime != nil {
		t.Errorf("reopened alert keeps its resolution: %v %v %v", a.ResolvedReason, a.ResolvedBy, a.ResolvedOnDateTime)
	}
	b := Documented()
	b.Status, b.ResolvedBy = StatusActive, new(string)
	if _, err := b.Apply(Patch{Status: StatusInvestigating}, "u", now); err != nil || b.ResolvedBy == nil {
		t.Errorf("active → investigating cleared resolvedBy (%v)", err)
	}
}

// TestAppendJSONStringPlainDoesNotAllocate: a string without characters JSON
// escapes is appended as it is, without encoding/json (every response writes
// the activity logs whole); any other string is encoding/json's.
func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain a-z A-Z 0-9 ~!#$%'()*+,-./:;=?@[]^_`{|}", " ", "\x1f", "\x7f", `"`, `\`, "<", ">", "&", "é", "\u2028", "\xff"} {
		want, _ := json.Marshal(s)
		if got := appendString([]byte("x"), s); !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Errorf("appendString(%q) = %s; want x%s", s, got, want)
		}
	}
	buf := make([]byte, 0, 256)
	for _, s := range []string{"samanthab@contoso.com", "a b c", "~"} {
		if n := testing.AllocsPerRun(20, func() { buf = appendString(buf[:0], s) }); n != 0 {
			t.Errorf("appendString(%q) allocates %.0f times; want 0 (the fast path)", s, n)
		}
	}
}

// TestSeedGolden: Seed(1) is the same dataset from release to release (teams
// pin tests to its alerts); testdata/seed1.json is it. A deliberate change to
// the generator rewrites it with -update and says so in the changelog.
func TestSeedGolden(t *testing.T) {
	got, err := json.MarshalIndent(Seed(1), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	const path = "testdata/seed1.json"
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		var g, w []Alert
		_ = json.Unmarshal(got, &g)
		_ = json.Unmarshal(want, &w)
		for i := range min(len(g), len(w)) {
			if !reflect.DeepEqual(g[i], w[i]) {
				gi, _ := json.Marshal(g[i])
				wi, _ := json.Marshal(w[i])
				t.Fatalf("Seed(1)[%d] changed:\n got %s\nwant %s", i, gi, wi)
			}
		}
		t.Fatalf("Seed(1) has %d alerts; %s has %d", len(g), path, len(w))
	}
}
