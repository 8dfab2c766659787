package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/partner-security/alertmock/mock/alert"
)

// stateFormat is the layout version written to a state file; OpenState refuses
// files of another version instead of misreading them.
const stateFormat = "1"

// Bucket and key names of a state file. Layout:
//
//	meta/format            → stateFormat
//	sessions/<session>/<id> → the alert's JSON (the contract's form)
//
// One nested bucket per session that has been changed; an empty nested bucket
// is a session with no alerts, a missing one a session that starts from the
// seed on next use.
const (
	bucketMeta     = "meta"
	bucketSessions = "sessions"
	keyFormat      = "format"
)

// stateLockTimeout is how long OpenState waits for another process to release
// the state file before giving up.
const stateLockTimeout = 2 * time.Second

// boltState keeps sessions in a bbolt file. Its methods are the funcs of a
// Persistence; the store calls Save with its own lock held, so saves never
// run concurrently.
type boltState struct {
	db *bolt.DB
}

// OpenState opens (creating it if needed) a state file for the -state flag and
// returns the Persistence that keeps every changed session in it: put it in
// Config.Persistence. Each change is committed (written and fsynced) before the
// response that acknowledges it is sent, so a restart, even after the process
// was killed, finds every acknowledged change. Server.Close closes the file.
//
// Sessions found in the file start from their saved alerts; other sessions
// still start from the configured dataset. A file is used by one process at a
// time: OpenState fails if another process holds it.
func OpenState(path string) (*Persistence, error) {
	st, err := openBoltState(path)
	if err != nil {
		return nil, err
	}
	return &Persistence{Load: st.load, Save: st.save, Close: st.close}, nil
}

// openBoltState opens the file and checks or writes its layout version.
func openBoltState(path string) (*boltState, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: stateLockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("mock: state file %s is in use by another process", path)
	}
	if err != nil {
		return nil, fmt.Errorf("mock: open state file %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
		if err != nil {
			return err
		}
		switch v := meta.Get([]byte(keyFormat)); {
		case v == nil:
			if err := meta.Put([]byte(keyFormat), []byte(stateFormat)); err != nil {
				return err
			}
		case string(v) != stateFormat:
			return fmt.Errorf("format %q; this alertmock reads format %q", v, stateFormat)
		}
		_, err = tx.CreateBucketIfNotExists([]byte(bucketSessions))
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("mock: state file %s: %w", path, err)
	}
	return &boltState{db: db}, nil
}

// load reads every saved session.
func (st *boltState) load() (map[string][]alert.Alert, error) {
	out := map[string][]alert.Alert{}
	err := st.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketSessions)).ForEachBucket(func(name []byte) error {
			b := tx.Bucket([]byte(bucketSessions)).Bucket(name)
			var alerts []alert.Alert
			err := b.ForEach(func(id, v []byte) error {
				var a alert.Alert
				if err := json.Unmarshal(v, &a); err != nil {
					return fmt.Errorf("session %q, alert %q: %w", name, id, err)
				}
				alerts = append(alerts, a)
				return nil
			})
			out[string(name)] = alerts
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// save records the whole alert set of one session in one transaction, writing
// only the alerts that differ from what the file holds; nil alerts deletes the
// session. bbolt's Update commits with fsync before it returns.
func (st *boltState) save(session string, alerts []alert.Alert) error {
	encoded := make(map[string][]byte, len(alerts))
	for i := range alerts {
		v, err := json.Marshal(&alerts[i])
		if err != nil {
			return fmt.Errorf("encode alert %q: %w", alerts[i].ID, err)
		}
		encoded[alerts[i].ID] = v
	}
	return st.db.Update(func(tx *bolt.Tx) error {
		sessions := tx.Bucket([]byte(bucketSessions))
		name := []byte(session)
		if alerts == nil {
			err := sessions.DeleteBucket(name)
			if errors.Is(err, bolterrors.ErrBucketNotFound) {
				return nil
			}
			return err
		}
		b, err := sessions.CreateBucketIfNotExists(name)
		if err != nil {
			return err
		}
		var stale [][]byte
		if err := b.ForEach(func(id, _ []byte) error {
			if _, keep := encoded[string(id)]; !keep {
				stale = append(stale, bytes.Clone(id))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, id := range stale {
			if err := b.Delete(id); err != nil {
				return err
			}
		}
		for id, v := range encoded {
			if bytes.Equal(b.Get([]byte(id)), v) {
				continue
			}
			if err := b.Put([]byte(id), v); err != nil {
				return err
			}
		}
		return nil
	})
}

// close closes the file.
func (st *boltState) close() error { return st.db.Close() }
