package client_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/partner-security/alertmock/examples/client"
	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/mocktest"
)

// newClient starts the mock for one test and returns the generated client
// pointed at it, sending the mock's test token and session.
func newClient(t *testing.T) *client.ClientWithResponses {
	t.Helper()
	srv := mocktest.New(t, mocktest.WithSession(t.Name()))
	c, err := client.NewClientWithResponses(srv.BaseURL, client.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// followLink makes a request go to an @odata.nextLink as it is: the link is
// opaque and keeps every original option, so it is not rebuilt from params.
func followLink(link string) client.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		u, err := url.Parse(link)
		if err != nil {
			return err
		}
		req.URL = u
		req.Host = u.Host
		return nil
	}
}

// TestListFilterTopPaging lists the active alerts two at a time with $filter,
// $top and $count, following @odata.nextLink to the end, all through the
// generated types.
func TestListFilterTopPaging(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	filter := client.Filter("status eq 'active'")
	top := client.Top(2)
	count := client.Count(true)
	params := &client.SecurityPartnerListSecurityAlertsParams{Filter: &filter, Top: &top, Count: &count}

	var editors []client.RequestEditorFn
	seen := map[string]bool{}
	total, pages := -1, 0
	for {
		resp, err := c.SecurityPartnerListSecurityAlertsWithResponse(ctx, params, editors...)
		if err != nil {
			t.Fatal(err)
		}
		if resp.JSON200 == nil {
			t.Fatalf("page %d: status %d; want 200 with a typed page\n%s", pages+1, resp.StatusCode(), resp.Body)
		}
		page := resp.JSON200
		pages++
		if len(page.Value) > int(top) {
			t.Errorf("page %d has %d alerts; want at most $top=%d", pages, len(page.Value), top)
		}
		if page.OdataCount == nil {
			t.Fatalf("page %d: no @odata.count with $count=true", pages)
		}
		if total >= 0 && *page.OdataCount != total {
			t.Errorf("page %d: @odata.count = %d; page 1 said %d", pages, *page.OdataCount, total)
		}
		total = *page.OdataCount
		for _, a := range page.Value {
			if a.Id == nil || a.Status == nil {
				t.Fatalf("page %d: alert without id or status: %+v", pages, a)
			}
			if *a.Status != client.MicrosoftGraphPartnerSecuritySecurityAlertStatusActive {
				t.Errorf("alert %s has status %q; the filter asked for active", *a.Id, *a.Status)
			}
			if seen[*a.Id] {
				t.Errorf("alert %s listed twice", *a.Id)
			}
			seen[*a.Id] = true
		}
		if page.OdataNextLink == nil {
			break
		}
		if pages > 100 {
			t.Fatal("more than 100 pages; the nextLink does not advance")
		}
		editors = []client.RequestEditorFn{followLink(*page.OdataNextLink)}
	}
	if len(seen) != total || total < 3 {
		t.Errorf("read %d alerts on %d pages; @odata.count = %d (want at least 3 active alerts, so paging is exercised)", len(seen), pages, total)
	}
	if want := (total + int(top) - 1) / int(top); pages != want {
		t.Errorf("%d pages; want %d for %d alerts by %d", pages, want, total, top)
	}
}

