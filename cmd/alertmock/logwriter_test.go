package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the flush timer's goroutine.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes++
	return b.b.Write(p)
}

func (b *lockedBuffer) state() (string, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String(), b.writes
}

// TestLogWriterBatches: lines wait for one write; Flush writes them in order.
func TestLogWriterBatches(t *testing.T) {
	var out lockedBuffer
	l := newLogWriter(&out, time.Hour, 1<<20)
	for _, line := range []string{"a\n", "b\n", "c\n"} {
		if n, err := l.Write([]byte(line)); n != len(line) || err != nil {
			t.Fatalf("Write(%q) = %d, %v; want %d, nil", line, n, err, len(line))
		}
	}
	if got, writes := out.state(); got != "" || writes != 0 {
		t.Fatalf("before Flush: %q in %d writes; want nothing written", got, writes)
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, writes := out.state(); got != "a\nb\nc\n" || writes != 1 {
		t.Errorf("after Flush: %q in %d writes; want \"a\\nb\\nc\\n\" in 1", got, writes)
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, writes := out.state(); writes != 1 {
		t.Errorf("an empty Flush wrote; writes = %d; want 1", writes)
	}
}

// TestLogWriterFlushesWhenFull: reaching max writes at once.
func TestLogWriterFlushesWhenFull(t *testing.T) {
	var out lockedBuffer
	l := newLogWriter(&out, time.Hour, 8)
	l.Write([]byte("1234\n"))
	if got, _ := out.state(); got != "" {
		t.Fatalf("under max: %q written; want nothing", got)
	}
	l.Write([]byte("5678\n"))
	if got, writes := out.state(); got != "1234\n5678\n" || writes != 1 {
		t.Errorf("at max: %q in %d writes; want both lines in 1", got, writes)
	}
}

// TestLogWriterFlushesAfterDelay: a line reaches the log on its own soon
// after it was written (no Flush call).
func TestLogWriterFlushesAfterDelay(t *testing.T) {
	var out lockedBuffer
	l := newLogWriter(&out, time.Millisecond, 1<<20)
	l.Write([]byte("late\n"))
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got, _ := out.state(); strings.Contains(got, "late\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the line was never written without a Flush")
		}
		time.Sleep(time.Millisecond)
	}
}
