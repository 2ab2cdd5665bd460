package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	for _, content := range []string{"one", "two"} {
		if err := Write(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != content {
			t.Fatalf("content %q, want %q", b, content)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %v, want only the file", entries)
	}
}

func TestSweepTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	os.WriteFile(filepath.Join(dir, ".state.json.123.tmp"), []byte("half"), 0o600)
	os.WriteFile(filepath.Join(dir, "other.tmp"), []byte("keep"), 0o600)
	SweepTemps(path)
	if _, err := os.Stat(filepath.Join(dir, ".state.json.123.tmp")); !os.IsNotExist(err) {
		t.Fatal("temp file of state.json survived the sweep")
	}
	if _, err := os.Stat(filepath.Join(dir, "other.tmp")); err != nil {
		t.Fatal("the sweep removed another file")
	}
}
