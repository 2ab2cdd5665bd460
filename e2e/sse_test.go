package e2e

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// sseMarker is written into every object of TestEncryptedAtRest; no file
// under the data directory may hold it.
var sseMarker = []byte("EDGEGATE-SSE-PLAINTEXT-MARKER-7f3a9c0e")

// markerData returns n bytes made of the marker and filler, so that the
// marker occurs throughout (in every chunk, across chunk boundaries).
func markerData(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		b.Write(sseMarker)
		b.WriteString("-filler-")
		b.WriteByte(byte('a' + i%26))
	}
	return b.Bytes()[:n]
}

// TestEncryptedAtRest writes the marker through PutObject, a multipart
// upload of several parts, CopyObject, UploadPartCopy and the aws CLI
// (cp up, a multipart cp, a server-side cp), reads everything back, stops
// the server and then greps every file under the data directory: the
// marker is never found.
func TestEncryptedAtRest(t *testing.T) {
	dir := t.TempDir()
	p := startEdgegate(t, dir)
	c := p.s3Client()
	ctx := context.Background()
	bucket := aws.String("sse-at-rest")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	putObj := func(key string, data []byte) {
		t.Helper()
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String(key), Body: bytes.NewReader(data)})
		if err != nil || out.ServerSideEncryption != types.ServerSideEncryptionAes256 {
			t.Fatalf("PutObject %s: %v %v", key, out, err)
		}
		want[key] = data
	}
	putObj("tiny", sseMarker)
	putObj("small", markerData(10<<10))
	putObj("large", markerData(3<<20+17))

	// Multipart: three parts, one of them copied from "large".
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: aws.String("multipart")})
	if err != nil {
		t.Fatal(err)
	}
	p1, p2 := markerData(5<<20), markerData(5<<20+3)
	var parts []types.CompletedPart
	for i, data := range [][]byte{p1, p2} {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: bucket, Key: aws.String("multipart"), UploadId: mp.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(data)})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	cp, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: bucket, Key: aws.String("multipart"), UploadId: mp.UploadId,
		PartNumber: aws.Int32(3), CopySource: aws.String("sse-at-rest/large"), CopySourceRange: aws.String("bytes=1000-2000999")})
	if err != nil {
		t.Fatal(err)
	}
	parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(3), ETag: cp.CopyPartResult.ETag})
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bucket, Key: aws.String("multipart"),
		UploadId: mp.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	want["multipart"] = append(append(bytes.Clone(p1), p2...), want["large"][1000:2001000]...)

	// CopyObject.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bucket, Key: aws.String("copied"), CopySource: aws.String("sse-at-rest/small")}); err != nil {
		t.Fatal(err)
	}
	want["copied"] = want["small"]

	// The aws CLI: a small cp, a large one (multipart above 8 MiB) and a
	// server-side copy.
	cli := newAWSCLI(t, p.endpoint)
	local := t.TempDir()
	for _, f := range []struct {
		name string
		size int
	}{{"cli-small", 5000}, {"cli-large", 9 << 20}} {
		data := markerData(f.size)
		path := filepath.Join(local, f.name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cli.run("s3", "cp", path, "s3://sse-at-rest/"+f.name)
		want[f.name] = data
	}
	cli.run("s3", "cp", "s3://sse-at-rest/cli-large", "s3://sse-at-rest/cli-copied")
	want["cli-copied"] = want["cli-large"]

	// Everything reads back (the CLI's download as well).
	for key, data := range want {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String(key)})
		if err != nil {
			t.Fatalf("GetObject %s: %v", key, err)
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(got, data) || out.ServerSideEncryption != types.ServerSideEncryptionAes256 {
			t.Errorf("GetObject %s: %d bytes (want %d), %v, SSE %q", key, len(got), len(data), err, out.ServerSideEncryption)
		}
	}
	back := filepath.Join(local, "back")
	cli.run("s3", "cp", "s3://sse-at-rest/cli-large", back)
	if got, _ := os.ReadFile(back); !bytes.Equal(got, want["cli-large"]) {
		t.Error("aws s3 cp download: wrong bytes")
	}

	p.stop(t)
	files := 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(b, sseMarker) {
			t.Errorf("%s holds plaintext object bytes", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < len(want) {
		t.Errorf("only %d files under the data directory", files)
	}
}
