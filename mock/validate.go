package mock

import (
	"sync"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/dataset"
	"github.com/partner-security/alertmock/openapi"
)

// DecodeAlerts reads alerts from JSON, either an array of alerts or an object
// {"value":[…]} (the shape of a list response). Each alert is checked against
// the contract's partnerSecurityAlertEntity schema and alert.Validate, and ids
// must be unique; the error wraps ErrInvalidAlert and names the alert (index
// and id) and the property. It serves the -data file; the method of the same
// name on Server does the same with the schema it compiled at New. The work is
// package mock/dataset's (dataset.Decode); this compiles the schema for it.
func DecodeAlerts(data []byte) ([]alert.Alert, error) {
	sch, err := openapi.NewSchemas()
	if err != nil {
		return nil, err
	}
	entity, err := sch.Compile(openapi.SchemaAlertEntity)
	if err != nil {
		return nil, err
	}
	return dataset.Decode(entity, data)
}

// DecodeAlerts is the package function DecodeAlerts with the Server's compiled
// schema (for the control API).
func (s *Server) DecodeAlerts(data []byte) ([]alert.Alert, error) {
	return dataset.Decode(s.schemas.entity, data)
}

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
func (s *Server) validatePatch(p alert.Patch) error {
	key := patchKey{status: p.Status, reasonSet: p.ReasonSet}
	if p.ResolvedReason != nil {
		key.reason = *p.ResolvedReason
	}
	c := &s.verdicts
	c.mu.Lock()
	defer c.mu.Unlock()
	if err, ok := c.m[key]; ok {
		return err
	}
	v := map[string]any{"status": string(p.Status)}
	if p.ReasonSet {
		v["resolvedReason"] = nil
		if p.ResolvedReason != nil {
			v["resolvedReason"] = string(*p.ResolvedReason)
		}
	}
	var err error
	if verr := s.schemas.update.Validate(v); verr != nil {
		err = errorf(CodeBadRequest, "The request body does not match the contract: %s.", dataset.Problem(verr))
	}
	if c.m == nil {
		c.m = map[patchKey]error{}
	}
	c.m[key] = err
	return err
}
