package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/partner-security/alertmock/mock/alert"
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
		err = errorf(CodeBadRequest, "The request body does not match the contract: %s.", schemaProblem(verr))
	}
	if c.m == nil {
		c.m = map[patchKey]error{}
	}
	c.m[key] = err
	return err
}

// schemaProblem describes the deepest cause of a schema validation error as
// "property 'x': message" (or the location when it is not a property).
func schemaProblem(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	loc := ve.InstanceLocation
	if loc == "" {
		return ve.Message
	}
	segs := strings.Split(strings.TrimPrefix(loc, "/"), "/")
	return fmt.Sprintf("property '%s' (at %s): %s", strings.Join(segs, "."), loc, ve.Message)
}

// decodeJSON decodes one JSON value the way jsonschema/v5 expects (numbers as
// json.Number).
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
