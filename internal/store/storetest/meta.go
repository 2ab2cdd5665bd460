package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/store"
)

// Run runs the store.Meta conformance suite. newMeta must return a fresh,
// empty store; Run closes it.
func Run(t *testing.T, newMeta func(t *testing.T) store.Meta) {
	tests := []struct {
		name string
		fn   func(t *testing.T, m store.Meta)
	}{
		{"Buckets", testBuckets},
		{"BucketAttrs", testBucketAttrs},
		{"DeleteBucket", testDeleteBucket},
		{"Objects", testObjects},
		{"ObjectAttrs", testObjectAttrs},
		{"OddKeys", testOddKeys},
		{"ListTable", testListTable},
		{"ListModel", testListModel},
		{"ListPaging", testListPaging},
		{"Multipart", testMultipart},
		{"CompleteUpload", testCompleteUpload},
		{"ListUploads", testListUploads},
		{"ForEachBlobRef", testForEachBlobRef},
		{"ConcurrentWrites", testConcurrentWrites},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newMeta(t)
			defer m.Close()
			tc.fn(t, m)
		})
	}
}

var ctx = context.Background()

const (
	acctA = "111111111111"
	acctB = "222222222222"
)

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.UTC)

func mustBucket(t *testing.T, m store.Meta, name, owner string) {
	t.Helper()
	if err := m.CreateBucket(ctx, &store.Bucket{Name: name, Owner: owner, Region: "us-east-1", Created: t0}); err != nil {
		t.Fatalf("CreateBucket(%q): %v", name, err)
	}
}

func simpleObject(bucket, key, blob string, size int64) *store.Object {
	return &store.Object{
		Bucket: bucket, Key: key, Size: size,
		ETag:         fmt.Sprintf("%032x", size),
		LastModified: t0,
		StorageClass: "STANDARD",
		Owner:        acctA,
		Segments:     []store.Segment{{BlobID: blob, Size: size}},
	}
}

func mustPut(t *testing.T, m store.Meta, o *store.Object) *store.Object {
	t.Helper()
	r, err := m.PutObject(ctx, o)
	if err != nil {
		t.Fatalf("PutObject(%q, %q): %v", o.Bucket, o.Key, err)
	}
	return r
}

func seg(id string, size int64) store.Segment { return store.Segment{BlobID: id, Size: size} }

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
}

// normObject returns a comparable copy: empty maps and slices as nil,
// times in UTC without monotonic reading.
func normObject(o store.Object) store.Object {
	o.LastModified = normTime(o.LastModified)
	if len(o.UserMeta) == 0 {
		o.UserMeta = nil
	}
	if len(o.Checksums) == 0 {
		o.Checksums = nil
	}
	if len(o.Attrs) == 0 {
		o.Attrs = nil
	}
	if len(o.Segments) == 0 {
		o.Segments = nil
	}
	return o
}

func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(t.Unix(), int64(t.Nanosecond())).UTC()
}

func sameObject(t *testing.T, what string, got *store.Object, want *store.Object) {
	t.Helper()
	if got == nil || want == nil {
		if got != want {
			t.Fatalf("%s: got %+v, want %+v", what, got, want)
		}
		return
	}
	g, w := normObject(*got), normObject(*want)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, g, w)
	}
	if got.LastModified.Location() != time.UTC {
		t.Fatalf("%s: LastModified not in UTC", what)
	}
}

func testBuckets(t *testing.T, m store.Meta) {
	b1 := &store.Bucket{Name: "b1", Owner: acctA, Region: "eu-west-1", Created: t0,
		Attrs: map[string][]byte{"policy": []byte(`{"Version":"2012-10-17"}`)}}
	if err := m.CreateBucket(ctx, b1); err != nil {
		t.Fatal(err)
	}
	got, err := m.GetBucket(ctx, "b1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "b1" || got.Owner != acctA || got.Region != "eu-west-1" ||
		!got.Created.Equal(t0) || got.Created.Location() != time.UTC ||
		string(got.Attrs["policy"]) != `{"Version":"2012-10-17"}` || len(got.Attrs) != 1 {
		t.Fatalf("GetBucket = %+v", got)
	}

	// Taken name: the error carries the existing owner.
	err = m.CreateBucket(ctx, &store.Bucket{Name: "b1", Owner: acctB, Created: t0})
	wantErr(t, "CreateBucket(existing)", err, store.ErrBucketExists)
	var be *store.BucketExistsError
	if !errors.As(err, &be) || be.Owner != acctA {
		t.Fatalf("CreateBucket(existing) = %#v, want *BucketExistsError with owner %s", err, acctA)
	}
	// ... and the existing bucket is untouched.
	if got, _ := m.GetBucket(ctx, "b1"); got.Owner != acctA || len(got.Attrs) != 1 {
		t.Fatalf("existing bucket changed: %+v", got)
	}

	_, err = m.GetBucket(ctx, "nope")
	wantErr(t, "GetBucket(missing)", err, store.ErrNoSuchBucket)

	mustBucket(t, m, "b0", acctB)
	mustBucket(t, m, "b2", acctA)
	mustBucket(t, m, "B3", acctA) // upper case sorts first in byte order
	names := func(bs []store.Bucket) []string {
		var out []string
		for _, b := range bs {
			out = append(out, b.Name)
		}
		return out
	}
	for _, tc := range []struct {
		owner string
		want  []string
	}{
		{"", []string{"B3", "b0", "b1", "b2"}},
		{acctA, []string{"B3", "b1", "b2"}},
		{acctB, []string{"b0"}},
		{"333333333333", nil},
	} {
		bs, err := m.ListBuckets(ctx, tc.owner)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(bs); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ListBuckets(%q) = %v, want %v", tc.owner, got, tc.want)
		}
	}

	// The returned value is the caller's.
	got.Attrs["policy"][0] = 'X'
	got.Attrs["new"] = []byte("x")
	if again, _ := m.GetBucket(ctx, "b1"); string(again.Attrs["policy"]) != `{"Version":"2012-10-17"}` || len(again.Attrs) != 1 {
		t.Fatalf("mutating GetBucket's result changed the store: %+v", again)
	}
}

