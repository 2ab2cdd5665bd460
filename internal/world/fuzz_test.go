package world_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/world"
)

// FuzzBuild replaces one file of the example bundle (the distribution, a
// bucket policy, a key's description, an object's head) with fuzzed bytes
// and builds the world: no panic, and a viewer request still gets an
// answer.
func FuzzBuild(f *testing.F) {
	files := []string{bundle.PathDistribution, bundle.BucketPath("site", bundle.FileBucketPolicy),
		bundle.BucketPath("pub", bundle.FileBucketACL), bundle.HeadObjectPath("site", "docs/a.txt")}
	for i, p := range files {
		data, err := os.ReadFile(filepath.Join("../bundle/testdata/example", filepath.FromSlash(p)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), string(data))
	}
	f.Add(uint8(0), `{"Distribution": {"Id": "E1", "DistributionConfig": {"Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "x.s3.amazonaws.com"}]}}}}`)
	f.Fuzz(func(t *testing.T, which uint8, content string) {
		b, err := bundle.Read("../bundle/testdata/example")
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := b.Write(dir); err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dir, filepath.FromSlash(files[int(which)%len(files)]))
		if err := os.WriteFile(target, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		b, err = bundle.Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		w, err := world.Build(context.Background(), b)
		if err != nil {
			return // no account named: a clear error
		}
		defer w.Close()
		host := "d111111abcdef8.cloudfront.net"
		if w.Distribution != nil {
			host = w.Distribution.DomainName
		}
		req := must(w.S3Request(context.Background(), "GET", "site", "docs/a.txt", nil))
		req.Host, req.URL.Host = host, host
		resp, err := w.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	})
}
