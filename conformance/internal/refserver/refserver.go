// Package refserver is a small, correct reference implementation of the partner
// security alerts API over a fixed data set, with switchable flaws; the
// conformance tests run the suite against it to prove that the harness passes a
// correct server and fails each broken one. It is not the mock.
package refserver

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// Flaw is one deliberate defect of the server.
type Flaw string

// The flaws the server can be given.
const (
	None                Flaw = ""
	PatchNoContent      Flaw = "PATCH answers 204 without a body"
	ChangeNotKept       Flaw = "the change is not kept"
	RequiredMissing     Flaw = "a required property (alertType) is missing"
	EnumOutOfRange      Flaw = "an enum value outside the enum (severity critical)"
	InvalidAccepted     Flaw = "an unknown property is accepted"
	BareError           Flaw = "error bodies are not in the Graph envelope"
	NoActivityLog       Flaw = "a status change adds no activity log entry"
	NoAuth              Flaw = "no 401 without a token"
	NoRequestID         Flaw = "no request-id header"
	NullNextLink        Flaw = "nextLink is null on the last page"
	TextPlain           Flaw = "success bodies are sent as text/plain"
	ResolvedByNotSet    Flaw = "resolving does not record resolvedBy"
	FilterIgnored       Flaw = "$filter is ignored"
	NoPermissionCheck   Flaw = "a read-only token may update"
	ExtraPropertyInBody Flaw = "the alert carries a property the type does not have"
	NoRetryAfter        Flaw = "a 429 carries no Retry-After"

	// Flaws the suite passed until a step or scenario was added for each.
	StampOnEveryChange     Flaw = "every status change sets resolvedOnDateTime"
	OmittedReasonClears    Flaw = "resolving again without a reason clears the reason"
	PatchClearsOthers      Flaw = "an update clears properties it does not name"
	PatchChangesAnother    Flaw = "an update changes another alert too"
	ListStale              Flaw = "the list does not show updates"
	EqMatchesNothing       Flaw = "$filter eq compares with the literal's quotes"
	OrAsAnd                Flaw = "$filter reads or as and"
	DateFilterNothing      Flaw = "$filter on detectedDateTime matches nothing"
	NextLinkDropsSelect    Flaw = "the next page link drops $select"
	NextLinkDropsOrderBy   Flaw = "the next page link drops $orderby"
	RetryAfterDuration     Flaw = "Retry-After is a Go duration (1s), not seconds"
	UnprefixedOnlyTop      Flaw = "only top may be sent without its $"
	ReadPermissionListOnly Flaw = "the read permission is checked on the list only"
	FilterAfterSelect      Flaw = "$filter is applied after $select"
	OrderByLosesAlerts     Flaw = "$orderby sorts a copy that holds no alerts"
	ListRedirects          Flaw = "the list answers with a redirect to itself"

	// Flaws of the documented/assumption split and of the scenario classes
	// added with it (issue 8).
	RefusedButStored          Flaw = "a refused update is stored all the same"
	ReasonOutsideEnumIgnored  Flaw = "a resolvedReason outside the enum is ignored, not refused"
	ReadOnlyIgnored           Flaw = "read-only properties in an update are ignored, not refused"
	ReadOnlyStored            Flaw = "a read-only displayName in an update is stored"
	WrongCaseAccepted         Flaw = "a status in another letter case is accepted"
	NullStatusIgnored         Flaw = "a null status means no change"
	NumberStatusAccepted      Flaw = "a status given as the enum's number is accepted"
	TrailingDataAccepted      Flaw = "data after the JSON object is ignored"
	UnknownFutureValueApplied Flaw = "unknownFutureValue is stored as the status"
	PatchIgnoresReason        Flaw = "the resolvedReason of an update is ignored"
	LostUpdate                Flaw = "concurrent updates overwrite each other"
	LogTwice                  Flaw = "every status change is logged twice"
	LogNewestFirst            Flaw = "the activity log lists the newest entry first"
	ClockOffHours             Flaw = "the server clock is three hours behind"
	NonUTCTimes               Flaw = "date-times are written in UTC+02:00"
	TimeNotRoundTrip          Flaw = "stored times lose their fraction of a second"
	OmitNulls                 Flaw = "null properties are left out"
	NeExcludesNull            Flaw = "$filter ne leaves out nulls"
	EqNullMatchesNothing      Flaw = "$filter eq null matches nothing"
	NullDateIsZero            Flaw = "$filter compares a null date-time as the zero time"
	CountIgnoresFilter        Flaw = "@odata.count counts every alert, ignoring $filter"
	CountIsPageSize           Flaw = "@odata.count counts the page"
	UnknownIDIs400            Flaw = "an unknown alert id is a 400"
	ForbiddenAs401            Flaw = "a missing permission is a 401"
	ExpiredTokenAccepted      Flaw = "an expired token is accepted"
	InnerRequestIDDiffers     Flaw = "innerError.request-id is not the request-id header"
	Bare401                   Flaw = "a 401 is plain text, not the error envelope"
	ClaimsChallenge           Flaw = "a 401 asks for a claims challenge"
	PatchAnswersOld           Flaw = "PATCH answers with the alert as it was before the change"
	SelectIgnoredOnGet        Flaw = "$select is ignored when reading one alert"
	ActorFixed                Flaw = "changes are recorded as a fixed user, not the caller"
	FixedRequestID            Flaw = "every answer has the same request-id"

	// Flaws of the oracle's rules (issue 15): each breaks one rule that
	// applies to every exchange and that no scenario names.
	InvalidIs422         Flaw = "an invalid update is refused with 422, not 400"
	BOMInBody            Flaw = "an alert read or updated starts with a byte order mark"
	DuplicateName        Flaw = "an alert read by id names displayName twice"
	RequestIDNotUUID     Flaw = "request-ids are not UUIDs"
	NoDateHeader         Flaw = "answers carry no Date header"
	DateFrozen           Flaw = "the server's clock, Date header included, stopped when it started"
	ServerClockHoursOff  Flaw = "the whole server clock, Date header included, is three hours behind"
	ClockFrozen          Flaw = "the clock of the alerts stopped when the server started"
	NumericDetail        Flaw = "additionalDetails values are numbers where they can be"
	ContextWithoutEntity Flaw = "the context URL of one alert lacks /$entity"
	SelectDropsNull      Flaw = "a $select answer leaves out selected properties that are null"
	SelectAddsID         Flaw = "a $select answer carries the id even when it is not selected"
	PagesOf3DropQuery    Flaw = "lists are paged by 3 and the next link keeps only $skip"
	NextLinkLocalhost    Flaw = "the next link names localhost, not the host the client used"
	LastPageRepeats      Flaw = "each further page repeats the last alert of the page before"
	OrderByIgnored       Flaw = "$orderby is ignored"
	ListLags             Flaw = "the first list after a change shows the alert as it was"

	// Flaws of the service root, the metadata document and JSON batching
	// (issue 18).
	RootNotServiceDocument    Flaw = "the service root answers 404"
	MetadataJSON              Flaw = "$metadata is answered as JSON, not CSDL XML"
	MetadataWithoutAlert      Flaw = "$metadata lacks the partnerSecurityAlert entity type"
	MetadataStatusNullable    Flaw = "$metadata declares status nullable"
	BatchIDsByPosition        Flaw = "batch responses carry the ids of the requests in listed order, not their own"
	BatchFailsWhole           Flaw = "one bad request in a batch fails the whole batch"
	BatchThrottlesEnvelope    Flaw = "throttling hits the batch, not the request inside it"
	BatchWriteLost            Flaw = "an update inside a batch is answered but not kept"
	BatchNo424                Flaw = "a request whose dependency failed runs all the same"
	BatchDuplicateIDs         Flaw = "ids that differ only in letter case are accepted"
	BatchNoLimit              Flaw = "a batch of more than 20 requests is accepted"
	UnknownMemberLeaks        Flaw = "a member after unknownFutureValue is sent to a client that did not accept it"
	OptInIgnored              Flaw = "Prefer: include-unknown-enum-members is ignored"
	NoPreferenceApplied       Flaw = "an accepted preference is not confirmed with Preference-Applied"
	FilterUnknownNoMatch      Flaw = "$filter eq unknownFutureValue matches nothing"
	FilterLaterMemberAccepted Flaw = "$filter on a member after unknownFutureValue is accepted without the preference"

	// Flaws in reading a documented shape of request (issue 15, request variants).
	AcceptJSONOnly           Flaw = "an Accept other than exactly application/json is refused with 406"
	ContentTypeParamsRefused Flaw = "a Content-Type with parameters (charset, odata) is refused with 415"
	EscapedDollarUnknown     Flaw = "an option whose $ is percent-encoded (%24filter) is unknown"
	TypeAnnotationRefused    Flaw = "an update carrying @odata.type is refused"
	HeaderNamesCaseSensitive Flaw = "header names are matched case-sensitively (authorization is no Authorization)"
	LiteralQuoteBlocked      Flaw = "a literal ' in the query is blocked, as a web application firewall does"
	ClientRequestIDStrict    Flaw = "a client-request-id that is not a version 4 UUID is refused"
)

