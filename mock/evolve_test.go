package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/partner-security/alertmock/mock/alert"
)

const preferUnknown = "include-unknown-enum-members"

// newEvolvedServer serves a mock whose severity gained "critical" after
// unknownFutureValue, with one alert of session "e" holding it.
func newEvolvedServer(t *testing.T) (*testServer, string) {
	t.Helper()
	ts := newTestServer(t, Config{FutureEnumMembers: alert.Future{alert.EnumSeverity: {"critical"}}})
	a := mustAlert(t, ts.Server, "e", alert.DocumentedID)
	a.Severity = "critical"
	if err := ts.Put("e", a); err != nil {
		t.Fatal(err)
	}
	return ts, a.ID
}

// TestEvolvableEnumMasked: without "Prefer: include-unknown-enum-members" a
// member added after unknownFutureValue reads as unknownFutureValue, in a
// read, a projection, a list and an update's answer; with it, as it is, and
// the answer says Preference-Applied.
func TestEvolvableEnumMasked(t *testing.T) {
	ts, id := newEvolvedServer(t)
	for _, tt := range []struct {
		name, method, path, body, prefer, want, applied string
	}{
		{"get", "GET", alertPath(id), "", "", "unknownFutureValue", ""},
		{"get opted in", "GET", alertPath(id), "", preferUnknown, "critical", preferUnknown},
		{"get opted in among other preferences", "GET", alertPath(id), "", "return=minimal, Include-Unknown-Enum-Members", "critical", preferUnknown},
		{"select", "GET", alertPath(id) + "?$select=id,severity", "", "", "unknownFutureValue", ""},
		{"patch", "PATCH", alertPath(id), `{"status":"investigating"}`, "", "unknownFutureValue", ""},
		{"patch opted in", "PATCH", alertPath(id), `{"status":"active"}`, preferUnknown, "critical", preferUnknown},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ts.do(t, req{Method: tt.method, Path: tt.path, Body: tt.body, Session: "e", Header: map[string]string{"Prefer": tt.prefer}})
			if got.Status != 200 {
				t.Fatalf("Status = %d; want 200\n%s", got.Status, got.Body)
			}
			if sev := got.JSON(t)["severity"]; sev != tt.want {
				t.Errorf("severity = %v; want %s", sev, tt.want)
			}
			if pa := got.Header.Get("Preference-Applied"); pa != tt.applied {
				t.Errorf("Preference-Applied = %q; want %q", pa, tt.applied)
			}
		})
	}
	if got := mustAlert(t, ts.Server, "e", id).Severity; got != "critical" {
		t.Errorf("stored severity = %s; want critical (masking changes only what is sent)", got)
	}
}

// TestEvolvableEnumFilter follows the table of Microsoft's evolvable enums
// guideline for $filter and $orderby.
func TestEvolvableEnumFilter(t *testing.T) {
	ts, id := newEvolvedServer(t)
	ids := func(t *testing.T, q, prefer string) (int, []string, []any) {
		t.Helper()
		got := ts.do(t, req{Path: listPath + "?" + q, Session: "e", Header: map[string]string{"Prefer": prefer}})
		if got.Status != 200 {
			return got.Status, nil, nil
		}
		var out []string
		var sev []any
		for _, v := range got.JSON(t)["value"].([]any) {
			m := v.(map[string]any)
			out = append(out, fmt.Sprint(m["id"]))
			sev = append(sev, m["severity"])
		}
		return 200, out, sev
	}
	f := func(expr string) string { return "$filter=" + url.QueryEscape(expr) + "&$top=999" }
	for _, tt := range []struct {
		name, q, prefer string
		status          int
		wantID          bool // the alert holding critical is listed
		wantOthers      bool // other alerts are listed
	}{
		{"eq unknownFutureValue matches the unknown member", f("severity eq 'unknownFutureValue'"), "", 200, true, false},
		{"eq unknownFutureValue opted in matches nothing", f("severity eq 'unknownFutureValue'"), preferUnknown, 200, false, false},
		{"ne unknownFutureValue leaves it out", f("severity ne 'unknownFutureValue'"), "", 200, false, true},
		{"eq the new member without opting in is a 400", f("severity eq 'critical'"), "", 400, false, false},
		{"eq the new member opted in", f("severity eq 'critical'"), preferUnknown, 200, true, false},
		{"ne a known member keeps it", f("severity ne 'high'"), "", 200, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, got, _ := ids(t, tt.q, tt.prefer)
			if status != tt.status {
				t.Fatalf("Status = %d; want %d", status, tt.status)
			}
			has := strings.Contains(strings.Join(got, " "), id)
			others := len(got) > 0 && (len(got) > 1 || !has)
			if has != tt.wantID || others != tt.wantOthers {
				t.Errorf("listed %d alerts, the evolved one %v, others %v; want %v, %v", len(got), has, others, tt.wantID, tt.wantOthers)
			}
		})
	}
	got := ts.do(t, req{Path: listPath + "?" + f("severity eq 'critical'"), Session: "e"})
	if msg := got.ErrorMessage(t); !strings.Contains(msg, "Prefer: include-unknown-enum-members") {
		t.Errorf("400 message %q does not say how to use the member", msg)
	}
	// $orderby sorts by the numeric value, then masks.
	_, order, sev := ids(t, "$orderby=severity%20desc&$top=1", "")
	if len(order) != 1 || order[0] != id || sev[0] != "unknownFutureValue" {
		t.Errorf("$orderby=severity desc: first %v with severity %v; want %s as unknownFutureValue", order, sev, id)
	}
}

