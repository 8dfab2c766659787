package alert

import "slices"

// Status is a securityAlertStatus member.
type Status string

// The members of securityAlertStatus, in declared (numeric) order.
const (
	StatusActive             Status = "active"
	StatusResolved           Status = "resolved"
	StatusInvestigating      Status = "investigating"
	StatusUnknownFutureValue Status = "unknownFutureValue"
)

// StatusValues returns the members of securityAlertStatus in declared order.
func StatusValues() []string {
	return []string{"active", "resolved", "investigating", "unknownFutureValue"}
}

// Valid reports whether s is a member of securityAlertStatus.
func (s Status) Valid() bool { return slices.Contains(StatusValues(), string(s)) }

// ResolvedReason is a securityAlertResolvedReason member.
type ResolvedReason string

// The members of securityAlertResolvedReason, in declared order.
const (
	ReasonLegitimate         ResolvedReason = "legitimate"
	ReasonIgnore             ResolvedReason = "ignore"
	ReasonFraud              ResolvedReason = "fraud"
	ReasonUnknownFutureValue ResolvedReason = "unknownFutureValue"
)

// ResolvedReasonValues returns the members of securityAlertResolvedReason in declared order.
func ResolvedReasonValues() []string {
	return []string{"legitimate", "ignore", "fraud", "unknownFutureValue"}
}

// Valid reports whether r is a member of securityAlertResolvedReason.
func (r ResolvedReason) Valid() bool { return slices.Contains(ResolvedReasonValues(), string(r)) }

// Severity is a securityAlertSeverity member.
type Severity string

// The members of securityAlertSeverity, in declared (numeric) order; note that
// informational comes first and low last.
const (
	SeverityInformational      Severity = "informational"
	SeverityHigh               Severity = "high"
	SeverityMedium             Severity = "medium"
	SeverityLow                Severity = "low"
	SeverityUnknownFutureValue Severity = "unknownFutureValue"
)

// SeverityValues returns the members of securityAlertSeverity in declared order.
func SeverityValues() []string {
	return []string{"informational", "high", "medium", "low", "unknownFutureValue"}
}

// Valid reports whether s is a member of securityAlertSeverity.
func (s Severity) Valid() bool { return slices.Contains(SeverityValues(), string(s)) }

// Rank is the numeric value of s in the enum (informational=0 … unknownFutureValue=4),
// the order `$orderby=severity` sorts by. A member added after the sentinel
// (Future) ranks after it: 5.
func (s Severity) Rank() int {
	if i := slices.Index(SeverityValues(), string(s)); i >= 0 {
		return i
	}
	return len(SeverityValues())
}

// Confidence is a securityAlertConfidence member.
type Confidence string

// The members of securityAlertConfidence, in declared order.
const (
	ConfidenceLow                Confidence = "low"
	ConfidenceMedium             Confidence = "medium"
	ConfidenceHigh               Confidence = "high"
	ConfidenceUnknownFutureValue Confidence = "unknownFutureValue"
)

// ConfidenceValues returns the members of securityAlertConfidence in declared order.
func ConfidenceValues() []string {
	return []string{"low", "medium", "high", "unknownFutureValue"}
}

// Valid reports whether c is a member of securityAlertConfidence.
func (c Confidence) Valid() bool { return slices.Contains(ConfidenceValues(), string(c)) }
