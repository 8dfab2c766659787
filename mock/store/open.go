package store

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrDamaged is matched (errors.Is) by the error of OpenDB for a file that is
// not a whole, consistent state file.
var ErrDamaged = errors.New("damaged")

// DamagedError says why a state file was refused.
type DamagedError struct {
	Path   string
	Reason string
}

// Error is one line naming the file, the problem and what to do.
func (e *DamagedError) Error() string {
	return fmt.Sprintf("state file %s is damaged (%s); move it away or delete it to start afresh", e.Path, e.Reason)
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// OpenDB opens (creating it if needed) the state file at path. A file is
// used by one process at a time: OpenDB fails after LockTimeout if another
// process holds it. A file that is not a bbolt file, is cut short or has
// damaged pages is refused with a *DamagedError: the whole file is read and
// checked before use, with faults of the memory map (SIGBUS, SIGSEGV past the
// end of a truncated file) and bbolt's assertion panics turned into that
// error instead of crashing the process.
func OpenDB(path string) (*DB, error) {
	db, err := openChecked(path)
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
		if err != nil {
			return err
		}
		switch v := meta.Get([]byte(keyFormat)); {
		case v == nil:
			if err := meta.Put([]byte(keyFormat), []byte(Format)); err != nil {
				return err
			}
		case string(v) != Format:
			return fmt.Errorf("format %q; this alertmock reads format %q", v, Format)
		}
		_, err = tx.CreateBucketIfNotExists([]byte(bucketSessions))
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	// A change waits at most this long for others to share its commit.
	db.MaxBatchDelay = time.Millisecond
	return &DB{db: db}, nil
}

// openChecked opens the file with bbolt and reads every page, recovering
// from what a damaged file does to bbolt.
func openChecked(path string) (db *bolt.DB, err error) {
	_, statErr := os.Stat(path)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			// The file lock and the map of a half-open DB are not released
			// here: the caller is expected to give up.
			db, err = nil, &DamagedError{Path: path, Reason: fmt.Sprint(r)}
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: LockTimeout})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("state file %s is in use by another process", path)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum), errors.Is(err, bolterrors.ErrVersionMismatch):
		return nil, &DamagedError{Path: path, Reason: err.Error()}
	case err != nil:
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	if statErr == nil {
		if err := checkFile(db, path); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// checkFile compares the file's size with what its meta page says and walks
// every bucket, key and value, then runs bbolt's consistency check.
func checkFile(db *bolt.DB, path string) error {
	return db.View(func(tx *bolt.Tx) error {
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		if need := tx.Size(); fi.Size() < need {
			return &DamagedError{Path: path, Reason: fmt.Sprintf("cut short: %d bytes, its pages need %d", fi.Size(), need)}
		}
		var walk func(b *bolt.Bucket) error
		walk = func(b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if v == nil {
					if sub := b.Bucket(k); sub != nil {
						return walk(sub)
					}
				}
				return nil
			})
		}
		if err := tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return walk(b) }); err != nil {
			return err
		}
		var first error
		for err := range tx.Check() { // drained: the checker stops when it is done
			if first == nil {
				first = &DamagedError{Path: path, Reason: err.Error()}
			}
		}
		return first
	})
}
