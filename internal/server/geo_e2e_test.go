package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/edgegate/edgegate/internal/edge"
	"github.com/edgegate/edgegate/internal/testenv"
)

// TestEdgeGeoRestriction: a whitelist of LI blocks the server's default
// viewer country (US) with CloudFront's geo 403; the operator moves a
// viewer to LI with X-Edgegate-Viewer-Country plus the operator token
// (the header alone is ignored); an unknown location is served, as
// CloudFront serves viewers it cannot place; a blacklist blocks what it
// lists.
func TestEdgeGeoRestriction(t *testing.T) {
	const token = "geo-operator"
	env := testenv.Start(t, testenv.Options{OperatorToken: token})
	h := newEdgeHarness(t, env)
	h.bucket("geo-site", map[string]string{"a.txt": "hello"})
	oac := h.oac("geo", "always")
	geo := func(typ cftypes.GeoRestrictionType, locations ...string) func(*cftypes.Origin, *cftypes.DistributionConfig) {
		return func(o *cftypes.Origin, cfg *cftypes.DistributionConfig) {
			o.OriginAccessControlId = aws.String(oac)
			cfg.Restrictions = &cftypes.Restrictions{GeoRestriction: &cftypes.GeoRestriction{
				RestrictionType: typ, Quantity: aws.Int32(int32(len(locations))), Items: locations}}
		}
	}
	white := h.dist("geo-site", geo(cftypes.GeoRestrictionTypeWhitelist, "LI"))
	black := h.dist("geo-site", geo(cftypes.GeoRestrictionTypeBlacklist, "FR"))
	h.policy("geo-site", `{"Version":"2012-10-17","Statement":[`+
		`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::geo-site/*",`+
		`"Condition":{"StringEquals":{"AWS:SourceArn":["`+white.arn+`","`+black.arn+`"]}}}]}`)

	get := func(host string, headers map[string]string) viewerResp {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, env.Endpoint+"/a.txt", nil)
		req.Host = host
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return viewerResp{resp.StatusCode, resp.Header, string(body)}
	}

	r := get(white.domain, nil)
	r.want(t, "whitelist LI, default viewer US", 403, "Error from cloudfront")
	if r.header.Get("Server") != "CloudFront" || !strings.Contains(r.body, edge.GeoBlockedMessage) {
		t.Errorf("geo page: %v %q", r.header, r.body)
	}
	x := explainAs(t, env, "test", "test", r.header.Get("X-Amz-Cf-Id"))
	if findingOf(x, "CF-GEO") == nil {
		t.Errorf("explain: %+v", x)
	}

	tests := []struct {
		name    string
		host    string
		headers map[string]string
		status  int
	}{
		{"whitelist, operator moves viewer to LI", white.domain,
			map[string]string{edge.ViewerCountryHeader: "LI", "X-Edgegate-Operator-Token": token}, 200},
		{"whitelist, header without token ignored", white.domain,
			map[string]string{edge.ViewerCountryHeader: "LI"}, 403},
		{"whitelist, header with wrong token ignored", white.domain,
			map[string]string{edge.ViewerCountryHeader: "LI", "X-Edgegate-Operator-Token": "wrong"}, 403},
		{"whitelist, unknown location served", white.domain,
			map[string]string{edge.ViewerCountryHeader: "unknown", "X-Edgegate-Operator-Token": token}, 200},
		{"blacklist FR, default viewer US", black.domain, nil, 200},
		{"blacklist FR, viewer in FR", black.domain,
			map[string]string{edge.ViewerCountryHeader: "fr", "X-Edgegate-Operator-Token": token}, 403},
	}
	for _, tt := range tests {
		r := get(tt.host, tt.headers)
		if r.status != tt.status {
			t.Errorf("%s: %d, want %d\n%s", tt.name, r.status, tt.status, r.body)
		}
		if tt.status == 403 && !strings.Contains(r.body, edge.GeoBlockedMessage) {
			t.Errorf("%s: not the geo page: %q", tt.name, r.body)
		}
	}
}
