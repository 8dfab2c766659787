// Command bare is the baseline of scripts/throughput.sh: a plain net/http
// server doing the same JSON work as alertmock's PATCH and GET of one alert
// (decode the body, change the alert under a mutex, encode the whole alert),
// with no routing from the description, no auth, no validation, no sessions,
// no middleware and no log. It serves the seed dataset (alert.Seed(0)) on
// the loopback address given by -addr and prints its base URL.
//
// It is a measuring tool, not part of the mock's API; the handler is
// internal/bare, which the in-process benchmarks use too.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/partner-security/alertmock/internal/bare"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (port 0 picks a free one)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stdout, "http://%s/beta\n", ln.Addr())
	log.Fatal(http.Serve(ln, bare.Handler()))
}
