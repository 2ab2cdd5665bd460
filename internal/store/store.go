// Package store defines edgegate's storage contracts: a metadata store (Meta)
// for buckets, objects and multipart uploads, and a blob store (Blobs) for
// object bytes. The embedded implementations are boltmeta (bbolt) and fsblob
// (files in a directory); a PostgreSQL Meta and an S3-compatible Blobs can
// implement the same interfaces later. storetest holds the conformance suites
// every implementation must pass.
//
// # Write protocol (crash safety)
//
// Object bytes are written to a blob first and committed (temp file, fsync,
// rename, fsync of the directory: BlobWriter.Commit); only then is the
// metadata committed (Meta.PutObject, Meta.PutPart, Meta.CompleteUpload). The
// metadata commit is the moment an object becomes visible. A crash between the
// two leaves an orphan blob that no metadata references; Recover, run at
// start-up before serving, removes orphans and temp files.
//
// Blobs are never shared between two live records: every method that replaces
// or removes metadata (PutObject, DeleteObject, PutPart, CompleteUpload,
// AbortUpload, DeleteBucket) returns what it removed so that the caller can
// release the blobs (ReleaseObject, ReleaseParts) after the metadata commit.
// Releasing before the commit would let a crash leave visible metadata that
// points to deleted bytes.
//
// # Names and keys
//
// Bucket names and object keys are opaque byte strings to the store (S3
// allows any UTF-8 up to 1024 bytes in a key, including "../", "%", spaces and
// "+"); they are never used as file names. Keys are ordered by their bytes
// (UTF-8 binary order), which is the order S3 lists in. Validating names
// (bucket naming rules, key length) is the caller's job; the store rejects
// only the empty name or key, with a non-sentinel error.
//
// # Errors
//
// Methods return the sentinel errors below (possibly wrapped: test with
// errors.Is); the S3 layer maps them to S3 error codes. Any other error is an
// internal failure (I/O, corruption) and maps to 500 InternalError.
package store

import (
	"context"
	"errors"
	"io"
	"os"
	"time"
)

// Sentinel errors. Every method documents which of them it returns.
var (
	// ErrNoSuchBucket: the named bucket does not exist.
	ErrNoSuchBucket = errors.New("store: no such bucket")
	// ErrBucketExists: CreateBucket found the name taken. The concrete
	// error is a *BucketExistsError carrying the existing bucket's owner.
	ErrBucketExists = errors.New("store: bucket already exists")
	// ErrBucketNotEmpty: DeleteBucket found objects in the bucket.
	ErrBucketNotEmpty = errors.New("store: bucket not empty")
	// ErrNoSuchKey: the bucket exists but holds no object under the key.
	ErrNoSuchKey = errors.New("store: no such key")
	// ErrNoSuchUpload: no multipart upload has that id (never created,
	// completed, aborted, or removed with its bucket), or it belongs to
	// another bucket or key than the caller named.
	ErrNoSuchUpload = errors.New("store: no such upload")
	// ErrUploadExists: CreateUpload was given an id already in use.
	ErrUploadExists = errors.New("store: upload id already exists")
	// ErrInvalidPart: CompleteUpload was given a segment that is not a
	// current part of the upload (unknown blob, size mismatch, a part used
	// twice, or a part replaced by a concurrent UploadPart since the caller
	// listed the parts).
	ErrInvalidPart = errors.New("store: invalid part")
	// ErrBlobNotFound: Blobs.Open was given an id that names no committed
	// blob (including ids that are not of the store's form).
	ErrBlobNotFound = errors.New("store: blob not found")
	// ErrCorrupt: stored data failed to decode or is inconsistent (for
	// example an object whose segment sizes do not add up to its size).
	ErrCorrupt = errors.New("store: corrupt data")
)

// BucketExistsError is the error CreateBucket returns when the name is taken.
// It matches ErrBucketExists under errors.Is; Owner lets the caller answer
// BucketAlreadyOwnedByYou (same owner) or BucketAlreadyExists (another one).
type BucketExistsError struct {
	Bucket string
	Owner  string // account id of the existing bucket's owner
}

func (e *BucketExistsError) Error() string {
	return "store: bucket " + e.Bucket + " already exists (owner " + e.Owner + ")"
}

// Is reports whether target is ErrBucketExists.
func (e *BucketExistsError) Is(target error) bool { return target == ErrBucketExists }

// Bucket is an S3 bucket's record.
type Bucket struct {
	Name    string
	Owner   string // 12-digit account id
	Region  string
	Created time.Time // returned in UTC
	// Attrs is an opaque per-bucket map the upper layers use for
	// subresources (policy, ACL, ownership controls, encryption, website,
	// ...), stored with the bucket. Set it at CreateBucket or with
	// PutBucketAttr; GetBucket returns it. A nil map and an empty map are
	// the same.
	Attrs map[string][]byte
}