// Server is the reference server; it implements http.Handler.
type Server struct {
	flaw    Flaw
	choices map[Choice]bool // set by With before the server is used
	now     func() time.Time

	started time.Time // when New made the server (DateFrozen, ClockFrozen)
	ids     int       // request-ids handed out (RequestIDNotUUID)

	mu       sync.Mutex
	sessions map[string][]alert
	// previous holds, per session and alert, the alert before its latest
	// change until it is listed once (ListLags).
	previous map[string]lagged
	faults   map[string]int // session → status of its next answer
	// lingering are the reasons of refused updates, by session and alert
	// (RefusedReasonLingers, explore.go).
	lingering map[string]string
	visited   map[string]bool // session and URL of requests already redirected (ListRedirects)
	inflight  map[string]int  // session, or session and alert id → requests in flight (ThrottleBursts, ConcurrentUpdateConflict)
}

// firstVisit reports whether r's session has not asked for r's URL before.
func (s *Server) firstVisit(r *http.Request) bool {
	key := r.Header.Get("X-Mock-Session") + " " + r.URL.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.visited == nil {
		s.visited = map[string]bool{}
	}
	first := !s.visited[key]
	s.visited[key] = true
	return first
}

// New returns a server with the given flaw (None for a correct one) and the
// mock's choices; With makes other choices.
func New(flaw Flaw) *Server {
	s := &Server{flaw: flaw, now: time.Now, sessions: make(map[string][]alert), faults: make(map[string]int), previous: map[string]lagged{}, started: time.Now(),
		choices: map[Choice]bool{}, inflight: make(map[string]int)}
	switch flaw {
	case ClockFrozen, DateFrozen:
		s.now = func() time.Time { return s.started }
	case ServerClockHoursOff:
		s.now = func() time.Time { return time.Now().Add(-3 * time.Hour) }
	}
	return s
}

