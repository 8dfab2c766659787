// Package store keeps the alerts of the mock's sessions: copy-on-write
// overlays over one immutable base dataset, indexed for queries, optionally
// durable in a bbolt state file.
package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/odata"
)

// ErrNotFound is the error for an alert id the session does not have.
var ErrNotFound = errors.New("store: alert not found")

// DefaultMaxSessions is how many sessions a Store keeps in memory when
// Options.MaxSessions is 0.
const DefaultMaxSessions = 1000

// Options configure a Store. The zero value keeps DefaultMaxSessions
// sessions in memory only, with the real clock.
type Options struct {
	// Now is the clock of activity logs and session times; nil means time.Now.
	Now func() time.Time
	// MaxSessions is how many sessions are kept in memory; past it the least
	// recently used one is dropped. Without DB it starts from the base again
	// on next use; with DB its changes stay in the file and are read back on
	// next use. 0 means DefaultMaxSessions.
	MaxSessions int
	// DB, when non-nil, keeps every change durable (see OpenDB).
	DB *DB
}

// Info summarises one session.
type Info struct {
	Name    string
	Alerts  int
	Created time.Time // zero when unknown (a session saved by an older file)
	Updated time.Time // last change; zero when never changed
}

// Store is the sessions over one base dataset. It is safe for concurrent
// use: the session map has its own lock, each session another, so sessions
// do not wait for each other's changes or queries.
type Store struct {
	base *base
	now  func() time.Time
	max  int
	db   *DB

	mu       sync.RWMutex
	sessions map[string]*session // in memory
	tick     atomic.Uint64       // counts session uses, for LRU
}

// New returns a Store whose sessions start from alerts. The alerts must be
// valid with unique ids; the store keeps the pointers and never modifies
// the alerts (nor may the caller).
func New(alerts []*alert.Alert, opt Options) *Store {
	st := &Store{base: newBase(alerts), now: opt.Now, max: opt.MaxSessions, db: opt.DB, sessions: map[string]*session{}}
	if st.now == nil {
		st.now = time.Now
	}
	if st.max <= 0 {
		st.max = DefaultMaxSessions
	}
	return st
}

// session returns the named session, marked used: from memory, else read
// back from the state file, else new over the base (O(1)).
func (st *Store) session(name string) (*session, error) {
	st.mu.RLock()
	ss := st.sessions[name]
	st.mu.RUnlock()
	if ss == nil {
		st.mu.Lock()
		defer st.mu.Unlock()
		if ss = st.sessions[name]; ss == nil {
			var err error
			if ss, err = st.loadLocked(name); err != nil {
				return nil, err
			}
			st.evictLocked()
			st.sessions[name] = ss
		}
	}
	ss.used.Store(st.tick.Add(1))
	return ss, nil
}

// loadLocked makes the session of a name not in memory.
func (st *Store) loadLocked(name string) (*session, error) {
	if st.db != nil {
		saved, ok, err := st.db.load(name)
		if err != nil {
			return nil, err
		}
		if ok {
			return st.fromSaved(saved), nil
		}
	}
	return &session{base: st.base, created: st.now()}, nil
}

// fromSaved rebuilds a session read from the state file.
func (st *Store) fromSaved(s savedSession) *session {
	ss := &session{durable: true, created: s.info.Created, updated: s.info.Updated}
	if s.info.Own {
		ss.base, ss.own = newBase(s.alerts), true
		return ss
	}
	ss.base = st.base
	ss.over = make(map[int32]version, len(s.alerts))
	for _, a := range s.alerts {
		if p, ok := st.base.index[a.ID]; ok { // an id the dataset no longer has is dropped
			ss.over[p] = version{a: a, owned: false}
		}
	}
	return ss
}

// evictLocked drops least recently used sessions from memory while a new
// one would exceed the cap. Durable sessions stay in the file.
func (st *Store) evictLocked() {
	for len(st.sessions) >= st.max {
		var oldest string
		var used uint64
		first := true
		for n, o := range st.sessions {
			if u := o.used.Load(); first || u < used || (u == used && n < oldest) {
				oldest, used, first = n, u, false
			}
		}
		ss := st.sessions[oldest]
		ss.mu.Lock() // a change in flight finishes (and is saved) first
		ss.dead = true
		ss.mu.Unlock()
		delete(st.sessions, oldest)
	}
}

// read runs f with the named session read-locked.
func (st *Store) read(name string, f func(ss *session)) error {
	for {
		ss, err := st.session(name)
		if err != nil {
			return err
		}
		ss.mu.RLock()
		if !ss.dead {
			f(ss)
			ss.mu.RUnlock()
			return nil
		}
		ss.mu.RUnlock()
	}
}

// write runs f with the named session write-locked.
func (st *Store) write(name string, f func(ss *session) error) error {
	for {
		ss, err := st.session(name)
		if err != nil {
			return err
		}
		ss.mu.Lock()
		if !ss.dead {
			err := f(ss)
			ss.mu.Unlock()
			return err
		}
		ss.mu.Unlock()
	}
}

// Get returns the alert (shared and immutable: do not modify) or ErrNotFound.
func (st *Store) Get(name, id string) (*alert.Alert, error) {
	var a *alert.Alert
	err := st.read(name, func(ss *session) { a, _, _ = ss.get(id) })
	if err == nil && a == nil {
		err = ErrNotFound
	}
	return a, err
}

