package s3

import (
	"errors"
	"net/http"
	"testing"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
	"github.com/edgegate/edgegate/internal/store"
)

func TestParseBucketLogging(t *testing.T) {
	const ns = `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`
	le := func(inner string) string {
		return `<BucketLoggingStatus ` + ns + `><LoggingEnabled>` + inner + `</LoggingEnabled></BucketLoggingStatus>`
	}
	tb := `<TargetBucket>logs</TargetBucket><TargetPrefix>p/</TargetPrefix>`
	tests := []struct {
		name string
		doc  string
		on   bool
		want loggingConfig
		code string
	}{
		{name: "off", doc: `<BucketLoggingStatus ` + ns + `/>`},
		{name: "off, no namespace", doc: `<BucketLoggingStatus></BucketLoggingStatus>`},
		{name: "simple", doc: le(tb), on: true, want: loggingConfig{TargetBucket: "logs", TargetPrefix: "p/"}},
		{name: "empty prefix", doc: le(`<TargetBucket>logs</TargetBucket><TargetPrefix></TargetPrefix>`), on: true,
			want: loggingConfig{TargetBucket: "logs"}},
		{name: "SimplePrefix", doc: le(tb + `<TargetObjectKeyFormat><SimplePrefix/></TargetObjectKeyFormat>`), on: true,
			want: loggingConfig{TargetBucket: "logs", TargetPrefix: "p/", KeyFormatSet: true}},
		{name: "PartitionedPrefix DeliveryTime", doc: le(tb + `<TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>DeliveryTime</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat>`),
			on: true, want: loggingConfig{TargetBucket: "logs", TargetPrefix: "p/", KeyFormatSet: true, Partitioned: true, DateSource: "DeliveryTime"}},
		{name: "PartitionedPrefix without a date source", doc: le(tb + `<TargetObjectKeyFormat><PartitionedPrefix/></TargetObjectKeyFormat>`),
			on: true, want: loggingConfig{TargetBucket: "logs", TargetPrefix: "p/", KeyFormatSet: true, Partitioned: true}},
		{name: "grants kept", doc: le(tb + `<TargetGrants><Grant><Permission>READ</Permission></Grant></TargetGrants>`), on: true,
			want: loggingConfig{TargetBucket: "logs", TargetPrefix: "p/", Grants: `<Grant><Permission>READ</Permission></Grant>`}},
		{name: "not XML", doc: `<BucketLoggingStatus>`, code: "MalformedXML"},
		{name: "other namespace", doc: `<BucketLoggingStatus xmlns="urn:x"/>`, code: "MalformedXML"},
		{name: "no TargetPrefix", doc: le(`<TargetBucket>logs</TargetBucket>`), code: "MalformedXML"},
		{name: "no TargetBucket", doc: le(`<TargetPrefix>p</TargetPrefix>`), code: "MalformedXML"},
		{name: "unknown element", doc: le(tb + `<Extra/>`), code: "MalformedXML"},
		{name: "both key formats", doc: le(tb + `<TargetObjectKeyFormat><SimplePrefix/><PartitionedPrefix/></TargetObjectKeyFormat>`), code: "MalformedXML"},
		{name: "empty key format", doc: le(tb + `<TargetObjectKeyFormat/>`), code: "MalformedXML"},
		{name: "bad date source", doc: le(tb + `<TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>Now</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat>`), code: "MalformedXML"},
	}
	for _, tt := range tests {
		got, on, err := parseBucketLogging([]byte(tt.doc))
		if tt.code != "" {
			var ae *awsapi.Error
			if !errors.As(err, &ae) || ae.Code != tt.code {
				t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
			}
			continue
		}
		if err != nil || on != tt.on || got != tt.want {
			t.Errorf("%s: %+v %v %v, want %+v %v", tt.name, got, on, err, tt.want, tt.on)
		}
	}
}

