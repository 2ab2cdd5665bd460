// Package boltmeta implements store.Meta on one bbolt database file.
//
// Layout (bbolt buckets at the root, so that GetObject opens one bucket):
//
//	"v"            schema version
//	"b"            NAME -> bucket record
//	"o/NAME"       the S3 bucket's objects, keyed by the raw key bytes, so
//	               cursor order is S3's listing order (UTF-8 binary)
//	"i/NAME"       the S3 bucket's upload index: escaped key, terminator,
//	               initiation time, upload id -> upload id (ListUploads order)
//	"u"            ID -> upload record
//	"p"/ID         NUM -> part record, one nested bucket per upload, keyed by
//	               big-endian part number
//
// Records use the compact codec in codec.go. Writes go through a group
// commit (commit.go): concurrent writers share one transaction and its
// fsync. Reads are plain bbolt read transactions and never wait for writes.
package boltmeta

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
	"unsafe"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/edgegate/edgegate/internal/store"
)

const schemaVersion = 1

var (
	kVersion = []byte("v")
	kBuckets = []byte("b")
	kUploads = []byte("u")
	kParts   = []byte("p")
)

// Prefixes of the per-S3-bucket bbolt buckets. S3 bucket names are at most
// 63 bytes (the store does not rely on it; longer names just cost an
// allocation).
const (
	objectsPrefix = "o/"
	upIdxPrefix   = "i/"
)

// rootName builds prefix+name in buf (on the caller's stack when it fits).
func rootName(buf *[80]byte, prefix, name string) []byte {
	b := append(buf[:0], prefix...)
	return append(b, name...)
}

var errEmptyName = errors.New("boltmeta: empty bucket name, key or upload id")

// Options tune Open. The zero value is the production setting.
type Options struct {
	// Timeout bounds the wait for the database file's lock; Open fails with
	// a clear error when another process holds it. Default 1s.
	Timeout time.Duration
	// InitialMmapSize is the initial size of the read-only memory map, so
	// that the database can grow that far without remapping (a remap waits
	// for every open read transaction). Default 1 GiB of address space.
	InitialMmapSize int
	// NoSync turns fsync off. Only for tests and benchmarks: a crash may
	// then lose or corrupt acknowledged writes.
	NoSync bool
}

// DB is a store.Meta on a bbolt file. Its methods are safe for concurrent
// use.
type DB struct {
	db *bolt.DB
	c  committer
}

var _ store.Meta = (*DB)(nil)

