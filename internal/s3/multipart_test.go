package s3

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/store"
)

func awsCode(err error) string {
	var ae *awsapi.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	if err != nil {
		return "non-AWS: " + err.Error()
	}
	return ""
}

func TestMultipartETag(t *testing.T) {
	// The S3 rule: md5 of the concatenated binary part md5s, "-N".
	parts := [][]byte{[]byte("hello "), []byte("multipart "), []byte("world")}
	var etags []string
	cat := md5.New()
	for _, p := range parts {
		s := md5.Sum(p)
		etags = append(etags, hex.EncodeToString(s[:]))
		cat.Write(s[:])
	}
	want := hex.EncodeToString(cat.Sum(nil)) + "-3"
	got, err := multipartETag(etags)
	if err != nil || got != want {
		t.Fatalf("multipartETag = %q, %v; want %q", got, err, want)
	}
	// A known value: one part of the empty string.
	got, _ = multipartETag([]string{"d41d8cd98f00b204e9800998ecf8427e"})
	if got != "59adb24ef3cdbe0297f05b395827453f-1" {
		t.Errorf("single empty part: %q", got)
	}
	if _, err := multipartETag([]string{"zz"}); err == nil {
		t.Error("a non-hex ETag was accepted")
	}
}

// TestCRCCombine checks crc(A‖B) == combine(crc(A), crc(B), len(B)) for the
// three CRCs S3 combines, over lengths that cross byte, word and table
// boundaries.
func TestCRCCombine(t *testing.T) {
	data := make([]byte, 70000)
	rand.Read(data)
	type crcFn func([]byte) uint64
	c32 := func(b []byte) uint64 { return uint64(crc32.ChecksumIEEE(b)) }
	c32c := func(b []byte) uint64 { return uint64(crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))) }
	c64 := func(b []byte) uint64 { return crc64.Checksum(b, crc64NVMETable()) }
	for _, tt := range []struct {
		name string
		fn   crcFn
		c    *crcCombiner
	}{
		{"CRC32", c32, crc32Combiner}, {"CRC32C", c32c, crc32cCombiner}, {"CRC64NVME", c64, crc64nvmeCombiner},
	} {
		for _, split := range [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}, {3, 5}, {100, 1}, {17, 65536}, {65536, 4463}, {12345, 54321}} {
			a, b := data[:split[0]], data[split[0]:split[0]+split[1]]
			want := tt.fn(data[:split[0]+split[1]])
			got := tt.c.combine(tt.fn(a), tt.fn(b), int64(len(b)))
			if got != want {
				t.Errorf("%s split %v: combine = %x, want %x", tt.name, split, got, want)
			}
		}
		// Chains of many parts, as an upload combines them.
		var crc uint64
		off := 0
		for i, n := range []int{5000, 1, 20000, 333, 0, 44666} {
			part := data[off : off+n]
			if i == 0 {
				crc = tt.fn(part)
			} else {
				crc = tt.c.combine(crc, tt.fn(part), int64(n))
			}
			off += n
		}
		if want := tt.fn(data[:off]); crc != want {
			t.Errorf("%s chain: %x, want %x", tt.name, crc, want)
		}
	}
}

