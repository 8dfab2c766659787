package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"

	bolt "go.etcd.io/bbolt"
)

// What OpenDB can and cannot tell about a damaged state file.
//
// bbolt keeps two meta pages (pages 0 and 1); commit t writes its meta to
// page t%2 after its data pages are fsynced, so one holds the newest
// commit and the other the one before. Each carries an FNV-64a checksum.
// On open bbolt takes the page with the higher transaction id that passes
// its checksum: when the newest one is damaged it silently opens the
// commit before, and the last acknowledged change is gone. Data pages have
// no checksum at all.
//
// checkMeta therefore reads both meta pages itself and refuses the file
// when either fails: a damaged meta page cannot be trusted to be the older
// one (its transaction id may be what was damaged), so even damage that
// only hit the older page is refused. checkFile then walks every record
// against its CRC-32C (see seal) and runs bbolt's consistency check, so a
// changed value, key or session name, a record moved or lost, and a page
// reachable twice or not at all are refused before anything is served.
//
// What cannot be told from the file alone: an older copy of a whole, valid
// state file put in its place (it is consistent; it just ends at an
// earlier change: the number of the last change is in the file and logged
// at start for comparison); damage that happens to keep a
// checksum valid (about one in 2^32 for a record, 2^64 for a meta page);
// and damage to pages no commit uses any more, which is harmless and left
// alone.

// metaPage is what checkMeta reads of one of bbolt's meta pages.
type metaPage struct {
	valid    bool   // magic, version and checksum are right
	pageSize uint32 // as written (meaningful when valid)
	root     uint64 // page of the root bucket
	hwm      uint64 // high-water mark: pages in use are below it
	txid     uint64 // as written, even when not valid
}

// Offsets in a meta page: a 16-byte page header, then bbolt's meta struct
// (magic, version, page size, flags, root bucket {root, sequence},
// freelist, high-water mark, txid, checksum) in native byte order.
const (
	metaOffset    = 16
	metaSumOffset = metaOffset + 56 // the checksum covers the 56 bytes before it
	metaTxid      = metaOffset + 48
	metaEnd       = metaOffset + 64
	boltMagic     = 0xED0CDAED
	boltVersion   = 2
)

// parseMeta reads the meta page at the start of b (at least metaEnd bytes).
func parseMeta(b []byte) metaPage {
	ne := binary.NativeEndian
	h := fnv.New64a()
	h.Write(b[metaOffset:metaSumOffset])
	return metaPage{
		valid:    ne.Uint32(b[metaOffset:]) == boltMagic && ne.Uint32(b[metaOffset+4:]) == boltVersion && ne.Uint64(b[metaSumOffset:]) == h.Sum64(),
		pageSize: ne.Uint32(b[metaOffset+8:]),
		root:     ne.Uint64(b[metaOffset+16:]),
		hwm:      ne.Uint64(b[metaOffset+40:]),
		txid:     ne.Uint64(b[metaTxid:]),
	}
}

// checkMeta refuses a file unless both meta pages pass their checksums (see
// above), and returns the one bbolt opens (the newer). A file whose meta
// pages are both unreadable, or that is too short to have two, is left to
// bbolt, which refuses it (valid false).
func checkMeta(path string) (metaPage, error) {
	f, err := os.Open(path)
	if err != nil {
		return metaPage{}, fmt.Errorf("open state file %s: %w", path, err)
	}
	defer f.Close()
	read := func(off int64) (metaPage, bool) {
		buf := make([]byte, metaEnd)
		if _, err := f.ReadAt(buf, off); err != nil { // past the end: no such page
			return metaPage{}, false
		}
		return parseMeta(buf), true
	}
	m0, ok := read(0)
	if !ok {
		return metaPage{}, nil
	}
	// The second meta page is one page further; its size is in the first,
	// or, when that one is damaged, found as bbolt finds it.
	var m1 metaPage
	found := false
	if m0.valid {
		m1, found = read(int64(m0.pageSize))
	} else {
		for i := 0; i <= 14 && !found; i++ {
			if m, ok := read(1024 << i); ok && m.valid && m.pageSize == 1024<<i {
				m1, found = m, true
			}
		}
	}
	if !found || (!m0.valid && !m1.valid) {
		return metaPage{}, nil
	}
	if m0.valid && m1.valid {
		if m1.txid > m0.txid {
			return m1, nil
		}
		return m0, nil
	}
	bad, good, badPage := m1, m0, 1
	if !m0.valid {
		bad, good, badPage = m0, m1, 0
	}
	var why string
	switch bad.txid {
	case good.txid + 1:
		why = fmt.Sprintf("bbolt meta page %d, which holds the newest commit (transaction %d), fails its checksum: opening it would silently go back to transaction %d and lose the last acknowledged change", badPage, bad.txid, good.txid)
	case good.txid - 1:
		why = fmt.Sprintf("bbolt meta page %d (transaction %d, the commit before the newest) fails its checksum; the newest commit looks whole, but a damaged page cannot be trusted to be the older one", badPage, bad.txid)
	default:
		why = fmt.Sprintf("bbolt meta page %d fails its checksum and its transaction id is unreadable (the other page holds transaction %d): it may have held the newest commit", badPage, good.txid)
	}
	return metaPage{}, &DamagedError{Path: path, Reason: why}
}

