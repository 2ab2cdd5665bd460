// Package metrics is edgegate's Prometheus instrumentation: a few
// counters, a histogram and gauges, written in the Prometheus text
// exposition format (version 0.0.4) by this package alone, without a
// client library (docs/logs.md, "Metrics").
//
// The series, all prefixed edgegate_:
//
//	requests_total{service,status_class}         counter: every API and viewer request
//	edge_requests_total{distribution,result}     counter: viewer requests by x-edge-result-type
//	origin_request_duration_seconds{origin}      histogram: edge-to-origin requests
//	edge_cache_bytes{tier}                       gauge: the edge cache's size (SetCacheBytes)
//	access_log_deliveries_total{log,result}      counter: log objects delivered or dropped
package metrics

import (
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ContentType is the exposition format's media type.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// DefaultBuckets are the origin duration histogram's upper bounds, in
// seconds.
var DefaultBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Registry holds one server's metrics. The zero value is not usable; call
// New. It is safe for concurrent use.
type Registry struct {
	requests   *CounterVec
	edge       *CounterVec
	deliveries *CounterVec
	origin     *HistogramVec

	mu         sync.Mutex
	cacheBytes func() (memory, disk int64)
}

// New returns a Registry with edgegate's metrics, all at zero.
func New() *Registry {
	return &Registry{
		requests: newCounterVec("edgegate_requests_total",
			"Requests answered, by service (s3, iam, sts, kms, cloudfront, cloudfront-edge, edgegate) and status class (2xx..5xx).",
			"service", "status_class"),
		edge: newCounterVec("edgegate_edge_requests_total",
			"Viewer requests answered by the CloudFront edge, by distribution and result (hit, refreshhit, miss, error, redirect).",
			"distribution", "result"),
		deliveries: newCounterVec("edgegate_access_log_deliveries_total",
			"Access log objects delivered (ok) or dropped (error), by log (s3, cloudfront).",
			"log", "result"),
		origin: newHistogramVec("edgegate_origin_request_duration_seconds",
			"Duration of the edge's origin requests, from the request to the origin's last byte, by origin type.",
			DefaultBuckets, "origin"),
	}
}

// Request counts one request answered by service with status.
func (r *Registry) Request(service string, status int) {
	r.requests.Inc(service, StatusClass(status))
}

// EdgeRequest counts one viewer request of distribution with an
// x-edge-result-type (Hit, Miss, ...; lowercased for the label).
func (r *Registry) EdgeRequest(distribution, resultType string) {
	r.edge.Inc(distribution, strings.ToLower(resultType))
}

// LogDelivery counts one access log object delivered (err nil) or
// dropped.
func (r *Registry) LogDelivery(log string, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	r.deliveries.Inc(log, result)
}

// OriginRequest observes one origin request of origin type ("s3",
// "custom") that took d.
func (r *Registry) OriginRequest(origin string, d time.Duration) {
	r.origin.Observe(d.Seconds(), origin)
}

// SetCacheBytes sets the function edgegate_edge_cache_bytes reads at
// each scrape: the edge cache's bytes held in memory and on disk. nil
// removes the gauge (as before any cache exists).
func (r *Registry) SetCacheBytes(fn func() (memory, disk int64)) {
	r.mu.Lock()
	r.cacheBytes = fn
	r.mu.Unlock()
}

var globalCacheBytes atomic.Pointer[func() (memory, disk int64)]

// SetCacheBytes sets the cache size function of every Registry that has
// none of its own (the process's edge cache, for code that has no
// Registry at hand). nil removes it.
func SetCacheBytes(fn func() (memory, disk int64)) {
	if fn == nil {
		globalCacheBytes.Store(nil)
		return
	}
	globalCacheBytes.Store(&fn)
}

// StatusClass is "2xx" for 200-299 and so on; "other" outside 100-599.
func StatusClass(status int) string {
	switch {
	case status >= 100 && status < 200:
		return "1xx"
	case status < 300 && status >= 200:
		return "2xx"
	case status < 400 && status >= 300:
		return "3xx"
	case status < 500 && status >= 400:
		return "4xx"
	case status < 600 && status >= 500:
		return "5xx"
	}
	return "other"
}

// WriteTo writes every metric in the text exposition format: metrics in
// a fixed order, series sorted by their label values.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	var b []byte
	b = r.requests.appendText(b)
	b = r.edge.appendText(b)
	b = r.origin.appendText(b)
	r.mu.Lock()
	fn := r.cacheBytes
	r.mu.Unlock()
	if fn == nil {
		if p := globalCacheBytes.Load(); p != nil {
			fn = *p
		}
	}
	if fn != nil {
		mem, disk := fn()
		b = appendHeader(b, "edgegate_edge_cache_bytes", "Bytes held by the edge cache, by tier (memory, disk).", "gauge")
		b = appendSample(b, "edgegate_edge_cache_bytes", []string{"tier"}, []string{"disk"}, "", "", float64(disk))
		b = appendSample(b, "edgegate_edge_cache_bytes", []string{"tier"}, []string{"memory"}, "", "", float64(mem))
	}
	b = r.deliveries.appendText(b)
	n, err := w.Write(b)
	return int64(n), err
}

// Handler serves the exposition on GET and HEAD.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", ContentType)
		if req.Method == http.MethodHead {
			return
		}
		_, _ = r.WriteTo(w)
	})
}

// maxLabels is the most labels a series has here; label values are
// kept in a fixed array so that counting allocates nothing.
const maxLabels = 3

type labelKey [maxLabels]string

func keyOf(values []string) labelKey {
	var k labelKey
	copy(k[:], values)
	return k
}

