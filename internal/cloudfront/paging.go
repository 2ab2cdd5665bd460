package cloudfront

import (
	"strconv"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// defaultMaxItems is the page size of the List operations when the request
// names none (CloudFront documents 100 for its lists).
const defaultMaxItems = 100

// listParams reads the Marker and MaxItems query parameters every
// CloudFront List operation takes. MaxItems defaults to 100; a value that
// is not a non-negative integer is InvalidArgument.
func (k *call) listParams() (marker string, maxItems int, e *awsapi.Error) {
	q := k.r.URL.Query()
	marker = q.Get("Marker")
	maxItems = defaultMaxItems
	if v, ok := q["MaxItems"]; ok && len(v) > 0 && v[0] != "" {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 {
			return "", 0, cfError("InvalidArgument", "MaxItems must be a non-negative integer, not %q.", v[0])
		}
		maxItems = n
	}
	return marker, maxItems, nil
}

// pageAfter returns the page of ids that follows marker in the ordered
// ids: every id after the one equal to marker (all of them when marker is
// ""), at most maxItems of them, and whether more follow. A marker that
// is not in ids (its resource was deleted meanwhile) yields an empty page:
// NextMarker values are opaque, so only markers edgegate handed out are
// meaningful. NextMarker is the last id returned.
func pageAfter(ids []string, marker string, maxItems int) (page []string, truncated bool) {
	start := 0
	if marker != "" {
		start = len(ids)
		for i, id := range ids {
			if id == marker {
				start = i + 1
				break
			}
		}
	}
	rest := ids[start:]
	if len(rest) > maxItems {
		return rest[:maxItems], true
	}
	return rest, false
}

// nextMarker is the NextMarker of a page: its last id when more follow,
// else absent. A page of MaxItems 0 has none: it only reports (by
// IsTruncated) whether there is anything to list.
func nextMarker(page []string, truncated bool) *string {
	if !truncated || len(page) == 0 {
		return nil
	}
	return ptr(page[len(page)-1])
}
