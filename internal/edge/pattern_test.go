package edge

import (
	"testing"

	"github.com/edgegate/edgegate/internal/cloudfront"
)

func TestMatchPathPattern(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"*", "/", true},
		{"*", "/a/b/c.jpg", true},
		{"/images/*", "/images/a.jpg", true},
		{"images/*", "/images/a.jpg", true}, // leading slash optional
		{"/images/*", "/images/sub/dir/a.jpg", true},
		{"/images/*", "/images", false},
		{"/images/*", "/Images/a.jpg", false}, // case-sensitive
		{"*.jpg", "/a/b/c.jpg", true},
		{"*.jpg", "/a/b/c.JPG", false},
		{"/*.jpg", "/c.jpg", true},
		{"/a?c", "/abc", true},
		{"/a?c", "/ac", false},
		{"/a?c", "/abbc", false},
		{"/a?c", "/a/c", true}, // ? is any one character, / too
		{"/a?c", "/aéc", true}, // one character, not one byte
		{"/api/*/v1/*", "/api/x/y/v1/z", true},
		{"/api/*/v1/*", "/api/x/y/v2/z", false},
		{"/exact.html", "/exact.html", true},
		{"/exact.html", "/exact.htm", false},
		{"/a*", "/a", true},
		{"/a**b", "/ab", true},
		{"/*/*/*", "//", false},
		{"/*/*/*", "///", true},
	}
	for _, tt := range tests {
		if got := MatchPathPattern(tt.pattern, tt.path); got != tt.want {
			t.Errorf("MatchPathPattern(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

func TestSelectBehavior(t *testing.T) {
	s := func(v string) *string { return &v }
	cfg := &cloudfront.DistributionConfig{
		DefaultCacheBehavior: &cloudfront.DefaultCacheBehavior{TargetOriginId: s("default"), ViewerProtocolPolicy: s("allow-all")},
		CacheBehaviors: &cloudfront.CacheBehaviors{Items: []cloudfront.CacheBehavior{
			{PathPattern: s("/api/*"), TargetOriginId: s("api"), ViewerProtocolPolicy: s("https-only"),
				AllowedMethods: &cloudfront.AllowedMethods{Items: []string{"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}}},
			{PathPattern: s("*.jpg"), TargetOriginId: s("images"), ViewerProtocolPolicy: s("redirect-to-https")},
			{PathPattern: s("/api/*.jpg"), TargetOriginId: s("never"), ViewerProtocolPolicy: s("allow-all")},
		}},
	}
	tests := []struct {
		path   string
		origin string
		index  int
	}{
		{"/", "default", -1},
		{"/index.html", "default", -1},
		{"/api/x", "api", 0},
		{"/api/x.jpg", "api", 0}, // first match wins, not the most specific
		{"/photos/a.jpg", "images", 1},
		{"/API/x", "default", -1},
	}
	for _, tt := range tests {
		b, ok := SelectBehavior(cfg, tt.path)
		if !ok || b.TargetOriginID != tt.origin || b.Index != tt.index {
			t.Errorf("SelectBehavior(%q) = %+v, %v; want origin %s index %d", tt.path, b, ok, tt.origin, tt.index)
		}
	}
	def, _ := SelectBehavior(cfg, "/x")
	if !def.Allows("GET") || !def.Allows("HEAD") || def.Allows("POST") || def.Allows("OPTIONS") {
		t.Errorf("default behavior without AllowedMethods allows %v, want GET and HEAD", def.AllowedMethods)
	}
	api, _ := SelectBehavior(cfg, "/api/x")
	if !api.Allows("DELETE") || api.Allows("TRACE") {
		t.Errorf("all-methods behavior: %v", api.AllowedMethods)
	}
	if _, ok := SelectBehavior(&cloudfront.DistributionConfig{}, "/"); ok {
		t.Error("a configuration without a default behavior selected one")
	}
}
