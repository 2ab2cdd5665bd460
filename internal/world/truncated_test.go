package world_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/world"
)

// TestBuildTruncatedFiles cuts, and drops a byte from, each of a few
// example files at every 97th byte, reads the bundle and builds its world:
// every build ends (a watchdog prints all stacks and fails after 10 s) and
// none panics. (FuzzBuild does the same with fuzzed bytes; this runs the
// systematic variants on every go test.)
func TestBuildTruncatedFiles(t *testing.T) {
	files := []string{bundle.PathDistribution, bundle.BucketPath("site", bundle.FileBucketPolicy),
		bundle.BucketPath("pub", bundle.FileBucketACL), bundle.HeadObjectPath("site", "docs/a.txt")}
	for _, f := range files {
		orig, _ := os.ReadFile(filepath.Join("../bundle/testdata/example", filepath.FromSlash(f)))
		for cut := 0; cut < len(orig); cut += 97 {
			for _, content := range []string{string(orig[:cut]), string(orig[:cut]) + string(orig[cut+1:])} {
				b, err := bundle.Read("../bundle/testdata/example")
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				if err := b.Write(dir); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(f)), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				if b, err = bundle.Read(dir); err != nil {
					t.Fatal(err)
				}
				done := make(chan struct{})
				go func() {
					select {
					case <-done:
					case <-time.After(10 * time.Second):
						buf := make([]byte, 1<<20)
						n := runtime.Stack(buf, true)
						panic(fmt.Sprintf("Build of %s cut at %d hangs:\n%s", f, cut, buf[:n]))
					}
				}()
				w, err := world.Build(context.Background(), b)
				if err == nil {
					w.Close()
				}
				close(done)
			}
		}
	}
}
