package edge

import (
	"encoding/base64"
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestShardedLinks(t *testing.T) {
	for _, tc := range []struct {
		capacity, puts int
	}{
		{capacity: 64, puts: 64},
		{capacity: 64, puts: 1000},
		{capacity: 0, puts: 10}, // the default capacity
		{capacity: 3, puts: 100},
	} {
		s := newShardedLinks(tc.capacity)
		ids := make([]string, tc.puts)
		rng := rand.New(rand.NewPCG(1, uint64(tc.capacity))) // ids like newCfID's, but the same every run
		for i := range ids {
			var b [40]byte
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			ids[i] = base64.URLEncoding.EncodeToString(b[:])
			s.put(ids[i], link{reason: strconv.Itoa(i)})
		}
		// The newest link is always there, with its value.
		if l, ok := s.get(ids[len(ids)-1]); !ok || l.reason != strconv.Itoa(len(ids)-1) {
			t.Errorf("capacity %d: newest link %+v %v", tc.capacity, l, ok)
		}
		kept := 0
		for _, id := range ids {
			if _, ok := s.get(id); ok {
				kept++
			}
		}
		c := tc.capacity
		if c == 0 {
			c = 4096
		}
		per := shardSize(c)
		// The last capacity links are kept (with random ids, a ring
		// overflowing its 4 standard deviations of headroom is rare;
		// these ids are fixed, so the test is deterministic).
		for _, id := range ids[max(0, len(ids)-c):] {
			if _, ok := s.get(id); !ok {
				t.Errorf("capacity %d: one of the last %d links is gone", tc.capacity, c)
				break
			}
		}
		if kept > per*linkShards || tc.puts <= c && kept != tc.puts {
			t.Errorf("capacity %d, %d puts: %d kept (at most %d per shard)", tc.capacity, tc.puts, kept, per)
		}
		if tc.puts >= 10*tc.capacity && tc.capacity > 0 && kept < tc.capacity/2 {
			t.Errorf("capacity %d: only %d kept", tc.capacity, kept)
		}
	}
	if _, ok := newShardedLinks(8).get("never-put"); ok {
		t.Error("an unknown id was found")
	}
}
