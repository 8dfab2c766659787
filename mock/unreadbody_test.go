package mock

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/grapherr"
)

// rawDeadline bounds every raw-socket exchange: a server that waits for a
// body the client has not sent fails the test instead of hanging it (an
// httptest server has no read timeout, so it would wait forever).
const rawDeadline = 10 * time.Second

// rawConn is a client connection that writes bytes as given and reads
// responses one by one.
type rawConn struct {
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(tb testing.TB, root string) *rawConn {
	tb.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(root, "http://"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(rawDeadline))
	return &rawConn{c: c, br: bufio.NewReader(c)}
}

func (rc *rawConn) send(tb testing.TB, s string) {
	tb.Helper()
	if _, err := io.WriteString(rc.c, s); err != nil {
		tb.Fatal(err)
	}
}

// response reads the next response and its body.
func (rc *rawConn) response(tb testing.TB, method string) (*http.Response, []byte) {
	tb.Helper()
	resp, err := http.ReadResponse(rc.br, &http.Request{Method: method})
	if err != nil {
		tb.Fatalf("reading the response: %v (a timeout means the server waited for the body)", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		tb.Fatalf("reading the response body: %v", err)
	}
	return resp, b
}

// closed reports whether the server closed the connection: the next read
// is EOF (a reset also counts), not another response or a timeout.
func (rc *rawConn) closed(tb testing.TB) bool {
	tb.Helper()
	_, err := rc.br.ReadByte()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		tb.Fatalf("the connection is still open after %s", rawDeadline)
	}
	return err != nil
}

// TestEarlyRefusalDoesNotWaitForBody reproduces issue #19 part 1: a request
// announcing a 100-byte body it has not sent yet, on a keep-alive
// connection, got its refusal only after the server's read timeout (60 s in
// alertmock): Go's server reads what is left of the body before it answers.
// Every answer given before the body is read must come at once, end the
// connection ("Connection: close"), and be the Graph envelope; once the
// client sends the announced bytes the server closes its side.
func TestEarlyRefusalDoesNotWaitForBody(t *testing.T) {
	ts := newTestServer(t, Config{
		MaxBodyBytes: 50,
		Faults:       []FaultRule{{Session: "faulted", Kind: FaultStatus, Status: 503}},
	})
	throttled := newTestServer(t, Config{Throttle: ThrottleConfig{RequestsPerSecond: 1.0 / 3600, Burst: 1}})
	if got := throttled.do(t, req{Path: listPath + "?$top=1"}); got.Status != 200 {
		t.Fatalf("first request on the throttled server: %d", got.Status) // uses up the burst
	}
	admin := newTestServer(t, Config{AdminToken: "s3cret"})
	remote := remoteServer(t) // its clients look non-loopback: the control API answers 403

	rw := "Authorization: Bearer " + jwt(map[string]any{"scp": "PartnerSecurity.ReadWrite.All"}) + "\r\n"
	ro := "Authorization: Bearer " + jwt(map[string]any{"scp": "PartnerSecurity.Read.All"}) + "\r\n"
	ctJSON := "Content-Type: application/json\r\n"
	alertURL := "/beta/security/partner/securityAlerts/" + alert.DocumentedID
	tests := []struct {
		name   string
		ts     *testServer
		method string
		target string
		header string // extra header lines, each ending in \r\n
		status int
		code   string // the envelope's code; "" for a success
	}{
		{"401 no token", ts, "PATCH", alertURL, ctJSON, 401, CodeInvalidAuthenticationToken},
		{"403 read-only token", ts, "PATCH", alertURL, ro + ctJSON, 403, CodeForbidden},
		{"404 unknown path", ts, "PATCH", "/beta/security/partner/nothing", rw + ctJSON, 404, CodeResourceNotFound},
		{"405 method", ts, "POST", "/beta/security/partner/securityAlerts", rw + ctJSON, 405, CodeMethodNotAllowed},
		{"413 Content-Length over the limit", ts, "PATCH", alertURL, rw + ctJSON, 413, CodeRequestEntityTooLarge},
		{"415 Content-Type", ts, "PATCH", alertURL, rw + "Content-Type: text/plain\r\n", 415, CodeUnsupportedMediaType},
		{"415 Content-Encoding", ts, "PATCH", alertURL, rw + ctJSON + "Content-Encoding: gzip\r\n", 415, CodeUnsupportedMediaType},
		{"400 session name", ts, "PATCH", alertURL, rw + ctJSON + "X-Mock-Session: " + strings.Repeat("s", MaxSessionNameBytes+1) + "\r\n", 400, CodeBadRequest},
		{"400 query option", ts, "PATCH", alertURL + "?$top=1", rw + ctJSON, 400, CodeBadRequest},
		{"503 fault rule", ts, "PATCH", alertURL, rw + ctJSON + "X-Mock-Session: faulted\r\n", 503, CodeServiceUnavailable},
		{"429 throttle", throttled, "PATCH", alertURL, rw + ctJSON, 429, CodeTooManyRequests},
		{"control 404", ts, "POST", "/_mock/nothing", ctJSON, 404, CodeResourceNotFound},
		{"control 405", ts, "PUT", "/_mock/reset", ctJSON, 405, CodeMethodNotAllowed},
		{"control 400 session name", ts, "POST", "/_mock/sessions/" + strings.Repeat("s", MaxSessionNameBytes+1) + "/alerts", ctJSON, 400, CodeBadRequest},
		{"control 415", ts, "POST", "/_mock/faults", "Content-Type: text/plain\r\n", 415, CodeUnsupportedMediaType},
		{"control 401 admin token", admin, "POST", "/_mock/faults", ctJSON, 401, CodeInvalidAuthenticationToken},
		{"control 403 not loopback", remote, "POST", "/_mock/faults", ctJSON, 403, CodeForbidden},
		{"healthz 405", ts, "POST", "/healthz", ctJSON, 405, CodeMethodNotAllowed},
		{"healthz GET ignores the body", ts, "GET", "/healthz", "", 200, ""},
		{"list GET ignores the body", ts, "GET", "/beta/security/partner/securityAlerts?$top=1", rw, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := dialRaw(t, tt.ts.Root)
			rc.send(t, tt.method+" "+tt.target+" HTTP/1.1\r\nHost: x\r\n"+tt.header+"Content-Length: 100\r\n\r\n")
			resp, body := rc.response(t, tt.method)
			if resp.StatusCode != tt.status {
				t.Fatalf("Status = %d; want %d\n%s", resp.StatusCode, tt.status, body)
			}
			if tt.code != "" {
				var env grapherr.Envelope
				if err := json.Unmarshal(body, &env); err != nil || env.Error.Code != tt.code {
					t.Errorf("body = %s; want the Graph envelope with code %s", body, tt.code)
				}
			}
			if !resp.Close {
				t.Errorf("Connection = %q; want close (the body was not read)", resp.Header.Get("Connection"))
			}
			rc.send(t, strings.Repeat("x", 100)) // the announced body, late
			if !rc.closed(t) {
				t.Errorf("the server kept the connection after a response with Connection: close")
			}
		})
	}
}

