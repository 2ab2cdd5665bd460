package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
)

// serveWebsite answers a request whose Host is a bucket's website
// endpoint (s3website.ParseHost) and logs it. Website endpoints have no
// HTTPS listener on AWS, so a request over TLS gets no answer: the
// connection is closed, as a client of AWS sees a connection failure.
// Any Authorization is ignored: website requests are anonymous.
func (s *Server) serveWebsite(w http.ResponseWriter, r *http.Request) {
	if r.TLS != nil {
		panic(http.ErrAbortHandler)
	}
	sw := &statusWriter{ResponseWriter: w}
	c := &reqctx.Call{
		RequestID: awsapi.NewRequestID(),
		Principal: identity.AnonymousPrincipal,
		SourceIP:  hostOnly(r.RemoteAddr),
		Received:  time.Now(),
	}
	out := s.website.Serve(sw, r, c)
	if !s.cfg.LogRequests {
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("request_id", c.RequestID),
		slog.String("service", "s3-website"),
		slog.String("host", r.Host),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("bucket", out.Bucket),
		slog.String("key", out.Key),
		slog.Int("status", sw.Status()),
		slog.String("error", out.Code),
		slog.Int64("bytes", sw.bytes),
		slog.Duration("duration", time.Since(c.Received)),
	)
}
