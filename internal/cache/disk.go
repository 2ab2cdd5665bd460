package cache

import (
	"fmt"
	"path/filepath"
)

// Disk tier files: an entry's body is DIR/e-<16 hex digits>, written
// under DIR/tmp-<random> by a Recorder and renamed into place by Put, so
// a reader never sees a partial entry. Both kinds are removed at New.
const (
	filePrefix = "e-"
	tmpPrefix  = "tmp-"
)

func (c *Cache) filePath(n uint64) string {
	return filepath.Join(c.dir, fmt.Sprintf("%s%016x", filePrefix, n))
}
