// Package gen generates large, valid alert datasets for the benchmarks and
// the scale script.
package gen

import (
	"fmt"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

// ID is the id of alert i of Alerts.
func ID(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i) }

// Alerts returns n valid alerts with ids ID(0) … ID(n-1): copies of the seed
// dataset's generated alerts (their mix of statuses, severities, confidence
// levels and activity logs) with their own ids and detection times spread
// over n seconds.
func Alerts(n int) []alert.Alert {
	seed := alert.Seed(0)[1:]
	out := make([]alert.Alert, n)
	for i := range out {
		a := seed[i%len(seed)].Clone()
		a.ID = ID(i)
		shift := time.Duration((i*7919)%n) * time.Second // an order unlike the id order
		a.DetectedDateTime = a.DetectedDateTime.Add(shift)
		out[i] = a
	}
	return out
}