func TestLogOperation(t *testing.T) {
	tests := []struct {
		method string
		op     *operation
		key    string
		want   string
	}{
		{"GET", &opGetObject, "k", "REST.GET.OBJECT"},
		{"HEAD", &opHeadObject, "k", "REST.HEAD.OBJECT"},
		{"PUT", &opPutObject, "k", "REST.PUT.OBJECT"},
		{"PUT", &opCopyObject, "k", "REST.COPY.OBJECT"},
		{"GET", &opListObjectsV2, "", "REST.GET.BUCKET"},
		{"GET", &opGetBucketLogging, "", "REST.GET.LOGGING_STATUS"},
		{"PUT", &opPutBucketLogging, "", "REST.PUT.LOGGING_STATUS"},
		{"GET", &opGetBucketVersioning, "", "REST.GET.VERSIONING"},
		{"GET", &opGetBucketPolicy, "", "REST.GET.BUCKETPOLICY"},
		{"POST", &opDeleteObjects, "", "REST.POST.MULTI_OBJECT_DELETE"},
		{"PATCH", nil, "k", "REST.PATCH.OBJECT"},
		{"PATCH", nil, "", "REST.PATCH.BUCKET"},
	}
	for _, tt := range tests {
		if got := logOperation(tt.method, &request{op: tt.op, key: tt.key}); got != tt.want {
			t.Errorf("%s %v: %q, want %q", tt.method, tt.op, got, tt.want)
		}
	}
	// Every bucket and object operation of the router has its own name.
	for _, op := range []*operation{&opGetObject, &opHeadObject, &opPutObject, &opDeleteObject, &opCopyObject,
		&opCreateMultipartUpload, &opUploadPart, &opUploadPartCopy, &opCompleteMultipartUpload, &opAbortMultipartUpload,
		&opListParts, &opListMultipartUploads, &opListObjects, &opHeadBucket, &opCreateBucket, &opDeleteBucket,
		&opGetBucketAcl, &opPutBucketAcl, &opGetObjectAcl, &opPutObjectAcl, &opGetBucketTagging, &opPutBucketTagging,
		&opDeleteBucketTagging, &opGetBucketEncryption, &opPutBucketEncryption, &opDeleteBucketEncryption,
		&opGetPublicAccessBlock, &opPutPublicAccessBlock, &opDeletePublicAccessBlock, &opGetBucketOwnershipControls,
		&opPutBucketOwnershipControls, &opDeleteBucketOwnershipControls, &opGetBucketPolicyStatus, &opPutBucketPolicy,
		&opDeleteBucketPolicy, &opGetBucketLocation} {
		if _, ok := logOperations[op.name]; !ok {
			t.Errorf("%s has no access log Operation name", op.name)
		}
	}
}

func TestLogRequester(t *testing.T) {
	tests := []struct {
		p    identity.Principal
		want string
	}{
		{identity.AnonymousPrincipal, ""},
		{identity.Principal{Type: identity.Root, ARN: "arn:aws:iam::111122223333:root", CanonicalID: "abc"}, "abc"},
		{identity.Principal{Type: identity.User, ARN: "arn:aws:iam::111122223333:user/alice", CanonicalID: "abc"}, "arn:aws:iam::111122223333:user/alice"},
		{identity.Principal{Type: identity.AssumedRole, ARN: "arn:aws:sts::1:assumed-role/r/s"}, "arn:aws:sts::1:assumed-role/r/s"},
		{identity.Principal{Type: identity.Service, ARN: "cloudfront.amazonaws.com"}, "cloudfront.amazonaws.com"},
		{identity.Principal{Type: identity.OAI, ARN: "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1", CanonicalID: "oai"}, "oai"},
	}
	for _, tt := range tests {
		if got := logRequester(tt.p); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.p.Type, got, tt.want)
		}
	}
}

func TestLogTarget(t *testing.T) {
	b := &store.Bucket{Name: "src", Owner: "111122223333", Region: "eu-west-1"}
	got := logTarget(b, loggingConfig{TargetBucket: "dst", TargetPrefix: "p/", Partitioned: true, DateSource: "DeliveryTime"})
	if got.Bucket != "dst" || got.Prefix != "p/" || got.SourceBucket != "src" || got.SourceAccount != "111122223333" ||
		got.SourceRegion != "eu-west-1" || !got.Partitioned || !got.DeliveryTime {
		t.Errorf("%+v", got)
	}
	if c := SourceContext("src", "111122223333"); c["aws:sourcearn"][0] != "arn:aws:s3:::src" || c["aws:sourceaccount"][0] != "111122223333" {
		t.Errorf("SourceContext %v", c)
	}
	r, _ := http.NewRequest("PUT", "/b/k", nil)
	r.Header.Set("X-Amz-Decoded-Content-Length", "42")
	if n := uploadedSize(r, &reqctx.Call{}); n != 42 {
		t.Errorf("uploadedSize %d", n)
	}
}
