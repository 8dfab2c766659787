package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/partner-security/alertmock/internal/gen"
	"github.com/partner-security/alertmock/mock/alert"
)

// contents reads every saved session of a state file through a Store over
// base, as JSON by session (the alerts, logs included). A session that
// cannot be read maps to its error.
func contents(tb testing.TB, db *DB, base []*alert.Alert) (map[string]string, map[string]error) {
	tb.Helper()
	infos, err := db.infos()
	if err != nil {
		return nil, map[string]error{"": err}
	}
	st := New(base, Options{Now: clock(), DB: db})
	out, errs := map[string]string{}, map[string]error{}
	for name := range infos {
		all, err := st.All(name)
		if err != nil {
			errs[name] = err
			continue
		}
		b, err := json.Marshal(all)
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = string(b)
	}
	return out, errs
}

// checkRefusal fails unless err is a refusal a user can act on: one line
// naming the file, matching ErrDamaged (or naming the format, for a flip in
// the format record).
func checkRefusal(tb testing.TB, what, path string, err error) {
	tb.Helper()
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, path) {
		tb.Errorf("%s: error %q; want one line naming the file", what, msg)
	}
	if !errors.Is(err, ErrDamaged) && !strings.Contains(msg, "format") {
		tb.Errorf("%s: error %q; want it to match ErrDamaged", what, msg)
	}
}

