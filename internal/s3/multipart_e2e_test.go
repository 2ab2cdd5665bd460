package s3_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/iam"
	"github.com/edgegate/edgegate/internal/testenv"
)

const mib = 1 << 20

func randomData(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// expectedMultipartETag computes S3's multipart ETag of parts.
func expectedMultipartETag(parts ...[]byte) string {
	h := md5.New()
	for _, p := range parts {
		s := md5.Sum(p)
		h.Write(s[:])
	}
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(h.Sum(nil)), len(parts))
}

func getAll(t *testing.T, c *s3.Client, bucket, key string) (*s3.GetObjectOutput, []byte) {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return out, b
}

type mpu struct {
	t      *testing.T
	c      *s3.Client
	bucket string
	key    string
	id     *string
	parts  []types.CompletedPart
}

func startUpload(t *testing.T, c *s3.Client, bucket, key string, mod ...func(*s3.CreateMultipartUploadInput)) *mpu {
	t.Helper()
	in := &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	for _, m := range mod {
		m(in)
	}
	out, err := c.CreateMultipartUpload(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateMultipartUpload %s: %v", key, err)
	}
	if aws.ToString(out.Bucket) != bucket || aws.ToString(out.Key) != key || aws.ToString(out.UploadId) == "" {
		t.Fatalf("CreateMultipartUpload answer %+v", out)
	}
	return &mpu{t: t, c: c, bucket: bucket, key: key, id: out.UploadId}
}

func (u *mpu) upload(n int32, data []byte, mod ...func(*s3.UploadPartInput)) *s3.UploadPartOutput {
	u.t.Helper()
	in := &s3.UploadPartInput{Bucket: aws.String(u.bucket), Key: aws.String(u.key), UploadId: u.id,
		PartNumber: aws.Int32(n), Body: bytes.NewReader(data)}
	for _, m := range mod {
		m(in)
	}
	out, err := u.c.UploadPart(context.Background(), in)
	if err != nil {
		u.t.Fatalf("UploadPart %d: %v", n, err)
	}
	if want := fmt.Sprintf(`"%x"`, md5.Sum(data)); aws.ToString(out.ETag) != want {
		u.t.Errorf("part %d ETag %s, want %s", n, aws.ToString(out.ETag), want)
	}
	u.parts = append(u.parts, types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag,
		ChecksumCRC32: out.ChecksumCRC32, ChecksumCRC32C: out.ChecksumCRC32C, ChecksumCRC64NVME: out.ChecksumCRC64NVME,
		ChecksumSHA1: out.ChecksumSHA1, ChecksumSHA256: out.ChecksumSHA256})
	return out
}

func (u *mpu) complete(parts []types.CompletedPart, mod ...func(*s3.CompleteMultipartUploadInput)) (*s3.CompleteMultipartUploadOutput, error) {
	in := &s3.CompleteMultipartUploadInput{Bucket: aws.String(u.bucket), Key: aws.String(u.key), UploadId: u.id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}
	for _, m := range mod {
		m(in)
	}
	return u.c.CompleteMultipartUpload(context.Background(), in)
}

