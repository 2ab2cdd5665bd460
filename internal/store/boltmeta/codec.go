package boltmeta

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/edgegate/edgegate/internal/store"
)

// Record encoding: a small hand-written codec, because GetObject decodes one
// record per GET. A record is a version byte followed by fields in a fixed
// order; integers are varints, strings and byte strings are a uvarint length
// followed by the bytes, maps are a uvarint count followed by key/value
// pairs in key order, times are varint(Unix seconds) and uvarint(nanoseconds
// + 1) with (0, 0) meaning the zero time.
//
// Decoding converts the whole value to one string once and slices every
// string field out of it, so an object with no maps costs three allocations
// (the Object, that string and the segments slice), whatever its number of
// fields. New fields are appended at the end of a record and read only when
// present, so older records stay readable; an incompatible change bumps the
// version byte.

const (
	objectV1 = 1
	bucketV1 = 1
	uploadV1 = 1
	partV1   = 1
)

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b []byte, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0, 0)
	}
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond())+1)
}

func appendStrMap(b []byte, m map[string]string) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	if len(m) == 0 {
		return b
	}
	for _, k := range sortedKeys(m) {
		b = appendStr(b, k)
		b = appendStr(b, m[k])
	}
	return b
}

func appendBytesMap(b []byte, m map[string][]byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	if len(m) == 0 {
		return b
	}
	for _, k := range sortedKeys(m) {
		b = appendStr(b, k)
		b = appendBytes(b, m[k])
	}
	return b
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	// insertion sort: maps here are small
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}

// appendObjectBody encodes everything of o but Bucket and Key, which are
// the record's location.
func appendObjectBody(b []byte, o *store.Object) []byte {
	b = binary.AppendVarint(b, o.Size)
	b = appendTime(b, o.LastModified)
	b = appendStr(b, o.ETag)
	b = appendStr(b, o.ContentType)
	b = appendStr(b, o.ContentEncoding)
	b = appendStr(b, o.ContentDisposition)
	b = appendStr(b, o.ContentLanguage)
	b = appendStr(b, o.CacheControl)
	b = appendStr(b, o.Expires)
	b = appendStr(b, o.StorageClass)
	b = appendStr(b, o.Owner)
	b = appendStr(b, o.ChecksumType)
	b = binary.AppendUvarint(b, uint64(o.PartCount))
	b = appendStrMap(b, o.UserMeta)
	b = appendStrMap(b, o.Checksums)
	b = appendBytesMap(b, o.Attrs)
	b = binary.AppendUvarint(b, uint64(len(o.Segments)))
	for _, s := range o.Segments {
		b = appendStr(b, s.BlobID)
		b = binary.AppendVarint(b, s.Size)
	}
	return b
}

func encodeObject(o *store.Object) []byte {
	b := make([]byte, 0, 128+len(o.ETag)+len(o.ContentType)+len(o.Segments)*40)
	b = append(b, objectV1)
	return appendObjectBody(b, o)
}

func encodeBucket(bk *store.Bucket) []byte {
	b := []byte{bucketV1}
	b = appendStr(b, bk.Name)
	b = appendStr(b, bk.Owner)
	b = appendStr(b, bk.Region)
	b = appendTime(b, bk.Created)
	return appendBytesMap(b, bk.Attrs)
}

func encodeUpload(u *store.Upload) []byte {
	b := []byte{uploadV1}
	b = appendStr(b, u.ID)
	b = appendStr(b, u.Bucket)
	b = appendStr(b, u.Key)
	b = appendTime(b, u.Initiated)
	b = appendStr(b, u.Owner)
	t := u.Template
	t.Size, t.ETag, t.Segments = 0, "", nil
	return appendObjectBody(b, &t)
}

func encodePart(p *store.Part) []byte {
	b := []byte{partV1}
	b = binary.AppendUvarint(b, uint64(p.Number))
	b = binary.AppendVarint(b, p.Size)
	b = appendStr(b, p.ETag)
	b = appendStrMap(b, p.Checksums)
	b = appendStr(b, p.BlobID)
	return appendTime(b, p.LastModified)
}

// decoder reads a record from a string (one copy of the value) so that
// string fields are substrings of it and cost no allocation.
type decoder struct {
	s   string
	i   int
	bad bool
}

func (d *decoder) uvarint() uint64 {
	var x uint64
	var sh uint
	for j := 0; j < binary.MaxVarintLen64; j++ {
		if d.i >= len(d.s) {
			d.bad = true
			return 0
		}
		c := d.s[d.i]
		d.i++
		if c < 0x80 {
			return x | uint64(c)<<sh
		}
		x |= uint64(c&0x7f) << sh
		sh += 7
	}
	d.bad = true
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) byte1() byte {
	if d.i >= len(d.s) {
		d.bad = true
		return 0
	}
	c := d.s[d.i]
	d.i++
	return c
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.s)-d.i) {
		d.bad = true
		return ""
	}
	s := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return s
}

