package server

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/h1"
	"github.com/edgegate/edgegate/internal/iam"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/kms"
	"github.com/edgegate/edgegate/internal/reqctx"
	"github.com/edgegate/edgegate/internal/s3"
	"github.com/edgegate/edgegate/internal/s3website"
	"github.com/edgegate/edgegate/internal/sigv4"
)

const (
	healthPath = "/_edgegate/health"
	// edgegatePrefix starts the paths edgegate serves itself on any host.
	edgegatePrefix = "/_edgegate/"
)

// statusWriter records the status a handler sent, the body bytes and
// when the response started, for the request log and the access logs.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	first  time.Time // when the status was sent (the first response byte)
	// mapHeader: a WriteRawHeader puts its lines in the header map (the
	// standard logs read the response's header from it).
	mapHeader bool
}

// RawHeaderOK reports whether WriteRawHeader goes out without a header
// map (h1.RawHeaderOK).
func (w *statusWriter) RawHeaderOK() bool {
	_, ok := w.ResponseWriter.(h1.RawHeaderWriter)
	return ok && !w.mapHeader
}

// WriteRawHeader passes a ready-made header on to internal/h1's writer,
// or, when that is not the writer or the header map is wanted
// (mapHeader), adds the lines to the map and calls WriteHeader.
func (w *statusWriter) WriteRawHeader(code int, n int64, a, b []byte) {
	if rw, ok := w.ResponseWriter.(h1.RawHeaderWriter); ok && !w.mapHeader {
		// Nothing reads the first byte's time without the map (logs).
		if w.status == 0 {
			w.status = code
		}
		rw.WriteRawHeader(code, n, a, b)
		return
	}
	h := w.Header()
	h1.AddHeaderLines(h, a)
	h1.AddHeaderLines(h, b)
	if code != http.StatusNoContent && code != http.StatusNotModified {
		h.Set("Content-Length", strconv.FormatInt(n, 10))
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.first = time.Now()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
		w.first = time.Now()
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps the sendfile path of http.ServeContent and io.Copy
// through the wrapper: net/http's own writer does the copy.
func (w *statusWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
		w.first = time.Now()
	}
	n, err := io.Copy(w.ResponseWriter, src)
	w.bytes += n
	return n, err
}

// Status returns the status sent so far (200 once a body was written).
func (w *statusWriter) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// BytesWritten is the body bytes sent so far (S3's access log Bytes Sent).
func (w *statusWriter) BytesWritten() int64 { return w.bytes }

// FirstByte is when the response started, zero before (S3's access log
// Turn-Around Time).
func (w *statusWriter) FirstByte() time.Time { return w.first }

// swPool holds the edge's statusWriters (serveEdge).
var swPool = sync.Pool{New: func() any { return new(statusWriter) }}

var callPool = sync.Pool{New: func() any { return new(callState) }}

// callState is the per-request scratch the handler reuses across requests.
type callState struct {
	call reqctx.Call
	sw   statusWriter
}

// ServeHTTP is the single front door: health, then the CloudFront edge
// for distribution hosts, then SigV4 verification, then the service the
// credential scope names (S3 for unsigned requests).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == healthPath {
		s.serveHealth(w)
		return
	}
	if r.URL.Path == metricsPath {
		s.MetricsHandler().ServeHTTP(w, r)
		return
	}
	// A Host that is a distribution's domain name or alias, or any name
	// under the distribution domain suffix, is a viewer request: the edge
	// answers it, before and without SigV4 (a viewer's Authorization is
	// the viewer's business, not edgegate's API). edgegate's own paths
	// (/_edgegate/...) stay edgegate's on every host.
	if !strings.HasPrefix(r.URL.Path, edgegatePrefix) {
		if d, mine := s.edge.Route(r.Host); mine {
			s.serveEdge(w, r, d)
			return
		}
		// A bucket's website endpoint host: S3's website endpoint
		// answers it, anonymously (website.go).
		if _, _, ok := s3website.ParseHost(r.Host); ok {
			s.serveWebsite(w, r)
			return
		}
	}
	st := callPool.Get().(*callState)
	defer callPool.Put(st)
	st.sw = statusWriter{ResponseWriter: w}
	c := &st.call
	*c = reqctx.Call{
		RequestID: awsapi.NewRequestID(),
		Principal: identity.AnonymousPrincipal,
		SourceIP:  hostOnly(r.RemoteAddr),
		Secure:    r.TLS != nil,
		Received:  time.Now(),
	}
	service := "s3"
	var errCode string
	if sigv4.IsSigned(r) {
		res, err := s.verifier.Verify(r)
		if err != nil {
			service = scopeService(r)
			errCode = s.writeAuthError(&st.sw, r, c, service, err)
			s.logRequest(r, c, service, &st.sw, errCode)
			return
		}
		p, ok := s.accounts.PrincipalForKey(res.AccessKeyID)
		if !ok { // key removed between Verify and here
			errCode = s.writeAuthError(&st.sw, r, c, res.Service, awsapi.ErrInvalidAccessKeyID)
			s.logRequest(r, c, res.Service, &st.sw, errCode)
			return
		}
		// X-Amz-Security-Token: required with (and only with) a role
		// session's temporary key, and the session must not have expired.
		if e := s.accounts.CheckSessionToken(res.AccessKeyID, res.SecurityToken, c.Received); e != nil {
			errCode = s.writeAuthError(&st.sw, r, c, res.Service, e)
			s.logRequest(r, c, res.Service, &st.sw, errCode)
			return
		}
		c.Principal = p
		c.Auth = res
		r.Body = res.Body
		service = res.Service
	} else if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "TrentService.") {
		service = "kms" // an unsigned KMS call: KMS answers it (MissingAuthenticationToken)
	} else if r.Header.Get("X-Amz-Content-Sha256") != "" {
		// An unsigned request's payload claims still hold: a hex hash is
		// checked, an unsigned aws-chunked body is decoded.
		res, err := s.verifier.Verify(r)
		if err != nil {
			errCode = s.writeAuthError(&st.sw, r, c, service, err)
			s.logRequest(r, c, service, &st.sw, errCode)
			return
		}
		r.Body = res.Body
	}
	if e := s.applyOperator(r, c); e != nil {
		errCode = s.writeAuthError(&st.sw, r, c, service, e)
		s.logRequest(r, c, service, &st.sw, errCode)
		return
	}
	if r.URL.Path == simulatePath {
		s.serveSimulate(&st.sw, r, c)
		s.logRequest(r, c, "edgegate", &st.sw, "")
		return
	}
	if strings.HasPrefix(r.URL.Path, explainPrefix) {
		s.serveExplain(&st.sw, r, c)
		s.logRequest(r, c, "edgegate", &st.sw, "")
		return
	}
	switch service {
	case "s3":
		if e := s.s3.ServeS3(&st.sw, r, c); e != nil {
			errCode = e.Code
		}
	case "iam":
		s.accounts.ServeIAM(&st.sw, r, c)
	case "sts":
		s.accounts.ServeSTS(&st.sw, r, c)
	case "kms":
		if e := s.kms.ServeKMS(&st.sw, r, c); e != nil {
			errCode = e.Code
		}
	case "cloudfront":
		if e := s.cf.ServeCloudFront(&st.sw, r, c); e != nil {
			errCode = e.Code
		}
	default:
		errCode = s.writeAuthError(&st.sw, r, c, "s3", awsapi.New(http.StatusBadRequest, "InvalidRequest",
			"edgegate does not serve the AWS service "+strconv.Quote(service)+" on this endpoint"))
	}
	s.logRequest(r, c, service, &st.sw, errCode)
}

