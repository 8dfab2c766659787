package conformance_test

import (
	"bytes"
	"testing"

	"github.com/cucumber/godog"

	"github.com/partner-security/alertmock/features"
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
	base := serve(t, srv)
	status := godog.TestSuite{
		Name:                "conformance",
		ScenarioInitializer: newSuite(t, base).InitializeScenario,
		Options: &godog.Options{
			Format:      "progress",
			Output:      &bytes.Buffer{},
			FS:          features.FS(),
			Paths:       []string{"."},
			Strict:      true,
			Randomize:   -1,
			Concurrency: 8,
			TestingT:    t,
		},
	}.Run()
	if status != 0 {
		t.Fatalf("suite status = %d; want 0", status)
	}
}
