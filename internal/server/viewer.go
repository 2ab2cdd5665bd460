package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/edgegate/edgegate/internal/edge"
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
	operator := s.operatorTokenValid(r.Header.Get(operatorTokenHeader))
	if !operator && r.Header.Get(edge.ViewerCountryHeader) != "" {
		s.log.Warn("ignoring "+edge.ViewerCountryHeader+": the request carries no valid "+operatorTokenHeader,
			"host", r.Host, "path", r.URL.Path)
	}
	return r.WithContext(edge.WithViewerCountry(r.Context(), edge.ViewerCountry(r, operator, s.cfg.ViewerCountry)))
}