// TestBitFlipBattery flips one bit of a copy of a real state file at many
// offsets (every page's header, the meta pages' fields, and random bytes of
// every page) and opens it. Either OpenDB refuses it (one line, ErrDamaged),
// or every session reads back exactly as saved, or reading a session fails
// with a *DamagedError naming it: never an alert served changed, never a
// crash. Before checksums, a flip in a stored value was served changed
// ("resolved" became "rasolved"), or an alert vanished.
func TestBitFlipBattery(t *testing.T) {
	path, base := smallStateFile(t)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	want, errs := contents(t, db, base)
	db.Close()
	if len(errs) != 0 || len(want) != 12 {
		t.Fatalf("undamaged file: %d sessions, errors %v; want 12, none", len(want), errs)
	}
	const page = 4096
	m0, m1 := parseMeta(good), parseMeta(good[page:])
	used := int(max(m0.hwm, m1.hwm)) * page // pages past the mark are unused: flips there change nothing
	good = good[:used]
	var offsets []int
	for p := 0; p < len(good); p += page {
		offsets = append(offsets, p, p+8, p+10, p+12) // page id, flags, count, overflow
	}
	for _, m := range []int{0, page} { // meta: magic, version, page size, root, freelist, high-water mark, txid, checksum
		for _, f := range []int{16, 20, 24, 32, 48, 56, 64, 72} {
			offsets = append(offsets, m+f)
		}
	}
	rng := rand.New(rand.NewPCG(19, 3))
	perPage := 24
	if raceEnabled {
		perPage = 6
	}
	for p := 2 * page; p < len(good); p += page {
		for range perPage {
			offsets = append(offsets, p+16+rng.IntN(page-16))
		}
	}
	refused, intact, named := 0, 0, 0
	dir := t.TempDir()
	for i, off := range offsets {
		bit := byte(1) << (i % 8)
		damaged := bytes.Clone(good)
		damaged[off] ^= bit
		p := filepath.Join(dir, fmt.Sprintf("flip-%d.db", i))
		if err := os.WriteFile(p, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		what := fmt.Sprintf("bit %d of byte %d (page %d)", i%8, off, off/page)
		db, err := OpenDB(p)
		if err != nil {
			checkRefusal(t, what, p, err)
			refused++
			os.Remove(p)
			continue
		}
		got, errs := contents(t, db, base)
		db.Close()
		os.Remove(p)
		for name, err := range errs {
			var de *DamagedError
			if !errors.As(err, &de) || de.Session != name {
				t.Errorf("%s: session %.40q: error %.200v; want a *DamagedError naming it", what, name, err)
			}
			named++
		}
		for name, js := range got {
			if js != want[name] {
				t.Errorf("%s: session %.40q served changed", what, name)
			}
		}
		if len(got)+len(errs) != len(want) {
			t.Errorf("%s: %d sessions readable, %d damaged; want the %d saved", what, len(got), len(errs), len(want))
		}
		if len(errs) == 0 {
			intact++
		}
	}
	t.Logf("%d flips: %d refused at open, %d opened with every session intact, %d damaged sessions named at first use",
		len(offsets), refused, intact, named)
}

// smallStateFile writes a state file of 12 sessions, each kind of record
// in it (overlay changes with activity logs, whole sets, an empty set), and
// returns its path and the dataset the sessions are over.
func smallStateFile(tb testing.TB) (string, []*alert.Alert) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "small.db")
	db, err := OpenDB(path)
	if err != nil {
		tb.Fatal(err)
	}
	base := dataset(18)
	st := New(base, Options{Now: clock(), DB: db})
	for i := range 6 {
		for _, s := range []alert.Status{alert.StatusInvestigating, alert.StatusResolved, alert.StatusActive}[:1+i%3] {
			if _, err := st.Update(fmt.Sprint("o", i), gen.ID(3*i), patch(s), "u"); err != nil { // 3i: active in the base
				tb.Fatal(err)
			}
		}
		if err := st.Replace(fmt.Sprint("r", i), dataset(i + 1)[:i]); err != nil {
			tb.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	return path, base
}

// resolvedOffset returns where in a state file the JSON of a stored alert
// says "status":"resolved" (the first such place), or -1.
func resolvedOffset(b []byte) int {
	return bytes.Index(b, []byte(`"status":"resolved"`))
}

// TestFlippedValueRefused reproduces issue #19 part 3: a flipped bit in a
// stored value ("resolved" → "rasolved") opened fine and was served
// changed. It is now refused at open, naming the session and the alert; the
// same damage made while the server runs is refused at the session's first
// use with the same names.
func TestFlippedValueRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	st := New(dataset(10), Options{Now: clock(), DB: db})
	if _, err := st.Update("victim", gen.ID(0), patch(alert.StatusResolved), "u"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	off := resolvedOffset(b)
	if off < 0 {
		t.Fatal("no stored resolved status in the file")
	}
	b[off+len(`"status":"r`)] ^= 'a' ^ 'e' // resolved → rasolved
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = OpenDB(path)
	var de *DamagedError
	if !errors.As(err, &de) || de.Session != "victim" || !strings.Contains(err.Error(), gen.ID(0)) {
		t.Fatalf("OpenDB = %v; want a *DamagedError naming session victim and alert %s", err, gen.ID(0))
	}

	// Damage after start: the file is changed under a running store.
	b[off+len(`"status":"r`)] ^= 'a' ^ 'e' // undamaged again
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db = openTestDB(t, path)
	st = New(dataset(10), Options{Now: clock(), DB: db})
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteAt([]byte{'a'}, int64(off+len(`"status":"r`)))
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	a, err := st.Get("victim", gen.ID(0))
	if !errors.As(err, &de) || de.Session != "victim" {
		t.Fatalf("Get after damage = %v, %v; want a *DamagedError naming session victim", a, err)
	}
}

// TestNewestMetaPageDamaged reproduces issue #19 part 3: a flip in the meta
// page of the newest commit made bbolt open the commit before, without a
// word, and the last acknowledged change was gone. OpenDB refuses it (and
// a damaged older meta page too: it cannot be told from a damaged newest
// one whose transaction id was hit).
func TestNewestMetaPageDamaged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	st := New(dataset(10), Options{Now: clock(), DB: db})
	for _, s := range []alert.Status{alert.StatusInvestigating, alert.StatusResolved} {
		if _, err := st.Update("s", gen.ID(0), patch(s), "u"); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m0, m1 := parseMeta(good), parseMeta(good[4096:])
	newest, older := 0, 4096
	if m1.txid > m0.txid {
		newest, older = 4096, 0
	}
	for _, tt := range []struct {
		name, contains string
		page           int
	}{
		{"newest", "holds the newest commit", newest},
		{"older", "the commit before the newest", older},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := bytes.Clone(good)
			b[tt.page+40] ^= 0x10 // the root bucket's sequence: no effect but on the checksum
			p := filepath.Join(t.TempDir(), "meta.db")
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			if tt.page == newest {
				// What bbolt does on its own: it opens the commit before,
				// where the alert is still investigating.
				bdb, err := bolt.Open(p, 0o600, nil)
				if err != nil {
					t.Fatal(err)
				}
				old := &DB{db: bdb, path: p}
				s, _, err := old.load("s")
				bdb.Close()
				if err != nil || len(s.alerts) != 1 || s.alerts[0].Status != alert.StatusInvestigating {
					t.Fatalf("bbolt alone: %v, %v; want the commit before (investigating)", s.alerts, err)
				}
			}
			_, err := OpenDB(p)
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("OpenDB = %v; want ErrDamaged saying %q", err, tt.contains)
			}
		})
	}
}

