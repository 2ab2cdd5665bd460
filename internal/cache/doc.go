// Package cache is the edge cache of edgegate's CloudFront: what is kept
// of origin responses, under which key, for how long, and where.
//
// It knows CloudFront's caching rules but nothing of HTTP serving or of
// the distribution model:
//
//   - keys (key.go): a distribution id, the path after the default root
//     object, and the query strings, headers, cookies and normalized
//     Accept-Encoding a cache policy or legacy ForwardedValues put in the
//     key (spec §5.6, CachePolicy API reference);
//   - TTLs (ttl.go): Cache-Control s-maxage > max-age > Expires clamped to
//     [MinTTL, MaxTTL], DefaultTTL otherwise; no-cache/no-store/private;
//     error caching (spec §5.7);
//   - storage (store.go, disk.go): a memory tier bounded by bytes for
//     small responses and a disk tier bounded by bytes for large ones,
//     each evicting the least recently used entry;
//   - invalidation (invalidate.go): exact paths and "*" prefixes, query
//     strings included, per distribution;
//   - request coalescing (flight.go): concurrent misses of one key make
//     one origin fetch.
//
// Cached bodies on disk are stored unencrypted, as CloudFront's caches
// hold plaintext: they are responses viewers may fetch anyway. The disk
// tier's directory is 0700 and is wiped when the cache opens (nothing
// survives a restart); it may be put on tmpfs. See docs/edge.md.
package cache
