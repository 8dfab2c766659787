package mocktest_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock"
	"github.com/partner-security/alertmock/mock/mocktest"
)

// sessionTransport is a hand-written transport of a test: it puts its
// session on every request and counts them.
type sessionTransport struct {
	next    http.RoundTripper
	session string
	n       atomic.Int64
}

func (s *sessionTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s.n.Add(1)
	r = r.Clone(r.Context())
	r.Header.Set(mock.HeaderSession, s.session)
	return s.next.RoundTrip(r)
}

// get sends a GET of the alert list with c and returns the status.
func get(t *testing.T, c *http.Client, baseURL string, header ...string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, baseURL+"/security/partner/securityAlerts?$top=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestHTTPClientIsACopy is the regression test of issue 11: two parallel
// subtests wrapping the Transport of HTTPClient raced on the test server's
// one *http.Client (go test -race failed), and one session's journal got the
// other's requests.
func TestHTTPClientIsACopy(t *testing.T) {
	srv := mocktest.New(t, mocktest.WithConfig(func(c *mock.Config) { c.DisableAuth = true }))
	for _, name := range []string{"a", "b"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := srv.HTTPClient()
			tr := &sessionTransport{next: c.Transport, session: name}
			c.Transport = tr
			for range 20 {
				if st := get(t, c, srv.BaseURL); st != http.StatusOK {
					t.Fatalf("GET: status %d; want 200", st)
				}
			}
			if n := tr.n.Load(); n != 20 {
				t.Errorf("own transport sent %d requests; want 20", n)
			}
			if n := len(srv.View(name).Journal(mocktest.JournalFilter{})); n != 20 {
				t.Errorf("journal of session %s has %d entries; want 20", name, n)
			}
		})
	}
}

// TestSessionsOfASharedServer: parallel tests on one server, a session each,
// each injecting a fault through its view; a fault fires in its own session
// only, and each test's cleanup removes its rules.
func TestSessionsOfASharedServer(t *testing.T) {
	shared := mocktest.New(t)
	t.Run("group", func(t *testing.T) {
		for i := range 4 {
			t.Run(fmt.Sprint("test", i), func(t *testing.T) {
				t.Parallel()
				sess := shared.NewSession(t)
				if i%2 == 0 {
					sess.TooManyRequests(t, http.MethodPatch, "", 1, "0")
				}
				if err := resolveAlert(sess.Client(), sess.BaseURL, documentedID); err != nil {
					t.Fatal(err)
				}
				want := "[200]"
				if i%2 == 0 {
					want = "[429 200]"
				}
				if got := sess.Statuses(mocktest.JournalFilter{Method: http.MethodPatch}); fmt.Sprint(got) != want {
					t.Errorf("PATCH statuses of %s = %v; want %s", sess.Name, got, want)
				}
				if a, _ := sess.Alert(documentedID); a.Status != mocktest.StatusResolved || mocktest.ResolvedBy(a) != mocktest.DefaultUPN {
					t.Errorf("alert: status %q resolvedBy %q; want resolved by %s", a.Status, mocktest.ResolvedBy(a), mocktest.DefaultUPN)
				}
			})
		}
	})
	if rules := shared.Mock.Faults().Rules(); len(rules) != 0 {
		t.Errorf("after the tests: %d fault rules left; want 0 (NewSession's cleanup)", len(rules))
	}
	if a, _ := shared.Alert(documentedID); a.Status != mocktest.StatusActive {
		t.Errorf("the server's own session: status %q; want active (no test used it)", a.Status)
	}
	if n := len(shared.Journal(mocktest.JournalFilter{})); n != 0 {
		t.Errorf("the server's own session has %d journal entries; want 0", n)
	}
}

// TestNewSessionLongName: a test name longer than a session name may be still
// gives a session the mock accepts.
func TestNewSessionLongName(t *testing.T) {
	srv := mocktest.New(t)
	t.Run(strings.Repeat("x", 300), func(t *testing.T) {
		sess := srv.NewSession(t)
		if st := get(t, sess.Client(), sess.BaseURL); st != http.StatusOK {
			t.Errorf("GET in session %q: status %d; want 200", sess.Name, st)
		}
	})
}

// TestWithSessionHTTPClient: with WithSession, HTTPClient sends to that
// session, where the helpers look (issue 11: it sent to "default").
func TestWithSessionHTTPClient(t *testing.T) {
	srv := mocktest.New(t, mocktest.WithSession("mine"))
	tok := srv.Token(t, mocktest.Token{Scopes: []string{"PartnerSecurity.Read.All"}})
	if st := get(t, srv.HTTPClient(), srv.BaseURL, "Authorization", "Bearer "+tok); st != http.StatusOK {
		t.Fatalf("GET: status %d; want 200", st)
	}
	if n := len(srv.Journal(mocktest.JournalFilter{})); n != 1 {
		t.Errorf("journal of session mine has %d entries; want 1", n)
	}
	if n := len(srv.View(mock.DefaultSession).Journal(mocktest.JournalFilter{})); n != 0 {
		t.Errorf("journal of session default has %d entries; want 0", n)
	}
	// HTTPClient adds no token: code under test brings its own.
	if st := get(t, srv.HTTPClient(), srv.BaseURL); st != http.StatusUnauthorized {
		t.Errorf("GET without a token: status %d; want 401", st)
	}
}

