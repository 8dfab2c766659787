package mocktest

import (
	"github.com/partner-security/alertmock/mock"
	"github.com/partner-security/alertmock/mock/alert"
)

// The types a client test uses most, re-exported so that one import is
// enough; they are the very types of packages mock and mock/alert.
type (
	// Alert is a partner security alert (alert.Alert).
	Alert = alert.Alert
	// Status is an alert's status (alert.Status).
	Status = alert.Status
	// ResolvedReason is why an alert was resolved (alert.ResolvedReason).
	ResolvedReason = alert.ResolvedReason
	// FaultRule is a fault injection rule (mock.FaultRule).
	FaultRule = mock.FaultRule
	// FaultKind is what a fault rule does (mock.FaultKind).
	FaultKind = mock.FaultKind
	// JournalFilter selects journal entries (mock.JournalFilter).
	JournalFilter = mock.JournalFilter
	// JournalEntry is one request the mock received (mock.JournalEntry).
	JournalEntry = mock.JournalEntry
	// Token describes a test access token (mock.Token).
	Token = mock.Token
	// Config configures the mock (mock.Config), for WithConfig.
	Config = mock.Config
)

// Session names and the header that carries them.
const (
	// DefaultSession is where requests without X-Mock-Session (and without a
	// tid claim in their token) go (mock.DefaultSession).
	DefaultSession = mock.DefaultSession
	// HeaderSession is the request header naming the session (mock.HeaderSession).
	HeaderSession = mock.HeaderSession
)

// Alert statuses and resolved reasons, typed as the fields of Alert, so
// a.Status == StatusResolved and Reason(a) == ReasonFraud need no conversion.
const (
	StatusActive        = alert.StatusActive
	StatusInvestigating = alert.StatusInvestigating
	StatusResolved      = alert.StatusResolved
	ReasonLegitimate    = alert.ReasonLegitimate
	ReasonIgnore        = alert.ReasonIgnore
	ReasonFraud         = alert.ReasonFraud
)

// Fault kinds (mock.FaultStatus, …).
const (
	FaultStatus  = mock.FaultStatus
	FaultLatency = mock.FaultLatency
	FaultDrop    = mock.FaultDrop
)

// Reason returns a's resolvedReason, or "" when it is null.
func Reason(a Alert) ResolvedReason {
	if a.ResolvedReason == nil {
		return ""
	}
	return *a.ResolvedReason
}

// ResolvedBy returns who resolved a (resolvedBy), or "" when it is null.
func ResolvedBy(a Alert) string {
	if a.ResolvedBy == nil {
		return ""
	}
	return *a.ResolvedBy
}