func TestMultipartUpload(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	ctx := context.Background()
	mkBucket(t, c, "mpu-main")
	p1, p2, p3 := randomData(5*mib+1), randomData(5*mib+1), randomData(1*mib)

	u := startUpload(t, c, "mpu-main", "big/object.bin", func(in *s3.CreateMultipartUploadInput) {
		in.ContentType = aws.String("application/x-test")
		in.Metadata = map[string]string{"color": "blue"}
		in.CacheControl = aws.String("max-age=60")
	})
	u.upload(1, p1)
	u.upload(2, randomData(100)) // replaced below
	u.upload(3, p3)
	u.parts = slices.DeleteFunc(u.parts, func(p types.CompletedPart) bool { return aws.ToInt32(p.PartNumber) == 2 })
	u.upload(2, p2)
	slices.SortFunc(u.parts, func(a, b types.CompletedPart) int { return int(aws.ToInt32(a.PartNumber) - aws.ToInt32(b.PartNumber)) })

	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu-main"), Key: aws.String("big/object.bin"), UploadId: u.id})
	if err != nil {
		t.Fatal(err)
	}
	canonical := iam.DeriveCanonicalID(iam.DefaultAccountID)
	if len(lp.Parts) != 3 || aws.ToInt64(lp.Parts[1].Size) != 5*mib+1 || aws.ToString(lp.Parts[1].ETag) != fmt.Sprintf(`"%x"`, md5.Sum(p2)) ||
		aws.ToBool(lp.IsTruncated) || aws.ToString(lp.NextPartNumberMarker) != "3" || lp.StorageClass != types.StorageClassStandard ||
		lp.Owner == nil || aws.ToString(lp.Owner.ID) != canonical || lp.Initiator == nil || aws.ToString(lp.Initiator.ID) != canonical {
		t.Errorf("ListParts: %+v", lp)
	}
	lp, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu-main"), Key: aws.String("big/object.bin"), UploadId: u.id,
		MaxParts: aws.Int32(1), PartNumberMarker: aws.String("1")})
	if err != nil || len(lp.Parts) != 1 || aws.ToInt32(lp.Parts[0].PartNumber) != 2 || !aws.ToBool(lp.IsTruncated) ||
		aws.ToString(lp.NextPartNumberMarker) != "2" || aws.ToString(lp.PartNumberMarker) != "1" || aws.ToInt32(lp.MaxParts) != 1 {
		t.Errorf("ListParts page: %+v %v", lp, err)
	}

	done, err := u.complete(u.parts)
	if err != nil {
		t.Fatal(err)
	}
	wantETag := expectedMultipartETag(p1, p2, p3)
	if aws.ToString(done.ETag) != wantETag || aws.ToString(done.Bucket) != "mpu-main" || aws.ToString(done.Key) != "big/object.bin" ||
		aws.ToString(done.Location) != env.Endpoint+"/mpu-main/big/object.bin" {
		t.Errorf("Complete: ETag %s (want %s) bucket %s key %s location %s", aws.ToString(done.ETag), wantETag,
			aws.ToString(done.Bucket), aws.ToString(done.Key), aws.ToString(done.Location))
	}
	out, body := getAll(t, c, "mpu-main", "big/object.bin")
	if !bytes.Equal(body, slices.Concat(p1, p2, p3)) {
		t.Errorf("GET returned %d bytes that differ from the %d uploaded", len(body), len(p1)+len(p2)+len(p3))
	}
	if aws.ToString(out.ETag) != wantETag || aws.ToString(out.ContentType) != "application/x-test" ||
		out.Metadata["color"] != "blue" || aws.ToString(out.CacheControl) != "max-age=60" {
		t.Errorf("GET headers: etag %s type %s meta %v", aws.ToString(out.ETag), aws.ToString(out.ContentType), out.Metadata)
	}
	// The upload is gone.
	_, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu-main"), Key: aws.String("big/object.bin"), UploadId: u.id})
	wantErr(t, "ListParts after completion", err, "NoSuchUpload", 404)
	_, err = u.complete(u.parts)
	wantErr(t, "Complete twice", err, "NoSuchUpload", 404)
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("mpu-main")})
	if err != nil || len(list.Contents) != 1 || aws.ToString(list.Contents[0].ETag) != wantETag ||
		aws.ToInt64(list.Contents[0].Size) != int64(len(body)) {
		t.Errorf("listing after completion: %+v %v", list.Contents, err)
	}
}

// TestMultipartPartSubset completes with a subset of the parts: the others
// are released.
func TestMultipartPartSubset(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	mkBucket(t, c, "subset")
	base := blobFiles(t, env)
	a, b, x := randomData(5*mib), randomData(10), randomData(7)
	u := startUpload(t, c, "subset", "obj")
	u.upload(1, a)
	u.upload(2, x)
	u.upload(5, b)
	if _, err := u.complete([]types.CompletedPart{u.parts[0], u.parts[2]}); err != nil {
		t.Fatal(err)
	}
	_, body := getAll(t, c, "subset", "obj")
	if !bytes.Equal(body, slices.Concat(a, b)) {
		t.Error("body differs")
	}
	if got := blobFiles(t, env); got != base+2 {
		t.Errorf("blob files %d, want %d (the unused part not released)", got, base+2)
	}
	// Overwriting by another upload releases the old object's blobs.
	u2 := startUpload(t, c, "subset", "obj")
	u2.upload(1, []byte("small"))
	if _, err := u2.complete(u2.parts); err != nil {
		t.Fatal(err)
	}
	if got := blobFiles(t, env); got != base+1 {
		t.Errorf("blob files after overwrite %d, want %d", got, base+1)
	}
}

