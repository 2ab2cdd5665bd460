package edge

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/identity"
)

func geoConfig(typ string, locations ...string) *cloudfront.DistributionConfig {
	q := int64(len(locations))
	return &cloudfront.DistributionConfig{Restrictions: &cloudfront.Restrictions{
		GeoRestriction: &cloudfront.GeoRestriction{RestrictionType: &typ, Quantity: &q, Items: locations},
	}}
}

func TestGeoCheck(t *testing.T) {
	tests := []struct {
		name    string
		cfg     *cloudfront.DistributionConfig
		country string
		blocked bool
	}{
		{"nil config", nil, "FR", false},
		{"no restrictions", &cloudfront.DistributionConfig{}, "FR", false},
		{"restrictions without geo", &cloudfront.DistributionConfig{Restrictions: &cloudfront.Restrictions{}}, "FR", false},
		{"none", geoConfig("none"), "FR", false},
		{"whitelist listed", geoConfig("whitelist", "US", "LI"), "LI", false},
		{"whitelist not listed", geoConfig("whitelist", "US", "LI"), "FR", true},
		{"whitelist lower-case viewer", geoConfig("whitelist", "US"), "us", false},
		{"whitelist lower-case location", geoConfig("whitelist", "us"), "US", false},
		{"whitelist unknown country served", geoConfig("whitelist", "US"), "", false},
		{"whitelist malformed country is unknown", geoConfig("whitelist", "US"), "USA", false},
		{"blacklist listed", geoConfig("blacklist", "FR", "DE"), "DE", true},
		{"blacklist not listed", geoConfig("blacklist", "FR", "DE"), "US", false},
		{"blacklist unknown country served", geoConfig("blacklist", "FR"), "", false},
		{"blacklist padded country", geoConfig("blacklist", "FR"), " fr ", true},
		{"unknown restriction type", geoConfig("allowlist", "FR"), "US", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GeoCheck(tt.cfg, tt.country); got != tt.blocked {
				t.Errorf("GeoCheck(%q) = %v, want %v", tt.country, got, tt.blocked)
			}
		})
	}
}

func TestGeoViewerCountry(t *testing.T) {
	tests := []struct {
		name       string
		header     string // X-Edgegate-Viewer-Country, "" for none
		operatorOK bool
		def        string
		want       string
	}{
		{"default", "", false, "US", "US"},
		{"default lower-case", "", false, "de", "DE"},
		{"default empty is unknown", "", false, "", ""},
		{"header ignored without operator", "FR", false, "US", "US"},
		{"header honoured with operator", "FR", true, "US", "FR"},
		{"header lower-case", "fr", true, "US", "FR"},
		{"header not a code: unknown", "unknown", true, "US", ""},
		{"operator without header: default", "", true, "US", "US"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://d1.cloudfront.localhost/", nil)
			if tt.header != "" {
				r.Header.Set(ViewerCountryHeader, tt.header)
			}
			if got := ViewerCountry(r, tt.operatorOK, tt.def); got != tt.want {
				t.Errorf("ViewerCountry = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGeoValidCountryCode(t *testing.T) {
	for c, want := range map[string]bool{"US": true, "fr": true, "": false, "U": false, "USA": false, "1A": false, "É": false} {
		if got := ValidCountryCode(c); got != want {
			t.Errorf("ValidCountryCode(%q) = %v, want %v", c, got, want)
		}
	}
}

func TestGeoViewerCountryContext(t *testing.T) {
	if got := ViewerCountryFrom(context.Background()); got != "" {
		t.Errorf("no country set: %q", got)
	}
	if got := ViewerCountryFrom(WithViewerCountry(context.Background(), "gb")); got != "GB" {
		t.Errorf("set gb: %q", got)
	}
}

// TestGeoRefuse: a blocked viewer gets CloudFront's 403 page with the geo
// sentence and the reason; an allowed one is left alone.
func TestGeoRefuse(t *testing.T) {
	e := New(Config{DenialReasonHeader: true})
	d := &cloudfront.DistributionView{ID: "E1GEO", Account: "000000000000", Enabled: true, Config: geoConfig("whitelist", "LI")}
	tests := []struct {
		name, method, country string
		refused               bool
	}{
		{"allowed", http.MethodGet, "LI", false},
		{"unknown location", http.MethodGet, "", false},
		{"blocked", http.MethodGet, "US", true},
		{"blocked HEAD", http.MethodHead, "US", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://d1.cloudfront.localhost/a.txt", nil)
			r = r.WithContext(WithViewerCountry(r.Context(), tt.country))
			w := httptest.NewRecorder()
			out := Outcome{RequestID: newCfID(), DistributionID: d.ID}
			if got := e.refuseGeoBlocked(w, r, d, &out); got != tt.refused {
				t.Fatalf("refused = %v, want %v", got, tt.refused)
			}
			if !tt.refused {
				if w.Code != http.StatusOK || w.Body.Len() != 0 || len(w.Header()) != 0 || out.Reason != "" {
					t.Errorf("allowed viewer got a response: %d %v %q %+v", w.Code, w.Header(), w.Body, out)
				}
				return
			}
			if w.Code != http.StatusForbidden || out.Status != http.StatusForbidden || out.Reason != ReasonGeoBlocked {
				t.Errorf("status %d outcome %+v", w.Code, out)
			}
			h := w.Header()
			if h.Get("Server") != "CloudFront" || h.Get("X-Cache") != "Error from cloudfront" ||
				h.Get("X-Edgegate-Denial-Reason") != ReasonGeoBlocked || h.Get("X-Amz-Cf-Id") != out.RequestID.String() {
				t.Errorf("headers %v", h)
			}
			body := w.Body.String()
			if tt.method == http.MethodHead {
				if body != "" {
					t.Errorf("HEAD body %q", body)
				}
			} else if !strings.Contains(body, "403 ERROR") || !strings.Contains(body, GeoBlockedMessage) {
				t.Errorf("page %q", body)
			}
			// The refusal explains as CF-GEO (CloudFrontGeoBlocked) to the operator.
			x, xerr, ok := e.Explain(out.RequestID.String(), identity.AnonymousPrincipal, true)
			if !ok || xerr != nil || len(x.Findings) != 1 || x.Findings[0].ID != "CF-GEO" || x.Findings[0].Summary == "" {
				t.Errorf("explain: %v %+v %+v", ok, xerr, x)
			}
		})
	}
}
