// Package sdkbatch_test drives the mock with the batch helper of the Microsoft
// Graph Go SDK core (msgraph-sdk-go-core): the way a partner tool that
// resolves many alerts at once would, including the retry of a throttled
// request inside a batch.
package sdkbatch_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/authentication"
	nethttplibrary "github.com/microsoft/kiota-http-go"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	msgraphgocore "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/mocktest"
)

// newAdapter returns a Kiota request adapter for the session of the mock:
// its client sends the session's token and X-Mock-Session header and trusts
// the mock's certificate.
func newAdapter(t *testing.T, s *mocktest.Session) abstractions.RequestAdapter {
	t.Helper()
	adapter, err := nethttplibrary.NewNetHttpRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		&authentication.AnonymousAuthenticationProvider{}, jsonserialization.NewJsonParseNodeFactory(),
		jsonserialization.NewJsonSerializationWriterFactory(), s.Client())
	if err != nil {
		t.Fatal(err)
	}
	adapter.SetBaseUrl(s.BaseURL)
	return adapter
}

// resolve is the request information of the documented update of one alert.
func resolve(id string) abstractions.RequestInformation {
	ri := abstractions.NewRequestInformation()
	ri.Method = abstractions.PATCH
	ri.UrlTemplate = "{+baseurl}/security/partner/securityAlerts/{id}"
	ri.PathParameters["id"] = id
	ri.Content = []byte(`{"status":"resolved","resolvedReason":"fraud"}`)
	ri.Headers.TryAdd("Content-Type", "application/json")
	return *ri
}

func read(id string) abstractions.RequestInformation {
	ri := abstractions.NewRequestInformation()
	ri.Method = abstractions.GET
	ri.UrlTemplate = "{+baseurl}/security/partner/securityAlerts/{id}"
	ri.PathParameters["id"] = id
	ri.Headers.TryAdd("Accept", "application/json")
	return *ri
}

// TestBatchRetriesThrottledRequest resolves three alerts in one batch (with
// a read that depends on the first update); the mock throttles the third
// update with a 429 and Retry-After inside the batch, which itself answers
// 200. The client finds the failed request with the SDK's GetFailedResponses,
// waits the Retry-After of that response and sends it again in a new batch,
// which resolves the alert.
func TestBatchRetriesThrottledRequest(t *testing.T) {
	srv := mocktest.New(t, mocktest.WithTLS())
	s := srv.NewSession(t)
	ids := []string{alert.DocumentedID}
	for _, a := range s.Alerts() {
		if a.Status == alert.StatusActive && a.ID != alert.DocumentedID && len(ids) < 3 {
			ids = append(ids, a.ID)
		}
	}
	s.TooManyRequests(t, "PATCH", "/beta/security/partner/securityAlerts/"+ids[2], 1, "1")
	ctx := context.Background()
	adapter := newAdapter(t, s)

	batch := msgraphgocore.NewBatchRequest(adapter)
	var updates []msgraphgocore.BatchItem
	for _, id := range ids {
		item, err := batch.AddBatchRequestStep(resolve(id))
		if err != nil {
			t.Fatal(err)
		}
		updates = append(updates, item)
	}
	readBack, err := batch.AddBatchRequestStep(read(ids[0]))
	if err != nil {
		t.Fatal(err)
	}
	readBack.DependsOnItem(updates[0])
	resp, err := batch.Send(ctx, adapter)
	if err != nil {
		t.Fatalf("batch: %v", err)
	}
	codes := resp.GetStatusCodes()
	for i, u := range updates {
		want := int32(200)
		if i == 2 {
			want = 429
		}
		if got := codes[*u.GetId()]; got != want {
			t.Errorf("update of %s: status %d; want %d", ids[i], got, want)
		}
	}
	if got := codes[*readBack.GetId()]; got != 200 {
		t.Errorf("read after the first update: status %d; want 200", got)
	}
	if st, _ := resp.GetResponseById(*readBack.GetId()).GetBody()["status"].(*string); st == nil || *st != "resolved" {
		t.Errorf("read after the first update: status %v; want resolved (it depends on the update)", st)
	}

	failed := resp.GetFailedResponses()
	if len(failed) != 1 || failed[*updates[2].GetId()] != 429 {
		t.Fatalf("failed responses = %v; want only the third update, 429", failed)
	}
	retryAfter := resp.GetResponseById(*updates[2].GetId()).GetHeaders()["Retry-After"]
	secs, err := strconv.ParseFloat(retryAfter, 64)
	if err != nil {
		t.Fatalf("the throttled response's Retry-After = %q; want seconds", retryAfter)
	}
	time.Sleep(time.Duration(secs * float64(time.Second)))

	again := msgraphgocore.NewBatchRequest(adapter)
	retry, err := again.AddBatchRequestStep(resolve(ids[2]))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = again.Send(ctx, adapter)
	if err != nil {
		t.Fatalf("retry batch: %v", err)
	}
	if got := resp.GetStatusCodes()[*retry.GetId()]; got != 200 {
		t.Fatalf("retried update: status %d; want 200", got)
	}
	for _, id := range ids {
		if a, _ := s.Alert(id); a.Status != alert.StatusResolved {
			t.Errorf("alert %s: status %s; want resolved", id, a.Status)
		}
	}
	if got := s.Statuses(mocktest.JournalFilter{Method: "PATCH", Path: "/beta/security/partner/securityAlerts/" + ids[2]}); len(got) != 2 || got[0] != 429 || got[1] != 200 {
		t.Errorf("the mock answered the third update %v; want [429 200] (throttled, then retried)", got)
	}
}