func TestMultipartChecksum(t *testing.T) {
	data := make([]byte, 3000)
	rand.Read(data)
	chunks := [][]byte{data[:1000], data[1000:2500], data[2500:]}
	mkParts := func(algo string) []*store.Part {
		a := checksumAlgoByName(algo)
		var ps []*store.Part
		for i, c := range chunks {
			ps = append(ps, &store.Part{Number: i + 1, Size: int64(len(c)), Checksums: map[string]string{algo: a.checksumOf(c)}})
		}
		return ps
	}
	// FULL_OBJECT: equal to the checksum of the whole data.
	for _, algo := range []string{algCRC32, algCRC32C, algCRC64NVME} {
		sums, typ, err := multipartChecksum(algo, checksumFullObject, mkParts(algo))
		want := checksumAlgoByName(algo).checksumOf(data)
		if err != nil || typ != checksumFullObject || sums[algo] != want {
			t.Errorf("%s full object: %v %s %v, want %s", algo, sums, typ, err, want)
		}
	}
	// COMPOSITE: the algorithm over the concatenated binary part sums, "-N".
	for _, algo := range []string{algCRC32, algCRC32C, algSHA1, algSHA256} {
		a := checksumAlgoByName(algo)
		h := a.New()
		for _, c := range chunks {
			b, _ := base64.StdEncoding.DecodeString(a.checksumOf(c))
			h.Write(b)
		}
		want := checksumString(h) + "-3"
		sums, typ, err := multipartChecksum(algo, checksumComposite, mkParts(algo))
		if err != nil || typ != checksumComposite || sums[algo] != want {
			t.Errorf("%s composite: %v %s %v, want %s", algo, sums, typ, err, want)
		}
	}
	// No algorithm: the default full-object CRC64NVME when every part has one…
	sums, typ, err := multipartChecksum("", "", mkParts(algCRC64NVME))
	if err != nil || typ != checksumFullObject || sums[algCRC64NVME] != checksumAlgoByName(algCRC64NVME).checksumOf(data) {
		t.Errorf("default: %v %s %v", sums, typ, err)
	}
	// … and none when a client chose another algorithm for its parts.
	sums, typ, err = multipartChecksum("", "", mkParts(algCRC32))
	if err != nil || sums != nil || typ != "" {
		t.Errorf("mixed default: %v %s %v", sums, typ, err)
	}
}

func TestParseCompleteMultipartUpload(t *testing.T) {
	const ns = `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`
	tests := []struct {
		body  string
		nums  []int
		code  string
		field string // PartNumber of the error, if any
	}{
		{body: `<CompleteMultipartUpload ` + ns + `><Part><PartNumber>1</PartNumber><ETag>"a"</ETag></Part><Part><PartNumber>3</PartNumber><ETag>b</ETag></Part></CompleteMultipartUpload>`, nums: []int{1, 3}},
		{body: `<CompleteMultipartUpload><Part><ETag>a</ETag><PartNumber>2</PartNumber><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>`, nums: []int{2}},
		{body: ``, code: "MalformedXML"},
		{body: `<CompleteMultipartUpload ` + ns + `></CompleteMultipartUpload>`, code: "MalformedXML"},
		{body: `<CompleteMultipartUpload><Part>`, code: "MalformedXML"},
		{body: `<Other><Part><PartNumber>1</PartNumber><ETag>a</ETag></Part></Other>`, code: "MalformedXML"},
		{body: `<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>`, code: "MalformedXML"},
		{body: `<CompleteMultipartUpload><Part><ETag>a</ETag></Part></CompleteMultipartUpload>`, code: "MalformedXML"},
		{body: `<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>`, code: "InvalidArgument"},
		{body: `<CompleteMultipartUpload><Part><PartNumber>10001</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>`, code: "InvalidArgument"},
		{body: `<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>a</ETag></Part><Part><PartNumber>1</PartNumber><ETag>b</ETag></Part></CompleteMultipartUpload>`, code: "InvalidPartOrder", field: "1"},
		{body: `<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>a</ETag></Part><Part><PartNumber>2</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>`, code: "InvalidPartOrder", field: "2"},
	}
	for _, tt := range tests {
		parts, err := parseCompleteMultipartUpload([]byte(tt.body), "up1")
		if tt.code != "" {
			if awsCode(err) != tt.code {
				t.Errorf("%s: err %v, want %s", tt.body, err, tt.code)
			} else if tt.field != "" {
				var ae *awsapi.Error
				errors.As(err, &ae)
				if ae.Field("PartNumber") != tt.field || ae.Field("UploadId") != "up1" {
					t.Errorf("%s: fields %v", tt.body, ae.Fields)
				}
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.body, err)
			continue
		}
		var nums []int
		for _, p := range parts {
			nums = append(nums, p.number)
		}
		if len(nums) != len(tt.nums) {
			t.Errorf("%s: parts %v, want %v", tt.body, nums, tt.nums)
			continue
		}
		for i := range nums {
			if nums[i] != tt.nums[i] {
				t.Errorf("%s: parts %v, want %v", tt.body, nums, tt.nums)
			}
		}
	}
}

