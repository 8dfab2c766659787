package journal

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// worstEntry is an entry at every cap the journal keeps: a 4 KiB path and
// query, 16 KiB of headers, a body at the limit (the middleware cuts it
// there). Strings are fresh, as a request's are.
func worstEntry(i, body int) Entry {
	h := http.Header{}
	for k := range 5 {
		h[fmt.Sprintf("X-Pad-%d", k)] = []string{strings.Repeat(string(rune('a'+k)), 4000)}
	}
	return Entry{
		Method: "PATCH", Path: "/beta/" + strings.Repeat("p", headerValueBytes), Query: "x=" + strings.Repeat("q", headerValueBytes),
		Header: h, Body: strings.Repeat("b", body), BodyTruncated: true, Status: 400, RequestID: fmt.Sprintf("%036d", i),
	}
}

// invariants checks the journal's books against its entries: the cost of
// each session and of all, how many are kept, and the length of the order.
func invariants(tb testing.TB, j *Journal) {
	tb.Helper()
	j.mu.Lock()
	defer j.mu.Unlock()
	var total int64
	live := 0
	for name, r := range j.sessions {
		var b int64
		n := len(r.entries) - r.head
		if n == 0 || n > j.size {
			tb.Fatalf("session %s keeps %d entries; want 1..%d", name, n, j.size)
		}
		for i := r.head; i < len(r.entries); i++ {
			b += r.entries[i].cost
			if i > r.head && r.entries[i].entry.Seq <= r.entries[i-1].entry.Seq {
				tb.Fatalf("session %s: entries out of order", name)
			}
		}
		if b != r.bytes {
			tb.Fatalf("session %s: bytes %d; its entries cost %d", name, r.bytes, b)
		}
		if n > 1 && b > j.sessionBytes {
			tb.Fatalf("session %s: %d entries cost %d; over its budget %d", name, n, b, j.sessionBytes)
		}
		total += b
		live += n
	}
	if total != j.bytes || live != j.live {
		tb.Fatalf("books: %d bytes, %d entries; the sessions hold %d, %d", j.bytes, j.live, total, live)
	}
	if live > 1 && total > j.totalBytes {
		tb.Fatalf("%d entries cost %d; over the budget %d", live, total, j.totalBytes)
	}
	kept := 0
	for _, x := range j.order[j.head:] {
		if x.kept() {
			kept++
		}
	}
	if kept != live {
		tb.Fatalf("the order names %d kept entries; %d are kept", kept, live)
	}
	if n := len(j.order) - j.head; n > 2*live+65 {
		tb.Fatalf("the order holds %d refs for %d entries", n, live)
	}
}

// seqs lists the Seq of a session's entries.
func seqs(j *Journal, session string) []int64 {
	var out []int64
	for _, e := range j.Entries(session, Filter{}) {
		out = append(out, e.Seq)
	}
	return out
}

// TestSessionBudget: past SessionBytes a session drops its oldest entries
// (keeping a run of its newest), other sessions keep theirs.
func TestSessionBudget(t *testing.T) {
	j := New(Config{Size: 100, SessionBytes: 20 << 10, TotalBytes: 1 << 20})
	for i := range 40 {
		j.Record("big", Entry{Path: "/p", Body: strings.Repeat("x", 2000), RequestID: fmt.Sprint(i)})
		j.Record("small", Entry{Path: "/s"})
	}
	invariants(t, j)
	got := j.Entries("big", Filter{})
	if len(got) < 6 || len(got) > 10 {
		t.Fatalf("big keeps %d entries of ~2.3 KB within 20 KiB; want 6..10", len(got))
	}
	if last := got[len(got)-1].RequestID; last != "39" {
		t.Errorf("newest entry kept = %s; want 39", last)
	}
	if n := len(j.Entries("small", Filter{})); n != 40 {
		t.Errorf("small keeps %d entries; want all 40", n)
	}
}

// TestTotalBudget: past TotalBytes the oldest entries of any session go
// first: every entry kept is newer than every entry dropped.
func TestTotalBudget(t *testing.T) {
	j := New(Config{Size: 100, SessionBytes: 8 << 10, TotalBytes: 16 << 10})
	for i := range 100 {
		j.Record(fmt.Sprint("s", i%7), Entry{Path: "/p", Body: strings.Repeat("x", 500)})
	}
	invariants(t, j)
	oldest := int64(1 << 62)
	kept := 0
	for s := range 7 {
		for _, q := range seqs(j, fmt.Sprint("s", s)) {
			oldest = min(oldest, q)
			kept++
		}
	}
	if want := int64(100 - kept + 1); oldest != want {
		t.Errorf("oldest entry kept = %d with %d kept; want %d (the newest %d of 100)", oldest, kept, want, kept)
	}
}

