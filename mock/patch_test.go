package mock

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

// TestPatchDocumentedExample: the documented request on the documented alert
// gives the documented response (status corrected to resolved), with the
// server's clock and the caller as resolver.
func TestPatchDocumentedExample(t *testing.T) {
	ts := newTestServer(t, Config{})
	tok := jwt(map[string]any{"scp": "PartnerSecurity.ReadWrite.All", "upn": "danas@contoso.com", "tid": "t1"})
	got := ts.do(t, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Token: tok,
		Body: `{"status":"resolved","resolvedReason":"fraud"}`})
	if got.Status != 200 {
		t.Fatalf("Status = %d; want 200\n%s", got.Status, got.Body)
	}
	if ct := got.Header.Get("Content-Type"); ct != ContentTypeOData {
		t.Errorf("Content-Type = %q; want %q", ct, ContentTypeOData)
	}
	if v := got.Header.Get("OData-Version"); v != "4.0" {
		t.Errorf("OData-Version = %q; want 4.0", v)
	}
	m := got.JSON(t)
	want := map[string]any{
		"@odata.context":     ts.Root + "/beta/$metadata#security/partner/securityAlerts/$entity",
		"status":             "resolved",
		"resolvedReason":     "fraud",
		"resolvedBy":         "danas@contoso.com",
		"resolvedOnDateTime": "2025-03-04T05:06:07Z",
		"activityLogs": []any{map[string]any{"statusFrom": "active", "statusTo": "resolved",
			"updatedBy": "danas@contoso.com", "updatedDateTime": "2025-03-04T05:06:07Z"}},
	}
	for k, w := range want {
		if !reflect.DeepEqual(m[k], w) {
			t.Errorf("%s = %v; want %v", k, m[k], w)
		}
	}
	// The change is kept, in the token's session (tid) only.
	read := ts.do(t, req{Path: alertPath(alert.DocumentedID), Token: tok}).JSON(t)
	if read["status"] != "resolved" {
		t.Errorf("read back status = %v; want resolved", read["status"])
	}
	if other := ts.do(t, req{Path: alertPath(alert.DocumentedID)}).JSON(t); other["status"] != "active" {
		t.Errorf("default session status = %v; want active (sessions isolated)", other["status"])
	}
}

// TestPatchSemantics walks one alert through a sequence of PATCHes and checks
// the activity log and resolution fields after each.
func TestPatchSemantics(t *testing.T) {
	ts := newTestServer(t, Config{})
	id := alert.DocumentedID
	steps := []struct {
		name       string
		body       string
		wantStatus string
		wantReason any // nil: null
		wantLogs   int
		resolved   bool // resolvedBy/resolvedOnDateTime set
	}{
		{"investigate", `{"status":"investigating"}`, "investigating", nil, 1, false},
		{"same status appends nothing", `{"status":"investigating"}`, "investigating", nil, 1, false},
		{"unknownFutureValue status is no change", `{"status":"unknownFutureValue"}`, "investigating", nil, 1, false},
		{"resolve without reason", `{"status":"resolved"}`, "resolved", nil, 2, true},
		{"set reason while resolved", `{"status":"resolved","resolvedReason":"legitimate"}`, "resolved", "legitimate", 2, true},
		{"unknownFutureValue reason is no change", `{"status":"resolved","resolvedReason":"unknownFutureValue"}`, "resolved", "legitimate", 2, true},
		{"null reason clears it", `{"status":"resolved","resolvedReason":null}`, "resolved", nil, 2, true},
		{"reason again, with type annotation", `{"@odata.type":"#microsoft.graph.partner.security.partnerSecurityAlert","resolvedReason":"ignore","status":"resolved"}`, "resolved", "ignore", 2, true},
		{"reopen clears resolution", `{"status":"active"}`, "active", nil, 3, false},
		{"resolve again", `{"status":"resolved","resolvedReason":"fraud"}`, "resolved", "fraud", 4, true},
	}
	for _, st := range steps {
		got := ts.do(t, req{Method: "PATCH", Path: alertPath(id), Body: st.body})
		if got.Status != 200 {
			t.Fatalf("%s: Status = %d; want 200\n%s", st.name, got.Status, got.Body)
		}
		m := got.JSON(t)
		logs, _ := m["activityLogs"].([]any)
		if m["status"] != st.wantStatus || !reflect.DeepEqual(m["resolvedReason"], st.wantReason) || len(logs) != st.wantLogs {
			t.Errorf("%s: status, resolvedReason, len(activityLogs) = %v, %v, %d; want %v, %v, %d",
				st.name, m["status"], m["resolvedReason"], len(logs), st.wantStatus, st.wantReason, st.wantLogs)
		}
		if (m["resolvedBy"] != nil) != st.resolved || (m["resolvedOnDateTime"] != nil) != st.resolved {
			t.Errorf("%s: resolvedBy, resolvedOnDateTime = %v, %v; want set = %v", st.name, m["resolvedBy"], m["resolvedOnDateTime"], st.resolved)
		}
		if st.resolved && m["resolvedBy"] != alert.DefaultActor {
			t.Errorf("%s: resolvedBy = %v; want %s (opaque token)", st.name, m["resolvedBy"], alert.DefaultActor)
		}
	}
}

