package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partner-security/alertmock/internal/gen"
	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/odata"
)

// dataset returns n valid alerts as the store keeps them.
func dataset(n int) []*alert.Alert {
	as := gen.Alerts(n)
	out := make([]*alert.Alert, n)
	for i := range as {
		c := as[i].InUTC()
		out[i] = &c
	}
	return out
}

// clock is a deterministic clock: each call is one millisecond later.
func clock() func() time.Time {
	var tick atomic.Int64
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { return t0.Add(time.Duration(tick.Add(1)) * time.Millisecond) }
}

func patch(st alert.Status) alert.Patch { return alert.Patch{Status: st} }

func TestNewSessionIsAnEmptyOverlay(t *testing.T) {
	st := New(dataset(500), Options{Now: clock()})
	for i := range 100 {
		if _, err := st.Get(fmt.Sprint("s", i), gen.ID(i)); err != nil {
			t.Fatal(err)
		}
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	for name, ss := range st.sessions {
		if ss.base != st.base || ss.over != nil {
			t.Fatalf("session %s: own base %v, %d changes; want the shared base and no changes", name, ss.base != st.base, len(ss.over))
		}
	}
}

func TestUpdateChangesOnlyItsSession(t *testing.T) {
	st := New(dataset(50), Options{Now: clock()})
	id := gen.ID(0) // active in the seed's first generated alert
	before, _ := st.Get("a", id)
	got, err := st.Update("a", id, patch(alert.StatusInvestigating), "ana@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != alert.StatusInvestigating || len(got.ActivityLogs) != len(before.ActivityLogs)+1 {
		t.Errorf("updated: status %s, %d log entries; want investigating, %d", got.Status, len(got.ActivityLogs), len(before.ActivityLogs)+1)
	}
	if b, _ := st.Get("b", id); b.Status != before.Status || b != st.base.alerts[st.base.index[id]] {
		t.Errorf("other session sees status %s; want %s from the base", b.Status, before.Status)
	}
	if before.Status != alert.StatusActive {
		t.Fatalf("base alert changed: %s", before.Status)
	}
	if _, err := st.Update("a", "nope", patch(alert.StatusActive), ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update(unknown id) = %v; want ErrNotFound", err)
	}
	if a, err := st.Get("a", "nope"); !errors.Is(err, ErrNotFound) || a != nil {
		t.Errorf("Get(unknown id) = %v, %v; want nil, ErrNotFound", a, err)
	}
	infos, _ := st.Sessions()
	for _, in := range infos {
		switch {
		case in.Name == "a" && in.Updated.IsZero():
			t.Errorf("session a: Updated is zero after a change")
		case in.Name == "b" && !in.Updated.IsZero():
			t.Errorf("session b: Updated = %v; want zero (never changed)", in.Updated)
		}
		if in.Created.IsZero() || in.Alerts != 50 {
			t.Errorf("session %s: created %v, %d alerts; want a time and 50", in.Name, in.Created, in.Alerts)
		}
	}
}

// TestActivityLogAppendsInPlace: after the first change of an alert in a
// session, changes append to an array the session owns, so most versions share
// it (the cost of a change does not grow with the log), while each version
// keeps its own length and contents.
func TestActivityLogAppendsInPlace(t *testing.T) {
	st := New(dataset(10), Options{Now: clock()})
	id := gen.ID(0)
	var versions []*alert.Alert
	statuses := []alert.Status{alert.StatusInvestigating, alert.StatusActive}
	for i := range 1000 {
		a, err := st.Update("s", id, patch(statuses[i%2]), "u")
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, a)
	}
	arrays := 0
	for i, v := range versions {
		if i == 0 || &v.ActivityLogs[0] != &versions[i-1].ActivityLogs[0] {
			arrays++
		}
		if got, want := len(v.ActivityLogs), len(versions[0].ActivityLogs)+i; got != want {
			t.Fatalf("version %d has %d entries; want %d", i, got, want)
		}
		if last := v.ActivityLogs[len(v.ActivityLogs)-1]; last.StatusTo != statuses[i%2] {
			t.Fatalf("version %d ends in %s; want %s", i, last.StatusTo, statuses[i%2])
		}
	}
	if arrays > 12 {
		t.Errorf("1000 changes used %d log arrays; want the log to grow geometrically (≤ 12)", arrays)
	}
}