// TestNewestEntryAlwaysKept: an entry over both budgets is still recorded
// (a client must find its last request), alone.
func TestNewestEntryAlwaysKept(t *testing.T) {
	j := New(Config{SessionBytes: 100, TotalBytes: 100})
	j.Record("a", Entry{Path: "/1"})
	j.Record("b", Entry{Path: "/2"})
	if got := seqs(j, "b"); len(got) != 1 || got[0] != 2 {
		t.Errorf("b = %v; want [2]", got)
	}
	if got := seqs(j, "a"); len(got) != 0 {
		t.Errorf("a = %v; want nothing (over the total budget)", got)
	}
	if n := j.Sessions(); n != 1 {
		t.Errorf("Sessions = %d; want 1 (a session without entries is forgotten)", n)
	}
	invariants(t, j)
}

// TestBudgetBooks runs random records, clears and clear-alls and checks
// the books after each: costs, counts, budgets and the order's length.
func TestBudgetBooks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	j := New(Config{Size: 20, MaxSessions: 12, SessionBytes: 6 << 10, TotalBytes: 40 << 10})
	for i := range 20000 {
		switch n := rng.IntN(1000); {
		case n < 5:
			j.Clear(fmt.Sprint("s", rng.IntN(15)))
		case n < 6:
			j.ClearAll()
		default:
			j.Record(fmt.Sprint("s", rng.IntN(15)), Entry{Path: "/p", Body: strings.Repeat("x", rng.IntN(3000))})
		}
		if i%97 == 0 {
			invariants(t, j)
		}
	}
	invariants(t, j)
}

// TestHeadersTruncatedVisible: headers past 16 KiB are left out and the
// entry says so.
func TestHeadersTruncatedVisible(t *testing.T) {
	j := New(Config{})
	j.Record("s", worstEntry(1, 10))
	j.Record("s", Entry{Header: http.Header{"Accept": {"x"}}})
	got := j.Entries("s", Filter{})
	if !got[0].HeadersTruncated || got[1].HeadersTruncated {
		t.Errorf("HeadersTruncated = %v, %v; want true (20 KB of headers), false", got[0].HeadersTruncated, got[1].HeadersTruncated)
	}
}

// TestCostTracksHeap: the heap entries really hold is at most a third over
// the cost the budgets count (so a budget of 64 MiB holds at most ~85 MiB),
// and not under half of it (the budget would then waste room), for entries
// at the caps and for a typical client's.
func TestCostTracksHeap(t *testing.T) {
	for _, tt := range []struct {
		name  string
		entry func(i int) Entry
	}{
		{"at the caps", func(i int) Entry { return worstEntry(i, DefaultBodyBytes) }},
		{"typical client", func(i int) Entry {
			return Entry{Method: "PATCH", Path: "/beta/security/partner/securityAlerts/" + documentedID,
				Header: clientHeader("typical"), Body: strings.Clone(`{"status":"resolved"}`), Status: 200, RequestID: fmt.Sprintf("%036d", i)}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const n = 2000
			j := New(Config{Size: n, SessionBytes: 1 << 40, TotalBytes: 1 << 40})
			before := liveHeap()
			for i := range n {
				j.Record(fmt.Sprint("s", i%10), tt.entry(i)) // fresh strings, as a request's
			}
			held := float64(liveHeap()) - float64(before)
			j.mu.Lock()
			counted := float64(j.bytes)
			j.mu.Unlock()
			t.Logf("%d entries: heap %.0f bytes, counted %.0f (ratio %.2f)", n, held, counted, held/counted)
			if held > 1.33*counted || held < 0.5*counted {
				t.Errorf("entries hold %.0f bytes of heap; the budget counts %.0f (ratio %.2f, want 0.5..1.33)", held, counted, held/counted)
			}
			runtime.KeepAlive(j)
		})
	}
}

// TestRecordDoesNotKeepRequestLine: the method, path and query of a
// request are substrings of its request line (up to 1 MB); an entry that
// kept them kept the whole line (~40 % of what an entry at the caps held
// through the server). 50 entries whose fields share one 1 MB line each
// must hold far less than 50 MB.
func TestRecordDoesNotKeepRequestLine(t *testing.T) {
	j := New(Config{})
	before := liveHeap()
	for i := range 50 {
		line := "PATCH /beta/x?a=1 " + strings.Repeat("v", 1<<20) + fmt.Sprint(i)
		j.Record("s", Entry{Method: line[:5], Path: line[6:13], Query: line[14:17]})
	}
	if held := liveHeap() - before; held > 1<<20 {
		t.Errorf("50 entries hold %d bytes; want under 1 MiB (not their 1 MB request lines)", held)
	}
	runtime.KeepAlive(j)
}
