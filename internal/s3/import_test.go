package s3

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/s3/access"
)

const importACL = `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
	`<Owner><ID>cid-` + kmsAcct + `</ID></Owner><AccessControlList>` +
	`<Grant><Grantee xsi:type="CanonicalUser"><ID>cid-` + kmsAcct + `</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>` +
	`<Grant><Grantee xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>` +
	`</AccessControlList></AccessControlPolicy>`

func TestImportBucket(t *testing.T) {
	ctx := context.Background()
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt1/*"}]}`
	cases := []struct {
		name    string
		in      ImportedBucket
		wantErr string
	}{
		{name: "everything", in: ImportedBucket{Name: "bkt1", Owner: kmsAcct, Region: "eu-west-1", Location: "EU", Ownership: "ObjectWriter",
			Policy: []byte(policy), ACL: []byte(importACL), PublicAccessBlock: &access.PublicAccessBlock{BlockPublicAcls: true},
			Encryption: []byte(`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`),
			Website:    []byte(`<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument></WebsiteConfiguration>`)}},
		{name: "name taken", in: ImportedBucket{Name: "bkt1", Owner: kmsAcct}, wantErr: "create"},
		{name: "bad name", in: ImportedBucket{Name: "B_1", Owner: kmsAcct}, wantErr: "name"},
		{name: "no owner", in: ImportedBucket{Name: "bkt2"}, wantErr: "owner"},
		{name: "bad ownership", in: ImportedBucket{Name: "bkt3", Owner: kmsAcct, Ownership: "Whoever"}, wantErr: ": ownership controls:"},
		{name: "policy S3 refuses", in: ImportedBucket{Name: "bkt4", Owner: kmsAcct, Policy: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`)}, wantErr: ": bucket policy:"},
		{name: "ACL with enforced ownership", in: ImportedBucket{Name: "bkt5", Owner: kmsAcct, Ownership: "BucketOwnerEnforced", ACL: []byte(importACL)}, wantErr: ": ACL:"},
		{name: "ACL not XML", in: ImportedBucket{Name: "bkt6", Owner: kmsAcct, ACL: []byte("{")}, wantErr: ": ACL:"},
		{name: "encryption S3 refuses", in: ImportedBucket{Name: "bkt7", Owner: kmsAcct, Encryption: []byte(`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>ROT13</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`)}, wantErr: ": encryption:"},
		{name: "website S3 refuses", in: ImportedBucket{Name: "bkt8", Owner: kmsAcct, Website: []byte(`<WebsiteConfiguration><ErrorDocument><Key>e</Key></ErrorDocument></WebsiteConfiguration>`)}, wantErr: ": website:"},
	}
	e := newSSEEnv(t, false)
	for _, tc := range cases {
		err := e.s.ImportBucket(ctx, tc.in)
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.wantErr)
		}
	}
	// What was imported answers as the Put operations would have made it.
	for _, c := range []struct{ target, want string }{
		{"/bkt1?policy", `"s3:GetObject"`},
		{"/bkt1?ownershipControls", "<ObjectOwnership>ObjectWriter</ObjectOwnership>"},
		{"/bkt1?acl", "AllUsers"},
		{"/bkt1?publicAccessBlock", "<BlockPublicAcls>true</BlockPublicAcls>"},
		{"/bkt1?website", "<Suffix>index.html</Suffix>"},
		{"/bkt1?location", "EU"},
	} {
		w := e.must(e.do(http.MethodGet, c.target, nil, nil), 200, c.target)
		if !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("GET %s: %s, want %q in it", c.target, w.Body.String(), c.want)
		}
	}
}

func TestImportObject(t *testing.T) {
	ctx := context.Background()
	e := newSSEEnv(t, false)
	if err := e.s.ImportBucket(ctx, ImportedBucket{Name: "bkt", Owner: kmsAcct, Ownership: "ObjectWriter"}); err != nil {
		t.Fatal(err)
	}
	when := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, o := range []ImportedObject{
		{Bucket: "bkt", Key: "a/b.html", Size: 10, ETag: `"0123456789abcdef0123456789abcdef"`, LastModified: when, ContentType: "text/html", ACL: []byte(importACL)},
		{Bucket: "bkt", Key: "cold", Size: 3, StorageClass: "GLACIER"},
	} {
		if err := e.s.ImportObject(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	w := e.must(e.do(http.MethodGet, "/bkt/a/b.html", nil, nil), 200, "GET a/b.html")
	if w.Body.Len() != 10 || w.Header().Get("Etag") != `"0123456789abcdef0123456789abcdef"` || w.Header().Get("Content-Type") != "text/html" ||
		w.Header().Get("X-Amz-Server-Side-Encryption") != "AES256" || w.Header().Get("Last-Modified") != "Sat, 03 Feb 2024 04:05:06 GMT" {
		t.Errorf("GET a/b.html: %d bytes, %v", w.Body.Len(), w.Header())
	}
	if w := e.do(http.MethodGet, "/bkt/a/b.html?acl", nil, nil); !strings.Contains(w.Body.String(), "AllUsers") {
		t.Errorf("object ACL: %s", w.Body.String())
	}
	if w := e.do(http.MethodGet, "/bkt/cold", nil, nil); w.Code != 403 || !strings.Contains(w.Body.String(), "InvalidObjectState") {
		t.Errorf("GET of an archived object: %d %s", w.Code, w.Body.String())
	}
	err := e.s.ImportObject(ctx, ImportedObject{Bucket: "bkt", Key: "big", Size: 5 << 30})
	if !errors.Is(err, ErrBodyTruncated) {
		t.Errorf("a 5 GiB object: %v", err)
	}
	if w := e.do(http.MethodHead, "/bkt/big", nil, nil); w.Code != 200 || w.Header().Get("Content-Length") != "1048576" {
		t.Errorf("HEAD big: %d %v", w.Code, w.Header())
	}
	for _, bad := range []ImportedObject{
		{Bucket: "nobucket", Key: "k"},
		{Bucket: "bkt", Key: ""},
		{Bucket: "bkt", Key: "k", Size: -1},
		{Bucket: "bkt", Key: "k", StorageClass: "TAPE"},
		{Bucket: "bkt", Key: "k", SSE: "aws:kms"}, // no key, no sealer
		{Bucket: "bkt", Key: "k", SSE: "ROT13"},
		{Bucket: "bkt", Key: "k", ACL: []byte("<nope")},
	} {
		if err := e.s.ImportObject(ctx, bad); err == nil {
			t.Errorf("ImportObject(%+v): no error", bad)
		}
	}
	if w := e.do(http.MethodHead, "/bkt/k", nil, nil); w.Code != 404 {
		t.Errorf("a refused import left an object: %d", w.Code)
	}
}
