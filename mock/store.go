package mock

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
)

// DefaultSession is the session of a request that names none (no X-Mock-Session
// header and no `tid` claim in its token).
const DefaultSession = "default"

// HeaderSession is the request header that selects a session.
const HeaderSession = "X-Mock-Session"

// Persistence is the hook for durable state (the -state flag). Every func may be
// nil; a nil *Persistence keeps state in memory only.
//
// The store calls Save with its lock held, after making a change in memory and
// before the response is written. If Save returns an error the store rolls the
// change back in memory and the client gets a 500, so an acknowledged change is
// always durable. Save must not keep or modify the slice or the alerts in it.
type Persistence struct {
	// Load is called once by New and returns the saved sessions (session name →
	// its whole alert set). These sessions start from the loaded alerts instead
	// of the seed.
	Load func() (map[string][]alert.Alert, error)
	// Save durably records the whole alert set of one session (sorted by id)
	// after a change; alerts == nil means the session was deleted (it starts from
	// the seed again on next use).
	Save func(session string, alerts []alert.Alert) error
	// Close is called by Server.Close.
	Close func() error
}

// SessionInfo summarises one session.
type SessionInfo struct {
	Name    string    `json:"name"`
	Alerts  int       `json:"alerts"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"` // last change; zero when never changed
}

// store keeps the alerts of every session behind one mutex. Alerts are
// immutable once stored: an update stores a changed copy, so a session created
// from the seed shares the seed's alerts until it changes them, and readers can
// encode an alert they got without holding the lock.
type store struct {
	mu       sync.Mutex
	seed     map[string]*alert.Alert
	sessions map[string]*session
	persist  *Persistence
	now      func() time.Time // read with mu held, so times follow the order of changes
	max      int              // most sessions kept; the least recently used goes first
	tick     uint64           // counts session uses, for session.used
}

type session struct {
	alerts  map[string]*alert.Alert
	sorted  []string // ids in ascending order
	created time.Time
	updated time.Time
	used    uint64 // store.tick at the last use
}

func newStore(seed []alert.Alert, p *Persistence, now func() time.Time, maxSessions int) (*store, error) {
	m, err := alertMap(seed)
	if err != nil {
		return nil, fmt.Errorf("mock: dataset: %w", err)
	}
	if maxSessions <= 0 {
		maxSessions = DefaultMaxSessions
	}
	st := &store{seed: m, sessions: map[string]*session{}, persist: p, now: now, max: maxSessions}
	if p != nil && p.Load != nil {
		saved, err := p.Load()
		if err != nil {
			return nil, fmt.Errorf("mock: load state: %w", err)
		}
		for name, alerts := range saved {
			m, err := alertMap(alerts)
			if err != nil {
				return nil, fmt.Errorf("mock: load state of session %q: %w", name, err)
			}
			st.sessions[name] = newSession(m, time.Time{})
		}
	}
	return st, nil
}

// alertMap validates alerts (each alert.Validate, unique ids) and stores clones
// in UTC.
func alertMap(alerts []alert.Alert) (map[string]*alert.Alert, error) {
	m := make(map[string]*alert.Alert, len(alerts))
	for i := range alerts {
		if err := alerts[i].Validate(); err != nil {
			return nil, fmt.Errorf("%w: alert %d (id %q): %w", ErrInvalidAlert, i, alerts[i].ID, err)
		}
		if _, dup := m[alerts[i].ID]; dup {
			return nil, fmt.Errorf("%w: alert %d: duplicate id %q", ErrInvalidAlert, i, alerts[i].ID)
		}
		c := alerts[i].InUTC() // a clone, with times as Graph writes them
		m[c.ID] = &c
	}
	return m, nil
}

func newSession(alerts map[string]*alert.Alert, now time.Time) *session {
	ss := &session{alerts: alerts, sorted: make([]string, 0, len(alerts)), created: now}
	for id := range alerts {
		ss.sorted = append(ss.sorted, id)
	}
	slices.Sort(ss.sorted)
	return ss
}

// sessionLocked returns the named session, creating it from the seed, and
// marks it used.
func (st *store) sessionLocked(name string) *session {
	ss, ok := st.sessions[name]
	if !ok {
		ss = newSession(maps(st.seed), st.now())
		st.putLocked(name, ss)
	}
	st.tick++
	ss.used = st.tick
	return ss
}

// putLocked stores ss under name, first forgetting the least recently used
// sessions while a new name would exceed the cap. A forgotten session starts
// from the seed again on next use; with persistence it is deleted there too
// (best effort: nobody waits for that answer).
func (st *store) putLocked(name string, ss *session) {
	if _, ok := st.sessions[name]; !ok {
		for len(st.sessions) >= st.max {
			var oldest string
			var used uint64
			first := true
			for n, o := range st.sessions {
				if first || o.used < used || (o.used == used && n < oldest) {
					oldest, used, first = n, o.used, false
				}
			}
			delete(st.sessions, oldest)
			_ = st.saveLocked(oldest, nil)
		}
	}
	st.tick++
	ss.used = st.tick
	st.sessions[name] = ss
}

