package mock

import (
	"bytes"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

const listPath = "/security/partner/securityAlerts"

// listIDs lists with the raw query q (already encoded) and returns the body.
func list(t *testing.T, ts *testServer, q string) map[string]any {
	t.Helper()
	got := ts.do(t, req{Path: listPath + q})
	if got.Status != 200 {
		t.Fatalf("GET %s: Status = %d; want 200\n%s", q, got.Status, got.Body)
	}
	return got.JSON(t)
}

func values(m map[string]any) []map[string]any {
	var out []map[string]any
	for _, v := range m["value"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

func TestGetAlert(t *testing.T) {
	ts := newTestServer(t, Config{})
	got := ts.do(t, req{Path: alertPath(alert.DocumentedID)})
	m := got.JSON(t)
	if m["@odata.context"] != ts.Root+"/beta/$metadata#security/partner/securityAlerts/$entity" {
		t.Errorf("@odata.context = %v", m["@odata.context"])
	}
	for _, k := range []string{"resolvedReason", "resolvedBy", "resolvedOnDateTime"} {
		if v, ok := m[k]; !ok || v != nil {
			t.Errorf("%s = %v (present %v); want null", k, v, ok)
		}
	}
	if logs, ok := m["activityLogs"].([]any); !ok || len(logs) != 0 {
		t.Errorf("activityLogs = %v; want []", m["activityLogs"])
	}

	sel := ts.do(t, req{Path: alertPath(alert.DocumentedID) + "?$select=status,id"}).JSON(t)
	if want := ts.Root + "/beta/$metadata#security/partner/securityAlerts(status,id)/$entity"; sel["@odata.context"] != want {
		t.Errorf("@odata.context = %v; want %s", sel["@odata.context"], want)
	}
	if len(sel) != 3 || sel["status"] != "active" || sel["id"] != alert.DocumentedID {
		t.Errorf("selected = %v; want @odata.context, status, id", sel)
	}
	// The $ prefix is optional.
	if sel2 := ts.do(t, req{Path: alertPath(alert.DocumentedID) + "?select=status"}).JSON(t); len(sel2) != 2 {
		t.Errorf("select without $ = %v; want @odata.context and status", sel2)
	}
}

func TestListPaging(t *testing.T) {
	ts := newTestServer(t, Config{})
	total := len(alert.Seed(0))
	first := list(t, ts, "?$top=20&$count=true&foo=bar")
	if got := first["@odata.count"]; got != float64(total) {
		t.Errorf("@odata.count = %v; want %d", got, total)
	}
	if first["@odata.context"] != ts.Root+"/beta/$metadata#security/partner/securityAlerts" {
		t.Errorf("@odata.context = %v", first["@odata.context"])
	}
	// The link is written as Graph writes URLs, not HTML-escaped.
	if raw := ts.do(t, req{Path: listPath + "?$top=20&$count=true"}).Body; bytes.Contains(raw, []byte(`\u0026`)) {
		t.Errorf("list body has an HTML-escaped '&': %s", raw)
	}
	var ids []string
	page := first
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("too many pages")
		}
		for _, v := range values(page) {
			ids = append(ids, v["id"].(string))
		}
		if page["@odata.count"] != float64(total) {
			t.Errorf("@odata.count on page %d = %v; want %d", pages, page["@odata.count"], total)
		}
		next, ok := page["@odata.nextLink"].(string)
		if !ok {
			if _, present := page["@odata.nextLink"]; present {
				t.Errorf("@odata.nextLink present but not a string on the last page: %v", page["@odata.nextLink"])
			}
			break
		}
		u, err := url.Parse(next)
		if err != nil || !strings.HasPrefix(next, ts.Root+"/beta/security/partner/securityAlerts?") {
			t.Fatalf("nextLink %q is not an absolute URL on the request's host", next)
		}
		for _, keep := range []string{"$top", "$count", "foo"} {
			if !u.Query().Has(keep) {
				t.Errorf("nextLink %q lost %s", next, keep)
			}
		}
		page = list(t, ts, "?"+u.RawQuery)
	}
	if len(ids) != total || !slices.IsSorted(ids) {
		t.Errorf("paged through %d ids (sorted %v); want %d in id order", len(ids), slices.IsSorted(ids), total)
	}
	if all := values(list(t, ts, "")); len(all) != total {
		t.Errorf("default page = %d alerts; want %d (page size 100)", len(all), total)
	}
	if p := list(t, ts, "?top=5&skip=50"); len(values(p)) != total-50 || p["@odata.nextLink"] != nil {
		t.Errorf("skip=50 page = %d alerts, nextLink %v; want %d, none", len(values(p)), p["@odata.nextLink"], total-50)
	}
}

func TestListFilterOrderSelect(t *testing.T) {
	ts := newTestServer(t, Config{})
	seed := alert.Seed(0)
	count := func(f func(a alert.Alert) bool) int {
		n := 0
		for _, a := range seed {
			if f(a) {
				n++
			}
		}
		return n
	}
	cut := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		filter string
		want   int
	}{
		{"status eq 'resolved'", count(func(a alert.Alert) bool { return a.Status == alert.StatusResolved })},
		{"status ne 'resolved'", count(func(a alert.Alert) bool { return a.Status != alert.StatusResolved })},
		{"severity eq 'high' and confidenceLevel eq 'low'", count(func(a alert.Alert) bool {
			return a.Severity == alert.SeverityHigh && a.ConfidenceLevel == alert.ConfidenceLow
		})},
		{"(status eq 'active' or status eq 'investigating') and isTest eq false", count(func(a alert.Alert) bool {
			return (a.Status == alert.StatusActive || a.Status == alert.StatusInvestigating) && a.IsTest != nil && !*a.IsTest
		})},
		{"detectedDateTime ge 2024-06-01T00:00:00Z", count(func(a alert.Alert) bool { return !a.DetectedDateTime.Before(cut) })},
		{"detectedDateTime lt 2024-06-01T00:00:00Z", count(func(a alert.Alert) bool { return a.DetectedDateTime.Before(cut) })},
		{"resolvedReason eq null", count(func(a alert.Alert) bool { return a.ResolvedReason == nil })},
		{"resolvedReason eq 'fraud'", count(func(a alert.Alert) bool { return a.ResolvedReason != nil && *a.ResolvedReason == alert.ReasonFraud })},
		{"alertType eq 'networkConnectionsToCryptoMiningPools'", count(func(a alert.Alert) bool { return a.AlertType == "networkConnectionsToCryptoMiningPools" })},
		{"customerTenantId eq 'it''s'", 0},
		{"not (status eq 'resolved')", count(func(a alert.Alert) bool { return a.Status != alert.StatusResolved })},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			if tt.want == 0 && !strings.Contains(tt.filter, "it''s") {
				t.Fatalf("seed has no match for %q; the test would prove nothing", tt.filter)
			}
			m := list(t, ts, "?$count=true&$filter="+url.QueryEscape(tt.filter))
			if got := len(values(m)); got != tt.want || m["@odata.count"] != float64(tt.want) {
				t.Errorf("matches = %d, @odata.count = %v; want %d", got, m["@odata.count"], tt.want)
			}
		})
	}

	t.Run("orderby severity desc, detectedDateTime", func(t *testing.T) {
		vs := values(list(t, ts, "?$orderby="+url.QueryEscape("severity desc,detectedDateTime asc")+"&$select=severity,detectedDateTime"))
		for i := 1; i < len(vs); i++ {
			a, b := alert.Severity(vs[i-1]["severity"].(string)).Rank(), alert.Severity(vs[i]["severity"].(string)).Rank()
			if a < b || (a == b && vs[i-1]["detectedDateTime"].(string) > vs[i]["detectedDateTime"].(string)) {
				t.Fatalf("items %d,%d out of order: %v, %v", i-1, i, vs[i-1], vs[i])
			}
		}
	})
	t.Run("select projects items", func(t *testing.T) {
		m := list(t, ts, "?$select=id,status&$top=3")
		if want := ts.Root + "/beta/$metadata#security/partner/securityAlerts(id,status)"; m["@odata.context"] != want {
			t.Errorf("@odata.context = %v; want %s", m["@odata.context"], want)
		}
		for _, v := range values(m) {
			if len(v) != 2 {
				t.Errorf("item %v; want only id and status", v)
			}
		}
	})
}