// TestWithThrottle: the option puts the limit in force (a mutant that made it
// a no-op survived every test before). The clock stands still, so the bucket
// never refills.
func TestWithThrottle(t *testing.T) {
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	srv := mocktest.New(t, mocktest.WithConfig(func(c *mocktest.Config) { c.Now = func() time.Time { return now } }), mocktest.WithThrottle(2))
	var got []int
	for range 3 {
		got = append(got, get(t, srv.Client(), srv.BaseURL))
	}
	if fmt.Sprint(got) != "[200 200 429]" {
		t.Errorf("statuses = %v; want [200 200 429] (2 requests per second, burst 2)", got)
	}
	if e := srv.Journal(mocktest.JournalFilter{Status: http.StatusTooManyRequests}); len(e) != 1 {
		t.Errorf("journal has %d 429s; want 1", len(e))
	}
}

// fatalRecorder is a testing.TB whose Fatalf records the message.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

// TestAddFaultScope: a view's fault rule is scoped to its session; one naming
// another session fails the test.
func TestAddFaultScope(t *testing.T) {
	srv := mocktest.New(t)
	r := srv.View("a").AddFault(t, mocktest.FaultRule{Kind: mocktest.FaultStatus, Status: http.StatusServiceUnavailable})
	if r.Session != "a" {
		t.Errorf("rule session = %q; want a", r.Session)
	}
	if st := get(t, srv.View("b").Client(), srv.BaseURL); st != http.StatusOK {
		t.Errorf("session b: status %d; want 200", st)
	}
	if st := get(t, srv.View("a").Client(), srv.BaseURL); st != http.StatusServiceUnavailable {
		t.Errorf("session a: status %d; want 503", st)
	}
	rec := &fatalRecorder{TB: t}
	srv.View("a").AddFault(rec, mocktest.FaultRule{Session: "b", Kind: mocktest.FaultDrop})
	if want := `fault rule for session "b" added through the view of session "a"`; !strings.Contains(rec.msg, want) {
		t.Errorf("Fatalf message %q; want it to contain %q", rec.msg, want)
	}
	srv.View("a").Reset(t)
	if n := len(srv.Mock.Faults().Rules()); n != 0 {
		t.Errorf("after Reset of a: %d rules; want 0", n)
	}
}

// TestReason: the typed helpers read null as "".
func TestReason(t *testing.T) {
	reason, by := mocktest.ReasonFraud, "ana@contoso.com"
	for _, tc := range []struct {
		name       string
		a          mocktest.Alert
		wantReason mocktest.ResolvedReason
		wantBy     string
	}{
		{"null", mocktest.Alert{}, "", ""},
		{"set", mocktest.Alert{ResolvedReason: &reason, ResolvedBy: &by}, mocktest.ReasonFraud, by},
	} {
		if got := mocktest.Reason(tc.a); got != tc.wantReason {
			t.Errorf("%s: Reason = %q; want %q", tc.name, got, tc.wantReason)
		}
		if got := mocktest.ResolvedBy(tc.a); got != tc.wantBy {
			t.Errorf("%s: ResolvedBy = %q; want %q", tc.name, got, tc.wantBy)
		}
	}
}

// TestPut: a session's alerts can be seeded through its view, and an alert
// that breaks the contract fails the test.
func TestPut(t *testing.T) {
	srv := mocktest.New(t)
	sess := srv.View("seeded")
	a, _ := sess.Alert(documentedID)
	a.ID = "copy-1"
	sess.Put(t, a)
	if got, ok := sess.Alert("copy-1"); !ok || got.DisplayName != a.DisplayName {
		t.Errorf("after Put: Alert(copy-1) = %q, %v; want %q, true", got.DisplayName, ok, a.DisplayName)
	}
	if n, m := len(sess.Alerts()), len(srv.Alerts()); n != m+1 {
		t.Errorf("seeded session has %d alerts, default %d; want one more", n, m)
	}
	rec := &fatalRecorder{TB: t}
	sess.Put(rec, mocktest.Alert{ID: "broken"})
	if !strings.Contains(rec.msg, "mocktest: put:") || !strings.Contains(rec.msg, "broken") {
		t.Errorf("Fatalf message %q; want a put error naming the alert", rec.msg)
	}
}