// Segment is one stretch of an object's bytes held by one blob.
type Segment struct {
	BlobID string
	Size   int64
}

// Object is an object's metadata. Times come back in UTC.
type Object struct {
	Bucket string
	Key    string
	Size   int64
	// ETag without quotes: the hex MD5 for a simple PUT, "hex-N" for a
	// multipart upload of N parts.
	ETag               string
	LastModified       time.Time
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string // the header's text, as sent
	UserMeta           map[string]string
	StorageClass       string
	Owner              string            // account id; "" = anonymous
	Checksums          map[string]string // algorithm ("CRC32", "SHA256", ...) -> base64 value
	ChecksumType       string            // "FULL_OBJECT", "COMPOSITE" or ""
	PartCount          int               // parts of a completed multipart upload; 0 for a simple PUT
	Attrs              map[string][]byte // opaque to the store: ACL, SSE information, ...
	// Segments are the object's bytes in order: one blob for a simple PUT,
	// the chosen parts' blobs for a completed multipart upload (which
	// references them instead of copying), none for an empty object stored
	// without a blob. Their sizes add up to Size.
	Segments []Segment
}

// PartSizes returns the sizes of the object's segments, which for a
// completed multipart upload are its part sizes (GetObject?partNumber=N,
// GetObjectAttributes). It is derived, never stored twice.
func (o *Object) PartSizes() []int64 {
	s := make([]int64, len(o.Segments))
	for i, g := range o.Segments {
		s[i] = g.Size
	}
	return s
}

// Upload is an in-progress multipart upload.
type Upload struct {
	ID        string // chosen by the caller, unique in the store
	Bucket    string
	Key       string
	Initiated time.Time
	Owner     string // account id of the initiator; "" = anonymous
	// Template holds the metadata given at CreateMultipartUpload (content
	// headers, user metadata, storage class, checksum algorithm and type,
	// Attrs); the caller fills the completed object from it. Its Bucket,
	// Key, Size, ETag and Segments are ignored and come back zero except
	// Bucket and Key, which equal the upload's.
	Template Object
}

// Part is an uploaded part of a multipart upload.
type Part struct {
	Number       int // 1..10000
	Size         int64
	ETag         string // without quotes
	Checksums    map[string]string
	BlobID       string
	LastModified time.Time
}

// ListOptions select and page the objects ListObjects returns.
type ListOptions struct {
	// Prefix limits the listing to keys that start with it.
	Prefix string
	// Delimiter, if not empty, rolls up every key that contains it after
	// Prefix into one common prefix: Prefix plus the key's bytes up to and
	// including the first occurrence of Delimiter after Prefix.
	Delimiter string
	// StartAfter starts the listing after this key, exclusive, in byte
	// order (ListObjects' marker, ListObjectsV2's start-after or decoded
	// continuation token). A common prefix is returned only if it sorts
	// after StartAfter, so passing a previous page's NextMarker, even when
	// that is a common prefix, continues without repeating anything.
	StartAfter string
	// MaxKeys bounds the number of entries returned; an object and a
	// common prefix count one each. The caller applies S3's default (1000)
	// and cap. MaxKeys <= 0 returns no entries (IsTruncated then reports
	// whether any exist; S3 answers max-keys=0 as the caller sees fit).
	MaxKeys int
}

// ListResult is a page of a listing.
type ListResult struct {
	Objects        []Object // in key order
	CommonPrefixes []string // in byte order
	// IsTruncated reports whether entries remain after those returned.
	IsTruncated bool
	// NextMarker is, when IsTruncated, the last entry returned (object key
	// or common prefix); pass it as StartAfter to get the next page. It is
	// "" when not truncated.
	NextMarker string
}

// ListUploadsOptions select and page the uploads ListUploads returns.
type ListUploadsOptions struct {
	Prefix    string
	Delimiter string // as ListOptions.Delimiter
	// KeyMarker and UploadIDMarker: with KeyMarker only, the listing starts
	// with the keys after KeyMarker; with both, it starts after that upload
	// among the uploads of KeyMarker (if the upload is unknown or belongs
	// to another key, it starts after KeyMarker). UploadIDMarker without
	// KeyMarker is ignored, as S3 does.
	KeyMarker      string
	UploadIDMarker string
	MaxUploads     int // as ListOptions.MaxKeys
}