// serveEdge hands a viewer request to the edge and logs it: the request
// id is the X-Amz-Cf-Id, and the origin request's id links it to the S3
// decision it led to.
func (s *Server) serveEdge(w http.ResponseWriter, r *http.Request, d *cloudfront.DistributionView) {
	start := time.Now()
	sw := swPool.Get().(*statusWriter)
	*sw = statusWriter{ResponseWriter: w, mapHeader: s.logsEdge(d)}
	defer func() {
		*sw = statusWriter{}
		swPool.Put(sw)
	}()
	r = s.withViewerCountry(r)
	out := s.edge.Serve(sw, r, d)
	s.observeEdge(r, d, sw, out, start)
	if !s.cfg.LogRequests {
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("request_id", out.RequestID.String()),
		slog.String("service", "cloudfront-edge"),
		slog.String("distribution", out.DistributionID),
		slog.String("host", r.Host),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", sw.Status()),
		slog.String("error", out.Reason),
		slog.String("origin_request_id", out.OriginRequestID),
		slog.String("origin_access", out.OriginAccess),
		slog.Int64("bytes", sw.bytes),
		slog.Duration("duration", time.Since(start)),
	)
}

// writeAuthError answers a request that failed before reaching its service,
// in the wire format of the service it was meant for.
// authenticateForwarded authenticates the Authorization header of an
// origin request the edge did not sign (a viewer's, forwarded by a cache
// policy) as serveAPI does a signed S3 request: on success c gets the
// principal and the verified signature, otherwise S3's error response is
// written to w (and logged as S3 logs refused requests) and returned.
func (s *Server) authenticateForwarded(w http.ResponseWriter, r *http.Request, c *reqctx.Call) *awsapi.Error {
	fail := func(err error) *awsapi.Error {
		var ae *awsapi.Error
		if !errors.As(err, &ae) {
			ae = awsapi.ErrInternal
		}
		s.writeAuthError(w, r, c, "s3", ae)
		return ae
	}
	res, err := s.verifier.Verify(r)
	if err != nil {
		return fail(err)
	}
	if res.AuthType == sigv4.None {
		return nil
	}
	p, ok := s.accounts.PrincipalForKey(res.AccessKeyID)
	if !ok {
		return fail(awsapi.ErrInvalidAccessKeyID)
	}
	if e := s.accounts.CheckSessionToken(res.AccessKeyID, res.SecurityToken, c.Received); e != nil {
		return fail(e)
	}
	c.Principal, c.Auth, c.Context = p, res, nil
	r.Body = res.Body
	return nil
}

