package conformance_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partner-security/alertmock/conformance"
)

// update rewrites the golden files: go test ./conformance -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const (
	baseA   = "http://mock.test/beta"
	baseB   = "https://graph.test/beta"
	alertID = conformance.DocumentedAlertID
)

// ex builds a recorded exchange against base; header is "Name: value" lines.
func ex(base, method, path string, status int, header, body string) conformance.Exchange {
	h := http.Header{}
	for _, line := range strings.Split(header, "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			h.Add(k, v)
		}
	}
	return conformance.Exchange{Method: method, URL: base + path, Status: status, Header: h, Body: []byte(body), RequestHeader: http.Header{}}
}

const (
	odataJSON = "Content-Type: application/json; odata.metadata=minimal; odata.streaming=true\nOData-Version: 4.0\nrequest-id: 1"
	alertPath = "/security/partner/securityAlerts/" + alertID
	alertBody = `{"id":"` + alertID + `","status":"active","resolvedBy":null,"additionalDetails":{"VM_IP":"[\"vm-ip\"]"}}`
)

// errBody is a Graph error body.
func errBody(code, message string) string {
	return `{"error":{"code":"` + code + `","message":"` + message + `","innerError":{"date":"2024-01-23T16:03:33Z","request-id":"x"}}}`
}

