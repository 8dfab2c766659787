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
	"github.com/partner-security/alertmock/openapi"
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

// DecodeAlerts reads alerts from JSON, either an array of alerts or an object
// {"value":[…]} (the shape of a list response). Each alert is checked against
// the contract's partnerSecurityAlertEntity schema and alert.Validate, and ids
// must be unique; the error wraps ErrInvalidAlert and names the alert (index
// and id) and the property. It serves the -data file; the method of the same
// name on Server does the same with the schema it compiled at New.
func DecodeAlerts(data []byte) ([]alert.Alert, error) {
	sch, err := openapi.NewSchemas()
	if err != nil {
		return nil, err
	}
	entity, err := sch.Compile(openapi.SchemaAlertEntity)
	if err != nil {
		return nil, err
	}
	return decodeAlerts(entity, data)
}

// DecodeAlerts is the package function DecodeAlerts with the Server's compiled
// schema (for the control API).
func (s *Server) DecodeAlerts(data []byte) ([]alert.Alert, error) {
	return decodeAlerts(s.schemas.entity, data)
}

func decodeAlerts(entity *jsonschema.Schema, data []byte) ([]alert.Alert, error) {
	var raws []json.RawMessage
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var wrapper struct {
			Value *[]json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(trimmed, &wrapper); err != nil {
			return nil, fmt.Errorf("%w: not valid JSON: %w", ErrInvalidAlert, err)
		}
		if wrapper.Value == nil {
			return nil, fmt.Errorf("%w: the object has no 'value' array of alerts", ErrInvalidAlert)
		}
		raws = *wrapper.Value
	} else if err := json.Unmarshal(trimmed, &raws); err != nil {
		return nil, fmt.Errorf("%w: expected a JSON array of alerts or {\"value\":[…]}: %w", ErrInvalidAlert, err)
	}
	out := make([]alert.Alert, 0, len(raws))
	seen := map[string]int{}
	for i, raw := range raws {
		id := peekID(raw)
		v, err := decodeJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: alert %d (id %q): %w", ErrInvalidAlert, i, id, err)
		}
		if err := entity.Validate(v); err != nil {
			return nil, fmt.Errorf("%w: alert %d (id %q): %s", ErrInvalidAlert, i, id, schemaProblem(err))
		}
		var a alert.Alert
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, fmt.Errorf("%w: alert %d (id %q): %w", ErrInvalidAlert, i, id, err)
		}
		if err := a.Validate(); err != nil {
			return nil, fmt.Errorf("%w: alert %d (id %q): %w", ErrInvalidAlert, i, id, err)
		}
		if j, dup := seen[a.ID]; dup {
			return nil, fmt.Errorf("%w: alert %d (id %q): property 'id': the same id as alert %d", ErrInvalidAlert, i, id, j)
		}
		seen[a.ID] = i
		out = append(out, a.InUTC())
	}
	return out, nil
}

func peekID(raw json.RawMessage) string {
	var v struct {
		ID any `json:"id"`
	}
	_ = json.Unmarshal(raw, &v)
	return fmt.Sprint(v.ID)
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
