package store

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/partner-security/alertmock/internal/gen"
	"github.com/partner-security/alertmock/mock/alert"
)

// Regression tests for what an outside mutation audit found the store's
// tests could not tell apart from wrong code (issue #19 part 6).

// TestReplaceThenRestartWithoutPut: replacing a saved session writes its
// new set (TestDurableReplaceAndPut ends in a Put, which wrote the set
// again, so a replace that deleted the session and wrote nothing passed).
func TestReplaceThenRestartWithoutPut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db := openTestDB(t, path)
	st := New(dataset(40), Options{Now: clock(), DB: db})
	if err := st.Replace("r", dataset(5)); err != nil {
		t.Fatal(err)
	}
	if err := st.Replace("r", dataset(7)[2:]); err != nil { // a saved session, replaced
		t.Fatal(err)
	}
	want, _ := st.All("r")
	db.Close()
	st2 := New(dataset(40), Options{Now: clock(), DB: openTestDB(t, path)})
	got, err := st2.All("r")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("after restart: %d alerts, %v; want the 5 of the second Replace", len(got), err)
	}
}

// TestEvictionIsLRUWhateverTheNames: the victim is the session used least
// recently, with names that sort against their use (TestEvictionIsLRU's
// names sort in use order, so a victim picked by name passed).
func TestEvictionIsLRUWhateverTheNames(t *testing.T) {
	for _, durable := range []bool{false, true} {
		opt := Options{Now: clock(), MaxSessions: 3}
		if durable {
			opt.DB = openTestDB(t, filepath.Join(t.TempDir(), "state.db"))
		}
		st := New(dataset(10), opt)
		for _, name := range []string{"c", "b", "a"} {
			if _, err := st.Update(name, gen.ID(0), patch(alert.StatusResolved), "u"); err != nil {
				t.Fatal(err)
			}
		}
		st.Get("c", gen.ID(0)) // use order now b, a, c
		st.Get("d", gen.ID(0)) // evicts b
		st.mu.RLock()
		var names []string
		for n := range st.sessions {
			names = append(names, n)
		}
		st.mu.RUnlock()
		slices.Sort(names)
		if !slices.Equal(names, []string{"a", "c", "d"}) {
			t.Errorf("durable %v: in memory %v; want [a c d] (b was used least recently)", durable, names)
		}
	}
}

// TestResetSessionNotInMemory: Reset of a session the file holds but memory
// does not (after a restart) deletes it from the file, also while other
// goroutines read it back (no test reset a session out of memory, so a Reset
// that locked a nil session passed).
func TestResetSessionNotInMemory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db := openTestDB(t, path)
	st := New(dataset(10), Options{Now: clock(), DB: db})
	for i := range 8 {
		if _, err := st.Update(fmt.Sprint("s", i), gen.ID(0), patch(alert.StatusResolved), "u"); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db2 := openTestDB(t, path)
	st2 := New(dataset(10), Options{Now: clock(), DB: db2})
	var wg sync.WaitGroup
	for i := range 8 {
		name := fmt.Sprint("s", i)
		wg.Add(2)
		go func() { defer wg.Done(); st2.Get(name, gen.ID(0)) }()
		go func() {
			defer wg.Done()
			if err := st2.Reset(name); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i := range 8 {
		name := fmt.Sprint("s", i)
		if a, err := st2.Get(name, gen.ID(0)); err != nil || a.Status != alert.StatusActive {
			t.Errorf("%s after Reset: %v, %v; want the base's active alert", name, a, err)
		}
	}
	if infos, err := db2.infos(); err != nil || len(infos) != 0 {
		t.Errorf("the file holds %d sessions after resetting all, %v; want none", len(infos), err)
	}
}