// TestChangeCounter: every change counts one in the file (a PATCH, a
// Replace, a Put, a Reset, a ResetAll), each session's info keeps the
// number of its last change, and the count survives a restart.
func TestChangeCounter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db := openTestDB(t, path)
	st := New(dataset(10), Options{Now: clock(), DB: db})
	steps := []func() error{
		func() error { _, err := st.Update("a", gen.ID(0), patch(alert.StatusResolved), "u"); return err },
		func() error { _, err := st.Update("a", gen.ID(0), patch(alert.StatusResolved), "u"); return err }, // no change: not counted
		func() error { return st.Replace("b", dataset(3)) },
		func() error { return st.Put("b", dataset(4)[3]) },
		func() error { return st.Reset("a") },
		func() error { _, err := st.Update("c", gen.ID(0), patch(alert.StatusResolved), "u"); return err },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if n, err := db.Seq(); n != 5 || err != nil {
		t.Errorf("Seq = %d, %v; want 5", n, err)
	}
	infos, _ := db.infos()
	if infos["b"].Seq != 3 || infos["c"].Seq != 5 {
		t.Errorf("info seqs: b %d, c %d; want 3, 5", infos["b"].Seq, infos["c"].Seq)
	}
	if err := st.ResetAll(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2 := openTestDB(t, path)
	if n, err := db2.Seq(); n != 6 || err != nil {
		t.Errorf("Seq after restart = %d, %v; want 6", n, err)
	}
}

// TestEmptyFileStartsAfresh: a file with no bytes (mktemp's) is started as
// a new state file, and says so.
func TestEmptyFileStartsAfresh(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := OpenDB(path)
	if err != nil {
		t.Fatalf("OpenDB(empty) = %v; want a new state file", err)
	}
	if !db.EmptyFile() {
		t.Error("EmptyFile = false; want true")
	}
	db.Close()
	db = openTestDB(t, path)
	if db.EmptyFile() {
		t.Error("EmptyFile on reopening = true; want false")
	}
	fresh := openTestDB(t, filepath.Join(t.TempDir(), "missing.db"))
	if fresh.EmptyFile() {
		t.Error("EmptyFile of a new file = true; want false")
	}
}

// TestUpgradeFromFormat2: a format "2" file (the layout without checksums)
// is upgraded in place and reads back as saved.
func TestUpgradeFromFormat2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.db")
	db := openTestDB(t, path)
	st := New(dataset(10), Options{Now: clock(), DB: db})
	if _, err := st.Update("o", gen.ID(0), patch(alert.StatusResolved), "u"); err != nil {
		t.Fatal(err)
	}
	if err := st.Replace("r", dataset(3)); err != nil {
		t.Fatal(err)
	}
	want, _ := contents(t, db, dataset(10))
	// Strip every checksum and the counter: what format 2 wrote.
	err := db.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte(bucketMeta))
		if err := tx.Bucket([]byte(bucketSessions)).SetSequence(0); err != nil {
			return err
		}
		if err := meta.Put([]byte(keyFormat), []byte("2")); err != nil {
			return err
		}
		var strip func(b *bolt.Bucket) error
		strip = func(b *bolt.Bucket) error {
			type kv struct{ k, v []byte }
			var vals []kv
			var subs [][]byte
			b.ForEach(func(k, v []byte) error {
				if v == nil {
					subs = append(subs, slices.Clone(k))
				} else {
					v = slices.Clone(v[crcSize:])
					if string(k) == keyInfo { // format 2 had no change numbers
						var m map[string]any
						json.Unmarshal(v, &m)
						delete(m, "seq")
						v, _ = json.Marshal(m)
					}
					vals = append(vals, kv{slices.Clone(k), v})
				}
				return nil
			})
			for _, x := range vals {
				if err := b.Put(x.k, x.v); err != nil {
					return err
				}
			}
			for _, k := range subs {
				if err := strip(b.Bucket(k)); err != nil {
					return err
				}
			}
			return nil
		}
		return strip(tx.Bucket([]byte(bucketSessions)))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2 := openTestDB(t, path)
	got, errs := contents(t, db2, dataset(10))
	if len(errs) != 0 || !maps2Equal(got, want) {
		t.Errorf("after the upgrade: %v, errors %v; want the sessions as saved", got, errs)
	}
	db2.Close()
	db3 := openTestDB(t, path) // reopened: format 3 now, every checksum checked
	if got, errs := contents(t, db3, dataset(10)); len(errs) != 0 || !maps2Equal(got, want) {
		t.Errorf("reopened after the upgrade: errors %v", errs)
	}
}

func maps2Equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
