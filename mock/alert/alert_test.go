package alert

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func reason(r ResolvedReason) *ResolvedReason { return &r }

func TestApply(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	utc := now.UTC()
	resolved := func() Alert {
		a := Documented()
		if _, err := a.Apply(Patch{Status: StatusResolved, ReasonSet: true, ResolvedReason: reason(ReasonFraud)}, "first@x.com", utc.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		return a
	}
	tests := []struct {
		name        string
		start       Alert
		patch       Patch
		wantChanged bool
		wantErr     bool
		check       func(t *testing.T, a Alert)
	}{
		{"active to investigating", Documented(), Patch{Status: StatusInvestigating}, true, false, func(t *testing.T, a Alert) {
			want := []ActivityLog{{StatusActive, StatusInvestigating, "me@x.com", utc}}
			if !reflect.DeepEqual(a.ActivityLogs, want) || a.ResolvedBy != nil || a.ResolvedOnDateTime != nil {
				t.Errorf("logs, resolvedBy, resolvedOn = %v, %v, %v; want %v, nil, nil", a.ActivityLogs, a.ResolvedBy, a.ResolvedOnDateTime, want)
			}
		}},
		{"same status", Documented(), Patch{Status: StatusActive}, false, false, func(t *testing.T, a Alert) {
			if len(a.ActivityLogs) != 0 {
				t.Errorf("logs = %v; want none", a.ActivityLogs)
			}
		}},
		{"unknownFutureValue status", Documented(), Patch{Status: StatusUnknownFutureValue}, false, false, func(t *testing.T, a Alert) {
			if a.Status != StatusActive {
				t.Errorf("status = %s; want active", a.Status)
			}
		}},
		{"resolve sets resolution", Documented(), Patch{Status: StatusResolved, ReasonSet: true, ResolvedReason: reason(ReasonIgnore)}, true, false, func(t *testing.T, a Alert) {
			if *a.ResolvedBy != "me@x.com" || !a.ResolvedOnDateTime.Equal(utc) || a.ResolvedOnDateTime.Location() != time.UTC || *a.ResolvedReason != ReasonIgnore {
				t.Errorf("resolvedBy, on, reason = %v, %v, %v", *a.ResolvedBy, a.ResolvedOnDateTime, *a.ResolvedReason)
			}
		}},
		{"reopen clears resolution", resolved(), Patch{Status: StatusActive}, true, false, func(t *testing.T, a Alert) {
			if a.ResolvedBy != nil || a.ResolvedOnDateTime != nil || a.ResolvedReason != nil || len(a.ActivityLogs) != 2 {
				t.Errorf("resolvedBy, on, reason, logs = %v, %v, %v, %d; want nil, nil, nil, 2", a.ResolvedBy, a.ResolvedOnDateTime, a.ResolvedReason, len(a.ActivityLogs))
			}
		}},
		{"resolved again keeps resolver and time, changes reason", resolved(), Patch{Status: StatusResolved, ReasonSet: true, ResolvedReason: reason(ReasonLegitimate)}, true, false, func(t *testing.T, a Alert) {
			if *a.ResolvedBy != "first@x.com" || *a.ResolvedReason != ReasonLegitimate || len(a.ActivityLogs) != 1 {
				t.Errorf("resolvedBy, reason, logs = %v, %v, %d", *a.ResolvedBy, *a.ResolvedReason, len(a.ActivityLogs))
			}
		}},
		{"null reason clears", resolved(), Patch{Status: StatusResolved, ReasonSet: true}, true, false, func(t *testing.T, a Alert) {
			if a.ResolvedReason != nil {
				t.Errorf("reason = %v; want nil", *a.ResolvedReason)
			}
		}},
		{"unknownFutureValue reason keeps", resolved(), Patch{Status: StatusResolved, ReasonSet: true, ResolvedReason: reason(ReasonUnknownFutureValue)}, false, false, func(t *testing.T, a Alert) {
			if *a.ResolvedReason != ReasonFraud {
				t.Errorf("reason = %v; want fraud", *a.ResolvedReason)
			}
		}},
		{"reason without resolved", Documented(), Patch{Status: StatusInvestigating, ReasonSet: true, ResolvedReason: reason(ReasonFraud)}, false, true, nil},
		{"invalid status", Documented(), Patch{Status: "bogus"}, false, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.start
			before := a.Clone()
			changed, err := a.Apply(tt.patch, "me@x.com", now)
			if (err != nil) != tt.wantErr || changed != tt.wantChanged {
				t.Fatalf("Apply = %v, %v; want changed %v, error %v", changed, err, tt.wantChanged, tt.wantErr)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalid) || !reflect.DeepEqual(a, before) {
					t.Errorf("error %v is not ErrInvalid or the alert changed", err)
				}
				return
			}
			tt.check(t, a)
		})
	}
}