// Open opens (creating it and its directory if needed) the database file at
// path.
func Open(path string, o *Options) (*DB, error) {
	if o == nil {
		o = &Options{}
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = time.Second
	}
	mmap := o.InitialMmapSize
	if mmap <= 0 {
		mmap = 1 << 30
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("boltmeta: %w", err)
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: timeout,
		// The freelist is rebuilt by a scan at open instead of being
		// written at every commit: fewer pages per commit.
		NoFreelistSync:  true,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: mmap,
		NoStatistics:    true,
		NoSync:          o.NoSync,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("boltmeta: %s is locked by another process (is another edgegate using this data directory?)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("boltmeta: open %s: %w", path, err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		vb, err := tx.CreateBucketIfNotExists(kVersion)
		if err != nil {
			return err
		}
		if v := vb.Get(kVersion); v != nil {
			if n, _ := binary.Uvarint(v); n != schemaVersion {
				return fmt.Errorf("boltmeta: %s has schema version %d, this build reads %d", path, n, schemaVersion)
			}
		} else if err := vb.Put(kVersion, binary.AppendUvarint(nil, schemaVersion)); err != nil {
			return err
		}
		for _, k := range [][]byte{kBuckets, kUploads, kParts} {
			if _, err := tx.CreateBucketIfNotExists(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		bdb.Close()
		return nil, err
	}
	return &DB{db: bdb, c: committer{db: bdb}}, nil
}

// Close closes the database file.
func (db *DB) Close() error { return db.db.Close() }

// bs returns s's bytes without copying, for read-only lookups: bbolt never
// writes into or keeps a seek key.
func bs(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func partKey(n int) []byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(n))
	return b[:]
}

// objectsOf returns the objects bucket of S3 bucket name, or
// ErrNoSuchBucket.
func objectsOf(tx *bolt.Tx, name string) (*bolt.Bucket, error) {
	var buf [80]byte
	b := tx.Bucket(rootName(&buf, objectsPrefix, name))
	if b == nil {
		return nil, store.ErrNoSuchBucket
	}
	return b, nil
}

// upIdxOf returns the upload index of S3 bucket name, or ErrNoSuchBucket.
func upIdxOf(tx *bolt.Tx, name string) (*bolt.Bucket, error) {
	var buf [80]byte
	b := tx.Bucket(rootName(&buf, upIdxPrefix, name))
	if b == nil {
		return nil, store.ErrNoSuchBucket
	}
	return b, nil
}

// ---- buckets ----

// CreateBucket implements store.Meta.
func (db *DB) CreateBucket(ctx context.Context, b *store.Bucket) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.Name == "" {
		return errEmptyName
	}
	name := []byte(b.Name)
	rec := encodeBucket(b)
	return db.c.update(func(tx *bolt.Tx) error {
		all := tx.Bucket(kBuckets)
		if old := all.Get(name); old != nil {
			e := &store.BucketExistsError{Bucket: b.Name}
			if ob, err := decodeBucket(old); err == nil {
				e.Owner = ob.Owner
			}
			return e
		}
		if err := all.Put(name, rec); err != nil {
			return err
		}
		for _, p := range []string{objectsPrefix, upIdxPrefix} {
			// CreateBucketIfNotExists: a crash cannot leave these without
			// the record (one transaction), but be lenient anyway.
			if _, err := tx.CreateBucketIfNotExists([]byte(p + b.Name)); err != nil {
				return err
			}
		}
		return nil
	})
}

// GetBucket implements store.Meta.
func (db *DB) GetBucket(ctx context.Context, name string) (*store.Bucket, error) {
	var b *store.Bucket
	err := db.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(kBuckets).Get(bs(name))
		if v == nil {
			return store.ErrNoSuchBucket
		}
		var err error
		b, err = decodeBucket(v)
		return err
	})
	return b, err
}

// ListBuckets implements store.Meta.
func (db *DB) ListBuckets(ctx context.Context, owner string) ([]store.Bucket, error) {
	var out []store.Bucket
	err := db.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(kBuckets).ForEach(func(_, v []byte) error {
			b, err := decodeBucket(v)
			if err != nil {
				return err
			}
			if owner == "" || b.Owner == owner {
				out = append(out, *b)
			}
			return nil
		})
	})
	return out, err
}

// PutBucketAttr implements store.Meta.
func (db *DB) PutBucketAttr(ctx context.Context, bucket, name string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var val []byte
	if value != nil {
		val = bytes.Clone(value)
	}
	return db.c.update(func(tx *bolt.Tx) error {
		all := tx.Bucket(kBuckets)
		v := all.Get(bs(bucket))
		if v == nil {
			return store.ErrNoSuchBucket
		}
		b, err := decodeBucket(v)
		if err != nil {
			return err
		}
		if val == nil {
			delete(b.Attrs, name)
		} else {
			if b.Attrs == nil {
				b.Attrs = make(map[string][]byte, 1)
			}
			b.Attrs[name] = val
		}
		return all.Put([]byte(bucket), encodeBucket(b))
	})
}

