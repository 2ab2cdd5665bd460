package s3

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// TestBucketConfigRows checks the rows of the bucket configuration Gets
// answered for buckets without that configuration, and of bucket tagging:
// name, IAM action, target, handler, and that the router selects them.
func TestBucketConfigRows(t *testing.T) {
	tests := []struct {
		op     *operation
		name   string
		action string
		method string
		query  string
	}{
		{&opGetBucketCors, "GetBucketCors", "s3:GetBucketCORS", "GET", "cors"},
		{&opGetBucketWebsite, "GetBucketWebsite", "s3:GetBucketWebsite", "GET", "website"},
		{&opGetBucketLifecycleConfiguration, "GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration", "GET", "lifecycle"},
		{&opGetBucketReplication, "GetBucketReplication", "s3:GetReplicationConfiguration", "GET", "replication"},
		{&opGetObjectLockConfiguration, "GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration", "GET", "object-lock"},
		{&opGetBucketLogging, "GetBucketLogging", "s3:GetBucketLogging", "GET", "logging"},
		{&opGetBucketAccelerateConfiguration, "GetBucketAccelerateConfiguration", "s3:GetAccelerateConfiguration", "GET", "accelerate"},
		{&opGetBucketRequestPayment, "GetBucketRequestPayment", "s3:GetBucketRequestPayment", "GET", "requestPayment"},
		{&opGetBucketVersioning, "GetBucketVersioning", "s3:GetBucketVersioning", "GET", "versioning"},
		{&opGetBucketTagging, "GetBucketTagging", "s3:GetBucketTagging", "GET", "tagging"},
		{&opPutBucketTagging, "PutBucketTagging", "s3:PutBucketTagging", "PUT", "tagging"},
		{&opDeleteBucketTagging, "DeleteBucketTagging", "s3:PutBucketTagging", "DELETE", "tagging"},
	}
	for _, tt := range tests {
		if tt.op.name != tt.name || tt.op.action != tt.action || tt.op.target != targetBucket || tt.op.handle == nil ||
			tt.op.loadsObject || tt.op.authorizesItself || tt.op.policyLockoutExempt {
			t.Errorf("row %s: %+v (handler set: %v)", tt.name, *tt.op, tt.op.handle != nil)
		}
		if !validS3Action(tt.action) {
			t.Errorf("row %s: %s is not an S3 action a policy may name", tt.name, tt.action)
		}
		q, _ := url.ParseQuery(tt.query)
		got, err := selectOperation(tt.method, targetBucket, q, http.Header{})
		if err != nil || got != tt.op {
			t.Errorf("%s ?%s selects %v, %v; want %s", tt.method, tt.query, got, err, tt.name)
		}
	}
	// Each configuration edgegate cannot set answers its Get only: Put and
	// Delete are 501, never mistaken for CreateBucket or DeleteBucket.
	for _, c := range unsetBucketConfigs {
		for _, method := range []string{"PUT", "DELETE", "POST"} {
			op, err := selectOperation(method, targetBucket, url.Values{c.sub: {""}}, http.Header{})
			var ae *awsapi.Error
			if !errors.As(err, &ae) || ae.Status != http.StatusNotImplemented || ae.Code != "NotImplemented" {
				t.Errorf("%s ?%s: %v, %v; want 501 NotImplemented", method, c.sub, op, err)
			}
		}
	}
	// Subresources not served at all stay 501 for every method.
	for _, sub := range []string{"versions", "notification", "analytics", "inventory", "metrics", "intelligent-tiering"} {
		for _, method := range []string{"GET", "PUT", "DELETE"} {
			if op, err := selectOperation(method, targetBucket, url.Values{sub: {""}}, http.Header{}); !isCode(err, "NotImplemented") {
				t.Errorf("%s ?%s: %v, %v; want NotImplemented", method, sub, op, err)
			}
		}
	}
	// Object tagging is still not served.
	if op, err := selectOperation("GET", targetObject, url.Values{"tagging": {""}}, http.Header{}); !isCode(err, "NotImplemented") {
		t.Errorf("GET object ?tagging: %v, %v", op, err)
	}
}