// TestConcurrentUpdates: goroutines flip alerts in shared and own sessions;
// no update is lost and every status change is in the log exactly once.
func TestConcurrentUpdates(t *testing.T) {
	st := New(dataset(20), Options{Now: clock(), MaxSessions: 100})
	const goroutines, perG = 16, 60
	var changes sync.Map // actor → true for each change that reported a new entry
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				actor := fmt.Sprintf("g%d-%d", g, i)
				session := []string{"shared", fmt.Sprint("own-", g%4)}[i%2]
				to := []alert.Status{alert.StatusActive, alert.StatusInvestigating, alert.StatusResolved}[(g+i)%3]
				before, _ := st.Get(session, gen.ID(0))
				a, err := st.Update(session, gen.ID(0), patch(to), actor)
				if err != nil {
					t.Error(err)
					return
				}
				if l := a.ActivityLogs; len(l) > 0 && l[len(l)-1].UpdatedBy == actor {
					changes.Store(session+"/"+actor, true)
				}
				_ = before
			}
		})
	}
	wg.Wait()
	for _, session := range []string{"shared", "own-0", "own-1", "own-2", "own-3"} {
		a, _ := st.Get(session, gen.ID(0))
		seen := map[string]bool{}
		prev := alert.StatusActive
		for i, l := range a.ActivityLogs[len(st.base.alerts[st.base.index[gen.ID(0)]].ActivityLogs):] {
			if seen[l.UpdatedBy] {
				t.Errorf("%s: %s logged twice", session, l.UpdatedBy)
			}
			seen[l.UpdatedBy] = true
			if _, ok := changes.Load(session + "/" + l.UpdatedBy); !ok {
				t.Errorf("%s: entry %d by %s, whose update did not report it", session, i, l.UpdatedBy)
			}
			if l.StatusFrom != prev {
				t.Errorf("%s: entry %d %s → %s after %s", session, i, l.StatusFrom, l.StatusTo, prev)
			}
			prev = l.StatusTo
		}
		n := 0
		changes.Range(func(k, _ any) bool {
			if s, _, _ := cut(k.(string)); s == session {
				n++
			}
			return true
		})
		if len(seen) != n {
			t.Errorf("%s: %d log entries; want %d (one per reported change)", session, len(seen), n)
		}
	}
}

func cut(s string) (string, string, bool) {
	for i := range s {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// TestQueryAgreesWithSlice runs random queries over a session with random
// changes through the store's indexes and orders and through odata.Slice
// (filter, then sort): the pages, counts and nextLink offsets are the same.
func TestQueryAgreesWithSlice(t *testing.T) {
	st := New(dataset(400), Options{Now: clock()})
	rng := rand.New(rand.NewPCG(1, 2))
	statuses := []alert.Status{alert.StatusActive, alert.StatusInvestigating, alert.StatusResolved}
	for range 150 {
		if _, err := st.Update("s", gen.ID(rng.IntN(400)), patch(statuses[rng.IntN(3)]), "u"); err != nil {
			t.Fatal(err)
		}
	}
	filters := []string{"", "status eq 'active'", "status eq 'resolved' and severity eq 'high'", "severity eq 'low'",
		"confidenceLevel eq 'medium' and status ne 'active'", "status eq 'investigating' or severity eq 'high'",
		"not (status eq 'active')", "status eq 'active' and status eq 'resolved'"}
	orders := [][]odata.OrderKey{nil, {{Property: "detectedDateTime", Desc: true}}, {{Property: "detectedDateTime"}},
		{{Property: "severity"}, {Property: "detectedDateTime", Desc: true}}, {{Property: "severity", Desc: true}}}
	for _, session := range []string{"s", "fresh"} {
		all, _ := st.All(session)
		for _, f := range filters {
			for _, o := range orders {
				for _, page := range []struct{ top, skip int }{{0, 0}, {7, 0}, {5, 30}, {999, 0}, {3, 1000}} {
					q := odata.Query{OrderBy: o, Top: page.top, Skip: page.skip, Count: page.skip != 30}
					if f != "" {
						var err error
						if q.Filter, err = odata.ParseFilter(f); err != nil {
							t.Fatal(err)
						}
					}
					got, err := st.Query(session, &q, 100)
					if err != nil {
						t.Fatal(err)
					}
					want := q.Run(odata.Slice(all), 100)
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s: filter %q order %v page %v:\n got %d alerts, count %d, more %v next %d\nwant %d alerts, count %d, more %v next %d",
							session, f, o, page, len(got.Page), got.Count, got.More, got.Next, len(want.Page), want.Count, want.More, want.Next)
					}
				}
			}
		}
	}
}