func TestParseCopySourceRange(t *testing.T) {
	tests := []struct {
		v        string
		size     int64
		start, n int64
		code     string
		msg      string
	}{
		{v: "bytes=0-9", size: 10, start: 0, n: 10},
		{v: "bytes=5-5", size: 10, start: 5, n: 1},
		{v: "bytes=2-6", size: 10, start: 2, n: 5},
		{v: "bytes=0-10", size: 10, code: "InvalidArgument", msg: "Range specified is not valid for source object of size: 10"},
		{v: "bytes=0-0", size: 0, code: "InvalidArgument", msg: "Range specified is not valid for source object of size: 0"},
		{v: "0-9", size: 10, code: "InvalidArgument", msg: "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy"},
		{v: "bytes=5-2", size: 10, code: "InvalidArgument"},
		{v: "bytes=-5", size: 10, code: "InvalidArgument"},
		{v: "bytes=5-", size: 10, code: "InvalidArgument"},
		{v: "bytes=a-b", size: 10, code: "InvalidArgument"},
		{v: "bytes=0-1,3-4", size: 10, code: "InvalidArgument"},
	}
	for _, tt := range tests {
		start, n, err := parseCopySourceRange(tt.v, tt.size)
		if tt.code != "" {
			var ae *awsapi.Error
			if !errors.As(err, &ae) || ae.Code != tt.code || (tt.msg != "" && ae.Message != tt.msg) {
				t.Errorf("%q: err %v, want %s %q", tt.v, err, tt.code, tt.msg)
			}
			continue
		}
		if err != nil || start != tt.start || n != tt.n {
			t.Errorf("%q: %d %d %v, want %d %d", tt.v, start, n, err, tt.start, tt.n)
		}
	}
}

func TestMultipartChecksumFrom(t *testing.T) {
	tests := []struct {
		algo, typ         string // headers ("" = absent)
		wantAlgo, wantTyp string
		code              string
	}{
		{},
		{algo: "CRC32", wantAlgo: "CRC32", wantTyp: "COMPOSITE"},
		{algo: "crc32c", wantAlgo: "CRC32C", wantTyp: "COMPOSITE"},
		{algo: "CRC64NVME", wantAlgo: "CRC64NVME", wantTyp: "FULL_OBJECT"},
		{algo: "SHA256", wantAlgo: "SHA256", wantTyp: "COMPOSITE"},
		{algo: "CRC32", typ: "FULL_OBJECT", wantAlgo: "CRC32", wantTyp: "FULL_OBJECT"},
		{algo: "SHA1", typ: "FULL_OBJECT", code: "InvalidRequest"},
		{algo: "CRC64NVME", typ: "COMPOSITE", code: "InvalidRequest"},
		{algo: "MD5", code: "InvalidRequest"},
		{typ: "COMPOSITE", code: "InvalidRequest"},
		{algo: "CRC32", typ: "BOTH", code: "InvalidRequest"},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.algo != "" {
			h.Set("X-Amz-Checksum-Algorithm", tt.algo)
		}
		if tt.typ != "" {
			h.Set("X-Amz-Checksum-Type", tt.typ)
		}
		algo, typ, err := multipartChecksumFrom(h)
		if tt.code != "" {
			if awsCode(err) != tt.code {
				t.Errorf("%+v: err %v", tt, err)
			}
			continue
		}
		if err != nil || algo != tt.wantAlgo || typ != tt.wantTyp {
			t.Errorf("%+v: %q %q %v", tt, algo, typ, err)
		}
	}
}

