package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/cucumber/godog"
)

// Evolvable enums (Microsoft Graph's API design pattern): members added to an
// enum after unknownFutureValue reach a client only when it sends
// "Prefer: include-unknown-enum-members", and the answer then says
// Preference-Applied. No alert enum has such a member today, so the
// scenarios need a target whose metadata declares one (alertmock
// -enum-member securityAlertSeverity=critical) and the mock's control API to
// give the alert under test that severity; a target without one skips them.

// preferUnknownEnums is the preference of the pattern.
const preferUnknownEnums = "include-unknown-enum-members"

// alertsPath is the mock's control endpoint that adds alerts to a session
// (openapi/control.yaml).
const alertsPath = "/_mock/sessions/%s/alerts"

// laterSeverity gives the alert under test a severity the target's metadata
// declares after unknownFutureValue, through the mock's control API.
func (st *scenario) laterSeverityAlert(ctx context.Context) error {
	x, err := st.send(ctx, request{method: http.MethodGet, target: "/$metadata", auth: st.suite.defaultCredentials(), accept: "application/xml", protocol: true})
	if err != nil {
		return err
	}
	d, err := readCSDL(x.body)
	if err != nil {
		return fmt.Errorf("setting up: GET %s: %w", x.url, err)
	}
	members := indexCSDL(d).enums["microsoft.graph.partner.security.securityAlertSeverity"]
	i := slices.Index(members, unknownFutureValue)
	if i < 0 || i == len(members)-1 {
		return fmt.Errorf("%w: the target's metadata declares no severity after unknownFutureValue (start alertmock with -enum-member securityAlertSeverity=critical)", godog.ErrSkip)
	}
	st.laterSeverity = members[i+1]
	a, err := st.setup(ctx, request{method: http.MethodGet, target: alertPath(st.alertID)})
	if err != nil {
		return err
	}
	delete(a, "@odata.context")
	a["severity"] = st.laterSeverity
	body, _ := json.Marshal(a)
	if st.session == "" {
		return fmt.Errorf("this step needs the scenario's %s header", SessionHeader)
	}
	return st.control(ctx, fmt.Sprintf(alertsPath, url.PathEscape(st.session)), body, http.StatusOK)
}

// maskLaterMembers returns an answer with the later severity read as
// unknownFutureValue, for the contract check of an answer to a client that
// opted in: the description lists only the members known when it was written.
func (st *scenario) maskLaterMembers(body []byte) []byte {
	if st.laterSeverity == "" {
		return body
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return body
	}
	mask := func(m map[string]any) {
		if m["severity"] == st.laterSeverity {
			m["severity"] = unknownFutureValue
		}
	}
	if m, ok := v.(map[string]any); ok {
		mask(m)
		if list, ok := m["value"].([]any); ok {
			for _, it := range list {
				if a, ok := it.(map[string]any); ok {
					mask(a)
				}
			}
		}
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

func (st *scenario) readAlertUnknownEnums(ctx context.Context) error {
	return st.do(ctx, request{method: http.MethodGet, target: alertPath(st.alertID), auth: st.auth, unknownEnums: true})
}

func (st *scenario) alertPropertyIsLater(name string) error {
	if st.laterSeverity == "" {
		return fmt.Errorf("no member after unknownFutureValue was found (use: the alert has a severity added after unknownFutureValue)")
	}
	return st.alertPropertyIs(name, `"`+st.laterSeverity+`"`)
}

// listFilteringLater lists the alerts with "$filter=<property> eq '<the later
// member>'", opting in to unknown members or not.
func (st *scenario) listFilteringLater(ctx context.Context, optIn, property string) error {
	q := encodeQuery(fmt.Sprintf("$filter=%s eq '%s'", property, st.laterSeverity))
	return st.do(ctx, request{method: http.MethodGet, target: "/security/partner/securityAlerts?" + q, auth: st.auth, unknownEnums: optIn != ""})
}

// listedIncludeAlertUnderTest checks that the latest list holds the alert
// under test.
// listedIncludeAlertUnderTest looks for the alert under test in the latest
// list and the pages after it (a service chooses its page size).
func (st *scenario) listedIncludeAlertUnderTest(ctx context.Context) error {
	obj, err := st.lastObject()
	if err != nil {
		return err
	}
	listed, err := st.allPages(ctx, obj, st.last.url)
	if err != nil {
		return err
	}
	for _, a := range listed {
		if a["id"] == st.alertID {
			return nil
		}
	}
	return fmt.Errorf("%s %s lists %d alerts, not the alert under test %s", st.last.method, st.last.url, len(listed), st.alertID)
}
