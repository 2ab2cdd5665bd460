package world_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/world"
)

// TestBuildCloseLeavesNothingRunning: the doctor builds a world per
// candidate fix; Close must stop what Build started.
func TestBuildCloseLeavesNothingRunning(t *testing.T) {
	b := exampleBundle(t)
	ctx := context.Background()
	build := func() {
		w, err := world.Build(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	build() // warm up lazily started package-level goroutines
	before := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		build()
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after 20 builds, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
