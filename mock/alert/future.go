package alert

import (
	"fmt"
	"slices"
	"sort"
)

// The names of the alert's enum types, as the metadata and the description
// spell them (without the namespace): the keys of Future.
const (
	EnumStatus         = "securityAlertStatus"
	EnumResolvedReason = "securityAlertResolvedReason"
	EnumSeverity       = "securityAlertSeverity"
	EnumConfidence     = "securityAlertConfidence"
)

// UnknownFutureValue is the sentinel of Graph's evolvable enums: the last
// declared member of each alert enum. Members added later come after it.
const UnknownFutureValue = "unknownFutureValue"

// EnumValues returns the declared members of an alert enum by its name, or
// nil for another name.
func EnumValues(enum string) []string {
	switch enum {
	case EnumStatus:
		return StatusValues()
	case EnumResolvedReason:
		return ResolvedReasonValues()
	case EnumSeverity:
		return SeverityValues()
	case EnumConfidence:
		return ConfidenceValues()
	}
	return nil
}

// Future lists, per alert enum (EnumStatus, …), the members added after
// unknownFutureValue, in their numeric order: what Microsoft may add to an
// evolvable enum one day (Microsoft Graph's evolvable enums pattern). A
// service sends them only to clients that ask with
// "Prefer: include-unknown-enum-members", and unknownFutureValue to the
// others. The zero value adds none.
type Future map[string][]string

// Check reports the first problem of f: an enum the alert does not have, a
// member that is not an identifier, that the enum already declares, or that
// appears twice.
func (f Future) Check() error {
	enums := make([]string, 0, len(f))
	for e := range f {
		enums = append(enums, e)
	}
	sort.Strings(enums)
	for _, e := range enums {
		declared := EnumValues(e)
		if declared == nil {
			return fmt.Errorf("%q is not an enum of the alert; want one of %s, %s, %s, %s", e, EnumStatus, EnumResolvedReason, EnumSeverity, EnumConfidence)
		}
		for i, m := range f[e] {
			switch {
			case !isIdentifier(m):
				return fmt.Errorf("%s: %q is not a member name (letters, digits and _, not starting with a digit)", e, m)
			case slices.Contains(declared, m):
				return fmt.Errorf("%s: %q is already a member (members are added after %s)", e, m, UnknownFutureValue)
			case slices.Contains(f[e][:i], m):
				return fmt.Errorf("%s: %q is given twice", e, m)
			}
		}
	}
	return nil
}

// Has reports whether m is a member the enum gained after the sentinel.
func (f Future) Has(enum, m string) bool { return slices.Contains(f[enum], m) }

func isIdentifier(s string) bool {
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// known reports whether v is a declared member of the enum: the value a
// client that did not opt in may see.
func known(enum, v string) bool { return slices.Contains(EnumValues(enum), v) }

// knownStatus is known(EnumStatus, …) without building the member list:
// HasUnknownMembers runs for every alert a response carries.
func knownStatus(s Status) bool {
	switch s {
	case StatusActive, StatusResolved, StatusInvestigating, StatusUnknownFutureValue:
		return true
	}
	return false
}

// HasUnknownMembers reports whether any enum value of a is not a declared
// member (a member added after the sentinel, which Masked hides). It
// allocates nothing: every response checks every alert it carries.
func (a *Alert) HasUnknownMembers() bool {
	switch a.Severity {
	case SeverityInformational, SeverityHigh, SeverityMedium, SeverityLow, SeverityUnknownFutureValue:
	default:
		return true
	}
	switch a.ConfidenceLevel {
	case ConfidenceLow, ConfidenceMedium, ConfidenceHigh, ConfidenceUnknownFutureValue:
	default:
		return true
	}
	if r := a.ResolvedReason; r != nil {
		switch *r {
		case ReasonLegitimate, ReasonIgnore, ReasonFraud, ReasonUnknownFutureValue:
		default:
			return true
		}
	}
	if !knownStatus(a.Status) {
		return true
	}
	for _, l := range a.ActivityLogs {
		if !knownStatus(l.StatusFrom) || !knownStatus(l.StatusTo) {
			return true
		}
	}
	return false
}

// Masked returns a copy of a with every enum value that is not a declared
// member replaced by unknownFutureValue: the alert as a client that did not
// send "Prefer: include-unknown-enum-members" sees it. a is not changed.
func (a *Alert) Masked() Alert {
	m := *a
	mask := func(enum, v string) string {
		if known(enum, v) {
			return v
		}
		return UnknownFutureValue
	}
	m.Status = Status(mask(EnumStatus, string(a.Status)))
	m.Severity = Severity(mask(EnumSeverity, string(a.Severity)))
	m.ConfidenceLevel = Confidence(mask(EnumConfidence, string(a.ConfidenceLevel)))
	if a.ResolvedReason != nil {
		r := ResolvedReason(mask(EnumResolvedReason, string(*a.ResolvedReason)))
		m.ResolvedReason = &r
	}
	if len(a.ActivityLogs) > 0 {
		m.ActivityLogs = make([]ActivityLog, len(a.ActivityLogs))
		for i, l := range a.ActivityLogs {
			l.StatusFrom = Status(mask(EnumStatus, string(l.StatusFrom)))
			l.StatusTo = Status(mask(EnumStatus, string(l.StatusTo)))
			m.ActivityLogs[i] = l
		}
	}
	return m
}

// ValidateFuture is Validate for a service whose enums gained the members of
// f: each enum value may also be one of those.
func (a *Alert) ValidateFuture(f Future) error {
	if len(f) == 0 {
		return a.Validate()
	}
	check := func(prop, enum, v string) error {
		if v != "" && !known(enum, v) && !f.Has(enum, v) {
			return invalidValue(prop, v, slices.Concat(EnumValues(enum), f[enum]))
		}
		return nil
	}
	checks := []error{
		check("status", EnumStatus, string(a.Status)),
		check("severity", EnumSeverity, string(a.Severity)),
		check("confidenceLevel", EnumConfidence, string(a.ConfidenceLevel)),
	}
	if a.ResolvedReason != nil {
		checks = append(checks, check("resolvedReason", EnumResolvedReason, string(*a.ResolvedReason)))
	}
	for _, l := range a.ActivityLogs {
		checks = append(checks, check("activityLogs", EnumStatus, string(l.StatusFrom)), check("activityLogs", EnumStatus, string(l.StatusTo)))
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	m := a.Masked()
	return m.Validate()
}
