package grapherr

import (
	"encoding/json"
	"errors"
	"strings"
)

// FieldError reports a field of a request that is not valid: a member of a
// control API body, a query parameter of a control call or a flag file. The
// control API answers it 400, with Name as the error's target.
type FieldError struct {
	// Name is the field, e.g. "status" or "value[2].kind".
	Name string
	// Value is the value as sent.
	Value string
	// Reason says what was expected.
	Reason string
}

// Error implements error.
func (e *FieldError) Error() string {
	return "Invalid value '" + e.Value + "' for '" + e.Name + "': " + e.Reason + "."
}

// Field returns the name of the field (the target of a 400 answer).
func (e *FieldError) Field() string { return e.Name }

// JSONFieldError turns err, an encoding/json error decoding data, into a
// *FieldError naming the field (after prefix) where the decoder tells it: a
// member of the wrong type or an unknown field (with DisallowUnknownFields);
// anything else, a body of the wrong type included, is about the whole "body".
func JSONFieldError(err error, prefix string, data []byte) *FieldError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &FieldError{Name: prefix + te.Field, Value: te.Value, Reason: "expected " + te.Type.String()}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return &FieldError{Name: prefix + name, Value: name, Reason: "no such field"}
	}
	return &FieldError{Name: prefix + "body", Value: Abbreviate(string(data)), Reason: err.Error()}
}

// Abbreviate cuts s to a length fit for an error message.
func Abbreviate(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
