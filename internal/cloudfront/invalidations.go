package cloudfront

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// Invalidations: CreateInvalidation, GetInvalidation, ListInvalidations.
// A batch is InProgress until the service's DeployDelay has passed since
// it was created (the rule distributions follow), then Completed. Every
// committed batch is handed to the OnInvalidation listeners so that the
// edge purges the paths at once (CloudFront starts invalidating as soon as
// it accepts the request).

const (
	// maxInvalidationPathLen is the longest invalidation path ("The
	// maximum length of a path is 4,000 characters").
	maxInvalidationPathLen = 4000
	// maxInvalidationFiles is how many individual (non-wildcard) paths a
	// distribution may have in progress; also the largest batch
	// (BatchTooLarge beyond it).
	maxInvalidationFiles = 3000
	// maxInvalidationWildcards is how many wildcard paths a distribution
	// may have in progress.
	maxInvalidationWildcards = 15
)

// OnInvalidation registers f to be called, without the service's lock
// held, after each committed new invalidation batch, with the
// distribution's id and the batch's paths (each begins with "/"; a path
// ending in "*" matches every path with that prefix, query string
// included). Register before serving. A repeated request that returns an
// existing batch (same CallerReference and paths) does not call f again.
func (s *Service) OnInvalidation(f func(distID string, paths []string)) {
	s.invalidationListeners = append(s.invalidationListeners, f)
}

// invalidationStatus is InProgress until rec.CompletedAt, then Completed.
func (s *Service) invalidationStatus(rec *invalidationRec) string {
	if s.now().Before(rec.CompletedAt) {
		return "InProgress"
	}
	return "Completed"
}

// invalidationsInProgressLocked counts distID's InProgress batches
// (Distribution.InProgressInvalidationBatches).
func (s *Service) invalidationsInProgressLocked(distID string) int64 {
	var n int64
	for _, rec := range s.state.Invalidations[distID] {
		if s.invalidationStatus(rec) == "InProgress" {
			n++
		}
	}
	return n
}

// isWildcardPath reports whether an invalidation path ends in "*".
func isWildcardPath(p string) bool { return strings.HasSuffix(p, "*") }

// validateInvalidationBatch checks a batch as CloudFront does:
// Quantity equal to the number of paths (InconsistentQuantities); at least
// one path and at most 3000 (BatchTooLarge, 413); each path starting with
// "/" (the API requires the leading slash; InvalidArgument is
// UNCONFIRMED), at most 4000 characters, with "*" only as its last
// character (InvalidArgument).
func validateInvalidationBatch(b *InvalidationBatch) *awsapi.Error {
	paths := b.Paths.Items
	if *b.Paths.Quantity != int64(len(paths)) {
		return cfError("InconsistentQuantities", "The value of Quantity and the size of Items don't match.")
	}
	if *b.CallerReference == "" {
		return cfError("InvalidArgument", "The CallerReference must not be empty.")
	}
	if len(paths) == 0 {
		return cfError("InvalidArgument", "An invalidation batch must contain at least one path.")
	}
	if len(paths) > maxInvalidationFiles {
		return cfError("BatchTooLarge", "The invalidation batch has %d paths; the maximum is %d.", len(paths), maxInvalidationFiles)
	}
	for _, p := range paths {
		switch {
		case !strings.HasPrefix(p, "/"):
			return cfError("InvalidArgument", "Your request contains one or more invalid invalidation paths: %q must begin with a slash (/).", p)
		case len(p) > maxInvalidationPathLen:
			return cfError("InvalidArgument", "Your request contains one or more invalid invalidation paths: a path can be at most %d characters.", maxInvalidationPathLen)
		case strings.Contains(strings.TrimSuffix(p, "*"), "*"):
			return cfError("InvalidArgument", "Your request contains one or more invalid invalidation paths: the wildcard * may only be the last character of %q.", p)
		}
	}
	return nil
}

