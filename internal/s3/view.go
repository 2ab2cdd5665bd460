package s3

import "github.com/edgegate/edgegate/internal/traces"

// View returns a Service over the same stores, owners, identities, keys
// and bucket cache as s (so it sees every change made through s at once)
// that records its decisions in tr instead of s's trace store, delivers
// no server access logs and adds no denial-reason header. The server's
// viewer-request simulation (server.SimulateViewer) answers its origin
// requests with it, so that a simulation leaves nothing in the live
// server's logs or explanations.
func (s *Service) View(tr *traces.Store) *Service {
	return &Service{
		meta: s.meta, blobs: s.blobs, owners: s.owners, region: s.region, settings: s.settings,
		identities: s.identities, oais: s.oais, traces: tr, buckets: s.buckets,
		small: blobCache{max: smallCacheBytes}, sseS3: s.sseS3, kms: s.kms,
	}
}