// TestQueryRejected: every malformed or unsupported option is a 400 that
// names the option as sent with $.
func TestQueryRejected(t *testing.T) {
	ts := newTestServer(t, Config{})
	tests := []struct {
		name, path, contains string
	}{
		{"top zero", listPath + "?$top=0", "'$top'"},
		{"top too big", listPath + "?$top=1000", "'$top'"},
		{"top not a number", listPath + "?top=abc", "'$top'"},
		{"skip negative", listPath + "?$skip=-1", "'$skip'"},
		{"count not boolean", listPath + "?$count=yes", "'$count'"},
		{"select unknown property", listPath + "?$select=id,bogus", "'bogus'"},
		{"select empty item", listPath + "?$select=id,,status", "'$select'"},
		{"orderby unsupported property", listPath + "?$orderby=displayName", "'$orderby'"},
		{"orderby bad direction", listPath + "?$orderby=severity%20up", "'$orderby'"},
		{"filter unknown property", listPath + "?$filter=" + url.QueryEscape("bogus eq 'x'"), "'$filter'"},
		{"filter unsupported property", listPath + "?$filter=" + url.QueryEscape("displayName eq 'x'"), "'displayName'"},
		{"filter bad enum value", listPath + "?$filter=" + url.QueryEscape("status eq 'bogus'"), "'bogus'"},
		{"filter unsupported operator", listPath + "?$filter=" + url.QueryEscape("status gt 'active'"), "'gt'"},
		{"filter unclosed string", listPath + "?$filter=" + url.QueryEscape("status eq 'active"), "not closed"},
		{"filter function", listPath + "?$filter=" + url.QueryEscape("startswith(alertType,'x')"), "'$filter'"},
		{"filter bad date", listPath + "?$filter=" + url.QueryEscape("detectedDateTime gt yesterday"), "'yesterday'"},
		{"filter trailing token", listPath + "?$filter=" + url.QueryEscape("status eq 'active' 'x'"), "unexpected"},
		{"filter empty", listPath + "?$filter=", "'$filter'"},
		{"expand unsupported", listPath + "?$expand=activityLogs", "'$expand'"},
		{"unknown $ option", listPath + "?$foo=1", "'$foo'"},
		{"duplicate option", listPath + "?$top=1&top=2", "'$top'"},
		{"filter on get", alertPath(alert.DocumentedID) + "?$filter=" + url.QueryEscape("status eq 'active'"), "'$filter'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ts.do(t, req{Path: tt.path})
			if got.Status != 400 || got.ErrorCode(t) != CodeBadRequest {
				t.Fatalf("Status, code = %d, %s; want 400, BadRequest\n%s", got.Status, got.ErrorCode(t), got.Body)
			}
			if msg := got.ErrorMessage(t); !strings.Contains(msg, tt.contains) {
				t.Errorf("message = %q; want it to contain %q", msg, tt.contains)
			}
		})
	}
}

