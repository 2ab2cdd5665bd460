package authz

import (
	"testing"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/s3/access"
)

// benchBucketPolicy is a realistic 20-statement bucket policy: transport
// and network denies with a CloudFront exemption, OAC grants for several
// distributions, partner-account grants by prefix, upload rules requiring
// bucket-owner-full-control and SSE-KMS, office-IP grants, and a public
// prefix granted to everyone last, so a public read walks every statement.
const benchBucketPolicy = `{
 "Version": "2012-10-17",
 "Id": "SiteBucketPolicy",
 "Statement": [
  {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
   "Resource": ["arn:aws:s3:::site-bucket", "arn:aws:s3:::site-bucket/*"],
   "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
  {"Sid": "DenyOldTLS", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
   "Resource": ["arn:aws:s3:::site-bucket", "arn:aws:s3:::site-bucket/*"],
   "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
  {"Sid": "DenyWritesOutsideVpce", "Effect": "Deny", "Principal": "*", "Action": ["s3:PutObject", "s3:DeleteObject"],
   "Resource": "arn:aws:s3:::site-bucket/*",
   "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d", "AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"}}},
  {"Sid": "DenyUnencryptedUploads", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
   "Resource": "arn:aws:s3:::site-bucket/*",
   "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
  {"Sid": "DenyPrivateToOutsiders", "Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:role/site-admin"]},
   "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site-bucket/private/*"},
  {"Sid": "AllowCloudFrontProd", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
   "Resource": "arn:aws:s3:::site-bucket/*",
   "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"}}},
  {"Sid": "AllowCloudFrontStaging", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
   "Resource": "arn:aws:s3:::site-bucket/staging/*",
   "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E2STAGINGEXAMPLE"}}},
  {"Sid": "AllowCloudFrontList", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:ListBucket",
   "Resource": "arn:aws:s3:::site-bucket",
   "Condition": {"StringEquals": {"AWS:SourceArn": ["arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE", "arn:aws:cloudfront::111122223333:distribution/E2STAGINGEXAMPLE"]}}},
  {"Sid": "AllowLegacyOAI", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLE"},
   "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site-bucket/legacy/*"},
  {"Sid": "PartnerRead", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": ["s3:GetObject", "s3:GetObjectVersion"],
   "Resource": "arn:aws:s3:::site-bucket/shared/*"},
  {"Sid": "PartnerList", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "s3:ListBucket",
   "Resource": "arn:aws:s3:::site-bucket", "Condition": {"StringLike": {"s3:prefix": ["shared/*", "shared/"]}}},
  {"Sid": "PartnerUpload", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/uploader"}, "Action": "s3:PutObject",
   "Resource": "arn:aws:s3:::site-bucket/incoming/*",
   "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
  {"Sid": "AuditorRead", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::777788889999:role/auditor"}, "Action": ["s3:GetObject", "s3:GetObjectAcl"],
   "Resource": "arn:aws:s3:::site-bucket/reports/*",
   "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}},
  {"Sid": "OfficeRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
   "Resource": "arn:aws:s3:::site-bucket/internal/*",
   "Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"]}}},
  {"Sid": "OrgRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
   "Resource": "arn:aws:s3:::site-bucket/org/*",
   "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}},
  {"Sid": "UserHome", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": ["s3:GetObject", "s3:PutObject"],
   "Resource": "arn:aws:s3:::site-bucket/home/${aws:username}/*"},
  {"Sid": "ReferrerRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
   "Resource": "arn:aws:s3:::site-bucket/embed/*",
   "Condition": {"StringLike": {"aws:Referer": ["https://www.example.com/*", "https://example.com/*"]}}},
  {"Sid": "VersionedReads", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/site-admin"}, "Action": "s3:GetObjectVersion",
   "Resource": "arn:aws:s3:::site-bucket/*", "Condition": {"Null": {"s3:versionid": "false"}}},
  {"Sid": "AdminAll", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/site-admin"}, "Action": "s3:*",
   "Resource": ["arn:aws:s3:::site-bucket", "arn:aws:s3:::site-bucket/*"]},
  {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
   "Resource": "arn:aws:s3:::site-bucket/public/*"}
 ]
}`

// benchIdentityPolicy is the partner user's identity policy.
const benchIdentityPolicy = `{
 "Version": "2012-10-17",
 "Statement": [
  {"Sid": "DenyDeletes", "Effect": "Deny", "Action": ["s3:DeleteObject", "s3:DeleteBucket"], "Resource": "*"},
  {"Sid": "ListSites", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::site-bucket",
   "Condition": {"StringLike": {"s3:prefix": "shared/*"}}},
  {"Sid": "ReadShared", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": "arn:aws:s3:::site-bucket/shared/*"},
  {"Sid": "OwnBuckets", "Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::partner-*", "arn:aws:s3:::partner-*/*"]}
 ]
}`

