// Package journal keeps, per session, the last requests a server received,
// with their secrets redacted.
package journal

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Defaults of a Journal (see Config).
const (
	// DefaultSize is how many requests a Journal keeps per session when
	// Config.Size is zero.
	DefaultSize = 100
	// DefaultBodyBytes is how many bytes of a request body a Journal keeps
	// when Config.BodyBytes is zero; longer bodies are cut and marked.
	DefaultBodyBytes = 4096
	// DefaultMaxSessions is how many sessions a Journal keeps when
	// Config.MaxSessions is zero.
	DefaultMaxSessions = 1000
)

// Entry is one request as the server received it and the status it
// answered. Entries are copies: changing one does not change the journal.
type Entry struct {
	// Seq numbers the requests the Journal recorded, across all sessions,
	// from 1; a later request has a higher number.
	Seq int64 `json:"seq"`
	// Time is when the request arrived (the journal's clock).
	Time time.Time `json:"time"`
	// Session is the session the request belonged to.
	Session string `json:"session"`
	// Method is the HTTP method, e.g. "PATCH".
	Method string `json:"method"`
	// Path is the URL path as sent, e.g. "/beta/security/partner/securityAlerts/x";
	// beyond 4 KiB it is cut and ends in "…[truncated]".
	Path string `json:"path"`
	// Query is the raw query string without "?", e.g. "$top=5", with the
	// values of parameters that carry secrets (access_token, …) replaced by
	// "[redacted]"; cut as Path is.
	Query string `json:"query"`
	// Header holds the request headers, with secrets redacted (see Redact).
	Header http.Header `json:"headers"`
	// Body is the part of the request body the server read, at most the
	// Journal's body limit of it. A request refused before its body was read
	// (401, 413) has none: the journal never reads a body itself.
	Body string `json:"body"`
	// BodyTruncated reports that Body holds only the start of a longer body.
	BodyTruncated bool `json:"bodyTruncated,omitempty"`
	// Status is the status the server answered, or 0 when it answered none
	// (the connection was dropped).
	Status int `json:"status"`
	// RequestID is the response's request-id header.
	RequestID string `json:"requestId"`
	// Batch, for a request sent inside a JSON batch (POST /beta/$batch),
	// names the batch and the request's id in it; nil otherwise.
	Batch *Batch `json:"batch,omitempty"`
}

// Batch links a journal entry to the JSON batch it came in.
type Batch struct {
	// RequestID is the request-id of the batch (the $batch request itself).
	RequestID string `json:"requestId"`
	// ID is the request's id inside the batch.
	ID string `json:"id"`
}

// batchKey is the context key of WithBatch.
type batchKey struct{}

// WithBatch returns ctx marked as that of a request sent inside the batch b:
// Middleware records b in the request's entry.
func WithBatch(ctx context.Context, b Batch) context.Context {
	return context.WithValue(ctx, batchKey{}, &b)
}

// batchOf returns the batch link of a request's context, or nil.
func batchOf(ctx context.Context) *Batch {
	b, _ := ctx.Value(batchKey{}).(*Batch)
	return b
}

// Config configures a Journal. The zero value keeps DefaultSize entries of
// DefaultMaxSessions sessions with DefaultBodyBytes of body, by time.Now.
type Config struct {
	// Size is how many entries are kept per session; 0 means DefaultSize,
	// negative keeps none (the journal is off).
	Size int
	// BodyBytes is how many bytes of each body an entry keeps; 0 (or
	// negative) means DefaultBodyBytes.
	BodyBytes int
	// MaxSessions is how many sessions are kept; when one more would exceed
	// it, the session recorded least recently is forgotten. 0 (or negative)
	// means DefaultMaxSessions.
	MaxSessions int
	// Now is the clock of Entry.Time; nil means time.Now.
	Now func() time.Time
}

// Journal keeps, per session, the last requests: a ring of a fixed number of
// entries, each with a body cut to a fixed length, so its memory is bounded
// by sessions × size × (16 KiB of headers + body limit). It is safe for
// concurrent use; make one with New.
type Journal struct {
	size     int
	maxBody  int
	maxRings int
	now      func() time.Time
	mu       sync.Mutex
	seq      int64
	sessions map[string]*ring
}

// ring is one session's entries: it grows to the journal's size, then
// overwrites the oldest entry.
type ring struct {
	entries []stored
	next    int   // where the next entry goes once entries is full
	last    int64 // Seq of the newest entry
}

// stored is an entry as the journal keeps it: the headers as a flat list of
// name, value pairs (half the memory of an http.Header map), already
// redacted; entry.Header is nil.
type stored struct {
	entry  Entry
	header []string
}

// New returns a Journal configured by c.
func New(c Config) *Journal {
	j := &Journal{size: c.Size, maxBody: c.BodyBytes, maxRings: c.MaxSessions, now: c.Now, sessions: map[string]*ring{}}
	if j.size == 0 {
		j.size = DefaultSize
	}
	if j.size < 0 {
		j.size = 0
	}
	if j.maxBody <= 0 {
		j.maxBody = DefaultBodyBytes
	}
	if j.maxRings <= 0 {
		j.maxRings = DefaultMaxSessions
	}
	if j.now == nil {
		j.now = time.Now
	}
	return j
}

// Size is the number of entries kept per session (0: the journal is off).
func (j *Journal) Size() int { return j.size }

// BodyLimit is the number of body bytes kept per entry.
func (j *Journal) BodyLimit() int { return j.maxBody }

// Record adds e to the session's entries, numbering it, dropping the oldest
// entry when the session's ring is full. It keeps a copy of e.Header and
// e.Query with secrets redacted (see Redact, RedactQuery), never e.Header itself.
func (j *Journal) Record(session string, e Entry) {
	if j.size == 0 {
		return
	}
	e.Session = session
	se := stored{header: flattenRedacted(e.Header)}
	e.Header = nil
	e.Path, e.Query = cutValue(e.Path), cutValue(RedactQuery(e.Query)) // the request line may be 1 MB
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	se.entry = e
	r := j.sessions[session]
	if r == nil {
		j.evictLocked()
		r = &ring{}
		j.sessions[session] = r
	}
	r.last = e.Seq
	if len(r.entries) < j.size {
		r.entries = append(r.entries, se)
		return
	}
	r.entries[r.next] = se
	r.next = (r.next + 1) % j.size
}

// evictLocked forgets the sessions recorded least recently while one more
// would exceed the session cap (a client sending a fresh session per
// request must not grow the journal without bound).
func (j *Journal) evictLocked() {
	for len(j.sessions) >= j.maxRings {
		var oldest string
		var last int64 = -1
		for n, r := range j.sessions {
			if last < 0 || r.last < last {
				oldest, last = n, r.last
			}
		}
		delete(j.sessions, oldest)
	}
}

// Entries returns copies of the session's entries that pass f, oldest first.
// The result is never nil.
func (j *Journal) Entries(session string, f Filter) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []Entry{}
	r := j.sessions[session]
	if r == nil {
		return out
	}
	n := len(r.entries)
	for i := 0; i < n; i++ {
		se := &r.entries[(r.next+i)%n]
		if f.Match(&se.entry) {
			c := se.entry
			c.Header = headerFromPairs(se.header)
			out = append(out, c)
		}
	}
	return out
}

// Sessions returns how many sessions have entries.
func (j *Journal) Sessions() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.sessions)
}

// Clear forgets the session's entries.
func (j *Journal) Clear(session string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.sessions, session)
}

// ClearAll forgets the entries of every session.
func (j *Journal) ClearAll() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.sessions)
}
