package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/partner-security/alertmock/mock/alert"
)

// Format is the layout version written to a state file; OpenDB refuses files
// of another version instead of misreading them (a format "2" file, the
// same layout without checksums, is upgraded in place).
const Format = "3"

// Bucket and key names of a state file. Layout:
//
//	meta/format                              → Format (plain)
//	sessions (its bucket sequence)           → the number of the last change
//	sessions/<session>/info                  → savedInfo as JSON
//	sessions/<session>/alerts/<id>           → the alert's JSON, activityLogs [] or null
//	sessions/<session>/logs/<uvarint len(id)><id><uint64 BE n> → activity log entry n
//
// Every value but the format carries a checksum (see seal). A session is in
// the file once it changed. Without info.Own its alerts are the ones it
// changed, over the dataset; with Own they are its whole set (after Replace
// or Put). Logs are kept apart, one key per entry, so a change writes the
// alert and its new entry, whatever the log's length. Each change (a PATCH,
// a Replace or Put, a Reset, a ResetAll) counts one more in the sessions
// bucket's sequence in the transaction that makes it, and a session's info
// keeps the number of its last change.
const (
	bucketMeta     = "meta"
	bucketSessions = "sessions"
	bucketAlerts   = "alerts"
	bucketLogs     = "logs"
	keyFormat      = "format"
	keyInfo        = "info"
)

// LockTimeout is how long OpenDB waits for another process to release the
// state file before giving up.
const LockTimeout = 2 * time.Second

// DB is a state file. Each change is committed (written and fsynced) in one
// transaction before the Store makes it visible.
type DB struct {
	db    *bolt.DB
	path  string
	empty bool // the file existed with no bytes (OpenDB started it afresh)
}

// savedInfo is what the file keeps about a session besides its alerts.
type savedInfo struct {
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Own     bool      `json:"own,omitempty"`    // the alerts are the whole set
	Alerts  int       `json:"alerts,omitempty"` // with Own: how many
	Seq     uint64    `json:"seq,omitempty"`    // the number of its last change (meta/seq)
}

// savedSession is a session read from the file.
type savedSession struct {
	info   savedInfo
	alerts []*alert.Alert
}

// Close closes the file.
func (d *DB) Close() error { return d.db.Close() }

// EmptyFile reports that the file existed but had no bytes, so OpenDB
// started it as a new state file (see OpenDB).
func (d *DB) EmptyFile() bool { return d.empty }

// Seq returns the number of the last change the file holds: every
// acknowledged PATCH, Replace, Put and reset counts one.
func (d *DB) Seq() (uint64, error) {
	var n uint64
	err := d.view("", func(tx *bolt.Tx) error {
		n = tx.Bucket([]byte(bucketSessions)).Sequence()
		return nil
	})
	return n, err
}

// view runs f in a read transaction, turning what damage does to bbolt
// (an assertion panic, a fault in the memory map) and every checksum that
// fails into a *DamagedError naming the session.
func (d *DB) view(session string, f func(tx *bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &DamagedError{Path: d.path, Session: session, Reason: fmt.Sprint(r)}
		}
	}()
	err = d.db.View(f)
	var rec *recordError
	if errors.As(err, &rec) {
		return &DamagedError{Path: d.path, Session: rec.session, Reason: rec.reason}
	}
	return err
}

// recordError is a record of a session that cannot be read: its checksum
// fails or its contents do not decode.
type recordError struct {
	session, reason string
}

func (e *recordError) Error() string { return "session " + quoteShort(e.session) + ": " + e.reason }

// damagedRecord returns the recordError of a session's record.
func damagedRecord(session string, err error) error {
	return &recordError{session: session, reason: err.Error()}
}

// readRecord returns the value of a session's record, checked.
func readRecord(b *bolt.Bucket, session string, kind byte, key []byte) ([]byte, error) {
	v, err := unseal(session, kind, key, b.Get(key))
	if err != nil {
		return nil, damagedRecord(session, err)
	}
	return v, nil
}

