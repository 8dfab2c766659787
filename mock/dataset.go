package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/openapi"
)

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

// decodeBatch is how many alerts a worker of decodeAlerts takes at a time.
const decodeBatch = 128

// decodeAlerts checks and decodes every alert on all CPUs (the schema check
// dominates the start with a large -data file), then reports the first
// problem in dataset order, as a loop over the alerts would.
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
					if errs[i] = decodeAlert(entity, raws[i], &out[i]); errs[i] != nil {
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
func decodeAlert(entity *jsonschema.Schema, raw json.RawMessage, a *alert.Alert) error {
	v, err := decodeJSON(raw)
	if err != nil {
		return err
	}
	if !quickValid(v) {
		if err := entity.Validate(v); err != nil {
			return schemaError{schemaProblem(err)}
		}
	}
	if !fromValue(raw, v, a) {
		if err := json.Unmarshal(raw, a); err != nil {
			return err
		}
	}
	if err := a.Validate(); err != nil {
		return err
	}
	*a = a.InUTC()
	return nil
}

// schemaError is a schema problem as decodeAlerts words it (%s, not %w: the
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