// TestReadBodyKeepsConnection: a request whose body the handler read (a
// PATCH answered 200, or 400 for its body) keeps its keep-alive
// connection; closing is only for bodies left unread.
func TestReadBodyKeepsConnection(t *testing.T) {
	ts := newTestServer(t, Config{})
	rc := dialRaw(t, ts.Root)
	head := "PATCH /beta/security/partner/securityAlerts/" + alert.DocumentedID + " HTTP/1.1\r\nHost: x\r\n" +
		"Authorization: Bearer any\r\nContent-Type: application/json\r\n"
	for _, tt := range []struct {
		body   string
		status int
	}{
		{`{"status":"resolved"}`, 200},
		{`{"status":`, 400},
		{`{"status":"active"}`, 200},
	} {
		rc.send(t, head+"Content-Length: "+itoa(len(tt.body))+"\r\n\r\n"+tt.body)
		resp, body := rc.response(t, "PATCH")
		if resp.StatusCode != tt.status || resp.Close {
			t.Fatalf("PATCH %s: Status = %d, close = %v; want %d on a kept connection\n%s", tt.body, resp.StatusCode, resp.Close, tt.status, body)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// remoteServer starts a Server whose listener reports every client as
// 192.0.2.7 (TEST-NET-1), so its control API refuses them with 403 as it
// does clients that are not on loopback.
func remoteServer(tb testing.TB) *testServer {
	tb.Helper()
	s, err := New(Config{})
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(s)
	hs.Listener = remoteListener{hs.Listener}
	hs.Start()
	tb.Cleanup(hs.Close)
	return &testServer{Server: s, Root: hs.URL}
}

// remoteListener hands out connections that name another peer.
type remoteListener struct{ net.Listener }

func (l remoteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return remoteConn{c}, nil
}

type remoteConn struct{ net.Conn }

func (remoteConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 5000} }