func TestReplacePutReset(t *testing.T) {
	st := New(dataset(30), Options{Now: clock()})
	if err := st.Replace("r", dataset(5)); err != nil {
		t.Fatal(err)
	}
	if all, _ := st.All("r"); len(all) != 5 {
		t.Fatalf("after Replace: %d alerts; want 5", len(all))
	}
	extra := *dataset(31)[30]
	if err := st.Put("r", &extra); err != nil {
		t.Fatal(err)
	}
	if all, _ := st.All("r"); len(all) != 6 || all[5].ID != gen.ID(30) {
		t.Fatalf("after Put: %d alerts; want 6 ending in %s", len(all), gen.ID(30))
	}
	if _, err := st.Update("r", gen.ID(0), patch(alert.StatusResolved), "u"); err != nil {
		t.Fatal(err)
	}
	if err := st.Put("r", &extra); err != nil { // Put keeps changes of other alerts
		t.Fatal(err)
	}
	if a, _ := st.Get("r", gen.ID(0)); a.Status != alert.StatusResolved {
		t.Errorf("Put lost a change: status %s", a.Status)
	}
	if err := st.Reset("r"); err != nil {
		t.Fatal(err)
	}
	if all, _ := st.All("r"); len(all) != 30 {
		t.Errorf("after Reset: %d alerts; want the base's 30", len(all))
	}
	st.Update("x", gen.ID(0), patch(alert.StatusResolved), "u")
	if err := st.ResetAll(); err != nil {
		t.Fatal(err)
	}
	if infos, _ := st.Sessions(); len(infos) != 0 {
		t.Errorf("after ResetAll: sessions %v; want none", infos)
	}
}

// TestEvictionIsLRU: past MaxSessions the least recently used session goes
// (memory only: it starts from the base again).
func TestEvictionIsLRU(t *testing.T) {
	st := New(dataset(10), Options{Now: clock(), MaxSessions: 2})
	st.Update("old", gen.ID(0), patch(alert.StatusResolved), "u")
	st.Update("kept", gen.ID(0), patch(alert.StatusResolved), "u")
	st.Get("old", gen.ID(0))
	st.Get("new", gen.ID(0)) // evicts "kept"
	infos, _ := st.Sessions()
	var names []string
	for _, in := range infos {
		names = append(names, in.Name)
	}
	if !slices.Equal(names, []string{"new", "old"}) {
		t.Errorf("sessions = %v; want [new old]", names)
	}
	if a, _ := st.Get("kept", gen.ID(0)); a.Status != alert.StatusActive {
		t.Errorf("evicted memory-only session: status %s; want active (from the base)", a.Status)
	}
}

func openTestDB(tb testing.TB, path string) *DB {
	tb.Helper()
	db, err := OpenDB(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// TestDurableSessionSurvivesEviction reproduces issue #10: with a state file
// and MaxSessions 3, a session whose change was acknowledged was deleted from
// the file after three other sessions were read; and a restart with a lower
// cap deleted every session. Durable sessions leave memory, never the file.
func TestDurableSessionSurvivesEviction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db := openTestDB(t, path)
	st := New(dataset(20), Options{Now: clock(), MaxSessions: 3, DB: db})
	for i := range 5 {
		if _, err := st.Update(fmt.Sprint("s", i), gen.ID(3*i), patch(alert.StatusResolved), "u"); err != nil { // 3i: active in the base
			t.Fatal(err)
		}
	}
	for i := range 3 {
		st.Get(fmt.Sprint("reader", i), gen.ID(0))
	}
	check := func(st *Store, when string) {
		t.Helper()
		for i := range 5 {
			if a, _ := st.Get(fmt.Sprint("s", i), gen.ID(3*i)); a.Status != alert.StatusResolved {
				t.Errorf("%s: s%d status %s; want resolved (acknowledged and durable)", when, i, a.Status)
			}
		}
	}
	check(st, "after eviction")
	infos, _ := st.Sessions()
	if len(infos) != 5 { // s0…s4 (the readers were evicted by them)
		t.Errorf("Sessions() = %d %v; want every durable session listed", len(infos), infos)
	}
	db.Close()

	// Restart with a lower cap: nothing is deleted.
	db2 := openTestDB(t, path)
	st2 := New(dataset(20), Options{Now: clock(), MaxSessions: 1, DB: db2})
	for i := range 4 {
		st2.Get(fmt.Sprint("new", i), gen.ID(0))
	}
	check(st2, "after restart with MaxSessions 1")
}

// TestDBWritesOnlyTheChange: the file holds the changed alerts of an overlay
// session only (not the dataset), read back as memory holds them, log included.
func TestDBWritesOnlyTheChange(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "state.db"))
	st := New(dataset(100), Options{Now: clock(), DB: db})
	for i := range 5 {
		if _, err := st.Update("s", gen.ID(7), patch([]alert.Status{alert.StatusInvestigating, alert.StatusActive}[i%2]), "u"); err != nil {
			t.Fatal(err)
		}
	}
	saved, ok, err := db.load("s")
	if err != nil || !ok {
		t.Fatalf("load: %v, %v", ok, err)
	}
	if len(saved.alerts) != 1 || saved.info.Own {
		t.Fatalf("file holds %d alerts (own %v); want 1 (the changed one over the dataset)", len(saved.alerts), saved.info.Own)
	}
	want, _ := st.Get("s", gen.ID(7))
	if !reflect.DeepEqual(saved.alerts[0], want) {
		t.Errorf("saved alert differs from memory:\n got %+v\nwant %+v", saved.alerts[0], want)
	}
}

