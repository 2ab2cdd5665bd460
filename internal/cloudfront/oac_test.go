package cloudfront

import (
	"fmt"
	"strings"
	"testing"
)

func oacBody(name, protocol, behavior, typ string) string {
	return `<OriginAccessControlConfig` + axNS + `><Name>` + name + `</Name><SigningProtocol>` + protocol +
		`</SigningProtocol><SigningBehavior>` + behavior + `</SigningBehavior><OriginAccessControlOriginType>` + typ +
		`</OriginAccessControlOriginType></OriginAccessControlConfig>`
}

func TestOACValidation(t *testing.T) {
	long := strings.Repeat("n", 65)
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"valid s3 always", oacBody("a", "sigv4", "always", "s3"), 201, ""},
		{"valid never mediastore", oacBody("b", "sigv4", "never", "mediastore"), 201, ""},
		{"valid no-override lambda", oacBody("c", "sigv4", "no-override", "lambda"), 201, ""},
		{"valid mediapackagev2", oacBody("d", "sigv4", "always", "mediapackagev2"), 201, ""},
		{"64-char name", oacBody(strings.Repeat("n", 64), "sigv4", "always", "s3"), 201, ""},
		{"65-char name", oacBody(long, "sigv4", "always", "s3"), 400, "InvalidArgument"},
		{"empty name", oacBody("", "sigv4", "always", "s3"), 400, "InvalidArgument"},
		{"protocol sigv2", oacBody("e", "sigv2", "always", "s3"), 400, "InvalidArgument"},
		{"behavior sometimes", oacBody("f", "sigv4", "sometimes", "s3"), 400, "InvalidArgument"},
		{"origin type ec2", oacBody("g", "sigv4", "always", "ec2"), 400, "InvalidArgument"},
		{"missing required members", `<OriginAccessControlConfig` + axNS + `><Name>x</Name></OriginAccessControlConfig>`, 400, "MalformedXML"},
		{"unknown element", `<OriginAccessControlConfig><Name>x</Name><Bogus/></OriginAccessControlConfig>`, 400, "MalformedInput"},
		{"wrong root", `<OriginAccessControl><Id>x</Id></OriginAccessControl>`, 400, "MalformedInput"},
		{"not XML", `<OriginAccessControlConfig><Name>`, 400, "MalformedInput"},
		{"no body", ``, 400, "MissingBody"},
	}
	h := newAX(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(axAcct, "POST", "origin-access-control", tt.body)
			if r.status != tt.status || r.code() != tt.code {
				t.Fatalf("got %d %q, want %d %q: %s", r.status, r.code(), tt.status, tt.code, r.body)
			}
		})
	}
}

