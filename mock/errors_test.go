package mock

import (
	"errors"
	"testing"

	"github.com/partner-security/alertmock/mock/grapherr"
)

// TestErrorsReexported: the names the root re-exports from mock/grapherr and
// mock/dataset work as theirs: an invalid dataset is ErrInvalidAlert (what
// package dataset returns), and the re-exported codes are grapherr's.
func TestErrorsReexported(t *testing.T) {
	if _, err := DecodeAlerts([]byte(`[{}]`)); !errors.Is(err, ErrInvalidAlert) {
		t.Errorf("DecodeAlerts([{}]) = %v; want ErrInvalidAlert", err)
	}
	var e error = errorf(CodeTooManyRequests, "slow down %d", 1)
	var ge *grapherr.Error
	if !errors.As(e, &ge) || ge.Status() != 429 || ge.Message != "slow down 1" {
		t.Errorf("errorf = %#v; want a grapherr.Error with status 429", e)
	}
}
