package graphapi

import (
	"slices"
	"sync"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/dataset"
	"github.com/partner-security/alertmock/mock/grapherr"
)

// patchVerdicts memoises the schema's verdict on decoded PATCH bodies. The
// value checked is the patch the mock acts on (status and resolvedReason as
// decoded), a small closed set once alert.DecodePatch has accepted the body,
// so each distinct patch is validated against the description once.
type patchVerdicts struct {
	mu sync.Mutex
	m  map[patchKey]error
}

// patchKey identifies a decoded patch (comparable, so a map key without
// building a string).
type patchKey struct {
	status    alert.Status
	reasonSet bool
	reason    alert.ResolvedReason // "" with reasonSet: null
}

// validatePatch checks the decoded patch against the description's
// partnerSecurityAlertUpdate schema (compiled at New).
func (a *API) validatePatch(p alert.Patch) error {
	key := patchKey{status: p.Status, reasonSet: p.ReasonSet}
	if p.ResolvedReason != nil {
		key.reason = *p.ResolvedReason
	}
	c := &a.verdicts
	c.mu.Lock()
	defer c.mu.Unlock()
	if err, ok := c.m[key]; ok {
		return err
	}
	// The description knows only the declared members: a member added after
	// unknownFutureValue is checked as the sentinel.
	known := func(enum, m string) string {
		if slices.Contains(alert.EnumValues(enum), m) {
			return m
		}
		return alert.UnknownFutureValue
	}
	v := map[string]any{"status": known(alert.EnumStatus, string(p.Status))}
	if p.ReasonSet {
		v["resolvedReason"] = nil
		if p.ResolvedReason != nil {
			v["resolvedReason"] = known(alert.EnumResolvedReason, string(*p.ResolvedReason))
		}
	}
	var err error
	if verr := a.contract.Update.Validate(v); verr != nil {
		err = grapherr.Errorf(grapherr.CodeBadRequest, "The request body does not match the contract: %s.", dataset.Problem(verr))
	}
	if c.m == nil {
		c.m = map[patchKey]error{}
	}
	c.m[key] = err
	return err
}
