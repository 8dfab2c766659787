package conformance_test

import "testing"

// TestMockConforms runs every feature against the mock, in process over a real
// socket, with each scenario as a subtest.
func TestMockConforms(t *testing.T) {
	runAsSubtests(t, serveMock(t))
}
