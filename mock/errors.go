package mock

import (
	"net/http"
	"time"

	"github.com/partner-security/alertmock/mock/dataset"
	"github.com/partner-security/alertmock/mock/graphapi"
	"github.com/partner-security/alertmock/mock/grapherr"
	"github.com/partner-security/alertmock/mock/store"
)

// Graph error codes the mock answers with (the `code` member of the envelope);
// package mock/grapherr defines them.
const (
	CodeBadRequest                 = grapherr.CodeBadRequest
	CodeInvalidAuthenticationToken = grapherr.CodeInvalidAuthenticationToken
	CodeForbidden                  = grapherr.CodeForbidden
	CodeResourceNotFound           = grapherr.CodeResourceNotFound
	CodeMethodNotAllowed           = grapherr.CodeMethodNotAllowed
	CodeRequestEntityTooLarge      = grapherr.CodeRequestEntityTooLarge
	CodeUnsupportedMediaType       = grapherr.CodeUnsupportedMediaType
	CodeTooManyRequests            = grapherr.CodeTooManyRequests
	CodeInternalServerError        = grapherr.CodeInternalServerError
	CodeServiceUnavailable         = grapherr.CodeServiceUnavailable
	CodeGatewayTimeout             = grapherr.CodeGatewayTimeout
)

// ContentTypeOData is the Content-Type of every successful Graph response.
const ContentTypeOData = graphapi.ContentTypeOData

// Error is the mock's application error (grapherr.Error): a Graph error code
// (one of the Code constants; it decides the HTTP status), a message for the
// client that names the problem, an optional target (the property or query
// option at fault) and an optional cause that is logged, never sent.
type Error = grapherr.Error

// errorf returns an *Error with a formatted message.
func errorf(code, format string, args ...any) *Error {
	return grapherr.Errorf(code, format, args...)
}

// Sentinels for what happened; wrap them with %w or match them with errors.Is.
var (
	// ErrAlertNotFound: no alert with that id in the session (the same value
	// as store.ErrNotFound).
	ErrAlertNotFound = store.ErrNotFound
	// ErrInvalidAlert: an alert given to the store or DecodeAlerts breaks the
	// contract (the same value as dataset.ErrInvalidAlert).
	ErrInvalidAlert = dataset.ErrInvalidAlert
)

// writeError writes err as a Graph error envelope with the status of its code
// (grapherr.Write, the only writer of error bodies and of server-fault logs),
// with the Server's clock, request ids and logger.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	grapherr.Write(w, r, err, s.now(), s.newID, s.log)
}

// timeNow is the default clock.
func timeNow() time.Time { return time.Now() }