// samePaths reports whether two batches name the same paths, in any order
// (a repeated request may list them differently; UNCONFIRMED).
func samePaths(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// invalidationTargetLocked returns the caller's distribution id, or
// NoSuchDistribution (another account's distribution does not exist for
// the caller).
func (s *Service) invalidationTargetLocked(account, id string) (*distributionRec, *awsapi.Error) {
	d, ok := s.state.Distributions[id]
	if !ok || d.Account != account {
		return nil, cfError("NoSuchDistribution", "The specified distribution does not exist.")
	}
	return d, nil
}

func (s *Service) invalidationDocument(rec *invalidationRec) *Invalidation {
	return &Invalidation{Id: ptr(rec.ID), Status: ptr(s.invalidationStatus(rec)), CreateTime: ptr(rec.Created), InvalidationBatch: rec.Batch}
}

// createInvalidation is CreateInvalidation: 201 with Location and the
// Invalidation. Per the API reference of CallerReference, a batch whose
// CallerReference the distribution already has is not created again: with
// the same paths the existing invalidation is returned (201, like the
// first answer; UNCONFIRMED), with other paths the answer is
// InvalidationBatchAlreadyExists (409, UNCONFIRMED: the error is not in
// the API model). In-progress limits per distribution: 3000 individual
// paths and 15 wildcard paths (TooManyInvalidationsInProgress).
func createInvalidation(k *call) *awsapi.Error {
	s, acct, distID := k.s, k.account(), k.id
	if e := k.authorize("cloudfront:CreateInvalidation", DistributionARN(acct, distID)); e != nil {
		return e
	}
	batch := &InvalidationBatch{}
	if e := readDocument(k.r, "InvalidationBatch", batch); e != nil {
		return e
	}
	s.mu.Lock()
	_, e := s.invalidationTargetLocked(acct, distID)
	if e == nil {
		e = validateInvalidationBatch(batch)
	}
	if e != nil {
		s.mu.Unlock()
		return e
	}
	old := s.state.Invalidations[distID]
	var files, wildcards int
	for _, rec := range old {
		if *rec.Batch.CallerReference == *batch.CallerReference {
			s.mu.Unlock()
			if !samePaths(rec.Batch.Paths.Items, batch.Paths.Items) {
				return cfError("InvalidationBatchAlreadyExists",
					"The CallerReference %s was already used for an invalidation batch with different paths.", *batch.CallerReference)
			}
			return k.writeResource(http.StatusCreated, "Invalidation", s.invalidationDocument(rec), "", k.location("distribution/"+distID+"/invalidation/"+rec.ID))
		}
		if s.invalidationStatus(rec) == "InProgress" {
			for _, p := range rec.Batch.Paths.Items {
				if isWildcardPath(p) {
					wildcards++
				} else {
					files++
				}
			}
		}
	}
	for _, p := range batch.Paths.Items {
		if isWildcardPath(p) {
			wildcards++
		} else {
			files++
		}
	}
	if files > maxInvalidationFiles || wildcards > maxInvalidationWildcards {
		s.mu.Unlock()
		return cfError("TooManyInvalidationsInProgress",
			"Processing your request would cause the maximum number of in-progress invalidations to be exceeded: %d files and %d wildcard paths may be in progress per distribution.",
			maxInvalidationFiles, maxInvalidationWildcards)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	id := s.newInvalidationID()
	rec := &invalidationRec{ID: id, Created: now, CompletedAt: now.Add(s.deployDelay), Batch: batch}
	s.state.Invalidations[distID] = append(old, rec)
	if e := s.commitLocked(func() {
		if old == nil {
			delete(s.state.Invalidations, distID)
		} else {
			s.state.Invalidations[distID] = old
		}
	}); e != nil {
		s.mu.Unlock()
		return e
	}
	doc := s.invalidationDocument(rec)
	s.mu.Unlock()
	paths := slices.Clone(batch.Paths.Items)
	for _, f := range s.invalidationListeners {
		f(distID, paths)
	}
	s.changed()
	return k.writeResource(http.StatusCreated, "Invalidation", doc, "", k.location("distribution/"+distID+"/invalidation/"+id))
}

// getInvalidation is GetInvalidation.
func getInvalidation(k *call) *awsapi.Error {
	s, acct, distID := k.s, k.account(), k.id
	if e := k.authorize("cloudfront:GetInvalidation", DistributionARN(acct, distID)); e != nil {
		return e
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, e := s.invalidationTargetLocked(acct, distID); e != nil {
		return e
	}
	for _, rec := range s.state.Invalidations[distID] {
		if rec.ID == k.sub {
			return k.writeResource(http.StatusOK, "Invalidation", s.invalidationDocument(rec), "", "")
		}
	}
	return cfError("NoSuchInvalidation", "The specified invalidation does not exist.")
}

// listInvalidations is ListInvalidations: the distribution's batches,
// newest first.
func listInvalidations(k *call) *awsapi.Error {
	s, acct, distID := k.s, k.account(), k.id
	if e := k.authorize("cloudfront:ListInvalidations", DistributionARN(acct, distID)); e != nil {
		return e
	}
	marker, maxItems, e := k.listParams()
	if e != nil {
		return e
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, e := s.invalidationTargetLocked(acct, distID); e != nil {
		return e
	}
	recs := s.state.Invalidations[distID]
	byID := make(map[string]*invalidationRec, len(recs))
	ids := make([]string, 0, len(recs))
	for i := len(recs) - 1; i >= 0; i-- {
		ids = append(ids, recs[i].ID)
		byID[recs[i].ID] = recs[i]
	}
	page, truncated := pageAfter(ids, marker, maxItems)
	list := &InvalidationList{
		Marker: ptr(marker), MaxItems: ptr(int64(maxItems)), IsTruncated: ptr(truncated), Quantity: ptr(int64(len(page))),
		NextMarker: nextMarker(page, truncated),
	}
	for _, id := range page {
		rec := byID[id]
		list.Items = append(list.Items, InvalidationSummary{Id: ptr(id), CreateTime: ptr(rec.Created), Status: ptr(s.invalidationStatus(rec))})
	}
	return k.writeResource(http.StatusOK, "InvalidationList", list, "", "")
}