// ListUploadsResult is a page of ListUploads. Uploads are ordered by key
// (bytes), then by initiation time, then by id.
type ListUploadsResult struct {
	Uploads        []Upload
	CommonPrefixes []string
	IsTruncated    bool
	// When IsTruncated: the last upload's key and id, or the last common
	// prefix and "" when a common prefix came last. Pass them as KeyMarker
	// and UploadIDMarker to continue.
	NextKeyMarker      string
	NextUploadIDMarker string
}

// ListPartsResult is a page of ListParts.
type ListPartsResult struct {
	Parts       []Part // by part number
	IsTruncated bool
	// NextPartNumberMarker is the last part number returned (0 if none).
	NextPartNumberMarker int
}

// Meta stores buckets, objects' metadata and multipart uploads. All methods
// are safe for concurrent use; each is atomic. Returned values are the
// caller's to keep and modify; the store keeps no reference to arguments.
type Meta interface {
	// CreateBucket creates b. If the name is taken it returns a
	// *BucketExistsError (errors.Is(err, ErrBucketExists)) carrying the
	// existing bucket's owner.
	CreateBucket(ctx context.Context, b *Bucket) error

	// GetBucket returns the named bucket with its Attrs, or ErrNoSuchBucket.
	GetBucket(ctx context.Context, name string) (*Bucket, error)

	// DeleteBucket deletes an empty bucket. It returns ErrNoSuchBucket, or
	// ErrBucketNotEmpty when the bucket holds objects. In-progress multipart
	// uploads do not block deletion: as AWS does for general purpose
	// buckets, they are aborted with the bucket, in the same transaction,
	// and their parts are returned so their blobs can be released.
	DeleteBucket(ctx context.Context, name string) (abortedParts []Part, err error)

	// ListBuckets returns the buckets owned by owner (all buckets when
	// owner is ""), sorted by name.
	ListBuckets(ctx context.Context, owner string) ([]Bucket, error)

	// PutBucketAttr sets the bucket's attribute name to value; a nil value
	// deletes it (deleting an absent attribute is not an error). It returns
	// ErrNoSuchBucket.
	PutBucketAttr(ctx context.Context, bucket, name string, value []byte) error

	// PutObject stores obj under obj.Bucket/obj.Key, atomically replacing
	// any existing object, which it returns (nil if there was none) so that
	// its blobs can be released. The store does not set LastModified: it
	// stores what it is given. It returns ErrNoSuchBucket.
	PutObject(ctx context.Context, obj *Object) (replaced *Object, err error)

	// PutObjectAttr sets the object's attribute name (in Object.Attrs) to
	// value; a nil value deletes it (deleting an absent attribute is not
	// an error). It changes nothing else, in one transaction, so that it
	// never undoes a concurrent PutObject (as reading the object and
	// putting it back would): PutObjectAcl uses it. It returns
	// ErrNoSuchBucket or ErrNoSuchKey.
	PutObjectAttr(ctx context.Context, bucket, key, name string, value []byte) error

	// GetObject returns the object, or ErrNoSuchBucket, or ErrNoSuchKey.
	// It is on the path of every GET and HEAD and must be cheap.
	GetObject(ctx context.Context, bucket, key string) (*Object, error)

	// DeleteObject removes the object and returns it so that its blobs can
	// be released; it returns nil, nil when there was no such key (deleting
	// a missing key is not an error), and ErrNoSuchBucket.
	DeleteObject(ctx context.Context, bucket, key string) (deleted *Object, err error)

	// ListObjects lists the bucket's objects and common prefixes in byte
	// order of keys, as described by ListOptions. It returns
	// ErrNoSuchBucket. Common prefixes are skipped with one seek, however
	// many keys they hold.
	ListObjects(ctx context.Context, bucket string, opts ListOptions) (ListResult, error)

	// CreateUpload records a new multipart upload. It returns
	// ErrNoSuchBucket, or ErrUploadExists if u.ID is in use.
	CreateUpload(ctx context.Context, u *Upload) error

	// GetUpload returns the upload, or ErrNoSuchUpload. Upload ids are
	// global: the caller must check that the upload's Bucket and Key are
	// the ones in the request and answer NoSuchUpload otherwise.
	GetUpload(ctx context.Context, uploadID string) (*Upload, error)

	// PutPart records a part, replacing any part with the same number,
	// which it returns (nil if none) so its blob can be released. It
	// returns ErrNoSuchUpload (then the caller releases p's blob).
	PutPart(ctx context.Context, uploadID string, p *Part) (replaced *Part, err error)

	// ListParts returns up to max parts numbered above marker. It returns
	// ErrNoSuchUpload. max <= 0 returns no parts.
	ListParts(ctx context.Context, uploadID string, marker, max int) (ListPartsResult, error)

	// ListUploads lists the bucket's in-progress uploads as described by
	// ListUploadsOptions. It returns ErrNoSuchBucket.
	ListUploads(ctx context.Context, bucket string, opts ListUploadsOptions) (ListUploadsResult, error)

	// CompleteUpload, in one transaction, stores obj (whose Segments must be
	// current parts of the upload, each at most once, with the parts' blob
	// ids and sizes) replacing any existing object, removes the upload, and
	// returns the replaced object (or nil) and the parts that obj does not
	// use, so that the caller can release their blobs. It returns
	// ErrNoSuchUpload (also when obj.Bucket or obj.Key is not the upload's),
	// ErrInvalidPart, or ErrNoSuchBucket.
	CompleteUpload(ctx context.Context, uploadID string, obj *Object) (replaced *Object, unusedParts []Part, err error)

	// AbortUpload removes the upload and returns its parts so that their
	// blobs can be released. It returns ErrNoSuchUpload.
	AbortUpload(ctx context.Context, uploadID string) ([]Part, error)

	// ForEachBlobRef calls fn with the blob id of every segment of every
	// object and of every part of every upload, in no particular order.
	// fn runs inside a read transaction: it must not call back into the
	// Meta. Used by Recover to find orphan blobs.
	ForEachBlobRef(ctx context.Context, fn func(blobID string)) error

	// Close releases the store. No method may be called after it.
	Close() error
}

