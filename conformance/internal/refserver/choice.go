package refserver

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Choice is a decision Microsoft's documentation leaves open (or answers more
// than one way), made differently from the mock. Unlike a Flaw, a Choice keeps
// the server faithful to the documentation: a run of the documented scenarios
// must pass a server with any choices, and a run with the @assumption
// scenarios fails it where a choice meets one of our assumptions. Choices
// combine (With takes several); the source each rests on is in
// conformance/faithful_test.go.
type Choice string

// The choices the server can be given.
const (
	// Error envelope, codes and messages.
	ErrorCodesCamelCase      Choice = "error codes are camelCase (badRequest)"
	ErrorCodesDirectory      Choice = "error codes as the directory writes them (Request_BadRequest, Authorization_RequestDenied)"
	OtherMessages            Choice = "error messages in other words"
	EmptyErrorMessage        Choice = "error messages are empty"
	NoInnerError             Choice = "errors carry no innerError"
	InnerErrorLowercase      Choice = "the inner error is spelled innererror"
	InnerDateWithZone        Choice = "innerError.date is an RFC 3339 time with a fraction and Z"
	MediaTypeAs400           Choice = "a body that is not JSON by its Content-Type is refused with 400"
	MethodAs400              Choice = "a method the API lacks is a 400 Request_BadRequest"
	MethodAs501              Choice = "a method the API lacks is a 501"
	UnknownSegmentAs400      Choice = "a path the API lacks is a 400 naming the segment"
	ForbiddenAs404           Choice = "reading an alert without a partner security permission is a 404"
	ConcurrentUpdateConflict Choice = "an update while another of the same alert is in flight is a 409"
	ThrottleBursts           Choice = "more than two requests of a session in flight are throttled (429)"
	RetryAfterHTTPDate       Choice = "Retry-After is an HTTP date"
	RetryAfterFraction       Choice = "Retry-After has a fraction of a second (0.5)"

	// Headers and representation.
	ClientRequestIDIgnored  Choice = "client-request-id is not echoed (the request-id stands in)"
	NoClientRequestIDHeader Choice = "no client-request-id response header"
	UppercaseRequestIDs     Choice = "request ids in upper case"
	GraphHeaders            Choice = "Graph's other headers (x-ms-ags-diagnostic, Strict-Transport-Security, Cache-Control, WWW-Authenticate on 401)"
	Gzip                    Choice = "answers are gzip-compressed for clients that accept it"
	PlainJSON               Choice = "answers are plain application/json, without OData-Version"
	NoContext               Choice = "no @odata.context"
	ContextOtherForms       Choice = "context URLs on graph.microsoft.com, naming selected properties in declared order"
	ODataAnnotations        Choice = "every alert carries @odata.type and @odata.etag"
	ReversedKeys            Choice = "JSON members in reverse order (the context first)"
	NonStringDetails        Choice = "additionalDetails values that are numbers and arrays"
	WholeSecondTimes        Choice = "date-times have whole seconds"
	SevenDigitTimes         Choice = "date-times have seven fractional digits"
	UTCOffsetTimes          Choice = "UTC is written +00:00"

	// Lists.
	TopIgnored         Choice = "$top is ignored"
	TopAtMost100       Choice = "$top above 100 is refused"
	SmallPages         Choice = "pages hold at most 5 alerts"
	SkipToken          Choice = "next page links carry an opaque $skiptoken"
	EmptyTrailingPage  Choice = "a full last page links to an empty page"
	CountFirstPageOnly Choice = "@odata.count is on the first page only (later pages are reached by $skiptoken)"
	OrderByRefused     Choice = "$orderby is refused"
	NarrowFilter       Choice = "$filter supports status eq '<member>' only"
	LenientQuery       Choice = "unknown $select names and unsupported query options are ignored"

	// Updates.
	AnyContentType            Choice = "a body is read as JSON whatever its Content-Type"
	ContentTypePrefix         Choice = "any Content-Type beginning with application/json is read as JSON"
	NoSizeLimit               Choice = "no limit on the size of a body"
	TypeAnnotationHashOnly    Choice = "@odata.type is accepted only with its leading #"
	UnchangedReadOnlyAccepted Choice = "a read-only property sent with its current value is accepted"
	ReasonWithoutResolve      Choice = "a resolvedReason without resolving is accepted"
	ReopenKeepsResolution     Choice = "reopening keeps the resolution"
	ReopenInvestigatingKeep   Choice = "reopening as investigating keeps the resolution"
	ReopenRefused             Choice = "a resolved alert cannot be reopened"
	SameStatusLogged          Choice = "repeating the status adds an activity log entry"
	ReasonChangeRestamps      Choice = "changing the reason of a resolved alert records it as resolved again"
	AppActorIsObjectID        Choice = "an application's changes are recorded by its object id (oid)"
)

// With makes the given choices and returns s.
func (s *Server) With(choices ...Choice) *Server {
	for _, c := range choices {
		s.choices[c] = true
	}
	return s
}

// chose reports whether the server was given c.
func (s *Server) chose(c Choice) bool { return s.choices[c] }

// errorCode rewrites a code as a choice of error codes has it.
func (s *Server) errorCode(code string) string {
	switch {
	case s.chose(ErrorCodesCamelCase):
		return strings.ToLower(code[:1]) + code[1:]
	case s.chose(ErrorCodesDirectory):
		switch code {
		case "InvalidAuthenticationToken", "TooManyRequests":
			return code
		case "Forbidden":
			return "Authorization_RequestDenied"
		}
		return "Request_" + code
	}
	return code
}

