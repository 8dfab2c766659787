package mock

import (
	"fmt"
	"runtime/debug"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/store"
)

// DefaultSession is the session of a request that names none (no X-Mock-Session
// header and no `tid` claim in its token).
const DefaultSession = "default"

// HeaderSession is the request header that selects a session.
const HeaderSession = "X-Mock-Session"

// SessionInfo summarises one session.
type SessionInfo struct {
	Name    string    `json:"name"`
	Alerts  int       `json:"alerts"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"` // last change; zero when never changed
}

// newStore validates the dataset and makes the session store over it
// (package store: copy-on-write sessions over the dataset, optionally durable).
func newStore(seed []alert.Alert, future alert.Future, p *Persistence, now func() time.Time, maxSessions int) (*store.Store, error) {
	base, err := alertPtrs(seed, future)
	if err != nil {
		return nil, fmt.Errorf("mock: dataset: %w", err)
	}
	opt := store.Options{Now: now, MaxSessions: maxSessions} // 0: store.DefaultMaxSessions
	if p != nil {
		opt.DB = p.db
	}
	st := store.New(base, opt)
	if len(seed) >= largeDataset {
		// Decoding a large dataset leaves garbage several times its size:
		// hand it back to the system now rather than over the next minutes.
		debug.FreeOSMemory()
	}
	return st, nil
}

// largeDataset is the size from which New returns the garbage of loading the
// dataset to the system at once.
const largeDataset = 10_000

// alertPtrs validates alerts (each alert.ValidateFuture with the enums'
// members added after unknownFutureValue, unique ids) and returns clones in
// UTC, for the store to keep.
func alertPtrs(alerts []alert.Alert, future alert.Future) ([]*alert.Alert, error) {
	out := make([]*alert.Alert, len(alerts))
	seen := make(map[string]struct{}, len(alerts))
	for i := range alerts {
		if err := alerts[i].ValidateFuture(future); err != nil {
			return nil, fmt.Errorf("%w: alert %d (id %q): %w", ErrInvalidAlert, i, alerts[i].ID, err)
		}
		if _, dup := seen[alerts[i].ID]; dup {
			return nil, fmt.Errorf("%w: alert %d: duplicate id %q", ErrInvalidAlert, i, alerts[i].ID)
		}
		seen[alerts[i].ID] = struct{}{}
		c := alerts[i].InUTC() // a clone, with times as Graph writes them
		out[i] = &c
	}
	return out, nil
}

// ResetAll deletes every session; each starts from the seed on next use.
func (s *Server) ResetAll() error { return s.store.ResetAll() }

// Reset returns one session to the seed.
func (s *Server) Reset(session string) error { return s.store.Reset(session) }

// Replace makes alerts the whole alert set of a session. Every alert must pass
// alert.ValidateFuture (with Config.FutureEnumMembers) and ids must be unique; otherwise the error wraps
// ErrInvalidAlert, names the alert's index and id, and nothing changes.
func (s *Server) Replace(session string, alerts []alert.Alert) error {
	m, err := alertPtrs(alerts, s.cfg.FutureEnumMembers)
	if err != nil {
		return err
	}
	return s.store.Replace(session, m)
}

// Put adds alerts to a session or replaces those with the same id. Validation
// as for Replace; on error nothing changes.
func (s *Server) Put(session string, alerts ...alert.Alert) error {
	m, err := alertPtrs(alerts, s.cfg.FutureEnumMembers)
	if err != nil {
		return err
	}
	return s.store.Put(session, m...)
}

// Alerts returns copies of a session's alerts in id order (creating the
// session from the seed if it is new).
func (s *Server) Alerts(session string) []alert.Alert {
	shared, err := s.store.All(session)
	if err != nil {
		s.log.Error("read session", "session", session, "error", err.Error())
	}
	out := make([]alert.Alert, len(shared))
	for i, a := range shared {
		out[i] = a.Clone()
	}
	return out
}

// Alert returns a copy of one alert of a session, or false.
func (s *Server) Alert(session, id string) (alert.Alert, bool) {
	a, err := s.store.Get(session, id)
	if err != nil {
		return alert.Alert{}, false
	}
	return a.Clone(), true
}

// Sessions summarises the sessions that exist (used since start or last reset,
// or kept in the state file), sorted by name.
func (s *Server) Sessions() []SessionInfo {
	infos, err := s.store.Sessions()
	if err != nil {
		s.log.Error("list sessions", "error", err.Error())
	}
	out := make([]SessionInfo, len(infos))
	for i, in := range infos {
		out[i] = SessionInfo{Name: in.Name, Alerts: in.Alerts, Created: in.Created, Updated: in.Updated}
	}
	return out
}

// Update applies a PATCH to one alert of a session as actor, atomically, and
// returns a copy of the result. Errors: ErrAlertNotFound, an *alert.PropertyError
// for an invalid patch, or a persistence failure (the change is then rolled back).
func (s *Server) Update(session, id string, p alert.Patch, actor string) (alert.Alert, error) {
	a, err := s.store.Update(session, id, p, actor)
	if err != nil {
		return alert.Alert{}, err
	}
	return a.Clone(), nil
}
