package conformance_test

import (
	"testing"

	"github.com/partner-security/alertmock/mock"
)

// TestMockConforms runs every feature against the mock, in process over a real
// socket, with each scenario as a subtest.
func TestMockConforms(t *testing.T) {
	srv, err := mock.New(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	runAsSubtests(t, serve(t, srv))
}
