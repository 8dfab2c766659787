package mocktest_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock"
	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/mocktest"
)

// documentedID is the alert of Microsoft's documentation, in the seed.
const documentedID = "d8b202fc-a216-3404-69ef-bdffa445eff6"

// resolveAlert stands for the code under test: it resolves an alert through
// the Graph API and, as Graph clients do, retries once on 429 or 503 after
// the Retry-After the answer gives (in seconds).
func resolveAlert(c *http.Client, baseURL, id string) error {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequest(http.MethodPatch, baseURL+"/security/partner/securityAlerts/"+id,
			strings.NewReader(`{"status":"resolved","resolvedReason":"fraud"}`))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK:
			return nil
		case (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) && attempt == 0:
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			time.Sleep(time.Duration(secs) * time.Second)
			continue
		default:
			return fmt.Errorf("PATCH: status %d", resp.StatusCode)
		}
	}
}

// TestResolveSendsOnePatch: the code under test resolves an alert; the test
// checks the alert, what was sent, and that Reset restores the seed.
func TestResolveSendsOnePatch(t *testing.T) {
	srv := mocktest.New(t, mocktest.WithSession("resolve-test"))

	if err := resolveAlert(srv.Client(), srv.BaseURL, documentedID); err != nil {
		t.Fatal(err)
	}

	a, _ := srv.Alert(documentedID)
	if a.Status != alert.StatusResolved || a.ResolvedBy == nil || *a.ResolvedBy != mocktest.DefaultUPN {
		t.Errorf("alert status %q resolvedBy %v; want resolved by %s", a.Status, a.ResolvedBy, mocktest.DefaultUPN)
	}
	patches := srv.Journal(mock.JournalFilter{Method: http.MethodPatch})
	if len(patches) != 1 || patches[0].Status != http.StatusOK {
		t.Fatalf("journal has %d PATCHes; want exactly 1 answered 200", len(patches))
	}
	var body struct{ Status, ResolvedReason string }
	if err := json.Unmarshal([]byte(patches[0].Body), &body); err != nil || body.Status != "resolved" || body.ResolvedReason != "fraud" {
		t.Errorf("PATCH body %s; want status resolved, resolvedReason fraud", patches[0].Body)
	}
	if got := patches[0].Header.Get("Authorization"); got != "Bearer [redacted]" {
		t.Errorf("journal Authorization = %q; want it redacted", got)
	}

	srv.Reset(t)
	if a, _ := srv.Alert(documentedID); a.Status != alert.StatusActive {
		t.Errorf("after Reset: status %q; want %q", a.Status, alert.StatusActive)
	}
	if n := len(srv.Journal(mock.JournalFilter{})); n != 0 {
		t.Errorf("after Reset: %d journal entries; want 0", n)
	}
}

// TestRetryOnFault: one injected 503 (the next matching request only), and
// the code under test retries and succeeds; the journal shows both tries.
func TestRetryOnFault(t *testing.T) {
	srv := mocktest.New(t)
	srv.AddFault(t, mock.FaultRule{Method: http.MethodPatch, Kind: mock.FaultStatus, Status: http.StatusServiceUnavailable, RetryAfter: "0", Times: 1})

	if err := resolveAlert(srv.Client(), srv.BaseURL, documentedID); err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, e := range srv.Journal(mock.JournalFilter{Method: http.MethodPatch}) {
		got = append(got, e.Status)
	}
	if fmt.Sprint(got) != "[503 200]" {
		t.Errorf("PATCH statuses = %v; want [503 200]", got)
	}
}

// TestOptions covers alerts, faults from the start, TLS, and a signed token
// lacking the write permission.
func TestOptions(t *testing.T) {
	seed := alert.Seed(0)[:3]
	srv := mocktest.New(t,
		mocktest.WithAlerts(seed...),
		mocktest.WithTLS(),
		mocktest.WithConfig(func(c *mock.Config) { c.AuthKey = []byte("k") }),
		mocktest.WithFaults(mock.FaultRule{Session: "down", Kind: mock.FaultStatus, Status: http.StatusInternalServerError}),
		mocktest.WithThrottle(1000),
	)
	if !strings.HasPrefix(srv.BaseURL, "https://127.0.0.1:") || !strings.HasSuffix(srv.BaseURL, "/beta") {
		t.Errorf("BaseURL = %q; want https://127.0.0.1:<port>/beta", srv.BaseURL)
	}
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	own := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer own.CloseIdleConnections()
	if resp, err := own.Get(srv.URL + "/healthz"); err != nil {
		t.Errorf("GET /healthz trusting Certificate(): %v", err)
	} else {
		resp.Body.Close()
	}
	resp, err := srv.Client().Get(srv.BaseURL + "/security/partner/securityAlerts?$count=true")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Count int `json:"@odata.count"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || list.Count != 3 {
		t.Errorf("list: status %d count %d; want 200 and 3 (WithAlerts, signed token)", resp.StatusCode, list.Count)
	}

	readOnly := srv.Token(t, mock.Token{Scopes: []string{"PartnerSecurity.Read.All"}, UPN: "reader@contoso.com"})
	req, _ := http.NewRequest(http.MethodPatch, srv.BaseURL+"/security/partner/securityAlerts/"+seed[0].ID, strings.NewReader(`{"status":"resolved"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+readOnly)
	resp, err = srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("PATCH with a read-only token: status %d; want 403", resp.StatusCode)
	}

	req, _ = http.NewRequest(http.MethodGet, srv.BaseURL+"/security/partner/securityAlerts", nil)
	req.Header.Set(mock.HeaderSession, "down")
	resp, err = srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("session down: status %d; want 500 (WithFaults)", resp.StatusCode)
	}
}

// TestBinaryDoesNotLinkTesting: package mocktest exists so that the
// alertmock command does not depend on package testing.
func TestBinaryDoesNotLinkTesting(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goTool, "list", "-deps", "github.com/partner-security/alertmock/cmd/alertmock").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "testing" || strings.HasSuffix(p, "/mocktest") {
			t.Errorf("cmd/alertmock depends on %s", p)
		}
	}
}
