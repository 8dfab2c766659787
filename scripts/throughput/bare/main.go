// Command bare is the baseline of scripts/throughput.sh: a plain net/http
// server doing the same JSON work as alertmock's PATCH and GET of one alert
// (decode the body, change the alert under a mutex, encode the whole alert),
// with no routing from the description, no auth, no validation, no sessions,
// no middleware and no log. It serves the seed dataset (alert.Seed(0)) on
// the loopback address given by -addr and prints its base URL.
//
// It is a measuring tool, not part of the mock's API (mock/bench_test.go
// has the same handler for the in-process benchmarks).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sync"

	"github.com/partner-security/alertmock/mock/alert"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (port 0 picks a free one)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stdout, "http://%s/beta\n", ln.Addr())
	log.Fatal(http.Serve(ln, handler()))
}

// handler serves GET and PATCH of /beta/security/partner/securityAlerts/{id}.
func handler() http.Handler {
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