func benchInput(b testing.TB) (anon, signed *Input) {
	b.Helper()
	const owner = "111122223333"
	bp, err := policy.Parse([]byte(benchBucketPolicy), policy.BucketPolicy)
	if err != nil {
		b.Fatal(err)
	}
	ip, err := policy.Parse([]byte(benchIdentityPolicy), policy.IdentityPolicy)
	if err != nil {
		b.Fatal(err)
	}
	if n := len(bp.Statements()); n != 20 {
		b.Fatalf("bucket policy has %d statements, want 20", n)
	}
	bucket := &Bucket{Name: "site-bucket", Owner: owner, OwnerCanonicalID: canonicalID(owner), Policy: bp,
		PolicyIsPublic: bp.IsPublic(policy.PublicOptions{}), Ownership: access.BucketOwnerEnforced,
		PAB: access.PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true}}
	object := &Object{Owner: owner, OwnerCanonicalID: bucket.OwnerCanonicalID}

	actx := &RequestContext{Time: corpusTime}
	actx.SetBool(KeySecureTransport, true)
	actx.Set(KeyTLSVersion, "1.3")
	actx.Set(KeySourceIP, "198.51.100.23")
	actx.Set(KeyUserAgent, "Mozilla/5.0")
	actx.Set(KeyPrincipalType, "Anonymous")
	actx.Set(KeyPrincipalAccount, "anonymous")
	actx.Set(KeyUserID, "anonymous")
	actx.Set(KeyResourceAccount, owner)
	anon = &Input{Principal: identity.AnonymousPrincipal, Action: "s3:GetObject",
		Resource: "arn:aws:s3:::site-bucket/public/img/logo.png", Bucket: bucket, Object: object, Context: actx}

	const partner = "444455556666"
	user := identity.Principal{Type: identity.User, Account: partner, ARN: "arn:aws:iam::" + partner + ":user/Carlos",
		UserID: "AIDACARLOSEXAMPLE", UserName: "Carlos", CanonicalID: canonicalID(partner)}
	sctx := &RequestContext{Time: corpusTime}
	sctx.SetBool(KeySecureTransport, true)
	sctx.Set(KeyTLSVersion, "1.3")
	sctx.Set(KeySourceIP, "203.0.113.9")
	sctx.Set(KeyPrincipalARN, user.ARN)
	sctx.Set(KeyPrincipalAccount, partner)
	sctx.Set(KeyPrincipalType, "User")
	sctx.Set(KeyUserID, user.UserID)
	sctx.Set(KeyUsername, user.UserName)
	sctx.SetBool(KeyPrincipalIsAWSService, false)
	sctx.Set(KeyResourceAccount, owner)
	sctx.Set(KeySignatureVersion, "AWS4-HMAC-SHA256")
	signed = &Input{Principal: user, Identity: []NamedPolicy{{Name: "arn:aws:iam::" + partner + ":policy/partner-read", Policy: ip}},
		Action: "s3:GetObject", Resource: "arn:aws:s3:::site-bucket/shared/q3/report.pdf", Bucket: bucket, Object: object, Context: sctx}

	if r := Authorize(anon, nil); !r.Allowed {
		b.Fatalf("anonymous public read denied: %+v", r)
	}
	if r := Authorize(signed, nil); !r.Allowed {
		b.Fatalf("partner read denied: %+v", r)
	}
	return anon, signed
}

func BenchmarkAuthorizeAnonymousGet(b *testing.B) {
	in, _ := benchInput(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if !Authorize(in, nil).Allowed {
			b.Fatal("denied")
		}
	}
}

func BenchmarkAuthorizeSignedGet(b *testing.B) {
	_, in := benchInput(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if !Authorize(in, nil).Allowed {
			b.Fatal("denied")
		}
	}
}

// BenchmarkAuthorizeTraced is the signed read with a Trace, for comparison:
// what `edgegate explain` pays.
func BenchmarkAuthorizeTraced(b *testing.B) {
	_, in := benchInput(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tr := &Trace{}
		if !Authorize(in, tr).Allowed {
			b.Fatal("denied")
		}
	}
}

// TestAuthorizeAllocs pins the benchmark targets' allocation half: a
// decision without a Trace allocates at most twice (spec target ≤ 2).
func TestAuthorizeAllocs(t *testing.T) {
	anon, signed := benchInput(t)
	for _, c := range []struct {
		name string
		in   *Input
	}{{"anonymous", anon}, {"signed", signed}} {
		if n := testing.AllocsPerRun(200, func() { Authorize(c.in, nil) }); n > 2 {
			t.Errorf("%s: Authorize allocates %v times per call, want ≤ 2", c.name, n)
		}
	}
}