// TestParseBucketTagging covers PutBucketTagging's document and S3's
// checks of the tags, in S3's order.
func TestParseBucketTagging(t *testing.T) {
	doc := func(tags ...string) string {
		return `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>` + strings.Join(tags, "") + `</TagSet></Tagging>`
	}
	tag := func(k, v string) string { return "<Tag><Key>" + k + "</Key><Value>" + v + "</Value></Tag>" }
	many := func(n int) []string {
		var tags []string
		for i := range n {
			tags = append(tags, tag("k"+strings.Repeat("x", i), "v"))
		}
		return tags
	}

	ok := []struct {
		name string
		doc  string
		want []bucketTag
	}{
		{"two tags, order kept", doc(tag("Project", "edgegate"), tag("Env", "")), []bucketTag{{"Project", "edgegate"}, {"Env", ""}}},
		{"no namespace", `<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>`, []bucketTag{{"a", "b"}}},
		{"allowed punctuation and Unicode", doc(tag("a_b.c:d/e=f+g-h@i j", "Zürich 東京 ٣")), []bucketTag{{"a_b.c:d/e=f+g-h@i j", "Zürich 東京 ٣"}}},
		{"128-character key, 256-character value", doc(tag(strings.Repeat("é", 128), strings.Repeat("v", 256))), []bucketTag{{strings.Repeat("é", 128), strings.Repeat("v", 256)}}},
		{"empty tag set", doc(), []bucketTag{}},
		{"50 tags", doc(many(50)...), nil},
	}
	for _, tt := range ok {
		got, err := parseBucketTagging([]byte(tt.doc))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if tt.want != nil && (len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) || (len(got) > 1 && got[1] != tt.want[1])) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}

	bad := []struct {
		name, doc, code, msg string
		fields               []awsapi.Field
	}{
		{"not XML", `<Tagging>`, "MalformedXML", "", nil},
		{"other root", `<Tags><TagSet/></Tags>`, "MalformedXML", "", nil},
		{"other namespace", `<Tagging xmlns="urn:x"><TagSet/></Tagging>`, "MalformedXML", "", nil},
		{"no TagSet", `<Tagging/>`, "MalformedXML", "", nil},
		{"extra element", `<Tagging><TagSet/><Extra/></Tagging>`, "MalformedXML", "", nil},
		{"tag without Value", doc(`<Tag><Key>a</Key></Tag>`), "MalformedXML", "", nil},
		{"tag without Key", doc(`<Tag><Value>a</Value></Tag>`), "MalformedXML", "", nil},
		{"empty key", doc(tag("", "v")), "InvalidTag", "The TagKey you have provided is invalid", nil},
		{"129-character key", doc(tag(strings.Repeat("k", 129), "v")), "InvalidTag", "The TagKey you have provided is invalid", nil},
		{"key with a comma", doc(tag("a,b", "v")), "InvalidTag", "The TagKey you have provided is invalid", nil},
		{"257-character value", doc(tag("k", strings.Repeat("v", 257))), "InvalidTag", "The TagValue you have provided is invalid",
			[]awsapi.Field{{Name: "TagKey", Value: "k"}, {Name: "TagValue", Value: strings.Repeat("v", 257)}}},
		{"value with parentheses", doc(tag("k", "(x)")), "InvalidTag", "The TagValue you have provided is invalid",
			[]awsapi.Field{{Name: "TagKey", Value: "k"}, {Name: "TagValue", Value: "(x)"}}},
		{"duplicate key", doc(tag("k", "1"), tag("k", "2")), "InvalidTag", "Cannot provide multiple Tags with the same key",
			[]awsapi.Field{{Name: "TagKey", Value: "k"}}},
		{"system tag", doc(tag("aws:cloudformation:stack-name", "s")), "InvalidTag", "System tags cannot be added/updated by requester", nil},
		{"system prefix in other case", doc(tag("AWS:x", "s")), "InvalidTag", `Tags cannot start with "aws:"(case insensitive)`, nil},
		{"51 tags", doc(many(51)...), "BadRequest", "Bucket tag count cannot be greater than 50", nil},
		{"a bad tag among 51 decides first", doc(append(many(50), tag("z", "(x)"))...), "InvalidTag", "The TagValue you have provided is invalid", nil},
	}
	for _, tt := range bad {
		_, err := parseBucketTagging([]byte(tt.doc))
		var ae *awsapi.Error
		if !errors.As(err, &ae) || ae.Code != tt.code || ae.Status != http.StatusBadRequest || !strings.Contains(ae.Message, tt.msg) {
			t.Errorf("%s: %v, want 400 %s %q", tt.name, err, tt.code, tt.msg)
			continue
		}
		if tt.fields != nil && !equalFields(ae.Fields, tt.fields) {
			t.Errorf("%s: fields %v, want %v", tt.name, ae.Fields, tt.fields)
		}
	}
}

func equalFields(a, b []awsapi.Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
