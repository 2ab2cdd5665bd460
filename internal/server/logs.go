package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/accesslog"
	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/edge"
	"github.com/edgegate/edgegate/internal/metrics"
	"github.com/edgegate/edgegate/internal/reqctx"
	"github.com/edgegate/edgegate/internal/s3"
)

// metricsPath is where the main listener serves the Prometheus metrics.
// Not /metrics: on a path-style S3 endpoint that is the bucket "metrics".
// A separate listener (ServeMetrics, --metrics-listen) serves /metrics.
const metricsPath = edgegatePrefix + "metrics"

// logs holds the two access logs' writers and the metrics.
type logs struct {
	metrics *metrics.Registry
	s3      *accesslog.Writer // S3 server access logs
	cf      *accesslog.Writer // CloudFront standard logs
	cfDir   bool              // --cloudfront-log-dir: every distribution logs there
}

// openLogs builds the metrics and the log writers. Their sinks deliver
// to buckets through s.s3, which Open builds afterwards; the writers
// deliver nothing before a request is logged, so they may be built first.
func (s *Server) openLogs(cfg Config) {
	s.logs.metrics = metrics.New()
	onDeliver := func(o *accesslog.Object, err error) { s.logs.metrics.LogDelivery(o.Target.Kind.String(), err) }

	s3Sinks := accesslog.Sinks{accesslog.SinkFunc(s.deliverS3Log)}
	if cfg.S3AccessLogDir != "" {
		s3Sinks = append(s3Sinks, accesslog.DirSink{Dir: cfg.S3AccessLogDir})
	}
	s.logs.s3 = accesslog.NewWriter(accesslog.Config{
		Sink: s3Sinks, Interval: cfg.AccessLogInterval, Logger: cfg.Logger, OnDeliver: onDeliver,
	})
	cfSinks := accesslog.Sinks{accesslog.SinkFunc(s.deliverCloudFrontLog)}
	if cfg.CloudFrontLogDir != "" {
		cfSinks = append(cfSinks, accesslog.DirSink{Dir: cfg.CloudFrontLogDir})
		s.logs.cfDir = true
	}
	s.logs.cf = accesslog.NewWriter(accesslog.Config{
		Sink: cfSinks, Interval: cfg.AccessLogInterval, Logger: cfg.Logger, OnDeliver: onDeliver,
	})
	s.logs.s3.Start()
	s.logs.cf.Start()
}

// closeLogs delivers what the writers hold; Close calls it before the
// stores close, since delivery writes to them.
func (s *Server) closeLogs() error {
	var errs []error
	ctx := context.Background()
	if s.logs.cf != nil {
		errs = append(errs, s.logs.cf.Close(ctx))
	}
	if s.logs.s3 != nil {
		errs = append(errs, s.logs.s3.Close(ctx))
	}
	return errors.Join(errs...)
}

// FlushLogs delivers every buffered S3 server access log and CloudFront
// standard log record now, instead of at the next interval, and returns
// the delivery errors (also logged). CloudFront logs go first: their
// deliveries are S3 requests, which may themselves be logged.
func (s *Server) FlushLogs(ctx context.Context) error {
	return errors.Join(s.logs.cf.Flush(ctx), s.logs.s3.Flush(ctx))
}

// Metrics returns the server's metrics registry (the edge cache sets
// its size function with SetCacheBytes).
func (s *Server) Metrics() *metrics.Registry { return s.logs.metrics }

// MetricsHandler serves the Prometheus exposition.
func (s *Server) MetricsHandler() http.Handler { return s.logs.metrics.Handler() }