// load reads one session; ok false when the file does not hold it. A
// record whose checksum fails is a *DamagedError naming the session.
func (d *DB) load(name string) (s savedSession, ok bool, err error) {
	err = d.view(name, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketSessions)).Bucket([]byte(name))
		if b == nil {
			return nil
		}
		ok = true
		v, err := readRecord(b, name, kindInfo, []byte(keyInfo))
		if err != nil {
			return err
		}
		if err := json.Unmarshal(v, &s.info); err != nil {
			return damagedRecord(name, fmt.Errorf("its info record: %w", err))
		}
		byID := map[string]*alert.Alert{}
		if ab := b.Bucket([]byte(bucketAlerts)); ab != nil {
			s.alerts = make([]*alert.Alert, 0, s.info.Alerts)
			if err := ab.ForEach(func(id, sealed []byte) error {
				v, err := unseal(name, kindAlert, id, sealed)
				if err != nil {
					return damagedRecord(name, err)
				}
				a := new(alert.Alert)
				if err := json.Unmarshal(v, a); err != nil || a.ID != string(id) {
					return damagedRecord(name, fmt.Errorf("the record of alert %q does not decode to it (%v)", id, err))
				}
				s.alerts = append(s.alerts, a)
				byID[a.ID] = a
				return nil
			}); err != nil {
				return err
			}
		}
		lb := b.Bucket([]byte(bucketLogs))
		if lb == nil {
			return nil
		}
		return lb.ForEach(func(k, sealed []byte) error {
			v, err := unseal(name, kindLog, k, sealed)
			if err != nil {
				return damagedRecord(name, err)
			}
			id, n, ok := splitLogKey(k)
			a := byID[id]
			if !ok || a == nil || n != uint64(len(a.ActivityLogs)) {
				return damagedRecord(name, fmt.Errorf("activity log key %q names no alert or is out of turn", k))
			}
			var l alert.ActivityLog
			if err := json.Unmarshal(v, &l); err != nil {
				return damagedRecord(name, fmt.Errorf("activity log entry %d of alert %q: %w", n, id, err))
			}
			a.ActivityLogs = append(a.ActivityLogs, l)
			return nil
		})
	})
	return s, ok, err
}

// infos reads the info of every saved session.
func (d *DB) infos() (map[string]savedInfo, error) {
	out := map[string]savedInfo{}
	err := d.view("", func(tx *bolt.Tx) error {
		sessions := tx.Bucket([]byte(bucketSessions))
		return sessions.ForEachBucket(func(name []byte) error {
			v, err := readRecord(sessions.Bucket(name), string(name), kindInfo, []byte(keyInfo))
			if err != nil {
				return err
			}
			var inf savedInfo
			if err := json.Unmarshal(v, &inf); err != nil {
				return damagedRecord(string(name), fmt.Errorf("its info record: %w", err))
			}
			out[string(name)] = inf
			return nil
		})
	})
	return out, err
}

// nextSeq counts one more change in the file and returns its number. The
// count is the sessions bucket's sequence: every change rewrites that
// bucket anyway, so counting costs no other write.
func nextSeq(tx *bolt.Tx) (uint64, error) {
	return tx.Bucket([]byte(bucketSessions)).NextSequence()
}

// logKey is the key of activity log entry n of alert id: ids sort together,
// entries by n.
func logKey(id string, n int) []byte {
	k := binary.AppendUvarint(nil, uint64(len(id)))
	k = append(k, id...)
	return binary.BigEndian.AppendUint64(k, uint64(n))
}

func splitLogKey(k []byte) (id string, n uint64, ok bool) {
	l, w := binary.Uvarint(k)
	if w <= 0 || uint64(len(k)-w) != l+8 {
		return "", 0, false
	}
	return string(k[w : w+int(l)]), binary.BigEndian.Uint64(k[w+int(l):]), true
}

// encodeAlert is the alert's JSON without its activity log entries.
func encodeAlert(a *alert.Alert) ([]byte, error) {
	c := *a
	if c.ActivityLogs != nil {
		c.ActivityLogs = c.ActivityLogs[:0]
	}
	return json.Marshal(&c)
}

