// Package storetest holds the conformance suites every store.Meta and
// store.Blobs implementation must pass: Run for Meta, RunBlobs for Blobs.
// An implementation's test calls them with a constructor of fresh, empty
// stores:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Meta { ... })
//	}
package storetest

import (
	"sort"
	"strings"

	"github.com/edgegate/edgegate/internal/store"
)

// entry is one listing entry of the reference model.
type entry struct {
	key    string
	prefix bool // a common prefix
}

// refList is the obviously-correct model of ListObjects' paging rules,
// written from the contract in store.ListOptions: it materializes every
// entry and then applies StartAfter and MaxKeys.
func refList(keys []string, o store.ListOptions) (ents []entry, truncated bool, next string) {
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted) // Go compares strings bytewise: UTF-8 binary order
	var all []entry
	seen := map[string]bool{}
	for _, k := range sorted {
		if !strings.HasPrefix(k, o.Prefix) {
			continue
		}
		if o.Delimiter != "" {
			if i := strings.Index(k[len(o.Prefix):], o.Delimiter); i >= 0 {
				cp := k[:len(o.Prefix)+i+len(o.Delimiter)]
				// A common prefix is a candidate if any of its keys is
				// after the marker; it is returned only if it sorts
				// after the marker itself.
				if k > o.StartAfter && cp > o.StartAfter && !seen[cp] {
					seen[cp] = true
					all = append(all, entry{cp, true})
				}
				continue
			}
		}
		if k > o.StartAfter {
			all = append(all, entry{k, false})
		}
	}
	// Entries are in order: a common prefix sorts before all its keys, and
	// the keys were walked in order.
	if o.MaxKeys <= 0 {
		return nil, len(all) > 0, ""
	}
	if len(all) > o.MaxKeys {
		return all[:o.MaxKeys], true, all[o.MaxKeys-1].key
	}
	return all, false, ""
}

func resultEntries(r store.ListResult) []entry {
	var out []entry
	for _, o := range r.Objects {
		out = append(out, entry{o.Key, false})
	}
	for _, p := range r.CommonPrefixes {
		out = append(out, entry{p, true})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}