// Blobs stores immutable byte blobs under ids it chooses. Methods are safe
// for concurrent use.
type Blobs interface {
	// Create starts a new blob. Nothing is visible under any id until
	// Commit returns.
	Create(ctx context.Context) (BlobWriter, error)

	// Open opens a committed blob for reading, or returns ErrBlobNotFound
	// (also for ids that are not of the store's form, so ids from requests
	// cannot reach outside the store). The caller must Close it. A blob
	// backed by a local file also implements FileBlob.
	Open(ctx context.Context, blobID string) (Blob, error)

	// Delete removes a committed blob. Deleting a missing blob is not an
	// error, so releasing twice after a crash is harmless. Open readers may
	// keep reading a deleted blob until they close it (POSIX semantics);
	// stores that cannot promise that must document it.
	Delete(ctx context.Context, blobID string) error

	// Sweep removes every temporary (uncommitted) blob and every committed
	// blob for which live returns false, and returns how many it removed.
	// It must run only while no blob is being written and no metadata
	// commit is in flight (at start-up, before serving): a blob committed
	// but not yet referenced would be taken for an orphan.
	Sweep(ctx context.Context, live func(blobID string) bool) (removed int, err error)
}

// BlobWriter receives a new blob's bytes.
type BlobWriter interface {
	io.Writer
	// Commit makes the bytes durable and the blob openable under the
	// returned id: for fsblob, fsync of the temp file, rename into place,
	// fsync of the directory. Only after Commit returns may metadata
	// reference the id. If Commit fails the temp data is removed. Commit
	// after Commit or Abort is an error.
	Commit() (blobID string, err error)
	// Abort discards an uncommitted blob. It is a no-op after Commit or
	// Abort, so `defer w.Abort()` is the idiom.
	Abort()
}

// Blob is an open committed blob. ReadAt may be called concurrently.
type Blob interface {
	io.ReaderAt
	io.Closer
	// Size returns the blob's length in bytes.
	Size() (int64, error)
}

// FileBlob is a Blob backed by a local file, so that the HTTP layer can
// serve it with sendfile. The file must not be closed by the caller (Close
// the Blob instead); reading it through its own offset (Read, Seek,
// io.Copy) is allowed.
type FileBlob interface {
	Blob
	File() *os.File
}

// ReleaseObject deletes the blobs of obj's segments; a nil obj is a no-op.
// Call it only after the metadata commit that stopped referencing them. It
// tries every blob and returns the first error.
func ReleaseObject(ctx context.Context, b Blobs, obj *Object) error {
	if obj == nil {
		return nil
	}
	var first error
	for _, s := range obj.Segments {
		if err := b.Delete(ctx, s.BlobID); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// ReleaseParts deletes the blobs of parts; see ReleaseObject.
func ReleaseParts(ctx context.Context, b Blobs, parts []Part) error {
	var first error
	for _, p := range parts {
		if err := b.Delete(ctx, p.BlobID); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Recover is the start-up sweep: it collects every blob id the metadata
// references and removes every other blob and every temp file. Call it
// after opening the stores and before serving (see Blobs.Sweep).
func Recover(ctx context.Context, m Meta, b Blobs) (removed int, err error) {
	live := make(map[string]struct{})
	if err := m.ForEachBlobRef(ctx, func(id string) { live[id] = struct{}{} }); err != nil {
		return 0, err
	}
	return b.Sweep(ctx, func(id string) bool { _, ok := live[id]; return ok })
}
