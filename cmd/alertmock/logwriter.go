package main

import (
	"io"
	"sync"
	"time"
)

// logWriter gathers log lines and writes them to w together, at most delay
// after the first one, or at once when max bytes are waiting. Under load the
// access log's own write system call per line was about 6 % of the server's
// CPU (docs/performance.md); one write per batch removes it. The cost: a line
// reaches the log up to delay late, and a process killed with SIGKILL loses
// the lines of its last delay. Flush writes what waits (run calls it on the
// way out).
type logWriter struct {
	w     io.Writer
	delay time.Duration
	max   int

	mu    sync.Mutex
	buf   []byte
	timer *time.Timer // pending flush, nil when nothing waits
}

func newLogWriter(w io.Writer, delay time.Duration, max int) *logWriter {
	return &logWriter{w: w, delay: delay, max: max}
}

// Write keeps p for the next flush; it reports the error of a flush it does
// itself.
func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if len(l.buf) >= l.max {
		return len(p), l.flushLocked()
	}
	if l.timer == nil {
		l.timer = time.AfterFunc(l.delay, func() { _ = l.Flush() })
	}
	return len(p), nil
}

// Flush writes every line that waits.
func (l *logWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.flushLocked()
}

func (l *logWriter) flushLocked() error {
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	if len(l.buf) == 0 {
		return nil
	}
	_, err := l.w.Write(l.buf)
	l.buf = l.buf[:0]
	return err
}