func (s *Server) writeAuthError(w http.ResponseWriter, r *http.Request, c *reqctx.Call, service string, err error) string {
	var ae *awsapi.Error
	if !errors.As(err, &ae) {
		s.log.Error("authentication failed internally", "request_id", c.RequestID, "err", err)
		ae = awsapi.ErrInternal
	}
	h := w.Header()
	h.Set("x-amz-request-id", c.RequestID)
	h.Set("x-amz-id-2", awsapi.HostID(c.RequestID))
	switch service {
	case "iam":
		iam.WriteIAMError(w, c.RequestID, ae)
	case "sts":
		iam.WriteSTSError(w, c.RequestID, ae)
	case "kms":
		kms.WriteError(w, c.RequestID, ae)
	case "cloudfront":
		cloudfront.WriteError(w, c.RequestID, ae)
	default:
		s3.WriteError(w, r, c.RequestID, ae)
		s.s3.LogRejected(w, r, c, ae) // S3 logs refused requests too
	}
	return ae.Code
}

func (s *Server) logRequest(r *http.Request, c *reqctx.Call, service string, w *statusWriter, errCode string) {
	s.logs.metrics.Request(service, w.Status())
	if !s.cfg.LogRequests {
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("request_id", c.RequestID),
		slog.String("service", service),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", w.status),
		slog.String("error", errCode),
		slog.String("principal", c.Principal.ARN),
		slog.Int64("bytes", w.bytes),
		slog.Duration("duration", time.Since(c.Received)),
	)
}

func (s *Server) serveHealth(w http.ResponseWriter) {
	select {
	case <-s.ready:
	default:
		http.Error(w, `{"status":"starting"}`, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok","services":["s3","iam","sts","kms","cloudfront"]}` + "\n"))
}

// scopeService reads the service out of a request's credential scope
// (Credential=AKID/DATE/REGION/SERVICE/aws4_request) without verifying it,
// so that an authentication error can be answered in that service's format.
func scopeService(r *http.Request) string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if cred == "" {
		a := r.Header.Get("Authorization")
		i := strings.Index(a, "Credential=")
		if i < 0 {
			return "s3"
		}
		cred = a[i+len("Credential="):]
		if j := strings.IndexAny(cred, ", "); j >= 0 {
			cred = cred[:j]
		}
	}
	parts := strings.Split(cred, "/")
	if len(parts) == 5 {
		return parts[3]
	}
	return "s3"
}

func hostOnly(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
