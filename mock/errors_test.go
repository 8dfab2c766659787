package mock

import (
	"errors"
	"testing"

	"github.com/partner-security/alertmock/mock/dataset"
	"github.com/partner-security/alertmock/mock/grapherr"
)

// TestErrorsReexported: the names the root re-exports from mock/grapherr and
// mock/dataset are the same values, so errors.Is and the request-id headers
// agree whichever package a caller names.
func TestErrorsReexported(t *testing.T) {
	if headerRequestID != grapherr.HeaderRequestID || headerClientRequestID != grapherr.HeaderClientRequestID {
		t.Errorf("request-id headers: middleware %q/%q, envelope %q/%q",
			headerRequestID, headerClientRequestID, grapherr.HeaderRequestID, grapherr.HeaderClientRequestID)
	}
	if !errors.Is(ErrInvalidAlert, dataset.ErrInvalidAlert) {
		t.Error("mock.ErrInvalidAlert is not dataset.ErrInvalidAlert")
	}
	if _, err := DecodeAlerts([]byte(`[{}]`)); !errors.Is(err, ErrInvalidAlert) {
		t.Errorf("DecodeAlerts([{}]) = %v; want ErrInvalidAlert", err)
	}
	var e error = errorf(CodeTooManyRequests, "slow down %d", 1)
	var ge *grapherr.Error
	if !errors.As(e, &ge) || ge.Status() != 429 || ge.Message != "slow down 1" {
		t.Errorf("errorf = %#v; want a grapherr.Error with status 429", e)
	}
}
