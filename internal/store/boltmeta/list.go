package boltmeta

import (
	"bytes"
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
)

// listCursor walks entries in the byte order of their (raw) keys.
type listCursor interface {
	// next advances to the next entry and returns its raw key (nil at the
	// end). The key is valid until the next call.
	next() []byte
	// skip advances to the first entry whose raw key sorts after every key
	// that starts with prefix, and returns its raw key.
	skip(prefix []byte) []byte
}

// walk is the listing loop shared by ListObjects and ListUploads: prefix
// filter, delimiter roll-up into common prefixes (each skipped with one
// seek), max entries, and truncation. after is the exclusive start marker:
// the caller has already positioned the cursor past it; walk only uses it
// to drop a common prefix that does not sort after it (the marker is that
// common prefix, or a key inside it), so that a previous page's NextMarker
// never repeats an entry.
type walk struct {
	prefix, delim, after []byte
	max                  int

	cps          []string
	truncated    bool
	last         string // last entry returned (key or common prefix)
	lastIsPrefix bool
}

// run walks from the entry whose raw key is k, calling emit for every entry
// to return (emit returns false to stop the walk).
func (w *walk) run(c listCursor, k []byte, emit func(k []byte) bool) {
	n := 0
	for k != nil && bytes.HasPrefix(k, w.prefix) {
		if len(w.delim) > 0 {
			if i := bytes.Index(k[len(w.prefix):], w.delim); i >= 0 {
				cp := k[:len(w.prefix)+i+len(w.delim)]
				if len(w.after) > 0 && bytes.Compare(cp, w.after) <= 0 {
					k = c.skip(cp)
					continue
				}
				if n >= w.max {
					w.truncated = true
					return
				}
				s := string(cp)
				w.cps = append(w.cps, s)
				w.last, w.lastIsPrefix = s, true
				n++
				k = c.skip(cp)
				continue
			}
		}
		if n >= w.max {
			w.truncated = true
			return
		}
		if !emit(k) {
			return
		}
		w.last, w.lastIsPrefix = string(k), false
		n++
		k = c.next()
	}
}

// successor returns the smallest byte string that sorts after every string
// starting with p, or nil if there is none (p is all 0xFF).
func successor(p []byte) []byte {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] != 0xFF {
			s := make([]byte, i+1)
			copy(s, p)
			s[i]++
			return s
		}
	}
	return nil
}

// rawCursor walks a bbolt bucket whose keys are the raw keys (objects).
type rawCursor struct {
	c *bolt.Cursor
	v []byte // the current entry's value
}

func (r *rawCursor) seek(k []byte) []byte {
	key, v := r.c.Seek(k)
	r.v = v
	return key
}

// seekGT positions at the first entry with key > k.
func (r *rawCursor) seekGT(k []byte) []byte {
	key := r.seek(k)
	if key != nil && bytes.Equal(key, k) {
		return r.next()
	}
	return key
}

func (r *rawCursor) next() []byte {
	key, v := r.c.Next()
	r.v = v
	return key
}

func (r *rawCursor) skip(p []byte) []byte {
	s := successor(p)
	if s == nil {
		r.v = nil
		return nil
	}
	return r.seek(s)
}

// Upload index keys: the object key escaped (0x00 -> 0x00 0xFF), the
// terminator 0x00 0x01, the initiation time (8 bytes of Unix seconds with
// the sign bit flipped, 4 bytes of nanoseconds, big-endian) and the upload
// id. The escaping keeps byte order and makes no escaped key a prefix of
// another's terminator, so the index sorts by (key, initiated, id) and all
// the uploads of keys starting with p sit together after escape(p).

func escapeKey(b []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		if key[i] == 0 {
			b = append(b, 0, 0xFF)
		} else {
			b = append(b, key[i])
		}
	}
	return b
}

func upIdxKey(key string, initiated time.Time, id string) []byte {
	b := make([]byte, 0, len(key)+2+12+len(id))
	b = escapeKey(b, key)
	b = append(b, 0, 1)
	b = binary.BigEndian.AppendUint64(b, uint64(initiated.Unix())^(1<<63))
	b = binary.BigEndian.AppendUint32(b, uint32(initiated.Nanosecond()))
	return append(b, id...)
}

// unescapeKey appends the raw object key of index key k to b.
func unescapeKey(b, k []byte) []byte {
	for i := 0; i < len(k); i++ {
		if k[i] != 0 {
			b = append(b, k[i])
			continue
		}
		if i+1 < len(k) && k[i+1] == 0xFF {
			b = append(b, 0)
			i++
			continue
		}
		break // terminator
	}
	return b
}

// idxCursor walks an upload index, presenting raw object keys.
type idxCursor struct {
	c   *bolt.Cursor
	v   []byte // the current entry's value: the upload id
	raw []byte
}

func (x *idxCursor) set(k, v []byte) []byte {
	x.v = v
	if k == nil {
		return nil
	}
	x.raw = unescapeKey(x.raw[:0], k)
	return x.raw
}

// seek positions at the first upload of the first key >= key.
func (x *idxCursor) seek(key []byte) []byte {
	return x.set(x.c.Seek(escapeKey(nil, string(key))))
}

// seekGT positions at the first upload of the first key > key.
func (x *idxCursor) seekGT(key []byte) []byte {
	s := append(escapeKey(nil, string(key)), 0, 2)
	return x.set(x.c.Seek(s))
}

// seekAfterEntry positions at the entry after index key e.
func (x *idxCursor) seekAfterEntry(e []byte) []byte {
	k, v := x.c.Seek(e)
	if k != nil && bytes.Equal(k, e) {
		k, v = x.c.Next()
	}
	return x.set(k, v)
}

func (x *idxCursor) next() []byte { return x.set(x.c.Next()) }

func (x *idxCursor) skip(p []byte) []byte {
	s := successor(escapeKey(nil, string(p)))
	if s == nil {
		return x.set(nil, nil)
	}
	return x.set(x.c.Seek(s))
}