// driftResults are two hand-made results of the same scenarios, one for each
// aspect the drift report names.
func driftResults() (*conformance.Result, *conformance.Result) {
	read := func(base string) conformance.Exchange {
		return ex(base, "GET", alertPath, 200, odataJSON, alertBody)
	}
	type sc = conformance.ScenarioResult
	a := &conformance.Result{BaseURL: baseA, AlertID: alertID, Scenarios: []sc{
		{Feature: "read_alert.feature", Line: 10, Name: "Read an alert", Tags: []string{"@live-safe", "@documented"}, Outcome: conformance.Passed,
			Exchanges: []conformance.Exchange{read(baseA)}},
		{Feature: "validation.feature", Line: 20, Name: "Refused: a status that does not exist", Tags: []string{"@live-writes", "@assumption"}, Outcome: conformance.Passed,
			Exchanges: []conformance.Exchange{read(baseA), ex(baseA, "PATCH", alertPath, 400, odataJSON, errBody("BadRequest", "Invalid value 'bogus' for property 'status'."))}},
		{Feature: "list_alerts.feature", Line: 16, Name: "The list is sent as OData JSON", Tags: []string{"@live-safe", "@documented"}, Outcome: conformance.Passed,
			Exchanges: []conformance.Exchange{ex(baseA, "GET", "/security/partner/securityAlerts?$top=2", 200, odataJSON, `{"value":[`+alertBody+`]}`)}},
		{Feature: "read_alert.feature", Line: 50, Name: "Nullable properties are sent as null", Tags: []string{"@live-safe", "@documented"}, Outcome: conformance.Passed,
			Exchanges: []conformance.Exchange{read(baseA)}},
		{Feature: "not_found.feature", Line: 9, Name: "Reading an alert that does not exist", Tags: []string{"@live-safe", "@documented"}, Outcome: conformance.Passed,
			Exchanges: []conformance.Exchange{ex(baseA, "GET", "/security/partner/securityAlerts/nope", 404, odataJSON, errBody("ResourceNotFound", "The alert 'nope' does not exist."))}},
		{Feature: "error_envelope.feature", Line: 11, Name: "An error is in the Graph error envelope", Tags: []string{"@live-safe"}, Outcome: conformance.Failed,
			Step: "the response is a valid \"ODataError\"", Err: "contract: GET " + baseA + "/security/partner/securityAlerts/nope: body is not valid",
			Exchanges: []conformance.Exchange{ex(baseA, "GET", "/security/partner/securityAlerts/nope", 404, odataJSON, `{}`)}},
		{Feature: "activity_log.feature", Line: 10, Name: "Starting an investigation is recorded in the activity log", Tags: []string{"@live-writes", "@documented"}, Outcome: conformance.Passed,
			Exchanges: []conformance.Exchange{read(baseA), ex(baseA, "PATCH", alertPath, 200, odataJSON, alertBody), read(baseA)}},
	}}
	b := &conformance.Result{BaseURL: baseB, AlertID: alertID, Scenarios: []sc{
		{Feature: "read_alert.feature", Line: 10, Name: "Read an alert", Tags: []string{"@live-safe", "@documented"}, Outcome: conformance.Passed,
			Exchanges: []conformance.Exchange{ex(baseB, "GET", alertPath, 200, odataJSON, `{"id":"`+alertID+`","status":"resolved","resolvedBy":"danas@contoso.com","additionalDetails":{}}`)}},
		{Feature: "validation.feature", Line: 20, Name: "Refused: a status that does not exist", Tags: []string{"@live-writes", "@assumption"}, Outcome: conformance.Failed,
			Step: `the request fails with status 400 and error code "BadRequest"`, Err: `error code = "RequestBodyRead"; want "BadRequest" (PATCH ` + baseB + alertPath + ")\nsecond line",
			Exchanges: []conformance.Exchange{read(baseB), ex(baseB, "PATCH", alertPath, 400, odataJSON, errBody("RequestBodyRead", "Cannot read the body."))}},
		{Feature: "list_alerts.feature", Line: 16, Name: "The list is sent as OData JSON", Tags: []string{"@live-safe", "@documented"}, Outcome: conformance.Failed,
			Step: `the response header "Content-Type" has the parameter "odata.metadata=minimal"`, Err: `header Content-Type = "application/json"; want the parameter odata.metadata=minimal`,
			Exchanges: []conformance.Exchange{ex(baseB, "GET", "/security/partner/securityAlerts?$top=2", 200, "Content-Type: application/json\nOData-Version: 4.0\nrequest-id: 2", `{"value":[`+alertBody+`,`+alertBody+`]}`)}},
		{Feature: "read_alert.feature", Line: 50, Name: "Nullable properties are sent as null", Tags: []string{"@live-safe", "@documented"}, Outcome: conformance.Failed,
			Step: `the alert has the property "resolvedBy"`, Err: `the alert has no "resolvedBy"`,
			Exchanges: []conformance.Exchange{ex(baseB, "GET", alertPath, 200, odataJSON, `{"id":"`+alertID+`","status":"active"}`)}},
		{Feature: "not_found.feature", Line: 9, Name: "Reading an alert that does not exist", Tags: []string{"@live-safe", "@documented"}, Outcome: conformance.Failed,
			Step: "the request fails with status 404 and error code \"ResourceNotFound\"", Err: "status = 400; want 404",
			Exchanges: []conformance.Exchange{ex(baseB, "GET", "/security/partner/securityAlerts/nope", 400, odataJSON, errBody("BadRequest", "Invalid id."))}},
		{Feature: "error_envelope.feature", Line: 11, Name: "An error is in the Graph error envelope", Tags: []string{"@live-safe"}, Outcome: conformance.Failed,
			Step: "the response is a valid \"ODataError\"", Err: "contract: GET " + baseB + "/security/partner/securityAlerts/nope: body is not valid",
			Exchanges: []conformance.Exchange{ex(baseB, "GET", "/security/partner/securityAlerts/nope", 404, odataJSON, `{}`)}},
		{Feature: "activity_log.feature", Line: 10, Name: "Starting an investigation is recorded in the activity log", Tags: []string{"@live-writes", "@documented"}, Outcome: conformance.Failed,
			Step: "the activity log has 1 new entry", Err: "the activity log has 0 new entries; want 1",
			Exchanges: []conformance.Exchange{read(baseB), ex(baseB, "PATCH", alertPath, 200, odataJSON, alertBody)}},
	}}
	return a, b
}

