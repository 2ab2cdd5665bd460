package edge

import (
	"sync"
	"time"

	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/traces"
)

// link is what the edge keeps of one viewer request so that its
// X-Amz-Cf-Id can be explained: the origin request it made, or the reason
// it refused the request itself.
type link struct {
	distribution string
	// account owns the distribution ("" for an unknown host): it may read
	// the explanation.
	account string
	// origin is the origin request's id; "" when the edge answered alone.
	origin string
	// access says who the origin request was made as.
	access string
	status int
	reason string
	// cached marks a response that was an error served from the edge
	// cache: origin is then the id of the origin request that produced
	// the error, long before.
	cached *cachedError
}

// cachedError is what Explain says of an error served from the cache.
type cachedError struct {
	reason          string // the origin's error code ("" for a custom origin)
	target          string // the cached path (with its query strings)
	stored, expires time.Time
}

// linkStore is a bounded ring of links by edge request id, the oldest
// dropped when full. Safe for concurrent use.
type linkStore struct {
	mu    sync.Mutex
	ids   []string
	next  int
	links map[string]link
}

func newLinkStore(capacity int) *linkStore {
	if capacity <= 0 {
		capacity = traces.DefaultCapacity
	}
	return &linkStore{ids: make([]string, capacity), links: make(map[string]link, capacity)}
}

func (s *linkStore) put(id string, l link) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.links)
	s.links[id] = l
	if len(s.links) > n { // a new id (one map lookup fewer on the hit path)
		if old := s.ids[s.next]; old != "" {
			delete(s.links, old)
		}
		s.ids[s.next] = id
		s.next = (s.next + 1) % len(s.ids)
	}
}

func (s *linkStore) get(id string) (link, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.links[id]
	return l, ok
}

// ExplainError is why Explain cannot answer: Status is the HTTP status of
// the answer (403, 404), Code and Message its body.
type ExplainError struct {
	Status  int
	Code    string
	Message string
}

// Explain returns the explanation of the viewer request whose X-Amz-Cf-Id
// is id, as caller (operator: the operator token was presented) may see
// it. ok=false when id is no edge request the edge keeps: the caller
// should then look it up as an S3 request id.
//
// For a request the edge forwarded, the answer is the origin S3
// request's explanation (S3's decision), readable by the operator, by
// the distribution's account and by any account whose resources the
// origin request touched; non-operators get it redacted to their own
// account's policies (traces.Record.RedactFor). For a request the edge
// refused itself, the answer is a single finding naming the reason,
// readable by the operator and the distribution's account.
func (e *Edge) Explain(id string, caller identity.Principal, operator bool) (x *diagnose.Explanation, xerr *ExplainError, ok bool) {
	l, found := e.links.get(id)
	if !found {
		return nil, nil, false
	}
	denied := &ExplainError{Status: 403, Code: "AccessDenied",
		Message: "only the distribution's account, the owner of a resource the request touched, or the operator may read its explanation"}
	ownsDist := l.account != "" && caller.Account == l.account
	if l.cached != nil {
		return e.explainCached(id, l, caller, operator, ownsDist, denied)
	}
	if l.origin == "" {
		if !operator && !ownsDist {
			return nil, denied, true
		}
		info := reasons[l.reason]
		evidence := []string{"distribution: " + orDash(l.distribution)}
		if l.access != "" {
			evidence = append(evidence, "origin: "+l.access)
		}
		certainty, responder, code := diagnose.Definite, "edge", l.reason
		if l.reason == ReasonCustomOrigin {
			certainty, responder, code = diagnose.Possible, "origin", ""
		}
		return &diagnose.Explanation{
			RequestID: id, Status: l.status, ErrorCode: code, Responder: responder, Operation: "CloudFront",
			Principal: "viewer",
			Findings: []diagnose.Finding{{
				ID: l.reason, Certainty: certainty, Summary: info.summary,
				Evidence: evidence, Fix: info.fix,
			}},
			Trace: []diagnose.Step{},
		}, nil, true
	}
	if e.traces == nil {
		return nil, &ExplainError{Status: 404, Code: "NoSuchRequest", Message: "the origin request " + l.origin + " was not recorded"}, true
	}
	rec, found := e.traces.Get(l.origin)
	if !found {
		return nil, &ExplainError{Status: 404, Code: "NoSuchRequest",
			Message: "the origin request " + l.origin + " of " + id + " is no longer kept (--trace-buffer)"}, true
	}
	if !operator && !ownsDist && !rec.Readable(caller) {
		return nil, denied, true
	}
	if !operator {
		rec = rec.RedactFor(caller.Account)
	}
	x = diagnose.ExplainS3(&rec)
	return x, nil, true
}

// explainCached explains an error answered from the cache (spec §8
// CachedError): a CACHE-ERROR-TTL finding with the original error, the
// origin request that produced it and the TTL left, followed by that
// origin request's own findings while the S3 trace buffer keeps them.
func (e *Edge) explainCached(id string, l link, caller identity.Principal, operator, ownsDist bool, denied *ExplainError) (*diagnose.Explanation, *ExplainError, bool) {
	var rec *traces.Record
	if l.origin != "" && e.traces != nil {
		if r, found := e.traces.Get(l.origin); found {
			rec = &r
		}
	}
	if !operator && !ownsDist && (rec == nil || !rec.Readable(caller)) {
		return nil, denied, true
	}
	remaining := max(l.cached.expires.Sub(e.cache.Now()), 0)
	x := &diagnose.Explanation{
		RequestID: id, Status: l.status, ErrorCode: l.cached.reason, Responder: "cache", Operation: "CloudFront",
		Principal: "viewer", Trace: []diagnose.Step{},
		Findings: []diagnose.Finding{diagnose.CachedErrorFinding(diagnose.CachedError{
			Distribution: l.distribution, Path: l.cached.target, Status: l.status, Code: l.cached.reason,
			OriginRequestID: l.origin, CachedAt: l.cached.stored, Remaining: remaining,
		})},
	}
	if rec != nil {
		r := *rec
		if !operator {
			r = r.RedactFor(caller.Account)
		}
		ox := diagnose.ExplainS3(&r)
		x.Operation, x.Principal, x.Trace = ox.Operation, ox.Principal, ox.Trace
		x.Findings = append(x.Findings, ox.Findings...)
	}
	return x, nil, true
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
