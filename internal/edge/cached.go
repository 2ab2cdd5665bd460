package edge

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edgegate/edgegate/internal/h1"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/cache"
	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/s3"
)

// X-Cache values (spec §5.9).
const (
	xHit        = "Hit from cloudfront"
	xMiss       = "Miss from cloudfront"
	xRefreshHit = "RefreshHit from cloudfront"
	xError      = "Error from cloudfront"
)

// result is what answering one viewer request from the cache or the
// origin came to.
type result struct {
	resp   *cache.Response // nil when refused
	xcache string
	key    cache.Key
	// whole: resp is a whole object the edge answers the viewer's Range
	// and conditional headers for (a cached or cacheable GET); otherwise
	// the origin answered them.
	whole bool
	// hit: served from a stored entry without an origin request.
	hit bool
	// originID is the origin request's id ("" for a hit or a custom
	// origin), access who it was made as.
	originID, access string
	custom           bool
	customURL        string
	// refusal is the edge's own answer when there is no response.
	refusal       string
	refusalStatus int
}

func (r result) release() {
	if r.resp != nil {
		r.resp.Release()
	}
}

// obtain answers viewer request r for path through behavior b: from the
// cache when the behavior caches r's method and the entry is fresh, else
// from the origin (one fetch for concurrent misses of a key), storing the
// answer as the TTL rules allow. The caller releases the result.
func (e *Edge) obtain(r *http.Request, d *cloudfront.DistributionView, b Behavior, path string, cfID *CfID) result {
	o, target, refusal := e.resolveOrigin(d, b, cfID)
	if refusal != "" {
		return result{refusal: refusal, refusalStatus: http.StatusBadGateway}
	}
	pol := e.policyFor(d, b)
	if !e.caching || pol.disabled || !b.Caches(r.Method) {
		return e.fetch(r, d, o, target, pol, path, r.Method, nil, "", cfID.String())
	}
	method := http.MethodGet
	if r.Method == http.MethodOptions {
		method = http.MethodOptions
	}
	// The lookup needs no key string: a hit's key is its entry's.
	kb := keyBufPool.Get().(*[]byte)
	kbuf := cache.AppendKey((*kb)[:0], d.ID, method, path, r, pol.key)
	ent, found := e.cache.GetBytes(kbuf)
	var key cache.Key
	if found {
		key = ent.Key()
	} else {
		key = cache.Key(kbuf)
	}
	*kb = kbuf
	keyBufPool.Put(kb)
	if found && ent.Fresh(e.cache.Now()) {
		return hitResult(key, ent)
	}
	if r.Method == http.MethodHead {
		// A HEAD miss is forwarded as a HEAD and not cached: only a GET's
		// entry answers HEAD requests.
		return e.fetch(r, d, o, target, pol, path, http.MethodHead, nil, "", cfID.String())
	}
	res, leader := e.flight.Do(key, func() result {
		ent, ok := e.cache.Get(key)
		if ok && ent.Fresh(e.cache.Now()) {
			return hitResult(key, ent) // filled while this request looked
		}
		e.originFetches.Add(1)
		return e.fetch(r, d, o, target, pol, path, method, ent, key, cfID.String())
	}, func(v result, waiters int) {
		if v.resp != nil {
			v.resp.Share(waiters)
		}
	})
	if !leader && res.resp != nil && !res.hit && res.xcache == xMiss {
		// A request that waited for another's fetch is answered from
		// what that fetch brought (UNCONFIRMED how CloudFront labels it).
		res.xcache = xHit
	}
	return res
}

// keyBufPool holds the buffers cache keys are built in (obtain).
var keyBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

func hitResult(key cache.Key, ent *cache.Response) result {
	return result{resp: ent, key: key, whole: true, hit: true, xcache: hitXCache(ent.Status)}
}

// hitXCache is the X-Cache of a response served from the cache.
func hitXCache(status int) string {
	if status >= 400 {
		return xError
	}
	return xHit
}

