package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/edge"
	"github.com/edgegate/edgegate/internal/h1"
)

// checkViewerCountry settles cfg.ViewerCountry, the country of viewers for
// the edge's geo restriction: empty is edge.DefaultViewerCountry (US),
// "unknown" is no location (stored as ""), anything else must be two
// letters and is upper-cased.
func checkViewerCountry(cfg *Config) error {
	switch c := strings.TrimSpace(cfg.ViewerCountry); {
	case c == "":
		cfg.ViewerCountry = edge.DefaultViewerCountry
	case strings.EqualFold(c, "unknown"):
		cfg.ViewerCountry = ""
	case edge.ValidCountryCode(c):
		cfg.ViewerCountry = strings.ToUpper(c)
	default:
		return fmt.Errorf("server: --viewer-country %q is not an ISO 3166-1 alpha-2 code (two letters) or \"unknown\"", cfg.ViewerCountry)
	}
	return nil
}

// withViewerCountry returns r carrying, for the edge's geo check, the
// viewer's country: X-Edgegate-Viewer-Country when the request also
// carries the valid operator token, else the server's --viewer-country.
// The header without a valid token is ignored (a viewer cannot pick its
// own country), with a warning so that nobody thinks it took effect.
func (s *Server) withViewerCountry(r *http.Request) *http.Request {
	tok := r.Header.Get(operatorTokenHeader)
	if tok == "" && r.Header.Get(edge.ViewerCountryHeader) == "" &&
		edge.ViewerCountryFrom(r.Context()) == s.cfg.ViewerCountry {
		return r // the connection's context already says the default (viewerConnContext)
	}
	operator := s.operatorTokenValid(tok)
	if !operator && r.Header.Get(edge.ViewerCountryHeader) != "" {
		s.log.Warn("ignoring "+edge.ViewerCountryHeader+": the request carries no valid "+operatorTokenHeader,
			"host", r.Host, "path", r.URL.Path)
	}
	return r.WithContext(edge.WithViewerCountry(r.Context(), edge.ViewerCountry(r, operator, s.cfg.ViewerCountry)))
}

// viewerConnContext gives every connection's requests the server's viewer
// country, so that withViewerCountry need not derive a request for it.
func (s *Server) viewerConnContext(ctx context.Context, _ net.Conn) context.Context {
	return edge.WithViewerCountry(ctx, s.cfg.ViewerCountry)
}

// viewerIdleTimeout is how long a kept-alive connection may wait for its
// next request.
const viewerIdleTimeout = 120 * time.Second

// newViewerServer returns the plain listener's front: internal/h1 serves
// the requests for edge hosts (outside /_edgegate/) itself, through
// s.ServeHTTP as net/http would, and hands every other connection to
// s.http at its first other request. The decision and its numbers:
// docs/decisions.md ("Edge hits: a lean HTTP/1.1 server").
func (s *Server) newViewerServer(readHeaderTimeout time.Duration) *h1.Server {
	return &h1.Server{
		Handler:           s,
		Take:              s.takesViewer,
		Fallback:          s.http,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       viewerIdleTimeout,
		ConnContext:       s.viewerConnContext,
		ErrorLog:          s.http.ErrorLog,
	}
}

// takesViewer tells internal/h1 which requests it serves: a Host the edge
// answers, on a path that is not edgegate's own.
func (s *Server) takesViewer(host, path string) bool {
	if strings.HasPrefix(path, edgegatePrefix) || path == metricsPath {
		return false
	}
	_, mine := s.edge.Route(host)
	return mine
}