// TestApplyDoesNotShareLogs: Apply on a shallow copy never writes into the
// original's activity log array (the store relies on it).
func TestApplyDoesNotShareLogs(t *testing.T) {
	orig := Documented()
	orig.ActivityLogs = make([]ActivityLog, 0, 10)
	c := orig
	if _, err := c.Apply(Patch{Status: StatusInvestigating}, "x", time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := orig.ActivityLogs[:1][0]; got != (ActivityLog{}) {
		t.Errorf("original backing array written: %v", got)
	}
}

func TestDecodePatch(t *testing.T) {
	tests := []struct {
		body     string
		want     Patch
		property string // of the error; "-" no error
		contains string
	}{
		{`{"status":"resolved","resolvedReason":"fraud"}`, Patch{Status: StatusResolved, ReasonSet: true, ResolvedReason: reason(ReasonFraud)}, "-", ""},
		{`{"resolvedReason":null,"status":"resolved"}`, Patch{Status: StatusResolved, ReasonSet: true}, "-", ""},
		{` {"@odata.type":"microsoft.graph.partner.security.partnerSecurityAlert","status":"active"} `, Patch{Status: StatusActive}, "-", ""},
		{`{"status":"active","resolvedReason":"unknownFutureValue"}`, Patch{Status: StatusActive, ReasonSet: true, ResolvedReason: reason(ReasonUnknownFutureValue)}, "-", ""},
		{`{"severity":"low","status":"bogus"}`, Patch{}, "severity", "read-only"},
		{`{"status":"bogus","severity":"low"}`, Patch{}, "status", "'bogus'"},
		{`{"status":[]}`, Patch{}, "status", "expected a string"},
		{`{"status":"active","x":{}}`, Patch{}, "x", "does not exist"},
		{`null`, Patch{}, "", "not null"},
		{`{"status":"active"`, Patch{}, "", "not valid JSON"},
		{`{"status" "active"}`, Patch{}, "", "not valid JSON"},
		{`{"status":"active"}{}`, Patch{}, "", "exactly one"},
		{`{"status":"active","@odata.type":5}`, Patch{}, "@odata.type", "'@odata.type'"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			got, err := DecodePatch([]byte(tt.body))
			if tt.property == "-" {
				if err != nil || !reflect.DeepEqual(got, tt.want) {
					t.Errorf("DecodePatch = %+v, %v; want %+v, nil", got, err, tt.want)
				}
				return
			}
			var pe *PropertyError
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v; want a *PropertyError", err)
			}
			if pe.Property != tt.property || !strings.Contains(pe.Message, tt.contains) {
				t.Errorf("error = %q (property %q); want property %q and message containing %q", pe.Message, pe.Property, tt.property, tt.contains)
			}
		})
	}
}

func TestSeed(t *testing.T) {
	a, b := Seed(7), Seed(7)
	if !reflect.DeepEqual(a, b) {
		t.Error("Seed(7) differs between calls")
	}
	if reflect.DeepEqual(a, Seed(8)) {
		t.Error("Seed(7) = Seed(8)")
	}
	if len(a) != SeedSize+1 || a[0].ID != DocumentedID {
		t.Fatalf("len, first id = %d, %s; want %d, %s", len(a), a[0].ID, SeedSize+1, DocumentedID)
	}
	combos := map[[3]string]bool{}
	ids := map[string]bool{}
	for _, x := range a {
		if err := x.Validate(); err != nil {
			t.Errorf("alert %s invalid: %v", x.ID, err)
		}
		if ids[x.ID] {
			t.Errorf("duplicate id %s", x.ID)
		}
		ids[x.ID] = true
		combos[[3]string{string(x.Status), string(x.Severity), string(x.ConfidenceLevel)}] = true
		resolved := x.Status == StatusResolved
		if (x.ResolvedBy != nil) != resolved || (x.ResolvedOnDateTime != nil) != resolved || (!resolved && x.ResolvedReason != nil) {
			t.Errorf("alert %s (%s): resolution fields inconsistent", x.ID, x.Status)
		}
		if n := len(x.ActivityLogs); n > 0 && x.ActivityLogs[n-1].StatusTo != x.Status {
			t.Errorf("alert %s: last log ends in %s; status %s", x.ID, x.ActivityLogs[n-1].StatusTo, x.Status)
		}
		if b, err := json.Marshal(x); err != nil || !strings.Contains(string(b), `"resolvedReason":`) {
			t.Errorf("alert %s: JSON %s omits nullable properties (%v)", x.ID, b, err)
		}
	}
	if len(combos) < 36 {
		t.Errorf("%d status×severity×confidence combinations; want all 36", len(combos))
	}
}