// TestCommitFailureChangesNothing: a failed commit leaves memory as it was.
func TestCommitFailureChangesNothing(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "state.db"))
	st := New(dataset(10), Options{Now: clock(), DB: db})
	if _, err := st.Update("s", gen.ID(0), patch(alert.StatusInvestigating), "u"); err != nil {
		t.Fatal(err)
	}
	before, _ := st.Get("s", gen.ID(0))
	db.Close()
	if _, err := st.Update("s", gen.ID(0), patch(alert.StatusResolved), "u"); err == nil {
		t.Fatal("Update with a closed file succeeded")
	}
	if err := st.Replace("s", dataset(2)); err == nil {
		t.Fatal("Replace with a closed file succeeded")
	}
	if after, _ := st.Get("s", gen.ID(0)); after != before {
		t.Errorf("after failed commits: status %s; want the acknowledged %s", after.Status, before.Status)
	}
}

// TestDurableReplaceAndPut: a replaced session is saved whole and read back
// as its own set after a restart, changes on it included.
func TestDurableReplaceAndPut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db := openTestDB(t, path)
	now := clock()
	st := New(dataset(40), Options{Now: now, DB: db})
	if err := st.Replace("r", dataset(5)); err != nil {
		t.Fatal(err)
	}
	if err := st.Replace("r", dataset(6)); err != nil { // replacing a saved session
		t.Fatal(err)
	}
	extra := dataset(8)[7]
	if err := st.Put("r", extra); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Update("r", gen.ID(0), patch(alert.StatusResolved), "u"); err != nil {
		t.Fatal(err)
	}
	if err := st.Replace("empty", nil); err != nil {
		t.Fatal(err)
	}
	want, _ := st.All("r")
	db.Close()

	st2 := New(dataset(40), Options{Now: clock(), DB: openTestDB(t, path)})
	got, _ := st2.All("r")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("replaced session after restart: %d alerts; want the %d saved", len(got), len(want))
	}
	if all, _ := st2.All("empty"); len(all) != 0 {
		t.Errorf("session replaced with no alerts: %d after restart; want 0", len(all))
	}
	infos, _ := st2.Sessions()
	if len(infos) != 2 || infos[1].Name != "r" || infos[1].Alerts != 7 || infos[0].Alerts != 0 {
		t.Errorf("Sessions() after restart = %+v; want empty (0 alerts) and r (7)", infos)
	}
}

// TestStatusIndexMergesChanges: alerts that gained a status in a session are
// found by a filter on it wherever they sit among the base's positions.
func TestStatusIndexMergesChanges(t *testing.T) {
	st := New(dataset(60), Options{Now: clock()})
	// The first and the last positions become investigating.
	for _, i := range []int{0, 59, 3} {
		if _, err := st.Update("s", gen.ID(i), patch(alert.StatusInvestigating), "u"); err != nil {
			t.Fatal(err)
		}
	}
	f, _ := odata.ParseFilter("status eq 'investigating'")
	q := odata.Query{Filter: f, Top: 999, Count: true}
	got, _ := st.Query("s", &q, 100)
	all, _ := st.All("s")
	want := q.Run(odata.Slice(all), 100)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("filter on a changed status: %d alerts (count %d); want %d (count %d)", len(got.Page), got.Count, len(want.Page), want.Count)
	}
	if last := got.Page[len(got.Page)-1]; last.ID != gen.ID(59) {
		t.Errorf("last match %s; want %s (changed, after every base match)", last.ID, gen.ID(59))
	}
}

// TestClockIsUsed: the store's times come from Options.Now.
func TestClockIsUsed(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	st := New(dataset(10), Options{Now: func() time.Time { return at }})
	a, err := st.Update("s", gen.ID(0), patch(alert.StatusInvestigating), "u")
	if err != nil {
		t.Fatal(err)
	}
	infos, _ := st.Sessions()
	if got := a.ActivityLogs[len(a.ActivityLogs)-1].UpdatedDateTime; !got.Equal(at) || !infos[0].Updated.Equal(at) || !infos[0].Created.Equal(at) {
		t.Errorf("log time %v, session created %v updated %v; want %v from Options.Now", got, infos[0].Created, infos[0].Updated, at)
	}
}
