package store

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrDamaged is matched (errors.Is) by the error of OpenDB for a file that is
// not a whole, consistent state file.
var ErrDamaged = errors.New("damaged")

// DamagedError says why a state file was refused, or which session of it
// cannot be read.
type DamagedError struct {
	Path    string
	Session string // the session whose records are damaged; "" for the file as a whole
	Reason  string
}

// Error is one line naming the file, the session (if any), the problem and
// what to do.
func (e *DamagedError) Error() string {
	what := e.Reason
	if e.Session != "" {
		what = fmt.Sprintf("session %s: %s", quoteShort(e.Session), e.Reason)
	}
	return fmt.Sprintf("state file %s is damaged (%s); move it away or delete it to start afresh", e.Path, what)
}

// FaultMessage is what a client whose request read the damaged session is
// told (with a 500; see grapherr.ServerFault); empty for damage to the file
// as a whole, which is refused before anything is served.
func (e *DamagedError) FaultMessage() string {
	if e.Session == "" {
		return ""
	}
	s := e.Session
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return "The saved state of session '" + s + "' is damaged in the state file and is not served; the server's log names the record. Restart the mock with the state file moved away."
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// OpenDB opens (creating it if needed) the state file at path. A file is
// used by one process at a time: OpenDB fails after LockTimeout if another
// process holds it.
//
// A file with damage OpenDB can see is refused with a *DamagedError, before
// anything is served from it (see checkMeta and checkFile): not a bbolt file,
// cut short, a meta page that fails its checksum (bbolt would silently fall
// back to the commit before: the last acknowledged change would be lost),
// damaged pages, or a record that fails its checksum. The whole file is read
// and checked, with faults of the memory map (SIGBUS, SIGSEGV past the end of
// a truncated file) and bbolt's assertion panics turned into that error
// instead of crashing the process.
//
// A file with no bytes is started as a new state file (as a missing one
// is); EmptyFile reports it, for the caller to say so.
func OpenDB(path string) (*DB, error) {
	fi, statErr := os.Stat(path)
	existing := statErr == nil && fi.Size() > 0
	var meta metaPage
	if existing {
		var err error
		if meta, err = checkMeta(path); err != nil {
			return nil, err
		}
	}
	db, err := openChecked(path, existing, meta)
	if err != nil {
		return nil, err
	}
	if !ready(db) {
		if err := db.Update(func(tx *bolt.Tx) error { return prepare(tx, path) }); err != nil {
			db.Close()
			var de *DamagedError
			if errors.As(err, &de) {
				return nil, de
			}
			return nil, fmt.Errorf("state file %s: %w", path, err)
		}
	}
	db.MaxBatchDelay = time.Millisecond // a change waits at most this long for others to share its commit
	return &DB{db: db, path: path, empty: statErr == nil && fi.Size() == 0}, nil
}

// ready reports whether db is a state file of this format with both
// buckets: it then needs no write before use.
func ready(db *bolt.DB) bool {
	ok := false
	_ = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte(bucketMeta))
		ok = meta != nil && string(meta.Get([]byte(keyFormat))) == Format && tx.Bucket([]byte(bucketSessions)) != nil
		return nil
	})
	return ok
}

// prepare makes tx's file a state file of this format: a new file gets the
// buckets and the format, a format "2" file is upgraded; another format is
// an error.
func prepare(tx *bolt.Tx, path string) error {
	meta, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
	if err != nil {
		return err
	}
	sessions := tx.Bucket([]byte(bucketSessions))
	switch v := meta.Get([]byte(keyFormat)); {
	case v == nil:
		if err := meta.Put([]byte(keyFormat), []byte(Format)); err != nil {
			return err
		}
	case string(v) == "2" && sessions != nil && sessions.Sequence() != 0:
		// Only format 3 counts changes: the format record is damaged.
		return &DamagedError{Path: path, Reason: `its format record reads "2" but it has format 3's change counter`}
	case string(v) == "2":
		if err := upgrade2(tx); err != nil {
			return fmt.Errorf("upgrade from format \"2\": %w", err)
		}
	case string(v) != Format:
		return fmt.Errorf("format %q; this alertmock reads format %q", v, Format)
	}
	_, err = tx.CreateBucketIfNotExists([]byte(bucketSessions))
	return err
}

// openChecked opens the file with bbolt and, for a file that existed, reads
// and checks every page and record, recovering from what a damaged file
// does to bbolt.
func openChecked(path string, existing bool, meta metaPage) (db *bolt.DB, err error) {
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
	if existing {
		if err := checkFile(db, path, meta); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// checkFile compares the file's size with what its meta page says, checks
// every page bbolt will read (checkPages), walks every record (checking the
// checksums of a format 3 file; see walk), then runs bbolt's consistency
// check (every page reachable once or free, keys in order).
func checkFile(db *bolt.DB, path string, meta metaPage) error {
	return db.View(func(tx *bolt.Tx) error {
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		if need := tx.Size(); fi.Size() < need {
			return &DamagedError{Path: path, Reason: fmt.Sprintf("cut short: %d bytes, its pages need %d", fi.Size(), need)}
		}
		if !meta.valid || uint64(tx.ID()) != meta.txid {
			return &DamagedError{Path: path, Reason: "bbolt opened another commit than its newest meta page names"}
		}
		if err := checkPages(path, meta); err != nil {
			return &DamagedError{Path: path, Reason: err.Error()}
		}
		if err := walk(tx); err != nil {
			var rec *recordError
			if errors.As(err, &rec) {
				return &DamagedError{Path: path, Session: rec.session, Reason: rec.reason}
			}
			return &DamagedError{Path: path, Reason: err.Error()}
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

// quoteShort quotes s, cut to 80 bytes (a damaged key may be any bytes, up
// to bbolt's 32 KiB).
func quoteShort(s string) string {
	if len(s) > 80 {
		return strconv.Quote(s[:80]) + "…"
	}
	return strconv.Quote(s)
}
