// Package dataset decodes alert datasets and checks them against the contract.
//
// It serves the -data file of alertmock and the control API's PUT of a
// session's alerts. The contract comes in as a compiled schema, so the package
// depends on the schema validator (github.com/santhosh-tekuri/jsonschema/v5)
// but not on the openapi package; the root package mock compiles the schema
// from the description and passes it.
package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/partner-security/alertmock/mock/alert"
)

// ErrInvalidAlert is wrapped by every error about the data: not JSON, not an
// array of alerts, an alert that breaks the contract, a duplicate id. The root
// package exports it as mock.ErrInvalidAlert.
var ErrInvalidAlert = errors.New("mock: invalid alert")

// decodeBatch is how many alerts a worker of Decode takes at a time.
const decodeBatch = 128

// Decode reads alerts from JSON, either an array of alerts or an object
// {"value":[…]} (the shape of a list response). Each alert is checked against
// entity, the contract's partnerSecurityAlertEntity schema compiled by the
// caller (openapi.SchemaAlertEntity: this package does not load the contract),
// and against alert.Validate, and ids must be unique. The error wraps
// ErrInvalidAlert and names the alert (index and id) and the property.
//
// The alerts are checked on all CPUs (the schema check dominates the start
// with a large -data file); the error is still the first problem in dataset
// order, as a loop over the alerts would report it.
func Decode(entity *jsonschema.Schema, data []byte) ([]alert.Alert, error) {
	return DecodeFuture(entity, data, nil)
}

// DecodeFuture is Decode for a service whose alert enums gained the members
// of future after unknownFutureValue: an alert may hold them, and is checked
// against the entity schema as if each were unknownFutureValue (the schema
// knows only the declared members).
func DecodeFuture(entity *jsonschema.Schema, data []byte, future alert.Future) ([]alert.Alert, error) {
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
	out := make([]alert.Alert, len(raws))
	errs := make([]error, len(raws)) // the problem of alert i, before duplicates
	var next atomic.Int64
	var failed atomic.Int64 // lowest failing index + 1 seen so far; later batches stop early
	failed.Store(int64(len(raws)) + 1)
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(raws)/decodeBatch)) {
		wg.Go(func() {
			for {
				lo := int(next.Add(decodeBatch)) - decodeBatch
				if lo >= len(raws) || int64(lo) >= failed.Load() {
					return
				}
				for i := lo; i < min(lo+decodeBatch, len(raws)); i++ {
					if errs[i] = decodeAlert(entity, raws[i], &out[i], future); errs[i] != nil {
						for f := failed.Load(); int64(i)+1 < f && !failed.CompareAndSwap(f, int64(i)+1); f = failed.Load() {
						}
						break
					}
					raws[i] = nil // let the collector have it
				}
			}
		})
	}
	wg.Wait()
	seen := make(map[string]int, len(raws))
	for i := range out {
		if errs[i] != nil {
			return nil, fmt.Errorf("%w: alert %d (id %q): %w", ErrInvalidAlert, i, peekID(raws[i]), errs[i])
		}
		if j, dup := seen[out[i].ID]; dup {
			return nil, fmt.Errorf("%w: alert %d (id %q): property 'id': the same id as alert %d", ErrInvalidAlert, i, out[i].ID, j)
		}
		seen[out[i].ID] = i
	}
	return out, nil
}

// decodeAlert checks one alert against the schema and alert.Validate and
// stores it, in UTC, in a.
func decodeAlert(entity *jsonschema.Schema, raw json.RawMessage, a *alert.Alert, future alert.Future) error {
	v, err := DecodeJSON(raw)
	if err != nil {
		return err
	}
	checked := maskFuture(v, future)
	if !quickValid(checked) {
		if err := entity.Validate(checked); err != nil {
			return schemaError{Problem(err)}
		}
	}
	if !fromValue(raw, v, a) {
		if err := json.Unmarshal(raw, a); err != nil {
			return err
		}
	}
	if err := a.ValidateFuture(future); err != nil {
		return err
	}
	*a = a.InUTC()
	return nil
}

// schemaError is a schema problem as Decode words it (%s, not %w: the
// validation error's own text is not part of the message).
type schemaError struct{ problem string }

func (e schemaError) Error() string { return e.problem }

func peekID(raw json.RawMessage) string {
	var v struct {
		ID any `json:"id"`
	}
	_ = json.Unmarshal(raw, &v)
	return fmt.Sprint(v.ID)
}

// Problem describes the deepest cause of a schema validation error as
// "property 'x' (at /x): message" (or the message alone when it is not about a
// property); any other error as its text.
func Problem(err error) string {
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

// DecodeJSON decodes one JSON value the way jsonschema/v5 expects (numbers as
// json.Number).
func DecodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// maskFuture returns v with every enum value that is a member of future
// replaced by unknownFutureValue, for the schema check; v itself is not
// changed (the alert is built from it). Without future members it is v.
func maskFuture(v any, future alert.Future) any {
	obj, ok := v.(map[string]any)
	if len(future) == 0 || !ok {
		return v
	}
	mask := func(m map[string]any, prop, enum string) {
		if s, ok := m[prop].(string); ok && future.Has(enum, s) {
			m[prop] = alert.UnknownFutureValue
		}
	}
	out := make(map[string]any, len(obj))
	for k, x := range obj {
		out[k] = x
	}
	mask(out, "status", alert.EnumStatus)
	mask(out, "severity", alert.EnumSeverity)
	mask(out, "confidenceLevel", alert.EnumConfidence)
	mask(out, "resolvedReason", alert.EnumResolvedReason)
	if logs, ok := obj["activityLogs"].([]any); ok {
		masked := make([]any, len(logs))
		for i, l := range logs {
			masked[i] = l
			if lm, ok := l.(map[string]any); ok {
				c := make(map[string]any, len(lm))
				for k, x := range lm {
					c[k] = x
				}
				mask(c, "statusFrom", alert.EnumStatus)
				mask(c, "statusTo", alert.EnumStatus)
				masked[i] = c
			}
		}
		out["activityLogs"] = masked
	}
	return out
}
