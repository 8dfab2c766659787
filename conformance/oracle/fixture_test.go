package oracle

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The fixtures build exchanges as a service that keeps every rule answers
// them; each test case then breaks one thing.

// t0 is the time the fixtures' requests are sent around.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const (
	base    = "http://127.0.0.1:8080/beta"
	alertID = "d8b202fc-a216-3404-69ef-bdffa445eff6"
	user    = "u@contoso.com"
	odata   = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)

// token returns an unsigned JWT with the given claims.
func token(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString(b) + "."
}

// userToken is the delegated token of user with the read-write permission.
var userToken = token(map[string]any{"upn": user, "scp": "PartnerSecurity.ReadWrite.All", "exp": t0.Add(time.Hour).Unix(), "nbf": t0.Add(-time.Hour).Unix()})

// fx builds exchanges at successive times, with request-ids of their own.
type fx struct {
	n  int
	at time.Time
}

func newFx() *fx { return &fx{at: t0} }

// exchange returns a request and an answer as a correct service sends them.
func (f *fx) exchange(method, path string, reqBody string, status int, body string) *Exchange {
	f.n++
	sent := f.at
	f.at = f.at.Add(20 * time.Millisecond)
	rid := fmt.Sprintf("00000000-0000-4000-8000-%012d", f.n)
	x := &Exchange{
		Method: method, URL: base + path,
		RequestHeader: http.Header{"Authorization": {"Bearer " + userToken}, "Accept": {"application/json"}},
		Status:        status,
		Header: http.Header{
			"Content-Type": {odata}, "Odata-Version": {"4.0"}, "Request-Id": {rid}, "Client-Request-Id": {rid},
			"Date": {sent.Add(10 * time.Millisecond).Truncate(time.Second).Format(http.TimeFormat)},
		},
		Body: []byte(body),
		Sent: sent, Received: sent.Add(15 * time.Millisecond),
	}
	if reqBody != "" {
		x.RequestBody = []byte(reqBody)
		x.RequestHeader.Set("Content-Type", "application/json")
	}
	if status >= 400 {
		x.Header.Set("Content-Type", "application/json")
		x.Header.Del("Odata-Version")
	}
	return x
}

func (f *fx) get(body string) *Exchange {
	return f.exchange("GET", "/security/partner/securityAlerts/"+alertID, "", 200, body)
}

func (f *fx) getSelect(sel, body string) *Exchange {
	return f.exchange("GET", "/security/partner/securityAlerts/"+alertID+"?$select="+sel, "", 200, body)
}

func (f *fx) patch(req string, status int, body string) *Exchange {
	return f.exchange("PATCH", "/security/partner/securityAlerts/"+alertID, req, status, body)
}

func (f *fx) list(query, body string) *Exchange {
	path := "/security/partner/securityAlerts"
	if query != "" {
		path += "?" + query
	}
	return f.exchange("GET", path, "", 200, body)
}

// envelope is an error body as Graph sends it, for the exchange's ids.
func envelope(x *Exchange) string {
	return fmt.Sprintf(`{"error":{"code":"BadRequest","message":"m","innerError":{"date":%q,"request-id":%q,"client-request-id":%q}}}`,
		x.Received.UTC().Format("2006-01-02T15:04:05"), x.Header.Get("request-id"), x.Header.Get("client-request-id"))
}

// fail returns an error exchange with Graph's envelope.
func (f *fx) fail(method, path, reqBody string, status int) *Exchange {
	x := f.exchange(method, path, reqBody, status, "")
	x.Body = []byte(envelope(x))
	return x
}

// alert returns a whole alert as JSON: the documented alert with changes
// (a nil value removes a property).
func alert(changes map[string]any) string {
	a := map[string]any{
		"@odata.context": base + "/$metadata#security/partner/securityAlerts/$entity",
		"id":             alertID, "displayName": "d", "description": "x", "alertType": "t",
		"status": "active", "severity": "high", "confidenceLevel": "medium",
		"customerTenantId": "c", "subscriptionId": "s", "valueAddedResellerTenantId": nil, "catalogOfferId": "MS-AZR-0017G",
		"detectedDateTime": "2024-01-23T16:03:33.05Z", "firstObservedDateTime": nil, "lastObservedDateTime": nil,
		"resolvedReason": nil, "resolvedOnDateTime": nil, "resolvedBy": nil, "isTest": false,
		"affectedResources": []any{}, "activityLogs": []any{}, "additionalDetails": map[string]any{"ConnectionCount": "5"},
	}
	for k, v := range changes {
		if v == nil {
			delete(a, k)
			continue
		}
		if v == null {
			a[k] = nil
			continue
		}
		a[k] = v
	}
	b, _ := json.Marshal(a)
	return string(b)
}

// null stands for a JSON null in alert's changes (nil removes the property).
var null = &struct{}{}

// entry is an activity log entry at t0 plus ms milliseconds.
func entry(from, to string, ms int) map[string]any {
	return map[string]any{"statusFrom": from, "statusTo": to, "updatedBy": user, "updatedDateTime": t0.Add(time.Duration(ms) * time.Millisecond).Format(time.RFC3339Nano)}
}

// page returns a list body with the items, and members of the page object.
func page(query string, items []string, members ...string) string {
	ctx := "securityAlerts"
	if sel := parseQuery(query).selected(); sel != nil {
		ctx += "(" + strings.Join(sel, ",") + ")"
	}
	extra := ""
	for _, m := range members {
		extra += "," + m
	}
	return fmt.Sprintf(`{"@odata.context":"%s/$metadata#security/partner/%s","value":[%s]%s}`, base, ctx, strings.Join(items, ","), extra)
}

// projection returns the selected properties of an alert, with its context.
func projection(sel string, changes map[string]any) string {
	var a map[string]any
	_ = json.Unmarshal([]byte(alert(changes)), &a)
	out := map[string]any{"@odata.context": base + "/$metadata#security/partner/securityAlerts(" + sel + ")/$entity"}
	for _, k := range strings.Split(sel, ",") {
		out[k] = a[k]
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// item returns the selected properties of an alert as a list item.
func item(sel string, changes map[string]any) string {
	var a map[string]any
	_ = json.Unmarshal([]byte(projection(sel, changes)), &a)
	delete(a, "@odata.context")
	b, _ := json.Marshal(a)
	return string(b)
}

// wholeItem returns a whole alert as a list item.
func wholeItem(changes map[string]any) string {
	var a map[string]any
	_ = json.Unmarshal([]byte(alert(changes)), &a)
	delete(a, "@odata.context")
	b, _ := json.Marshal(a)
	return string(b)
}
