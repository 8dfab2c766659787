package mock

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of the request journal (see Journal).
const (
	// DefaultJournalSize is how many requests a Journal keeps per session when
	// its size is zero.
	DefaultJournalSize = 100
	// DefaultJournalBodyBytes is how many bytes of a request body a Journal
	// keeps when its body limit is zero; longer bodies are cut and marked.
	DefaultJournalBodyBytes = 4096
)

// redacted replaces the value of a header that carries a secret.
const redacted = "[redacted]"

// JournalEntry is one request as the mock received it and the status it
// answered. Entries are copies: changing one does not change the journal.
type JournalEntry struct {
	// Seq numbers the requests the Journal recorded, across all sessions,
	// from 1; a later request has a higher number.
	Seq int64 `json:"seq"`
	// Time is when the request arrived (the server clock).
	Time time.Time `json:"time"`
	// Session is the session the request belonged to.
	Session string `json:"session"`
	// Method is the HTTP method, e.g. "PATCH".
	Method string `json:"method"`
	// Path is the URL path as sent, e.g. "/beta/security/partner/securityAlerts/x";
	// beyond 4 KiB it is cut and ends in "…[truncated]".
	Path string `json:"path"`
	// Query is the raw query string without "?", e.g. "$top=5"; cut as Path is.
	Query string `json:"query"`
	// Header holds the request headers. Authorization, Proxy-Authorization and
	// Cookie are kept with their scheme only ("Bearer [redacted]").
	Header http.Header `json:"headers"`
	// Body is the request body, at most the Journal's body limit of it.
	Body string `json:"body"`
	// BodyTruncated reports that Body holds only the start of a longer body.
	BodyTruncated bool `json:"bodyTruncated,omitempty"`
	// Status is the status the mock answered, or 0 when it answered none (a
	// fault rule dropped the connection).
	Status int `json:"status"`
	// RequestID is the response's request-id header.
	RequestID string `json:"requestId"`
}

// JournalFilter selects journal entries. Its zero value selects all of them;
// every non-zero field must match.
type JournalFilter struct {
	// Method matches the HTTP method, case-insensitively.
	Method string
	// Path is a path pattern (see the README: "*" is any run of characters
	// inside one segment, "**" any run across segments).
	Path string
	// Status matches the response status exactly.
	Status int
	// StatusClass matches the first digit of the status: 4 selects 4xx.
	StatusClass int
}

// ParseJournalFilter reads a JournalFilter from the query parameters method,
// path and status of the control API; status is a code ("429") or a class
// ("4xx"). It returns a *ControlParamError naming the parameter that is not valid.
func ParseJournalFilter(method, path, status string) (JournalFilter, error) {
	f := JournalFilter{Method: method, Path: path}
	if status == "" {
		return f, nil
	}
	if len(status) == 3 && strings.EqualFold(status[1:], "xx") && status[0] >= '1' && status[0] <= '5' {
		f.StatusClass = int(status[0] - '0')
		return f, nil
	}
	n, err := strconv.Atoi(status)
	if err != nil || n < 100 || n > 599 {
		return f, &ControlParamError{Name: "status", Value: status, Reason: "expected a status code such as 429 or a class such as 4xx"}
	}
	f.Status = n
	return f, nil
}

// match reports whether e passes the filter.
func (f JournalFilter) match(e *JournalEntry) bool {
	switch {
	case f.Method != "" && !strings.EqualFold(f.Method, e.Method):
		return false
	case !matchPath(f.Path, e.Path):
		return false
	case f.Status != 0 && f.Status != e.Status:
		return false
	case f.StatusClass != 0 && f.StatusClass != e.Status/100:
		return false
	}
	return true
}

// ControlParamError reports a control API parameter (query or body field) that is
// not valid.
type ControlParamError struct {
	// Name is the parameter or field, e.g. "status" or "value[2].kind".
	Name string
	// Value is the value as sent.
	Value string
	// Reason says what was expected.
	Reason string
}

// Error implements error.
func (e *ControlParamError) Error() string {
	return "Invalid value '" + e.Value + "' for '" + e.Name + "': " + e.Reason + "."
}

// Journal keeps, per session, the last requests the mock received: a ring of
// a fixed number of entries, each with a body cut to a fixed length, so its
// memory is bounded by sessions × size × (16 KiB of headers + body limit). It is safe
// for concurrent use; its zero value is not (use NewJournal). It keeps at most
// DefaultMaxSessions sessions (Config.MaxSessions for a Server's journal),
// forgetting the one recorded least recently first.
type Journal struct {
	size     int
	maxBody  int
	maxRings int // most sessions kept; the one recorded least recently goes first
	now      func() time.Time
	mu       sync.Mutex
	seq      int64
	sessions map[string]*journalRing
}

// journalRing is one session's entries: it grows to the journal's size, then
// overwrites the oldest entry.
type journalRing struct {
	entries []storedEntry
	next    int   // where the next entry goes once entries is full
	last    int64 // Seq of the newest entry
}

