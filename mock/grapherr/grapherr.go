// Package grapherr is Microsoft Graph's error envelope: the error codes the mock
// answers with, their HTTP statuses, the *Error handlers return, and Write, the
// one writer of error bodies.
//
// It knows nothing of the mock's Server: the root package mock passes in its
// clock, its request-id generator and its logger at each call, and re-exports
// Error and the codes (mock.Error, mock.CodeBadRequest, …).
package grapherr

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

// Graph error codes the mock answers with (the `code` member of the envelope).
const (
	CodeBadRequest                 = "BadRequest"
	CodeInvalidAuthenticationToken = "InvalidAuthenticationToken"
	CodeForbidden                  = "Forbidden"
	CodeResourceNotFound           = "ResourceNotFound"
	CodeMethodNotAllowed           = "MethodNotAllowed"
	CodeRequestEntityTooLarge      = "RequestEntityTooLarge"
	CodeUnsupportedMediaType       = "UnsupportedMediaType"
	CodeTooManyRequests            = "TooManyRequests"
	CodeInternalServerError        = "InternalServerError"
	CodeServiceUnavailable         = "ServiceUnavailable"
	CodeGatewayTimeout             = "GatewayTimeout"
	// CodeFailedDependency answers a request of a JSON batch whose
	// dependsOn names a request that failed (424).
	CodeFailedDependency = "FailedDependency"
)

// The response headers Graph puts on every response; Write reads them back
// (the caller's middleware set them) or sets them when they are missing.
const (
	HeaderRequestID       = "request-id"
	HeaderClientRequestID = "client-request-id"
)

// StatusOf is the one table from error code to HTTP status; an unknown code
// is a 500.
func StatusOf(code string) int {
	switch code {
	case CodeBadRequest:
		return http.StatusBadRequest
	case CodeInvalidAuthenticationToken:
		return http.StatusUnauthorized
	case CodeForbidden:
		return http.StatusForbidden
	case CodeResourceNotFound:
		return http.StatusNotFound
	case CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case CodeRequestEntityTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeUnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	case CodeTooManyRequests:
		return http.StatusTooManyRequests
	case CodeServiceUnavailable:
		return http.StatusServiceUnavailable
	case CodeGatewayTimeout:
		return http.StatusGatewayTimeout
	case CodeFailedDependency:
		return http.StatusFailedDependency
	}
	return http.StatusInternalServerError
}

// Error is the mock's application error: a Graph error code (one of the Code
// constants; it decides the HTTP status), a message for the client that names
// the problem, an optional target (the property or query option at fault) and
// an optional cause that is logged, never sent.
type Error struct {
	Code    string
	Message string
	Target  string
	Err     error
}

// Error returns code and message (and the cause, if any).
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Status is the HTTP status of the error's code.
func (e *Error) Status() int { return StatusOf(e.Code) }

// Errorf returns an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// As maps any error to the *Error written to the client: an *Error in the
// chain as it is, a ServerFault as a 500 with its message, an
// *alert.PropertyError as a 400 naming the property, an *http.MaxBytesError
// as a 413. Unknown errors become a 500 whose message does not leak the
// cause.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var sf ServerFault
	if errors.As(err, &sf) && sf.FaultMessage() != "" {
		return &Error{Code: CodeInternalServerError, Message: sf.FaultMessage(), Err: err}
	}
	var pe *alert.PropertyError
	if errors.As(err, &pe) {
		return &Error{Code: CodeBadRequest, Message: pe.Message, Target: pe.Property, Err: err}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &Error{Code: CodeRequestEntityTooLarge, Err: err,
			Message: fmt.Sprintf("The request body is larger than the limit of %d bytes.", mbe.Limit)}
	}
	return &Error{Code: CodeInternalServerError, Message: "The server failed to handle the request; see its log for the request-id.", Err: err}
}

// ServerFault is an error of the server's own that As turns into a 500 whose
// message is FaultMessage (when not empty) instead of the message that
// says nothing: a session whose state file records are damaged
// (store.DamagedError) is named to the client whose request it failed.
type ServerFault interface {
	error
	FaultMessage() string
}

// Envelope is the Graph error envelope, as written and as read back.
type Envelope struct {
	Error Main `json:"error"`
}

// Main is the envelope's error member.
type Main struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	Target     string `json:"target,omitempty"`
	InnerError Inner  `json:"innerError"`
}

// Inner is the error's innerError member: when, and which request.
type Inner struct {
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id"`
}

// Write writes err (mapped by As) as a Graph error envelope with the status of
// its code, dated now (UTC). It is the only place that writes error bodies and
// the only place that logs server faults (5xx with a cause, to log). Headers
// the caller set before (Allow, Retry-After) are kept; the request-id headers
// are read back from w, or made with newID when no middleware set them.
func Write(w http.ResponseWriter, r *http.Request, err error, now time.Time, newID func() string, log *slog.Logger) {
	e := As(err)
	status := e.Status()
	h := w.Header()
	reqID := h.Get(HeaderRequestID)
	if reqID == "" {
		reqID = newID()
		h.Set(HeaderRequestID, reqID)
	}
	clientID := h.Get(HeaderClientRequestID)
	if clientID == "" {
		clientID = reqID
		h.Set(HeaderClientRequestID, clientID)
	}
	if status >= 500 && e.Err != nil {
		log.LogAttrs(r.Context(), slog.LevelError, "server fault",
			slog.String("request-id", reqID), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", status), slog.String("error", e.Err.Error()))
	}
	body, _ := json.Marshal(Envelope{Error: Main{
		Code: e.Code, Message: e.Message, Target: e.Target,
		InnerError: Inner{
			Date:            now.UTC().Format("2006-01-02T15:04:05"),
			RequestID:       reqID,
			ClientRequestID: clientID,
		},
	}})
	h.Set("Content-Type", "application/json")
	h.Del("OData-Version")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