func TestMultipartErrors(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	ctx := context.Background()
	mkBucket(t, c, "mperr")

	small := startUpload(t, c, "mperr", "small")
	small.upload(1, randomData(1000))
	small.upload(2, randomData(1000))
	_, err := small.complete(small.parts)
	wantErr(t, "EntityTooSmall", err, "EntityTooSmall", 400)
	resp, body := rawS3(t, env, "POST", "/mperr/small?uploadId="+aws.ToString(small.id), completeXML(small.parts), nil)
	etag1 := strings.Trim(aws.ToString(small.parts[0].ETag), `"`)
	if resp.StatusCode != 400 || !strings.Contains(string(body),
		"<Message>Your proposed upload is smaller than the minimum allowed size</Message><ProposedSize>1000</ProposedSize><MinSizeAllowed>5242880</MinSizeAllowed><PartNumber>1</PartNumber><ETag>"+etag1+"</ETag>") {
		t.Errorf("EntityTooSmall document: %s", body)
	}
	// A single small part is fine (it is the last).
	if _, err := small.complete(small.parts[1:]); err != nil {
		t.Errorf("complete with one small part: %v", err)
	}

	u := startUpload(t, c, "mperr", "obj")
	u.upload(1, randomData(5*mib))
	u.upload(2, randomData(10))
	bad := slices.Clone(u.parts)
	bad[1].ETag = aws.String(`"00000000000000000000000000000000"`)
	_, err = u.complete(bad)
	wantErr(t, "wrong ETag", err, "InvalidPart", 400)
	_, err = u.complete([]types.CompletedPart{u.parts[0], {PartNumber: aws.Int32(3), ETag: u.parts[1].ETag}})
	wantErr(t, "unknown part", err, "InvalidPart", 400)
	_, err = u.complete([]types.CompletedPart{u.parts[1], u.parts[0]})
	wantErr(t, "descending parts", err, "InvalidPartOrder", 400)
	_, err = u.complete(nil)
	wantErr(t, "no parts", err, "MalformedXML", 400)
	resp, body = rawS3(t, env, "POST", "/mperr/obj?uploadId="+aws.ToString(u.id), []byte("<CompleteMultipartUpload><Part>"), nil)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "<Code>MalformedXML</Code>") {
		t.Errorf("malformed body: %d %s", resp.StatusCode, body)
	}
	resp, body = rawS3(t, env, "POST", "/mperr/obj?uploadId="+aws.ToString(u.id), bytes.Repeat([]byte(" "), 5*mib), nil)
	if resp.StatusCode != 400 {
		t.Errorf("5 MiB body: %d %s", resp.StatusCode, body)
	}
	// ETags match with or without quotes.
	unquoted := slices.Clone(u.parts)
	for i := range unquoted {
		unquoted[i].ETag = aws.String(strings.Trim(aws.ToString(unquoted[i].ETag), `"`))
	}
	if _, err := u.complete(unquoted); err != nil {
		t.Errorf("complete with unquoted ETags: %v", err)
	}

	// Upload ids belong to their bucket and key.
	v := startUpload(t, c, "mperr", "mine")
	_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mperr"), Key: aws.String("not-mine"), UploadId: v.id,
		PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
	wantErr(t, "UploadPart to another key", err, "NoSuchUpload", 404)
	_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mperr"), Key: aws.String("mine"), UploadId: aws.String("nope"),
		PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
	wantErr(t, "UploadPart to an unknown upload", err, "NoSuchUpload", 404)
	for _, n := range []int32{0, 10001, -1} {
		_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mperr"), Key: aws.String("mine"), UploadId: v.id,
			PartNumber: aws.Int32(n), Body: strings.NewReader("x")})
		wantErr(t, fmt.Sprintf("part number %d", n), err, "InvalidArgument", 400)
	}
	_, err = c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mperr"), Key: aws.String("not-mine"), UploadId: v.id})
	wantErr(t, "abort via another key", err, "NoSuchUpload", 404)
	resp, body = rawS3(t, env, "PUT", "/mperr/mine?partNumber=1&uploadId=nope", []byte("x"), nil)
	if resp.StatusCode != 404 || !strings.Contains(string(body), "<UploadId>nope</UploadId>") {
		t.Errorf("NoSuchUpload document: %s", body)
	}

	// Abort: 204, then the upload is gone and its parts released.
	base := blobFiles(t, env)
	v.upload(1, []byte("abc"))
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mperr"), Key: aws.String("mine"), UploadId: v.id}); err != nil {
		t.Fatal(err)
	}
	if got := blobFiles(t, env); got != base {
		t.Errorf("blob files after abort %d, want %d", got, base)
	}
	_, err = c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mperr"), Key: aws.String("mine"), UploadId: v.id})
	wantErr(t, "abort twice", err, "NoSuchUpload", 404)
	_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mperr"), Key: aws.String("mine"), UploadId: v.id,
		PartNumber: aws.Int32(2), Body: strings.NewReader("x")})
	wantErr(t, "UploadPart after abort", err, "NoSuchUpload", 404)
	resp, _ = rawS3(t, env, "DELETE", "/mperr/mine?uploadId="+aws.ToString(startUpload(t, c, "mperr", "mine").id), nil, nil)
	if resp.StatusCode != 204 {
		t.Errorf("raw abort status %d", resp.StatusCode)
	}

	// Another account can neither see nor use the upload.
	env2 := startTwoAccounts(t)
	mkBucket(t, env2.S3(), "guarded")
	w := startUpload(t, env2.S3(), "guarded", "k")
	other := env2.S3As(otherKey, otherSecret)
	_, err = other.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("guarded"), Key: aws.String("k"), UploadId: w.id,
		PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
	wantErr(t, "other account's UploadPart", err, "AccessDenied", 403)
	_, err = other.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("guarded")})
	wantErr(t, "other account's ListMultipartUploads", err, "AccessDenied", 403)
}

