package edge

import (
	"context"
	"net/http"
	"strings"

	"github.com/edgegate/edgegate/internal/cloudfront"
)

// Geo restriction (spec §5.1, §5.10): a distribution's
// Restrictions.GeoRestriction blocks viewers by country, before WAF and
// cache behaviour selection.
//
// Where the viewer's country comes from. CloudFront maps the viewer's IP
// address to a country with a third-party GeoIP database (MaxMind).
// edgegate does not: it runs offline and ships no GeoIP data, and its
// viewers are on loopback or a private network, addresses no database
// places in a country. Instead the server decides the country of each
// viewer request and hands it to the edge in the request's context
// (WithViewerCountry): the operator's X-Edgegate-Viewer-Country when the
// request also carries the valid operator token, else the server-wide
// default (`edgegate serve --viewer-country`, default US). A viewer cannot
// choose its own country: without the operator token the header is
// ignored, as a real viewer's request headers cannot move its IP address.

const (
	// ReasonGeoBlocked: the distribution's geo restriction blocks the
	// viewer's country (spec §8).
	ReasonGeoBlocked = "CloudFrontGeoBlocked"

	// GeoBlockedMessage is the sentence of CloudFront's 403 page for a
	// viewer its geo restriction blocks (spec §5.10).
	GeoBlockedMessage = "The Amazon CloudFront distribution is configured to block access from your country."

	// GeoBlockedDetailedResult is the x-edge-detailed-result-type of a
	// geo-blocked request in CloudFront's standard logs (x-edge-result-type
	// Error).
	GeoBlockedDetailedResult = "ClientGeoBlocked"

	// ViewerCountryHeader is the operator's override of the viewer's
	// country, honoured only with the operator token.
	ViewerCountryHeader = "X-Edgegate-Viewer-Country"

	// DefaultViewerCountry is the country of every viewer when the server
	// is given none.
	DefaultViewerCountry = "US"
)

func init() {
	// The geo refusal's page text and explanation live with the rest of
	// the edge's reasons (errors.go); they are registered here so that
	// geo restriction stays in one file.
	reasons[ReasonGeoBlocked] = reasonInfo{GeoBlockedMessage,
		"The distribution's geo restriction (Restrictions.GeoRestriction) blocks the viewer's country: RestrictionType whitelist " +
			"without the country, or blacklist with it. edgegate's viewer country is the server's --viewer-country (default US), " +
			"or X-Edgegate-Viewer-Country on a request carrying the operator token.",
		"Add the country to the whitelist or remove it from the blacklist (or set RestrictionType none), " +
			"or test another country with --viewer-country or X-Edgegate-Viewer-Country plus X-Edgegate-Operator-Token."}
}

// GeoCheck reports whether cfg's geo restriction blocks a viewer in
// country, an ISO 3166-1 alpha-2 code ("" when the location is unknown):
//
//   - RestrictionType none (or no Restrictions): never blocked;
//   - whitelist: blocked unless country is one of the Locations;
//   - blacklist: blocked when country is one of the Locations;
//   - an unknown country ("" or not two letters) is never blocked, under
//     either list: "If CloudFront can't determine a user's location,
//     CloudFront serves the content that the user has requested"
//     (Developer Guide, georestrictions.html).
//
// Codes compare case-insensitively (the control plane stores upper case).
// An unknown RestrictionType blocks nothing: the control plane accepts
// none, whitelist and blacklist only.
func GeoCheck(cfg *cloudfront.DistributionConfig, country string) (blocked bool) {
	g := cfg.GetRestrictions().GetGeoRestriction()
	typ := g.GetRestrictionType()
	if typ != "whitelist" && typ != "blacklist" {
		return false
	}
	country = normalizeCountry(country)
	if country == "" {
		return false
	}
	listed := false
	for _, loc := range g.GetItems() {
		if strings.EqualFold(strings.TrimSpace(loc), country) {
			listed = true
			break
		}
	}
	if typ == "whitelist" {
		return !listed
	}
	return listed
}

// ViewerCountry returns the country of viewer request r: the value of
// X-Edgegate-Viewer-Country when operatorOK (the request carries the
// valid operator token; the server checks it), else defaultCountry. The
// result is an upper-case two-letter code, or "" for an unknown location:
// a non-empty header value that is not two ASCII letters (e.g.
// "unknown") makes the location unknown, which is how an operator tests
// CloudFront's "location not determined" case. An empty header counts as
// absent. The header sent without the operator token is ignored.
func ViewerCountry(r *http.Request, operatorOK bool, defaultCountry string) string {
	if operatorOK {
		if v := r.Header.Get(ViewerCountryHeader); v != "" {
			return normalizeCountry(v)
		}
	}
	return normalizeCountry(defaultCountry)
}

// ValidCountryCode reports whether c is usable as a viewer country: two
// ASCII letters, either case (an ISO 3166-1 alpha-2 shape; whether the
// code is assigned is not checked, as a GeoIP database may return codes
// such as XK).
func ValidCountryCode(c string) bool { return normalizeCountry(c) != "" }

// normalizeCountry upper-cases a two-letter code; anything else is "".
func normalizeCountry(c string) string {
	c = strings.TrimSpace(c)
	if len(c) != 2 || !isASCIILetter(c[0]) || !isASCIILetter(c[1]) {
		return ""
	}
	return strings.ToUpper(c)
}

func isASCIILetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

type viewerCountryKey struct{}

// WithViewerCountry returns ctx carrying the viewer's country for the
// edge's geo check (the server sets it from ViewerCountry before calling
// Serve). "" is an unknown location.
func WithViewerCountry(ctx context.Context, country string) context.Context {
	return context.WithValue(ctx, viewerCountryKey{}, normalizeCountry(country))
}

// ViewerCountryFrom returns the country WithViewerCountry put in ctx, ""
// (unknown: never geo-blocked) when none was set.
func ViewerCountryFrom(ctx context.Context) string {
	c, _ := ctx.Value(viewerCountryKey{}).(string)
	return c
}

// refuseGeoBlocked answers r with CloudFront's 403 page (GeoBlockedMessage,
// reason ReasonGeoBlocked) and returns true when d's geo restriction
// blocks the viewer's country (ViewerCountryFrom the request's context);
// otherwise it writes nothing and returns false. Serve calls it after the
// distribution-enabled check and before cache behaviour selection.
//
// Not done: a CustomErrorResponse for 403 with a ResponsePagePath, which
// CloudFront serves instead of its own page for geo-blocked viewers.
func (e *Edge) refuseGeoBlocked(w http.ResponseWriter, r *http.Request, d *cloudfront.DistributionView, out *Outcome) bool {
	if !GeoCheck(d.Config, ViewerCountryFrom(r.Context())) {
		return false
	}
	e.refuse(w, r, out, d.Account, http.StatusForbidden, ReasonGeoBlocked)
	return true
}