func (d *decoder) time() time.Time {
	sec := d.varint()
	ns := d.uvarint()
	if ns == 0 || d.bad {
		return time.Time{}
	}
	return time.Unix(sec, int64(ns-1)).UTC()
}

// count reads a collection length and checks it against the bytes left
// (every element takes at least min bytes), so corrupt data cannot ask for
// a huge allocation.
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if d.bad || n > uint64((len(d.s)-d.i)/min) {
		d.bad = true
		return 0
	}
	return int(n)
}

func (d *decoder) strMap() map[string]string {
	n := d.count(2)
	if n == 0 {
		return nil
	}
	m := make(map[string]string, n)
	for j := 0; j < n && !d.bad; j++ {
		k := d.str()
		m[k] = d.str()
	}
	return m
}

func (d *decoder) bytesMap() map[string][]byte {
	n := d.count(2)
	if n == 0 {
		return nil
	}
	m := make(map[string][]byte, n)
	for j := 0; j < n && !d.bad; j++ {
		k := d.str()
		m[k] = []byte(d.str())
	}
	return m
}

func (d *decoder) objectBody(o *store.Object) {
	o.Size = d.varint()
	o.LastModified = d.time()
	o.ETag = d.str()
	o.ContentType = d.str()
	o.ContentEncoding = d.str()
	o.ContentDisposition = d.str()
	o.ContentLanguage = d.str()
	o.CacheControl = d.str()
	o.Expires = d.str()
	o.StorageClass = d.str()
	o.Owner = d.str()
	o.ChecksumType = d.str()
	o.PartCount = int(d.uvarint())
	o.UserMeta = d.strMap()
	o.Checksums = d.strMap()
	o.Attrs = d.bytesMap()
	if n := d.count(2); n > 0 {
		o.Segments = make([]store.Segment, n)
		for j := range o.Segments {
			o.Segments[j].BlobID = d.str()
			o.Segments[j].Size = d.varint()
		}
	}
}

func corrupt(what string, v []byte) error {
	return fmt.Errorf("%w: undecodable %s record (%d bytes)", store.ErrCorrupt, what, len(v))
}

// decodeObject decodes an object record into o; bucket and key are the
// record's location. v may be a bbolt page slice: it is copied.
func decodeObject(o *store.Object, bucket, key string, v []byte) error {
	d := decoder{s: string(v)}
	if d.byte1() != objectV1 {
		return corrupt("object", v)
	}
	o.Bucket, o.Key = bucket, key
	d.objectBody(o)
	if d.bad {
		return corrupt("object", v)
	}
	return nil
}

// decodeSegments calls fn with the blob id of each segment of an object
// record without decoding the rest into an Object.
func decodeSegments(v []byte, fn func(blobID string)) error {
	var o store.Object
	if err := decodeObject(&o, "", "", v); err != nil {
		return err
	}
	for _, s := range o.Segments {
		fn(s.BlobID)
	}
	return nil
}

func decodeBucket(v []byte) (*store.Bucket, error) {
	d := decoder{s: string(v)}
	if d.byte1() != bucketV1 {
		return nil, corrupt("bucket", v)
	}
	b := &store.Bucket{}
	b.Name = d.str()
	b.Owner = d.str()
	b.Region = d.str()
	b.Created = d.time()
	b.Attrs = d.bytesMap()
	if d.bad {
		return nil, corrupt("bucket", v)
	}
	return b, nil
}

func decodeUpload(u *store.Upload, v []byte) error {
	d := decoder{s: string(v)}
	if d.byte1() != uploadV1 {
		return corrupt("upload", v)
	}
	u.ID = d.str()
	u.Bucket = d.str()
	u.Key = d.str()
	u.Initiated = d.time()
	u.Owner = d.str()
	d.objectBody(&u.Template)
	u.Template.Bucket, u.Template.Key = u.Bucket, u.Key
	if d.bad {
		return corrupt("upload", v)
	}
	return nil
}

func decodePart(p *store.Part, v []byte) error {
	d := decoder{s: string(v)}
	if d.byte1() != partV1 {
		return corrupt("part", v)
	}
	p.Number = int(d.uvarint())
	p.Size = d.varint()
	p.ETag = d.str()
	p.Checksums = d.strMap()
	p.BlobID = d.str()
	p.LastModified = d.time()
	if d.bad {
		return corrupt("part", v)
	}
	return nil
}
