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
	// DefaultSessionBytes is the memory budget of one session's entries
	// when Config.SessionBytes is zero (1 MiB).
	DefaultSessionBytes = 1 << 20
	// DefaultTotalBytes is the memory budget of all entries when
	// Config.TotalBytes is zero (64 MiB).
	DefaultTotalBytes = 64 << 20
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
	// Header holds the request headers, with secrets redacted (see Redact);
	// a value beyond 4 KiB is cut and ends in "…[truncated]".
	Header http.Header `json:"headers"`
	// HeadersTruncated reports that headers past 16 KiB (names and values)
	// were left out of Header.
	HeadersTruncated bool `json:"headersTruncated,omitempty"`
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
// DefaultMaxSessions sessions with DefaultBodyBytes of body, within
// DefaultSessionBytes per session and DefaultTotalBytes in all, by time.Now.
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
	// SessionBytes is the memory budget of one session's entries: past it
	// the session's oldest entries are dropped. 0 (or negative) means
	// DefaultSessionBytes; more than TotalBytes means TotalBytes.
	SessionBytes int64
	// TotalBytes is the memory budget of all entries: past it the oldest
	// entries of any session are dropped. 0 (or negative) means
	// DefaultTotalBytes.
	TotalBytes int64
	// Now is the clock of Entry.Time; nil means time.Now.
	Now func() time.Time
}

// Journal keeps, per session, the last requests: at most Size entries of
// each session, each with its path, query and header values cut to 4 KiB,
// its headers to 16 KiB and its body to the body limit, and dropped oldest
// first while a session's entries cost more than SessionBytes or all of them
// more than TotalBytes. The cost of an entry is an estimate of the heap it
// holds (its bytes and a fixed overhead; see cost); the newest entry is
// always kept, so the journal may exceed a budget by one entry. It is safe
// for concurrent use; make one with New.
type Journal struct {
	size         int
	maxBody      int
	maxRings     int
	sessionBytes int64
	totalBytes   int64
	now          func() time.Time

	mu       sync.Mutex
	seq      int64
	sessions map[string]*ring
	order    []ref // kept entries (and some dropped ones) in the order recorded
	head     int   // order[:head] is consumed
	live     int   // entries kept
	bytes    int64 // their cost
}

// ring is one session's entries, oldest first from head: they come in at
// the end and leave from the front.
type ring struct {
	name    string
	entries []stored
	head    int
	bytes   int64 // cost of entries[head:]
	last    int64 // Seq of the newest entry
	gone    bool  // forgotten (Clear, eviction)
}

// stored is an entry as the journal keeps it: the headers as a flat list of
// name, value pairs (half the memory of an http.Header map), already
// redacted; entry.Header is nil.
type stored struct {
	entry  Entry
	header []string
	cost   int64
}

// ref names an entry of order: its ring and its Seq. It is stale once the
// ring dropped the entry (a ring keeps a run of its newest entries, so an
// entry is kept exactly when its Seq is at least the ring's oldest).
type ref struct {
	r   *ring
	seq int64
}

// kept reports whether the entry x names is still in its ring.
func (x ref) kept() bool {
	r := x.r
	return !r.gone && r.head < len(r.entries) && x.seq >= r.entries[r.head].entry.Seq
}

// New returns a Journal configured by c.
func New(c Config) *Journal {
	j := &Journal{size: c.Size, maxBody: c.BodyBytes, maxRings: c.MaxSessions, now: c.Now,
		sessionBytes: c.SessionBytes, totalBytes: c.TotalBytes, sessions: map[string]*ring{}}
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
	if j.totalBytes <= 0 {
		j.totalBytes = DefaultTotalBytes
	}
	if j.sessionBytes <= 0 {
		j.sessionBytes = DefaultSessionBytes
	}
	j.sessionBytes = min(j.sessionBytes, j.totalBytes)
	if j.now == nil {
		j.now = time.Now
	}
	return j
}

// Size is the number of entries kept per session (0: the journal is off).
func (j *Journal) Size() int { return j.size }

// BodyLimit is the number of body bytes kept per entry.
func (j *Journal) BodyLimit() int { return j.maxBody }

// Budgets returns the memory budgets of one session's entries and of all of
// them, in bytes (see Config).
func (j *Journal) Budgets() (session, total int64) { return j.sessionBytes, j.totalBytes }

