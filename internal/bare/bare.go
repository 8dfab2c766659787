// Package bare is the baseline the mock's throughput is measured against: a
// plain net/http handler doing the same JSON work as alertmock's PATCH and GET
// of one alert (decode the body, change the alert under a mutex, encode the
// whole alert with json.Marshal), with no routing from the description, no
// auth, no validation, no sessions, no middleware and no log. The in-process
// benchmarks (mock/bench_test.go) and scripts/throughput.sh both use it.
package bare

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"

	"github.com/partner-security/alertmock/mock/alert"
)

// Handler serves GET and PATCH of /beta/security/partner/securityAlerts/{id}.
func Handler() http.Handler {
	var mu sync.Mutex
	alerts := map[string]alert.Alert{}
	for _, a := range alert.Seed(0) {
		alerts[a.ID] = a
	}
	write := func(w http.ResponseWriter, a alert.Alert) {
		b, err := json.Marshal(a)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /beta/security/partner/securityAlerts/{id}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		a, ok := alerts[r.PathValue("id")]
		mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		write(w, a)
	})
	mux.HandleFunc("PATCH /beta/security/partner/securityAlerts/{id}", func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			Status         alert.Status          `json:"status"`
			ResolvedReason *alert.ResolvedReason `json:"resolvedReason"`
		}
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = json.Unmarshal(body, &p)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		a, ok := alerts[r.PathValue("id")]
		if ok {
			a.Status, a.ResolvedReason = p.Status, p.ResolvedReason
			alerts[a.ID] = a
		}
		mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		write(w, a)
	})
	return mux
}
