package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/partner-security/alertmock/mock/alert"
)

// Format is the layout version written to a state file; OpenDB refuses files
// of another version instead of misreading them.
const Format = "2"

// Bucket and key names of a state file. Layout:
//
//	meta/format                              → Format
//	sessions/<session>/info                  → savedInfo as JSON
//	sessions/<session>/alerts/<id>           → the alert's JSON, activityLogs [] or null
//	sessions/<session>/logs/<uvarint len(id)><id><uint64 BE n> → activity log entry n
//
// A session is in the file once it changed. Without info.Own its alerts are
// the ones it changed, over the dataset; with Own they are its whole set
// (after Replace or Put). Logs are kept apart, one key per entry, so a
// change writes the alert and its new entry, whatever the log's length.
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
	db *bolt.DB
}

// savedInfo is what the file keeps about a session besides its alerts.
type savedInfo struct {
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Own     bool      `json:"own,omitempty"`    // the alerts are the whole set
	Alerts  int       `json:"alerts,omitempty"` // with Own: how many
}

// savedSession is a session read from the file.
type savedSession struct {
	info   savedInfo
	alerts []*alert.Alert
}

// Close closes the file.
func (d *DB) Close() error { return d.db.Close() }

// load reads one session; ok false when the file does not hold it.
func (d *DB) load(name string) (s savedSession, ok bool, err error) {
	err = d.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketSessions)).Bucket([]byte(name))
		if b == nil {
			return nil
		}
		ok = true
		if err := json.Unmarshal(b.Get([]byte(keyInfo)), &s.info); err != nil {
			return fmt.Errorf("session %q: info: %w", name, err)
		}
		byID := map[string]*alert.Alert{}
		if ab := b.Bucket([]byte(bucketAlerts)); ab != nil {
			s.alerts = make([]*alert.Alert, 0, s.info.Alerts)
			if err := ab.ForEach(func(id, v []byte) error {
				a := new(alert.Alert)
				if err := json.Unmarshal(v, a); err != nil {
					return fmt.Errorf("session %q, alert %q: %w", name, id, err)
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
		return lb.ForEach(func(k, v []byte) error {
			id, _, ok := splitLogKey(k)
			a := byID[id]
			if !ok || a == nil {
				return fmt.Errorf("session %q: activity log key %q names no alert", name, k)
			}
			var l alert.ActivityLog
			if err := json.Unmarshal(v, &l); err != nil {
				return fmt.Errorf("session %q, alert %q: activity log: %w", name, id, err)
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
	err := d.db.View(func(tx *bolt.Tx) error {
		sessions := tx.Bucket([]byte(bucketSessions))
		return sessions.ForEachBucket(func(name []byte) error {
			var inf savedInfo
			if err := json.Unmarshal(sessions.Bucket(name).Get([]byte(keyInfo)), &inf); err != nil {
				return fmt.Errorf("session %q: info: %w", name, err)
			}
			out[string(name)] = inf
			return nil
		})
	})
	return out, err
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
func putAlert(b *bolt.Bucket, a *alert.Alert, from int) error {
	v, err := encodeAlert(a)
	if err != nil {
		return fmt.Errorf("encode alert %q: %w", a.ID, err)
	}
	ab, err := b.CreateBucketIfNotExists([]byte(bucketAlerts))
	if err != nil {
		return err
	}
	if err := ab.Put([]byte(a.ID), v); err != nil {
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
		if err := lb.Put(logKey(a.ID, i), v); err != nil {
			return err
		}
	}
	return nil
}

func putInfo(b *bolt.Bucket, inf savedInfo) error {
	v, err := json.Marshal(inf)
	if err != nil {
		return err
	}
	return b.Put([]byte(keyInfo), v)
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
		if err := putInfo(b, inf); err != nil {
			return err
		}
		return putAlert(b, a, from)
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
		if err := putInfo(b, inf); err != nil {
			return err
		}
		if _, err := b.CreateBucket([]byte(bucketAlerts)); err != nil { // an empty set is a set too
			return err
		}
		for _, a := range alerts {
			if err := putAlert(b, a, 0); err != nil {
				return err
			}
		}
		return nil
	})
}

// delete removes a session from the file.
func (d *DB) delete(name string) error {
	return d.db.Update(func(tx *bolt.Tx) error {
		err := tx.Bucket([]byte(bucketSessions)).DeleteBucket([]byte(name))
		if errors.Is(err, bolterrors.ErrBucketNotFound) {
			return nil
		}
		return err
	})
}

// deleteAll removes every session from the file.
func (d *DB) deleteAll() error {
	return d.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte(bucketSessions)); err != nil {
			return err
		}
		_, err := tx.CreateBucket([]byte(bucketSessions))
		return err
	})
}
