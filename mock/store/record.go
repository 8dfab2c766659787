package store

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Records of a state file (format 3) carry a checksum: each value is stored
// as a CRC-32C (Castagnoli) of what identifies the record and of its value,
// then the value. What identifies it is the session, the kind of record and
// its key, so a bit flipped in a value, in a key, or in a session's bucket
// name (which would move its records to another session) all fail the check.
// bbolt checks the checksums of its meta pages only; its data pages have
// none, so without these a flipped bit in a value was served changed.

// Kinds of record, part of the checksum.
const (
	kindInfo  byte = 'i' // sessions/<session>/info
	kindAlert byte = 'a' // sessions/<session>/alerts/<id>
	kindLog   byte = 'l' // sessions/<session>/logs/<key>
)

// crcSize is the length of the checksum in front of a value.
const crcSize = 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sum is the checksum of a record: the lengths keep the parts apart.
func sum(session string, kind byte, key, value []byte) uint32 {
	var head [2*binary.MaxVarintLen64 + 1]byte
	n := binary.PutUvarint(head[:], uint64(len(session)))
	c := crc32.Update(0, castagnoli, head[:n])
	c = crc32.Update(c, castagnoli, []byte(session))
	n = binary.PutUvarint(head[:], uint64(len(key)))
	head[n] = kind
	c = crc32.Update(c, castagnoli, head[:n+1])
	c = crc32.Update(c, castagnoli, key)
	return crc32.Update(c, castagnoli, value)
}

// seal returns value as the file keeps it: its checksum, then itself.
func seal(session string, kind byte, key, value []byte) []byte {
	out := make([]byte, crcSize, crcSize+len(value))
	binary.BigEndian.PutUint32(out, sum(session, kind, key, value))
	return append(out, value...)
}

// unseal returns the value of a stored record (a subslice of stored), or an
// error saying which record's checksum does not match.
func unseal(session string, kind byte, key, stored []byte) ([]byte, error) {
	if len(stored) < crcSize {
		return nil, fmt.Errorf("%s is %d bytes, shorter than its checksum", recordName(kind, key), len(stored))
	}
	value := stored[crcSize:]
	if binary.BigEndian.Uint32(stored) != sum(session, kind, key, value) {
		return nil, fmt.Errorf("%s fails its checksum", recordName(kind, key))
	}
	return value, nil
}

// recordName names a record in an error message.
func recordName(kind byte, key []byte) string {
	switch kind {
	case kindInfo:
		return "its info record"
	case kindAlert:
		return fmt.Sprintf("the record of alert %q", key)
	case kindLog:
		if id, n, ok := splitLogKey(key); ok {
			return fmt.Sprintf("activity log entry %d of alert %q", n, id)
		}
		return fmt.Sprintf("activity log record %q", key)
	}
	return fmt.Sprintf("record %q", key)
}
