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
