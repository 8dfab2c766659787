package mock

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// ThrottleConfig limits the request rate of each session. Its zero value
// (RequestsPerSecond 0) means no limit.
type ThrottleConfig struct {
	// RequestsPerSecond is the sustained rate each session may send.
	RequestsPerSecond float64 `json:"requestsPerSecond"`
	// Burst is how many requests a session may send at once after being
	// idle; 0 means RequestsPerSecond rounded up (at least 1).
	Burst int `json:"burst,omitempty"`
}

// maxThrottleBuckets is how many sessions a Throttle tracks before it
// forgets those whose bucket has refilled (they are in the state a new
// session starts in, so forgetting them changes nothing), else the one used
// least recently.
const maxThrottleBuckets = 10000

// Throttle answers 429 TooManyRequests with Retry-After, as Graph does, to a
// session that sends more than its rate: a token bucket per session refilled
// at RequestsPerSecond up to Burst. It is safe for concurrent use; its zero
// value is not (use NewThrottle).
type Throttle struct {
	now     func() time.Time
	mu      sync.Mutex
	cfg     ThrottleConfig
	buckets map[string]*tokenBucket
}

// tokenBucket is one session's allowance at a moment.
type tokenBucket struct {
	tokens float64
	at     time.Time
}

// NewThrottle returns a Throttle with no limit set, reading time from now
// (nil means time.Now).
func NewThrottle(now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{now: now, buckets: map[string]*tokenBucket{}}
}

// Set validates c and makes it the limit, starting every session with a
// full bucket. RequestsPerSecond 0 removes the limit. It returns a
// *ControlParamError naming the field that is not valid.
func (t *Throttle) Set(c ThrottleConfig) error {
	if c.RequestsPerSecond < 0 || math.IsNaN(c.RequestsPerSecond) || math.IsInf(c.RequestsPerSecond, 0) {
		return &ControlParamError{Name: "requestsPerSecond", Value: strconv.FormatFloat(c.RequestsPerSecond, 'g', -1, 64), Reason: "expected a number above 0 (or 0 for no limit)"}
	}
	if c.Burst < 0 {
		return &ControlParamError{Name: "burst", Value: strconv.Itoa(c.Burst), Reason: "expected 0 (the rate rounded up) or more"}
	}
	if c.RequestsPerSecond > 0 && c.Burst == 0 {
		c.Burst = max(1, int(math.Ceil(c.RequestsPerSecond)))
	}
	if c.RequestsPerSecond == 0 {
		c = ThrottleConfig{}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cfg = c
	clear(t.buckets)
	return nil
}

// Config returns the limit in force (zero when there is none).
func (t *Throttle) Config() ThrottleConfig {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cfg
}

// allow takes one token from the session's bucket. When there is none it
// reports false and how long until there is one.
func (t *Throttle) allow(session string) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cfg.RequestsPerSecond <= 0 {
		return 0, true
	}
	now := t.now()
	b := t.buckets[session]
	if b == nil {
		if len(t.buckets) >= maxThrottleBuckets {
			t.forgetFullLocked(now)
		}
		b = &tokenBucket{tokens: float64(t.cfg.Burst), at: now}
		t.buckets[session] = b
	}
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = min(float64(t.cfg.Burst), b.tokens+elapsed.Seconds()*t.cfg.RequestsPerSecond)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	// A tiny rate overflows time.Duration (and wraps negative): cap the wait.
	secs := min((1-b.tokens)/t.cfg.RequestsPerSecond, maxThrottleWait.Seconds())
	return time.Duration(secs * float64(time.Second)), false
}

// forgetFullLocked drops the buckets that have refilled by now. When that
// frees nothing (a slow rate, a fresh session per request), it drops the
// bucket used least recently: that session starts again with a full bucket,
// as any new session does.
func (t *Throttle) forgetFullLocked(now time.Time) {
	var oldest string
	var at time.Time
	found := false
	for s, b := range t.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*t.cfg.RequestsPerSecond >= float64(t.cfg.Burst) {
			delete(t.buckets, s)
			continue
		}
		if !found || b.at.Before(at) {
			oldest, at, found = s, b.at, true
		}
	}
	if found && len(t.buckets) >= maxThrottleBuckets {
		delete(t.buckets, oldest)
	}
}

// maxThrottleWait is the longest wait a Throttle reports (about 31 years).
const maxThrottleWait = 1e9 * time.Second

// retryAfterSeconds renders a wait as Retry-After: whole seconds rounded up,
// at least 1, since common clients (Kiota) drop the fraction.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

// throttleRequests returns middleware that answers 429 TooManyRequests with
// Retry-After, through writeErr, to requests over the session's rate.
// Control API calls and /healthz are never throttled.
func throttleRequests(t *Throttle, sessionOf func(*http.Request) string, writeErr graphErrorFunc) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if t == nil || journalSkipped(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			wait, ok := t.allow(sessionOf(r))
			if ok {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Retry-After", retryAfterSeconds(wait))
			writeErr(w, r, http.StatusTooManyRequests, faultStatuses[http.StatusTooManyRequests].code, faultStatuses[http.StatusTooManyRequests].message)
		})
	}
}