// lagged is an alert as it was before a change.
type lagged struct {
	before alert
}

const (
	base        = "/beta"
	collection  = base + "/security/partner/securityAlerts"
	jsonOData   = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
	maxBody     = 1 << 20
	defaultUser = "alertmock@contoso.com"
)

// apiError is an error answer.
type apiError struct {
	status        int
	code, message string
}

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status, code, fmt.Sprintf(format, args...)}
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.chose(Gzip) && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		gw := &gzipWriter{ResponseWriter: w}
		defer gw.close()
		w = gw
	}
	reqID := newUUID()
	switch s.flaw {
	case FixedRequestID:
		reqID = "0dd686c8-6380-42ef-b98e-45b8cbf494b2"
	case RequestIDNotUUID:
		s.mu.Lock()
		s.ids++
		reqID = fmt.Sprintf("req-%d", s.ids)
		s.mu.Unlock()
	}
	switch s.flaw {
	case NoDateHeader:
		w.Header()["Date"] = nil // net/http writes none
	case DateFrozen:
		w.Header().Set("Date", s.started.UTC().Format(http.TimeFormat))
	case ServerClockHoursOff:
		w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	}
	if s.chose(UppercaseRequestIDs) {
		reqID = strings.ToUpper(reqID)
	}
	clientID := r.Header.Get("client-request-id")
	if clientID == "" || s.chose(ClientRequestIDIgnored) {
		clientID = reqID
	}
	if s.flaw != NoRequestID {
		w.Header().Set("request-id", reqID)
	}
	if !s.chose(NoClientRequestIDHeader) {
		w.Header().Set("client-request-id", clientID)
	}
	if r.URL.Path == "/_mock/faults" && r.Method == http.MethodPost {
		s.addFault(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/_mock/sessions/") && strings.HasSuffix(r.URL.Path, "/alerts") && r.Method == http.MethodPost {
		s.putAlert(w, r)
		return
	}
	if prefersUnknown(r) && s.flaw != NoPreferenceApplied && strings.HasPrefix(r.URL.Path, collection) {
		w.Header().Set("Preference-Applied", "include-unknown-enum-members")
	}
	if s.serveProtocol(w, r) {
		return
	}
	if s.flaw == ListRedirects && r.Method == http.MethodGet && r.URL.Path == collection && s.firstVisit(r) {
		http.Redirect(w, r, r.URL.String(), http.StatusFound) // to itself: the next visit is served
		return
	}
	status, body, apiErr := s.serve(w, r)
	if apiErr != nil {
		status = apiErr.status
	}
	if s.chose(GraphHeaders) {
		graphHeaders(w.Header(), status)
	}
	if apiErr != nil {
		s.writeError(w, apiErr, reqID, clientID)
		return
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	switch {
	case s.flaw == TextPlain:
		w.Header().Set("Content-Type", "text/plain")
	case s.chose(PlainJSON):
		w.Header().Set("Content-Type", "application/json")
	default:
		w.Header().Set("Content-Type", jsonOData)
		w.Header().Set("OData-Version", "4.0")
	}
	w.WriteHeader(status)
	s.encode(w, r, body)
}

// encode writes a success body, with the flaws of its encoding.
func (s *Server) encode(w http.ResponseWriter, r *http.Request, body any) {
	b := s.marshal(body)
	switch {
	case s.flaw == BOMInBody && r.URL.Path != collection:
		b = append([]byte("\xef\xbb\xbf"), b...)
	case s.flaw == DuplicateName && r.Method == http.MethodGet && r.URL.Path != collection:
		b = append([]byte(`{"displayName":"an earlier name",`), b[1:]...)
	}
	_, _ = w.Write(append(b, '\n'))
}

func (s *Server) writeError(w http.ResponseWriter, e *apiError, reqID, clientID string) {
	innerID := reqID
	switch s.flaw {
	case InnerRequestIDDiffers:
		innerID = newUUID()
	case Bare401, ClaimsChallenge:
		if e.status != http.StatusUnauthorized {
			break
		}
		if s.flaw == ClaimsChallenge {
			w.Header().Set("WWW-Authenticate", `Bearer realm="", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ=="`)
			break
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(e.status)
		_, _ = w.Write([]byte("Unauthorized\n"))
		return
	}
	var body any = s.errorBody(e.code, e.message, innerID, clientID)
	if s.flaw == BareError {
		body = map[string]any{"code": e.code, "message": e.message}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = w.Write(append(s.marshal(body), '\n'))
}

// serve routes a request and returns the status and body of a success or an error.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) (int, any, *apiError) {
	path := r.URL.Path
	var id string
	switch {
	case path == collection:
		if r.Method != http.MethodGet {
			return 0, nil, s.methodNotAllowed(w, r.Method, "GET")
		}
	case strings.HasPrefix(path, collection+"/") && !strings.Contains(path[len(collection)+1:], "/"):
		id = path[len(collection)+1:]
		if r.Method != http.MethodGet && r.Method != http.MethodPatch {
			return 0, nil, s.methodNotAllowed(w, r.Method, "GET, PATCH")
		}
	default:
		segs := strings.Split(strings.TrimPrefix(path, base+"/"), "/")
		want := []string{"security", "partner", "securityAlerts"}
		seg := segs[len(segs)-1]
		for i, sg := range segs {
			if i >= len(want) || sg != want[i] {
				seg = sg
				break
			}
		}
		if s.chose(UnknownSegmentAs400) {
			return 0, nil, errorf(400, "BadRequest", "Resource not found for the segment '%s'.", seg)
		}
		return 0, nil, errorf(404, "ResourceNotFound", "Resource not found for the segment '%s'.", seg)
	}
	if e := s.requestShape(r); e != nil {
		return 0, nil, e
	}
	session := sessionOf(r)
	if s.chose(ThrottleBursts) {
		if n := s.enter(session); n > 2 {
			s.leave(session)
			w.Header().Set("Retry-After", "1")
			return 0, nil, errorf(429, "TooManyRequests", "Too many requests at once.")
		}
		defer s.leave(session)
	}
	if e := s.fault(w, session); e != nil {
		return 0, nil, e
	}
	actor, canWrite, apiErr := s.authenticate(r)
	if apiErr != nil {
		return 0, nil, apiErr
	}
	if s.flaw == ActorFixed {
		actor = "admin@contoso.com"
	}
	switch {
	case id == "":
		return s.list(r, session)
	case r.Method == http.MethodGet:
		return s.get(r, session, id)
	default:
		if !canWrite && s.flaw != NoPermissionCheck {
			if s.flaw == ForbiddenAs401 {
				return 0, nil, errorf(401, "InvalidAuthenticationToken", "Missing permission.")
			}
			return 0, nil, errorf(403, "Forbidden", "Missing role permissions on the request. API requires one of 'PartnerSecurity.ReadWrite.All'. Roles on the request '%s'.", "PartnerSecurity.Read.All")
		}
		return s.patch(r, session, id, actor)
	}
}

// requestShape refuses the request shapes the variant flaws mishandle.
func (s *Server) requestShape(r *http.Request) *apiError {
	switch s.flaw {
	case AcceptJSONOnly:
		// Checked where requests come in, not on the requests of a batch.
		if a := r.Header.Get("Accept"); a != "application/json" && r.Context().Value(http.LocalAddrContextKey) != nil {
			return errorf(406, "NotAcceptable", "The Accept header '%s' is not supported.", a)
		}
	case LiteralQuoteBlocked:
		if strings.Contains(r.URL.RawQuery, "'") {
			return errorf(403, "Forbidden", "The request was blocked.")
		}
	case ClientRequestIDStrict:
		if id := r.Header.Get("client-request-id"); id != "" && (len(id) != 36 || id[14] != '4') {
			return errorf(400, "BadRequest", "Invalid client-request-id '%s'.", id)
		}
	}
	return nil
}

// methodNotAllowed refuses a method the resource lacks: 405 with Allow, or as
// a choice has it.
func (s *Server) methodNotAllowed(w http.ResponseWriter, method, allow string) *apiError {
	switch {
	case s.chose(MethodAs400):
		return errorf(400, "BadRequest", "Specified HTTP method is not allowed for the request target.")
	case s.chose(MethodAs501):
		return errorf(501, "NotImplemented", "The method %s is not implemented.", method)
	}
	w.Header().Set("Allow", allow)
	return errorf(405, "MethodNotAllowed", "The method %s is not allowed on this resource.", method)
}

// enter counts a request of key in flight and returns how many are;
// leave counts it out.
func (s *Server) enter(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight[key]++
	return s.inflight[key]
}

func (s *Server) leave(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight[key]--
}

// authenticate reads the bearer token: a JWT's scp/roles/upn/appid/exp/nbf,
// an opaque token is fully permitted.
func (s *Server) authenticate(r *http.Request) (actor string, canWrite bool, e *apiError) {
	h := r.Header.Get("Authorization")
	if names := rawHeaderNames(r); s.flaw == HeaderNamesCaseSensitive && names != nil && !slices.Contains(names, "Authorization") {
		h = "" // sent as authorization or AUTHORIZATION
	}
	if h == "" {
		if s.flaw == NoAuth {
			return defaultUser, true, nil
		}
		return "", false, errorf(401, "InvalidAuthenticationToken", "Access token is empty.")
	}
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		return "", false, errorf(401, "InvalidAuthenticationToken", "CompactToken parsing failed with error code: 80049217")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return defaultUser, true, nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct {
		UPN   string   `json:"upn"`
		AppID string   `json:"appid"`
		OID   string   `json:"oid"`
		Scp   string   `json:"scp"`
		Roles []string `json:"roles"`
		Exp   int64    `json:"exp"`
		Nbf   int64    `json:"nbf"`
	}
	if _, herr := base64.RawURLEncoding.DecodeString(parts[0]); err != nil || herr != nil || json.Unmarshal(payload, &c) != nil {
		return "", false, errorf(401, "InvalidAuthenticationToken", "CompactToken parsing failed with error code: 80049217")
	}
	now := s.now().Unix()
	if s.flaw == ServerClockHoursOff {
		now = time.Now().Unix() // its token check keeps time, or it would refuse every token and hide the flaw
	}
	if ((c.Exp != 0 && now >= c.Exp) || (c.Nbf != 0 && now < c.Nbf)) && s.flaw != ExpiredTokenAccepted {
		return "", false, errorf(401, "InvalidAuthenticationToken", "Access token has expired or is not valid yet.")
	}
	perms := c.Roles
	actor = c.AppID
	if s.chose(AppActorIsObjectID) && c.OID != "" {
		actor = c.OID
	}
	if c.Scp != "" {
		perms = strings.Fields(c.Scp)
		actor = c.UPN
	}
	canRead := slices.Contains(perms, "PartnerSecurity.Read.All") || slices.Contains(perms, "PartnerSecurity.ReadWrite.All")
	if !canRead && !(s.flaw == ReadPermissionListOnly && r.URL.Path != collection) {
		if s.flaw == ForbiddenAs401 {
			return "", false, errorf(401, "InvalidAuthenticationToken", "Missing permission.")
		}
		if s.chose(ForbiddenAs404) && r.URL.Path != collection {
			return "", false, errorf(404, "ResourceNotFound", "Resource '%s' does not exist or one of its queried reference-property objects are not present.", path.Base(r.URL.Path))
		}
		return "", false, errorf(403, "Forbidden", "Missing role permissions on the request. API requires one of 'PartnerSecurity.Read.All, PartnerSecurity.ReadWrite.All'. Roles on the request '%s'.", strings.Join(perms, ", "))
	}
	return actor, slices.Contains(perms, "PartnerSecurity.ReadWrite.All"), nil
}

// readAll reads at most limit bytes of the body; more is an error.
func readAll(r *http.Request, limit int64) ([]byte, error) {
	b := make([]byte, 0, 512)
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Body.Read(buf)
		b = append(b, buf[:n]...)
		if int64(len(b)) > limit {
			return nil, fmt.Errorf("body over %d bytes", limit)
		}
		if err != nil {
			return b, nil
		}
	}
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// addFault takes a control-API fault rule of the kind the harness sends: one
// status for the next request of one session.
func (s *Server) addFault(w http.ResponseWriter, r *http.Request) {
	var rule struct {
		Status  int    `json:"status"`
		Session string `json:"session"`
	}
	if err := json.NewDecoder(r.Body).Decode(&rule); err != nil || rule.Status == 0 {
		s.writeError(w, errorf(400, "BadRequest", "Invalid fault rule."), w.Header().Get("request-id"), w.Header().Get("client-request-id"))
		return
	}
	s.mu.Lock()
	s.faults[rule.Session] = rule.Status
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"value": []any{rule}})
}