// DeleteBucket implements store.Meta. Uploads in progress are aborted with
// the bucket and their parts returned.
func (db *DB) DeleteBucket(ctx context.Context, name string) ([]store.Part, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var aborted []store.Part
	err := db.c.update(func(tx *bolt.Tx) error {
		aborted = nil
		all := tx.Bucket(kBuckets)
		if all.Get(bs(name)) == nil {
			return store.ErrNoSuchBucket
		}
		ob, err := objectsOf(tx, name)
		if err != nil {
			return err
		}
		if k, _ := ob.Cursor().First(); k != nil {
			return store.ErrBucketNotEmpty
		}
		ix, err := upIdxOf(tx, name)
		if err != nil {
			return err
		}
		var ids [][]byte
		if err := ix.ForEach(func(_, id []byte) error {
			ids = append(ids, bytes.Clone(id))
			return nil
		}); err != nil {
			return err
		}
		uploads, parts := tx.Bucket(kUploads), tx.Bucket(kParts)
		for _, id := range ids {
			ps, err := collectParts(parts.Bucket(id))
			if err != nil {
				return err
			}
			aborted = append(aborted, ps...)
			if err := uploads.Delete(id); err != nil {
				return err
			}
			if err := deleteBucketIfExists(parts, id); err != nil {
				return err
			}
		}
		for _, p := range []string{objectsPrefix, upIdxPrefix} {
			if err := tx.DeleteBucket([]byte(p + name)); err != nil {
				return err
			}
		}
		return all.Delete([]byte(name))
	})
	return aborted, err
}

func deleteBucketIfExists(parent *bolt.Bucket, name []byte) error {
	err := parent.DeleteBucket(name)
	if errors.Is(err, berrors.ErrBucketNotFound) {
		return nil
	}
	return err
}

// collectParts decodes every part of a parts bucket (nil: none).
func collectParts(pb *bolt.Bucket) ([]store.Part, error) {
	if pb == nil {
		return nil, nil
	}
	var out []store.Part
	err := pb.ForEach(func(_, v []byte) error {
		out = append(out, store.Part{})
		return decodePart(&out[len(out)-1], v)
	})
	return out, err
}

// ---- objects ----

// PutObject implements store.Meta. If the record it replaces cannot be
// decoded it is overwritten anyway and replaced is nil (its blobs become
// orphans that the next Recover removes).
func (db *DB) PutObject(ctx context.Context, obj *store.Object) (*store.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if obj.Bucket == "" || obj.Key == "" {
		return nil, errEmptyName
	}
	val := encodeObject(obj)
	key := []byte(obj.Key)
	var replaced *store.Object
	err := db.c.update(func(tx *bolt.Tx) error {
		replaced = nil
		ob, err := objectsOf(tx, obj.Bucket)
		if err != nil {
			return err
		}
		replaced = oldObject(ob, obj.Bucket, obj.Key, key)
		return ob.Put(key, val)
	})
	if err != nil {
		return nil, err
	}
	return replaced, nil
}

// PutObjectAttr implements store.Meta.
func (db *DB) PutObjectAttr(ctx context.Context, bucket, key, name string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var val []byte
	if value != nil {
		val = bytes.Clone(value)
	}
	kb := []byte(key)
	return db.c.update(func(tx *bolt.Tx) error {
		ob, err := objectsOf(tx, bucket)
		if err != nil {
			return err
		}
		v := ob.Get(kb)
		if v == nil {
			return store.ErrNoSuchKey
		}
		o := &store.Object{}
		if err := decodeObject(o, bucket, key, v); err != nil {
			return err
		}
		if val == nil {
			delete(o.Attrs, name)
			if len(o.Attrs) == 0 {
				o.Attrs = nil
			}
		} else {
			if o.Attrs == nil {
				o.Attrs = make(map[string][]byte, 1)
			}
			o.Attrs[name] = val
		}
		return ob.Put(kb, encodeObject(o))
	})
}

// oldObject decodes the object stored under key in ob, or returns nil.
func oldObject(ob *bolt.Bucket, bucket, key string, kb []byte) *store.Object {
	v := ob.Get(kb)
	if v == nil {
		return nil
	}
	o := &store.Object{}
	if decodeObject(o, bucket, key, v) != nil {
		return nil
	}
	return o
}

