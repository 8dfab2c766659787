package conformance_test

import (
	"context"
	"os"
	"testing"

	"github.com/partner-security/alertmock/conformance"
	"github.com/partner-security/alertmock/conformance/internal/refserver"
	"github.com/partner-security/alertmock/mock"
)

func TestCompareScratch(t *testing.T) {
	srv, err := mock.New(mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	a := newSuite(t, serve(t, srv))
	b := newSuite(t, serve(t, refserver.New(refserver.None)))
	d, err := conformance.Compare(context.Background(), a, b, conformance.Options{Concurrency: 8, Features: os.DirFS("testdata/drift")})
	if err != nil {
		t.Fatal(err)
	}
	d.WriteText(os.Stdout)
	d.WriteMarkdown(os.Stdout)
	d.WriteJSON(os.Stdout)
}
