package mocktest_test

import (
	"testing"

	"github.com/partner-security/alertmock/mock/mocktest"
)

// BenchmarkNew measures what one mock per test costs: mocktest.New, the mock
// and its loopback server. The servers stay up until the benchmark ends (their
// cleanup is the benchmark's), so run it with a bounded count, e.g.
// -benchtime 200x.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		mocktest.New(b)
	}
}