func testBucketAttrs(t *testing.T, m store.Meta) {
	mustBucket(t, m, "bk", acctA)
	steps := []struct {
		name  string
		value []byte
		want  map[string]string
	}{
		{"policy", []byte("p1"), map[string]string{"policy": "p1"}},
		{"acl", []byte("<acl/>"), map[string]string{"policy": "p1", "acl": "<acl/>"}},
		{"policy", []byte("p2"), map[string]string{"policy": "p2", "acl": "<acl/>"}},
		{"policy", nil, map[string]string{"acl": "<acl/>"}},
		{"absent", nil, map[string]string{"acl": "<acl/>"}},
		{"empty", []byte{}, map[string]string{"acl": "<acl/>", "empty": ""}},
	}
	for i, s := range steps {
		if err := m.PutBucketAttr(ctx, "bk", s.name, s.value); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		b, err := m.GetBucket(ctx, "bk")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for k, v := range b.Attrs {
			got[k] = string(v)
		}
		if !reflect.DeepEqual(got, s.want) {
			t.Fatalf("step %d: attrs = %v, want %v", i, got, s.want)
		}
		if b.Owner != acctA || b.Region != "us-east-1" {
			t.Fatalf("step %d: PutBucketAttr changed the bucket: %+v", i, b)
		}
	}
	// The store keeps no reference to the caller's slice.
	v := []byte("abc")
	if err := m.PutBucketAttr(ctx, "bk", "k", v); err != nil {
		t.Fatal(err)
	}
	v[0] = 'X'
	if b, _ := m.GetBucket(ctx, "bk"); string(b.Attrs["k"]) != "abc" {
		t.Fatalf("store kept the caller's slice: %q", b.Attrs["k"])
	}
	wantErr(t, "PutBucketAttr(missing)", m.PutBucketAttr(ctx, "nope", "a", []byte("x")), store.ErrNoSuchBucket)
}

func testDeleteBucket(t *testing.T, m store.Meta) {
	_, err := m.DeleteBucket(ctx, "nope")
	wantErr(t, "DeleteBucket(missing)", err, store.ErrNoSuchBucket)

	mustBucket(t, m, "bk", acctA)
	mustPut(t, m, simpleObject("bk", "k", "blob1", 1))
	_, err = m.DeleteBucket(ctx, "bk")
	wantErr(t, "DeleteBucket(with object)", err, store.ErrBucketNotEmpty)
	if _, err := m.GetObject(ctx, "bk", "k"); err != nil {
		t.Fatalf("failed DeleteBucket changed the bucket: %v", err)
	}
	if _, err := m.DeleteObject(ctx, "bk", "k"); err != nil {
		t.Fatal(err)
	}

	// Uploads in progress do not block deletion; they go with the bucket.
	for i, id := range []string{"up1", "up2"} {
		if err := m.CreateUpload(ctx, &store.Upload{ID: id, Bucket: "bk", Key: "big", Initiated: t0, Owner: acctA}); err != nil {
			t.Fatal(err)
		}
		for n := 1; n <= 2; n++ {
			if _, err := m.PutPart(ctx, id, &store.Part{Number: n, Size: 5, ETag: "e", BlobID: fmt.Sprintf("p%d-%d", i, n), LastModified: t0}); err != nil {
				t.Fatal(err)
			}
		}
	}
	aborted, err := m.DeleteBucket(ctx, "bk")
	if err != nil {
		t.Fatalf("DeleteBucket(with uploads): %v", err)
	}
	var blobs []string
	for _, p := range aborted {
		blobs = append(blobs, p.BlobID)
	}
	sort.Strings(blobs)
	if want := []string{"p0-1", "p0-2", "p1-1", "p1-2"}; !reflect.DeepEqual(blobs, want) {
		t.Fatalf("DeleteBucket returned parts %v, want %v", blobs, want)
	}
	_, err = m.GetBucket(ctx, "bk")
	wantErr(t, "GetBucket(deleted)", err, store.ErrNoSuchBucket)
	_, err = m.GetUpload(ctx, "up1")
	wantErr(t, "GetUpload(bucket deleted)", err, store.ErrNoSuchUpload)
	_, err = m.PutPart(ctx, "up2", &store.Part{Number: 3, BlobID: "late"})
	wantErr(t, "PutPart(bucket deleted)", err, store.ErrNoSuchUpload)
	_, err = m.GetObject(ctx, "bk", "k")
	wantErr(t, "GetObject(deleted bucket)", err, store.ErrNoSuchBucket)

	// The name is free again, and the new bucket starts empty.
	mustBucket(t, m, "bk", acctB)
	res, err := m.ListObjects(ctx, "bk", store.ListOptions{MaxKeys: 1000})
	if err != nil || len(res.Objects) != 0 {
		t.Fatalf("recreated bucket: %+v, %v", res, err)
	}
	ups, err := m.ListUploads(ctx, "bk", store.ListUploadsOptions{MaxUploads: 1000})
	if err != nil || len(ups.Uploads) != 0 {
		t.Fatalf("recreated bucket uploads: %+v, %v", ups, err)
	}
	if _, err := m.DeleteBucket(ctx, "bk"); err != nil {
		t.Fatal(err)
	}
	if bs, _ := m.ListBuckets(ctx, ""); len(bs) != 0 {
		t.Fatalf("ListBuckets after deleting all = %v", bs)
	}
}