// ServeMetrics serves the metrics alone, at /metrics (and at
// /_edgegate/metrics), on ln until ctx is cancelled: the --metrics-listen
// listener.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", s.MetricsHandler())
	mux.Handle(metricsPath, s.MetricsHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// deliverS3Log puts a server access log object into its target bucket as
// S3's log delivery service, with the source bucket as aws:SourceArn and
// its owner as aws:SourceAccount.
func (s *Server) deliverS3Log(ctx context.Context, o *accesslog.Object) error {
	t := o.Target
	return s.s3.DeliverLog(ctx, s3.LogDeliveryPrincipal, s3.SourceContext(t.SourceBucket, t.SourceAccount),
		t.Bucket, o.Key, "text/plain", o.Body)
}

// deliverCloudFrontLog puts a standard log file into the distribution's
// Logging.Bucket as the awslogsdelivery account, which the bucket's ACL
// must grant (FULL_CONTROL, as CloudFront's console and API add it; see
// docs/logs.md). A target without a bucket (a distribution without
// logging, logged to --cloudfront-log-dir only) is not delivered.
func (s *Server) deliverCloudFrontLog(ctx context.Context, o *accesslog.Object) error {
	if o.Target.Bucket == "" {
		return nil
	}
	return s.s3.DeliverLog(ctx, s3.CloudFrontLogDeliveryPrincipal, nil, o.Target.Bucket, o.Key, "application/x-gzip", o.Body)
}

// logBucketName is the bucket of a Logging.Bucket value: CloudFront takes
// the bucket's domain name (BUCKET.s3.amazonaws.com, or a regional
// BUCKET.s3.REGION.amazonaws.com, or edgegate's BUCKET.s3.localhost); a
// value without an s3 label is taken as the bucket's name.
func logBucketName(domain string) string {
	d := strings.ToLower(strings.TrimSuffix(domain, "."))
	labels := strings.Split(d, ".")
	for i := len(labels) - 1; i >= 1; i-- {
		if labels[i] == "s3" || strings.HasPrefix(labels[i], "s3-") {
			return strings.Join(labels[:i], ".")
		}
	}
	return d
}

// observeEdge records a viewer request the edge answered: the request
// and edge counters, and the distribution's standard log record when its
// Logging is enabled (or --cloudfront-log-dir is set).
func (s *Server) observeEdge(r *http.Request, d *cloudfront.DistributionView, sw *statusWriter, out edge.Outcome, start time.Time) {
	end := time.Now()
	status := sw.Status()
	s.logs.metrics.Request("cloudfront-edge", status)
	// The result type is the X-Cache the edge sent: from its Outcome,
	// else from the header, else (no X-Cache at all) from the status.
	result := out.XCache
	if result == "" {
		var ok bool
		if result, ok = accesslog.ResultTypeFromXCache(sw.Header().Get("X-Cache")); !ok {
			result = accesslog.ResultTypeForStatus(status)
		}
	}
	if out.DistributionID == "" || d == nil {
		return // no distribution: nothing to log it to
	}
	s.logs.metrics.EdgeRequest(out.DistributionID, lowerResult(result))
	if !s.logsEdge(d) {
		return
	}
	lc := d.Config.GetLogging()
	enabled := lc.GetEnabled() && lc.GetBucket() != ""
	t := accesslog.Target{DistributionID: d.ID}
	if enabled {
		t.Bucket, t.Prefix = logBucketName(lc.GetBucket()), lc.GetPrefix()
	}
	rec := cloudFrontRecord(r, d, sw, out, result, start, end)
	if enabled && lc.GetIncludeCookies() {
		rec.Cookie = r.Header.Get("Cookie")
	}
	s.logs.cf.AddCloudFront(t, rec)
}

// lowerResult is the lower-case result type (the metric's label value)
// without allocating for the usual ones.
func lowerResult(r string) string {
	switch r {
	case "Hit":
		return "hit"
	case "Miss":
		return "miss"
	case "RefreshHit":
		return "refreshhit"
	case "Error":
		return "error"
	}
	return r // EdgeRequest lower-cases it
}

// logsEdge reports whether viewer requests of d go to standard logs
// (its logging, or the server's CloudFrontLogDir).
func (s *Server) logsEdge(d *cloudfront.DistributionView) bool {
	if s.logs.cfDir {
		return true
	}
	if d == nil {
		return false
	}
	lc := d.Config.GetLogging()
	return lc.GetEnabled() && lc.GetBucket() != ""
}

// cloudFrontRecord builds the standard log record of one viewer request.
func cloudFrontRecord(r *http.Request, d *cloudfront.DistributionView, sw *statusWriter, out edge.Outcome, result string, start, end time.Time) *accesslog.CloudFrontRecord {
	h := sw.Header()
	rec := &accesslog.CloudFrontRecord{
		Time:             end,
		EdgeLocation:     edge.Pop,
		SCBytes:          responseHeaderBytes(r, sw) + sw.bytes,
		Method:           r.Method,
		DistributionHost: d.DomainName,
		URIStem:          r.URL.EscapedPath(),
		Status:           sw.Status(),
		Referer:          r.Header.Get("Referer"),
		UserAgent:        r.Header.Get("User-Agent"),
		URIQuery:         r.URL.RawQuery,
		ResultType:       result,
		RequestID:        out.RequestID.String(),
		HostHeader:       r.Host,
		Protocol:         "http",
		CSBytes:          requestBytes(r),
		TimeTaken:        end.Sub(start),
		TimeToFirstByte:  -1,
		ForwardedFor:     r.Header.Get("X-Forwarded-For"),
		ProtocolVersion:  r.Proto,
		ContentType:      h.Get("Content-Type"),
		ContentLength:    -1,
		RangeStart:       -1,
		RangeEnd:         -1,
	}
	if host, port, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		rec.ClientIP = host
		rec.ClientPort, _ = strconv.Atoi(port)
	} else {
		rec.ClientIP = r.RemoteAddr
	}
	if r.TLS != nil {
		rec.Protocol = "https"
		rec.SSLProtocol = accesslog.TLSVersionName(r.TLS.Version)
		rec.SSLCipher = accesslog.CipherSuiteName(r.TLS.CipherSuite)
	}
	if !sw.first.IsZero() {
		rec.TimeToFirstByte = sw.first.Sub(start)
	}
	if n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil {
		rec.ContentLength = n
	}
	if cr := h.Get("Content-Range"); cr != "" {
		// bytes START-END/TOTAL
		if spec, ok := strings.CutPrefix(cr, "bytes "); ok {
			if rng, _, ok := strings.Cut(spec, "/"); ok {
				if a, b, ok := strings.Cut(rng, "-"); ok {
					rec.RangeStart, _ = strconv.ParseInt(a, 10, 64)
					rec.RangeEnd, _ = strconv.ParseInt(b, 10, 64)
				}
			}
		}
	}
	if result == accesslog.ResultError {
		rec.DetailedResultType = detailedResultType(out.Reason)
	}
	return rec
}

