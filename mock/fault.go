package mock

import (
	"github.com/partner-security/alertmock/mock/fault"
	"github.com/partner-security/alertmock/mock/throttle"
)

// Fault injection is package fault and throttling package throttle; these
// names keep the mock's API.
type (
	// FaultRule says which requests a fault applies to and what it does
	// (see fault.Rule).
	FaultRule = fault.Rule
	// FaultKind is what a fault rule does (see fault.Kind).
	FaultKind = fault.Kind
	// Duration is a time.Duration written in JSON as "250ms".
	Duration = fault.Duration
	// Faults holds the fault rules of a Server (see fault.Set).
	Faults = fault.Set
	// Throttle limits the request rate of each session (see throttle.Throttle).
	Throttle = throttle.Throttle
	// ThrottleConfig is a per-session rate limit (see throttle.Config).
	ThrottleConfig = throttle.Config
)

// The fault kinds.
const (
	FaultStatus  = fault.KindStatus
	FaultLatency = fault.KindLatency
	FaultDrop    = fault.KindDrop
)

// MaxFaultLatency is the longest Latency a fault rule may ask for.
const MaxFaultLatency = fault.MaxLatency

// NewFaults returns an empty set of fault rules.
func NewFaults() *Faults { return fault.NewSet() }

// ParseFaultRules reads fault rules as the control API and the -faults file
// take them (see fault.ParseRules).
func ParseFaultRules(data []byte) ([]FaultRule, error) { return fault.ParseRules(data) }
