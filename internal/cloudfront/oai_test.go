package cloudfront

import (
	"strings"
	"testing"
)

func oaiBody(ref, comment string) string {
	return `<CloudFrontOriginAccessIdentityConfig` + axNS + `><CallerReference>` + ref + `</CallerReference><Comment>` + comment +
		`</Comment></CloudFrontOriginAccessIdentityConfig>`
}

func TestOAIValidation(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"valid", oaiBody("r1", "site"), 201, ""},
		{"empty comment", oaiBody("r2", ""), 201, ""},
		{"128-char comment", oaiBody("r3", strings.Repeat("c", 128)), 201, ""},
		{"129-char comment", oaiBody("r4", strings.Repeat("c", 129)), 400, "InvalidArgument"},
		{"empty caller reference", oaiBody("", "x"), 400, "InvalidArgument"},
		{"no comment", `<CloudFrontOriginAccessIdentityConfig><CallerReference>r5</CallerReference></CloudFrontOriginAccessIdentityConfig>`, 400, "MalformedXML"},
		{"no body", "", 400, "MissingBody"},
	}
	h := newAX(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(axAcct, "POST", "origin-access-identity/cloudfront", tt.body)
			if r.status != tt.status || r.code() != tt.code {
				t.Fatalf("got %d %q, want %d %q: %s", r.status, r.code(), tt.status, tt.code, r.body)
			}
		})
	}
}