// TestEvolvableEnumSeeding: the control API and the dataset take alerts
// holding a declared future member, and refuse any other value; the
// metadata declares the members after the sentinel; bad declarations stop
// New.
func TestEvolvableEnumSeeding(t *testing.T) {
	ts, _ := newEvolvedServer(t)
	ctl := newControlClient(t, ts)
	a := mustAlert(t, ts.Server, "seed", alert.DocumentedID)
	for _, tt := range []struct {
		severity string
		status   int
	}{{"critical", 200}, {"catastrophic", 400}} {
		a.Severity = alert.Severity(tt.severity)
		got := ctl.call(t, http.MethodPost, "/_mock/sessions/seed/alerts", string(mustJSON(t, a)))
		if got.Status != tt.status {
			t.Errorf("POST an alert with severity %s: Status = %d; want %d\n%s", tt.severity, got.Status, tt.status, got.Body)
		}
	}
	plain := newTestServer(t, Config{})
	a.Severity = "critical"
	if err := plain.Put("x", a); err == nil {
		t.Error("Put of severity critical on a mock without FutureEnumMembers: nil error; want one")
	}
	if _, err := DecodeAlertsWith(mustJSON(t, []alert.Alert{a}), alert.Future{alert.EnumSeverity: {"critical"}}); err != nil {
		t.Errorf("DecodeAlertsWith: %v; want the alert", err)
	}
	if _, err := DecodeAlerts(mustJSON(t, []alert.Alert{a})); err == nil {
		t.Error("DecodeAlerts of severity critical: nil error; want one")
	}

	md := ts.do(t, req{Path: "/$metadata"})
	if !strings.Contains(string(md.Body), "<Member Name=\"unknownFutureValue\" Value=\"4\" />\n        <Member Name=\"critical\" Value=\"5\" />") {
		t.Errorf("the metadata does not declare critical = 5 after unknownFutureValue in securityAlertSeverity:\n%s", md.Body)
	}
	for _, bad := range []alert.Future{{"severityLevel": {"x"}}, {alert.EnumSeverity: {"high"}}, {alert.EnumSeverity: {"a b"}}, {alert.EnumStatus: {"x", "x"}}} {
		if _, err := New(Config{FutureEnumMembers: bad}); err == nil {
			t.Errorf("New with FutureEnumMembers %v: nil error; want one", bad)
		}
	}
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestEvolvableEnumPatch: a client that accepts unknown members may set a
// status added after unknownFutureValue (Graph's guideline); without the
// preference it is a 400, and the status stays. Others then read it, and the
// activity log entry, as unknownFutureValue.
func TestEvolvableEnumPatch(t *testing.T) {
	ts := newTestServer(t, Config{FutureEnumMembers: alert.Future{alert.EnumStatus: {"dismissed"}}})
	body := `{"status":"dismissed"}`
	got := ts.do(t, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Body: body, Session: "p"})
	if got.Status != 400 || !strings.Contains(got.ErrorMessage(t), "status") {
		t.Fatalf("PATCH dismissed without the preference: %d %s; want 400 naming status", got.Status, got.Body)
	}
	if st := mustAlert(t, ts.Server, "p", alert.DocumentedID).Status; st != alert.StatusActive {
		t.Fatalf("status after the refused PATCH = %s; want active", st)
	}
	got = ts.do(t, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Body: body, Session: "p", Header: map[string]string{"Prefer": preferUnknown}})
	if got.Status != 200 || got.JSON(t)["status"] != "dismissed" {
		t.Fatalf("PATCH dismissed with the preference: %d %s; want 200 with status dismissed", got.Status, got.Body)
	}
	a := mustAlert(t, ts.Server, "p", alert.DocumentedID)
	if n := len(a.ActivityLogs); a.Status != "dismissed" || n == 0 || a.ActivityLogs[n-1].StatusTo != "dismissed" {
		t.Fatalf("stored alert: status %s, log %+v; want dismissed with an entry active → dismissed", a.Status, a.ActivityLogs)
	}
	read := ts.do(t, req{Path: alertPath(alert.DocumentedID), Session: "p"}).JSON(t)
	logs, _ := read["activityLogs"].([]any)
	last, _ := logs[len(logs)-1].(map[string]any)
	if read["status"] != "unknownFutureValue" || last["statusTo"] != "unknownFutureValue" {
		t.Errorf("read without the preference: status %v, last statusTo %v; want unknownFutureValue for both", read["status"], last["statusTo"])
	}
	bad := ts.do(t, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Body: `{"status":"dismissed","resolvedReason":"fraud"}`,
		Session: "p", Header: map[string]string{"Prefer": preferUnknown}})
	if bad.Status != 400 {
		t.Errorf("a reason with status dismissed: Status = %d; want 400 (a reason goes only with resolved)", bad.Status)
	}
}