// bbolt's page and element layout (native byte order): a page header of
// id (8 bytes), flags (2), count (2), overflow (4), then count elements of
// 16 bytes; a branch element is pos, ksize (4 each), child page (8); a leaf
// element flags, pos, ksize, vsize (4 each). pos counts from the element.
// A leaf value flagged as a bucket starts with the bucket's root page (8)
// and sequence (8); root 0 means the bucket's page follows inline.
const (
	pageHeader    = 16
	elementSize   = 16
	branchFlag    = 0x01
	leafFlag      = 0x02
	bucketElement = 0x01
	bucketHeader  = 16
)

// checkPages reads, with bounds checks, every page of every bucket reachable
// from m's root and checks that each is what bbolt will take it for: its
// id, a branch or leaf, within the high-water mark and the file, its
// elements and their keys and values inside it, its children below the
// mark, no page reached twice. bbolt trusts all of this: its consistency
// check (tx.Check) runs in a goroutine of its own, where a key length
// pointing past the memory map is a fault no recover can catch, so the
// process would crash instead of refusing the file. After checkPages it can
// only read memory it mapped. It reads each page's header and element table
// (and the values of the buckets in it), not the keys and values, which
// the walk and their checksums see.
func checkPages(path string, m metaPage) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	ps := uint64(m.pageSize)
	if uint64(fi.Size())/ps < m.hwm {
		return fmt.Errorf("the file has %d pages; its high-water mark is %d", uint64(fi.Size())/ps, m.hwm)
	}
	ne := binary.NativeEndian
	seen := make([]uint64, m.hwm/64+1) // a bit per page below the mark
	bufs := make([][]byte, 0, 8)       // one buffer per depth, reused by siblings
	buf := func(depth, n int) []byte {
		for len(bufs) <= depth {
			bufs = append(bufs, nil)
		}
		if cap(bufs[depth]) < n {
			bufs[depth] = make([]byte, n)
		}
		return bufs[depth][:n]
	}
	var visit func(id uint64, depth int) error
	// elements checks the count elements of a page of span bytes whose
	// header and element table are in table, and visits the buckets and
	// children they name; value returns n bytes at off in the page.
	var elements func(table []byte, span uint64, flags uint16, count int, value func(off, n uint64) ([]byte, error), depth int) error
	visit = func(id uint64, depth int) error {
		if depth > 64 {
			return fmt.Errorf("page %d: the tree is deeper than 64 levels", id)
		}
		if id < 2 || id >= m.hwm {
			return fmt.Errorf("page %d is not a data page below the high-water mark %d", id, m.hwm)
		}
		at := int64(id * ps)
		head := buf(depth, pageHeader)
		if _, err := f.ReadAt(head, at); err != nil {
			return fmt.Errorf("page %d: %v", id, err)
		}
		if got := ne.Uint64(head); got != id {
			return fmt.Errorf("page %d says it is page %d", id, got)
		}
		flags, count, overflow := ne.Uint16(head[8:]), int(ne.Uint16(head[10:])), uint64(ne.Uint32(head[12:]))
		if flags != branchFlag && flags != leafFlag {
			return fmt.Errorf("page %d: flags %#x, not a branch or leaf page", id, flags)
		}
		if id+overflow >= m.hwm {
			return fmt.Errorf("page %d: %d overflow pages pass the high-water mark %d", id, overflow, m.hwm)
		}
		for p := id; p <= id+overflow; p++ {
			if seen[p/64]&(1<<(p%64)) != 0 {
				return fmt.Errorf("page %d is reached twice", p)
			}
			seen[p/64] |= 1 << (p % 64)
		}
		span := (1 + overflow) * ps
		n := uint64(pageHeader + count*elementSize)
		if n > span {
			return fmt.Errorf("page %d: %d elements do not fit", id, count)
		}
		table := buf(depth, int(n))
		if _, err := f.ReadAt(table, at); err != nil {
			return fmt.Errorf("page %d: %v", id, err)
		}
		value := func(off, n uint64) ([]byte, error) {
			v := make([]byte, n)
			_, err := f.ReadAt(v, at+int64(off))
			return v, err
		}
		if err := elements(table, span, flags, count, value, depth); err != nil {
			return fmt.Errorf("page %d: %w", id, err)
		}
		return nil
	}
	elements = func(table []byte, span uint64, flags uint16, count int, value func(off, n uint64) ([]byte, error), depth int) error {
		for i := range count {
			e := pageHeader + i*elementSize
			if flags == branchFlag {
				pos, ksize := uint64(ne.Uint32(table[e:])), uint64(ne.Uint32(table[e+4:]))
				if uint64(e)+pos+ksize > span {
					return fmt.Errorf("element %d: key outside the page", i)
				}
				if err := visit(ne.Uint64(table[e+8:]), depth+1); err != nil {
					return err
				}
				continue
			}
			eflags, pos, ksize, vsize := ne.Uint32(table[e:]), uint64(ne.Uint32(table[e+4:])), uint64(ne.Uint32(table[e+8:])), uint64(ne.Uint32(table[e+12:]))
			start := uint64(e) + pos
			if start+ksize+vsize > span {
				return fmt.Errorf("element %d: key or value outside the page", i)
			}
			if eflags&bucketElement == 0 {
				continue
			}
			if vsize < bucketHeader {
				return fmt.Errorf("element %d: a bucket of %d bytes", i, vsize)
			}
			v, err := value(start+ksize, vsize)
			if err != nil {
				return fmt.Errorf("element %d: %v", i, err)
			}
			if root := ne.Uint64(v); root != 0 {
				if err := visit(root, depth+1); err != nil {
					return err
				}
				continue
			}
			inline := v[bucketHeader:]
			if len(inline) < pageHeader {
				return fmt.Errorf("element %d: an inline bucket of %d bytes", i, len(inline))
			}
			fl, n := ne.Uint16(inline[8:]), int(ne.Uint16(inline[10:]))
			if fl != leafFlag || pageHeader+n*elementSize > len(inline) {
				return fmt.Errorf("element %d: an inline bucket with flags %#x and %d elements in %d bytes", i, fl, n, len(inline))
			}
			inValue := func(off, n uint64) ([]byte, error) { return inline[off : off+n], nil }
			if err := elements(inline, uint64(len(inline)), leafFlag, n, inValue, depth+1); err != nil {
				return fmt.Errorf("element %d (inline bucket): %w", i, err)
			}
		}
		return nil
	}
	return visit(m.root, 0)
}

