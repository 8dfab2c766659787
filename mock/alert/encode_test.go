package alert

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestAppendAlertIsMarshal holds AppendJSON to json.Marshal byte for byte:
// on the seed datasets and on alerts with every field nil, empty or holding
// what json.Marshal escapes.
func TestAppendAlertIsMarshal(t *testing.T) {
	str := func(s string) *string { return &s }
	tm := func(t time.Time) *time.Time { return &t }
	yes := true
	reason := ResolvedReason("fraud<&>")
	odd := time.FixedZone("odd", 5*3600+30*60)
	var alerts []Alert
	for _, seed := range []int64{0, 1, 7} {
		alerts = append(alerts, Seed(seed)...)
	}
	base := Seed(0)[0]
	alerts = append(alerts,
		Alert{}, // every pointer, slice and map nil
		Alert{
			ID: "a\"b\\c", DisplayName: "<script>&amp;</script>", Description: str("tab\there\nnewline \u2028 \u2029 é 😀"),
			AlertType: "bad utf-8 \xff\xfe", Status: "resolved", Severity: "high", ConfidenceLevel: "low",
			CustomerTenantID: "\x00\x1f\x7f", SubscriptionID: "", ValueAddedResellerTenantID: str(""), CatalogOfferID: str("<"),
			DetectedDateTime:      time.Date(2024, 2, 29, 23, 59, 59, 123456789, odd),
			FirstObservedDateTime: tm(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)),
			LastObservedDateTime:  tm(time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("west", -(23*3600+59*60)))),
			ResolvedReason:        &reason, ResolvedOnDateTime: tm(time.Date(2025, 1, 2, 3, 4, 5, 100, time.Local)), ResolvedBy: str("ana@contoso.com"),
			IsTest:            &yes,
			AffectedResources: []AffectedResource{}, ActivityLogs: []ActivityLog{},
			AdditionalDetails: map[string]string{},
		},
		Alert{
			AffectedResources: []AffectedResource{{ResourceID: "r&1", ResourceType: "vm"}, {}},
			ActivityLogs: []ActivityLog{
				{StatusFrom: "active", StatusTo: "resolved", UpdatedBy: "<ana>", UpdatedDateTime: time.Date(2025, 5, 6, 7, 8, 9, 0, odd)},
				{},
			},
			AdditionalDetails: map[string]string{"z": "1", "a": "<2>", "M\u00e9": "x", "": "", "a\"": "q"},
		},
	)
	isFalse := false
	b2 := base
	b2.IsTest = &isFalse
	alerts = append(alerts, b2)
	for i, a := range alerts {
		want, err := json.Marshal(&a)
		if err != nil {
			t.Fatalf("alert %d: json.Marshal: %v", i, err)
		}
		got, err := AppendJSON([]byte("{"), &a)
		if err != nil {
			t.Fatalf("alert %d: AppendJSON: %v", i, err)
		}
		got = append(got, '}')
		if !bytes.Equal(got, want) {
			t.Errorf("alert %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// TestAppendAlertFailsAsMarshal: a time json.Marshal refuses is refused.
func TestAppendAlertFailsAsMarshal(t *testing.T) {
	for _, d := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2020, 1, 1, 0, 0, 0, 0, time.FixedZone("sec", 30)),
		time.Date(2020, 1, 1, 0, 0, 0, 0, time.FixedZone("far", 25*3600)),
	} {
		for _, a := range []Alert{
			{DetectedDateTime: d},
			{ActivityLogs: []ActivityLog{{UpdatedDateTime: d}}},
			{ResolvedOnDateTime: &d},
		} {
			_, jerr := json.Marshal(&a)
			_, err := AppendJSON(nil, &a)
			if (err == nil) != (jerr == nil) {
				t.Errorf("%v: AppendJSON error %v, json.Marshal error %v", d, err, jerr)
			}
		}
	}
}

// FuzzAppendAlert compares AppendJSON with json.Marshal on arbitrary strings.
func FuzzAppendAlert(f *testing.F) {
	f.Add("plain", "<&>", "\xff", int64(0))
	f.Fuzz(func(t *testing.T, s1, s2, s3 string, sec int64) {
		d := time.Unix(sec%(1<<40), sec%1e9).In(time.FixedZone("z", int(sec%(20*3600))/60*60))
		a := Alert{ID: s1, DisplayName: s2, Description: &s3, DetectedDateTime: d,
			AdditionalDetails: map[string]string{s1: s2, s3: s1},
			ActivityLogs:      []ActivityLog{{UpdatedBy: s3, UpdatedDateTime: d}}}
		want, jerr := json.Marshal(&a)
		got, err := AppendJSON([]byte("{"), &a)
		if (err == nil) != (jerr == nil) {
			t.Fatalf("AppendJSON error %v, json.Marshal error %v", err, jerr)
		}
		if err == nil && !bytes.Equal(append(got, '}'), want) {
			t.Fatalf("\n got %s}\nwant %s", got, want)
		}
	})
}

// TestActivityLogIsMarshal holds ActivityLog.MarshalJSON (shared with
// AppendJSON) to what encoding/json writes for the same struct by reflection.
func TestActivityLogIsMarshal(t *testing.T) {
	type plain ActivityLog // the same fields and tags, without MarshalJSON
	odd := time.FixedZone("odd", 5*3600+30*60)
	for _, l := range []ActivityLog{
		{},
		{StatusFrom: "active", StatusTo: "resolved", UpdatedBy: "ana@contoso.com", UpdatedDateTime: time.Date(2024, 1, 23, 16, 3, 33, 50000000, time.UTC)},
		{StatusFrom: "a<&>\"", StatusTo: "\u2028é", UpdatedBy: "bad \xff", UpdatedDateTime: time.Date(2024, 2, 29, 23, 59, 59, 123456789, odd)},
	} {
		got, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(plain(l))
		if !bytes.Equal(got, want) {
			t.Errorf("MarshalJSON = %s; want %s", got, want)
		}
	}
	if _, err := json.Marshal(ActivityLog{UpdatedDateTime: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Error("a year past 9999 marshalled; encoding/json refuses it")
	}
}