// storedEntry is an entry as the journal keeps it: the headers as a flat
// list of name, value pairs (half the memory of an http.Header map), already
// redacted; Entry.Header is nil.
type storedEntry struct {
	entry  JournalEntry
	header []string
}

// NewJournal returns a Journal keeping size entries per session (0 means
// DefaultJournalSize; negative keeps none) with bodies cut to maxBody bytes (0
// means DefaultJournalBodyBytes). now is the clock (nil means time.Now).
func NewJournal(size, maxBody int, now func() time.Time) *Journal {
	if size == 0 {
		size = DefaultJournalSize
	}
	if size < 0 {
		size = 0
	}
	if maxBody <= 0 {
		maxBody = DefaultJournalBodyBytes
	}
	if now == nil {
		now = time.Now
	}
	return &Journal{size: size, maxBody: maxBody, maxRings: DefaultMaxSessions, now: now, sessions: map[string]*journalRing{}}
}

// Size is the number of entries kept per session.
func (j *Journal) Size() int { return j.size }

// BodyLimit is the number of body bytes kept per entry.
func (j *Journal) BodyLimit() int { return j.maxBody }

// Record adds e to the session's entries, numbering it, dropping the oldest
// entry when the session's ring is full. It copies e.Header with credentials
// redacted (see JournalEntry.Header) and does not keep it.
func (j *Journal) Record(session string, e JournalEntry) {
	if j.size == 0 {
		return
	}
	e.Session = session
	se := storedEntry{header: flattenRedacted(e.Header)}
	e.Header = nil
	e.Path, e.Query = cutValue(e.Path), cutValue(e.Query) // the request line may be 1 MB
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	se.entry = e
	r := j.sessions[session]
	if r == nil {
		j.evictLocked()
		r = &journalRing{}
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
// would exceed the journal's session cap (a client sending a fresh session
// per request must not grow the journal without bound).
func (j *Journal) evictLocked() {
	for len(j.sessions) >= j.maxRings && len(j.sessions) > 0 {
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
func (j *Journal) Entries(session string, f JournalFilter) []JournalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []JournalEntry{}
	r := j.sessions[session]
	if r == nil {
		return out
	}
	n := len(r.entries)
	for i := 0; i < n; i++ {
		se := &r.entries[(r.next+i)%n]
		if f.match(&se.entry) {
			c := se.entry
			c.Header = headerFromPairs(se.header)
			out = append(out, c)
		}
	}
	return out
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

// credentialHeader reports whether the journal redacts the values of the
// request header name.
func credentialHeader(name string) bool {
	return name == "Authorization" || name == "Proxy-Authorization" || name == "Cookie"
}

// Bounds of the headers a journal entry keeps: a client may send up to the
// server's header limit (1 MB) with every request.
const (
	// journalHeaderValueBytes is the longest header value kept; longer ones
	// are cut and end in truncatedMark.
	journalHeaderValueBytes = 4096
	// journalHeaderBytes is the most header bytes (names and values) an
	// entry keeps; headers past it are left out.
	journalHeaderBytes = 16 << 10
)

// truncatedMark ends a header value, path or query the journal cut.
const truncatedMark = "…[truncated]"

// cutValue returns v, or its first journalHeaderValueBytes bytes followed by
// truncatedMark.
func cutValue(v string) string {
	if len(v) <= journalHeaderValueBytes {
		return v
	}
	return v[:journalHeaderValueBytes] + truncatedMark
}

// flattenRedacted returns h as name, value pairs in which the values of
// headers that carry credentials keep only their scheme ("Bearer
// [redacted]"; a Cookie keeps nothing). Values are cut to
// journalHeaderValueBytes, and pairs stop at journalHeaderBytes in all.
func flattenRedacted(h http.Header) []string {
	n := 0
	for _, vs := range h {
		n += len(vs)
	}
	pairs := make([]string, 0, 2*n)
	total := 0
	for k, vs := range h {
		for _, v := range vs {
			if credentialHeader(k) {
				v = redactValue(k, v)
			}
			v = cutValue(v)
			if total+len(k)+len(v) > journalHeaderBytes {
				continue
			}
			total += len(k) + len(v)
			pairs = append(pairs, k, v)
		}
	}
	return pairs
}

// redactValue is the redacted form of a credential header's value.
func redactValue(name, v string) string {
	scheme, _, ok := strings.Cut(strings.TrimSpace(v), " ")
	switch {
	case !ok || name == "Cookie":
		return redacted
	case scheme == "Bearer":
		return "Bearer " + redacted // a constant: no allocation per entry
	}
	return scheme + " " + redacted
}

// headerFromPairs rebuilds an http.Header from name, value pairs.
func headerFromPairs(pairs []string) http.Header {
	h := make(http.Header, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		h[pairs[i]] = append(h[pairs[i]], pairs[i+1])
	}
	return h
}
