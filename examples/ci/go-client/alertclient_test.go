package alertclient_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"example.com/alertclient"
	"github.com/partner-security/alertmock/mock/mocktest"
)

// documentedID is the alert of Microsoft's Update example, in the mock's seed data.
const documentedID = "d8b202fc-a216-3404-69ef-bdffa445eff6"

// shared is one mock for the whole package; each test takes a session of it.
var shared *mocktest.Server

func TestMain(m *testing.M) {
	var err error
	if shared, err = mocktest.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := shared.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// TestOneMockPerTest: parallel tests, a mock each, two 429s injected; the
// client retries twice and resolves the alert.
func TestOneMockPerTest(t *testing.T) {
	for i := range 4 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			srv := mocktest.New(t)
			srv.TooManyRequests(t, "PATCH", "", 2, "0")
			c := alertclient.Client{HTTP: srv.Client(), BaseURL: srv.BaseURL, MaxRetries: 3}
			a, err := c.Resolve(context.Background(), documentedID, "fraud")
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != "resolved" {
				t.Errorf("answered status %q; want resolved", a.Status)
			}
			if got := srv.Statuses(mocktest.JournalFilter{Method: "PATCH"}); fmt.Sprint(got) != "[429 429 200]" {
				t.Errorf("PATCH statuses = %v; want [429 429 200]", got)
			}
			if held, _ := srv.Alert(documentedID); held.Status != mocktest.StatusResolved || mocktest.Reason(held) != mocktest.ReasonFraud {
				t.Errorf("mock holds status %q reason %q; want resolved, fraud", held.Status, mocktest.Reason(held))
			}
		})
	}
}

// TestSharedMockSessionPerTest: parallel tests on the shared mock, a session
// each; a 429 injected in one session never reaches another, and the client
// waits the Retry-After it was told.
func TestSharedMockSessionPerTest(t *testing.T) {
	for i := range 6 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			sess := shared.NewSession(t)
			throttled := i%2 == 0
			if throttled {
				sess.TooManyRequests(t, "PATCH", "/beta/security/partner/securityAlerts/*", 1, "3")
			}
			var waited []time.Duration
			c := alertclient.Client{HTTP: sess.Client(), BaseURL: sess.BaseURL, MaxRetries: 1,
				Sleep: func(d time.Duration) { waited = append(waited, d) }}
			if _, err := c.Resolve(context.Background(), documentedID, "legitimate"); err != nil {
				t.Fatal(err)
			}
			want, wantWaits := "[200]", "[]"
			if throttled {
				want, wantWaits = "[429 200]", "[3s]"
			}
			if got := sess.Statuses(mocktest.JournalFilter{Method: "PATCH"}); fmt.Sprint(got) != want {
				t.Errorf("session %s: PATCH statuses = %v; want %s", sess.Name, got, want)
			}
			if fmt.Sprint(waited) != wantWaits {
				t.Errorf("client waited %v; want %s (Retry-After)", waited, wantWaits)
			}
			if held, _ := sess.Alert(documentedID); mocktest.ResolvedBy(held) != mocktest.DefaultUPN {
				t.Errorf("resolvedBy = %q; want %s", mocktest.ResolvedBy(held), mocktest.DefaultUPN)
			}
		})
	}
}

// TestGivesUp: a session that is always throttled; the client stops after
// MaxRetries and the journal shows every attempt.
func TestGivesUp(t *testing.T) {
	t.Parallel()
	sess := shared.NewSession(t)
	sess.TooManyRequests(t, "", "", 0, "0") // every request, until the test ends
	c := alertclient.Client{HTTP: sess.Client(), BaseURL: sess.BaseURL, MaxRetries: 2}
	if _, err := c.Resolve(context.Background(), documentedID, "ignore"); err == nil {
		t.Fatal("Resolve succeeded; want an error after 3 attempts")
	}
	if got := sess.Statuses(mocktest.JournalFilter{}); fmt.Sprint(got) != "[429 429 429]" {
		t.Errorf("statuses = %v; want [429 429 429]", got)
	}
}

// countingTransport wraps a client's transport, as SDK middleware does.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// TestSDKStyleClient: code that brings its own token (as a Graph SDK does)
// uses HTTPClient, whose Transport each parallel test may wrap.
func TestSDKStyleClient(t *testing.T) {
	for _, reason := range []string{"fraud", "ignore", "legitimate"} {
		t.Run(reason, func(t *testing.T) {
			t.Parallel()
			sess := shared.NewSession(t)
			hc := sess.HTTPClient()
			ct := &countingTransport{next: hc.Transport}
			hc.Transport = ct
			tok := sess.Token(t, mocktest.Token{Scopes: []string{"PartnerSecurity.ReadWrite.All"}, UPN: reason + "@contoso.com"})
			c := alertclient.Client{HTTP: hc, BaseURL: sess.BaseURL, Token: tok}
			a, err := c.Resolve(context.Background(), documentedID, reason)
			if err != nil {
				t.Fatal(err)
			}
			if a.ResolvedBy == nil || *a.ResolvedBy != reason+"@contoso.com" {
				t.Errorf("resolvedBy = %v; want %s@contoso.com", a.ResolvedBy, reason)
			}
			if n := ct.n.Load(); n != 1 {
				t.Errorf("own transport sent %d requests; want 1", n)
			}
			if n := len(sess.Journal(mocktest.JournalFilter{})); n != 1 {
				t.Errorf("session journal has %d entries; want 1", n)
			}
		})
	}
}
