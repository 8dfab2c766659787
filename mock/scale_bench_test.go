package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/partner-security/alertmock/internal/gen"
	"github.com/partner-security/alertmock/mock/alert"
)

// The scale benchmarks run each operation at 1k, 10k and 100k alerts (100k
// skipped with -short) and report, besides ns/op, "x1k": the time per
// operation as a multiple of the 1k case measured in the same run. A flat
// x1k is a cost that does not grow with the dataset:
//
//	go test ./mock -run '^$' -bench 'Scale[^S]' -benchtime 30x
//	go test ./mock -run '^$' -bench 'ScaleStart' -benchtime 1x
var scaleSizes = []int{1_000, 10_000, 100_000}

// scaleData caches the generated datasets, their JSON and their decoded
// alerts (decoding 100k alerts takes seconds: once per run).
var scaleData = struct {
	sync.Mutex
	json    map[int][]byte
	decoded map[int][]alert.Alert
}{json: map[int][]byte{}, decoded: map[int][]alert.Alert{}}

func scaleJSON(b *testing.B, n int) []byte {
	scaleData.Lock()
	defer scaleData.Unlock()
	return scaleJSONLocked(b, n)
}

func scaleJSONLocked(b *testing.B, n int) []byte {
	if j, ok := scaleData.json[n]; ok {
		return j
	}
	j, err := json.Marshal(map[string]any{"value": gen.Alerts(n)})
	if err != nil {
		b.Fatal(err)
	}
	scaleData.json[n] = j
	return j
}

// scaleAlerts returns the n alerts decoded from their JSON as -data does
// (shared: the Server copies them).
func scaleAlerts(b *testing.B, n int) []alert.Alert {
	scaleData.Lock()
	defer scaleData.Unlock()
	if as, ok := scaleData.decoded[n]; ok {
		return as
	}
	as, err := DecodeAlerts(scaleJSONLocked(b, n))
	if err != nil {
		b.Fatal(err)
	}
	scaleData.decoded[n] = as
	return as
}

// scaleRun runs f as a sub-benchmark per size and reports x1k.
func scaleRun(b *testing.B, f func(b *testing.B, n int)) {
	var base float64
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("alerts=%dk", n/1000), func(b *testing.B) {
			if n > 10_000 && testing.Short() {
				b.Skip("100k alerts: skipped with -short")
			}
			f(b, n)
			per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if n == scaleSizes[0] {
				base = per
			}
			if base > 0 {
				b.ReportMetric(per/base, "x1k")
			}
		})
	}
}

// scaleServer starts a Server over n generated alerts (from their JSON, as
// -data does), with a state file when durable.
func scaleServer(b *testing.B, n int, durable bool) *Server {
	b.Helper()
	cfg := Config{Alerts: scaleAlerts(b, n)}
	var err error
	if durable {
		if cfg.Persistence, err = OpenState(filepath.Join(b.TempDir(), "state.db")); err != nil {
			b.Fatal(err)
		}
	}
	s, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// serve sends one request to s and fails unless it is a 200.
func serve(b *testing.B, s http.Handler, method, target, session, body string) *httptest.ResponseRecorder {
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	r.Header.Set("Authorization", "Bearer bench")
	r.Header.Set(HeaderSession, session)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		b.Fatalf("%s %s: %d %.300s", method, target, w.Code, w.Body)
	}
	return w
}

const scaleList = "/beta/security/partner/securityAlerts"

// BenchmarkScaleStart: decoding and validating the -data JSON and New.
func BenchmarkScaleStart(b *testing.B) {
	scaleRun(b, func(b *testing.B, n int) {
		data := scaleJSON(b, n)
		b.ReportAllocs()
		for b.Loop() {
			alerts, err := DecodeAlerts(data)
			if err != nil {
				b.Fatal(err)
			}
			s, err := New(Config{Alerts: alerts})
			if err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
}

// BenchmarkScaleNewSession: the first request of a new session (GET one alert).
func BenchmarkScaleNewSession(b *testing.B) {
	scaleRun(b, func(b *testing.B, n int) {
		s := scaleServer(b, n, false)
		target := scaleList + "/" + gen.ID(n/2)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			serve(b, s, "GET", target, fmt.Sprint("new-", i), "")
		}
	})
}

// BenchmarkScaleList: the list queries of the scale table, in a session with
// changes.
func BenchmarkScaleList(b *testing.B) {
	queries := []struct{ name, query string }{
		{"filter-status", "?$filter=status%20eq%20'active'&$top=100"},
		{"orderby-detected-desc", "?$orderby=detectedDateTime%20desc&$top=100"},
		{"count", "?$count=true&$top=1"},
		{"count-filter-status", "?$count=true&$top=1&$filter=status%20eq%20'investigating'"},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			scaleRun(b, func(b *testing.B, n int) {
				s := scaleServer(b, n, false)
				for i := range 50 { // a session with some changes
					serve(b, s, "PATCH", scaleList+"/"+gen.ID(i*(n/50)), "q", `{"status":"investigating"}`)
				}
				b.ReportAllocs()
				for b.Loop() {
					serve(b, s, "GET", scaleList+q.query, "q", "")
				}
			})
		})
	}
}

// BenchmarkScalePatch: a status-changing PATCH, in memory and with a state
// file (one fsynced commit each); the activity log grows with every
// iteration, which must not make a change cost more.
func BenchmarkScalePatch(b *testing.B) {
	for _, durable := range []bool{false, true} {
		name := "memory"
		if durable {
			name = "state-file"
		}
		b.Run(name, func(b *testing.B) {
			scaleRun(b, func(b *testing.B, n int) {
				s := scaleServer(b, n, durable)
				bodies := []string{`{"status":"investigating"}`, `{"status":"active"}`}
				target := scaleList + "/" + gen.ID(0)
				serve(b, s, "PATCH", target, "p", `{"status":"active"}`)
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					serve(b, s, "PATCH", target, "p", bodies[i%2])
				}
			})
		})
	}
}
