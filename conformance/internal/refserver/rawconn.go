package refserver

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"sync"
)

// Go's server canonicalizes header names before a handler sees them; the
// flaw HeaderNamesCaseSensitive needs them as they were sent, so the server
// can record what its connections read (Listen, ConnContext).

// maxRecorded bounds what a connection keeps of what it read: the header of
// the request being served is read last before its handler runs.
const maxRecorded = 64 << 10

// recordingConn keeps the latest bytes read from a connection.
type recordingConn struct {
	net.Conn
	mu   sync.Mutex
	read []byte
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.read = append(c.read, p[:n]...)
	if len(c.read) > maxRecorded {
		c.read = append([]byte(nil), c.read[len(c.read)-maxRecorded:]...)
	}
	c.mu.Unlock()
	return n, err
}

// recordingListener hands out recording connections.
type recordingListener struct{ net.Listener }

func (l recordingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: c}, nil
}

// Listen returns l with connections that record what they read; serve the
// Server on it, with ConnContext as the http.Server's, for
// HeaderNamesCaseSensitive.
func (s *Server) Listen(l net.Listener) net.Listener { return recordingListener{l} }

// connKey is the context key of a request's recording connection.
type connKey struct{}

// ConnContext makes a connection's recording available to its requests.
func (s *Server) ConnContext(ctx context.Context, c net.Conn) context.Context {
	if rc, ok := c.(*recordingConn); ok {
		return context.WithValue(ctx, connKey{}, rc)
	}
	return ctx
}

// rawHeaderNames returns the header names of r as the client wrote them, nil
// when the connection was not recorded.
func rawHeaderNames(r *http.Request) []string {
	rc, ok := r.Context().Value(connKey{}).(*recordingConn)
	if !ok {
		return nil
	}
	rc.mu.Lock()
	read := bytes.Clone(rc.read)
	rc.mu.Unlock()
	i := bytes.LastIndex(read, []byte(r.Method+" "+r.RequestURI+" HTTP/"))
	if i < 0 {
		return nil
	}
	head, _, _ := bytes.Cut(read[i:], []byte("\r\n\r\n"))
	var names []string
	for _, line := range bytes.Split(head, []byte("\r\n"))[1:] {
		if name, _, ok := bytes.Cut(line, []byte(":")); ok {
			names = append(names, string(name))
		}
	}
	return names
}
