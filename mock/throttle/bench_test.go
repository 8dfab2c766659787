package throttle

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// handBucket is the hand-written token bucket this package used before
// golang.org/x/time/rate, kept as the baseline of BenchmarkAllow.
type handBucket struct {
	tokens float64
	at     time.Time
}

// handThrottle is the hand-written Throttle.Allow, kept as the baseline.
type handThrottle struct {
	mu      sync.Mutex
	rate    float64
	burst   int
	buckets map[string]*handBucket
}

func (t *handThrottle) allow(session string, now time.Time) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buckets[session]
	if b == nil {
		b = &handBucket{tokens: float64(t.burst), at: now}
		t.buckets[session] = b
	}
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = min(float64(t.burst), b.tokens+elapsed.Seconds()*t.rate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	secs := min((1-b.tokens)/t.rate, MaxWait.Seconds())
	return time.Duration(secs * float64(time.Second)), false
}

// BenchmarkAllow compares one throttling decision with x/time/rate (the
// package) and with the hand-written bucket it replaced, over 100 sessions
// at 1,000 requests per second of simulated time (half refused). Compare
// the two as a ratio from one run.
func BenchmarkAllow(b *testing.B) {
	sessions := make([]string, 100)
	for i := range sessions {
		sessions[i] = fmt.Sprint("session-", i)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.Run("rate", func(b *testing.B) {
		now := start
		th := New(func() time.Time { return now })
		if err := th.Set(Config{RequestsPerSecond: 5, Burst: 5}); err != nil {
			b.Fatal(err)
		}
		for i := 0; b.Loop(); i++ {
			now = now.Add(time.Millisecond)
			th.Allow(sessions[i%len(sessions)])
		}
	})
	b.Run("handwritten", func(b *testing.B) {
		now := start
		th := &handThrottle{rate: 5, burst: 5, buckets: map[string]*handBucket{}}
		for i := 0; b.Loop(); i++ {
			now = now.Add(time.Millisecond)
			th.allow(sessions[i%len(sessions)], now)
		}
	})
}