// detailedResultType is x-edge-detailed-result-type for an Error: the
// specific type CloudFront names for the edge's own refusals, "Error"
// for the rest (origin errors, cached errors, causes without a type of
// their own). UNCONFIRMED beyond ClientGeoBlocked and
// InvalidRequestMethod, which the spec lists.
func detailedResultType(reason string) string {
	switch reason {
	case edge.ReasonMethodNotAllowed:
		return "InvalidRequestMethod"
	case edge.ReasonGeoBlocked:
		return "ClientGeoBlocked"
	case edge.ReasonBadRequest:
		return "InvalidRequest"
	case edge.ReasonOriginConnect:
		return "OriginConnectError"
	case edge.ReasonOriginTimeout:
		return "OriginReadError"
	}
	return accesslog.ResultError
}

// requestBytes estimates cs-bytes: the request line, the headers as
// received and the body's length.
func requestBytes(r *http.Request) int64 {
	n := int64(len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2)
	n += int64(len("Host: ") + len(r.Host) + 2)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += int64(len(k) + 2 + len(v) + 2)
		}
	}
	n += 2
	if r.ContentLength > 0 {
		n += r.ContentLength
	}
	return n
}

// responseHeaderBytes estimates the header part of sc-bytes: the status
// line, the headers the handler set, and the Date header net/http adds.
func responseHeaderBytes(r *http.Request, sw *statusWriter) int64 {
	status := sw.Status()
	n := int64(len(r.Proto) + 1 + 3 + 1 + len(http.StatusText(status)) + 2)
	h := sw.Header()
	for k, vs := range h {
		for _, v := range vs {
			n += int64(len(k) + 2 + len(v) + 2)
		}
	}
	if _, ok := h["Date"]; !ok {
		n += int64(len("Date: Mon, 02 Jan 2006 15:04:05 GMT") + 2)
	}
	return n + 2
}

// timedOrigin is the edge's S3 origin with its requests timed for
// edgegate_origin_request_duration_seconds.
type timedOrigin struct {
	s3   edge.S3Origin
	m    *metrics.Registry
	auth func(http.ResponseWriter, *http.Request, *reqctx.Call) *awsapi.Error
}

// AuthenticateForwarded authenticates an origin request's forwarded
// viewer Authorization as the server does any S3 request
// (edge.ForwardedAuthenticator).
func (o timedOrigin) AuthenticateForwarded(w http.ResponseWriter, r *http.Request, c *reqctx.Call) *awsapi.Error {
	return o.auth(w, r, c)
}

func (o timedOrigin) ServeS3(w http.ResponseWriter, r *http.Request, c *reqctx.Call) *awsapi.Error {
	start := time.Now()
	ae := o.s3.ServeS3(w, r, c)
	o.m.OriginRequest("s3", time.Since(start))
	return ae
}