func TestOACLifecycle(t *testing.T) {
	h := newAX(t)
	r := h.do(axAcct, "POST", "origin-access-control", oacBody("site", "sigv4", "always", "s3")).must(t, 201)
	var oac OriginAccessControl
	r.decode(t, &oac)
	id, etag := *oac.Id, r.header.Get("ETag")
	if !strings.HasPrefix(id, "E") || len(id) != 14 || etag == "" {
		t.Fatalf("id %q etag %q", id, etag)
	}
	if loc := r.header.Get("Location"); loc != "http://cloudfront.test/2020-05-31/origin-access-control/"+id {
		t.Errorf("Location %q", loc)
	}
	if c := oac.OriginAccessControlConfig; c.Description == nil || *c.Description != "" || *c.SigningBehavior != "always" {
		t.Errorf("config %+v", c)
	}

	// Reads: Get and GetConfig carry the ETag; other accounts see nothing.
	r = h.do(axAcct, "GET", "origin-access-control/"+id, "").must(t, 200)
	if r.header.Get("ETag") != etag || !strings.Contains(r.body, "<Name>site</Name>") {
		t.Fatalf("get: %v %s", r.header, r.body)
	}
	r = h.do(axAcct, "GET", "origin-access-control/"+id+"/config", "").must(t, 200)
	if r.header.Get("ETag") != etag || !strings.HasPrefix(strings.SplitN(r.body, "\n", 2)[1], "<OriginAccessControlConfig") {
		t.Fatalf("get config: %s", r.body)
	}
	h.do(axOther, "GET", "origin-access-control/"+id, "").wantErr(t, 404, "NoSuchOriginAccessControl")
	h.do(axAcct, "GET", "origin-access-control/EMISSING", "").wantErr(t, 404, "NoSuchOriginAccessControl")

	// Names are unique in an account, not across accounts.
	h.do(axAcct, "POST", "origin-access-control", oacBody("site", "sigv4", "never", "s3")).wantErr(t, 409, "OriginAccessControlAlreadyExists")
	h.do(axOther, "POST", "origin-access-control", oacBody("site", "sigv4", "never", "s3")).must(t, 201)
	r = h.do(axAcct, "POST", "origin-access-control", oacBody("other", "sigv4", "never", "s3")).must(t, 201)
	var second OriginAccessControl
	r.decode(t, &second)

	// Update: If-Match missing, stale, right; a taken name.
	upd := oacBody("site-renamed", "sigv4", "no-override", "s3")
	h.do(axAcct, "PUT", "origin-access-control/"+id+"/config", upd).wantErr(t, 400, "InvalidIfMatchVersion")
	h.do(axAcct, "PUT", "origin-access-control/"+id+"/config", upd, "If-Match", "ESTALE").wantErr(t, 412, "PreconditionFailed")
	h.do(axAcct, "PUT", "origin-access-control/"+id+"/config", oacBody("other", "sigv4", "always", "s3"), "If-Match", etag).
		wantErr(t, 409, "OriginAccessControlAlreadyExists")
	h.do(axAcct, "PUT", "origin-access-control/"+id+"/config", oacBody("site", "sigv4", "bad", "s3"), "If-Match", etag).
		wantErr(t, 400, "InvalidArgument")
	h.do(axOther, "PUT", "origin-access-control/"+id+"/config", upd, "If-Match", etag).wantErr(t, 404, "NoSuchOriginAccessControl")
	r = h.do(axAcct, "PUT", "origin-access-control/"+id+"/config", upd, "If-Match", etag).must(t, 200)
	etag2 := r.header.Get("ETag")
	if etag2 == etag || !strings.Contains(r.body, "<SigningBehavior>no-override</SigningBehavior>") {
		t.Fatalf("update: %s %s", etag2, r.body)
	}

	// List, one item per page.
	var seen []string
	marker := ""
	for i := 0; i < 5; i++ {
		r = h.do(axAcct, "GET", "origin-access-control?MaxItems=1&Marker="+marker, "").must(t, 200)
		var l OriginAccessControlList
		r.decode(t, &l)
		if *l.MaxItems != 1 || *l.Marker != marker {
			t.Fatalf("list page: %s", r.body)
		}
		for _, it := range l.Items {
			seen = append(seen, *it.Id+"/"+*it.Name)
		}
		if !*l.IsTruncated {
			break
		}
		marker = *l.NextMarker
	}
	want := []string{id + "/site-renamed", *second.Id + "/other"}
	if id > *second.Id {
		want[0], want[1] = want[1], want[0]
	}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("listed %v, want %v", seen, want)
	}
	h.do(axAcct, "GET", "origin-access-control?MaxItems=x", "").wantErr(t, 400, "InvalidArgument")

	// Delete: In use by a distribution of the account, then free.
	dist := h.addDistribution(axAcct, "EDISTOAC", func(c *DistributionConfig) {
		c.Origins.Items[0].OriginAccessControlId = ptr(id)
		c.Origins.Items[0].S3OriginConfig.OriginAccessIdentity = ptr("")
	})
	h.do(axAcct, "DELETE", "origin-access-control/"+id, "").wantErr(t, 400, "InvalidIfMatchVersion")
	h.do(axAcct, "DELETE", "origin-access-control/"+id, "", "If-Match", etag).wantErr(t, 412, "PreconditionFailed")
	h.do(axAcct, "DELETE", "origin-access-control/"+id, "", "If-Match", etag2).wantErr(t, 409, "OriginAccessControlInUse")
	h.removeDistribution(dist)
	h.do(axOther, "DELETE", "origin-access-control/"+id, "", "If-Match", etag2).wantErr(t, 404, "NoSuchOriginAccessControl")
	h.do(axAcct, "DELETE", "origin-access-control/"+id, "", "If-Match", etag2).must(t, 204)
	h.do(axAcct, "GET", "origin-access-control/"+id, "").wantErr(t, 404, "NoSuchOriginAccessControl")
	h.do(axAcct, "PUT", "origin-access-control/"+id, "").wantErr(t, 405, "MethodNotAllowed")
}

func TestOACQuota(t *testing.T) {
	h := newAX(t)
	for i := 0; i < maxOACsPerAccount; i++ {
		h.do(axAcct, "POST", "origin-access-control", oacBody(fmt.Sprintf("oac-%d", i), "sigv4", "always", "s3")).must(t, 201)
	}
	h.do(axAcct, "POST", "origin-access-control", oacBody("one-more", "sigv4", "always", "s3")).wantErr(t, 400, "TooManyOriginAccessControls")
	h.do(axOther, "POST", "origin-access-control", oacBody("one-more", "sigv4", "always", "s3")).must(t, 201)
}

// TestAccessPersistence reopens the state directory: OACs, OAIs,
// policies, invalidations and tags survive a restart.
func TestAccessPersistence(t *testing.T) {
	dir := t.TempDir()
	h := newAXDir(t, dir)
	h.do(axAcct, "POST", "origin-access-control", oacBody("kept", "sigv4", "always", "s3")).must(t, 201)
	h.do(axAcct, "POST", "origin-access-identity/cloudfront", oaiBody("ref", "kept")).must(t, 201)
	h.do(axAcct, "POST", "cache-policy", cachePolicyBody("kept", "1", "")).must(t, 201)
	h2 := newAXDir(t, dir)
	for _, p := range []string{"origin-access-control", "origin-access-identity/cloudfront", "cache-policy?Type=custom"} {
		if r := h2.do(axAcct, "GET", p, "").must(t, 200); !strings.Contains(r.body, "kept") {
			t.Errorf("%s after reopen: %s", p, r.body)
		}
	}
}