// GetObject implements store.Meta.
func (db *DB) GetObject(ctx context.Context, bucket, key string) (*store.Object, error) {
	tx, err := db.db.Begin(false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ob, err := objectsOf(tx, bucket)
	if err != nil {
		return nil, err
	}
	v := ob.Get(bs(key))
	if v == nil {
		return nil, store.ErrNoSuchKey
	}
	o := &store.Object{}
	if err := decodeObject(o, bucket, key, v); err != nil {
		return nil, err
	}
	return o, nil
}

// DeleteObject implements store.Meta. A record that cannot be decoded is
// deleted and reported as an Object with only Bucket and Key set.
func (db *DB) DeleteObject(ctx context.Context, bucket, key string) (*store.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	kb := []byte(key)
	var deleted *store.Object
	err := db.c.update(func(tx *bolt.Tx) error {
		deleted = nil
		ob, err := objectsOf(tx, bucket)
		if err != nil {
			return err
		}
		if ob.Get(kb) == nil {
			return nil
		}
		deleted = oldObject(ob, bucket, key, kb)
		if deleted == nil {
			deleted = &store.Object{Bucket: bucket, Key: key}
		}
		return ob.Delete(kb)
	})
	if err != nil {
		return nil, err
	}
	return deleted, nil
}

// ListObjects implements store.Meta.
func (db *DB) ListObjects(ctx context.Context, bucket string, opts store.ListOptions) (store.ListResult, error) {
	var res store.ListResult
	if err := ctx.Err(); err != nil {
		return res, err
	}
	err := db.db.View(func(tx *bolt.Tx) error {
		ob, err := objectsOf(tx, bucket)
		if err != nil {
			return err
		}
		c := &rawCursor{c: ob.Cursor()}
		var k []byte
		if opts.StartAfter != "" && opts.StartAfter >= opts.Prefix {
			k = c.seekGT(bs(opts.StartAfter))
		} else {
			k = c.seek(bs(opts.Prefix))
		}
		var derr error
		w := walk{prefix: bs(opts.Prefix), delim: bs(opts.Delimiter), after: bs(opts.StartAfter), max: opts.MaxKeys}
		w.run(c, k, func(k []byte) bool {
			res.Objects = append(res.Objects, store.Object{})
			derr = decodeObject(&res.Objects[len(res.Objects)-1], bucket, string(k), c.v)
			return derr == nil
		})
		res.CommonPrefixes, res.IsTruncated = w.cps, w.truncated
		if w.truncated {
			res.NextMarker = w.last
		}
		return derr
	})
	return res, err
}

// ForEachBlobRef implements store.Meta.
func (db *DB) ForEachBlobRef(ctx context.Context, fn func(blobID string)) error {
	return db.db.View(func(tx *bolt.Tx) error {
		c := tx.Cursor()
		for name, _ := c.Seek([]byte(objectsPrefix)); name != nil && bytes.HasPrefix(name, []byte(objectsPrefix)); name, _ = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			err := tx.Bucket(name).ForEach(func(_, v []byte) error {
				return decodeSegments(v, fn)
			})
			if err != nil {
				return err
			}
		}
		parts := tx.Bucket(kParts)
		return parts.ForEachBucket(func(id []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return parts.Bucket(id).ForEach(func(_, v []byte) error {
				var p store.Part
				if err := decodePart(&p, v); err != nil {
					return err
				}
				fn(p.BlobID)
				return nil
			})
		})
	})
}

// ---- multipart uploads ----

// CreateUpload implements store.Meta.
func (db *DB) CreateUpload(ctx context.Context, u *store.Upload) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if u.ID == "" || u.Bucket == "" || u.Key == "" {
		return errEmptyName
	}
	id := []byte(u.ID)
	rec := encodeUpload(u)
	idx := upIdxKey(u.Key, u.Initiated, u.ID)
	return db.c.update(func(tx *bolt.Tx) error {
		ix, err := upIdxOf(tx, u.Bucket)
		if err != nil {
			return err
		}
		uploads := tx.Bucket(kUploads)
		if uploads.Get(id) != nil {
			return store.ErrUploadExists
		}
		if err := uploads.Put(id, rec); err != nil {
			return err
		}
		if err := ix.Put(idx, id); err != nil {
			return err
		}
		_, err = tx.Bucket(kParts).CreateBucketIfNotExists(id)
		return err
	})
}