// completeXML renders a CompleteMultipartUpload body.
func completeXML(parts []types.CompletedPart) []byte {
	var b strings.Builder
	b.WriteString(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
	for _, p := range parts {
		fmt.Fprintf(&b, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", aws.ToInt32(p.PartNumber), aws.ToString(p.ETag))
	}
	b.WriteString(`</CompleteMultipartUpload>`)
	return []byte(b.String())
}

func crc32cOf(b []byte) string {
	var out [4]byte
	binary.BigEndian.PutUint32(out[:], crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
	return base64.StdEncoding.EncodeToString(out[:])
}

func TestMultipartChecksums(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	ctx := context.Background()
	mkBucket(t, c, "sums")
	p1, p2 := randomData(5*mib), randomData(3000)

	// COMPOSITE CRC32: the CRC of the part CRCs, "-2".
	u := startUpload(t, c, "sums", "composite", func(in *s3.CreateMultipartUploadInput) {
		in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32
	})
	r1 := u.upload(1, p1, func(in *s3.UploadPartInput) { in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32 })
	r2 := u.upload(2, p2, func(in *s3.UploadPartInput) { in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32 })
	h := crc32.NewIEEE()
	for _, v := range []*string{r1.ChecksumCRC32, r2.ChecksumCRC32} {
		b, err := base64.StdEncoding.DecodeString(aws.ToString(v))
		if err != nil || len(b) != 4 {
			t.Fatalf("part checksum %q", aws.ToString(v))
		}
		h.Write(b)
	}
	wantComposite := base64.StdEncoding.EncodeToString(h.Sum(nil)) + "-2"
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("sums"), Key: aws.String("composite"), UploadId: u.id})
	if err != nil || lp.ChecksumAlgorithm != types.ChecksumAlgorithmCrc32 || lp.ChecksumType != types.ChecksumTypeComposite ||
		aws.ToString(lp.Parts[0].ChecksumCRC32) != aws.ToString(r1.ChecksumCRC32) {
		t.Errorf("ListParts checksums: %+v %v", lp, err)
	}
	// The part checksums must be listed for a COMPOSITE upload.
	noSums := slices.Clone(u.parts)
	for i := range noSums {
		noSums[i].ChecksumCRC32 = nil
	}
	_, err = u.complete(noSums)
	wantErr(t, "composite without part checksums", err, "InvalidRequest", 400)
	wrong := slices.Clone(u.parts)
	wrong[0].ChecksumCRC32 = aws.String("AAAAAA==")
	_, err = u.complete(wrong)
	wantErr(t, "wrong part checksum", err, "InvalidPart", 400)
	done, err := u.complete(u.parts)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(done.ChecksumCRC32) != wantComposite || done.ChecksumType != types.ChecksumTypeComposite {
		t.Errorf("composite checksum %q type %q, want %q", aws.ToString(done.ChecksumCRC32), done.ChecksumType, wantComposite)
	}

	// FULL_OBJECT CRC32C: the CRC of the whole object.
	u = startUpload(t, c, "sums", "full", func(in *s3.CreateMultipartUploadInput) {
		in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c
		in.ChecksumType = types.ChecksumTypeFullObject
	})
	u.upload(1, p1, func(in *s3.UploadPartInput) { in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c })
	u.upload(2, p2, func(in *s3.UploadPartInput) { in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c })
	whole := crc32cOf(slices.Concat(p1, p2))
	_, err = u.complete(u.parts, func(in *s3.CompleteMultipartUploadInput) {
		in.ChecksumCRC32C = aws.String(crc32cOf(p1))
		in.ChecksumType = types.ChecksumTypeFullObject
	})
	wantErr(t, "wrong full-object checksum", err, "BadDigest", 400)
	done, err = u.complete(u.parts, func(in *s3.CompleteMultipartUploadInput) {
		in.ChecksumCRC32C = aws.String(whole)
		in.ChecksumType = types.ChecksumTypeFullObject
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(done.ChecksumCRC32C) != whole || done.ChecksumType != types.ChecksumTypeFullObject {
		t.Errorf("full-object checksum %q type %q, want %q", aws.ToString(done.ChecksumCRC32C), done.ChecksumType, whole)
	}

	// A part sent with another algorithm than the upload's is refused.
	u = startUpload(t, c, "sums", "mismatch", func(in *s3.CreateMultipartUploadInput) {
		in.ChecksumAlgorithm = types.ChecksumAlgorithmSha256
	})
	_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("sums"), Key: aws.String("mismatch"), UploadId: u.id,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(p2), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	wantErr(t, "part with another algorithm", err, "InvalidRequest", 400)

	// Invalid combinations at creation.
	_, err = c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("sums"), Key: aws.String("x"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha1, ChecksumType: types.ChecksumTypeFullObject})
	wantErr(t, "FULL_OBJECT SHA1", err, "InvalidRequest", 400)
}

func TestUploadPartCopy(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	ctx := context.Background()
	mkBucket(t, c, "copysrc")
	mkBucket(t, c, "copydst")
	src := randomData(12 * mib)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("copysrc"), Key: aws.String("source obj"), Body: bytes.NewReader(src)}); err != nil {
		t.Fatal(err)
	}
	u := startUpload(t, c, "copydst", "assembled")
	var parts []types.CompletedPart
	for i, r := range [][2]int{{0, 6*mib - 1}, {6 * mib, 12*mib - 1}} {
		out, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
			Bucket: aws.String("copydst"), Key: aws.String("assembled"), UploadId: u.id, PartNumber: aws.Int32(int32(i + 1)),
			CopySource: aws.String("copysrc/source%20obj"), CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", r[0], r[1])),
		})
		if err != nil {
			t.Fatalf("UploadPartCopy %d: %v", i+1, err)
		}
		if want := fmt.Sprintf(`"%x"`, md5.Sum(src[r[0]:r[1]+1])); aws.ToString(out.CopyPartResult.ETag) != want || out.CopyPartResult.LastModified == nil {
			t.Errorf("CopyPartResult %+v, want ETag %s", out.CopyPartResult, want)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.CopyPartResult.ETag})
	}
	// A whole-object copy as a third part.
	out, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("copydst"), Key: aws.String("assembled"),
		UploadId: u.id, PartNumber: aws.Int32(3), CopySource: aws.String("/copysrc/source%20obj")})
	if err != nil {
		t.Fatal(err)
	}
	parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(3), ETag: out.CopyPartResult.ETag})
	if _, err := u.complete(parts); err != nil {
		t.Fatal(err)
	}
	got, body := getAll(t, c, "copydst", "assembled")
	if !bytes.Equal(body, slices.Concat(src, src)) {
		t.Errorf("assembled object differs (%d bytes)", len(body))
	}
	if want := expectedMultipartETag(src[:6*mib], src[6*mib:], src); aws.ToString(got.ETag) != want {
		t.Errorf("ETag %s, want %s", aws.ToString(got.ETag), want)
	}

	u = startUpload(t, c, "copydst", "errors")
	copyErr := func(source, rng string) error {
		in := &s3.UploadPartCopyInput{Bucket: aws.String("copydst"), Key: aws.String("errors"), UploadId: u.id,
			PartNumber: aws.Int32(1), CopySource: aws.String(source)}
		if rng != "" {
			in.CopySourceRange = aws.String(rng)
		}
		_, err := c.UploadPartCopy(ctx, in)
		return err
	}
	wantErr(t, "range past the end", copyErr("copysrc/source%20obj", fmt.Sprintf("bytes=0-%d", 12*mib)), "InvalidArgument", 400)
	wantErr(t, "malformed range", copyErr("copysrc/source%20obj", "0-10"), "InvalidArgument", 400)
	wantErr(t, "reversed range", copyErr("copysrc/source%20obj", "bytes=10-0"), "InvalidArgument", 400)
	wantErr(t, "missing source key", copyErr("copysrc/nothing", ""), "NoSuchKey", 404)
	wantErr(t, "missing source bucket", copyErr("no-such-src/x", ""), "NoSuchBucket", 404)
	wantErr(t, "bad copy source", copyErr("justabucket", ""), "InvalidArgument", 400)
	_, err = c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("copydst"), Key: aws.String("errors"), UploadId: u.id,
		PartNumber: aws.Int32(1), CopySource: aws.String("copysrc/source%20obj"), CopySourceIfMatch: aws.String(`"nomatch"`)})
	wantErr(t, "copy-source-if-match", err, "PreconditionFailed", 412)
	_, err = c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("copydst"), Key: aws.String("errors"), UploadId: aws.String("nope"),
		PartNumber: aws.Int32(1), CopySource: aws.String("copysrc/source%20obj")})
	wantErr(t, "unknown upload", err, "NoSuchUpload", 404)
}