// fetch makes one origin request for r (method, path, what pol forwards)
// and records the answer. With a key it is a fetch for the cache: the
// whole object is asked for, stale (the expired entry, if any) is
// revalidated with its ETag/Last-Modified, and the answer is stored as
// the TTL rules say (spec §5.6, §5.7):
//
//   - 304 to a revalidation: the entry is refreshed (RefreshHit);
//   - 5xx while a stale object exists, or no answer at all (an origin
//     that cannot be reached or times out, 502/504): the stale object is
//     served and kept for the error's ErrorCachingMinTTL;
//   - otherwise the new response replaces the entry if it may be cached,
//     else the entry is dropped (a 4xx is returned, not the stale object);
//     nothing is stored when the distribution was invalidated during the
//     fetch (Cache.PutIfGeneration).
func (e *Edge) fetch(r *http.Request, d *cloudfront.DistributionView, o *cloudfront.Origin, target cloudfront.OriginTarget,
	pol cachePolicy, path, method string, stale *cache.Response, key cache.Key, cfID string) result {
	forCache := key != ""
	res := result{key: key, whole: forCache}
	var gen uint64
	if forCache {
		// Read before the origin request: an invalidation of d from now
		// on keeps this fetch's answer out of the cache.
		gen = e.cache.Generation(d.ID)
	}
	validators := http.Header{}
	if stale != nil && stale.Status < 400 {
		if et := stale.Header().Get("ETag"); et != "" {
			validators.Set("If-None-Match", et)
		}
		if lm := stale.Header().Get("Last-Modified"); lm != "" {
			validators.Set("If-Modified-Since", lm)
		}
	}
	rec := e.cache.NewRecorder()
	if forCache {
		// The fill serves every coalesced request: the leader's viewer
		// going away must not cut it short.
		r = r.WithContext(context.WithoutCancel(r.Context()))
	}
	var reason string
	if target.Kind == cloudfront.OriginCustom {
		u, status, refusal := e.fetchCustom(rec, r, d, o, path, method, cfID, pol, forCache, validators)
		res.custom, res.customURL, res.access = true, u.Redacted(), "custom origin "+u.Scheme+"://"+u.Host
		if refusal != "" {
			rec.Abort()
			if forCache && stale != nil && stale.Status < 400 {
				// An unreachable origin is a 502/504 like any other origin
				// 5xx: the expired object is served instead (spec §5.7).
				return e.serveStale(res, d, stale, status)
			}
			res.refusal, res.refusalStatus = refusal, status
			return res
		}
	} else {
		access := e.OriginAccessFor(d, o, r.Header.Get("Authorization") != "")
		res.originID, res.access = awsapi.NewRequestID(), access.Note
		or := e.NewOriginRequest(r.Context(), r, target.Region, S3OriginPath(target.Bucket, deref(o.OriginPath), path), cfID)
		or.Method = method
		applyPolicy(or, r, pol, forCache)
		for k, v := range validators {
			or.Header[k] = v
		}
		addCustomHeaders(or.Header, o)
		if ae := e.fetchS3(rec, r, or, access, res.originID); ae != nil {
			reason = ae.Code
		}
	}
	resp, err := rec.Finish(res.originID, reason)
	if err != nil {
		e.log.Error("edge: cannot record the origin's response", "cf_id", cfID, "distribution", d.ID, "err", err)
		res.refusal, res.refusalStatus = ReasonCacheFailure, http.StatusBadGateway
		return res
	}
	if pol.forwardsNoCookies() {
		// CloudFront Developer Guide, "Cache content based on cookies"
		// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Cookies.html;
		// the wording below is UNCONFIRMED past the page's first bullet,
		// which the reachable excerpts cut off), on a behavior set not to
		// forward cookies: "CloudFront removes
		// cookies before forwarding requests to your origin, and removes
		// Set-Cookie headers from responses before returning responses to
		// your viewers." When cookies are forwarded (all or some), "If the
		// origin response includes Set-Cookie headers, CloudFront returns
		// them to the viewer with the requested object. CloudFront also
		// caches the Set-Cookie headers with the object returned from the
		// origin, and sends those Set-Cookie headers to viewers on all
		// cache hits."
		resp.Header().Del("Set-Cookie")
	}
	res.resp, res.xcache = resp, xCacheFor(resp.Status)
	if !forCache {
		resp.Uncached()
		return res
	}
	now := e.cache.Now()
	switch {
	case resp.Status == http.StatusNotModified && stale != nil:
		h := stale.Header().Clone()
		for k, v := range resp.Header() {
			switch k {
			case "Content-Length", "Content-Type", "Content-Encoding", "Content-Range":
			default:
				h[k] = v
			}
		}
		ttl, _ := cache.TTL(pol.ttl, cache.ParseDirectives(h), now)
		refreshed, ok := e.cache.Refresh(key, h, now.Add(ttl))
		resp.Release()
		if !ok {
			refreshed = stale
		}
		res.resp, res.xcache = refreshed, xRefreshHit
		return res
	case resp.Status >= 500 && stale != nil && stale.Status < 400:
		resp.Uncached()
		resp.Release()
		return e.serveStale(res, d, stale, resp.Status)
	}
	if ttl, ok := e.ttlFor(d, pol, resp, now); ok {
		// Not stored when d was invalidated while the origin was asked
		// (the viewers waiting for this fetch still get the response).
		e.cache.PutIfGeneration(key, resp, now.Add(ttl), gen)
	} else {
		resp.Uncached()
		if stale != nil {
			e.cache.Delete(key)
		}
	}
	return res
}