// TestDriftReportGolden writes the drift of driftResults in every format and
// compares it with the golden files in testdata/.
func TestDriftReportGolden(t *testing.T) {
	a, b := driftResults()
	d, err := conformance.Diff(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if d.Agree() || d.Differing() != 5 {
		t.Errorf("Agree() = %v, Differing() = %d; want false, 5", d.Agree(), d.Differing())
	}
	for _, f := range []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{"drift-report.txt", func(w *bytes.Buffer) error { return d.WriteText(w) }},
		{"drift-report.json", func(w *bytes.Buffer) error { return d.WriteJSON(w) }},
		{"drift-report.md", func(w *bytes.Buffer) error { return d.WriteMarkdown(w) }},
	} {
		t.Run(f.file, func(t *testing.T) {
			var got bytes.Buffer
			if err := f.write(&got); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", f.file), got.Bytes())
		})
	}
	var parsed struct {
		Agree     bool `json:"agree"`
		Differing int  `json:"differing"`
		Scenarios []struct {
			Same bool `json:"same"`
		} `json:"scenarios"`
	}
	var buf bytes.Buffer
	if err := d.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(buf.Bytes(), &parsed); err != nil {
		t.Fatalf("the JSON report does not parse: %v", err)
	}
	if parsed.Agree || parsed.Differing != 5 || len(parsed.Scenarios) != 7 {
		t.Errorf("JSON report: agree %v, differing %d, %d scenarios; want false, 5, 7", parsed.Agree, parsed.Differing, len(parsed.Scenarios))
	}
}