// putAlert writes a and its log entries from `from` on.
func putAlert(b *bolt.Bucket, session string, a *alert.Alert, from int) error {
	v, err := encodeAlert(a)
	if err != nil {
		return fmt.Errorf("encode alert %q: %w", a.ID, err)
	}
	ab, err := b.CreateBucketIfNotExists([]byte(bucketAlerts))
	if err != nil {
		return err
	}
	if err := ab.Put([]byte(a.ID), seal(session, kindAlert, []byte(a.ID), v)); err != nil {
		return err
	}
	if from >= len(a.ActivityLogs) {
		return nil
	}
	lb, err := b.CreateBucketIfNotExists([]byte(bucketLogs))
	if err != nil {
		return err
	}
	for i := max(from, 0); i < len(a.ActivityLogs); i++ {
		v, err := json.Marshal(a.ActivityLogs[i])
		if err != nil {
			return err
		}
		k := logKey(a.ID, i)
		if err := lb.Put(k, seal(session, kindLog, k, v)); err != nil {
			return err
		}
	}
	return nil
}

// putInfo counts the change in the file and writes the session's info with
// its number.
func putInfo(tx *bolt.Tx, b *bolt.Bucket, session string, inf savedInfo) error {
	var err error
	if inf.Seq, err = nextSeq(tx); err != nil {
		return err
	}
	v, err := json.Marshal(inf)
	if err != nil {
		return err
	}
	return b.Put([]byte(keyInfo), seal(session, kindInfo, []byte(keyInfo), v))
}

// saveChange records one changed alert of a session (and its log entries
// from `from` on) and the session's info, in one transaction.
//
// Concurrent changes (of different sessions) are committed together by
// bbolt's Batch: one fsync for all of them, each still all or nothing and
// durable before saveChange returns.
func (d *DB) saveChange(name string, inf savedInfo, a *alert.Alert, from int) error {
	return d.db.Batch(func(tx *bolt.Tx) error {
		b, err := tx.Bucket([]byte(bucketSessions)).CreateBucketIfNotExists([]byte(name))
		if err != nil {
			return err
		}
		if err := putInfo(tx, b, name, inf); err != nil {
			return err
		}
		return putAlert(b, name, a, from)
	})
}

// replace records the whole alert set of a session, in one transaction.
func (d *DB) replace(name string, inf savedInfo, alerts []*alert.Alert) error {
	return d.db.Update(func(tx *bolt.Tx) error {
		sessions := tx.Bucket([]byte(bucketSessions))
		if err := sessions.DeleteBucket([]byte(name)); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return err
		}
		b, err := sessions.CreateBucket([]byte(name))
		if err != nil {
			return err
		}
		if err := putInfo(tx, b, name, inf); err != nil {
			return err
		}
		if _, err := b.CreateBucket([]byte(bucketAlerts)); err != nil { // an empty set is a set too
			return err
		}
		for _, a := range alerts {
			if err := putAlert(b, name, a, 0); err != nil {
				return err
			}
		}
		return nil
	})
}

// delete removes a session from the file (a change, counted even when the
// file did not hold the session).
func (d *DB) delete(name string) error {
	return d.db.Update(func(tx *bolt.Tx) error {
		if _, err := nextSeq(tx); err != nil {
			return err
		}
		err := tx.Bucket([]byte(bucketSessions)).DeleteBucket([]byte(name))
		if errors.Is(err, bolterrors.ErrBucketNotFound) {
			return nil
		}
		return err
	})
}

// deleteAll removes every session from the file (the count of changes goes
// on: the sessions bucket stays, emptied).
func (d *DB) deleteAll() error {
	return d.db.Update(func(tx *bolt.Tx) error {
		sessions := tx.Bucket([]byte(bucketSessions))
		if _, err := sessions.NextSequence(); err != nil {
			return err
		}
		names, err := bucketNames(sessions)
		if err != nil {
			return err
		}
		for _, name := range names {
			if err := sessions.DeleteBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
}

// bucketNames lists the names of b's nested buckets (copies: b may be
// changed once they are listed, never while it is iterated).
func bucketNames(b *bolt.Bucket) ([][]byte, error) {
	var names [][]byte
	err := b.ForEachBucket(func(name []byte) error {
		names = append(names, append([]byte(nil), name...))
		return nil
	})
	return names, err
}
