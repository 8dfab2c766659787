package conformance_test

import (
	"io"
	"testing"

	"github.com/cucumber/godog"

	"github.com/partner-security/alertmock/conformance"
	"github.com/partner-security/alertmock/features"
)

// BenchmarkRun measures what Suite.Run (per-scenario results, every exchange
// recorded) and Compare (two runs and the diff) cost against a bare godog run
// of the same read-only scenarios on the mock; compare the ns/op of the
// sub-benchmarks of one run as ratios.
func BenchmarkRun(b *testing.B) {
	base := serveMock(b)
	suite := newSuite(b, base)
	opts := conformance.Options{Tags: "@live-safe", Concurrency: 4}
	b.Run("godog", func(b *testing.B) {
		for b.Loop() {
			status := godog.TestSuite{
				ScenarioInitializer: suite.InitializeScenario,
				Options: &godog.Options{Format: "progress", Output: io.Discard, FS: features.FS(), Paths: []string{"."},
					Tags: opts.Tags, Strict: true, Concurrency: opts.Concurrency},
			}.Run()
			if status != 0 {
				b.Fatalf("status %d", status)
			}
		}
	})
	b.Run("Run", func(b *testing.B) {
		for b.Loop() {
			res, err := suite.Run(b.Context(), opts)
			if err != nil || !res.OK() {
				b.Fatalf("Run: %v", err)
			}
		}
	})
	other := newSuite(b, serveMock(b))
	b.Run("Compare", func(b *testing.B) {
		for b.Loop() {
			d, err := conformance.Compare(b.Context(), suite, other, opts)
			if err != nil || !d.Agree() {
				b.Fatalf("Compare: %v", err)
			}
		}
	})
}
