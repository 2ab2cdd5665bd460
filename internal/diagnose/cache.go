package diagnose

import (
	"fmt"
	"strings"
	"time"
)

// CachedError describes an error response the CloudFront edge served from
// its cache instead of asking the origin (spec §5.7, §8 CachedError).
type CachedError struct {
	Distribution string
	// Path is the cached path, with the query strings in the cache key.
	Path string
	// Status and Code are the cached error's status and the origin's error
	// code ("" when the origin sent none, e.g. a custom origin).
	Status int
	Code   string
	// OriginRequestID is the origin request that produced the error, ""
	// for a custom origin.
	OriginRequestID string
	CachedAt        time.Time
	// Remaining is how long the error stays cached from now.
	Remaining time.Duration
}

// CachedErrorFinding is the CACHE-ERROR-TTL finding: the status came from
// the edge cache, so fixing the origin does not change it until the
// entry expires or is invalidated.
func CachedErrorFinding(c CachedError) Finding {
	secs := int64((c.Remaining + time.Second - 1) / time.Second)
	what := fmt.Sprintf("%d", c.Status)
	if c.Code != "" {
		what += " " + c.Code
	}
	evidence := []string{
		"cached path: " + c.Path,
		"cached at: " + c.CachedAt.UTC().Format(time.RFC3339),
		fmt.Sprintf("remaining TTL: %d s", secs),
	}
	if c.OriginRequestID != "" {
		evidence = append(evidence, "original origin request: "+c.OriginRequestID+" (its explanation follows)")
	} else {
		evidence = append(evidence, "original origin request: a custom origin's, which keeps no decision trace")
	}
	inv := c.Path
	if !strings.HasSuffix(inv, "*") {
		inv = strings.SplitN(inv, "?", 2)[0] + "*"
	}
	return Finding{
		ID:        "CACHE-ERROR-TTL",
		Certainty: Definite,
		Summary: fmt.Sprintf("CachedError: the edge answered from a cached %s without asking the origin; "+
			"the error stays cached (ErrorCachingMinTTL or the origin's max-age) for %d s more, whatever the origin says now.", what, secs),
		Evidence: evidence,
		Fix: &Fix{Summary: fmt.Sprintf("Fix the original cause below, then wait %d s or invalidate %s", secs, c.Path),
			Commands:   []string{fmt.Sprintf("aws cloudfront create-invalidation --distribution-id %s --paths '%s'", c.Distribution, inv)},
			Unverified: "an invalidation acts on the live cache, which an exported configuration does not hold"},
	}
}