func TestListMultipartUploads(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	ctx := context.Background()
	mkBucket(t, c, "uploads")
	type entry struct{ key, id string }
	var want []entry
	for _, k := range []string{"a", "b", "b", "dir/x", "dir/y", "dir/sub/z", "e f+g"} {
		u := startUpload(t, c, "uploads", k)
		want = append(want, entry{k, aws.ToString(u.id)})
	}
	all, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("uploads")})
	if err != nil {
		t.Fatal(err)
	}
	var got []entry
	for _, u := range all.Uploads {
		got = append(got, entry{aws.ToString(u.Key), aws.ToString(u.UploadId)})
		if u.Initiated == nil || u.Owner == nil || u.Initiator == nil || u.StorageClass != types.StorageClassStandard {
			t.Errorf("upload entry %+v", u)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("uploads %v, want %v", got, want)
	}
	// Paging by two with key and upload-id markers returns the same list.
	var paged []entry
	keyMarker, idMarker := "", ""
	pages := 0
	for {
		out, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("uploads"), MaxUploads: aws.Int32(2),
			KeyMarker: aws.String(keyMarker), UploadIdMarker: aws.String(idMarker)})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range out.Uploads {
			paged = append(paged, entry{aws.ToString(u.Key), aws.ToString(u.UploadId)})
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		keyMarker, idMarker = aws.ToString(out.NextKeyMarker), aws.ToString(out.NextUploadIdMarker)
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if !slices.Equal(paged, got) || pages != 4 {
		t.Errorf("paged %v in %d pages, want %v in 4", paged, pages, got)
	}

	// Prefix and delimiter.
	out, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("uploads"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	var keys, cps []string
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key))
	}
	for _, cp := range out.CommonPrefixes {
		cps = append(cps, aws.ToString(cp.Prefix))
	}
	if !slices.Equal(keys, []string{"a", "b", "b", "e f+g"}) || !slices.Equal(cps, []string{"dir/"}) || aws.ToString(out.Delimiter) != "/" {
		t.Errorf("delimiter: keys %v prefixes %v", keys, cps)
	}
	out, err = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("uploads"), Delimiter: aws.String("/"), Prefix: aws.String("dir/")})
	if err != nil {
		t.Fatal(err)
	}
	keys, cps = nil, nil
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key))
	}
	for _, cp := range out.CommonPrefixes {
		cps = append(cps, aws.ToString(cp.Prefix))
	}
	if !slices.Equal(keys, []string{"dir/x", "dir/y"}) || !slices.Equal(cps, []string{"dir/sub/"}) || aws.ToString(out.Prefix) != "dir/" {
		t.Errorf("prefix dir/: keys %v prefixes %v", keys, cps)
	}
	// encoding-type=url encodes keys and markers.
	out, err = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("uploads"), EncodingType: types.EncodingTypeUrl,
		KeyMarker: aws.String("dir/y")})
	if err != nil || len(out.Uploads) != 1 || aws.ToString(out.Uploads[0].Key) != "e+f%2Bg" || aws.ToString(out.KeyMarker) != "dir/y" {
		t.Errorf("encoded: %+v %v", out, err)
	}
	_, err = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("uploads"), MaxUploads: aws.Int32(-1)})
	wantErr(t, "max-uploads=-1", err, "InvalidArgument", 400)
}
