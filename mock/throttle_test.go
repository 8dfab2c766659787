package mock

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestThrottleSetValidates(t *testing.T) {
	th := NewThrottle(nil)
	tests := []struct {
		name  string
		cfg   ThrottleConfig
		field string
		want  ThrottleConfig
	}{
		{"rate", ThrottleConfig{RequestsPerSecond: 2.5}, "", ThrottleConfig{RequestsPerSecond: 2.5, Burst: 3}},
		{"slow", ThrottleConfig{RequestsPerSecond: 0.1}, "", ThrottleConfig{RequestsPerSecond: 0.1, Burst: 1}},
		{"burst", ThrottleConfig{RequestsPerSecond: 1, Burst: 10}, "", ThrottleConfig{RequestsPerSecond: 1, Burst: 10}},
		{"off", ThrottleConfig{Burst: 10}, "", ThrottleConfig{}},
		{"negative rate", ThrottleConfig{RequestsPerSecond: -1}, "requestsPerSecond", ThrottleConfig{}},
		{"negative burst", ThrottleConfig{RequestsPerSecond: 1, Burst: -1}, "burst", ThrottleConfig{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := th.Set(tt.cfg)
			if tt.field != "" {
				var pe *ControlParamError
				if !errors.As(err, &pe) || pe.Name != tt.field {
					t.Fatalf("Set = %v; want a *ControlParamError naming %q", err, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := th.Config(); got != tt.want {
				t.Errorf("Config = %+v; want %+v", got, tt.want)
			}
		})
	}
}

// TestThrottleBucket drives one session with a clock that moves only when
// told: a burst passes, the next request waits, time refills the bucket, and
// other sessions are not affected.
func TestThrottleBucket(t *testing.T) {
	clock := newStepClock()
	th := NewThrottle(clock.Now)
	if err := th.Set(ThrottleConfig{RequestsPerSecond: 2, Burst: 3}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, ok := th.allow("s"); !ok {
			t.Fatalf("request %d of the burst throttled", i+1)
		}
	}
	wait, ok := th.allow("s")
	if ok || wait != 500*time.Millisecond {
		t.Errorf("4th request: allowed %v, wait %v; want false, 500ms", ok, wait)
	}
	if _, ok := th.allow("other"); !ok {
		t.Errorf("another session throttled")
	}
	clock.Advance(500 * time.Millisecond)
	if _, ok := th.allow("s"); !ok {
		t.Errorf("after 500ms at 2/s: throttled; want one request allowed")
	}
	if _, ok := th.allow("s"); ok {
		t.Errorf("second request after 500ms allowed; want throttled")
	}
	clock.Advance(time.Hour)
	for i := 0; i < 3; i++ {
		if _, ok := th.allow("s"); !ok {
			t.Errorf("after an hour, request %d throttled; want a full burst of 3", i+1)
		}
	}
	if err := th.Set(ThrottleConfig{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if _, ok := th.allow("s"); !ok {
			t.Fatalf("throttled with no limit set")
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "1"}, {time.Millisecond, "1"}, {time.Second, "1"}, {1001 * time.Millisecond, "2"}, {10 * time.Second, "10"},
	}
	for _, tt := range tests {
		if got := retryAfterSeconds(tt.d); got != tt.want {
			t.Errorf("retryAfterSeconds(%v) = %q; want %q", tt.d, got, tt.want)
		}
	}
}

func TestThrottleForgetsFullBuckets(t *testing.T) {
	clock := newStepClock()
	th := NewThrottle(clock.Now)
	if err := th.Set(ThrottleConfig{RequestsPerSecond: 1}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < maxThrottleBuckets; i++ {
		th.allow(string(rune('a'+i%26)) + string(rune(i)))
	}
	clock.Advance(2 * time.Second)
	th.allow("new")
	if n := len(th.buckets); n != 1 {
		t.Errorf("buckets after refill = %d; want 1", n)
	}
}

// TestThrottleUnderLoad sends 3 × burst requests at once over a real socket
// with the clock standing still: exactly burst pass, the rest get 429 with
// Retry-After; once the clock moves on a second, requests pass again.
func TestThrottleUnderLoad(t *testing.T) {
	clock := newStepClock()
	th := NewThrottle(clock.Now)
	const burst = 5
	if err := th.Set(ThrottleConfig{RequestsPerSecond: burst}); err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	srv := httptest.NewServer(throttleRequests(th, func(r *http.Request) string { return r.Header.Get("X-Mock-Session") }, plainGraphError)(ok))
	t.Cleanup(srv.Close)

	get := func(session string) (int, string) {
		req := mustRequest(t, http.MethodGet, srv.URL+"/beta/x")
		req.Header.Set("X-Mock-Session", session)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Error(err)
			return 0, ""
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for i := 0; i < 3*burst; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, ra := get("load")
			if st == http.StatusTooManyRequests && ra != "1" {
				t.Errorf("429 Retry-After = %q; want %q", ra, "1")
			}
			mu.Lock()
			counts[st]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counts[200] != burst || counts[429] != 2*burst {
		t.Errorf("statuses = %v; want %d × 200 and %d × 429", counts, burst, 2*burst)
	}
	if st, _ := get("calm"); st != 200 {
		t.Errorf("other session status = %d; want 200", st)
	}
	ctl := mustRequest(t, http.MethodGet, srv.URL+"/_mock/faults")
	ctl.Header.Set("X-Mock-Session", "load")
	if resp, err := srv.Client().Do(ctl); err != nil || resp.StatusCode != 200 {
		t.Errorf("control API call of a throttled session = %v, %v; want 200 (never throttled)", resp, err)
	} else {
		resp.Body.Close()
	}
	clock.Advance(time.Second)
	for i := 0; i < burst; i++ {
		if st, _ := get("load"); st != 200 {
			t.Errorf("after recovery request %d status = %d; want 200", i+1, st)
		}
	}
}