func TestParsePartNumber(t *testing.T) {
	for _, tt := range []struct {
		q    string
		want int
	}{{"partNumber=1", 1}, {"partNumber=10000", 10000}, {"partNumber=0", 0}, {"partNumber=10001", 0}, {"partNumber=x", 0}, {"", 0}} {
		v, _ := url.ParseQuery(tt.q)
		n, err := parsePartNumber(v)
		if tt.want == 0 {
			var ae *awsapi.Error
			if !errors.As(err, &ae) || ae.Code != "InvalidArgument" || !strings.HasPrefix(ae.Message, "Part number must be an integer between 1 and 10000") {
				t.Errorf("%q: %v", tt.q, err)
			}
			continue
		}
		if err != nil || n != tt.want {
			t.Errorf("%q: %d %v", tt.q, n, err)
		}
	}
}

func TestUploadIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := newUploadID()
		if seen[id] || url.QueryEscape(id) != id {
			t.Fatalf("upload id %q repeated or not URL-safe", id)
		}
		seen[id] = true
	}
}

// TestOwnedOperationRows checks the operation rows of bucket, listing and
// multipart operations: name, IAM action, target, and that the router
// selects each for its request shape.
func TestOwnedOperationRows(t *testing.T) {
	tests := []struct {
		op     *operation
		name   string
		action string
		target target
		method string
		query  string
		copy   bool
	}{
		{&opListBuckets, "ListBuckets", "s3:ListAllMyBuckets", targetService, "GET", "", false},
		{&opCreateBucket, "CreateBucket", "s3:CreateBucket", targetBucket, "PUT", "", false},
		{&opHeadBucket, "HeadBucket", "s3:ListBucket", targetBucket, "HEAD", "", false},
		{&opDeleteBucket, "DeleteBucket", "s3:DeleteBucket", targetBucket, "DELETE", "", false},
		{&opGetBucketLocation, "GetBucketLocation", "s3:GetBucketLocation", targetBucket, "GET", "location", false},
		{&opListObjects, "ListObjects", "s3:ListBucket", targetBucket, "GET", "prefix=a", false},
		{&opListObjectsV2, "ListObjectsV2", "s3:ListBucket", targetBucket, "GET", "list-type=2", false},
		{&opListMultipartUploads, "ListMultipartUploads", "s3:ListBucketMultipartUploads", targetBucket, "GET", "uploads", false},
		{&opCreateMultipartUpload, "CreateMultipartUpload", "s3:PutObject", targetObject, "POST", "uploads", false},
		{&opUploadPart, "UploadPart", "s3:PutObject", targetObject, "PUT", "partNumber=1&uploadId=u", false},
		{&opUploadPartCopy, "UploadPartCopy", "s3:PutObject", targetObject, "PUT", "partNumber=1&uploadId=u", true},
		{&opCompleteMultipartUpload, "CompleteMultipartUpload", "s3:PutObject", targetObject, "POST", "uploadId=u", false},
		{&opAbortMultipartUpload, "AbortMultipartUpload", "s3:AbortMultipartUpload", targetObject, "DELETE", "uploadId=u", false},
		{&opListParts, "ListParts", "s3:ListMultipartUploadParts", targetObject, "GET", "uploadId=u", false},
	}
	for _, tt := range tests {
		if tt.op.name != tt.name || tt.op.action != tt.action || tt.op.target != tt.target || tt.op.handle == nil {
			t.Errorf("row %s: %q %q %v (handler set: %v)", tt.name, tt.op.name, tt.op.action, tt.op.target, tt.op.handle != nil)
		}
		q, _ := url.ParseQuery(tt.query)
		h := http.Header{}
		if tt.copy {
			h.Set("X-Amz-Copy-Source", "b/k")
		}
		got, err := selectOperation(tt.method, tt.target, q, h)
		if err != nil || got != tt.op {
			name := ""
			if got != nil {
				name = got.name
			}
			t.Errorf("%s (target %d) ?%s selects %q, %v; want %s", tt.method, tt.target, tt.query, name, err, tt.name)
		}
	}
}