// GetUpload implements store.Meta.
func (db *DB) GetUpload(ctx context.Context, uploadID string) (*store.Upload, error) {
	u := &store.Upload{}
	err := db.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(kUploads).Get(bs(uploadID))
		if v == nil {
			return store.ErrNoSuchUpload
		}
		return decodeUpload(u, v)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// PutPart implements store.Meta. Part numbers must be positive.
func (db *DB) PutPart(ctx context.Context, uploadID string, p *store.Part) (*store.Part, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.Number <= 0 || int64(p.Number) > 1<<31 {
		return nil, fmt.Errorf("boltmeta: part number %d out of range", p.Number)
	}
	id := []byte(uploadID)
	num := partKey(p.Number)
	val := encodePart(p)
	var replaced *store.Part
	err := db.c.update(func(tx *bolt.Tx) error {
		replaced = nil
		if tx.Bucket(kUploads).Get(id) == nil {
			return store.ErrNoSuchUpload
		}
		pb, err := tx.Bucket(kParts).CreateBucketIfNotExists(id)
		if err != nil {
			return err
		}
		if old := pb.Get(num); old != nil {
			r := &store.Part{}
			if decodePart(r, old) == nil {
				replaced = r
			}
		}
		return pb.Put(num, val)
	})
	if err != nil {
		return nil, err
	}
	return replaced, nil
}

// ListParts implements store.Meta.
func (db *DB) ListParts(ctx context.Context, uploadID string, marker, max int) (store.ListPartsResult, error) {
	var res store.ListPartsResult
	err := db.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(kUploads).Get(bs(uploadID)) == nil {
			return store.ErrNoSuchUpload
		}
		pb := tx.Bucket(kParts).Bucket(bs(uploadID))
		if pb == nil {
			return nil
		}
		if marker < 0 {
			marker = 0
		}
		c := pb.Cursor()
		for k, v := c.Seek(partKey(marker + 1)); k != nil; k, v = c.Next() {
			if len(res.Parts) >= max {
				res.IsTruncated = true
				break
			}
			res.Parts = append(res.Parts, store.Part{})
			if err := decodePart(&res.Parts[len(res.Parts)-1], v); err != nil {
				return err
			}
		}
		if n := len(res.Parts); n > 0 {
			res.NextPartNumberMarker = res.Parts[n-1].Number
		}
		return nil
	})
	return res, err
}

// ListUploads implements store.Meta.
func (db *DB) ListUploads(ctx context.Context, bucket string, opts store.ListUploadsOptions) (store.ListUploadsResult, error) {
	var res store.ListUploadsResult
	if err := ctx.Err(); err != nil {
		return res, err
	}
	err := db.db.View(func(tx *bolt.Tx) error {
		ix, err := upIdxOf(tx, bucket)
		if err != nil {
			return err
		}
		uploads := tx.Bucket(kUploads)
		c := &idxCursor{c: ix.Cursor()}
		var k []byte
		after := opts.KeyMarker
		switch {
		case opts.KeyMarker == "" || opts.KeyMarker < opts.Prefix:
			after = ""
			k = c.seek(bs(opts.Prefix))
		case opts.UploadIDMarker != "":
			var mu store.Upload
			if v := uploads.Get(bs(opts.UploadIDMarker)); v != nil &&
				decodeUpload(&mu, v) == nil && mu.Key == opts.KeyMarker {
				k = c.seekAfterEntry(upIdxKey(mu.Key, mu.Initiated, mu.ID))
			} else {
				k = c.seekGT(bs(opts.KeyMarker))
			}
		default:
			k = c.seekGT(bs(opts.KeyMarker))
		}
		var derr error
		lastID := ""
		w := walk{prefix: bs(opts.Prefix), delim: bs(opts.Delimiter), after: bs(after), max: opts.MaxUploads}
		w.run(c, k, func(k []byte) bool {
			v := uploads.Get(c.v)
			if v == nil {
				derr = fmt.Errorf("%w: upload index names missing upload %q", store.ErrCorrupt, c.v)
				return false
			}
			res.Uploads = append(res.Uploads, store.Upload{})
			u := &res.Uploads[len(res.Uploads)-1]
			derr = decodeUpload(u, v)
			lastID = u.ID
			return derr == nil
		})
		res.CommonPrefixes, res.IsTruncated = w.cps, w.truncated
		if w.truncated {
			res.NextKeyMarker = w.last
			if !w.lastIsPrefix {
				res.NextUploadIDMarker = lastID
			}
		}
		return derr
	})
	return res, err
}