// TestPatchActor: who is recorded for each kind of token.
func TestPatchActor(t *testing.T) {
	tests := []struct {
		name   string
		claims map[string]any // nil: opaque token
		want   string
	}{
		{"upn", map[string]any{"scp": "PartnerSecurity.ReadWrite.All", "upn": "a@x.com", "unique_name": "b@x.com"}, "a@x.com"},
		{"unique_name", map[string]any{"scp": "PartnerSecurity.ReadWrite.All", "unique_name": "b@x.com", "preferred_username": "c@x.com"}, "b@x.com"},
		{"preferred_username", map[string]any{"scp": "PartnerSecurity.ReadWrite.All", "preferred_username": "c@x.com"}, "c@x.com"},
		{"app-only appid", map[string]any{"roles": []string{"PartnerSecurity.ReadWrite.All"}, "appid": "app-1", "upn": "ignored@x.com"}, "app-1"},
		{"app-only azp", map[string]any{"roles": []string{"PartnerSecurity.ReadWrite.All"}, "azp": "app-2"}, "app-2"},
		{"opaque", nil, alert.DefaultActor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, Config{})
			tok := "opaque"
			if tt.claims != nil {
				tok = jwt(tt.claims)
			}
			got := ts.do(t, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Token: tok, Body: `{"status":"resolved"}`})
			m := got.JSON(t)
			logs, _ := m["activityLogs"].([]any)
			if got.Status != 200 || len(logs) != 1 {
				t.Fatalf("Status = %d, logs %d; want 200, 1\n%s", got.Status, len(logs), got.Body)
			}
			if by := logs[0].(map[string]any)["updatedBy"]; by != tt.want || m["resolvedBy"] != tt.want {
				t.Errorf("updatedBy, resolvedBy = %v, %v; want %s", by, m["resolvedBy"], tt.want)
			}
		})
	}
}

