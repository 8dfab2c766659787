package graphapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/auth"
	"github.com/partner-security/alertmock/mock/store"
)

var testContract = sync.OnceValues(func() (*Contract, error) { return LoadContract(context.Background()) })

// newTestAPI returns an API over the seed dataset with a fixed clock, no
// logger and the session "default" for every request.
func newTestAPI(tb testing.TB) *API {
	tb.Helper()
	c, err := testContract()
	if err != nil {
		tb.Fatal(err)
	}
	seed := alert.Seed(0)
	base := make([]*alert.Alert, len(seed))
	for i := range seed {
		base[i] = &seed[i]
	}
	now := func() time.Time { return time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC) }
	a, err := New(Deps{Contract: c, Store: store.New(base, store.Options{Now: now}), Tokens: auth.NewVerifier(nil, auth.Checks{}),
		Now: now, NewID: func() string { return "0dd686c8-6380-42ef-b98e-45b8cbf494b2" },
		Session: func(*http.Request) string { return "default" }, MaxBodyBytes: 1 << 20, PageSize: 100})
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// serveTest serves one request to a and returns the recorder.
func serveTest(a *API, method, path, body string) *httptest.ResponseRecorder {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, "http://127.0.0.1:8080"+path, nil)
	} else {
		r = httptest.NewRequest(method, "http://127.0.0.1:8080"+path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Bearer test")
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	return w
}

func TestNewNeedsDeps(t *testing.T) {
	if _, err := New(Deps{}); err == nil {
		t.Fatal("New(Deps{}) = nil error; want one naming the missing dependencies")
	}
}

// TestRouteCacheSkipsHugeKeys reproduces the memory a client could pin with
// long request paths (up to the 1 MB header limit): the route cache kept
// 4,096 of them.
func TestRouteCacheSkipsHugeKeys(t *testing.T) {
	a := newTestAPI(t)
	long := strings.Repeat("a", 64<<10)
	if w := serveTest(a, http.MethodGet, "/beta/security/partner/securityAlerts/"+long, ""); w.Code != http.StatusNotFound {
		t.Fatalf("GET long id: Status = %d; want 404", w.Code)
	}
	if w := serveTest(a, http.MethodGet, "/beta/security/partner/securityAlerts/"+alert.DocumentedID, ""); w.Code != http.StatusOK {
		t.Fatalf("GET documented alert: Status = %d; want 200", w.Code)
	}
	a.matched.mu.Lock()
	defer a.matched.mu.Unlock()
	if len(a.matched.m) == 0 {
		t.Fatal("the route cache is empty after two lookups; want the short path kept")
	}
	for k := range a.matched.m {
		if len(k) > maxCachedKeyBytes {
			t.Errorf("route cache holds a key of %d bytes; want at most %d", len(k), maxCachedKeyBytes)
		}
	}
}

// TestBatchBody: a batch request's body is the JSON value as written when
// its Content-Type is JSON, and a base64 string decoded otherwise.
func TestBatchBody(t *testing.T) {
	for _, tt := range []struct {
		name, ct, body, want string
	}{
		{"json object", "application/json", `{"status":"active"}`, `{"status":"active"}`},
		{"json string stays JSON", "application/json; charset=utf-8", `"eyJhIjoxfQ=="`, `"eyJhIjoxfQ=="`},
		{"base64 of another type", "text/plain", `"eyJhIjoxfQ=="`, `{"a":1}`},
		{"base64url without padding", "application/octet-stream", `"eyJhIjoxfQ"`, `{"a":1}`},
		{"not base64", "text/plain", `"not base64!"`, `"not base64!"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ct := batchBody(batchItem{Headers: map[string]string{"content-type": tt.ct}, Body: []byte(tt.body)})
			if string(got) != tt.want || ct != tt.ct {
				t.Errorf("batchBody = %s, %q; want %s, %q", got, ct, tt.want, tt.ct)
			}
		})
	}
	if got, ct := batchBody(batchItem{Body: []byte("null")}); got != nil || ct != "" {
		t.Errorf("batchBody(null) = %q, %q; want no body", got, ct)
	}
}
