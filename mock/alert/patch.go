package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrInvalid is the sentinel every *PropertyError matches with errors.Is: the
// request asked for something the alert type does not allow.
var ErrInvalid = errors.New("alert: invalid")

// PropertyError says which property of a request body (or of an alert) is wrong
// and why. Message is written for the client and quotes Property in single quotes.
type PropertyError struct {
	Property string // the JSON property name; empty for a problem with the whole body
	Message  string
}

// Error returns the message.
func (e *PropertyError) Error() string { return e.Message }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *PropertyError) Is(target error) bool { return target == ErrInvalid }

func propertyErrorf(property, format string, args ...any) *PropertyError {
	return &PropertyError{Property: property, Message: fmt.Sprintf(format, args...)}
}

func invalidValue(property, value string, members []string) *PropertyError {
	return propertyErrorf(property, "Invalid value '%s' for property '%s'; expected one of: %s.",
		value, property, strings.Join(members, ", "))
}

// DefaultActor is who changed an alert when the request carries no identity
// (opaque token, or auth disabled).
const DefaultActor = "alertmock@contoso.com"

// Patch is a decoded PATCH body: the writable properties of an alert.
type Patch struct {
	// Status is the requested status; StatusUnknownFutureValue means "no change".
	Status Status
	// ReasonSet reports whether the body had resolvedReason at all.
	ReasonSet bool
	// ResolvedReason is the requested reason when ReasonSet; nil means null (clear).
	// ReasonUnknownFutureValue means "no change".
	ResolvedReason *ResolvedReason

	// future are the members the client may set besides the declared ones
	// (DecodePatchFuture): members added after unknownFutureValue.
	future Future
}

// Validate checks the rules between the writable properties: status is a known
// member, and resolvedReason (other than unknownFutureValue, which means "no
// change") may be sent only together with status resolved (our assumption:
// Microsoft documents no rule).
func (p Patch) Validate() error {
	if !p.Status.Valid() && !p.future.Has(EnumStatus, string(p.Status)) {
		return invalidValue("status", string(p.Status), p.members(EnumStatus))
	}
	if !p.ReasonSet {
		return nil
	}
	if p.ResolvedReason != nil && !p.ResolvedReason.Valid() && !p.future.Has(EnumResolvedReason, string(*p.ResolvedReason)) {
		return invalidValue("resolvedReason", string(*p.ResolvedReason), p.members(EnumResolvedReason))
	}
	if p.ResolvedReason != nil && *p.ResolvedReason == ReasonUnknownFutureValue {
		return nil
	}
	if p.Status != StatusResolved {
		return propertyErrorf("resolvedReason",
			"Property 'resolvedReason' can be set only together with 'status' 'resolved'; got status '%s'.", p.Status)
	}
	return nil
}

// members lists the members of an enum the patch may set.
func (p Patch) members(enum string) []string {
	return append(EnumValues(enum), p.future[enum]...)
}

// DecodePatchFuture is DecodePatch for a client that sent "Prefer:
// include-unknown-enum-members" to a service whose enums gained the members
// of future after unknownFutureValue: status and resolvedReason may be set to
// them (Graph's evolvable enums pattern). The patch keeps future for
// Validate and Apply.
func DecodePatchFuture(body []byte, future Future) (Patch, error) {
	p := Patch{future: future}
	var m map[string]json.RawMessage
	if bytes.IndexByte(body, '\\') < 0 && json.Unmarshal(body, &m) == nil && m != nil {
		if q, ok, err := p.decodeMembers(body, m); ok && err == nil {
			return q, nil
		}
	}
	return p.decodeOrdered(body)
}

// DecodePatch reads a PATCH body. It accepts a JSON object whose members are
// `status` (required), `resolvedReason` (optional, may be null) and `@odata.type`
// naming the alert type; anything else is an error naming the first offending
// property in body order: a read-only property of the alert (even with its
// current value), a name the type does not have, a wrong JSON type, an unknown
// enum member or a null status. The error is a *PropertyError.
func DecodePatch(body []byte) (Patch, error) {
	// Fast path: a valid JSON object with only writable members, decoded in
	// one pass. Anything else, and any problem, takes the ordered scan, which
	// reports the first offending member in body order.
	var m map[string]json.RawMessage
	if bytes.IndexByte(body, '\\') < 0 && json.Unmarshal(body, &m) == nil && m != nil {
		if p, ok, err := (Patch{}).decodeMembers(body, m); ok && err == nil {
			return p, nil
		}
	}
	return Patch{}.decodeOrdered(body)
}

// decodeMembers decodes an object whose members are all writable and appear
// once (ok false otherwise: the caller then scans in order). body has no
// backslash, so a member name appears in it literally.
func (p Patch) decodeMembers(body []byte, m map[string]json.RawMessage) (Patch, bool, error) {
	for name := range m {
		if name != "status" && name != "resolvedReason" && name != "@odata.type" {
			return p, false, nil
		}
		if bytes.Count(body, []byte(`"`+name+`"`)) != 1 {
			return p, false, nil
		}
	}
	raw, has := m["status"]
	if !has {
		return p, false, nil
	}
	st, err := decodeEnum("status", raw, p.members(EnumStatus), false)
	if err != nil {
		return p, true, err
	}
	p.Status = Status(*st)
	if raw, has := m["resolvedReason"]; has {
		r, err := decodeEnum("resolvedReason", raw, p.members(EnumResolvedReason), true)
		if err != nil {
			return p, true, err
		}
		p.ReasonSet = true
		if r != nil {
			v := ResolvedReason(*r)
			p.ResolvedReason = &v
		}
	}
	if raw, has := m["@odata.type"]; has {
		var t string
		if json.Unmarshal(raw, &t) != nil || strings.TrimPrefix(t, "#") != TypeName {
			return p, true, propertyErrorf("@odata.type", "Invalid value %s for property '@odata.type'.", raw)
		}
	}
	return p, true, p.Validate()
}

