// Package atomicfile replaces small state files so that a crash leaves
// either the old or the new content, never a mix: write a temp file in the
// same directory, fsync it, rename it over the target, fsync the directory.
package atomicfile

import (
	"os"
	"path/filepath"
)

// tempPattern is the temp-file pattern for target path: hidden, next to it.
func tempPattern(path string) string { return "." + filepath.Base(path) + ".*.tmp" }

// Write replaces path with data, created with perm. On error path is
// untouched and the temp file removed.
func Write(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tempPattern(path))
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return SyncDir(dir)
}

// SyncDir makes a directory's entries durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// SweepTemps removes the temp files a crash in the middle of Write(path)
// left behind. Call it at start-up, before any Write of path.
func SweepTemps(path string) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), tempPattern(path)))
	for _, m := range matches {
		os.Remove(m)
	}
}
