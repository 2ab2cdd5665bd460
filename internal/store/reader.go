package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
)

// ObjectReader presents an object's segments as one stream of Size bytes.
// It implements io.Reader, io.ReaderAt, io.Seeker and io.Closer. Read and
// Seek share one offset and are not safe for concurrent use; ReadAt is.
type ObjectReader struct {
	ctx   context.Context
	blobs Blobs
	segs  []Segment
	ends  []int64 // ends[i] = offset just past segment i
	size  int64
	pos   int64

	single Blob // the open blob when there is exactly one segment

	mu     sync.Mutex // guards cur, curIdx (multi-segment only)
	cur    Blob
	curIdx int
	closed bool
}

// OpenObject opens obj's bytes. With exactly one segment the blob is opened
// at once and File returns it (if the blob store is file-backed) so that GET
// can use sendfile; with several, the first blob is opened at once (so a
// missing blob fails here, before the caller writes a response) and the
// others on demand, one open at a time. An object without segments must
// have Size 0. It returns ErrCorrupt if the segment sizes do not add up to
// obj.Size, and Blobs.Open's errors (ErrBlobNotFound). The caller must Close
// the reader.
//
// An open blob stays readable after Delete (POSIX), so a single-segment
// read is immune to a concurrent overwrite that releases its blob. The later
// segments of a multi-segment object are opened when reached: if an
// overwrite releases them first, the read fails part-way with
// ErrBlobNotFound.
func OpenObject(ctx context.Context, blobs Blobs, obj *Object) (*ObjectReader, error) {
	r := &ObjectReader{ctx: ctx, blobs: blobs, segs: obj.Segments, size: obj.Size, curIdx: -1}
	var total int64
	if len(obj.Segments) > 1 {
		r.ends = make([]int64, len(obj.Segments))
	}
	for i, s := range obj.Segments {
		if s.Size < 0 {
			return nil, fmt.Errorf("%w: object %s/%s: negative segment size", ErrCorrupt, obj.Bucket, obj.Key)
		}
		total += s.Size
		if r.ends != nil {
			r.ends[i] = total
		}
	}
	if total != obj.Size {
		return nil, fmt.Errorf("%w: object %s/%s: segments hold %d bytes, size is %d", ErrCorrupt, obj.Bucket, obj.Key, total, obj.Size)
	}
	switch len(obj.Segments) {
	case 0:
	case 1:
		b, err := blobs.Open(ctx, obj.Segments[0].BlobID)
		if err != nil {
			return nil, err
		}
		r.single = b
	default:
		b, err := blobs.Open(ctx, obj.Segments[0].BlobID)
		if err != nil {
			return nil, err
		}
		r.cur, r.curIdx = b, 0
	}
	return r, nil
}

// Size returns the object's size.
func (r *ObjectReader) Size() int64 { return r.size }

// File returns the object's only file when the object has exactly one
// segment and the blob store is file-backed, else nil. The file holds
// exactly the object's bytes. It belongs to the reader (Close the reader,
// not the file); its own offset is independent of the reader's Read/Seek
// offset, so use one or the other.
func (r *ObjectReader) File() *os.File {
	if fb, ok := r.single.(FileBlob); ok {
		return fb.File()
	}
	return nil
}

// ReadAt implements io.ReaderAt.
func (r *ObjectReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("store: negative offset")
	}
	if off >= r.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	want := len(p)
	if rem := r.size - off; int64(want) > rem {
		p = p[:rem]
	}
	var n int
	var err error
	if r.single != nil {
		n, err = r.single.ReadAt(p, off)
		if err == io.EOF && n == len(p) {
			err = nil
		}
		if err == io.EOF { // the blob is shorter than the metadata says
			err = fmt.Errorf("%w: blob %s is shorter than its segment", ErrCorrupt, r.segs[0].BlobID)
		}
	} else {
		n, err = r.readMulti(p, off)
	}
	if err == nil && n < want {
		err = io.EOF
	}
	return n, err
}

func (r *ObjectReader) readMulti(p []byte, off int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, os.ErrClosed
	}
	i := sort.Search(len(r.ends), func(i int) bool { return r.ends[i] > off })
	n := 0
	for n < len(p) && i < len(r.segs) {
		if r.curIdx != i {
			if r.cur != nil {
				r.cur.Close()
				r.cur, r.curIdx = nil, -1
			}
			b, err := r.blobs.Open(r.ctx, r.segs[i].BlobID)
			if err != nil {
				return n, err
			}
			r.cur, r.curIdx = b, i
		}
		start := r.ends[i] - r.segs[i].Size
		segOff := off + int64(n) - start
		chunk := p[n:]
		if rem := r.segs[i].Size - segOff; int64(len(chunk)) > rem {
			chunk = chunk[:rem]
		}
		m, err := r.cur.ReadAt(chunk, segOff)
		n += m
		if m < len(chunk) {
			if err == nil || err == io.EOF {
				err = fmt.Errorf("%w: blob %s is shorter than its segment", ErrCorrupt, r.segs[i].BlobID)
			}
			return n, err
		}
		i++
	}
	return n, nil
}

// Read implements io.Reader.
func (r *ObjectReader) Read(p []byte) (int, error) {
	if r.pos >= r.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	n, err := r.ReadAt(p, r.pos)
	r.pos += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// Seek implements io.Seeker.
func (r *ObjectReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, errors.New("store: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("store: negative position")
	}
	r.pos = offset
	return offset, nil
}

// Close closes the open blobs.
func (r *ObjectReader) Close() error {
	var err error
	if r.single != nil {
		err = r.single.Close()
		r.single = nil
	}
	r.mu.Lock()
	r.closed = true
	if r.cur != nil {
		if e := r.cur.Close(); err == nil {
			err = e
		}
		r.cur = nil
	}
	r.mu.Unlock()
	return err
}