// All returns the session's alerts in id order (shared and immutable).
func (st *Store) All(name string) ([]*alert.Alert, error) {
	var out []*alert.Alert
	err := st.read(name, func(ss *session) { out = ss.all() })
	return out, err
}

// Query runs q over the session's alerts (see odata.Query.Run).
func (st *Store) Query(name string, q *odata.Query, pageSize int) (odata.Result, error) {
	var res odata.Result
	err := st.read(name, func(ss *session) { res = q.Run(ss, pageSize) })
	return res, err
}

// Update applies p to one alert as actor and returns the stored result
// (shared and immutable). Changes of one session are serialised and read the
// clock in that order, so activity log times follow the log. With a DB the
// change is committed before it becomes visible; if the commit fails nothing
// changes and the error is returned. Errors: ErrNotFound, an
// *alert.PropertyError, or the commit's.
func (st *Store) Update(name, id string, p alert.Patch, actor string) (*alert.Alert, error) {
	var out *alert.Alert
	err := st.write(name, func(ss *session) error {
		now := st.now()
		cur, pos, ok := ss.get(id)
		if !ok {
			return ErrNotFound
		}
		v, changed, err := ss.change(pos, p, actor, now)
		if err != nil {
			return err
		}
		if !changed {
			out = cur
			return nil
		}
		if st.db != nil {
			from := len(cur.ActivityLogs) // the entries Apply added, if any
			if _, had := ss.over[pos]; !had {
				from = 0 // first change of the alert in this session: its whole log
			}
			if err := st.db.saveChange(name, st.savedInfo(ss, now), v.a, from); err != nil {
				return fmt.Errorf("store: save session %q: %w", name, err)
			}
			ss.durable = true
		}
		if ss.over == nil {
			ss.over = map[int32]version{}
		}
		ss.over[pos] = v
		ss.updated = now
		out = v.a
		return nil
	})
	return out, err
}

// savedInfo is the session's info as the file keeps it after a change at now.
func (st *Store) savedInfo(ss *session, now time.Time) savedInfo {
	return savedInfo{Created: ss.created, Updated: now, Own: ss.own, Alerts: len(ss.base.alerts)}
}

// Replace makes alerts (valid, unique ids; kept, never modified) the whole
// alert set of a session.
func (st *Store) Replace(name string, alerts []*alert.Alert) error {
	nb := newBase(alerts)
	return st.write(name, func(ss *session) error { return st.install(name, ss, nb) })
}

// Put adds alerts (valid, unique ids; kept, never modified) to a session or
// replaces those with the same id.
func (st *Store) Put(name string, alerts ...*alert.Alert) error {
	return st.write(name, func(ss *session) error {
		byID := make(map[string]*alert.Alert, len(alerts))
		for _, a := range alerts {
			byID[a.ID] = a
		}
		merged := make([]*alert.Alert, 0, len(ss.base.alerts)+len(alerts))
		for _, a := range ss.all() {
			if _, replaced := byID[a.ID]; !replaced {
				merged = append(merged, a)
			}
		}
		merged = append(merged, alerts...)
		return st.install(name, ss, newBase(merged))
	})
}

// install makes nb the session's own base (its write lock held).
func (st *Store) install(name string, ss *session, nb *base) error {
	now := st.now()
	if st.db != nil {
		inf := savedInfo{Created: ss.created, Updated: now, Own: true, Alerts: len(nb.alerts)}
		if err := st.db.replace(name, inf, nb.alerts); err != nil {
			return fmt.Errorf("store: save session %q: %w", name, err)
		}
		ss.durable = true
	}
	ss.base, ss.over, ss.own, ss.updated = nb, nil, true, now
	return nil
}

// Reset returns one session to the base (deleting it from the file).
func (st *Store) Reset(name string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	ss := st.sessions[name]
	if ss != nil {
		ss.mu.Lock()
		defer ss.mu.Unlock()
	}
	if st.db != nil {
		if err := st.db.delete(name); err != nil {
			return fmt.Errorf("store: delete session %q: %w", name, err)
		}
	}
	if ss != nil {
		ss.dead = true
		delete(st.sessions, name)
	}
	return nil
}

// ResetAll returns every session to the base (emptying the file).
func (st *Store) ResetAll() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, ss := range st.sessions {
		ss.mu.Lock()
		defer ss.mu.Unlock()
	}
	if st.db != nil {
		if err := st.db.deleteAll(); err != nil {
			return fmt.Errorf("store: delete sessions: %w", err)
		}
	}
	for _, ss := range st.sessions {
		ss.dead = true
	}
	st.sessions = map[string]*session{}
	return nil
}

// Sessions summarises the sessions that exist (used since start or last
// reset and still in memory, or saved in the file), sorted by name.
func (st *Store) Sessions() ([]Info, error) {
	st.mu.RLock()
	out := make([]Info, 0, len(st.sessions))
	inMemory := make(map[string]bool, len(st.sessions))
	for name, ss := range st.sessions {
		ss.mu.RLock()
		out = append(out, Info{Name: name, Alerts: len(ss.base.alerts), Created: ss.created, Updated: ss.updated})
		ss.mu.RUnlock()
		inMemory[name] = true
	}
	st.mu.RUnlock()
	if st.db != nil {
		saved, err := st.db.infos()
		if err != nil {
			return nil, err
		}
		for name, inf := range saved {
			if inMemory[name] {
				continue
			}
			n := len(st.base.alerts)
			if inf.Own {
				n = inf.Alerts
			}
			out = append(out, Info{Name: name, Alerts: n, Created: inf.Created, Updated: inf.Updated})
		}
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
