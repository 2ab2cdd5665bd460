package server

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/edgegate/edgegate/internal/cache"
	"github.com/edgegate/edgegate/internal/edge"
)

// EdgeCacheConfig is how `edgegate serve` configures the edge cache.
type EdgeCacheConfig struct {
	// MemoryBytes bounds the memory tier (0: cache.DefaultMemoryBytes,
	// 256 MiB; negative: none).
	MemoryBytes int64
	// DiskBytes bounds the disk tier (0: cache.DefaultDiskBytes, 1 GiB;
	// negative: none).
	DiskBytes int64
	// Dir is the disk tier's directory (default DATADIR/edge-cache). It
	// holds cached responses unencrypted and is emptied at start; tmpfs is
	// a good place for it.
	Dir string
	// ErrorTTL is the default ErrorCachingMinTTL of distributions whose
	// CustomErrorResponse for a status sets none (0: 10 s; negative: 0,
	// errors cached only as their headers say).
	ErrorTTL time.Duration
	// Disabled turns the cache off: every viewer request goes to the
	// origin.
	Disabled bool
}

// openEdgeCache builds the edge cache cfg asks for; nil when disabled.
func openEdgeCache(cfg Config) (*cache.Cache, error) {
	ec := cfg.EdgeCache
	if ec.Disabled {
		return nil, nil
	}
	dir := ec.Dir
	if dir == "" {
		dir = filepath.Join(cfg.DataDir, "edge-cache")
	}
	// The edge's own hit headers are not stored: a hit's stored header
	// block then goes out as it is (edge.HitHeaders).
	c, err := cache.New(cache.Config{MemoryBytes: ec.MemoryBytes, DiskBytes: ec.DiskBytes, Dir: dir, Unstored: edge.HitHeaders})
	if err != nil {
		return nil, fmt.Errorf("server: opening the edge cache in %s: %w", dir, err)
	}
	return c, nil
}

// Edge returns the server's CloudFront edge (tests read its counters).
func (s *Server) Edge() *edge.Edge { return s.edge }
