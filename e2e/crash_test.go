package e2e

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestCrashDuringUploads kills the server with SIGKILL in the middle of a
// stream of large uploads (simple and multipart), restarts it on the same
// data directory and checks: every acknowledged object reads back whole with
// its ETag, no object is partial, and no temp or orphan blob remains.
func TestCrashDuringUploads(t *testing.T) {
	dataDir := t.TempDir()
	p := startEdgegate(t, dataDir, "--log-requests=false")
	client := p.s3Client()
	if _, err := client.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("crash")}); err != nil {
		t.Fatal(err)
	}

	// Bodies are derived from the key, so any object found after the crash
	// can be checked even if its PUT was never acknowledged.
	body := func(key string, size int) []byte {
		b := make([]byte, size)
		seed := md5.Sum([]byte(key))
		for i := 0; i < size; i += 16 {
			copy(b[i:], seed[:])
			seed = md5.Sum(seed[:])
		}
		return b
	}
	type acked struct{ etag string }
	var mu sync.Mutex
	ackedObjects := map[string]acked{}
	sizes := map[string]int{}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("w%d/obj-%04d", w, i)
				size := (2 << 20) + i*4099
				mu.Lock()
				sizes[key] = size
				mu.Unlock()
				data := body(key, size)
				out, err := client.PutObject(bg, &s3.PutObjectInput{
					Bucket: aws.String("crash"), Key: aws.String(key), Body: bytes.NewReader(data),
				})
				if err != nil {
					return // the server died under us
				}
				mu.Lock()
				ackedObjects[key] = acked{etag: aws.ToString(out.ETag)}
				mu.Unlock()
			}
		}(w)
	}
	// Also keep a multipart upload going.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			key := fmt.Sprintf("mp/obj-%04d", i)
			size := 11 << 20
			mu.Lock()
			sizes[key] = size
			mu.Unlock()
			data := body(key, size)
			etag, err := multipartPut(client, "crash", key, data, 5<<20)
			if err != nil {
				return
			}
			mu.Lock()
			ackedObjects[key] = acked{etag: etag}
			mu.Unlock()
		}
	}()

	// Let a good number of uploads complete, then kill mid-stream.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(ackedObjects)
		mu.Unlock()
		if n >= 12 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.kill9()
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(ackedObjects) < 12 {
		t.Fatalf("only %d uploads acknowledged before the kill", len(ackedObjects))
	}

	p2 := startEdgegate(t, dataDir, "--log-requests=false")
	client = p2.s3Client()

	for key, a := range ackedObjects {
		got, err := client.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("crash"), Key: aws.String(key)})
		if err != nil {
			t.Errorf("acknowledged %s is gone after the crash: %v", key, err)
			continue
		}
		data, err := io.ReadAll(got.Body)
		got.Body.Close()
		if err != nil || !bytes.Equal(data, body(key, sizes[key])) {
			t.Errorf("acknowledged %s reads back wrong (%d bytes, err %v)", key, len(data), err)
		}
		if aws.ToString(got.ETag) != a.etag {
			t.Errorf("%s: ETag %s after crash, %s when acknowledged", key, aws.ToString(got.ETag), a.etag)
		}
	}
	// Every visible object is whole, acknowledged or not.
	pager := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String("crash")})
	visible := 0
	for pager.HasMorePages() {
		page, err := pager.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			visible++
			key := aws.ToString(o.Key)
			if aws.ToInt64(o.Size) != int64(sizes[key]) {
				t.Errorf("visible object %s has size %d, written with %d", key, aws.ToInt64(o.Size), sizes[key])
			}
		}
	}
	if visible < len(ackedObjects) {
		t.Errorf("%d objects visible, %d acknowledged", visible, len(ackedObjects))
	}
	// The start-up sweep left no temp files behind.
	tmp := 0
	filepath.Walk(dataDir, func(path string, info os.FileInfo, err error) error {
		rel, _ := filepath.Rel(dataDir, path)
		if err == nil && !info.IsDir() && strings.Contains(string(filepath.Separator)+rel, string(filepath.Separator)+"tmp"+string(filepath.Separator)) {
			tmp++
		}
		return nil
	})
	if tmp != 0 {
		t.Errorf("%d temp files remain after restart", tmp)
	}
	t.Logf("%d acknowledged, %d visible after kill -9 and restart", len(ackedObjects), visible)
}

// multipartPut uploads data in parts of partSize and returns the ETag.
func multipartPut(client *s3.Client, bucket, key string, data []byte, partSize int) (string, error) {
	up, err := client.CreateMultipartUpload(bg, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return "", err
	}
	var parts []types.CompletedPart
	for n, off := int32(1), 0; off < len(data); n, off = n+1, off+partSize {
		end := min(off+partSize, len(data))
		out, err := client.UploadPart(bg, &s3.UploadPartInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(data[off:end]),
		})
		if err != nil {
			return "", err
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)})
	}
	out, err := client.CompleteMultipartUpload(bg, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ETag), nil
}

// TestGracefulStop checks SIGTERM drains and exits 0, and data survives.
func TestGracefulStop(t *testing.T) {
	dataDir := t.TempDir()
	p := startEdgegate(t, dataDir)
	client := p.s3Client()
	if _, err := client.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("keep")}); err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 4096)
	rand.Read(payload)
	if _, err := client.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("keep"), Key: aws.String("k"), Body: bytes.NewReader(payload)}); err != nil {
		t.Fatal(err)
	}
	p.stop(t)
	if !strings.Contains(p.log.String(), "stopped cleanly") {
		t.Fatalf("no clean-stop log line:\n%s", p.log.String())
	}
	p2 := startEdgegate(t, dataDir)
	got, err := p2.s3Client().GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("keep"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(got.Body)
	sum := md5.Sum(payload)
	if !bytes.Equal(data, payload) || strings.Trim(aws.ToString(got.ETag), `"`) != hex.EncodeToString(sum[:]) {
		t.Fatal("object changed across a graceful restart")
	}
}
