//go:build unix

package store_test

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/store"
)

// The crash test re-executes this test binary as a child that writes
// objects through Blobs and Meta as fast as it can, printing each step to
// stdout; the parent SIGKILLs it mid-stream, reopens the stores, runs
// Recover, and checks the write protocol's promises:
//
//   - every acknowledged object is visible and reads back with its ETag
//     (MD5 of the bytes read);
//   - a key whose write or delete was in flight shows either its last
//     acknowledged state or the in-flight one, never anything else;
//   - every visible object is whole (its bytes match its ETag);
//   - tmp/ is empty and every blob file is referenced by the metadata.
//
// Several kill/restart cycles run on the same directories.

const (
	crashEnvDir = "EDGEGATE_STORE_CRASH_DIR"
	crashBucket = "crash"
	crashKeys   = 24 // keys are reused, so overwrites and deletes happen
)

// TestCrashChild is the child's body; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnvDir)
	if dir == "" {
		t.Skip("runs only as the crash test's child")
	}
	ctx := context.Background()
	m, b := openStores(t, dir)
	if err := m.CreateBucket(ctx, &store.Bucket{Name: crashBucket, Owner: "111111111111"}); err != nil && !strings.Contains(err.Error(), "exists") {
		t.Fatal(err)
	}
	var out sync.Mutex
	say := func(format string, args ...any) {
		out.Lock()
		fmt.Fprintf(os.Stdout, format+"\n", args...)
		out.Unlock()
	}
	var keyLocks [crashKeys]sync.Mutex // one writer per key at a time, so "in flight" is well defined
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(w)))
			for i := 0; ; i++ {
				ki := rng.IntN(crashKeys)
				key := fmt.Sprintf("dir/%02d/../obj %d+%%", ki, ki)
				keyLocks[ki].Lock()
				switch op := rng.IntN(10); {
				case op == 0:
					say("BEGINDEL %d", ki)
					d, err := m.DeleteObject(ctx, crashBucket, key)
					if err != nil {
						panic(err)
					}
					store.ReleaseObject(ctx, b, d)
					say("DEL %d", ki)
				case op <= 2:
					crashMultipart(ctx, m, b, rng, ki, key, say)
				default:
					crashPut(ctx, m, b, rng, ki, key, say)
				}
				keyLocks[ki].Unlock()
			}
		}(w)
	}
	wg.Wait()
}

func randomBytes(rng *rand.Rand, n int) []byte {
	p := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8; j++ {
			p[i+j] = byte(v >> (8 * j))
		}
	}
	return p
}

// writeBlob writes data in 64 KiB pieces and commits.
func writeBlob(ctx context.Context, b store.Blobs, data []byte) string {
	w, err := b.Create(ctx)
	if err != nil {
		panic(err)
	}
	defer w.Abort()
	for len(data) > 0 {
		n := min(len(data), 64<<10)
		if _, err := w.Write(data[:n]); err != nil {
			panic(err)
		}
		data = data[n:]
	}
	id, err := w.Commit()
	if err != nil {
		panic(err)
	}
	return id
}

func crashPut(ctx context.Context, m store.Meta, b store.Blobs, rng *rand.Rand, ki int, key string, say func(string, ...any)) {
	data := randomBytes(rng, 64<<10+rng.IntN(3<<20))
	sum := md5.Sum(data)
	etag := hex.EncodeToString(sum[:])
	say("BEGIN %d %s", ki, etag)
	id := writeBlob(ctx, b, data)
	old, err := m.PutObject(ctx, &store.Object{
		Bucket: crashBucket, Key: key, Size: int64(len(data)), ETag: etag,
		LastModified: time.Now(), Segments: []store.Segment{{BlobID: id, Size: int64(len(data))}},
	})
	if err != nil {
		panic(err)
	}
	say("ACK %d %s", ki, etag)
	store.ReleaseObject(ctx, b, old)
}

// crashMultipart uploads three parts (one of them twice) and completes with
// two of them. Its ETag is the MD5 of the object's bytes plus "-2", so that
// the verifier can check it the same way.
func crashMultipart(ctx context.Context, m store.Meta, b store.Blobs, rng *rand.Rand, ki int, key string, say func(string, ...any)) {
	id := fmt.Sprintf("up-%d-%d", ki, rng.Uint64())
	if err := m.CreateUpload(ctx, &store.Upload{ID: id, Bucket: crashBucket, Key: key, Initiated: time.Now()}); err != nil {
		panic(err)
	}
	parts := make([][]byte, 4)
	for n := 1; n <= 3; n++ {
		parts[n] = randomBytes(rng, 16<<10+rng.IntN(1<<20))
		blob := writeBlob(ctx, b, parts[n])
		old, err := m.PutPart(ctx, id, &store.Part{Number: n, Size: int64(len(parts[n])), BlobID: blob, ETag: "x"})
		if err != nil {
			panic(err)
		}
		if old != nil {
			b.Delete(ctx, old.BlobID)
		}
	}
	// Part 2 again, replacing the first one.
	parts[2] = randomBytes(rng, 16<<10+rng.IntN(1<<20))
	blob := writeBlob(ctx, b, parts[2])
	old, err := m.PutPart(ctx, id, &store.Part{Number: 2, Size: int64(len(parts[2])), BlobID: blob, ETag: "x"})
	if err != nil {
		panic(err)
	}
	b.Delete(ctx, old.BlobID)

	lp, err := m.ListParts(ctx, id, 0, 10)
	if err != nil {
		panic(err)
	}
	h := md5.New()
	h.Write(parts[1])
	h.Write(parts[3])
	etag := hex.EncodeToString(h.Sum(nil)) + "-2"
	obj := &store.Object{Bucket: crashBucket, Key: key, ETag: etag, PartCount: 2, LastModified: time.Now()}
	for _, p := range lp.Parts {
		if p.Number != 2 {
			obj.Segments = append(obj.Segments, store.Segment{BlobID: p.BlobID, Size: p.Size})
			obj.Size += p.Size
		}
	}
	say("BEGIN %d %s", ki, etag)
	replaced, unused, err := m.CompleteUpload(ctx, id, obj)
	if err != nil {
		panic(err)
	}
	say("ACK %d %s", ki, etag)
	store.ReleaseObject(ctx, b, replaced)
	store.ReleaseParts(ctx, b, unused)
}