func maps(m map[string]*alert.Alert) map[string]*alert.Alert {
	c := make(map[string]*alert.Alert, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// snapshotLocked returns the session's alerts in id order (shared, immutable).
func (ss *session) snapshotLocked() []*alert.Alert {
	out := make([]*alert.Alert, len(ss.sorted))
	for i, id := range ss.sorted {
		out[i] = ss.alerts[id]
	}
	return out
}

// saveLocked persists the session (nil ss: deleted). No-op without persistence.
func (st *store) saveLocked(name string, ss *session) error {
	if st.persist == nil || st.persist.Save == nil {
		return nil
	}
	var alerts []alert.Alert
	if ss != nil {
		alerts = make([]alert.Alert, len(ss.sorted))
		for i, id := range ss.sorted {
			alerts[i] = *ss.alerts[id]
		}
	}
	if err := st.persist.Save(name, alerts); err != nil {
		return fmt.Errorf("mock: save session %q: %w", name, err)
	}
	return nil
}

// get returns the alert (shared, immutable: do not modify) or ErrAlertNotFound.
func (st *store) get(name, id string) (*alert.Alert, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	a, ok := st.sessionLocked(name).alerts[id]
	if !ok {
		return nil, ErrAlertNotFound
	}
	return a, nil
}

// list returns the session's alerts in id order (shared, immutable).
func (st *store) list(name string) []*alert.Alert {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.sessionLocked(name).snapshotLocked()
}

// update applies p to one alert atomically and returns the stored result. The
// clock is read under the lock, so activity log times follow the log's order.
func (st *store) update(name, id string, p alert.Patch, actor string) (*alert.Alert, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	ss := st.sessionLocked(name)
	old, ok := ss.alerts[id]
	if !ok {
		return nil, ErrAlertNotFound
	}
	c := *old // shallow copy is enough: Apply replaces, never mutates, shared parts
	changed, err := c.Apply(p, actor, now)
	if err != nil || !changed {
		return old, err
	}
	ss.alerts[id] = &c
	prevUpdated := ss.updated
	ss.updated = now
	if err := st.saveLocked(name, ss); err != nil {
		ss.alerts[id], ss.updated = old, prevUpdated
		return nil, err
	}
	return &c, nil
}

// ResetAll deletes every session; each starts from the seed on next use.
func (s *Server) ResetAll() error {
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	old := st.sessions
	st.sessions = map[string]*session{}
	var errs []error
	for name := range old {
		if err := st.saveLocked(name, nil); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		st.sessions = old
		return err
	}
	return nil
}

// Reset returns one session to the seed.
func (s *Server) Reset(session string) error {
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	old, ok := st.sessions[session]
	if !ok {
		return nil
	}
	delete(st.sessions, session)
	if err := st.saveLocked(session, nil); err != nil {
		st.sessions[session] = old
		return err
	}
	return nil
}

// Replace makes alerts the whole alert set of a session. Every alert must pass
// alert.Validate and ids must be unique; otherwise the error wraps
// ErrInvalidAlert, names the alert's index and id, and nothing changes.
func (s *Server) Replace(session string, alerts []alert.Alert) error {
	m, err := alertMap(alerts)
	if err != nil {
		return err
	}
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	old, had := st.sessions[session]
	ss := newSession(m, now)
	if had {
		ss.created = old.created
	}
	ss.updated = now
	st.putLocked(session, ss)
	if err := st.saveLocked(session, ss); err != nil {
		if had {
			st.sessions[session] = old
		} else {
			delete(st.sessions, session)
		}
		return err
	}
	return nil
}

// Put adds alerts to a session or replaces those with the same id. Validation
// as for Replace; on error nothing changes.
func (s *Server) Put(session string, alerts ...alert.Alert) error {
	m, err := alertMap(alerts)
	if err != nil {
		return err
	}
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	old := st.sessionLocked(session)
	merged := maps(old.alerts)
	for id, a := range m {
		merged[id] = a
	}
	ss := newSession(merged, old.created)
	ss.updated = now
	st.putLocked(session, ss)
	if err := st.saveLocked(session, ss); err != nil {
		st.sessions[session] = old
		return err
	}
	return nil
}

// Alerts returns copies of a session's alerts in id order (creating the
// session from the seed if it is new).
func (s *Server) Alerts(session string) []alert.Alert {
	shared := s.store.list(session)
	out := make([]alert.Alert, len(shared))
	for i, a := range shared {
		out[i] = a.Clone()
	}
	return out
}

// Alert returns a copy of one alert of a session, or false.
func (s *Server) Alert(session, id string) (alert.Alert, bool) {
	a, err := s.store.get(session, id)
	if err != nil {
		return alert.Alert{}, false
	}
	return a.Clone(), true
}

// Sessions summarises the sessions that exist (used since start or last reset),
// sorted by name.
func (s *Server) Sessions() []SessionInfo {
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]SessionInfo, 0, len(st.sessions))
	for name, ss := range st.sessions {
		out = append(out, SessionInfo{Name: name, Alerts: len(ss.alerts), Created: ss.created, Updated: ss.updated})
	}
	slices.SortFunc(out, func(a, b SessionInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Update applies a PATCH to one alert of a session as actor, atomically, and
// returns a copy of the result. Errors: ErrAlertNotFound, an *alert.PropertyError
// for an invalid patch, or a persistence failure (the change is then rolled back).
func (s *Server) Update(session, id string, p alert.Patch, actor string) (alert.Alert, error) {
	a, err := s.store.update(session, id, p, actor)
	if err != nil {
		return alert.Alert{}, err
	}
	return a.Clone(), nil
}