// TestCountFalse: $count=false answers without @odata.count, as no $count
// does (a mutant treating false as true survived every test).
func TestCountFalse(t *testing.T) {
	ts := newTestServer(t, Config{})
	for _, q := range []string{"?$count=false", "?$count=false&$top=2", ""} {
		if m := list(t, ts, q); m["@odata.count"] != nil {
			t.Errorf("list%s: @odata.count = %v; want none", q, m["@odata.count"])
		}
	}
	if m := list(t, ts, "?$count=true&$top=2"); m["@odata.count"] != float64(len(alert.Seed(0))) {
		t.Errorf("list?$count=true: @odata.count = %v; want %d", m["@odata.count"], len(alert.Seed(0)))
	}
}

// TestNextLinkDropsCredentials reproduces issue #19 part 7:
// @odata.nextLink carried an access_token query parameter back to the
// client. Parameters that carry credentials are left out; the OData
// options and other parameters stay.
func TestNextLinkDropsCredentials(t *testing.T) {
	ts := newTestServer(t, Config{})
	p := list(t, ts, "?$top=2&access_token=SECRET1&Client_Secret=SECRET2&sig=SECRET3&foo=bar&$select=id")
	next, _ := p["@odata.nextLink"].(string)
	if strings.Contains(next, "SECRET") || strings.Contains(strings.ToLower(next), "access_token") {
		t.Errorf("nextLink %q carries a credential", next)
	}
	for _, keep := range []string{"$top=2", "foo=bar", "$select=id", "$skip=2"} {
		if !strings.Contains(next, keep) {
			t.Errorf("nextLink %q lost %s", next, keep)
		}
	}
}