// errorBody builds the error envelope as the choices have it.
func (s *Server) errorBody(code, message, innerID, clientID string) map[string]any {
	switch {
	case s.chose(EmptyErrorMessage):
		message = ""
	case s.chose(OtherMessages):
		message = "The request could not be completed."
	}
	main := map[string]any{"code": s.errorCode(code), "message": message}
	date := s.now().UTC().Format("2006-01-02T15:04:05")
	if s.chose(InnerDateWithZone) {
		date = s.now().UTC().Format("2006-01-02T15:04:05.0000000Z")
	}
	inner := map[string]any{"date": date, "request-id": innerID, "client-request-id": clientID}
	switch {
	case s.chose(NoInnerError):
	case s.chose(InnerErrorLowercase):
		main["innererror"] = inner
	default:
		main["innerError"] = inner
	}
	return map[string]any{"error": main}
}

// graphHeaders sets the headers Graph sends besides the API's own (GraphHeaders).
func graphHeaders(h http.Header, status int) {
	h.Set("x-ms-ags-diagnostic", `{"ServerInfo":{"DataCenter":"North Europe","Slice":"E","Ring":"4","ScaleUnit":"002","RoleInstance":"DU2PEPF000070C2"}}`)
	h.Set("Strict-Transport-Security", "max-age=31536000")
	h.Set("Cache-Control", "private")
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	}
}

// gzipWriter compresses what is written to it (Gzip); the gzip stream starts
// with the first byte of the body, so an answer without one stays empty.
type gzipWriter struct {
	http.ResponseWriter
	gz *gzip.Writer
}

func (g *gzipWriter) WriteHeader(status int) {
	g.Header().Set("Content-Encoding", "gzip")
	g.Header().Del("Content-Length")
	g.ResponseWriter.WriteHeader(status)
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	if g.gz == nil {
		g.gz = gzip.NewWriter(g.ResponseWriter)
	}
	return g.gz.Write(b)
}

func (g *gzipWriter) close() {
	if g.gz != nil {
		_ = g.gz.Close()
	}
}

// marshal writes v as JSON: members in order (encoding/json sorts them), or
// in reverse order with the context first (ReversedKeys).
func (s *Server) marshal(v any) []byte {
	if !s.chose(ReversedKeys) {
		b, _ := json.Marshal(v)
		return b
	}
	var buf bytes.Buffer
	reversed(&buf, v)
	return buf.Bytes()
}

func reversed(buf *bytes.Buffer, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Sort(sort.Reverse(sort.StringSlice(keys)))
		sort.SliceStable(keys, func(i, j int) bool { return keys[i] == "@odata.context" && keys[j] != "@odata.context" })
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			name, _ := json.Marshal(k)
			buf.Write(name)
			buf.WriteByte(':')
			reversed(buf, x[k])
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			reversed(buf, e)
		}
		buf.WriteByte(']')
	default:
		b, _ := json.Marshal(x)
		buf.Write(b)
	}
}

// timeLayout returns how the server writes date-times, as the choices have it
// (nil: as stored).
func (s *Server) timeLayout() func(time.Time) string {
	switch {
	case s.chose(WholeSecondTimes):
		return func(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }
	case s.chose(SevenDigitTimes):
		return func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }
	case s.chose(UTCOffsetTimes):
		return func(t time.Time) string { return strings.TrimSuffix(t.UTC().Format(time.RFC3339Nano), "Z") + "+00:00" }
	}
	return nil
}

// rewriteTimes writes every date-time of an alert's JSON properties with layout.
func rewriteTimes(m map[string]any, layout func(time.Time) string) {
	for _, k := range []string{"detectedDateTime", "firstObservedDateTime", "lastObservedDateTime", "resolvedOnDateTime"} {
		m[k] = retime(m[k], layout)
	}
	if logs, ok := m["activityLogs"].([]any); ok {
		for _, e := range logs {
			if entry, ok := e.(map[string]any); ok {
				entry["updatedDateTime"] = retime(entry["updatedDateTime"], layout)
			}
		}
	}
}

func retime(v any, layout func(time.Time) string) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return v
	}
	return layout(t)
}

// annotate adds the type and an ETag of the alert's state (ODataAnnotations).
func annotate(m map[string]any) {
	m["@odata.type"] = "#microsoft.graph.partner.security.partnerSecurityAlert"
	logs, _ := m["activityLogs"].([]any)
	m["@odata.etag"] = `W/"` + base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(len(logs))+" "+m["status"].(string))) + `"`
}

// nonStringDetails turns numeric detail values into numbers and adds a list
// (NonStringDetails): the dictionary type is open, its values untyped.
func nonStringDetails(m map[string]any) {
	details, ok := m["additionalDetails"].(map[string]any)
	if !ok {
		return
	}
	for k, v := range details {
		if s, ok := v.(string); ok {
			if n, err := strconv.Atoi(s); err == nil {
				details[k] = n
			}
		}
	}
	details["VM_IP"] = []any{"10.0.0.4"}
}

// skipToken encodes an offset as an opaque $skiptoken (SkipToken).
func skipToken(skip int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(skip)))
}

// fromSkipToken decodes a $skiptoken made by skipToken.
func fromSkipToken(tok string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
	return n, err == nil && n >= 0 && strings.HasPrefix(string(b), "offset:")
}

// declaredOrder sorts selected property names in the order the type declares them.
func declaredOrder(names []string) []string {
	out := make([]string, 0, len(names))
	for _, p := range selectable {
		for _, n := range names {
			if strings.TrimSpace(n) == p {
				out = append(out, p)
				break
			}
		}
	}
	return out
}
