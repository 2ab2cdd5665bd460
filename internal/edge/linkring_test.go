package edge

import (
	"encoding/base64"
	"strconv"
	"sync"
	"testing"
)

func TestCfIDSequence(t *testing.T) {
	a, b := newCfIDString(), newCfIDString()
	sa, oka := cfIDSequence(a)
	sb, okb := cfIDSequence(b)
	if !oka || !okb || sb != sa+1 {
		t.Errorf("sequences %d %v, %d %v: want consecutive", sa, oka, sb, okb)
	}
	// The masked sequence bytes do not show the count: consecutive ids
	// differ in far more than the low bits.
	ra, _ := base64.URLEncoding.DecodeString(a)
	rb, _ := base64.URLEncoding.DecodeString(b)
	same := 0
	for i := 1; i < 8; i++ {
		if ra[i] == rb[i] {
			same++
		}
	}
	if same > 3 {
		t.Errorf("the sequence bytes of consecutive ids look like a counter: %x %x", ra[:8], rb[:8])
	}
	// Well-formed ids of another process (another seed), or with a
	// random byte changed (another mask), unmask to a number not handed
	// out here.
	other := base64.URLEncoding.EncodeToString(make([]byte, cfIDRaw))
	for _, bad := range []string{"", "never-put", a[:55], a[:54] + "!!", a + "==", other, a[:20] + flip(a[20]) + a[21:]} {
		if s, ok := cfIDSequence(bad); ok {
			t.Errorf("cfIDSequence(%q) = %d, true", bad, s)
		}
	}
}

// flip returns a base64 character other than c.
func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func TestLinkRing(t *testing.T) {
	for _, tc := range []struct {
		capacity, puts int
	}{
		{capacity: 64, puts: 64},
		{capacity: 64, puts: 1000},
		{capacity: 0, puts: 10}, // the default capacity
		{capacity: 3, puts: 100},
		{capacity: 1, puts: 2},
	} {
		s := newLinkRing(tc.capacity)
		c := len(s.slots)
		ids := make([]string, tc.puts)
		for i := range ids {
			ids[i] = newCfIDString()
			s.put(cfIDOf(ids[i]), link{reason: strconv.Itoa(i)})
		}
		// Exactly the last capacity links are kept, each with its value.
		for i, id := range ids {
			l, ok := s.get(id)
			want := i >= len(ids)-c
			if ok != want || ok && l.reason != strconv.Itoa(i) {
				t.Errorf("capacity %d, %d puts: link %d: %+v %v, want kept %v", tc.capacity, tc.puts, i, l, ok, want)
			}
		}
	}
}

func TestLinkRingOrder(t *testing.T) {
	s := newLinkRing(2)
	a, b, c := newCfIDString(), newCfIDString(), newCfIDString() // a and c share a slot
	s.put(cfIDOf(a), link{reason: "A"})
	s.put(cfIDOf(b), link{reason: "B"})
	s.put(cfIDOf(a), link{reason: "A2"}) // a second put for an id replaces the first
	if l, ok := s.get(a); !ok || l.reason != "A2" {
		t.Errorf("a after its update: %+v %v", l, ok)
	}
	s.put(cfIDOf(c), link{reason: "C"})
	if _, ok := s.get(a); ok {
		t.Error("a was kept after a later id took its slot")
	}
	s.put(cfIDOf(a), link{reason: "late"}) // a request that ends late does not evict a newer one
	if l, ok := s.get(c); !ok || l.reason != "C" {
		t.Errorf("c after a late put of a: %+v %v", l, ok)
	}
	if _, ok := s.get(a); ok {
		t.Error("a late put of an id older than the ring was kept")
	}
	other := "x" // an id of c's length that is not c: its first character changed
	if c[0] == 'x' {
		other = "y"
	}
	for _, bad := range []string{"", "never-put", other + c[1:]} {
		if _, ok := s.get(bad); ok {
			t.Errorf("get(%q) found a link", bad)
		}
		s.put(cfIDOf(bad), link{reason: "bad"}) // ignored, no panic
	}
	if l, ok := s.get(c); !ok || l.reason != "C" {
		t.Errorf("c after bad puts: %+v %v", l, ok)
	}
}

func TestLinkRingConcurrent(t *testing.T) {
	s := newLinkRing(128)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				id := newCfIDString()
				s.put(cfIDOf(id), link{reason: id})
				if l, ok := s.get(id); ok && l.reason != id {
					t.Errorf("get(%q) gave another id's link", id)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkLinkRingPut(b *testing.B) {
	s := newLinkRing(0)
	ids := make([]string, 8192)
	for i := range ids {
		ids[i] = newCfIDString()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.put(cfIDOf(ids[i%len(ids)]), link{status: 200})
	}
}

// newCfIDString is newCfID as a string.
func newCfIDString() string { return newCfID().String() }

// cfIDOf is id as a CfID (zero-padded or cut to 56 characters).
func cfIDOf(id string) *CfID {
	var c CfID
	copy(c[:], id)
	return &c
}
