package mock

import (
	"strings"

	"github.com/partner-security/alertmock/mock/store"
)

// Persistence is durable state for Config.Persistence: a state file opened
// with OpenState. A nil *Persistence keeps state in memory only.
type Persistence struct {
	db *store.DB
}

// OpenState opens (creating it if needed) a state file for the -state flag and
// returns the Persistence that keeps every changed session in it: put it in
// Config.Persistence. Each change writes only the changed alert and its new
// activity log entry, committed (written and fsynced) in one transaction
// before the response that acknowledges it is sent, so a restart, even after
// the process was killed, finds every acknowledged change. Server.Close
// closes the file.
//
// Sessions found in the file are read back on first use (a memory cap drops
// them from memory, never from the file); other sessions still start from the
// configured dataset. A file is used by one process at a time: OpenState
// fails if another process holds it. Every record carries a checksum; a
// damaged or truncated file, or one whose newest commit bbolt would lose, is
// refused with an error that matches ErrStateDamaged, never a crash (see
// package store for what can and cannot be detected). A file with no bytes
// is started afresh; EmptyFile reports it.
func OpenState(path string) (*Persistence, error) {
	db, err := store.OpenDB(path)
	if err != nil {
		return nil, stateError(err)
	}
	return &Persistence{db: db}, nil
}

// ErrStateDamaged is matched (errors.Is) by the error of OpenState for a file
// that is not a whole, consistent state file.
var ErrStateDamaged = store.ErrDamaged

// stateError is the store's error as the mock's: its text with the "mock: "
// prefix, the store's error still matched by errors.Is (ErrStateDamaged, a
// permission error, …).
func stateError(err error) error { return &stateErr{err} }

type stateErr struct{ err error }

func (e *stateErr) Error() string { return "mock: " + strings.TrimPrefix(e.err.Error(), "store: ") }
func (e *stateErr) Unwrap() error { return e.err }

// Close closes the state file.
func (p *Persistence) Close() error { return p.db.Close() }

// EmptyFile reports that the file existed with no bytes and was started as
// a new state file (alertmock prints a warning).
func (p *Persistence) EmptyFile() bool { return p.db.EmptyFile() }

// LastChange returns the number of the last change the file holds: every
// acknowledged PATCH that changed an alert, control-API PUT or POST of
// alerts, and reset counts one (alertmock prints it at start).
func (p *Persistence) LastChange() (uint64, error) { return p.db.Seq() }