// fault returns the pending fault of a session, once.
func (s *Server) fault(w http.ResponseWriter, session string) *apiError {
	s.mu.Lock()
	status, ok := s.faults[session]
	delete(s.faults, session)
	s.mu.Unlock()
	if !ok {
		return nil
	}
	codes := map[int]string{429: "TooManyRequests", 500: "InternalServerError", 503: "ServiceUnavailable", 504: "GatewayTimeout"}
	if status == http.StatusTooManyRequests && s.flaw != NoRetryAfter {
		w.Header().Set("Retry-After", "1")
		switch {
		case s.chose(RetryAfterHTTPDate):
			w.Header().Set("Retry-After", s.now().Add(time.Second).UTC().Format(http.TimeFormat))
		case s.chose(RetryAfterFraction):
			w.Header().Set("Retry-After", "0.5")
		}
		if s.flaw == RetryAfterDuration {
			w.Header().Set("Retry-After", time.Second.String())
		}
	}
	return errorf(status, codes[status], "Injected fault.")
}

// sessionOf names a request's session: X-Mock-Session, else the token's tid,
// else "default".
func sessionOf(r *http.Request) string {
	if s := r.Header.Get("X-Mock-Session"); s != "" {
		return s
	}
	parts := strings.Split(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), ".")
	if len(parts) == 3 {
		var c struct {
			TID string `json:"tid"`
		}
		if b, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil && json.Unmarshal(b, &c) == nil && c.TID != "" {
			return c.TID
		}
	}
	return "default"
}
