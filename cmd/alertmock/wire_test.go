package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAnswersBeforeTheMock pins what alertmock's HTTP server answers itself,
// before any handler runs, to malformed HTTP (docs/behaviour.md lists them):
// Go's net/http writes these in text/plain and closes the connection; the
// mock never sees the request. Everything else, odd but parseable, reaches
// the mock and gets its Graph envelope. The only 5xx are 501 (a
// Transfer-Encoding other than one chunked: RFC 9112 §6.1's answer to a
// transfer coding the server does not implement) and 505 (an HTTP version
// other than 1.x, which no HTTP/1 client sends).
func TestAnswersBeforeTheMock(t *testing.T) {
	base, _ := serveRun(t)
	addr := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/beta")
	tests := []struct {
		name     string
		raw      string
		status   int
		envelope bool // the mock's Graph envelope (else Go's text/plain or nothing)
	}{
		{"invalid % escape in the path", "GET /beta/%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, false},
		{"two Content-Length values", "POST /beta/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, false},
		{"Content-Length not a number", "POST /beta/x HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, false},
		{"invalid header name", "GET /beta/x HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", 400, false},
		{"control character in a header value", "GET /beta/x HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n", 400, false},
		{"no Host (HTTP/1.1)", "GET /beta/x HTTP/1.1\r\n\r\n", 400, false},
		{"two Host headers", "GET /beta/x HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, false},
		{"malformed Host", "GET /beta/x HTTP/1.1\r\nHost: a b\r\n\r\n", 400, false},
		{"malformed request line", "G(T /beta/x HTTP/1.1\r\nHost: x\r\n\r\n", 400, false},
		{"headers over 1 MiB", "GET /beta/x HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 1<<20+8192) + "\r\n\r\n", 431, false},
		{"Expect other than 100-continue", "GET /beta/x HTTP/1.1\r\nHost: x\r\nExpect: fancy\r\n\r\n", 417, false},
		{"Transfer-Encoding gzip (malformed: chunked not last)", "POST /beta/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, false},
		{"Transfer-Encoding gzip, chunked", "POST /beta/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501, false},
		{"HTTP/2.0 request line", "GET /beta/x HTTP/2.0\r\nHost: x\r\n\r\n", 505, false},
		{"HTTP/0.9 request line", "GET /beta/x HTTP/0.9\r\nHost: x\r\n\r\n", 505, false},
		// Odd but parseable: the mock answers.
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 404, true},
		{"h2c prior-knowledge preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 404, true},
		{"HTTP/1.2", "GET /beta/x HTTP/1.2\r\nHost: x\r\n\r\n", 404, true},
		{"CONNECT", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", 404, true},
		{"absolute URI of another host", "GET http://other/beta/x HTTP/1.1\r\nHost: x\r\n\r\n", 404, true},
		{"Transfer-Encoding and Content-Length", "POST /beta/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 404, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			go func() { _, _ = io.WriteString(c, tt.raw) }() // the server may answer before it read it all
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("reading the answer: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("Status = %d; want %d\n%s", resp.StatusCode, tt.status, body)
			}
			var env struct{ Error struct{ Code string } }
			isEnvelope := resp.Header.Get("Content-Type") == "application/json" && json.Unmarshal(body, &env) == nil && env.Error.Code != ""
			if isEnvelope != tt.envelope {
				t.Errorf("Graph envelope = %v; want %v (Content-Type %q)\n%s", isEnvelope, tt.envelope, resp.Header.Get("Content-Type"), body)
			}
			if !tt.envelope && !resp.Close {
				t.Errorf("Go's own answer kept the connection; want it closed")
			}
		})
	}
}

// TestPlainHTTPToTLSPort: a plain HTTP request to alertmock -tls gets Go's
// own "400 Bad Request … HTTP request to an HTTPS server" (docs/behaviour.md):
// the TLS layer answers before any handler.
func TestPlainHTTPToTLSPort(t *testing.T) {
	base, _ := serveRun(t, "-tls", "-tls-cert-out", t.TempDir()+"/cert.pem")
	addr := strings.TrimSuffix(strings.TrimPrefix(base, "https://"), "/beta")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET /beta HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "HTTP request to an HTTPS server") {
		t.Errorf("Status = %d %q; want Go's 400 naming the mix-up", resp.StatusCode, body)
	}
}
