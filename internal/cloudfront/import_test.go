package cloudfront

import (
	"strings"
	"testing"
	"time"
)

func TestImportOACAndOAI(t *testing.T) {
	s, err := Open(Config{})
	if err != nil {
		t.Fatal(err)
	}
	oac := func(behavior string) *OriginAccessControlConfig {
		return &OriginAccessControlConfig{Name: ptr("o"), SigningProtocol: ptr("sigv4"), SigningBehavior: ptr(behavior), OriginAccessControlOriginType: ptr("s3")}
	}
	for _, tc := range []struct {
		name, id, wantErr string
		cfg               *OriginAccessControlConfig
	}{
		{name: "ok", id: "EOAC1", cfg: oac("always")},
		{name: "id taken", id: "EOAC1", cfg: oac("always"), wantErr: "taken"},
		{name: "bad behaviour", id: "EOAC2", cfg: oac("sometimes"), wantErr: "InvalidArgument"},
		{name: "member missing", id: "EOAC3", cfg: &OriginAccessControlConfig{Name: ptr("x")}, wantErr: "required members missing"},
		{name: "no config", id: "EOAC4", wantErr: "no id or configuration"},
	} {
		err := s.ImportOAC("111122223333", tc.id, tc.cfg)
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: ImportOAC: %v, want %q", tc.name, err, tc.wantErr)
		}
	}
	if cfg, acct, ok := s.OriginAccessControl("EOAC1"); !ok || acct != "111122223333" || cfg.GetSigningBehavior() != "always" {
		t.Errorf("imported OAC: %+v %s %v", cfg, acct, ok)
	}
	oai := &CloudFrontOriginAccessIdentityConfig{CallerReference: ptr("r"), Comment: ptr("")}
	cid := strings.Repeat("ab", 48)
	if err := s.ImportOAI("111122223333", "EOAI1", cid, oai); err != nil {
		t.Fatal(err)
	}
	if o, ok := s.OAIByCanonicalID(cid); !ok || o.ID != "EOAI1" {
		t.Errorf("OAI by canonical id: %+v %v", o, ok)
	}
	if err := s.ImportOAI("111122223333", "EOAI2", cid, oai); err == nil || !strings.Contains(err.Error(), "taken") {
		t.Errorf("a second OAI with the canonical id: %v", err)
	}
	if err := s.ImportOAI("111122223333", "EOAI3", "", oai); err == nil {
		t.Error("an OAI without a canonical id was imported")
	}
}

func TestImportPolicies(t *testing.T) {
	s, err := Open(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ImportCachePolicy("111122223333", "658327ea-f89d-4fab-a63d-7e88639e58f6", time.Time{}, &CachePolicyConfig{}); err == nil {
		t.Error("a managed cache policy id was imported")
	}
	if err := s.ImportCachePolicy("111122223333", "c1", time.Time{}, &CachePolicyConfig{Name: ptr("n")}); err == nil ||
		!strings.Contains(err.Error(), "required members missing") {
		t.Errorf("an incomplete cache policy: %v", err)
	}
	if err := s.ImportOriginRequestPolicy("111122223333", "r1", time.Time{}, &OriginRequestPolicyConfig{Name: ptr("n")}); err == nil {
		t.Error("an incomplete origin request policy was imported")
	}
}

func TestImportDistribution(t *testing.T) {
	s, err := Open(Config{})
	if err != nil {
		t.Fatal(err)
	}
	modified := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	v, err := s.ImportDistribution(ImportedDistribution{ID: "EDIST1", ARN: "arn:aws:cloudfront::111122223333:distribution/EDIST1",
		DomainName: "D111.cloudfront.net", Account: "111122223333", Modified: modified, Config: minimalDistConfig()})
	if err != nil {
		t.Fatal(err)
	}
	if v.ID != "EDIST1" || v.DomainName != "d111.cloudfront.net" || v.Account != "111122223333" {
		t.Errorf("view %+v", v)
	}
	if d, ok := s.DistributionByHost("d111.cloudfront.net"); !ok || d.ID != "EDIST1" {
		t.Error("not routed by its domain")
	}
	bad := minimalDistConfig()
	bad.DefaultCacheBehavior.TargetOriginId = ptr("nowhere")
	badOAC := minimalDistConfig()
	badOAC.Origins.Items[0].OriginAccessControlId = ptr("EMISSING")
	for _, tc := range []struct {
		name, wantErr string
		d             ImportedDistribution
	}{
		{name: "id taken", d: ImportedDistribution{ID: "EDIST1", Account: "111122223333", Config: minimalDistConfig()}, wantErr: "taken"},
		{name: "domain taken", d: ImportedDistribution{ID: "EDIST2", DomainName: "d111.cloudfront.net", Account: "111122223333", Config: minimalDistConfig()}, wantErr: "taken"},
		{name: "behaviour names no origin", d: ImportedDistribution{ID: "EDIST3", Account: "111122223333", Config: bad}, wantErr: "EDIST3"},
		{name: "unknown OAC", d: ImportedDistribution{ID: "EDIST4", Account: "111122223333", Config: badOAC}, wantErr: "InvalidOriginAccessControl"},
		{name: "no config", d: ImportedDistribution{ID: "EDIST5", Account: "111122223333"}, wantErr: "no configuration"},
	} {
		_, err := s.ImportDistribution(tc.d)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.wantErr)
		}
	}
	// The same unknown OAC with UncheckedRefs: loaded (the export lacks it).
	badOAC2 := minimalDistConfig()
	badOAC2.Origins.Items[0].OriginAccessControlId = ptr("EMISSING")
	badOAC2.CallerReference = ptr("other")
	if _, err := s.ImportDistribution(ImportedDistribution{Account: "111122223333", Config: badOAC2, UncheckedRefs: true}); err != nil {
		t.Errorf("UncheckedRefs: %v", err)
	}
}