// keyState is what the parent knows of a key: its last acknowledged state
// and the states a write in flight may have left.
type keyState struct {
	acked    string          // ETag, "" = absent
	inFlight map[string]bool // ETags ("" = deleted) begun but not acknowledged
}

func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashEnvDir) != "" {
		t.Skip("in the child")
	}
	cycles := 3
	if testing.Short() {
		cycles = 1
	}
	dir := t.TempDir()
	states := make([]keyState, crashKeys)
	for cycle := 0; cycle < cycles; cycle++ {
		acks, recovered := crashCycle(t, dir, states, 25+cycle*10)
		t.Logf("cycle %d: %d acknowledged writes; Recover removed %d files", cycle, acks, recovered)
	}
}

// crashCycle runs the child until it has acknowledged at least wantAcks
// writes, kills it, and verifies the stores.
func crashCycle(t *testing.T, dir string, states []keyState, wantAcks int) (acks, recovered int) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnvDir+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		var ki int
		if _, err := fmt.Sscan(f[1], &ki); err != nil || ki < 0 || ki >= crashKeys {
			continue
		}
		st := &states[ki]
		switch f[0] {
		case "BEGIN", "BEGINDEL":
			if st.inFlight == nil {
				st.inFlight = map[string]bool{}
			}
			if f[0] == "BEGIN" {
				st.inFlight[f[2]] = true
			} else {
				st.inFlight[""] = true
			}
		case "ACK", "DEL":
			st.acked = ""
			if f[0] == "ACK" {
				st.acked = f[2]
			}
			st.inFlight = nil // one writer per key: nothing else is in flight
			acks++
		}
		if acks >= wantAcks && !killed {
			// Let the writers get into the middle of something.
			time.Sleep(time.Duration(rand.IntN(30)) * time.Millisecond)
			cmd.Process.Signal(syscall.SIGKILL)
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child exited by itself after %d acks: %v", acks, err)
	}

	ctx := context.Background()
	m, b := openStores(t, dir)
	defer m.Close()
	defer b.Close()
	recovered, err = store.Recover(ctx, m, b)
	if err != nil {
		t.Fatal(err)
	}

	// Every key is in an allowed state, and every visible object is whole.
	for ki := range states {
		st := &states[ki]
		key := fmt.Sprintf("dir/%02d/../obj %d+%%", ki, ki)
		got := ""
		o, err := m.GetObject(ctx, crashBucket, key)
		switch {
		case err == nil:
			got = o.ETag
			checkWhole(t, b, o)
		case errors.Is(err, store.ErrNoSuchKey):
		default:
			t.Fatalf("GetObject(%q): %v", key, err)
		}
		if got != st.acked && !st.inFlight[got] {
			t.Fatalf("key %d: visible ETag %q; acknowledged %q, in flight %v", ki, got, st.acked, st.inFlight)
		}
		// The crash resolved the in-flight write one way or the other.
		st.acked, st.inFlight = got, nil
	}
	res, err := m.ListObjects(ctx, crashBucket, store.ListOptions{MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Objects {
		checkWhole(t, b, &res.Objects[i])
	}

	// No temp files, no orphan blobs.
	tmps, err := os.ReadDir(filepath.Join(dir, "data", "tmp"))
	if err != nil || len(tmps) != 0 {
		t.Fatalf("tmp/ after Recover: %d entries, %v", len(tmps), err)
	}
	live := map[string]bool{}
	if err := m.ForEachBlobRef(ctx, func(id string) { live[id] = true }); err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(filepath.Join(dir, "data", "blobs"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		if !live[d.Name()] {
			t.Errorf("orphan blob %s survived Recover", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every referenced blob exists (the metadata never points at nothing).
	if files != len(live) {
		t.Fatalf("%d blob files, %d referenced blobs", files, len(live))
	}
	return acks, recovered
}

// checkWhole reads o and checks its bytes against its ETag.
func checkWhole(t *testing.T, b store.Blobs, o *store.Object) {
	t.Helper()
	r, err := store.OpenObject(context.Background(), b, o)
	if err != nil {
		t.Fatalf("object %q (ETag %s): %v", o.Key, o.ETag, err)
	}
	defer r.Close()
	h := md5.New()
	n, err := io.Copy(h, r)
	if err != nil || n != o.Size {
		t.Fatalf("object %q: read %d of %d bytes: %v", o.Key, n, o.Size, err)
	}
	want, _, _ := strings.Cut(o.ETag, "-")
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		t.Fatalf("object %q: bytes hash to %s, ETag %s: partial or wrong object visible", o.Key, got, o.ETag)
	}
}