// decodeOrdered scans the body member by member, reporting the first problem
// in body order.
func (p Patch) decodeOrdered(body []byte) (Patch, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
		return p, propertyErrorf("", "The request body starts with a byte order mark; send JSON without one (RFC 8259 §8.1).")
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return p, propertyErrorf("", "The request body is empty; a JSON object with property 'status' is required.")
		}
		return p, malformed(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return p, propertyErrorf("", "The request body must be a JSON object, not %s.", describeToken(tok))
	}
	seenStatus := false
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return p, malformed(err)
		}
		name, _ := tok.(string)
		if seen[name] {
			return p, propertyErrorf(name, "Property '%s' appears more than once in the request body.", name)
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return p, malformed(err)
		}
		switch {
		case name == "status":
			s, err := decodeEnum(name, raw, p.members(EnumStatus), false)
			if err != nil {
				return p, err
			}
			p.Status, seenStatus = Status(*s), true
		case name == "resolvedReason":
			r, err := decodeEnum(name, raw, p.members(EnumResolvedReason), true)
			if err != nil {
				return p, err
			}
			p.ReasonSet = true
			p.ResolvedReason = nil
			if r != nil {
				v := ResolvedReason(*r)
				p.ResolvedReason = &v
			}
		case name == "@odata.type":
			var t string
			if json.Unmarshal(raw, &t) != nil || strings.TrimPrefix(t, "#") != TypeName {
				return p, propertyErrorf(name, "Invalid value %s for property '@odata.type'; expected '#%s'.", raw, TypeName)
			}
		case IsProperty(name):
			return p, propertyErrorf(name, "Property '%s' is read-only and cannot be set.", name)
		default:
			return p, propertyErrorf(name,
				"The property '%s' does not exist on type '%s'. Make sure to only use property names that are defined by the type.",
				name, TypeName)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return p, malformed(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return p, propertyErrorf("", "The request body must hold exactly one JSON value; found more after the object.")
	}
	if !seenStatus {
		return p, propertyErrorf("status", "Property 'status' is required.")
	}
	return p, p.Validate()
}

func malformed(err error) *PropertyError {
	return propertyErrorf("", "The request body is not valid JSON: %v.", err)
}

func describeToken(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "that value"
}

// decodeEnum decodes raw as a member of an enum; null gives nil when nullable.
func decodeEnum(name string, raw json.RawMessage, members []string, nullable bool) (*string, error) {
	if string(raw) == "null" {
		if nullable {
			return nil, nil
		}
		return nil, propertyErrorf(name, "Property '%s' cannot be null; expected one of: %s.", name, strings.Join(members, ", "))
	}
	var s string
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && bytes.IndexByte(raw[1:n-1], '\\') < 0 && bytes.IndexByte(raw[1:n-1], '"') < 0 {
		s = string(raw[1 : n-1]) // a plain string literal: no need to run the decoder
	} else if err := json.Unmarshal(raw, &s); err != nil {
		return nil, propertyErrorf(name, "Invalid value %s for property '%s'; expected a string, one of: %s.",
			raw, name, strings.Join(members, ", "))
	}
	for _, m := range members {
		if s == m {
			return &s, nil
		}
	}
	return nil, invalidValue(name, s, members)
}

// Apply updates a by p on behalf of actor at time now and reports whether
// anything changed. The rules (COMMON decisions; "assumption" where Microsoft is
// silent):
//   - status unknownFutureValue, or resolvedReason unknownFutureValue, changes nothing
//     for that property (Graph's evolvable-enum rule);
//   - a status change appends exactly one ActivityLog (from, to, actor, now);
//     the same status appends nothing;
//   - entering resolved sets ResolvedOnDateTime=now and ResolvedBy=actor;
//   - leaving resolved (reopening, assumption) clears ResolvedReason, ResolvedBy and
//     ResolvedOnDateTime;
//   - resolvedReason sent with status resolved is stored (null clears it); omitted
//     leaves it unchanged.
//
// An invalid p (see Patch.Validate) returns the error and leaves a unchanged.
// now is stored in UTC, truncated to 100 ns (the 7 fractional digits Graph
// writes).
func (a *Alert) Apply(p Patch, actor string, now time.Time) (bool, error) {
	if err := p.Validate(); err != nil {
		return false, err
	}
	if actor == "" {
		actor = DefaultActor
	}
	now = now.UTC().Truncate(100 * time.Nanosecond)
	changed := false
	from, to := a.Status, p.Status
	if to != StatusUnknownFutureValue && to != from {
		a.ActivityLogs = append(a.ActivityLogs[:len(a.ActivityLogs):len(a.ActivityLogs)],
			ActivityLog{StatusFrom: from, StatusTo: to, UpdatedBy: actor, UpdatedDateTime: now})
		a.Status = to
		switch {
		case to == StatusResolved:
			a.ResolvedOnDateTime = &now
			a.ResolvedBy = &actor
		case from == StatusResolved:
			a.ResolvedReason, a.ResolvedBy, a.ResolvedOnDateTime = nil, nil, nil
		}
		changed = true
	}
	if p.ReasonSet && (p.ResolvedReason == nil || *p.ResolvedReason != ReasonUnknownFutureValue) {
		if !equalPtr(a.ResolvedReason, p.ResolvedReason) {
			a.ResolvedReason = clonePtr(p.ResolvedReason)
			changed = true
		}
	}
	return changed, nil
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