// TestGetPatchReadBack reads the documented alert, resolves it as fraud with
// the generated request body, and reads it back.
func TestGetPatchReadBack(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	id := client.PartnerSecurityAlertId(alert.DocumentedID)

	got, err := c.SecurityPartnerGetSecurityAlertsWithResponse(ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.JSON200 == nil || got.JSON200.Status == nil || got.JSON200.Id == nil {
		t.Fatalf("GET: status %d; want 200 with a typed alert\n%s", got.StatusCode(), got.Body)
	}
	if *got.JSON200.Status != client.MicrosoftGraphPartnerSecuritySecurityAlertStatusActive {
		t.Fatalf("the documented alert starts %q; want active", *got.JSON200.Status)
	}
	if got.JSON200.OdataContext == nil || !strings.HasSuffix(*got.JSON200.OdataContext, "/$entity") {
		t.Errorf("@odata.context = %v; want the entity context", got.JSON200.OdataContext)
	}

	reason := client.MicrosoftGraphPartnerSecuritySecurityAlertResolvedReasonFraud
	upd, err := c.SecurityPartnerUpdateSecurityAlertsWithResponse(ctx, id, nil, client.SecurityPartnerUpdateSecurityAlertsJSONRequestBody{
		Status:         client.MicrosoftGraphPartnerSecuritySecurityAlertStatusResolved,
		ResolvedReason: &reason,
	})
	if err != nil {
		t.Fatal(err)
	}
	if upd.JSON200 == nil {
		t.Fatalf("PATCH: status %d; want 200 with the whole alert\n%s", upd.StatusCode(), upd.Body)
	}
	whole := upd.JSON200 // a partnerSecurityAlertEntity: required properties are values, not pointers
	if whole.Status != client.MicrosoftGraphPartnerSecuritySecurityAlertStatusResolved || whole.Id != alert.DocumentedID {
		t.Errorf("PATCH answered id %q status %q; want %s resolved", whole.Id, whole.Status, alert.DocumentedID)
	}
	if whole.ResolvedBy == nil || *whole.ResolvedBy != mocktest.DefaultUPN || whole.ResolvedOnDateTime == nil {
		t.Errorf("resolvedBy %v resolvedOnDateTime %v; want set by %s", whole.ResolvedBy, whole.ResolvedOnDateTime, mocktest.DefaultUPN)
	}
	if whole.ActivityLogs == nil || len(*whole.ActivityLogs) != 1 || (*whole.ActivityLogs)[0].StatusTo != client.MicrosoftGraphPartnerSecuritySecurityAlertStatusResolved {
		t.Errorf("activityLogs = %+v; want one entry to resolved", whole.ActivityLogs)
	}

	sel := client.Select{client.MicrosoftGraphPartnerSecurityPartnerSecurityAlertPropertyNameStatus, client.MicrosoftGraphPartnerSecurityPartnerSecurityAlertPropertyNameResolvedReason}
	back, err := c.SecurityPartnerGetSecurityAlertsWithResponse(ctx, id, &client.SecurityPartnerGetSecurityAlertsParams{Select: &sel})
	if err != nil {
		t.Fatal(err)
	}
	if back.JSON200 == nil || back.JSON200.Status == nil || back.JSON200.ResolvedReason == nil {
		t.Fatalf("read back: status %d; want 200 with status and resolvedReason\n%s", back.StatusCode(), back.Body)
	}
	if *back.JSON200.Status != client.MicrosoftGraphPartnerSecuritySecurityAlertStatusResolved || *back.JSON200.ResolvedReason != reason {
		t.Errorf("read back status %q reason %q; want resolved fraud", *back.JSON200.Status, *back.JSON200.ResolvedReason)
	}
	if back.JSON200.DisplayName != nil {
		t.Errorf("$select=status,resolvedReason also returned displayName %q", *back.JSON200.DisplayName)
	}
}

// TestGraphErrorTyped decodes Graph error envelopes into the generated
// ODataError type: a 404 for an unknown id and a 400 for a body the
// contract rejects (resolvedReason without status resolved).
func TestGraphErrorTyped(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()

	missing, err := c.SecurityPartnerGetSecurityAlertsWithResponse(ctx, "no-such-alert", nil)
	if err != nil {
		t.Fatal(err)
	}
	if missing.JSON404 == nil {
		t.Fatalf("status %d; want 404 with a typed Graph error\n%s", missing.StatusCode(), missing.Body)
	}
	e := missing.JSON404.Error
	if e.Code != "ResourceNotFound" || !strings.Contains(e.Message, "no-such-alert") {
		t.Errorf("error code %q message %q; want ResourceNotFound naming the id", e.Code, e.Message)
	}
	if e.InnerError.RequestId.String() != missing.HTTPResponse.Header.Get("request-id") {
		t.Errorf("innerError.request-id %s; want the request-id header %s", e.InnerError.RequestId, missing.HTTPResponse.Header.Get("request-id"))
	}
	if e.InnerError.Date == "" || e.InnerError.ClientRequestId == "" {
		t.Errorf("innerError = %+v; want date and client-request-id", e.InnerError)
	}

	reason := client.MicrosoftGraphPartnerSecuritySecurityAlertResolvedReasonFraud
	bad, err := c.SecurityPartnerUpdateSecurityAlertsWithResponse(ctx, alert.DocumentedID, nil, client.SecurityPartnerUpdateSecurityAlertsJSONRequestBody{
		Status:         client.MicrosoftGraphPartnerSecuritySecurityAlertStatusActive,
		ResolvedReason: &reason,
	})
	if err != nil {
		t.Fatal(err)
	}
	if bad.JSON400 == nil {
		t.Fatalf("status %d; want 400 with a typed Graph error\n%s", bad.StatusCode(), bad.Body)
	}
	if bad.JSON400.Error.Code != "BadRequest" || !strings.Contains(bad.JSON400.Error.Message, "resolvedReason") {
		t.Errorf("error code %q message %q; want BadRequest naming resolvedReason", bad.JSON400.Error.Code, bad.JSON400.Error.Message)
	}
}