// walk reads every record of the file: for the current format it checks
// the layout and each record's checksum; for an older one (upgraded or
// refused next) it reads every key and value.
func walk(tx *bolt.Tx) error {
	meta := tx.Bucket([]byte(bucketMeta))
	if meta == nil || string(meta.Get([]byte(keyFormat))) != Format {
		return walkAll(tx)
	}
	if err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		if n := string(name); n != bucketMeta && n != bucketSessions {
			return fmt.Errorf("unexpected bucket %q", name)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := meta.ForEach(func(k, _ []byte) error {
		if n := string(k); n != keyFormat {
			return fmt.Errorf("unexpected key %q in the meta bucket", k)
		}
		return nil
	}); err != nil {
		return err
	}
	sessions := tx.Bucket([]byte(bucketSessions))
	if sessions == nil {
		return errors.New("no sessions bucket")
	}
	seq := sessions.Sequence()
	return sessions.ForEach(func(name, v []byte) error {
		if v != nil {
			return fmt.Errorf("a value %q among the sessions", name)
		}
		if err := walkSession(sessions.Bucket(name), string(name), seq); err != nil {
			return damagedRecord(string(name), err)
		}
		return nil
	})
}

// walkSession checks one session's records: the info, every alert (as
// many as the info says, for a whole set), and every activity log entry,
// which must follow the entries before it of its alert (that the alert
// exists is checked when the session is read).
func walkSession(b *bolt.Bucket, name string, seq uint64) error {
	var inf savedInfo
	v, err := unseal(name, kindInfo, []byte(keyInfo), b.Get([]byte(keyInfo)))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(v, &inf); err != nil {
		return fmt.Errorf("its info record: %w", err)
	}
	if inf.Seq > seq {
		return fmt.Errorf("its last change is #%d, after the file's last change #%d", inf.Seq, seq)
	}
	err = b.ForEach(func(k, v []byte) error {
		switch string(k) {
		case keyInfo:
			if v == nil {
				return errors.New("its info record is a bucket")
			}
			return nil
		case bucketAlerts, bucketLogs:
			if v != nil {
				return fmt.Errorf("%q is a value, not a bucket", k)
			}
			return nil
		}
		return fmt.Errorf("unexpected key %q", k)
	})
	if err != nil {
		return err
	}
	n := 0
	ab := b.Bucket([]byte(bucketAlerts))
	if ab != nil {
		if err := ab.ForEach(func(id, v []byte) error {
			if v == nil {
				return fmt.Errorf("alert %q is a bucket", id)
			}
			if _, err := unseal(name, kindAlert, id, v); err != nil {
				return err
			}
			n++
			return nil
		}); err != nil {
			return err
		}
	}
	if inf.Own && n != inf.Alerts {
		return fmt.Errorf("it has %d alerts; its info says %d", n, inf.Alerts)
	}
	lb := b.Bucket([]byte(bucketLogs))
	if lb == nil {
		return nil
	}
	// An alert's entries are next to each other (their keys start with
	// its id) and in order; each must follow the one before, from 0.
	var prev string
	var next uint64
	return lb.ForEach(func(k, v []byte) error {
		if v == nil {
			return fmt.Errorf("activity log key %q is a bucket", k)
		}
		if _, err := unseal(name, kindLog, k, v); err != nil {
			return err
		}
		id, i, ok := splitLogKey(k)
		if ok && id != prev {
			prev, next = id, 0
		}
		if !ok || i != next {
			return fmt.Errorf("activity log key %q is out of turn", k)
		}
		next++
		return nil // that its alert exists is checked when the session is read
	})
}

// walkAll reads every key and value of every bucket, nested ones too.
func walkAll(tx *bolt.Tx) error {
	var each func(b *bolt.Bucket) error
	each = func(b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				if sub := b.Bucket(k); sub != nil {
					return each(sub)
				}
			}
			return nil
		})
	}
	return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return each(b) })
}