// CompleteUpload implements store.Meta.
func (db *DB) CompleteUpload(ctx context.Context, uploadID string, obj *store.Object) (*store.Object, []store.Part, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if obj.Bucket == "" || obj.Key == "" {
		return nil, nil, errEmptyName
	}
	id := []byte(uploadID)
	key := []byte(obj.Key)
	val := encodeObject(obj)
	var replaced *store.Object
	var unused []store.Part
	err := db.c.update(func(tx *bolt.Tx) error {
		replaced, unused = nil, nil
		u, err := loadUpload(tx, id)
		if err != nil {
			return err
		}
		if u.Bucket != obj.Bucket || u.Key != obj.Key {
			return store.ErrNoSuchUpload
		}
		ob, err := objectsOf(tx, u.Bucket)
		if err != nil {
			return err
		}
		parts, err := collectParts(tx.Bucket(kParts).Bucket(id))
		if err != nil {
			return err
		}
		byBlob := make(map[string]int, len(parts))
		for i, p := range parts {
			byBlob[p.BlobID] = i
		}
		used := make([]bool, len(parts))
		for _, s := range obj.Segments {
			i, ok := byBlob[s.BlobID]
			if !ok || used[i] || parts[i].Size != s.Size {
				return store.ErrInvalidPart
			}
			used[i] = true
		}
		for i, p := range parts {
			if !used[i] {
				unused = append(unused, p)
			}
		}
		replaced = oldObject(ob, obj.Bucket, obj.Key, key)
		if err := ob.Put(key, val); err != nil {
			return err
		}
		return removeUpload(tx, u)
	})
	if err != nil {
		return nil, nil, err
	}
	return replaced, unused, nil
}

// AbortUpload implements store.Meta.
func (db *DB) AbortUpload(ctx context.Context, uploadID string) ([]store.Part, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id := []byte(uploadID)
	var parts []store.Part
	err := db.c.update(func(tx *bolt.Tx) error {
		parts = nil
		u, err := loadUpload(tx, id)
		if err != nil {
			return err
		}
		if parts, err = collectParts(tx.Bucket(kParts).Bucket(id)); err != nil {
			return err
		}
		return removeUpload(tx, u)
	})
	if err != nil {
		return nil, err
	}
	return parts, nil
}

func loadUpload(tx *bolt.Tx, id []byte) (*store.Upload, error) {
	v := tx.Bucket(kUploads).Get(id)
	if v == nil {
		return nil, store.ErrNoSuchUpload
	}
	u := &store.Upload{}
	if err := decodeUpload(u, v); err != nil {
		return nil, err
	}
	return u, nil
}

// removeUpload deletes an upload's record, index entry and parts.
func removeUpload(tx *bolt.Tx, u *store.Upload) error {
	id := []byte(u.ID)
	if ix, err := upIdxOf(tx, u.Bucket); err == nil {
		if err := ix.Delete(upIdxKey(u.Key, u.Initiated, u.ID)); err != nil {
			return err
		}
	}
	if err := tx.Bucket(kUploads).Delete(id); err != nil {
		return err
	}
	return deleteBucketIfExists(tx.Bucket(kParts), id)
}
