package journal

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// TestMiddlewareDoesNotReadAhead reproduces issue #10 part 4: the journal
// read up to its body limit before the handler ran, so a handler that
// refuses a request unread (401, 413) waited for a body the client never
// sent, and a client that sent "Expect: 100-continue" was told to go on.
// Over a raw socket: the handler answers 401 without reading; the client
// gets the 401 first (no "100 Continue"), and the entry has no body.
func TestMiddlewareDoesNotReadAhead(t *testing.T) {
	j := New(Config{})
	h := Middleware(j, func(*http.Request) string { return "s" })(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
		}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second)) // a hang fails, not a slow machine
	_, err = io.WriteString(c, "PATCH /beta/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"Content-Length: 10000000000\r\nExpect: 100-continue\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("first response = %d; want 401 (no 100 Continue)", resp.StatusCode)
	}
	c.Close()
	waitEntries(t, j, "s", 1)
	if e := j.Entries("s", Filter{})[0]; e.Body != "" || e.Status != 401 {
		t.Errorf("entry body %q status %d; want no body (never read) and 401", e.Body, e.Status)
	}
}

// TestMiddlewareKeepsWhatHandlerRead: the entry holds the bytes the handler
// read, cut to the body limit.
func TestMiddlewareKeepsWhatHandlerRead(t *testing.T) {
	tests := []struct {
		name      string
		read      int64 // bytes the handler reads; -1 all
		limit     int
		body      string
		want      string
		truncated bool
	}{
		{"all, under limit", -1, 100, "hello", "hello", false},
		{"all, exactly limit", -1, 5, "hello", "hello", false},
		{"all, over limit", -1, 3, "hello", "hel", true},
		{"part", 2, 100, "hello", "he", false},
		{"none", 0, 100, "hello", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := New(Config{BodyBytes: tt.limit})
			h := Middleware(j, func(*http.Request) string { return "s" })(
				http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if tt.read < 0 {
						_, _ = io.ReadAll(r.Body)
					} else {
						_, _ = io.CopyN(io.Discard, r.Body, tt.read)
					}
				}))
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			resp, err := srv.Client().Post(srv.URL+"/beta/x", "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			e := j.Entries("s", Filter{})[0]
			if e.Body != tt.want || e.BodyTruncated != tt.truncated {
				t.Errorf("Body, BodyTruncated = %q, %v; want %q, %v", e.Body, e.BodyTruncated, tt.want, tt.truncated)
			}
		})
	}
}

// TestMiddlewareRecordsDrop: a handler that takes over the connection is
// recorded with status 0 before the client sees the connection close.
func TestMiddlewareRecordsDrop(t *testing.T) {
	j := New(Config{})
	h := Middleware(j, func(*http.Request) string { return "s" })(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("request-id", "rid-drop")
			c, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			if n := len(j.Entries("s", Filter{})); n != 1 {
				t.Errorf("entries before the close = %d; want 1", n)
			}
			c.Close()
		}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	if resp, err := srv.Client().Get(srv.URL + "/beta/x"); err == nil {
		resp.Body.Close()
		t.Fatalf("GET answered %d; want the connection dropped", resp.StatusCode)
	}
	got := j.Entries("s", Filter{})
	if len(got) != 1 || got[0].Status != 0 || got[0].RequestID != "rid-drop" {
		t.Errorf("entries = %+v; want one with status 0 and request-id rid-drop", got)
	}
}

// TestMiddlewareRecordsPanic: a handler that panics is recorded (status 0)
// and the panic goes on.
func TestMiddlewareRecordsPanic(t *testing.T) {
	j := New(Config{})
	h := Middleware(j, func(*http.Request) string { return "s" })(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }))
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("recover() = %v; want http.ErrAbortHandler passed on", v)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/beta/x", nil))
	}()
	if got := j.Entries("s", Filter{}); len(got) != 1 || got[0].Status != 0 {
		t.Errorf("entries = %+v; want one with status 0", got)
	}
}

// TestMiddlewareOff: a journal of size 0 (or none) adds nothing to the chain.
func TestMiddlewareOff(t *testing.T) {
	var next http.Handler = http.NewServeMux()
	for _, j := range []*Journal{nil, New(Config{Size: -1})} {
		if h := Middleware(j, nil)(next); h != next {
			t.Errorf("Middleware(off) = %T; want next itself", h)
		}
	}
	if h := Middleware(New(Config{}), nil)(next); h == next {
		t.Errorf("Middleware(on) is next; want a recording handler")
	}
}

// waitEntries waits until the session has n entries: the server records
// after it wrote the answer the client already read.
func waitEntries(tb testing.TB, j *Journal, session string, n int) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(j.Entries(session, Filter{})) < n {
		if time.Now().After(deadline) {
			tb.Fatalf("session %s: %d entries; want %d", session, len(j.Entries(session, Filter{})), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestMiddlewareKeepsLimitAcrossReads: a handler that reads the body a byte
// at a time still gets it whole, and the entry keeps exactly the limit.
func TestMiddlewareKeepsLimitAcrossReads(t *testing.T) {
	j := New(Config{BodyBytes: 4})
	var read string
	h := Middleware(j, func(*http.Request) string { return "s" })(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(iotest.OneByteReader(r.Body))
			read = string(b)
		}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/beta/x", strings.NewReader("abcdefgh")))
	e := j.Entries("s", Filter{})[0]
	if read != "abcdefgh" || e.Body != "abcd" || !e.BodyTruncated {
		t.Errorf("handler read %q; entry %q truncated %v; want abcdefgh, abcd, true", read, e.Body, e.BodyTruncated)
	}
}