// serveStale completes res, a fetch for the cache, with stale, the
// expired 1xx–3xx entry of res.key, when its origin answered status (a
// 5xx, or CloudFront's own 502/504 for an origin it could not reach or
// that timed out): the entry is kept for the status's ErrorCachingMinTTL
// and served as a hit (spec §5.7).
func (e *Edge) serveStale(res result, d *cloudfront.DistributionView, stale *cache.Response, status int) result {
	now := e.cache.Now()
	keep := e.errorRule(d, status).MinTTL
	// stale may be shared with concurrent hits (Cache.Get): it is not
	// modified; the extended entry's own response is served instead.
	if ext, ok := e.cache.Extend(res.key, now.Add(keep)); ok {
		stale = ext
	}
	res.resp, res.xcache = stale, xHit
	return res
}

// ttlFor decides whether and for how long resp is kept: TTL for 1xx–3xx,
// ErrorTTL for errors. A TTL of 0 keeps a successful response only when it
// has a validator, to be revalidated before each use.
func (e *Edge) ttlFor(d *cloudfront.DistributionView, pol cachePolicy, resp *cache.Response, now time.Time) (time.Duration, bool) {
	if !cache.Cacheable(resp.Status) {
		return 0, false
	}
	dir := cache.ParseDirectives(resp.Header())
	if resp.Status >= 400 {
		return cache.ErrorTTL(resp.Status, e.errorRule(d, resp.Status), pol.ttl.Max, dir, now)
	}
	ttl, ok := cache.TTL(pol.ttl, dir, now)
	if ok && ttl == 0 && resp.Header().Get("ETag") == "" && resp.Header().Get("Last-Modified") == "" {
		return 0, false
	}
	return ttl, ok
}

// errorRule is the error caching setting of status for d: the
// ErrorCachingMinTTL of its CustomErrorResponse for the code, else the
// edge's default (Config.DefaultErrorCachingMinTTL).
func (e *Edge) errorRule(d *cloudfront.DistributionView, status int) cache.ErrorRule {
	if d.Config != nil && d.Config.CustomErrorResponses != nil {
		for _, c := range d.Config.CustomErrorResponses.Items {
			if c.ErrorCode != nil && int(*c.ErrorCode) == status {
				ttl := e.errorTTL
				if c.ErrorCachingMinTTL != nil {
					ttl = time.Duration(max(*c.ErrorCachingMinTTL, 0)) * time.Second
				}
				return cache.ErrorRule{MinTTL: ttl, Custom: true}
			}
		}
	}
	return cache.ErrorRule{MinTTL: e.errorTTL}
}

