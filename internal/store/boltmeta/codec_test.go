package boltmeta

import (
	"bytes"
	"errors"
	"math/rand"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/store"
)

func sampleObject() *store.Object {
	return &store.Object{
		Bucket: "bk", Key: "photos/2025/cat.jpg", Size: 10240,
		ETag:         "0123456789abcdef0123456789abcdef",
		LastModified: time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC),
		ContentType:  "image/jpeg",
		CacheControl: "max-age=3600",
		StorageClass: "STANDARD",
		Owner:        "111111111111",
		UserMeta:     map[string]string{"camera": "x100"},
		Checksums:    map[string]string{"CRC32": "AAAAAA=="},
		ChecksumType: "FULL_OBJECT",
		Attrs:        map[string][]byte{"acl": []byte("owner-full-control")},
		Segments:     []store.Segment{{BlobID: "0123456789abcdef0123456789abcdef", Size: 10240}},
	}
}

func TestObjectRoundTrip(t *testing.T) {
	for _, o := range []*store.Object{sampleObject(), {Bucket: "b", Key: "k"},
		{Bucket: "b", Key: "k", LastModified: time.Unix(0, 0).UTC(), Size: -1, PartCount: 10000}, // epoch is not the zero time
		{Bucket: "b", Key: "k", LastModified: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)}} {
		var got store.Object
		if err := decodeObject(&got, o.Bucket, o.Key, encodeObject(o)); err != nil {
			t.Fatal(err)
		}
		if !got.LastModified.Equal(o.LastModified) || got.LastModified.IsZero() != o.LastModified.IsZero() {
			t.Fatalf("time %v came back as %v", o.LastModified, got.LastModified)
		}
		got.LastModified, o.LastModified = time.Time{}, time.Time{}
		if !reflect.DeepEqual(&got, o) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, *o)
		}
	}
}

// Truncated or damaged records must fail with ErrCorrupt, never panic or
// allocate absurdly.
func TestDecodeCorrupt(t *testing.T) {
	recs := map[string][]byte{
		"object": encodeObject(sampleObject()),
		"bucket": encodeBucket(&store.Bucket{Name: "b", Owner: "1", Attrs: map[string][]byte{"a": []byte("b")}}),
		"upload": encodeUpload(&store.Upload{ID: "u", Bucket: "b", Key: "k", Template: *sampleObject()}),
		"part":   encodePart(&store.Part{Number: 1, Size: 5, ETag: "e", BlobID: "x", Checksums: map[string]string{"a": "b"}}),
	}
	decode := func(kind string, v []byte) error {
		switch kind {
		case "object":
			return decodeObject(&store.Object{}, "", "", v)
		case "bucket":
			_, err := decodeBucket(v)
			return err
		case "upload":
			return decodeUpload(&store.Upload{}, v)
		default:
			return decodePart(&store.Part{}, v)
		}
	}
	rng := rand.New(rand.NewSource(1))
	for kind, rec := range recs {
		if err := decode(kind, rec); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		for n := 0; n < len(rec); n++ {
			if err := decode(kind, rec[:n]); !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("%s truncated to %d: err = %v", kind, n, err)
			}
		}
		for i := 0; i < 2000; i++ {
			b := bytes.Clone(rec)
			b[rng.Intn(len(b))] = byte(rng.Intn(256))
			decode(kind, b) // must not panic
		}
		huge := append([]byte{rec[0]}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)
		if err := decode(kind, huge); err == nil {
			t.Fatalf("%s: huge length accepted", kind)
		}
	}
}

func FuzzDecodeObject(f *testing.F) {
	f.Add(encodeObject(sampleObject()))
	f.Fuzz(func(t *testing.T, v []byte) {
		var o store.Object
		if decodeObject(&o, "b", "k", v) == nil {
			// Whatever decodes must re-encode to something that decodes
			// to the same object.
			var o2 store.Object
			if err := decodeObject(&o2, "b", "k", encodeObject(&o)); err != nil || !reflect.DeepEqual(normalize(o), normalize(o2)) {
				t.Fatalf("re-encode differs: %v", err)
			}
		}
	})
}

func normalize(o store.Object) store.Object {
	o.LastModified = o.LastModified.Round(0)
	return o
}

// The upload index must sort by (key bytes, initiated, id), with keys that
// contain NUL bytes too.
func TestUploadIndexOrder(t *testing.T) {
	type ent struct {
		key string
		at  time.Time
		id  string
	}
	rng := rand.New(rand.NewSource(2))
	alpha := []string{"a", "\x00", "\xff", "\x01", "b", "/"}
	var ents []ent
	for i := 0; i < 2000; i++ {
		k := ""
		for j := rng.Intn(4); j >= 0; j-- {
			k += alpha[rng.Intn(len(alpha))]
		}
		at := time.Unix(int64(rng.Intn(5))-2, int64(rng.Intn(3))).UTC()
		ents = append(ents, ent{k, at, string(rune('a' + rng.Intn(3)))})
	}
	sort.Slice(ents, func(i, j int) bool {
		a, b := ents[i], ents[j]
		if a.key != b.key {
			return a.key < b.key
		}
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		return a.id < b.id
	})
	for i := 1; i < len(ents); i++ {
		a, b := ents[i-1], ents[i]
		ka, kb := upIdxKey(a.key, a.at, a.id), upIdxKey(b.key, b.at, b.id)
		if c := bytes.Compare(ka, kb); c > 0 || (c == 0 && a != b) {
			t.Fatalf("index order: %q %v %s vs %q %v %s", a.key, a.at, a.id, b.key, b.at, b.id)
		}
		if got := string(unescapeKey(nil, ka)); got != a.key {
			t.Fatalf("unescape(%q) = %q", a.key, got)
		}
	}
}

func TestSuccessor(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a", "b"}, {"a/", "a0"}, {"a\xff", "b"}, {"\xff\xff", ""}, {"", ""},
	} {
		got := successor([]byte(tc.in))
		if string(got) != tc.want || (tc.want == "" && got != nil) {
			t.Errorf("successor(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
