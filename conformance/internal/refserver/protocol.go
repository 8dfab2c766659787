package refserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/partner-security/alertmock/openapi"
)

// serveProtocol answers the service root, the metadata document and JSON
// batching, and reports whether the path was one of them.
func (s *Server) serveProtocol(w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Path {
	case base, base + "/":
		if s.flaw == RootNotServiceDocument {
			return false // the 404 of any unknown path
		}
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			s.writeError(w, errorf(405, "MethodNotAllowed", "Only GET is allowed here."), w.Header().Get("request-id"), w.Header().Get("client-request-id"))
			return true
		}
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		w.Header().Set("Content-Type", jsonOData)
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"@odata.context": scheme + "://" + r.Host + base + "/$metadata",
			"value":          []any{map[string]any{"name": "security", "kind": "Singleton", "url": "security"}},
		})
		return true
	case base + "/$metadata":
		doc := bytes.Replace(openapi.MetadataXML(), []byte(`<Member Name="unknownFutureValue" Value="4" />`),
			[]byte(`<Member Name="unknownFutureValue" Value="4" />`+"\n        "+`<Member Name="`+laterSeverity+`" Value="5" />`), 1)
		switch s.flaw {
		case MetadataJSON:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_ = json.NewEncoder(w).Encode(map[string]any{"$Version": "4.0"})
			return true
		case MetadataWithoutAlert:
			start := bytes.Index(doc, []byte(`<EntityType Name="partnerSecurityAlert"`))
			end := bytes.Index(doc[start:], []byte(`</EntityType>`)) + start + len(`</EntityType>`)
			doc = append(doc[:start:start], doc[end:]...)
		case MetadataStatusNullable:
			doc = bytes.Replace(doc, []byte(`<Property Name="status" Type="microsoft.graph.partner.security.securityAlertStatus" Nullable="false" />`),
				[]byte(`<Property Name="status" Type="microsoft.graph.partner.security.securityAlertStatus" />`), 1)
		}
		w.Header().Set("Content-Type", "application/xml;charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(doc)
		return true
	case base + "/$batch":
		s.batch(w, r)
		return true
	}
	return false
}

type batchRequest struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

// batch serves POST /beta/$batch by sending each request to the server
// itself, after the requests it depends on.
func (s *Server) batch(w http.ResponseWriter, r *http.Request) {
	fail := func(format string, args ...any) {
		s.writeError(w, errorf(400, "BadRequest", format, args...), w.Header().Get("request-id"), w.Header().Get("client-request-id"))
	}
	if s.flaw == BatchThrottlesEnvelope {
		if e := s.fault(w, sessionOf(r)); e != nil {
			s.writeError(w, e, w.Header().Get("request-id"), w.Header().Get("client-request-id"))
			return
		}
	}
	var env struct {
		Requests []batchRequest `json:"requests"`
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&env) != nil || len(env.Requests) == 0 {
		fail("Not a JSON batch.")
		return
	}
	if len(env.Requests) > 20 && s.flaw != BatchNoLimit {
		fail("A batch holds at most 20 requests.")
		return
	}
	key := strings.ToLower // ids compare without letter case
	if s.flaw == BatchDuplicateIDs {
		key = func(id string) string { return id }
	}
	seen := map[string]bool{}
	for _, q := range env.Requests {
		if q.ID == "" || q.Method == "" || q.URL == "" || seen[key(q.ID)] {
			fail("Each request needs a unique id, a method and a url.")
			return
		}
		seen[key(q.ID)] = true
		if len(q.Body) > 0 && q.Headers["Content-Type"] == "" && q.Headers["content-type"] == "" {
			fail("A request with a body needs a Content-Type header.")
			return
		}
	}
	// Run in listed order, each request after the ones it depends on.
	done := map[string]int{} // lower-case id → status
	var order []int
	for len(order) < len(env.Requests) {
		progress := false
		for i, q := range env.Requests {
			if _, ran := done[key(q.ID)]; ran {
				continue
			}
			ready := true
			for _, d := range q.DependsOn {
				if _, ok := done[key(d)]; !ok {
					ready = false
				}
			}
			if ready {
				done[key(q.ID)] = -1
				order = append(order, i)
				progress = true
			}
		}
		if !progress {
			fail("The dependsOn of the batch cannot be satisfied.")
			return
		}
	}
	status := map[string]int{}
	var replies []map[string]any
	for k, i := range order {
		q := env.Requests[i]
		id := q.ID
		if s.flaw == BatchIDsByPosition {
			id = env.Requests[k].ID // the k-th reply labelled with the k-th request's id
		}
		failedDep := ""
		for _, d := range q.DependsOn {
			if status[key(d)] >= 400 {
				failedDep = d
			}
		}
		if failedDep != "" && s.flaw != BatchNo424 {
			status[key(q.ID)] = http.StatusFailedDependency
			replies = append(replies, map[string]any{"id": id, "status": http.StatusFailedDependency,
				"headers": map[string]string{"Content-Type": "application/json"},
				"body": map[string]any{"error": map[string]any{"code": "FailedDependency", "message": fmt.Sprintf("Request '%s' failed.", failedDep),
					"innerError": map[string]any{"date": s.now().UTC().Format("2006-01-02T15:04:05"), "request-id": newUUID(), "client-request-id": newUUID()}}}})
			continue
		}
		rec := s.runInner(r, q)
		status[key(q.ID)] = rec.Code
		if rec.Code >= 400 && s.flaw == BatchFailsWhole {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		headers := map[string]string{}
		for k, v := range rec.Header() {
			headers[k] = strings.Join(v, ", ")
		}
		reply := map[string]any{"id": id, "status": rec.Code, "headers": headers}
		if rec.Body.Len() > 0 {
			reply["body"] = json.RawMessage(bytes.TrimSpace(rec.Body.Bytes()))
		}
		replies = append(replies, reply)
	}
	w.Header().Set("Content-Type", jsonOData)
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(map[string]any{"responses": replies})
}

// runInner sends one request of a batch to the server, with the batch's
// token and session.
func (s *Server) runInner(outer *http.Request, q batchRequest) *httptest.ResponseRecorder {
	target := q.URL
	if !strings.HasPrefix(target, "/") {
		target = "/" + target
	}
	var body []byte
	if len(q.Body) > 0 {
		body = q.Body
	}
	r := httptest.NewRequest(q.Method, base+target, bytes.NewReader(body))
	r.Host, r.TLS = outer.Host, outer.TLS
	for k, v := range q.Headers {
		r.Header.Set(k, v)
	}
	for _, h := range []string{"Authorization", "X-Mock-Session"} {
		if v := outer.Header.Get(h); v != "" {
			r.Header.Set(h, v)
		}
	}
	var saved []byte
	session := sessionOf(r)
	if s.flaw == BatchWriteLost && q.Method == http.MethodPatch {
		s.mu.Lock()
		saved, _ = json.Marshal(s.alertsLocked(session))
		s.mu.Unlock()
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, r)
	if saved != nil {
		var restored []alert
		_ = json.Unmarshal(saved, &restored)
		s.mu.Lock()
		s.sessions[session] = restored
		s.mu.Unlock()
	}
	return rec
}
