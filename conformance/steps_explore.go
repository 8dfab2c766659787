package conformance

import (
	"context"
	"net/http"
	"net/url"
)

// Steps that the operations of an exploration (explore.go) need and no
// feature needed before. They are ordinary steps: a minimal failing sequence
// is printed with them, and any feature may use them.

// alertUnderTestHasID makes the alert with the id the alert under test of
// the scenario, whatever Config.AlertID says: a scenario printed by an
// exploration names its alert.
func (st *scenario) alertUnderTestHasID(id string) error {
	st.alertID = id
	return nil
}

func (st *scenario) readAlertByIDSelecting(ctx context.Context, id, props string) error {
	return st.do(ctx, request{method: http.MethodGet, target: alertPath(id) + "?" + encodeQuery("$select="+props), auth: st.auth})
}

func (st *scenario) updateByIDWithJSON(ctx context.Context, id, body string) error {
	return st.patchJSON(ctx, id, []byte(st.expand(body)), "application/json")
}

// readPageByPage lists the alerts with the query and follows each
// @odata.nextLink on the base URL's scheme and host, as a client pages, until
// a page has none, is not a 200 (a service may refuse an option it does not
// support) or maxPages were read. Unlike "I read every page", it requires
// nothing of the pages itself: the oracle judges each.
func (st *scenario) readPageByPage(ctx context.Context, query string) error {
	target := "/security/partner/securityAlerts"
	if query != "" {
		target += "?" + encodeQuery(query)
	}
	for i := 0; i < maxPages; i++ {
		if err := st.do(ctx, request{method: http.MethodGet, target: target, auth: st.auth}); err != nil {
			return err
		}
		obj, _ := st.last.json.(map[string]any)
		link, _ := obj["@odata.nextLink"].(string)
		if st.last.status != http.StatusOK || link == "" {
			return nil
		}
		u, err := url.Parse(link)
		if err != nil || u.Scheme != st.suite.base.Scheme || u.Host != st.suite.base.Host {
			return nil
		}
		target = link
	}
	return nil
}
