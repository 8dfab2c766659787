package store

import (
	"bytes"
	"errors"
	"fmt"
	bolt "go.etcd.io/bbolt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partner-security/alertmock/mock/alert"
)

// stateFile writes a state file with a few sessions (several pages) and
// returns its path and size.
func stateFile(tb testing.TB) (string, int64) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "state.db")
	db, err := OpenDB(path)
	if err != nil {
		tb.Fatal(err)
	}
	st := New(dataset(300), Options{Now: clock(), DB: db})
	for i := range 20 {
		if err := st.Replace(fmt.Sprint("r", i), dataset(30)); err != nil {
			tb.Fatal(err)
		}
		if _, err := st.Update(fmt.Sprint("u", i), gen3(i), alert.Patch{Status: alert.StatusInvestigating}, "u"); err != nil {
			tb.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return path, fi.Size()
}

func gen3(i int) string { return dataset(3*i + 1)[3*i].ID }

// TestOpenDamagedFile reproduces issue #10: a state file cut short crashed
// the start with SIGSEGV inside bbolt's memory map, other damage with
// "panic: assertion failed". Each is now an error matching ErrDamaged, in one
// line.
func TestOpenDamagedFile(t *testing.T) {
	path, size := stateFile(t)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	var used int64 // bytes the pages in use span (the file may be longer)
	{
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		db.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil })
		db.Close()
	}
	tests := []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"cut to 16 KiB", func(b []byte) []byte { return b[:4*page] }},
		{"cut in half", func(b []byte) []byte { return b[:size/2/page*page] }},
		{"last used page cut mid-page", func(b []byte) []byte { return b[:used-100] }},
		{"pages overwritten", func(b []byte) []byte {
			for i := 2 * page; i < len(b); i++ {
				b[i] = byte(i*7 + 3)
			}
			return b
		}},
		{"page headers zeroed", func(b []byte) []byte {
			for p := 2 * page; p < len(b); p += page {
				copy(b[p:p+16], make([]byte, 16))
			}
			return b
		}},
		{"both meta pages broken", func(b []byte) []byte {
			copy(b[16:64], bytes.Repeat([]byte{0xA5}, 48))
			copy(b[page+16:page+64], bytes.Repeat([]byte{0xA5}, 48))
			return b
		}},
		{"not a bbolt file", func([]byte) []byte { return []byte(strings.Repeat("not a database\n", 800)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "damaged.db")
			if err := os.WriteFile(p, tt.damage(bytes.Clone(good)), 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := OpenDB(p)
			if err == nil {
				db.Close()
				t.Fatal("OpenDB(damaged) = nil error; want ErrDamaged")
			}
			t.Log(err)
			if !errors.Is(err, ErrDamaged) {
				t.Errorf("OpenDB(damaged) = %v; want it to match ErrDamaged", err)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, p) {
				t.Errorf("error %q; want one line naming the file", msg)
			}
		})
	}
	// The undamaged file still opens and holds its sessions.
	db, err := OpenDB(path)
	if err != nil {
		t.Fatalf("OpenDB(undamaged) = %v", err)
	}
	defer db.Close()
	infos, err := db.infos()
	if err != nil || len(infos) < 20 {
		t.Errorf("undamaged file: %d sessions, %v; want at least the 20 replaced ones", len(infos), err)
	}
}

func TestOpenDBFormat(t *testing.T) {
	path, _ := stateFile(t)
	db, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	err = db.db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketMeta)).Put([]byte(keyFormat), []byte("1")) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenDB(path); err == nil || !strings.Contains(err.Error(), `format "1"`) {
		t.Errorf("OpenDB(format 1) = %v; want an error naming the format", err)
	}
}
