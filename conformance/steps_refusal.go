package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/cucumber/godog"
)

// The documented core of a refusal: a 4xx in the Graph error envelope, and the
// alert (with its activity log) as it was. The exact status and error code are
// assumptions and have steps of their own ("fails with status N and error code X").

// inEnvelope checks that the latest response is a JSON error in the Graph
// error envelope: an "error" object with a code and a message.
func (st *scenario) inEnvelope() error {
	if st.last == nil {
		return errors.New("no request was sent yet")
	}
	if mt, _, err := mime.ParseMediaType(st.last.header.Get("Content-Type")); err != nil || mt != "application/json" {
		return fmt.Errorf("%s %s: Content-Type = %q; want application/json for an error", st.last.method, st.last.url, st.last.header.Get("Content-Type"))
	}
	if err := st.oracle.Validate("ODataError", st.last.body); err != nil {
		return fmt.Errorf("%s %s answered %d: %w (body %s)", st.last.method, st.last.url, st.last.status, err, excerpt(st.last.body))
	}
	return nil
}

// refusedClientError checks that the latest response is a 4xx in the envelope.
func (st *scenario) refusedClientError() error {
	if st.last == nil {
		return errors.New("no request was sent yet")
	}
	if st.last.status < 400 || st.last.status > 499 {
		return fmt.Errorf("%s %s: status = %d; want a client error (4xx) refusing it (body %s)", st.last.method, st.last.url, st.last.status, excerpt(st.last.body))
	}
	return st.inEnvelope()
}

// failsInEnvelope checks the status and the envelope, not the error code.
func (st *scenario) failsInEnvelope(status int) error {
	if err := st.succeedsWith(status); err != nil {
		return err
	}
	return st.inEnvelope()
}

// failsEitherInEnvelope checks that the status is one of two and the body is
// in the envelope (a 403 that a service may answer as 404 to hide what exists,
// as Graph's guidelines allow).
func (st *scenario) failsEitherInEnvelope(one, other int) error {
	if st.last == nil {
		return errors.New("no request was sent yet")
	}
	if st.last.status != one && st.last.status != other {
		return fmt.Errorf("%s %s: status = %d; want %d or %d (body %s)", st.last.method, st.last.url, st.last.status, one, other, excerpt(st.last.body))
	}
	return st.inEnvelope()
}

// succeedsUnlessUnsupported checks that a list with query options succeeded,
// or skips the rest of the scenario when the service refused the options
// with a 400 in the envelope: Microsoft documents that support for query
// options and filter operators varies by API, and that an unsupported one
// may be refused. The @assumption scenarios demand the support.
func (st *scenario) succeedsUnlessUnsupported() error {
	if st.last != nil && st.last.status == http.StatusBadRequest && st.inEnvelope() == nil {
		return fmt.Errorf("%s %s was refused as unsupported (400), which Microsoft allows: %w", st.last.method, st.last.url, godog.ErrSkip)
	}
	return st.succeedsWith(http.StatusOK)
}

// noClaimsChallenge checks that a 401 does not ask for a claims challenge:
// Kiota retries once on `WWW-Authenticate: … claims=`, so a plain 401 would be
// sent twice (graph-api.md §7).
func (st *scenario) noClaimsChallenge() error {
	if st.last == nil {
		return errors.New("no request was sent yet")
	}
	for _, v := range st.last.header.Values("WWW-Authenticate") {
		if strings.Contains(strings.ToLower(v), "claims=") {
			return fmt.Errorf("header WWW-Authenticate = %q; want no claims challenge", v)
		}
	}
	return nil
}

// The refusals derived from the description.

func (st *scenario) forbiddenValuesRefused(ctx context.Context) error {
	return st.probeAll(ctx, "forbidden values of writable properties", func(m *alertModel, cur map[string]any) []probe {
		return m.forbiddenValues(cur)
	})
}

func (st *scenario) readOnlyRefused(ctx context.Context) error {
	return st.probeAll(ctx, "changes of read-only properties", func(m *alertModel, cur map[string]any) []probe {
		return m.readOnlyChanges(cur)
	})
}

func (st *scenario) undeclaredRefused(ctx context.Context) error {
	return st.probeAll(ctx, "undeclared properties", func(m *alertModel, cur map[string]any) []probe {
		return []probe{m.undeclared(cur)}
	})
}

// probeAll sends each probe as an update of the alert under test and checks
// that it is refused with a 4xx in the envelope and that the alert read
// afterwards is the baseline; it reports every probe that was not.
func (st *scenario) probeAll(ctx context.Context, what string, probes func(*alertModel, map[string]any) []probe) error {
	if st.baseline == nil {
		return errors.New("no alert was noted before (use: the alert is \"…\")")
	}
	list := probes(st.suite.contract.model, st.baseline)
	if len(list) == 0 {
		return fmt.Errorf("the description yields no %s to send", what)
	}
	var failed []string
	for _, p := range list {
		body, err := json.Marshal(p.body)
		if err != nil {
			return err
		}
		x, err := st.send(ctx, request{method: http.MethodPatch, target: alertPath(st.alertID), body: body, hasBody: true, contentType: "application/json", auth: st.auth})
		if x != nil {
			st.last = x
		}
		if err == nil {
			err = st.refusedClientError()
		}
		if err == nil {
			err = st.alertUnchanged(ctx)
		}
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s with body %s: %v", p.what, body, err))
			// Put the alert back so that the next probe starts from the baseline.
			if status, _ := st.baseline["status"].(string); status != "" {
				_ = st.alertIs(ctx, status)
			}
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d %s derived from the description were not refused, or changed the alert:\n  %s", len(failed), len(list), what, strings.Join(failed, "\n  "))
	}
	return nil
}
