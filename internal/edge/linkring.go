package edge

import (
	"encoding/base64"
	"encoding/binary"
	"hash/maphash"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/edgegate/edgegate/internal/traces"
)

// Edge request ids and the ring that keeps their links.
//
// Every viewer request records a link under its X-Amz-Cf-Id. A map by id
// cost a hash, an insert and a delete (with the swiss table's tombstones)
// per request: about 8% of a cache hit's CPU. Instead an id carries its
// own place: its first 8 raw bytes are a process-wide sequence number
// masked with a keyed hash of its 32 random bytes (cfIDSeed, random per
// process, so that ids still look random and do not tell a viewer how
// many requests the edge served), and its link lives in slot
// sequence % capacity of a ring. A lookup unmasks the sequence number
// and compares the slot's id; there is no map at all.

// cfIDSeq numbers the ids newCfID hands out (process-wide).
var cfIDSeq atomic.Uint64

// cfIDSeed keys the mask of an id's sequence number.
var cfIDSeed = maphash.MakeSeed()

// cfIDRaw is the length of an id's raw bytes: 8 masked sequence bytes and
// 32 random ones.
const cfIDRaw = 40

// newCfID returns a fresh X-Amz-Cf-Id: 40 bytes in URL-safe base64, 56
// characters ending "==" like CloudFront's. 32 bytes come from
// math/rand/v2's runtime generator (ChaCha8, seeded from the system's
// entropy, per thread): unpredictable like crypto/rand's for an
// identifier, without its cost on every request; the first 8 are the
// id's sequence number masked as above. An id is a name, not a
// credential: Explain still checks who asks.
func newCfID() CfID {
	var b [cfIDRaw]byte
	for i := 8; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], mrand.Uint64())
	}
	seq := cfIDSeq.Add(1)
	binary.LittleEndian.PutUint64(b[:8], seq^maphash.Bytes(cfIDSeed, b[8:]))
	var out CfID
	base64.URLEncoding.Encode(out[:], b[:])
	return out
}

// CfID is an X-Amz-Cf-Id as its 56 characters. It is a value so that a
// request's id costs no allocation until something needs it as a string
// (String: the logs, explain, a miss's origin request); a cache hit
// writes it from the array.
type CfID [56]byte

// String returns the id, "" for the zero CfID.
func (id CfID) String() string {
	if id == (CfID{}) {
		return ""
	}
	return string(id[:])
}

// cfIDSequence returns the sequence number of an id newCfID made; ok
// false for a string that is no such id (but for one in 2^64/n of the
// well-formed others, n the ids made so far: callers compare the id they
// find).
func cfIDSequence(id string) (seq uint64, ok bool) {
	if len(id) != 56 {
		return 0, false
	}
	var raw CfID
	copy(raw[:], id)
	return cfIDSequenceOf(&raw)
}

// cfIDSequenceOf is cfIDSequence of an id as its characters.
func cfIDSequenceOf(id *CfID) (seq uint64, ok bool) {
	var b [cfIDRaw + 2]byte // 56 base64 characters decode to 42 bytes' room
	n, err := base64.URLEncoding.Decode(b[:], id[:])
	if err != nil || n != cfIDRaw {
		return 0, false
	}
	seq = binary.LittleEndian.Uint64(b[:8]) ^ maphash.Bytes(cfIDSeed, b[8:cfIDRaw])
	// A number not handed out yet is no id of this process (a string of
	// 56 base64 characters made elsewhere almost always unmasks to one).
	if seq == 0 || seq > cfIDSeq.Load() {
		return 0, false
	}
	return seq, true
}

// linkStripes is how many locks guard a ring's slots (slot % linkStripes):
// every request writes one, and a thread the OS preempts while holding
// the only lock would stall all the others (on a busy machine).
const linkStripes = 64

// linkRing keeps the links of the last capacity ids by sequence number
// (the order their requests started in): id n is in slot n % capacity, so
// a link is dropped exactly when capacity later ids have been recorded
// (a request that ends after capacity newer ones have recorded their
// links is not kept at all). Safe for concurrent use.
type linkRing struct {
	slots []linkSlot
	locks [linkStripes]struct {
		sync.Mutex
		_ [56]byte // one lock per cache line
	}
}

type linkSlot struct {
	seq uint64 // 0: empty (sequence numbers start at 1)
	id  CfID
	l   link
}

func newLinkRing(capacity int) *linkRing {
	if capacity <= 0 {
		capacity = traces.DefaultCapacity
	}
	return &linkRing{slots: make([]linkSlot, capacity)}
}

// put records l for id (a newCfID id; any other id is ignored). A second
// put for the same id replaces the first.
func (s *linkRing) put(id *CfID, l link) {
	seq, ok := cfIDSequenceOf(id)
	if !ok {
		return
	}
	i := seq % uint64(len(s.slots))
	mu := &s.locks[i%linkStripes]
	mu.Lock()
	if sl := &s.slots[i]; sl.seq <= seq {
		*sl = linkSlot{seq: seq, id: *id, l: l}
	}
	mu.Unlock()
}

// get returns the link recorded for id, if the ring still has it.
func (s *linkRing) get(id string) (link, bool) {
	seq, ok := cfIDSequence(id)
	if !ok {
		return link{}, false
	}
	i := seq % uint64(len(s.slots))
	mu := &s.locks[i%linkStripes]
	mu.Lock()
	defer mu.Unlock()
	if sl := &s.slots[i]; sl.seq == seq && string(sl.id[:]) == id {
		return sl.l, true
	}
	return link{}, false
}