// upgrade2 turns a format "2" file (the same layout without checksums)
// into the current format, in the caller's transaction.
func upgrade2(tx *bolt.Tx) error {
	type kv struct{ k, v []byte }
	sessions := tx.Bucket([]byte(bucketSessions))
	var names [][]byte
	if sessions != nil {
		var err error
		if names, err = bucketNames(sessions); err != nil {
			return err
		}
	}
	for _, name := range names {
		b, session := sessions.Bucket(name), string(name)
		if v := b.Get([]byte(keyInfo)); v != nil {
			if err := b.Put([]byte(keyInfo), seal(session, kindInfo, []byte(keyInfo), v)); err != nil {
				return err
			}
		}
		for _, sub := range []struct {
			bucket string
			kind   byte
		}{{bucketAlerts, kindAlert}, {bucketLogs, kindLog}} {
			sb := b.Bucket([]byte(sub.bucket))
			if sb == nil {
				continue
			}
			var all []kv
			if err := sb.ForEach(func(k, v []byte) error {
				if v != nil {
					all = append(all, kv{append([]byte(nil), k...), seal(session, sub.kind, k, v)})
				}
				return nil
			}); err != nil {
				return err
			}
			for _, r := range all {
				if err := sb.Put(r.k, r.v); err != nil {
					return err
				}
			}
		}
	}
	return tx.Bucket([]byte(bucketMeta)).Put([]byte(keyFormat), []byte(Format))
}
