package mocktest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/mocktest"
)

// TestResolveRetriesAfter429 is the Go test of the README, verbatim
// (TestDocsGoTestsAreReal in the repository root checks that it stays so).
func TestResolveRetriesAfter429(t *testing.T) {
	srv := mocktest.New(t)                       // one mock for this test (or shared.NewSession(t))
	srv.TooManyRequests(t, "PATCH", "", 1, "1")  // Graph throttles the next PATCH: 429, Retry-After: 1
	id := "d8b202fc-a216-3404-69ef-bdffa445eff6" // the alert of Microsoft's docs, in the seed data

	// The code under test, pointed at the mock instead of https://graph.microsoft.com/beta.
	if err := resolveAlert(srv.Client(), srv.BaseURL, id); err != nil {
		t.Fatal(err)
	}

	if a, _ := srv.Alert(id); a.Status != mocktest.StatusResolved || mocktest.Reason(a) != mocktest.ReasonFraud {
		t.Errorf("status %q reason %q; want resolved, fraud", a.Status, mocktest.Reason(a))
	}
	patches := srv.Journal(mocktest.JournalFilter{Method: "PATCH"})
	if got := srv.Statuses(mocktest.JournalFilter{Method: "PATCH"}); fmt.Sprint(got) != "[429 200]" {
		t.Fatalf("PATCH statuses = %v; want [429 200]: retried once", got)
	}
	if wait := patches[1].Time.Sub(patches[0].Time); wait < time.Second {
		t.Errorf("retried after %v; want at least the Retry-After of 1s", wait)
	}
}
