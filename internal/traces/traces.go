// Package traces keeps the authorization snapshot of recent requests under
// their request ids, so that `edgegate explain` can re-run a decision with
// tracing on and show it statement by statement. Recording is a struct copy
// into a ring slot: the expensive trace is built only when someone asks.
package traces

import (
	"strings"
	"sync"
	"time"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/kms"
	"github.com/edgegate/edgegate/internal/s3/authz"
)

// Check is one authorization decision a request made: its input snapshot
// (with the request context held by value) and the result it got.
type Check struct {
	Input   authz.Input
	Context authz.RequestContext
	Result  authz.Result
	// Bucket and Object hold the values Input.Bucket and Input.Object
	// point to, so that one allocation carries the whole snapshot.
	Bucket authz.Bucket
	Object authz.Object
	// Redacted marks a decision taken on another account's resource, whose
	// policies the reader of an explanation may not see (RedactFor).
	Redacted bool
}

// Replay re-runs the decision with a trace. The result equals Result as
// long as the snapshot is intact (policies are immutable once compiled).
func (c *Check) Replay() (authz.Result, *authz.Trace) {
	in := c.Input
	ctx := c.Context
	in.Context = &ctx
	tr := new(authz.Trace)
	return authz.Authorize(&in, tr), tr
}

// Record is what is kept of one request.
type Record struct {
	RequestID string
	Time      time.Time
	Service   string // "s3"
	Operation string // "GetObject"
	Principal identity.Principal
	Bucket    string
	Key       string
	Status    int
	ErrorCode string
	// Owners are the accounts whose resources the request touched: they
	// (and the operator) may read the record.
	Owners []string
	// Checks are the decisions made, in order (a GetObject on a missing
	// key makes two: s3:GetObject, then s3:ListBucket).
	Checks []Check
	// Notes are facts the handler established that are not decisions
	// (for example "the key does not exist").
	Notes []string
	// KMS is the KMS denial that decided the request (SSE-KMS:
	// kms:Decrypt or kms:GenerateDataKey refused), nil if none did.
	KMS *KMSCheck
}

// KMSCheck is a KMS authorization that denied an S3 request. KMS decides
// with a trace when it denies, so the trace is kept as it was made.
type KMSCheck struct {
	KeyARN string
	Action string // kms:Decrypt, kms:GenerateDataKey
	// Reason is the denial as KMS words it.
	Reason   string
	Decision kms.Decision
	Trace    *kms.Trace // nil if the sealer gave none
}

// Store is a bounded ring of records; the oldest is dropped when full. It
// is safe for concurrent use.
type Store struct {
	mu    sync.Mutex
	ring  []Record
	next  int
	index map[string]int // request id -> ring slot
}

// DefaultCapacity is the number of records a Store keeps by default.
const DefaultCapacity = 4096

// New returns a Store keeping the last capacity records (DefaultCapacity
// if capacity <= 0).
func New(capacity int) *Store {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	return &Store{ring: make([]Record, capacity), index: make(map[string]int, capacity)}
}

// Put keeps rec, dropping the oldest record when the store is full. The
// store takes ownership of rec's slices.
func (s *Store) Put(rec *Record) {
	s.mu.Lock()
	slot := s.next
	if old := s.ring[slot].RequestID; old != "" {
		delete(s.index, old)
	}
	s.ring[slot] = *rec
	s.index[rec.RequestID] = slot
	s.next = (slot + 1) % len(s.ring)
	s.mu.Unlock()
}

// Get returns a copy of the record of requestID, ok=false when it was
// never kept or has been dropped.
func (s *Store) Get(requestID string) (Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	slot, ok := s.index[requestID]
	if !ok {
		return Record{}, false
	}
	return s.ring[slot], true
}

// Readable reports whether principal p may read rec: a principal of an
// account that owns a resource the request touched.
func (rec *Record) Readable(p identity.Principal) bool {
	if p.Account == "" {
		return false
	}
	for _, a := range rec.Owners {
		if a == p.Account {
			return true
		}
	}
	return false
}

// RedactFor returns the record as account may see it: decisions taken on
// another account's bucket keep their result but are marked Redacted (their
// policies are not replayed), and a KMS decision on another account's key
// loses its trace. Explanations show each account only its own policies.
func (rec Record) RedactFor(account string) Record {
	checks := make([]Check, len(rec.Checks))
	copy(checks, rec.Checks)
	for i := range checks {
		if b := checks[i].Input.Bucket; b != nil && b.Owner != account {
			checks[i].Redacted = true
		}
	}
	rec.Checks = checks
	if k := rec.KMS; k != nil && keyAccount(k.KeyARN) != account {
		c := *k
		c.Trace = nil
		rec.KMS = &c
	}
	return rec
}

// keyAccount is the account field of a KMS key ARN.
func keyAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}
