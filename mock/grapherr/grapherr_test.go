package grapherr

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestStatusOf(t *testing.T) {
	tests := []struct {
		code string
		want int
	}{
		{CodeBadRequest, 400},
		{CodeInvalidAuthenticationToken, 401},
		{CodeForbidden, 403},
		{CodeResourceNotFound, 404},
		{CodeMethodNotAllowed, 405},
		{CodeRequestEntityTooLarge, 413},
		{CodeUnsupportedMediaType, 415},
		{CodeTooManyRequests, 429},
		{CodeInternalServerError, 500},
		{CodeServiceUnavailable, 503},
		{CodeGatewayTimeout, 504},
		{"SomethingNew", 500},
		{"", 500},
	}
	for _, tt := range tests {
		if got := StatusOf(tt.code); got != tt.want {
			t.Errorf("StatusOf(%q) = %d; want %d", tt.code, got, tt.want)
		}
		if got := (&Error{Code: tt.code}).Status(); got != tt.want {
			t.Errorf("(&Error{Code: %q}).Status() = %d; want %d", tt.code, got, tt.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	cause := errors.New("disk full")
	tests := []struct {
		err  *Error
		want string
	}{
		{Errorf(CodeBadRequest, "bad %s %d", "x", 2), "BadRequest: bad x 2"},
		{&Error{Code: CodeInternalServerError, Message: "failed", Err: cause}, "InternalServerError: failed: disk full"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q; want %q", got, tt.want)
		}
	}
	e := &Error{Code: CodeInternalServerError, Err: cause}
	if !errors.Is(e, cause) || (&Error{}).Unwrap() != nil {
		t.Error("Unwrap does not return the cause")
	}
}

// fault is a ServerFault with a message for clients.
type fault string

func (f fault) Error() string        { return "fault: " + string(f) }
func (f fault) FaultMessage() string { return string(f) }

func TestAs(t *testing.T) {
	own := Errorf(CodeForbidden, "no")
	prop := &alert.PropertyError{Property: "status", Message: "bad status"}
	tests := []struct {
		name                  string
		err                   error
		code, message, target string
		keepsCause            bool
	}{
		{"own error as it is", fmt.Errorf("wrapped: %w", own), CodeForbidden, "no", "", false},
		{"property error", fmt.Errorf("x: %w", prop), CodeBadRequest, "bad status", "status", true},
		{"body too large", &http.MaxBytesError{Limit: 42}, CodeRequestEntityTooLarge, "The request body is larger than the limit of 42 bytes.", "", true},
		{"unknown", errors.New("secret detail"), CodeInternalServerError, "The server failed to handle the request; see its log for the request-id.", "", true},
		{"server fault with a message", fmt.Errorf("x: %w", fault("session 'a' is damaged")), CodeInternalServerError, "session 'a' is damaged", "", true},
		{"server fault without one", fault(""), CodeInternalServerError, "The server failed to handle the request; see its log for the request-id.", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := As(tt.err)
			if e.Code != tt.code || e.Message != tt.message || e.Target != tt.target {
				t.Errorf("As = %q %q %q; want %q %q %q", e.Code, e.Message, e.Target, tt.code, tt.message, tt.target)
			}
			if tt.keepsCause && !errors.Is(e, tt.err) {
				t.Errorf("As dropped the cause %v", tt.err)
			}
			if strings.Contains(e.Message, "secret") {
				t.Errorf("message leaks the cause: %q", e.Message)
			}
		})
	}
	if As(own) != own {
		t.Error("As(*Error) is not the same *Error")
	}
}

// TestWrite: the envelope's bytes (golden files), its headers, and which
// errors are logged.
func TestWrite(t *testing.T) {
	now := time.Date(2025, 3, 4, 5, 6, 7, 800, time.FixedZone("x", 3600))
	tests := []struct {
		name      string
		err       error
		header    http.Header // set before Write
		status    int
		requestID string
		clientID  string
		logged    bool
	}{
		{"bad request with target", &Error{Code: CodeBadRequest, Message: "Bad $top.", Target: "$top"},
			http.Header{"Request-Id": {"rid"}, "Client-Request-Id": {"cid"}, "Odata-Version": {"4.0"}}, 400, "rid", "cid", false},
		{"ids made when missing", Errorf(CodeResourceNotFound, "No alert."), nil, 404, "new-id", "new-id", false},
		{"client id kept and request id made", Errorf(CodeTooManyRequests, "Slow down."),
			http.Header{"Client-Request-Id": {"cid"}, "Retry-After": {"3"}}, 429, "new-id", "cid", false},
		{"server fault is logged", errors.New("disk full"), http.Header{"Request-Id": {"rid"}}, 500, "rid", "rid", true},
		{"5xx without a cause is not logged", Errorf(CodeServiceUnavailable, "Injected."), http.Header{"Request-Id": {"rid"}}, 503, "rid", "rid", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			w := httptest.NewRecorder()
			for k, v := range tt.header {
				w.Header()[k] = v
			}
			r := httptest.NewRequest(http.MethodGet, "/beta/security/x", nil)
			Write(w, r, tt.err, now, func() string { return "new-id" }, log)
			h := w.Header()
			if w.Code != tt.status || h.Get(HeaderRequestID) != tt.requestID || h.Get(HeaderClientRequestID) != tt.clientID {
				t.Errorf("status %d, ids %q/%q; want %d, %q/%q", w.Code, h.Get(HeaderRequestID), h.Get(HeaderClientRequestID), tt.status, tt.requestID, tt.clientID)
			}
			if h.Get("Content-Type") != "application/json" || h.Get("OData-Version") != "" || h.Get("Content-Length") != fmt.Sprint(w.Body.Len()) {
				t.Errorf("headers %v", h)
			}
			if ra := tt.header.Get("Retry-After"); ra != "" && h.Get("Retry-After") != ra {
				t.Errorf("Retry-After %q dropped", ra)
			}
			if got := logs.Len() > 0; got != tt.logged {
				t.Errorf("logged %v (%q); want %v", got, logs.String(), tt.logged)
			}
			if tt.logged && (!strings.Contains(logs.String(), "disk full") || !strings.Contains(logs.String(), "status=500") || !strings.Contains(logs.String(), "request-id=rid")) {
				t.Errorf("log %q lacks the cause, status or request-id", logs.String())
			}
			golden(t, filepath.Join("testdata", strings.ReplaceAll(tt.name, " ", "_")+".json"), w.Body.Bytes())
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}
