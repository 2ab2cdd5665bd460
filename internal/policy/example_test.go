package policy_test

import (
	"fmt"

	"github.com/edgegate/edgegate/internal/policy"
)

// An origin access control (OAC) bucket policy, evaluated for CloudFront
// requests from the right and the wrong distribution.
func Example() {
	p, err := policy.Parse([]byte(`{
	  "Version": "2012-10-17",
	  "Statement": [{
	    "Sid": "AllowCloudFrontServicePrincipalReadOnly",
	    "Effect": "Allow",
	    "Principal": {"Service": "cloudfront.amazonaws.com"},
	    "Action": "s3:GetObject",
	    "Resource": "arn:aws:s3:::site-bucket/*",
	    "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E1"}}
	  }]
	}`), policy.BucketPolicy)
	if err != nil {
		fmt.Println(err)
		return
	}
	req := &policy.Request{
		Principal: policy.Principal{Service: "cloudfront.amazonaws.com"},
		Action:    "s3:GetObject",
		Resource:  "arn:aws:s3:::site-bucket/index.html",
		Context:   policy.MapContext{"aws:sourcearn": {"arn:aws:cloudfront::111122223333:distribution/E1"}},
	}
	fmt.Println(p.Evaluate(req, nil))

	req.Context = policy.MapContext{"aws:sourcearn": {"arn:aws:cloudfront::111122223333:distribution/E2"}}
	var tr policy.Trace
	fmt.Println(p.Evaluate(req, &tr))
	fmt.Println(tr.String())
	// Output:
	// Allow
	// ImplicitDeny
	// #0 Sid "AllowCloudFrontServicePrincipalReadOnly" (Allow): principal ✓ (Service cloudfront.amazonaws.com) action ✓ (s3:GetObject) resource ✓ (arn:aws:s3:::site-bucket/*) condition StringEquals AWS:SourceArn = arn:aws:cloudfront::111122223333:distribution/E1 vs request arn:aws:cloudfront::111122223333:distribution/E2 ✗ → not applied
	// decision: ImplicitDeny (no statement applied)
}

// A bucket policy that AWS would refuse, with S3's error code and message.
func ExampleParse_error() {
	_, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
	  "Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`), policy.BucketPolicy)
	if pe, ok := err.(*policy.ParseError); ok {
		fmt.Println(pe.Code, "-", pe.Message)
	}
	// Output: MalformedPolicy - Invalid principal in policy
}