// CounterVec is a counter with labels (at most maxLabels).
type CounterVec struct {
	name, help string
	labels     []string
	mu         sync.RWMutex
	series     map[labelKey]*counterSeries
}

type counterSeries struct {
	values []string
	n      atomic.Uint64
}

func newCounterVec(name, help string, labels ...string) *CounterVec {
	return &CounterVec{name: name, help: help, labels: labels, series: map[labelKey]*counterSeries{}}
}

// Inc adds one to the series with these label values (in the order of
// the labels).
func (c *CounterVec) Inc(values ...string) { c.Add(1, values...) }

// Add adds n to the series with these label values.
func (c *CounterVec) Add(n uint64, values ...string) {
	key := keyOf(values)
	c.mu.RLock()
	s := c.series[key]
	c.mu.RUnlock()
	if s == nil {
		c.mu.Lock()
		if s = c.series[key]; s == nil {
			s = &counterSeries{values: slices.Clone(values)}
			c.series[key] = s
		}
		c.mu.Unlock()
	}
	s.n.Add(n)
}

// Value returns the series' current value (0 if it was never counted).
func (c *CounterVec) Value(values ...string) uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if s := c.series[keyOf(values)]; s != nil {
		return s.n.Load()
	}
	return 0
}

func (c *CounterVec) appendText(b []byte) []byte {
	b = appendHeader(b, c.name, c.help, "counter")
	c.mu.RLock()
	keys := make([]labelKey, 0, len(c.series))
	for k := range c.series {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	for _, k := range keys {
		s := c.series[k]
		b = appendSample(b, c.name, c.labels, s.values, "", "", float64(s.n.Load()))
	}
	c.mu.RUnlock()
	return b
}

func compareKeys(a, b labelKey) int {
	for i := range a {
		if c := strings.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

// HistogramVec is a histogram with labels (at most maxLabels).
type HistogramVec struct {
	name, help string
	labels     []string
	bounds     []float64
	mu         sync.Mutex
	series     map[labelKey]*histSeries
}

type histSeries struct {
	values []string
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	count  uint64
}

func newHistogramVec(name, help string, bounds []float64, labels ...string) *HistogramVec {
	return &HistogramVec{name: name, help: help, labels: labels, bounds: bounds, series: map[labelKey]*histSeries{}}
}

// Observe records v in the series with these label values.
func (h *HistogramVec) Observe(v float64, values ...string) {
	key := keyOf(values)
	i, _ := slices.BinarySearch(h.bounds, v) // first bound >= v: "le"
	h.mu.Lock()
	s := h.series[key]
	if s == nil {
		s = &histSeries{values: slices.Clone(values), counts: make([]uint64, len(h.bounds)+1)}
		h.series[key] = s
	}
	s.counts[i]++
	s.sum += v
	s.count++
	h.mu.Unlock()
}

// Count returns how many observations the series has.
func (h *HistogramVec) Count(values ...string) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s := h.series[keyOf(values)]; s != nil {
		return s.count
	}
	return 0
}

func (h *HistogramVec) appendText(b []byte) []byte {
	b = appendHeader(b, h.name, h.help, "histogram")
	h.mu.Lock()
	defer h.mu.Unlock()
	keys := make([]labelKey, 0, len(h.series))
	for k := range h.series {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	for _, k := range keys {
		s := h.series[k]
		var cum uint64
		for i, ub := range h.bounds {
			cum += s.counts[i]
			b = appendSample(b, h.name+"_bucket", h.labels, s.values, "le", formatFloat(ub), float64(cum))
		}
		cum += s.counts[len(h.bounds)]
		b = appendSample(b, h.name+"_bucket", h.labels, s.values, "le", "+Inf", float64(cum))
		b = appendSample(b, h.name+"_sum", h.labels, s.values, "", "", s.sum)
		b = appendSample(b, h.name+"_count", h.labels, s.values, "", "", float64(s.count))
	}
	return b
}

// Counters and histograms of a Registry, for tests and callers that read
// values back.

// Requests is edgegate_requests_total.
func (r *Registry) Requests() *CounterVec { return r.requests }

// EdgeRequests is edgegate_edge_requests_total.
func (r *Registry) EdgeRequests() *CounterVec { return r.edge }

// Deliveries is edgegate_access_log_deliveries_total.
func (r *Registry) Deliveries() *CounterVec { return r.deliveries }

// OriginDurations is edgegate_origin_request_duration_seconds.
func (r *Registry) OriginDurations() *HistogramVec { return r.origin }

func appendHeader(b []byte, name, help, typ string) []byte {
	b = append(b, "# HELP "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = appendEscaped(b, help, false)
	b = append(b, "\n# TYPE "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, typ...)
	return append(b, '\n')
}

// appendSample writes one sample line: name{labels...,extra="v"} value.
func appendSample(b []byte, name string, labels, values []string, extra, extraValue string, v float64) []byte {
	b = append(b, name...)
	if len(labels) > 0 || extra != "" {
		b = append(b, '{')
		for i, l := range labels {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, l...)
			b = append(b, `="`...)
			b = appendEscaped(b, values[i], true)
			b = append(b, '"')
		}
		if extra != "" {
			if len(labels) > 0 {
				b = append(b, ',')
			}
			b = append(b, extra...)
			b = append(b, `="`...)
			b = append(b, extraValue...)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	b = append(b, ' ')
	b = append(b, formatFloat(v)...)
	return append(b, '\n')
}

// appendEscaped escapes \ and newline (and " in label values), as the
// exposition format requires.
func appendEscaped(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64) // counts and byte sizes in full
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
