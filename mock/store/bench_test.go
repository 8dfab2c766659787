package store

import (
	"fmt"
	"testing"

	"github.com/partner-security/alertmock/internal/gen"
	"github.com/partner-security/alertmock/mock/alert"
)

// The store's own part of a request, without HTTP, auth or encoding: a
// PATCH's Update (the activity log grows by one entry per iteration), a
// GET's Get, and a new session's first Get.
//
//	go test ./mock/store -run '^$' -bench .
func BenchmarkUpdate(b *testing.B) {
	st := New(dataset(1000), Options{})
	statuses := []alert.Status{alert.StatusInvestigating, alert.StatusActive}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := st.Update("s", gen.ID(0), patch(statuses[i%2]), "u"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	st := New(dataset(1000), Options{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Get("s", gen.ID(500)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewSession(b *testing.B) {
	st := New(dataset(1000), Options{})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := st.Get(fmt.Sprint("s", i), gen.ID(500)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDurableUpdate is Update with a state file, without the fsyncs
// (bbolt's NoSync) and without waiting for other changes to share the
// commit (MaxBatchDelay 0): the CPU a durable change costs (encoding,
// checksums, the change counter, bbolt's copy-on-write pages), which the
// disk's two fsyncs per commit otherwise drown.
//
//	go test ./mock/store -run '^$' -bench DurableUpdate
func BenchmarkDurableUpdate(b *testing.B) {
	db, err := OpenDB(b.TempDir() + "/state.db")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.db.NoSync, db.db.MaxBatchDelay = true, 0
	st := New(dataset(1000), Options{DB: db})
	statuses := []alert.Status{alert.StatusInvestigating, alert.StatusActive}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		// A fresh session every 64 updates keeps the activity log short.
		if _, err := st.Update(fmt.Sprint("s", i/64), gen.ID(0), patch(statuses[i%2]), "u"); err != nil {
			b.Fatal(err)
		}
	}
}