func fullObject() *store.Object {
	return &store.Object{
		Bucket: "bk", Key: "dir/full object+%.txt", Size: 30,
		ETag:               "0123456789abcdef0123456789abcdef-3",
		LastModified:       t0,
		ContentType:        "text/plain; charset=utf-8",
		ContentEncoding:    "gzip",
		ContentDisposition: `attachment; filename="a b.txt"`,
		ContentLanguage:    "en-GB",
		CacheControl:       "max-age=60",
		Expires:            "Thu, 01 Dec 1994 16:00:00 GMT",
		UserMeta:           map[string]string{"color": "blue", "empty": "", "ünï": "çödé"},
		StorageClass:       "STANDARD_IA",
		Owner:              acctB,
		Checksums:          map[string]string{"CRC32": "AAAAAA==", "SHA256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
		ChecksumType:       "COMPOSITE",
		PartCount:          3,
		Attrs:              map[string][]byte{"acl": []byte("<AccessControlPolicy/>"), "sse": {0, 1, 2, 255}},
		Segments:           []store.Segment{seg("blobA", 10), seg("blobB", 10), seg("blobC", 10)},
	}
}

func testObjectAttrs(t *testing.T, m store.Meta) {
	mustBucket(t, m, "bk", acctA)
	wantErr(t, "PutObjectAttr(missing bucket)", m.PutObjectAttr(ctx, "nope", "k", "acl", []byte("x")), store.ErrNoSuchBucket)
	wantErr(t, "PutObjectAttr(missing key)", m.PutObjectAttr(ctx, "bk", "k", "acl", []byte("x")), store.ErrNoSuchKey)

	want := fullObject()
	mustPut(t, m, want)
	steps := []struct {
		name  string
		value []byte
	}{
		{"acl", []byte("a2")},
		{"new", []byte{0, 255}},
		{"sse", nil},
		{"absent", nil},
		{"empty", []byte{}},
		{"acl", nil},
		{"new", nil},
		{"empty", nil},
	}
	for i, s := range steps {
		v := bytes.Clone(s.value)
		if err := m.PutObjectAttr(ctx, "bk", want.Key, s.name, v); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if v != nil && len(v) > 0 {
			v[0] = 'X' // the store keeps no reference to the argument
		}
		if s.value == nil {
			delete(want.Attrs, s.name)
		} else {
			want.Attrs[s.name] = s.value
		}
		got, err := m.GetObject(ctx, "bk", want.Key)
		if err != nil {
			t.Fatal(err)
		}
		w := *want
		if len(w.Attrs) == 0 {
			w.Attrs = nil
		}
		sameObject(t, fmt.Sprintf("step %d", i), got, &w)
	}
}

func testObjects(t *testing.T, m store.Meta) {
	mustBucket(t, m, "bk", acctA)
	mustBucket(t, m, "other", acctA)

	_, err := m.PutObject(ctx, simpleObject("nope", "k", "b", 1))
	wantErr(t, "PutObject(missing bucket)", err, store.ErrNoSuchBucket)
	_, err = m.GetObject(ctx, "nope", "k")
	wantErr(t, "GetObject(missing bucket)", err, store.ErrNoSuchBucket)
	_, err = m.GetObject(ctx, "bk", "k")
	wantErr(t, "GetObject(missing key)", err, store.ErrNoSuchKey)
	_, err = m.DeleteObject(ctx, "nope", "k")
	wantErr(t, "DeleteObject(missing bucket)", err, store.ErrNoSuchBucket)
	if d, err := m.DeleteObject(ctx, "bk", "k"); d != nil || err != nil {
		t.Fatalf("DeleteObject(missing key) = %v, %v; want nil, nil", d, err)
	}

	full := fullObject()
	if r := mustPut(t, m, full); r != nil {
		t.Fatalf("PutObject(new) replaced %+v", r)
	}
	got, err := m.GetObject(ctx, "bk", full.Key)
	if err != nil {
		t.Fatal(err)
	}
	sameObject(t, "GetObject(full)", got, full)
	if ps := got.PartSizes(); !reflect.DeepEqual(ps, []int64{10, 10, 10}) {
		t.Fatalf("PartSizes = %v", ps)
	}

	// The caller owns returned values; the store keeps none of the argument.
	got.UserMeta["color"] = "red"
	got.Attrs["acl"][0] = 'X'
	got.Segments[0].BlobID = "changed"
	full.Checksums["CRC32"] = "changed"
	again, _ := m.GetObject(ctx, "bk", full.Key)
	sameObject(t, "GetObject after mutating results", again, fullObject())

	// Replacing returns the old version, whole.
	repl := simpleObject("bk", full.Key, "blobD", 4)
	old := mustPut(t, m, repl)
	sameObject(t, "PutObject(replace) returned", old, fullObject())
	got, _ = m.GetObject(ctx, "bk", full.Key)
	sameObject(t, "GetObject(replaced)", got, repl)

	// Same key, other bucket: independent.
	if r := mustPut(t, m, simpleObject("other", full.Key, "blobE", 5)); r != nil {
		t.Fatalf("PutObject(other bucket) replaced %+v", r)
	}
	got, _ = m.GetObject(ctx, "bk", full.Key)
	sameObject(t, "GetObject(bk) after put in other", got, repl)

	// An empty object without segments, and zero times.
	empty := &store.Object{Bucket: "bk", Key: "empty", ETag: "d41d8cd98f00b204e9800998ecf8427e"}
	mustPut(t, m, empty)
	got, _ = m.GetObject(ctx, "bk", "empty")
	if !got.LastModified.IsZero() {
		t.Fatalf("zero LastModified came back as %v", got.LastModified)
	}
	got.LastModified = time.Time{}
	if !reflect.DeepEqual(normObject(*got), normObject(*empty)) {
		t.Fatalf("empty object: got %+v", got)
	}

	d, err := m.DeleteObject(ctx, "bk", full.Key)
	if err != nil {
		t.Fatal(err)
	}
	sameObject(t, "DeleteObject returned", d, repl)
	_, err = m.GetObject(ctx, "bk", full.Key)
	wantErr(t, "GetObject(deleted)", err, store.ErrNoSuchKey)
	if d, err := m.DeleteObject(ctx, "bk", full.Key); d != nil || err != nil {
		t.Fatalf("DeleteObject twice = %v, %v", d, err)
	}
}

// oddKeys are keys that must never be mistaken for paths or escapes.
func oddKeys() []string {
	return []string{
		"../../etc/passwd", "..", ".", "./a", "a/../b", "/leading", "trailing/", "a//b",
		"%2F", "100%", "%", "a%20b", "a b", " ", "  two", "a+b", "+", "a&b=c?d#e",
		"\\back\\slash", "ünïcödé/ключ/鍵/🔑", "tab\tnl\ncr\r", "nul\x00byte", "\x7f",
		"\u00e9", "e\u0301", // precomposed vs decomposed: distinct keys
		strings.Repeat("k", 1024), strings.Repeat("é", 512), strings.Repeat("a/", 512),
	}
}

func testOddKeys(t *testing.T, m store.Meta) {
	mustBucket(t, m, "bk", acctA)
	keys := oddKeys()
	for i, k := range keys {
		mustPut(t, m, simpleObject("bk", k, fmt.Sprintf("blob%d", i), int64(i)))
	}
	for i, k := range keys {
		got, err := m.GetObject(ctx, "bk", k)
		if err != nil {
			t.Fatalf("GetObject(%q): %v", k, err)
		}
		if got.Key != k || got.Size != int64(i) || got.Segments[0].BlobID != fmt.Sprintf("blob%d", i) {
			t.Fatalf("GetObject(%q) = %+v", k, got)
		}
	}
	res, err := m.ListObjects(ctx, "bk", store.ListOptions{MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want := append([]string(nil), keys...)
	sort.Strings(want)
	var got []string
	for _, o := range res.Objects {
		got = append(got, o.Key)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ListObjects order:\n got %q\nwant %q", got, want)
	}
	for _, k := range keys {
		if d, err := m.DeleteObject(ctx, "bk", k); err != nil || d == nil || d.Key != k {
			t.Fatalf("DeleteObject(%q) = %v, %v", k, d, err)
		}
	}
}

var tableKeys = []string{
	"a", "a/", "a/b", "a/c/d", "a/c/e", "a/d", "ab", "b", "b/x", "b/y/z",
	"c d", "c%2Fd", "c+d", "c/d", "d--e--f", "d--g", "é/x", "😀",
}

func testListTable(t *testing.T, m store.Meta) {
	mustBucket(t, m, "bk", acctA)
	for i, k := range tableKeys {
		mustPut(t, m, simpleObject("bk", k, fmt.Sprintf("b%d", i), 1))
	}
	_, err := m.ListObjects(ctx, "nope", store.ListOptions{MaxKeys: 10})
	wantErr(t, "ListObjects(missing bucket)", err, store.ErrNoSuchBucket)

	type want struct {
		objs, cps []string
		trunc     bool
		next      string
	}
	cases := []struct {
		name string
		o    store.ListOptions
		w    want
	}{
		{"all", store.ListOptions{MaxKeys: 1000}, want{objs: tableKeys}},
		{"delimiter", store.ListOptions{Delimiter: "/", MaxKeys: 1000},
			want{objs: []string{"a", "ab", "b", "c d", "c%2Fd", "c+d", "d--e--f", "d--g", "😀"}, cps: []string{"a/", "b/", "c/", "é/"}}},
		{"prefix+delimiter", store.ListOptions{Prefix: "a/", Delimiter: "/", MaxKeys: 1000},
			want{objs: []string{"a/", "a/b", "a/d"}, cps: []string{"a/c/"}}},
		{"prefix only", store.ListOptions{Prefix: "a/c", MaxKeys: 1000},
			want{objs: []string{"a/c/d", "a/c/e"}}},
		{"prefix not a directory", store.ListOptions{Prefix: "a", Delimiter: "/", MaxKeys: 1000},
			want{objs: []string{"a", "ab"}, cps: []string{"a/"}}},
		{"multi-char delimiter", store.ListOptions{Delimiter: "--", Prefix: "d", MaxKeys: 1000},
			want{cps: []string{"d--"}}},
		{"multi-char delimiter deeper", store.ListOptions{Delimiter: "--", Prefix: "d--", MaxKeys: 1000},
			want{objs: []string{"d--g"}, cps: []string{"d--e--"}}},
		{"start-after a key", store.ListOptions{StartAfter: "b", MaxKeys: 3},
			want{objs: []string{"b/x", "b/y/z", "c d"}, trunc: true, next: "c d"}},
		{"start-after not a key", store.ListOptions{StartAfter: "a/bz", MaxKeys: 2},
			want{objs: []string{"a/c/d", "a/c/e"}, trunc: true, next: "a/c/e"}},
		{"start-after a common prefix skips it", store.ListOptions{StartAfter: "a/", Delimiter: "/", MaxKeys: 2},
			want{objs: []string{"ab", "b"}, trunc: true, next: "b"}},
		{"start-after inside a common prefix", store.ListOptions{StartAfter: "a/c/d", Delimiter: "/", MaxKeys: 2},
			want{objs: []string{"ab", "b"}, trunc: true, next: "b"}},
		{"start-after before prefix", store.ListOptions{StartAfter: "0", Prefix: "b", MaxKeys: 1000},
			want{objs: []string{"b", "b/x", "b/y/z"}}},
		{"start-after past prefix", store.ListOptions{StartAfter: "c", Prefix: "b", MaxKeys: 1000},
			want{}},
		{"max-keys counts a common prefix once", store.ListOptions{Delimiter: "/", MaxKeys: 2},
			want{objs: []string{"a"}, cps: []string{"a/"}, trunc: true, next: "a/"}},
		{"next page after a common prefix", store.ListOptions{Delimiter: "/", StartAfter: "a/", MaxKeys: 3},
			want{objs: []string{"ab", "b"}, cps: []string{"b/"}, trunc: true, next: "b/"}},
		{"exactly max entries: not truncated", store.ListOptions{Prefix: "b", MaxKeys: 3},
			want{objs: []string{"b", "b/x", "b/y/z"}}},
		{"max-keys zero", store.ListOptions{MaxKeys: 0}, want{trunc: true}},
		{"no match", store.ListOptions{Prefix: "zzz", MaxKeys: 10}, want{}},
		{"unicode prefix", store.ListOptions{Prefix: "é", Delimiter: "/", MaxKeys: 10}, want{cps: []string{"é/"}}},
		{"last common prefix at end", store.ListOptions{Prefix: "é", Delimiter: "/", MaxKeys: 1}, want{cps: []string{"é/"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := m.ListObjects(ctx, "bk", tc.o)
			if err != nil {
				t.Fatal(err)
			}
			var objs []string
			for _, o := range res.Objects {
				objs = append(objs, o.Key)
			}
			got := want{objs, res.CommonPrefixes, res.IsTruncated, res.NextMarker}
			if !reflect.DeepEqual(got, tc.w) {
				t.Fatalf("ListObjects(%+v):\n got %+v\nwant %+v", tc.o, got, tc.w)
			}
			// The table doubles as a check of the reference model.
			ents, trunc, next := refList(tableKeys, tc.o)
			if !reflect.DeepEqual(ents, resultEntries(res)) || trunc != res.IsTruncated || next != res.NextMarker {
				t.Fatalf("reference model disagrees: %v %v %q", ents, trunc, next)
			}
		})
	}
}

// testListModel compares ListObjects with the reference model on random
// keys and random options, including paging through every result.
func testListModel(t *testing.T, m store.Meta) {
	mustBucket(t, m, "bk", acctA)
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "b", "/", "-", "%", "+", " ", "é", "\x00", "z"}
	seen := map[string]bool{}
	var keys []string
	for len(keys) < 400 {
		n := 1 + rng.Intn(6)
		var sb strings.Builder
		for i := 0; i < n; i++ {
			sb.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		k := sb.String()
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
			mustPut(t, m, simpleObject("bk", k, "b"+k, 1))
		}
	}
	pick := func(choices ...string) string { return choices[rng.Intn(len(choices))] }
	for i := 0; i < 400; i++ {
		o := store.ListOptions{
			Prefix:    pick("", "", "a", "a/", "b", "/", "é", "a-", "zz"),
			Delimiter: pick("", "", "/", "-", "a", "/a", "é"),
			MaxKeys:   []int{1, 2, 3, 7, 50, 1000}[rng.Intn(6)],
		}
		if rng.Intn(3) == 0 {
			o.StartAfter = keys[rng.Intn(len(keys))]
		} else if rng.Intn(3) == 0 {
			o.StartAfter = pick("a/", "b-", "a", "é/", "0", "~")
		}
		// Page through everything, comparing each page.
		var all []entry
		for page := 0; ; page++ {
			if page > len(keys)+1 {
				t.Fatalf("paging %+v does not end", o)
			}
			res, err := m.ListObjects(ctx, "bk", o)
			if err != nil {
				t.Fatal(err)
			}
			ents, trunc, next := refList(keys, o)
			got := resultEntries(res)
			if !reflect.DeepEqual(got, ents) || trunc != res.IsTruncated || next != res.NextMarker {
				t.Fatalf("ListObjects(%+v):\n got %v trunc=%v next=%q\nwant %v trunc=%v next=%q",
					o, got, res.IsTruncated, res.NextMarker, ents, trunc, next)
			}
			all = append(all, got...)
			if !res.IsTruncated {
				break
			}
			o.StartAfter = res.NextMarker
		}
		for j := 1; j < len(all); j++ {
			if all[j-1].key >= all[j].key {
				t.Fatalf("paging repeated or reordered entries: %q then %q", all[j-1].key, all[j].key)
			}
		}
	}
}

func testListPaging(t *testing.T, m store.Meta) {
	mustBucket(t, m, "bk", acctA)
	// 1200 top-level keys and 1300 keys in 1300 "directories": 2500 keys,
	// and 2500 entries with delimiter "/" too.
	var keys []string
	for i := 0; i < 1200; i++ {
		keys = append(keys, fmt.Sprintf("f%04d", i))
	}
	for i := 0; i < 1300; i++ {
		keys = append(keys, fmt.Sprintf("d%04d/x", i))
	}
	for i, k := range keys {
		o := simpleObject("bk", k, fmt.Sprintf("blob%d", i), 1)
		mustPut(t, m, o)
	}
	for _, delim := range []string{"", "/"} {
		o := store.ListOptions{Delimiter: delim, MaxKeys: 1000}
		var sizes []int
		var all []entry
		for {
			res, err := m.ListObjects(ctx, "bk", o)
			if err != nil {
				t.Fatal(err)
			}
			got := resultEntries(res)
			sizes = append(sizes, len(got))
			all = append(all, got...)
			if !res.IsTruncated {
				if res.NextMarker != "" {
					t.Fatalf("NextMarker %q on the last page", res.NextMarker)
				}
				break
			}
			if res.NextMarker != got[len(got)-1].key {
				t.Fatalf("NextMarker = %q, last entry %q", res.NextMarker, got[len(got)-1].key)
			}
			o.StartAfter = res.NextMarker
		}
		if !reflect.DeepEqual(sizes, []int{1000, 1000, 500}) {
			t.Fatalf("delimiter %q: page sizes %v, want [1000 1000 500]", delim, sizes)
		}
		want, _, _ := refList(keys, store.ListOptions{Delimiter: delim, MaxKeys: 1 << 30})
		if !reflect.DeepEqual(all, want) {
			t.Fatalf("delimiter %q: paged listing differs from the whole", delim)
		}
	}
	// 1300 keys under one common prefix cost one entry.
	res, err := m.ListObjects(ctx, "bk", store.ListOptions{Delimiter: "d", MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.CommonPrefixes, []string{"d"}) || len(res.Objects) != 999 ||
		!res.IsTruncated || res.NextMarker != "f0998" {
		t.Fatalf("roll-up of 1300 keys: prefixes %v, %d objects, truncated %v, next %q",
			res.CommonPrefixes, len(res.Objects), res.IsTruncated, res.NextMarker)
	}
}

func testMultipart(t *testing.T, m store.Meta) {
	mustBucket(t, m, "bk", acctA)
	up := &store.Upload{ID: "u1", Bucket: "bk", Key: "big/obj", Initiated: t0, Owner: acctB,
		Template: store.Object{ContentType: "video/mp4", UserMeta: map[string]string{"a": "b"},
			StorageClass: "STANDARD", ChecksumType: "COMPOSITE", Checksums: map[string]string{"CRC32C": ""},
			Attrs: map[string][]byte{"sse": []byte("aws:kms")}}}
	wantErr(t, "CreateUpload(missing bucket)",
		m.CreateUpload(ctx, &store.Upload{ID: "u0", Bucket: "nope", Key: "k", Initiated: t0}), store.ErrNoSuchBucket)
	if err := m.CreateUpload(ctx, up); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "CreateUpload(duplicate id)", m.CreateUpload(ctx, up), store.ErrUploadExists)

	got, err := m.GetUpload(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "u1" || got.Bucket != "bk" || got.Key != "big/obj" || !got.Initiated.Equal(t0) || got.Owner != acctB ||
		got.Template.ContentType != "video/mp4" || got.Template.UserMeta["a"] != "b" || got.Template.ChecksumType != "COMPOSITE" ||
		string(got.Template.Attrs["sse"]) != "aws:kms" || got.Template.Bucket != "bk" || got.Template.Key != "big/obj" {
		t.Fatalf("GetUpload = %+v", got)
	}
	_, err = m.GetUpload(ctx, "nope")
	wantErr(t, "GetUpload(missing)", err, store.ErrNoSuchUpload)

	part := func(n int, blob string, size int64) *store.Part {
		return &store.Part{Number: n, Size: size, ETag: fmt.Sprintf("etag%d", n), BlobID: blob, LastModified: t0,
			Checksums: map[string]string{"CRC32C": "AAAAAA=="}}
	}
	for n := 1; n <= 3; n++ {
		if r, err := m.PutPart(ctx, "u1", part(n, fmt.Sprintf("p%d", n), int64(n*10))); err != nil || r != nil {
			t.Fatalf("PutPart(%d) = %v, %v", n, r, err)
		}
	}
	r, err := m.PutPart(ctx, "u1", part(2, "p2b", 25))
	if err != nil || r == nil || r.BlobID != "p2" || r.Size != 20 || r.Number != 2 || r.ETag != "etag2" ||
		r.Checksums["CRC32C"] != "AAAAAA==" || !r.LastModified.Equal(t0) {
		t.Fatalf("PutPart(replace) = %+v, %v", r, err)
	}
	_, err = m.PutPart(ctx, "nope", part(1, "x", 1))
	wantErr(t, "PutPart(missing upload)", err, store.ErrNoSuchUpload)

	lp, err := m.ListParts(ctx, "u1", 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(lp.Parts) != 2 || lp.Parts[0].Number != 1 || lp.Parts[1].BlobID != "p2b" || !lp.IsTruncated || lp.NextPartNumberMarker != 2 {
		t.Fatalf("ListParts(0, 2) = %+v", lp)
	}
	lp, err = m.ListParts(ctx, "u1", 2, 2)
	if err != nil || len(lp.Parts) != 1 || lp.Parts[0].Number != 3 || lp.IsTruncated || lp.NextPartNumberMarker != 3 {
		t.Fatalf("ListParts(2, 2) = %+v, %v", lp, err)
	}
	lp, err = m.ListParts(ctx, "u1", 3, 10)
	if err != nil || len(lp.Parts) != 0 || lp.IsTruncated {
		t.Fatalf("ListParts(3, 10) = %+v, %v", lp, err)
	}
	_, err = m.ListParts(ctx, "nope", 0, 10)
	wantErr(t, "ListParts(missing upload)", err, store.ErrNoSuchUpload)

	parts, err := m.AbortUpload(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	var blobs []string
	for _, p := range parts {
		blobs = append(blobs, p.BlobID)
	}
	sort.Strings(blobs)
	if !reflect.DeepEqual(blobs, []string{"p1", "p2b", "p3"}) {
		t.Fatalf("AbortUpload returned %v", blobs)
	}
	_, err = m.AbortUpload(ctx, "u1")
	wantErr(t, "AbortUpload twice", err, store.ErrNoSuchUpload)
	_, err = m.GetUpload(ctx, "u1")
	wantErr(t, "GetUpload(aborted)", err, store.ErrNoSuchUpload)
	_, err = m.PutPart(ctx, "u1", part(4, "p4", 1))
	wantErr(t, "PutPart(aborted)", err, store.ErrNoSuchUpload)
	_, err = m.ListParts(ctx, "u1", 0, 10)
	wantErr(t, "ListParts(aborted)", err, store.ErrNoSuchUpload)
	if ups, _ := m.ListUploads(ctx, "bk", store.ListUploadsOptions{MaxUploads: 10}); len(ups.Uploads) != 0 {
		t.Fatalf("aborted upload still listed: %+v", ups)
	}
}

func testCompleteUpload(t *testing.T, m store.Meta) {
	mustBucket(t, m, "bk", acctA)
	mustPut(t, m, simpleObject("bk", "k", "old", 3))
	if err := m.CreateUpload(ctx, &store.Upload{ID: "u1", Bucket: "bk", Key: "k", Initiated: t0}); err != nil {
		t.Fatal(err)
	}
	for n, size := range []int64{0, 5, 6, 7} {
		if n == 0 {
			continue
		}
		if _, err := m.PutPart(ctx, "u1", &store.Part{Number: n, Size: size, ETag: "e", BlobID: fmt.Sprintf("p%d", n)}); err != nil {
			t.Fatal(err)
		}
	}
	// Part 2 replaced: its first blob is no longer a part.
	if _, err := m.PutPart(ctx, "u1", &store.Part{Number: 2, Size: 8, ETag: "e", BlobID: "p2b"}); err != nil {
		t.Fatal(err)
	}
	final := func(segs ...store.Segment) *store.Object {
		var size int64
		for _, s := range segs {
			size += s.Size
		}
		return &store.Object{Bucket: "bk", Key: "k", Size: size, ETag: "abc-2", PartCount: len(segs),
			LastModified: t0, Segments: segs}
	}
	bad := []struct {
		name string
		id   string
		obj  *store.Object
		want error
	}{
		{"missing upload", "nope", final(seg("p1", 5)), store.ErrNoSuchUpload},
		{"other key", "u1", &store.Object{Bucket: "bk", Key: "other", Segments: []store.Segment{seg("p1", 5)}}, store.ErrNoSuchUpload},
		{"other bucket", "u1", &store.Object{Bucket: "bk2", Key: "k", Segments: []store.Segment{seg("p1", 5)}}, store.ErrNoSuchUpload},
		{"replaced part blob", "u1", final(seg("p1", 5), seg("p2", 6)), store.ErrInvalidPart},
		{"unknown blob", "u1", final(seg("zz", 5)), store.ErrInvalidPart},
		{"size mismatch", "u1", final(seg("p1", 6)), store.ErrInvalidPart},
		{"part twice", "u1", final(seg("p1", 5), seg("p1", 5)), store.ErrInvalidPart},
	}
	for _, b := range bad {
		_, _, err := m.CompleteUpload(ctx, b.id, b.obj)
		wantErr(t, "CompleteUpload("+b.name+")", err, b.want)
	}
	// Nothing changed by the failures.
	if o, _ := m.GetObject(ctx, "bk", "k"); o == nil || o.Segments[0].BlobID != "old" {
		t.Fatalf("failed CompleteUpload changed the object: %+v", o)
	}
	if lp, _ := m.ListParts(ctx, "u1", 0, 10); len(lp.Parts) != 3 {
		t.Fatalf("failed CompleteUpload changed the parts: %+v", lp)
	}

	want := final(seg("p1", 5), seg("p3", 7))
	replaced, unused, err := m.CompleteUpload(ctx, "u1", want)
	if err != nil {
		t.Fatal(err)
	}
	sameObject(t, "CompleteUpload replaced", replaced, simpleObject("bk", "k", "old", 3))
	if len(unused) != 1 || unused[0].BlobID != "p2b" || unused[0].Number != 2 {
		t.Fatalf("CompleteUpload unused = %+v", unused)
	}
	got, err := m.GetObject(ctx, "bk", "k")
	if err != nil {
		t.Fatal(err)
	}
	sameObject(t, "completed object", got, want)
	if ps := got.PartSizes(); !reflect.DeepEqual(ps, []int64{5, 7}) {
		t.Fatalf("PartSizes = %v", ps)
	}
	_, err = m.GetUpload(ctx, "u1")
	wantErr(t, "GetUpload(completed)", err, store.ErrNoSuchUpload)
	_, _, err = m.CompleteUpload(ctx, "u1", want)
	wantErr(t, "CompleteUpload twice", err, store.ErrNoSuchUpload)
	_, err = m.PutPart(ctx, "u1", &store.Part{Number: 1, BlobID: "late"})
	wantErr(t, "PutPart(completed)", err, store.ErrNoSuchUpload)

	// Completing onto a missing key replaces nothing.
	if err := m.CreateUpload(ctx, &store.Upload{ID: "u2", Bucket: "bk", Key: "fresh", Initiated: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.PutPart(ctx, "u2", &store.Part{Number: 1, Size: 1, BlobID: "q1"}); err != nil {
		t.Fatal(err)
	}
	replaced, unused, err = m.CompleteUpload(ctx, "u2", &store.Object{Bucket: "bk", Key: "fresh", Size: 1, Segments: []store.Segment{seg("q1", 1)}})
	if err != nil || replaced != nil || len(unused) != 0 {
		t.Fatalf("CompleteUpload(fresh) = %v, %v, %v", replaced, unused, err)
	}
}

func testListUploads(t *testing.T, m store.Meta) {
	mustBucket(t, m, "bk", acctA)
	mustBucket(t, m, "other", acctA)
	_, err := m.ListUploads(ctx, "nope", store.ListUploadsOptions{MaxUploads: 10})
	wantErr(t, "ListUploads(missing bucket)", err, store.ErrNoSuchBucket)

	type u struct {
		key, id string
		at      int // seconds after t0
	}
	// Same-key uploads list by initiation time, not id.
	all := []u{
		{"a", "z1", 5}, {"a", "a2", 9}, {"a/b", "m1", 1}, {"a/c/d", "m2", 1}, {"a/c/e", "m3", 1},
		{"b", "b1", 0}, {"nul\x00x", "n1", 0}, {"nul", "n0", 0}, {"é", "u1", 0},
	}
	for _, x := range all {
		if err := m.CreateUpload(ctx, &store.Upload{ID: x.id, Bucket: "bk", Key: x.key, Initiated: t0.Add(time.Duration(x.at) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.CreateUpload(ctx, &store.Upload{ID: "o1", Bucket: "other", Key: "a", Initiated: t0}); err != nil {
		t.Fatal(err)
	}
	type want struct {
		ids      []string
		cps      []string
		trunc    bool
		nextKey  string
		nextID   string
		wantKeys []string
	}
	list := func(o store.ListUploadsOptions) want {
		t.Helper()
		r, err := m.ListUploads(ctx, "bk", o)
		if err != nil {
			t.Fatal(err)
		}
		var w want
		for _, up := range r.Uploads {
			w.ids = append(w.ids, up.ID)
			if up.Bucket != "bk" {
				t.Fatalf("upload of bucket %q listed", up.Bucket)
			}
		}
		w.cps, w.trunc, w.nextKey, w.nextID = r.CommonPrefixes, r.IsTruncated, r.NextKeyMarker, r.NextUploadIDMarker
		return w
	}
	cases := []struct {
		name string
		o    store.ListUploadsOptions
		w    want
	}{
		{"all", store.ListUploadsOptions{MaxUploads: 100},
			want{ids: []string{"z1", "a2", "m1", "m2", "m3", "b1", "n0", "n1", "u1"}}},
		{"delimiter", store.ListUploadsOptions{Delimiter: "/", MaxUploads: 100},
			want{ids: []string{"z1", "a2", "b1", "n0", "n1", "u1"}, cps: []string{"a/"}}},
		{"prefix+delimiter", store.ListUploadsOptions{Prefix: "a/", Delimiter: "/", MaxUploads: 100},
			want{ids: []string{"m1"}, cps: []string{"a/c/"}}},
		{"key marker", store.ListUploadsOptions{KeyMarker: "a", MaxUploads: 2},
			want{ids: []string{"m1", "m2"}, trunc: true, nextKey: "a/c/d", nextID: "m2"}},
		{"key and upload id marker", store.ListUploadsOptions{KeyMarker: "a", UploadIDMarker: "z1", MaxUploads: 2},
			want{ids: []string{"a2", "m1"}, trunc: true, nextKey: "a/b", nextID: "m1"}},
		{"upload id marker of another key", store.ListUploadsOptions{KeyMarker: "a", UploadIDMarker: "m1", MaxUploads: 1},
			want{ids: []string{"m1"}, trunc: true, nextKey: "a/b", nextID: "m1"}},
		{"upload id marker without key marker is ignored", store.ListUploadsOptions{UploadIDMarker: "z1", MaxUploads: 1},
			want{ids: []string{"z1"}, trunc: true, nextKey: "a", nextID: "z1"}},
		{"common prefix last", store.ListUploadsOptions{Delimiter: "/", MaxUploads: 3},
			want{ids: []string{"z1", "a2"}, cps: []string{"a/"}, trunc: true, nextKey: "a/"}},
		{"after a common prefix", store.ListUploadsOptions{Delimiter: "/", KeyMarker: "a/", MaxUploads: 1},
			want{ids: []string{"b1"}, trunc: true, nextKey: "b", nextID: "b1"}},
		{"key with NUL", store.ListUploadsOptions{Prefix: "nul", MaxUploads: 10},
			want{ids: []string{"n0", "n1"}}},
		{"key with NUL, delimiter NUL", store.ListUploadsOptions{Prefix: "nul", Delimiter: "\x00", MaxUploads: 10},
			want{ids: []string{"n0"}, cps: []string{"nul\x00"}}},
		{"key marker past NUL key", store.ListUploadsOptions{KeyMarker: "nul", MaxUploads: 10},
			want{ids: []string{"n1", "u1"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := list(tc.o); !reflect.DeepEqual(got, tc.w) {
				t.Fatalf("ListUploads(%+v):\n got %+v\nwant %+v", tc.o, got, tc.w)
			}
		})
	}
	// Paging one at a time with the returned markers visits everything once.
	for _, delim := range []string{"", "/"} {
		o := store.ListUploadsOptions{Delimiter: delim, MaxUploads: 1}
		var seq []string
		for i := 0; ; i++ {
			if i > 20 {
				t.Fatal("paging does not end")
			}
			w := list(o)
			seq = append(seq, w.ids...)
			seq = append(seq, w.cps...)
			if !w.trunc {
				break
			}
			o.KeyMarker, o.UploadIDMarker = w.nextKey, w.nextID
		}
		full := list(store.ListUploadsOptions{Delimiter: delim, MaxUploads: 100})
		var fseq []string
		fseq = append(fseq, full.ids...)
		fseq = append(fseq, full.cps...)
		sort.Strings(seq)
		sort.Strings(fseq)
		if !reflect.DeepEqual(seq, fseq) {
			t.Fatalf("delimiter %q: paged %v, whole %v", delim, seq, fseq)
		}
	}
}

func testForEachBlobRef(t *testing.T, m store.Meta) {
	mustBucket(t, m, "b1", acctA)
	mustBucket(t, m, "b2", acctA)
	want := map[string]int{}
	o := fullObject()
	o.Bucket = "b1"
	mustPut(t, m, o)
	for _, s := range o.Segments {
		want[s.BlobID]++
	}
	mustPut(t, m, simpleObject("b2", "x", "bx", 1))
	want["bx"]++
	mustPut(t, m, &store.Object{Bucket: "b2", Key: "empty"})
	mustPut(t, m, simpleObject("b1", "r", "r1", 1))
	old := mustPut(t, m, simpleObject("b1", "r", "r2", 1)) // r1 no longer referenced
	if old == nil || old.Segments[0].BlobID != "r1" {
		t.Fatalf("replaced = %+v", old)
	}
	want["r2"]++
	if err := m.CreateUpload(ctx, &store.Upload{ID: "u", Bucket: "b2", Key: "k", Initiated: t0}); err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 2; n++ {
		if _, err := m.PutPart(ctx, "u", &store.Part{Number: n, Size: 1, BlobID: fmt.Sprintf("part%d", n)}); err != nil {
			t.Fatal(err)
		}
		want[fmt.Sprintf("part%d", n)]++
	}
	if err := m.CreateUpload(ctx, &store.Upload{ID: "empty-upload", Bucket: "b2", Key: "k", Initiated: t0}); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	if err := m.ForEachBlobRef(ctx, func(id string) { got[id]++ }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ForEachBlobRef = %v, want %v", got, want)
	}
}

// testConcurrentWrites checks atomic replacement under contention: every
// blob written is, in the end, either referenced by the final object or
// returned exactly once as replaced, and failures of some writers (missing
// bucket) do not disturb the others that share their commit.
func testConcurrentWrites(t *testing.T, m store.Meta) {
	mustBucket(t, m, "bk", acctA)
	const writers, perWriter, keys = 8, 40, 5
	var mu sync.Mutex
	written := map[string]int{}
	released := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				blob := fmt.Sprintf("w%d-%d", w, i)
				key := fmt.Sprintf("k%d", (w+i)%keys)
				if i%7 == 3 { // some writes fail inside a shared commit
					if _, err := m.PutObject(ctx, simpleObject("missing", key, blob, 1)); !errors.Is(err, store.ErrNoSuchBucket) {
						errs <- fmt.Errorf("PutObject(missing bucket) = %v", err)
					}
					continue
				}
				if i%11 == 5 {
					d, err := m.DeleteObject(ctx, "bk", key)
					if err != nil {
						errs <- err
					}
					if d != nil {
						mu.Lock()
						released[d.Segments[0].BlobID]++
						mu.Unlock()
					}
					continue
				}
				mu.Lock()
				written[blob]++
				mu.Unlock()
				r, err := m.PutObject(ctx, simpleObject("bk", key, blob, 1))
				if err != nil {
					errs <- err
					continue
				}
				if r != nil {
					mu.Lock()
					released[r.Segments[0].BlobID]++
					mu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	res, err := m.ListObjects(ctx, "bk", store.ListOptions{MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Objects {
		released[o.Segments[0].BlobID]++
	}
	if !reflect.DeepEqual(written, released) {
		t.Fatalf("blobs written %d, accounted %d: each must be final or replaced exactly once\nwritten %v\naccounted %v",
			len(written), len(released), written, released)
	}
}
