package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/grapherr"
)

// statefulSessions are the sessions stateWithChanges writes.
var statefulSessions = []string{"s0", "s1", "s2", "s3", "s4", "put"}

// stateWithChanges writes a state file through a Server: PATCHes in five
// sessions (two of them twice, so activity logs have several entries) and
// an alert added through Put, and returns its path and each session's list
// as served.
func stateWithChanges(tb testing.TB) (string, map[string]string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "state.db")
	p, err := OpenState(path)
	if err != nil {
		tb.Fatal(err)
	}
	ts := newTestServer(tb, Config{Persistence: p})
	for i, s := range statefulSessions[:5] {
		for _, body := range []string{`{"status":"investigating"}`, `{"status":"resolved","resolvedReason":"fraud"}`}[:1+i%2] {
			if got := ts.do(tb, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Body: body, Session: s}); got.Status != 200 {
				tb.Fatalf("PATCH: %d %s", got.Status, got.Body)
			}
		}
	}
	extra := alert.Documented()
	extra.ID = "added-1"
	if err := ts.Put("put", extra); err != nil {
		tb.Fatal(err)
	}
	want := servedLists(tb, ts.Server)
	if err := ts.Close(); err != nil {
		tb.Fatal(err)
	}
	return path, want
}

// servedLists GETs the whole list of every session of statefulSessions
// (through ServeHTTP: the battery starts many servers): the body of a 200,
// or the error envelope's message prefixed "ERROR".
func servedLists(tb testing.TB, s *Server) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for _, name := range statefulSessions {
		r := httptest.NewRequest("GET", "/beta"+listPath+"?$top=999", nil)
		r.Header.Set("Authorization", "Bearer test")
		r.Header.Set(HeaderSession, name)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		got := response{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
		if got.Status != 200 {
			checkEnvelope(tb, "list of "+name, "GET", got.Status, got.Header, got.Body)
			out[name] = "ERROR " + got.ErrorMessage(tb)
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(got.Body, &m); err != nil {
			tb.Fatal(err)
		}
		delete(m, "@odata.context")
		b, _ := json.Marshal(m)
		out[name] = string(b)
	}
	return out
}

// TestStateBitFlipsThroughServer flips one bit of copies of a real state
// file, written by a Server, at a sample of offsets, and starts a Server on
// each: OpenState refuses it in one line matching ErrStateDamaged, or
// every session lists exactly as before, or a session answers a 500 Graph
// envelope that names it. Never a list served changed, never a crash.
func TestStateBitFlipsThroughServer(t *testing.T) {
	path, want := stateWithChanges(t)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(19, 19))
	refused, same, named := 0, 0, 0
	flips := 160
	if raceEnabled {
		flips = 48
	}
	for i := range flips {
		off := rng.IntN(len(good))
		if i < 32 { // the meta pages' fields and page headers, then anywhere
			off = []int{0, 4096}[i%2] + 16 + 4*(i/2)
		}
		damaged := bytes.Clone(good)
		damaged[off] ^= 1 << (i % 8)
		p := filepath.Join(t.TempDir(), "flip.db")
		if err := os.WriteFile(p, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		what := fmt.Sprintf("bit %d of byte %d", i%8, off)
		ps, err := OpenState(p)
		if err != nil {
			if !errors.Is(err, ErrStateDamaged) && !strings.Contains(err.Error(), "format") || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: OpenState = %.300v; want one line matching ErrStateDamaged", what, err)
			}
			refused++
			continue
		}
		srv, err := New(Config{Persistence: ps})
		if err != nil {
			t.Fatal(err)
		}
		got := servedLists(t, srv)
		srv.Close()
		for _, s := range statefulSessions {
			switch {
			case got[s] == want[s]:
			case strings.HasPrefix(got[s], "ERROR ") && strings.Contains(got[s], "'"+s+"'"):
				named++
			default:
				t.Errorf("%s: session %s served changed:\n got %.300s\nwant %.300s", what, s, got[s], want[s])
			}
		}
		same++
	}
	t.Logf("%d flips: %d refused at start, %d served, with %d damaged sessions named at first use", flips, refused, same, named)
}

// TestDamageAtFirstUse: the state file damaged while the server runs (a
// stored value changed under it): the session's first use is a 500 Graph
// envelope naming it, other sessions serve as before.
func TestDamageAtFirstUse(t *testing.T) {
	path, want := stateWithChanges(t)
	ts := openStateServer(t, path, nil)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.LastIndex(b, []byte(`"status":"investigating"`))
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteAt([]byte{'f'}, int64(at+len(`"status":"investigatin`)))
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	got := servedLists(t, ts.Server)
	damaged := 0
	for _, s := range statefulSessions {
		if got[s] == want[s] {
			continue
		}
		damaged++
		if !strings.HasPrefix(got[s], "ERROR The saved state of session '"+s+"' is damaged") {
			t.Errorf("session %s: %.300s; want a 500 naming it", s, got[s])
		}
	}
	if damaged != 1 {
		t.Errorf("%d sessions answer differently; want the one whose record was damaged", damaged)
	}
	// The envelope is a 500 InternalServerError with the request ids.
	for _, s := range statefulSessions {
		if r := ts.do(t, req{Path: alertPath(alert.DocumentedID), Session: s}); r.Status == 500 {
			var env grapherr.Envelope
			if err := json.Unmarshal(r.Body, &env); err != nil || env.Error.Code != CodeInternalServerError || env.Error.InnerError.RequestID == "" {
				t.Errorf("GET in %s: %s; want the InternalServerError envelope", s, r.Body)
			}
		}
	}
}

// TestEmptyStateFile: a file with no bytes (mktemp's) starts as a new
// state file, which EmptyFile reports, and keeps changes like any other.
func TestEmptyStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := OpenState(path)
	if err != nil {
		t.Fatalf("OpenState(empty file) = %v; want a new state file", err)
	}
	if !p.EmptyFile() {
		t.Error("EmptyFile = false; want true")
	}
	ts := newTestServer(t, Config{Persistence: p})
	if got := ts.do(t, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Body: `{"status":"resolved"}`}); got.Status != 200 {
		t.Fatalf("PATCH: %d", got.Status)
	}
	if n, err := p.LastChange(); n != 1 || err != nil {
		t.Errorf("LastChange = %d, %v; want 1", n, err)
	}
	ts.Close()
	ts2 := openStateServer(t, path, nil)
	if a := mustAlert(t, ts2.Server, DefaultSession, alert.DocumentedID); a.Status != alert.StatusResolved {
		t.Errorf("after restart: %s; want resolved", a.Status)
	}
}