// entryOverhead is what an entry holds besides the bytes of its strings:
// the Entry and stored structs, the slice of header pairs, string headers
// and allocation rounding, and its place in the order (measured with
// TestCostTracksHeap).
const entryOverhead = 256

// pairOverhead is the heap of one header name, value pair besides its bytes
// (two string headers in the flat slice, two allocations).
const pairOverhead = 32

// cost estimates the heap a stored entry holds.
func cost(se *stored) int64 {
	e := &se.entry
	n := entryOverhead + len(e.Session) + len(e.Method) + len(e.Path) + len(e.Query) + len(e.Body) + len(e.RequestID)
	for _, p := range se.header {
		n += len(p)
	}
	return int64(n + len(se.header)/2*pairOverhead)
}

// Record adds e to the session's entries, numbering it, then drops the
// oldest entries of the session while it has more than Size or costs more
// than SessionBytes, and the oldest entries of any session while all cost
// more than TotalBytes (never e itself). It keeps a copy of e.Header and
// e.Query with secrets redacted (see Redact, RedactQuery), never e.Header
// itself.
func (j *Journal) Record(session string, e Entry) {
	if j.size == 0 {
		return
	}
	e.Session = session
	se := stored{}
	se.header, e.HeadersTruncated = flattenRedacted(e.Header)
	e.Header = nil
	// Method, path and query may be substrings of the request line (up to
	// 1 MB): keeping one would keep the whole line. Cut and copied.
	e.Method, e.Path, e.Query = cutCopy(e.Method), cutCopy(e.Path), cutCopy(RedactQuery(e.Query))
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	se.entry = e
	se.cost = cost(&se)
	r := j.sessions[session]
	if r == nil {
		j.evictLocked()
		r = &ring{name: session}
		j.sessions[session] = r
	}
	r.last = e.Seq
	r.entries = append(r.entries, se)
	r.bytes += se.cost
	j.bytes += se.cost
	j.live++
	j.order = append(j.order, ref{r, e.Seq})
	for n := len(r.entries) - r.head; n > j.size || (n > 1 && r.bytes > j.sessionBytes); n-- {
		j.dropOldestLocked(r)
	}
	for j.bytes > j.totalBytes && j.live > 1 {
		x := j.order[j.head]
		j.order[j.head] = ref{}
		j.head++
		if x.kept() {
			j.dropOldestLocked(x.r)
		}
	}
	j.compactLocked()
}

// dropOldestLocked drops the oldest entry of r, and forgets r's session
// when that was its last.
func (j *Journal) dropOldestLocked(r *ring) {
	se := &r.entries[r.head]
	r.bytes -= se.cost
	j.bytes -= se.cost
	j.live--
	*se = stored{}
	r.head++
	switch {
	case r.head == len(r.entries):
		// Its last entry: the session has none left. (Only the total
		// budget empties a ring; the newest entry is never dropped.)
		r.entries, r.head, r.gone = nil, 0, true
		delete(j.sessions, r.name)
	case r.head >= 16 && r.head*2 >= len(r.entries):
		r.entries = append(r.entries[:0:0], r.entries[r.head:]...)
		r.head = 0
	}
}

// compactLocked drops the consumed front of the order and the refs of
// entries no longer kept once they are most of it, so the order stays
// within a small multiple of the entries kept.
func (j *Journal) compactLocked() {
	if n := len(j.order) - j.head; n <= 2*j.live+64 {
		return
	}
	kept := make([]ref, 0, 2*j.live+1)
	for _, x := range j.order[j.head:] {
		if x.kept() {
			kept = append(kept, x)
		}
	}
	j.order, j.head = kept, 0
}

// forgetLocked removes a session and all its entries.
func (j *Journal) forgetLocked(name string) {
	r := j.sessions[name]
	if r == nil {
		return
	}
	j.bytes -= r.bytes
	j.live -= len(r.entries) - r.head
	r.gone, r.entries, r.bytes = true, nil, 0
	delete(j.sessions, name)
	j.compactLocked()
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
		j.forgetLocked(oldest)
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
	for i := r.head; i < len(r.entries); i++ {
		se := &r.entries[i]
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
	j.forgetLocked(session)
}

// ClearAll forgets the entries of every session.
func (j *Journal) ClearAll() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, r := range j.sessions {
		r.gone = true
	}
	clear(j.sessions)
	j.order, j.head, j.live, j.bytes = nil, 0, 0, 0
}
