package mock

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partner-security/alertmock/mock/alert"
)

// openStateServer opens the state file at path and starts a Server on it. The
// server (and so the file) is closed at cleanup unless the test closes it.
func openStateServer(tb testing.TB, path string, now func() time.Time) *testServer {
	tb.Helper()
	p, err := OpenState(path)
	if err != nil {
		tb.Fatal(err)
	}
	return newTestServer(tb, Config{Persistence: p, Now: now})
}

func TestStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	clock := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	id := alert.DocumentedID
	writer := jwt(map[string]any{"scp": "PartnerSecurity.ReadWrite.All", "upn": "ana@contoso.com"})

	ts := openStateServer(t, path, now)
	steps := []struct {
		session, body string
	}{
		{"s1", `{"status":"investigating"}`},
		{"s1", `{"status":"resolved","resolvedReason":"fraud"}`},
		{"s2", `{"status":"resolved","resolvedReason":"legitimate"}`},
		{"s3", `{"status":"investigating"}`},
	}
	for _, st := range steps {
		got := ts.do(t, req{Method: "PATCH", Path: alertPath(id), Body: st.body, Token: writer, Session: st.session})
		if got.Status != 200 {
			t.Fatalf("PATCH %s in %s: Status = %d; want 200\n%s", st.body, st.session, got.Status, got.Body)
		}
	}
	if err := ts.Reset("s3"); err != nil {
		t.Fatal(err)
	}
	extra := alert.Documented()
	extra.ID = "added-1"
	if err := ts.Put("s4", extra); err != nil {
		t.Fatal(err)
	}
	if err := ts.Replace("empty", []alert.Alert{}); err != nil {
		t.Fatal(err)
	}
	before := map[string][]alert.Alert{}
	for _, name := range []string{"s1", "s2", "s4", "empty"} {
		before[name] = ts.Alerts(name)
	}
	if err := ts.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	re := openStateServer(t, path, now)
	for name, want := range before {
		if got := re.Alerts(name); !reflect.DeepEqual(got, want) {
			t.Errorf("session %s after restart differs from before (%d alerts; want %d)", name, len(got), len(want))
		}
	}
	a := mustAlert(t, re.Server, "s1", id)
	if got, want := len(a.ActivityLogs), 2; got != want {
		t.Fatalf("s1 activityLogs = %d entries; want %d", got, want)
	}
	if got, want := a.ActivityLogs[1], (alert.ActivityLog{StatusFrom: alert.StatusInvestigating,
		StatusTo: alert.StatusResolved, UpdatedBy: "ana@contoso.com", UpdatedDateTime: clock}); !reflect.DeepEqual(got, want) {
		t.Errorf("s1 activityLogs[1] = %+v; want %+v", got, want)
	}
	if a.ResolvedBy == nil || *a.ResolvedBy != "ana@contoso.com" {
		t.Errorf("s1 resolvedBy = %v; want ana@contoso.com", a.ResolvedBy)
	}
	if got := mustAlert(t, re.Server, "s3", id).Status; got != alert.StatusActive {
		t.Errorf("s3 (reset before restart) status = %s; want active", got)
	}
	if got := mustAlert(t, re.Server, DefaultSession, id).Status; got != alert.StatusActive {
		t.Errorf("default session status = %s; want active (seeded)", got)
	}
	if got := len(re.Alerts("empty")); got != 0 {
		t.Errorf("session replaced with no alerts has %d after restart; want 0", got)
	}
	// Over HTTP too: the reloaded alert is served as before.
	got := re.do(t, req{Path: alertPath(id), Session: "s2"}).JSON(t)
	if got["status"] != "resolved" || got["resolvedReason"] != "legitimate" {
		t.Errorf("GET s2 after restart: status %v, resolvedReason %v; want resolved, legitimate", got["status"], got["resolvedReason"])
	}

	// ResetAll empties the file: after another restart every session is seeded.
	if err := re.ResetAll(); err != nil {
		t.Fatal(err)
	}
	if err := re.Close(); err != nil {
		t.Fatal(err)
	}
	again := openStateServer(t, path, now)
	if got := again.Sessions(); len(got) != 0 {
		t.Errorf("sessions after ResetAll and restart = %v; want none", got)
	}
	if got := mustAlert(t, again.Server, "s1", id).Status; got != alert.StatusActive {
		t.Errorf("s1 after ResetAll and restart: status = %s; want active", got)
	}
}

// TestStateCommitFailureRollsBack: when the commit fails the client gets a 500
// envelope and the change is not visible, in memory or after a restart.
func TestStateCommitFailureRollsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	p, err := OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, Config{Persistence: p})
	id := alert.DocumentedID
	if got := ts.do(t, req{Method: "PATCH", Path: alertPath(id), Body: `{"status":"investigating"}`}); got.Status != 200 {
		t.Fatalf("first PATCH: Status = %d; want 200\n%s", got.Status, got.Body)
	}

	// Break the file under the server: a closed bbolt DB refuses every commit.
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	got := ts.do(t, req{Method: "PATCH", Path: alertPath(id), Body: `{"status":"resolved","resolvedReason":"fraud"}`})
	if got.Status != 500 {
		t.Fatalf("PATCH with a failing commit: Status = %d; want 500\n%s", got.Status, got.Body)
	}
	if code := got.ErrorCode(t); code != CodeInternalServerError {
		t.Errorf("code = %q; want %q", code, CodeInternalServerError)
	}
	a := mustAlert(t, ts.Server, DefaultSession, id)
	if a.Status != alert.StatusInvestigating || len(a.ActivityLogs) != 1 || a.ResolvedBy != nil {
		t.Errorf("after failed commit: status %s, %d activity logs, resolvedBy %v; want investigating, 1, nil (rolled back)",
			a.Status, len(a.ActivityLogs), a.ResolvedBy)
	}
	if err := ts.Close(); err != nil {
		t.Fatalf("Close after the file was closed: %v", err)
	}
	re := openStateServer(t, path, nil)
	if got := mustAlert(t, re.Server, DefaultSession, id).Status; got != alert.StatusInvestigating {
		t.Errorf("after restart: status = %s; want investigating (the acknowledged update only)", got)
	}
}