func TestOAILifecycle(t *testing.T) {
	h := newAX(t)
	r := h.do(axAcct, "POST", "origin-access-identity/cloudfront", oaiBody("ref-1", "site")).must(t, 201)
	var oai CloudFrontOriginAccessIdentity
	r.decode(t, &oai)
	id, canon, etag := *oai.Id, *oai.S3CanonicalUserId, r.header.Get("ETag")
	if !strings.HasPrefix(id, "E") || len(canon) != 96 || etag == "" {
		t.Fatalf("created %s %s %s", id, canon, etag)
	}
	if loc := r.header.Get("Location"); !strings.HasSuffix(loc, "/2020-05-31/origin-access-identity/cloudfront/"+id) {
		t.Errorf("Location %q", loc)
	}

	// The same CallerReference with the same config returns the identity;
	// with another comment it is an error. Other accounts have their own
	// references.
	r = h.do(axAcct, "POST", "origin-access-identity/cloudfront", oaiBody("ref-1", "site")).must(t, 201)
	var again CloudFrontOriginAccessIdentity
	r.decode(t, &again)
	if *again.Id != id || r.header.Get("ETag") != etag {
		t.Fatalf("repeat returned %s %s", *again.Id, r.header.Get("ETag"))
	}
	h.do(axAcct, "POST", "origin-access-identity/cloudfront", oaiBody("ref-1", "changed")).wantErr(t, 409, "CloudFrontOriginAccessIdentityAlreadyExists")
	h.do(axOther, "POST", "origin-access-identity/cloudfront", oaiBody("ref-1", "changed")).must(t, 201)

	// Exports for S3 and the edge.
	got, ok := h.s.OAIByID(id)
	if !ok || got != (OAI{ID: id, Account: axAcct, CanonicalID: canon}) {
		t.Errorf("OAIByID: %+v %v", got, ok)
	}
	if got, ok := h.s.OAIByCanonicalID(strings.ToUpper(canon)); !ok || got.ID != id {
		t.Errorf("OAIByCanonicalID: %+v %v", got, ok)
	}
	if _, ok := h.s.OAIByID("EUNKNOWN"); ok {
		t.Error("OAIByID of an unknown id")
	}
	if OAIARN(id) != "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity "+id {
		t.Errorf("OAIARN %s", OAIARN(id))
	}

	r = h.do(axAcct, "GET", "origin-access-identity/cloudfront/"+id, "").must(t, 200)
	if r.header.Get("ETag") != etag || !strings.Contains(r.body, "<S3CanonicalUserId>"+canon+"</S3CanonicalUserId>") {
		t.Fatalf("get: %s", r.body)
	}
	r = h.do(axAcct, "GET", "origin-access-identity/cloudfront/"+id+"/config", "").must(t, 200)
	if !strings.Contains(r.body, "<CloudFrontOriginAccessIdentityConfig") || strings.Contains(r.body, "S3CanonicalUserId") {
		t.Fatalf("get config: %s", r.body)
	}
	h.do(axOther, "GET", "origin-access-identity/cloudfront/"+id, "").wantErr(t, 404, "NoSuchCloudFrontOriginAccessIdentity")

	// Update: ETag flow; the CallerReference cannot change.
	h.do(axAcct, "PUT", "origin-access-identity/cloudfront/"+id+"/config", oaiBody("ref-1", "new")).wantErr(t, 400, "InvalidIfMatchVersion")
	h.do(axAcct, "PUT", "origin-access-identity/cloudfront/"+id+"/config", oaiBody("ref-1", "new"), "If-Match", "EOLD").wantErr(t, 412, "PreconditionFailed")
	h.do(axAcct, "PUT", "origin-access-identity/cloudfront/"+id+"/config", oaiBody("ref-2", "new"), "If-Match", etag).wantErr(t, 400, "IllegalUpdate")
	r = h.do(axAcct, "PUT", "origin-access-identity/cloudfront/"+id+"/config", oaiBody("ref-1", "new"), "If-Match", etag).must(t, 200)
	etag2 := r.header.Get("ETag")
	if etag2 == etag || !strings.Contains(r.body, "<Comment>new</Comment>") || !strings.Contains(r.body, canon) {
		t.Fatalf("update: %s", r.body)
	}

	// List.
	r = h.do(axAcct, "GET", "origin-access-identity/cloudfront", "").must(t, 200)
	var l CloudFrontOriginAccessIdentityList
	r.decode(t, &l)
	if *l.Quantity != 1 || *l.IsTruncated || *l.MaxItems != 100 || *l.Items[0].Id != id || *l.Items[0].Comment != "new" || *l.Items[0].S3CanonicalUserId != canon {
		t.Fatalf("list: %s", r.body)
	}

	// Delete: in use by an S3 origin of the account's distribution.
	dist := h.addDistribution(axAcct, "EDISTOAI", func(c *DistributionConfig) {
		c.Origins.Items[0].S3OriginConfig.OriginAccessIdentity = ptr("origin-access-identity/cloudfront/" + id)
	})
	h.do(axAcct, "DELETE", "origin-access-identity/cloudfront/"+id, "", "If-Match", etag2).wantErr(t, 409, "CloudFrontOriginAccessIdentityInUse")
	h.removeDistribution(dist)
	h.do(axAcct, "DELETE", "origin-access-identity/cloudfront/"+id, "").wantErr(t, 400, "InvalidIfMatchVersion")
	h.do(axAcct, "DELETE", "origin-access-identity/cloudfront/"+id, "", "If-Match", etag).wantErr(t, 412, "PreconditionFailed")
	h.do(axAcct, "DELETE", "origin-access-identity/cloudfront/"+id, "", "If-Match", etag2).must(t, 204)
	if _, ok := h.s.OAIByID(id); ok {
		t.Error("deleted OAI still resolves")
	}
}

func TestOAIQuota(t *testing.T) {
	h := newAX(t)
	for i := 0; i < maxOAIsPerAccount; i++ {
		h.do(axAcct, "POST", "origin-access-identity/cloudfront", oaiBody(strings.Repeat("r", i+1), "")).must(t, 201)
	}
	h.do(axAcct, "POST", "origin-access-identity/cloudfront", oaiBody("one-more", "")).wantErr(t, 400, "TooManyCloudFrontOriginAccessIdentities")
	// A repeated request still answers: it creates nothing.
	h.do(axAcct, "POST", "origin-access-identity/cloudfront", oaiBody("r", "")).must(t, 201)
	h.do(axOther, "POST", "origin-access-identity/cloudfront", oaiBody("one-more", "")).must(t, 201)
}