func TestClone(t *testing.T) {
	a := Seed(1)[3]
	c := a.Clone()
	if !reflect.DeepEqual(a, c) {
		t.Fatal("clone differs")
	}
	c.AdditionalDetails["x"] = "y"
	*c.IsTest = !*c.IsTest
	c.AffectedResources[0].ResourceID = "changed"
	if reflect.DeepEqual(a, c) {
		t.Error("changing the clone changed the original")
	}
	var null Alert
	if cn := null.Clone(); cn.ActivityLogs != nil || cn.AdditionalDetails != nil {
		t.Error("clone of nil collections is not nil")
	}
}

// FuzzDecodePatch: the one-pass fast path of DecodePatch and the ordered scan
// agree on every body (same patch, or the same error).
func FuzzDecodePatch(f *testing.F) {
	for _, b := range []string{`{"status":"resolved","resolvedReason":"fraud"}`, `{"resolvedReason":null,"status":"active"}`,
		`{"@odata.type":"#microsoft.graph.partner.security.partnerSecurityAlert","status":"investigating"}`,
		`{"status":"bogus"}`, `{"status":"active","resolvedReason":"fraud"}`, `{"status":"active","status":null}`, `[]`, `{`} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p1, err1 := DecodePatch(body)
		p2, err2 := Patch{}.decodeOrdered(body)
		if !reflect.DeepEqual(p1, p2) && err1 == nil {
			t.Fatalf("DecodePatch = %+v; ordered scan = %+v", p1, p2)
		}
		if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
			t.Fatalf("DecodePatch error %v; ordered scan error %v", err1, err2)
		}
	})
}

func TestDecodePatchDuplicates(t *testing.T) {
	for _, body := range []string{`{"status":"active","status":"resolved"}`, `{"status":"active","st\u0061tus":"resolved"}`, `{"status":"resolved","resolvedReason":"fraud","resolvedReason":null}`} {
		_, err := DecodePatch([]byte(body))
		var pe *PropertyError
		if !errors.As(err, &pe) || !strings.Contains(pe.Message, "more than once") {
			t.Errorf("DecodePatch(%s) = %v; want a duplicate-property error", body, err)
		}
	}
}

func TestInUTC(t *testing.T) {
	a := Seed(2)[5]
	zone := time.FixedZone("X", -5*3600)
	a.DetectedDateTime = a.DetectedDateTime.In(zone)
	lo := a.LastObservedDateTime.In(zone)
	a.LastObservedDateTime = &lo
	a.ActivityLogs = []ActivityLog{{StatusActive, StatusInvestigating, "x", time.Now().In(zone)}}
	u := a.InUTC()
	if u.DetectedDateTime.Location() != time.UTC || u.LastObservedDateTime.Location() != time.UTC || u.ActivityLogs[0].UpdatedDateTime.Location() != time.UTC {
		t.Errorf("InUTC left a zone: %v %v %v", u.DetectedDateTime, u.LastObservedDateTime, u.ActivityLogs[0].UpdatedDateTime)
	}
	if !u.DetectedDateTime.Equal(a.DetectedDateTime) || a.LastObservedDateTime.Location() != zone {
		t.Error("InUTC changed the instant or the original")
	}
}

// TestActivityLogJSON: the hand-written encoding equals encoding/json's.
func TestActivityLogJSON(t *testing.T) {
	type plain ActivityLog // no MarshalJSON
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456700, time.UTC)
	for _, l := range []ActivityLog{
		{StatusActive, StatusResolved, "a@x.com", at},
		{StatusResolved, StatusActive, `odd "name" \ <tag> & é` + "\n", at.In(time.FixedZone("Y", 7200))},
		{},
	} {
		got, err := json.Marshal(l)
		want, _ := json.Marshal(plain(l))
		if err != nil || string(got) != string(want) {
			t.Errorf("Marshal = %s, %v; want %s", got, err, want)
		}
	}
}