func TestOpenStateErrors(t *testing.T) {
	dir := t.TempDir()
	t.Run("wrong format", func(t *testing.T) {
		path := filepath.Join(dir, "other.db")
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucket([]byte("meta"))
			if err != nil {
				return err
			}
			return b.Put([]byte("format"), []byte("99"))
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		_, err = OpenState(path)
		if err == nil || !strings.Contains(err.Error(), `"99"`) {
			t.Errorf("OpenState(format 99) = %v; want an error naming the format", err)
		}
	})
	t.Run("not a bbolt file", func(t *testing.T) {
		path := filepath.Join(dir, "garbage.db")
		if err := os.WriteFile(path, []byte(strings.Repeat("not a database\n", 500)), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenState(path); err == nil {
			t.Errorf("OpenState(garbage) = nil error; want an error")
		}
	})
	t.Run("in use", func(t *testing.T) {
		path := filepath.Join(dir, "busy.db")
		p, err := OpenState(path)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		_, err = OpenState(path)
		if err == nil || !strings.Contains(err.Error(), "in use") {
			t.Errorf("second OpenState = %v; want an 'in use' error", err)
		}
	})
	t.Run("unwritable directory", func(t *testing.T) {
		if _, err := OpenState(filepath.Join(dir, "missing", "state.db")); err == nil {
			t.Errorf("OpenState in a missing directory = nil error; want an error")
		}
	})
}

// BenchmarkPatchState measures a status-changing PATCH through the whole
// handler in memory and with a state file (one fsynced bbolt commit each).
func BenchmarkPatchState(b *testing.B) {
	for _, durable := range []bool{false, true} {
		name := "memory"
		if durable {
			name = "state-file"
		}
		b.Run(name, func(b *testing.B) {
			cfg := Config{}
			if durable {
				p, err := OpenState(filepath.Join(b.TempDir(), "state.db"))
				if err != nil {
					b.Fatal(err)
				}
				cfg.Persistence = p
			}
			s, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			bodies := []string{`{"status":"investigating"}`, `{"status":"active"}`}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r := httptest.NewRequest("PATCH", "/beta"+alertPath(alert.DocumentedID), strings.NewReader(bodies[i%2]))
				r.Header.Set("Authorization", "Bearer test")
				r.Header.Set("Content-Type", "application/json")
				// A fresh session every 64 updates keeps the activity log short.
				r.Header.Set(HeaderSession, strconv.Itoa(i/64))
				w := httptest.NewRecorder()
				s.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("Status = %d\n%s", w.Code, w.Body)
				}
			}
		})
	}
}

// TestSessionInfoTimes: a session's Updated is zero until it changes, then
// the time of its last change; Created stays (a mutant never setting Updated
// survived every test).
func TestSessionInfoTimes(t *testing.T) {
	clock := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); clock = clock.Add(time.Second); return clock }
	for _, durable := range []bool{false, true} {
		t.Run(fmt.Sprint("durable=", durable), func(t *testing.T) {
			var ts *testServer
			if durable {
				ts = openStateServer(t, filepath.Join(t.TempDir(), "state.db"), now)
			} else {
				ts = newTestServer(t, Config{Now: now})
			}
			info := func() SessionInfo {
				for _, si := range ts.Sessions() {
					if si.Name == "s" {
						return si
					}
				}
				t.Fatal("session s not listed")
				return SessionInfo{}
			}
			ts.do(t, req{Path: alertPath(alert.DocumentedID), Session: "s"})
			first := info()
			if first.Created.IsZero() || !first.Updated.IsZero() {
				t.Fatalf("after a read: created %v, updated %v; want a time and zero", first.Created, first.Updated)
			}
			for _, body := range []string{`{"status":"investigating"}`, `{"status":"active"}`} {
				if got := ts.do(t, req{Method: "PATCH", Path: alertPath(alert.DocumentedID), Body: body, Session: "s"}); got.Status != 200 {
					t.Fatalf("PATCH: %d %s", got.Status, got.Body)
				}
				a := mustAlert(t, ts.Server, "s", alert.DocumentedID)
				last := a.ActivityLogs[len(a.ActivityLogs)-1].UpdatedDateTime
				if got := info(); !got.Updated.Equal(last) || !got.Created.Equal(first.Created) {
					t.Errorf("after PATCH %s: created %v, updated %v; want %v, %v (the change's time)", body, got.Created, got.Updated, first.Created, last)
				}
			}
		})
	}
}

// TestOpenStateErrorUnwraps: OpenState's error keeps the cause it reports, so
// a caller can tell a missing folder from a damaged file.
func TestOpenStateErrorUnwraps(t *testing.T) {
	_, err := OpenState(filepath.Join(t.TempDir(), "no-such-folder", "state.db"))
	if err == nil || !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrStateDamaged) || !strings.HasPrefix(err.Error(), "mock: ") {
		t.Errorf("OpenState in a missing folder = %v; want a \"mock: \" error matching fs.ErrNotExist, not ErrStateDamaged", err)
	}
}
