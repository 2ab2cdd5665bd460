package edge

import (
	"math"

	"github.com/edgegate/edgegate/internal/traces"
)

// linkShards is how many linkStores the edge's links are spread over.
// Every viewer request records a link; with one lock, a thread the OS
// preempts while holding it (the machine busy with other work) stalls
// every other request behind it for a scheduler time slice (in quiet
// runs no difference was measured; it is meant for busy machines).
const linkShards = 16

// shardedLinks is the edge's links by request id: linkShards bounded
// rings, an id's ring chosen by a hash of its first bytes. Each ring
// drops its own oldest link. Ids are random, so a ring gets capacity /
// linkShards of the last capacity links on average; each holds 4
// standard deviations more (shardSize), so that the last capacity links
// are all kept but with a vanishing probability (and a few more are).
type shardedLinks struct{ shards [linkShards]*linkStore }

// shardSize is a ring's capacity for a store of capacity links.
func shardSize(capacity int) int {
	mean := float64(capacity) / linkShards
	return int(math.Ceil(mean+4*math.Sqrt(mean))) + 4
}

func newShardedLinks(capacity int) *shardedLinks {
	if capacity <= 0 {
		capacity = traces.DefaultCapacity
	}
	per := shardSize(capacity)
	s := &shardedLinks{}
	for i := range s.shards {
		s.shards[i] = newLinkStore(per)
	}
	return s
}

func (s *shardedLinks) shard(id string) *linkStore {
	h := uint32(2166136261) // FNV-1a of up to 8 bytes: ids are random
	for i := 0; i < len(id) && i < 8; i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return s.shards[h%linkShards]
}

func (s *shardedLinks) put(id string, l link) { s.shard(id).put(id, l) }

func (s *shardedLinks) get(id string) (link, bool) { return s.shard(id).get(id) }
