package mock

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// clientHeader is what a typical Graph client sends (a Kiota SDK): about
// 1.4 KB of headers, most of it the token.
func clientHeader(session string) http.Header {
	token := jwt(map[string]any{
		"aud": "https://graph.microsoft.com", "iss": "https://sts.windows.net/t/", "ver": "1.0",
		"scp": "PartnerSecurity.ReadWrite.All", "upn": "dana@contoso.com", "tid": "1889e718-414b-4bad-8bbe-c1135bd39a41",
		"appid": "de8bc8b5-d9f9-48b1-a8ad-b748da725064", "oid": "5c6e8b7d-5f52-4ea3-a42f-3dbd8a7f1e31",
		"name": "Dana Swope", "family_name": "Swope", "given_name": "Dana", "ipaddr": "203.0.113.7",
		"wids": []string{"b79fbf4d-3ef9-4689-8143-76b194e85509"}, "xms_tcdt": 1289241547, "uti": strings.Repeat("x", 22),
		"rh": strings.Repeat("y", 60), "sub": strings.Repeat("z", 43), "iat": 1700000000, "nbf": 1700000000, "exp": 4102444800,
	}) + strings.Repeat("s", 342) // the size of an RS256 signature
	return http.Header{
		"Authorization":     {"Bearer " + token},
		"Content-Type":      {"application/json"},
		"Accept":            {"application/json"},
		"User-Agent":        {"kiota-go/1.0.0"},
		"Sdkversion":        {"graph-go-beta/0.120.0, graph-go-core/1.2.1 (hostOS=linux; hostArch=amd64; runtimeEnvironment=go1.26;)"},
		"Client-Request-Id": {"0f9e0c44-5b7a-4b8a-9d4f-2b8d0c2e7a11"},
		HeaderSession:       {session},
	}
}

