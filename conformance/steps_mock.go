package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// faultsPath is the mock's control endpoint for fault rules (see
// openapi/control.yaml); it is outside the Graph contract, so its answers are
// not checked against the description.
const faultsPath = "/_mock/faults"

// injectFault asks the mock to answer the scenario's next request with status:
// a fault rule limited to this scenario's session, firing once.
func (st *scenario) injectFault(ctx context.Context, status int) error {
	if st.session == "" {
		return fmt.Errorf("a fault needs the scenario's %s header, or it would hit every scenario", SessionHeader)
	}
	rule, _ := json.Marshal(map[string]any{"kind": "status", "status": status, "session": st.session, "times": 1})
	return st.control(ctx, faultsPath, rule, http.StatusCreated)
}

// control posts body to a path of the mock's control API (outside the Graph
// contract, so its answer is not checked against the description) and
// requires the status want.
func (st *scenario) control(ctx context.Context, path string, body []byte, want int) error {
	u := st.suite.base.Scheme + "://" + st.suite.base.Host + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if st.suite.cfg.AdminToken != "" {
		req.Header.Set("Authorization", "Bearer "+st.suite.cfg.AdminToken)
	}
	resp, err := st.suite.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("this step needs the mock's control API (the scenario is @mock-only): POST %s: %w", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("this step needs the mock's control API (the scenario is @mock-only): POST %s answered %d: %s", u, resp.StatusCode, excerpt(b))
	}
	// The control API changes the state outside the Graph API, where the
	// shadow models do not follow.
	for _, m := range st.models {
		m.Forget()
	}
	return nil
}

func (st *scenario) willThrottle(ctx context.Context) error {
	return st.injectFault(ctx, http.StatusTooManyRequests)
}

func (st *scenario) willFail(ctx context.Context, status int) error {
	return st.injectFault(ctx, status)
}
