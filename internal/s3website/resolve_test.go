package s3website

import (
	"testing"

	"github.com/edgegate/edgegate/internal/s3"
)

func TestParseHost(t *testing.T) {
	tests := []struct {
		host, bucket, region string
		ok                   bool
	}{
		{"site.s3-website-us-east-1.amazonaws.com", "site", "us-east-1", true},
		{"my.site.s3-website.eu-west-1.amazonaws.com", "my.site", "eu-west-1", true},
		{"site.s3-website.localhost", "site", "", true},
		{"site.s3-website.localhost:4566", "site", "", true},
		{"SITE.S3-WEBSITE.LOCALHOST", "site", "", true},
		{"site.s3.us-east-1.amazonaws.com", "", "", false},
		{"site.s3.localhost", "", "", false},
		{"d111111abcdef8.cloudfront.net", "", "", false},
		{"127.0.0.1:4566", "", "", false},
		{"s3-website.us-east-1.amazonaws.com", "", "", false},
	}
	for _, tt := range tests {
		b, r, ok := ParseHost(tt.host)
		if b != tt.bucket || r != tt.region || ok != tt.ok {
			t.Errorf("ParseHost(%q) = %q %q %v, want %q %q %v", tt.host, b, r, ok, tt.bucket, tt.region, tt.ok)
		}
	}
}

func TestIndexResolution(t *testing.T) {
	tests := []struct {
		path, key, folder string
	}{
		{"/", "index.html", ""},
		{"", "index.html", ""},
		{"/photos/", "photos/index.html", ""},
		{"/photos/2006/", "photos/2006/index.html", ""},
		{"/photos", "photos", "photos/index.html"},
		{"/a/b.html", "a/b.html", "a/b.html/index.html"},
		{"/a//", "a//index.html", ""},
	}
	for _, tt := range tests {
		k := requestKey(tt.path)
		if got := indexKey(k, "index.html"); got != tt.key {
			t.Errorf("indexKey(%q) = %q, want %q", tt.path, got, tt.key)
		}
		if got := folderIndex(k, "index.html"); got != tt.folder {
			t.Errorf("folderIndex(%q) = %q, want %q", tt.path, got, tt.folder)
		}
	}
}

func str(s string) *string { return &s }

// TestRoutingRules covers rule selection and the redirects they make,
// including the user guide's three examples.
func TestRoutingRules(t *testing.T) {
	rename := s3.WebsiteRoutingRule{ // Example 1
		Condition: &s3.WebsiteCondition{KeyPrefixEquals: str("docs/")},
		Redirect:  s3.WebsiteRedirect{ReplaceKeyPrefixWith: str("documents/")},
	}
	deleted := s3.WebsiteRoutingRule{ // Example 2, with a 302
		Condition: &s3.WebsiteCondition{KeyPrefixEquals: str("images/")},
		Redirect:  s3.WebsiteRedirect{ReplaceKeyWith: str("folderdeleted.html"), HTTPRedirectCode: str("302")},
	}
	on404 := s3.WebsiteRoutingRule{ // Example 3
		Condition: &s3.WebsiteCondition{HTTPErrorCodeReturnedEquals: str("404")},
		Redirect:  s3.WebsiteRedirect{HostName: str("ec2-11-22-333-44.compute-1.amazonaws.com"), ReplaceKeyPrefixWith: str("report-404/")},
	}
	on404Images := s3.WebsiteRoutingRule{
		Condition: &s3.WebsiteCondition{KeyPrefixEquals: str("images/"), HTTPErrorCodeReturnedEquals: str("404")},
		Redirect:  s3.WebsiteRedirect{HostName: str("ec2.example"), ReplaceKeyPrefixWith: str("report-404/")},
	}
	always := s3.WebsiteRoutingRule{Redirect: s3.WebsiteRedirect{Protocol: str("https")}}
	const host = "site.s3-website.localhost:4566"
	tests := []struct {
		name      string
		rules     []s3.WebsiteRoutingRule
		key       string
		errStatus int
		status    int // 0: no rule applies
		location  string
	}{
		{"prefix rule, folder", []s3.WebsiteRoutingRule{rename}, "docs/", 0, 301, "http://" + host + "/documents/"},
		{"prefix rule, object", []s3.WebsiteRoutingRule{rename}, "docs/x", 0, 301, "http://" + host + "/documents/x"},
		{"prefix rule, other key", []s3.WebsiteRoutingRule{rename}, "x", 0, 0, ""},
		{"prefix rule not for errors", []s3.WebsiteRoutingRule{rename}, "docs/x", 404, 0, ""},
		{"replace key", []s3.WebsiteRoutingRule{deleted}, "images/a.png", 0, 302, "http://" + host + "/folderdeleted.html"},
		{"error rule before the read", []s3.WebsiteRoutingRule{on404}, "x", 0, 0, ""},
		{"error rule on 404", []s3.WebsiteRoutingRule{on404}, "x", 404, 301, "http://ec2-11-22-333-44.compute-1.amazonaws.com/report-404/x"},
		{"error rule keeps the folder", []s3.WebsiteRoutingRule{on404}, "images/x", 404, 301, "http://ec2-11-22-333-44.compute-1.amazonaws.com/report-404/images/x"},
		{"error rule on 403", []s3.WebsiteRoutingRule{on404}, "x", 403, 0, ""},
		{"error and prefix, other key", []s3.WebsiteRoutingRule{on404Images}, "x", 404, 0, ""},
		{"error and prefix", []s3.WebsiteRoutingRule{on404Images}, "images/x", 404, 301, "http://ec2.example/report-404/x"},
		{"no condition", []s3.WebsiteRoutingRule{always}, "a b", 0, 301, "https://" + host + "/a%20b"},
		{"first match wins", []s3.WebsiteRoutingRule{deleted, always}, "images/", 0, 302, "http://" + host + "/folderdeleted.html"},
		{"no condition not for errors", []s3.WebsiteRoutingRule{always}, "x", 404, 0, ""},
	}
	for _, tt := range tests {
		rule, ok := matchRule(tt.rules, tt.key, tt.errStatus)
		if !ok {
			if tt.status != 0 {
				t.Errorf("%s: no rule applies", tt.name)
			}
			continue
		}
		if tt.status == 0 {
			t.Errorf("%s: rule %+v applies", tt.name, rule)
			continue
		}
		rd := ruleRedirect(rule, tt.key, host)
		if rd.status != tt.status || rd.location != tt.location {
			t.Errorf("%s: %d %s, want %d %s", tt.name, rd.status, rd.location, tt.status, tt.location)
		}
	}
}

func TestRedirectAll(t *testing.T) {
	tests := []struct {
		ra       s3.WebsiteRedirectAll
		key, loc string
	}{
		{s3.WebsiteRedirectAll{HostName: "example.com"}, "", "http://example.com/"},
		{s3.WebsiteRedirectAll{HostName: "example.com", Protocol: str("https")}, "a/b.html", "https://example.com/a/b.html"},
	}
	for _, tt := range tests {
		if rd := redirectAll(&tt.ra, tt.key); rd.status != 301 || rd.location != tt.loc {
			t.Errorf("redirectAll(%+v, %q) = %+v, want 301 %s", tt.ra, tt.key, rd, tt.loc)
		}
	}
}