// BenchmarkMemoryPerSession measures what 1,000 sessions cost a server whose
// journals are full: each session sends JournalSize (100) requests, half
// PATCHes flipping the documented alert, half list GETs, through the whole
// stack. It reports the bytes per session of the journal and of the alert
// state (sessions share the seed until they change an alert). Run it with
// -benchtime=1x; the numbers are in the README.
func BenchmarkMemoryPerSession(b *testing.B) {
	const sessions = 1000
	for range b.N {
		s, err := New(Config{})
		if err != nil {
			b.Fatal(err)
		}
		size := s.Journal().Size()
		before := liveHeap()
		for i := 0; i < sessions; i++ {
			h := clientHeader(fmt.Sprintf("session-%04d", i))
			for k := 0; k < size; k++ {
				var r *http.Request
				if k%2 == 0 {
					status := [...]string{"investigating", "resolved", "active"}[k/2%3]
					r = httptest.NewRequest(http.MethodPatch, "/beta/security/partner/securityAlerts/"+documentedID,
						strings.NewReader(`{"status":"`+status+`"}`))
				} else {
					r = httptest.NewRequest(http.MethodGet, "/beta/security/partner/securityAlerts?$top=5&$filter=status%20eq%20'active'", nil)
				}
				r.Header = h.Clone()
				w := httptest.NewRecorder()
				s.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		}
		all := liveHeap()
		s.Journal().ClearAll()
		withoutJournal := liveHeap()
		b.ReportMetric(float64(all-before)/sessions, "B/session")
		b.ReportMetric(float64(all-withoutJournal)/sessions, "journal-B/session")
		b.ReportMetric(float64(withoutJournal-before)/sessions, "state-B/session")
		runtime.KeepAlive(s)
	}
}

// hostileRequest is a request at every cap the journal keeps: a 4 KiB alert
// id, a 4 KiB ignored query parameter, 20 KB of headers that are not
// secrets, and a 5 KB body (read by the handler, refused 400 for its
// unknown property; the journal keeps 4 KiB of it). One path and one token
// for all, so the route and token caches hold one key each.
func hostileRequest(session string, i int) *http.Request {
	body := `{"status":"resolved","pad":"` + strings.Repeat("b", 5000) + `"}`
	r := httptest.NewRequest(http.MethodPatch, "/beta/security/partner/securityAlerts/"+strings.Repeat("i", 4096)+
		"?x="+strings.Repeat("q", 4096)+fmt.Sprint(i), strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer opaque")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(HeaderSession, session)
	for k := range 5 {
		r.Header.Set(fmt.Sprint("X-Pad-", k), strings.Repeat(string(rune('a'+k)), 4000))
	}
	return r
}

// fillJournal sends n hostile requests from each of sessions sessions.
func fillJournal(tb testing.TB, s *Server, sessions, n int) {
	tb.Helper()
	for i := range sessions {
		name := fmt.Sprintf("hostile-%04d", i)
		for k := range n {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, hostileRequest(name, k))
			if w.Code != http.StatusBadRequest {
				tb.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	}
}

// TestJournalMemoryBudget reproduces issue #19 part 2: an entry at the caps
// holds ~30 KB, and at the defaults (1,000 sessions × 100 entries) any
// client could make the journal hold ~2.7 GiB. With a budget of 2 MiB
// (256 KiB per session), 100 sessions × 30 such requests (~90 MB without
// a budget) leave the server's live heap at most a third over the budget,
// each session keeping its newest entries.
func TestJournalMemoryBudget(t *testing.T) {
	const budget, perSession = 2 << 20, 256 << 10
	s, err := New(Config{JournalBytes: budget, JournalSessionBytes: perSession})
	if err != nil {
		t.Fatal(err)
	}
	fillJournal(t, s, 1, 1) // what the first request sets up for good (caches, pools)
	s.Journal().ClearAll()
	sessions, each := 100, 30 // ~90 MB of entries without a budget
	if raceEnabled {
		sessions, each = 50, 20 // still ~30 MB without a budget
	}
	before := liveHeap()
	fillJournal(t, s, sessions, each)
	held := int64(liveHeap()) - int64(before)
	t.Logf("%d sessions × %d requests at the caps: live heap grew by %d bytes (budget %d)", sessions, each, held, budget)
	if held > budget*4/3 {
		t.Errorf("live heap grew by %d bytes; want at most %d (the journal's budget %d, plus a third)", held, budget*4/3, budget)
	}
	last := s.Journal().Entries(fmt.Sprintf("hostile-%04d", sessions-1), JournalFilter{})
	if len(last) == 0 || !last[len(last)-1].BodyTruncated || len(last[len(last)-1].Body) != DefaultJournalBodyBytes {
		t.Fatalf("newest session keeps %d entries; want its newest, with a body cut at %d bytes and marked", len(last), DefaultJournalBodyBytes)
	}
	runtime.KeepAlive(s)
}

// BenchmarkJournalHostileFill measures the live heap the journal holds
// after the worst case: sessions × 100 requests at every cap (path,
// query, headers, body), at the default budgets. Run it with -benchtime 1x;
// the figures are in docs/performance.md.
func BenchmarkJournalHostileFill(b *testing.B) {
	for _, sessions := range []int{200, 1000} {
		b.Run(fmt.Sprint("sessions=", sessions), func(b *testing.B) {
			for range b.N {
				s, err := New(Config{})
				if err != nil {
					b.Fatal(err)
				}
				fillJournal(b, s, 1, 1)
				s.Journal().ClearAll()
				before := liveHeap()
				fillJournal(b, s, sessions, 100)
				full := liveHeap()
				s.Journal().ClearAll()
				cleared := liveHeap()
				b.ReportMetric(float64(full-before)/(1<<20), "MiB-held")
				b.ReportMetric(float64(full-cleared)/(1<<20), "journal-MiB")
				runtime.KeepAlive(s)
			}
		})
	}
}
