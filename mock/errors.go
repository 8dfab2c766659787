package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/dataset"
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
)

// statusOf is the one table from error code to HTTP status.
func statusOf(code string) int {
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
func (e *Error) Status() int { return statusOf(e.Code) }

// errorf returns an *Error with a formatted message.
func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Sentinels for what happened; wrap them with %w or match them with errors.Is.
var (
	// ErrAlertNotFound: no alert with that id in the session.
	ErrAlertNotFound = errors.New("mock: alert not found")
	// ErrInvalidAlert: an alert given to the store or DecodeAlerts breaks the
	// contract (the same value as dataset.ErrInvalidAlert).
	ErrInvalidAlert = dataset.ErrInvalidAlert
)

// asError maps any error to the *Error written to the client. Unknown errors
// become a 500 whose message does not leak the cause.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
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

// errorBody is the Graph error envelope.
type errorBody struct {
	Error mainError `json:"error"`
}

type mainError struct {
	Code       string     `json:"code"`
	Message    string     `json:"message"`
	Target     string     `json:"target,omitempty"`
	InnerError innerError `json:"innerError"`
}

type innerError struct {
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id"`
}

// writeError writes err as a Graph error envelope with the status of its code.
// It is the only place that writes error bodies and the only place that logs
// server faults (5xx with a cause). Headers the caller set before (Allow,
// Retry-After) are kept; the request-id headers come from the requestIDs
// middleware (or are made here when it did not run).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := asError(err)
	status := e.Status()
	h := w.Header()
	reqID := h.Get(headerRequestID)
	if reqID == "" {
		reqID = s.newID()
		h.Set(headerRequestID, reqID)
	}
	clientID := h.Get(headerClientRequestID)
	if clientID == "" {
		clientID = reqID
		h.Set(headerClientRequestID, clientID)
	}
	if status >= 500 && e.Err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelError, "server fault",
			slog.String("request-id", reqID), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", status), slog.String("error", e.Err.Error()))
	}
	body, _ := json.Marshal(errorBody{Error: mainError{
		Code: e.Code, Message: e.Message, Target: e.Target,
		InnerError: innerError{
			Date:            s.now().UTC().Format("2006-01-02T15:04:05"),
			RequestID:       reqID,
			ClientRequestID: clientID,
		},
	}})
	h.Set("Content-Type", "application/json")
	h.Del("OData-Version")
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// timeNow is the default clock.
func timeNow() time.Time { return time.Now() }