// golden compares got with the file, or rewrites it with -update.
func golden(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from the output (run with -update to accept it)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

// TestFirstDifference checks which difference the report names first, and that
// what depends only on the data (values of a success, null against a value,
// members of an open type, paging tokens, the alert id) is no difference.
func TestFirstDifference(t *testing.T) {
	const list = "/security/partner/securityAlerts"
	tests := []struct {
		name string
		a, b []conformance.Exchange
		want string // Difference.String(), or "" for none
	}{
		{
			name: "status comes before an earlier header",
			a:    []conformance.Exchange{ex(baseA, "GET", list, 200, odataJSON, `{"value":[]}`), ex(baseA, "GET", alertPath, 200, odataJSON, alertBody)},
			b:    []conformance.Exchange{ex(baseB, "GET", list, 200, "Content-Type: text/plain", `{"value":[]}`), ex(baseB, "GET", alertPath, 500, odataJSON, errBody("InternalServerError", "boom"))},
			want: "request 2 (GET /security/partner/securityAlerts/{alertId}): status: A 200, B 500",
		},
		{
			name: "an error code",
			a:    []conformance.Exchange{ex(baseA, "PATCH", alertPath, 400, odataJSON, errBody("BadRequest", "m"))},
			b:    []conformance.Exchange{ex(baseB, "PATCH", alertPath, 400, odataJSON, errBody("ReadOnlyProperty", "m"))},
			want: "request 1 (PATCH /security/partner/securityAlerts/{alertId}): error code: A BadRequest, B ReadOnlyProperty",
		},
		{
			name: "a missing header",
			a:    []conformance.Exchange{ex(baseA, "GET", list, 429, odataJSON+"\nRetry-After: 2", errBody("TooManyRequests", "m"))},
			b:    []conformance.Exchange{ex(baseB, "GET", list, 429, odataJSON, errBody("TooManyRequests", "m"))},
			want: "request 1 (GET /security/partner/securityAlerts): header Retry-After: A present, B (absent)",
		},
		{
			name: "a property of another type",
			a:    []conformance.Exchange{ex(baseA, "GET", alertPath, 200, odataJSON, `{"isTest":false}`)},
			b:    []conformance.Exchange{ex(baseB, "GET", alertPath, 200, odataJSON, `{"isTest":"false"}`)},
			want: "request 1 (GET /security/partner/securityAlerts/{alertId}): property isTest: A boolean, B string",
		},
		{
			name: "a property only B has",
			a:    []conformance.Exchange{ex(baseA, "GET", alertPath, 200, odataJSON, `{"id":"x"}`)},
			b:    []conformance.Exchange{ex(baseB, "GET", alertPath, 200, odataJSON, `{"id":"x","riskScore":3}`)},
			want: "request 1 (GET /security/partner/securityAlerts/{alertId}): property riskScore: A (absent), B number",
		},
		{
			name: "a different message in an error",
			a:    []conformance.Exchange{ex(baseA, "PATCH", alertPath, 400, odataJSON, errBody("BadRequest", "Property 'foo' does not exist."))},
			b:    []conformance.Exchange{ex(baseB, "PATCH", alertPath, 400, odataJSON, errBody("BadRequest", "Bad foo."))},
			want: `request 1 (PATCH /security/partner/securityAlerts/{alertId}): value of error.message: A "Property 'foo' does not exist.", B "Bad foo."`,
		},
		{
			name: "B stopped early",
			a:    []conformance.Exchange{ex(baseA, "GET", alertPath, 200, odataJSON, alertBody), ex(baseA, "GET", list, 200, odataJSON, `{"value":[]}`)},
			b:    []conformance.Exchange{ex(baseB, "GET", alertPath, 200, odataJSON, alertBody)},
			want: "request 2 (GET /security/partner/securityAlerts): requests: A GET /security/partner/securityAlerts, B (no request)",
		},
		{
			name: "another request",
			a:    []conformance.Exchange{ex(baseA, "GET", list+"?$top=1", 200, odataJSON, `{"value":[]}`)},
			b:    []conformance.Exchange{ex(baseB, "GET", list+"?$top=2", 200, odataJSON, `{"value":[]}`)},
			want: "request 1 (GET /security/partner/securityAlerts?$top=1): requests: A GET /security/partner/securityAlerts?$top=1, B GET /security/partner/securityAlerts?$top=2",
		},
		{
			name: "the data is no difference",
			a: []conformance.Exchange{
				ex(baseA, "GET", list+"?$skiptoken=abc", 200, odataJSON, `{"value":[{"status":"active","resolvedBy":null,"additionalDetails":{"a":"1"}}],"@odata.nextLink":"`+baseA+list+`?$skiptoken=def"}`),
				ex(baseA, "PATCH", alertPath, 400, odataJSON, errBody("BadRequest", "same")),
			},
			b: []conformance.Exchange{
				ex(baseB, "GET", list+"?$skiptoken=xyz", 200, odataJSON, `{"value":[{"status":"resolved","resolvedBy":"eve"},{"status":"active","resolvedBy":null,"additionalDetails":{"b":"2"}}],"@odata.nextLink":"`+baseB+list+`?$skiptoken=uvw"}`),
				ex(baseB, "PATCH", alertPath, 400, odataJSON, `{"error":{"code":"BadRequest","message":"same","innerError":{"date":"2030-01-01T00:00:00Z","request-id":"y"}}}`),
			},
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := func(xs []conformance.Exchange, outcome conformance.Outcome) []conformance.ScenarioResult {
				return []conformance.ScenarioResult{{Feature: "f.feature", Line: 1, Name: "s", Outcome: outcome, Step: "x", Exchanges: xs}}
			}
			d, err := conformance.Diff(
				&conformance.Result{BaseURL: baseA, AlertID: alertID, Scenarios: sc(tt.a, conformance.Passed)},
				&conformance.Result{BaseURL: baseB, AlertID: alertID, Scenarios: sc(tt.b, conformance.Failed)})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if x := d.Scenarios[0].Difference; x != nil {
				got = x.String()
			}
			if got != tt.want {
				t.Errorf("first difference = %q;\n                  want %q", got, tt.want)
			}
		})
	}
}

// TestDiffRefusesOtherScenarios checks that results of different scenarios are
// not compared.
func TestDiffRefusesOtherScenarios(t *testing.T) {
	a, b := driftResults()
	b.Scenarios = b.Scenarios[1:]
	if _, err := conformance.Diff(a, b); err == nil {
		t.Error("Diff of 7 and 6 scenarios: no error")
	}
	a, b = driftResults()
	b.Scenarios[0].Line = 11
	if _, err := conformance.Diff(a, b); err == nil {
		t.Error("Diff with another scenario at the same place: no error")
	}
}