// send writes res to the viewer: the stored or recorded status, headers
// and body, the edge's headers with xcache, Age on hits, and override
// (a custom error response's ResponseCode) in place of a 2xx status. For a
// whole object it answers the viewer's conditional headers (304) and
// Range (206, or S3's 416 InvalidRange) itself. It returns the status
// sent, or cache.ErrGone, before writing anything, when the entry's body
// was evicted since the lookup. It also returns the X-Cache sent.
func (e *Edge) send(w http.ResponseWriter, r *http.Request, res result, xcache string, cfID *CfID, override int) (int, string, error) {
	resp := res.resp
	if rw, ok := h1.TakesRawHeader(w); ok && e.plainHit(w, r, res, override) {
		return e.sendHit(rw, w, r, res, xcache, cfID)
	}
	// A body in memory is written with one Write, so that it leaves in the
	// same write as the headers; a body in a file is copied from the file
	// (sendfile).
	mem, inMemory := resp.Bytes()
	var body io.ReadSeekCloser
	if !inMemory {
		var err error
		if body, err = resp.Open(); err != nil {
			return 0, "", err
		}
		defer body.Close()
	}
	h := w.Header()
	for k, v := range resp.Header() {
		// Shared read-only: the decoded header's slices have capacity 1
		// (cache.decodeHeader), and the edge only replaces values (Set,
		// Del), never writes into them.
		h[k] = v
	}
	status := resp.Status
	e.setEdgeHeaders(h, cfID.String(), xcache)
	if res.hit {
		h.Set("Age", strconv.FormatInt(int64(resp.Age(e.cache.Now())/time.Second), 10))
	}
	if res.hit && status >= 400 && e.reasonHeader {
		orig := resp.Header().Get("X-Edgegate-Denial-Reason")
		if orig == "" {
			orig = resp.Reason
		}
		h.Set("X-Edgegate-Denial-Reason", ReasonCachedError+" ("+orig+")")
	}
	start, n := int64(0), resp.Size
	if res.whole && status == http.StatusOK && override == 0 {
		if notModified(r.Header, resp.Header()) {
			for _, k := range []string{"Content-Length", "Content-Type", "Content-Encoding", "Content-Range", "Accept-Ranges"} {
				h.Del(k)
			}
			w.WriteHeader(http.StatusNotModified)
			return http.StatusNotModified, h.Get("X-Cache"), nil
		}
		if rg := r.Header.Get("Range"); rg != "" && r.Method == http.MethodGet {
			s, l, ok, satisfiable := parseRange(rg, resp.Size)
			switch {
			case !satisfiable:
				clear(h)
				e.setEdgeHeaders(h, cfID.String(), xError)
				ae := awsapi.New(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable").
					With("RangeRequested", rg).With("ActualObjectSize", strconv.FormatInt(resp.Size, 10)).
					WithHeader("Content-Range", "bytes */"+strconv.FormatInt(resp.Size, 10))
				h.Set("Content-Type", "application/xml")
				s3.WriteError(w, r, awsapi.NewRequestID(), ae)
				return http.StatusRequestedRangeNotSatisfiable, h.Get("X-Cache"), nil
			case ok:
				start, n, status = s, l, http.StatusPartialContent
				h.Set("Content-Range", "bytes "+strconv.FormatInt(s, 10)+"-"+strconv.FormatInt(s+l-1, 10)+"/"+strconv.FormatInt(resp.Size, 10))
			}
		}
	}
	if override != 0 && status < 300 {
		status = override
		h.Set("X-Cache", xError)
	}
	if (r.Method != http.MethodHead || res.whole) && status != http.StatusNotModified && status != http.StatusNoContent {
		h.Set("Content-Length", strconv.FormatInt(n, 10))
	}
	w.WriteHeader(status)
	if r.Method == http.MethodHead || n == 0 {
		return status, h.Get("X-Cache"), nil
	}
	if inMemory {
		if start+n <= int64(len(mem)) {
			_, _ = w.Write(mem[start : start+n])
		}
		return status, h.Get("X-Cache"), nil
	}
	if start > 0 {
		if _, err := body.Seek(start, io.SeekStart); err != nil {
			return status, h.Get("X-Cache"), nil
		}
	}
	_, _ = io.CopyN(w, body, n) // an *os.File body goes out with sendfile
	return status, h.Get("X-Cache"), nil
}

// plainHit reports whether res can go out through sendHit: a stored 200
// sent whole (no custom error code, no conditional or Range header to
// answer) whose stored header block holds none of the headers the edge
// sets (rawHits) and a Content-Type (else net/http would sniff one), to a
// writer with nothing in its header map yet.
func (e *Edge) plainHit(w http.ResponseWriter, r *http.Request, res result, override int) bool {
	resp := res.resp
	if !e.rawHits || !res.hit || !res.whole || override != 0 || resp.Status != http.StatusOK || len(w.Header()) != 0 {
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	h := r.Header
	if h["If-None-Match"] != nil || h["If-Modified-Since"] != nil || h["Range"] != nil {
		return false
	}
	block := resp.HeaderBlock()
	return block != nil && (bytes.HasPrefix(block, contentTypeLine[1:]) || bytes.Contains(block, contentTypeLine))
}

var contentTypeLine = []byte("\nContent-Type: ") // after the previous line's CRLF

// hitLinePool holds the buffers sendHit builds the edge's header lines in.
var hitLinePool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// sendHit sends a plainHit: the stored header block as it is, the edge's
// headers (X-Cache, Via, X-Amz-Cf-Pop, X-Amz-Cf-Id, Age) and the body,
// without a header map: the same response send builds with one.
func (e *Edge) sendHit(rw h1.RawHeaderWriter, w http.ResponseWriter, r *http.Request, res result, xcache string, cfID *CfID) (int, string, error) {
	resp := res.resp
	mem, inMemory := resp.Bytes()
	var body io.ReadSeekCloser
	if !inMemory {
		var err error
		if body, err = resp.Open(); err != nil {
			return 0, "", err
		}
		defer body.Close()
	}
	bp := hitLinePool.Get().(*[]byte)
	b := append((*bp)[:0], "X-Cache: "...)
	b = append(b, xcache...)
	b = append(b, "\r\n"...)
	b = append(b, e.hitLines...)
	b = append(b, "X-Amz-Cf-Id: "...)
	b = append(b, cfID[:]...)
	b = append(b, "\r\nAge: "...)
	b = strconv.AppendInt(b, int64(resp.Age(e.cache.Now())/time.Second), 10)
	b = append(b, "\r\n"...)
	rw.WriteRawHeader(http.StatusOK, resp.Size, resp.HeaderBlock(), b)
	*bp = b
	hitLinePool.Put(bp)
	if r.Method == http.MethodHead || resp.Size == 0 {
		return http.StatusOK, xcache, nil
	}
	if inMemory {
		_, _ = w.Write(mem)
		return http.StatusOK, xcache, nil
	}
	_, _ = io.CopyN(w, body, resp.Size) // an *os.File body goes out with sendfile
	return http.StatusOK, xcache, nil
}

// notModified evaluates a viewer's If-None-Match (weak comparison, "*")
// or, without it, If-Modified-Since against a cached 200's ETag and
// Last-Modified.
func notModified(req, stored http.Header) bool {
	if inm := req.Get("If-None-Match"); inm != "" {
		etag := strings.TrimPrefix(stored.Get("ETag"), "W/")
		if etag == "" {
			return false
		}
		for cand := range strings.SplitSeq(inm, ",") {
			cand = strings.TrimPrefix(strings.TrimSpace(cand), "W/")
			if cand == "*" || cand == etag {
				return true
			}
		}
		return false
	}
	v := req.Get("If-Modified-Since")
	if v == "" {
		return false
	}
	ims, err := http.ParseTime(v)
	if err != nil {
		return false
	}
	lm, err := http.ParseTime(stored.Get("Last-Modified"))
	return err == nil && !lm.After(ims)
}

// parseRange reads a single-range Range header against size bytes as S3
// does: ok with the span for a satisfiable range; ok false and
// satisfiable true for a header to ignore (several ranges, a malformed or
// non-bytes range: the whole object is sent); satisfiable false for a
// well-formed range starting at or past the end, a zero suffix, or any
// range of an empty object (416).
func parseRange(v string, size int64) (start, n int64, ok, satisfiable bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(v), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, true
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, true
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	num := func(s string) (int64, bool) {
		if s == "" || strings.TrimLeft(s, "0123456789") != "" {
			return 0, false
		}
		x, err := strconv.ParseInt(s, 10, 64)
		return x, err == nil
	}
	if a == "" {
		suffix, good := num(b)
		if !good {
			return 0, 0, false, true
		}
		if suffix == 0 || size == 0 {
			return 0, 0, false, false
		}
		suffix = min(suffix, size)
		return size - suffix, suffix, true, true
	}
	first, good := num(a)
	if !good {
		return 0, 0, false, true
	}
	last := size - 1
	if b != "" {
		l, good := num(b)
		if !good || l < first {
			return 0, 0, false, true
		}
		last = min(l, size-1)
	}
	if first >= size {
		return 0, 0, false, false
	}
	return first, last - first + 1, true, true
}

// errGone reports whether err means the cached body vanished.
func errGone(err error) bool { return errors.Is(err, cache.ErrGone) }