// TestPatchRejected covers every bad-input class: status, Graph code, a message
// naming the field, and the alert unchanged afterwards.
func TestPatchRejected(t *testing.T) {
	id := alert.DocumentedID
	big := `{"status":"active","pad":"` + strings.Repeat("x", DefaultMaxBodyBytes) + `"}`
	tests := []struct {
		name     string
		path     string // default: the documented alert
		body     string
		header   map[string]string
		status   int
		code     string
		contains string
	}{
		{"malformed JSON", "", `{"status":`, nil, 400, CodeBadRequest, "not valid JSON"},
		{"trailing garbage", "", `{"status":"active"} x`, nil, 400, CodeBadRequest, "exactly one JSON value"},
		{"array body", "", `["status"]`, nil, 400, CodeBadRequest, "must be a JSON object"},
		{"string body", "", `"active"`, nil, 400, CodeBadRequest, "must be a JSON object"},
		{"empty object", "", `{}`, nil, 400, CodeBadRequest, "'status' is required"},
		{"missing status", "", `{"resolvedReason":"fraud"}`, nil, 400, CodeBadRequest, "'status' is required"},
		{"null status", "", `{"status":null}`, nil, 400, CodeBadRequest, "'status' cannot be null"},
		{"status wrong type", "", `{"status":1}`, nil, 400, CodeBadRequest, "property 'status'"},
		{"bad status", "", `{"status":"bogus"}`, nil, 400, CodeBadRequest, "Invalid value 'bogus' for property 'status'; expected one of: active, resolved, investigating, unknownFutureValue."},
		{"status wrong case", "", `{"status":"Resolved"}`, nil, 400, CodeBadRequest, "'Resolved' for property 'status'"},
		{"bad reason", "", `{"status":"resolved","resolvedReason":"spam"}`, nil, 400, CodeBadRequest, "'spam' for property 'resolvedReason'"},
		{"reason wrong type", "", `{"status":"resolved","resolvedReason":true}`, nil, 400, CodeBadRequest, "property 'resolvedReason'"},
		{"reason without resolved", "", `{"status":"active","resolvedReason":"fraud"}`, nil, 400, CodeBadRequest, "'resolvedReason' can be set only"},
		{"unknown property", "", `{"status":"active","foo":1}`, nil, 400, CodeBadRequest, "The property 'foo' does not exist on type 'microsoft.graph.partner.security.partnerSecurityAlert'."},
		{"read-only property", "", `{"status":"active","displayName":"x"}`, nil, 400, CodeBadRequest, "Property 'displayName' is read-only and cannot be set."},
		{"read-only with current value", "", `{"status":"active","id":"` + id + `"}`, nil, 400, CodeBadRequest, "Property 'id' is read-only"},
		{"system property", "", `{"status":"active","activityLogs":[]}`, nil, 400, CodeBadRequest, "Property 'activityLogs' is read-only"},
		{"wrong type annotation", "", `{"@odata.type":"#microsoft.graph.user","status":"active"}`, nil, 400, CodeBadRequest, "'@odata.type'"},
		{"other annotation", "", `{"@odata.etag":"x","status":"active"}`, nil, 400, CodeBadRequest, "'@odata.etag'"},
		{"empty body", "", ``, map[string]string{"Content-Type": "application/json"}, 400, CodeBadRequest, "'status' is required"},
		{"text/plain", "", `{"status":"resolved"}`, map[string]string{"Content-Type": "text/plain"}, 415, CodeUnsupportedMediaType, "'text/plain'"},
		{"no content type", "", `{"status":"resolved"}`, map[string]string{"Content-Type": ""}, 415, CodeUnsupportedMediaType, "no Content-Type"},
		{"json with charset is fine but body bad", "", `{"status":"x"}`, map[string]string{"Content-Type": "application/json; charset=utf-8"}, 400, CodeBadRequest, "'x'"},
		{"too large", "", big, nil, 413, CodeRequestEntityTooLarge, "1048576 bytes"},
		{"unknown id", alertPath("no-such-alert"), `{"status":"resolved"}`, nil, 404, CodeResourceNotFound, "'no-such-alert'"},
		{"query option", alertPath(id) + "?$select=id", `{"status":"resolved"}`, nil, 400, CodeBadRequest, "'$select'"},
	}
	ts := newTestServer(t, Config{})
	before := mustAlert(t, ts.Server, DefaultSession, id)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path == "" {
				path = alertPath(id)
			}
			got := ts.do(t, req{Method: "PATCH", Path: path, Body: tt.body, Header: tt.header})
			if got.Status != tt.status {
				t.Fatalf("Status = %d; want %d\n%s", got.Status, tt.status, got.Body)
			}
			if c := got.ErrorCode(t); c != tt.code {
				t.Errorf("code = %q; want %q", c, tt.code)
			}
			if msg := got.ErrorMessage(t); !strings.Contains(msg, tt.contains) {
				t.Errorf("message = %q; want it to contain %q", msg, tt.contains)
			}
			if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q; want application/json", ct)
			}
			if after := mustAlert(t, ts.Server, DefaultSession, id); !reflect.DeepEqual(after, before) {
				t.Errorf("alert changed by a rejected PATCH:\n got %+v\nwant %+v", after, before)
			}
		})
	}
}

// TestPatchResponseIsWholeAlert: the PATCH answer equals a later GET.
func TestPatchResponseIsWholeAlert(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := ts.do(t, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Body: `{"status":"investigating"}`})
	g := ts.do(t, req{Path: alertPath(alert.DocumentedID)})
	if string(p.Body) != string(g.Body) {
		t.Errorf("PATCH body != GET body:\n%s\n%s", p.Body, g.Body)
	}
	var a alert.Alert
	if err := json.Unmarshal(g.Body, &a); err != nil {
		t.Fatal(err)
	}
	if !a.LastObservedDateTime.Equal(time.Date(2024, 1, 23, 16, 3, 33, 50_000_000, time.UTC)) {
		t.Errorf("lastObservedDateTime = %v; want unchanged", a.LastObservedDateTime)
	}
}
