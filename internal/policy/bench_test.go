package policy

import "testing"

// benchPolicy is a realistic 20-statement bucket policy: OAC and OAI grants,
// TLS and encryption guards, IP, prefix, referer, MFA, date, organization
// and VPC endpoint conditions, NotPrincipal guards and a policy variable.
const benchPolicy = `{
  "Version": "2012-10-17",
  "Id": "BenchPolicy",
  "Statement": [
    {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": ["arn:aws:s3:::site-bucket", "arn:aws:s3:::site-bucket/*"],
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "AllowCloudFrontServicePrincipalReadOnly", "Effect": "Allow",
     "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::site-bucket/*",
     "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"}}},
    {"Sid": "LegacyOAI", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"},
     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site-bucket/*"},
    {"Sid": "OwnerFullAccess", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
     "Action": "s3:*", "Resource": ["arn:aws:s3:::site-bucket", "arn:aws:s3:::site-bucket/*"]},
    {"Sid": "PartnerList", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/Reader"},
     "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::site-bucket",
     "Condition": {"StringLike": {"s3:prefix": ["", "shared/*", "partners/*"]}}},
    {"Sid": "PublicReadFromOffice", "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
     "Resource": "arn:aws:s3:::site-bucket/public/*",
     "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24", "2001:db8::/32"]}}},
    {"Sid": "ProtectBucket", "Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:root"]},
     "Action": ["s3:DeleteBucket", "s3:PutBucketPolicy"], "Resource": "arn:aws:s3:::site-bucket"},
    {"Sid": "RequireKMS", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
     "Resource": "arn:aws:s3:::site-bucket/uploads/*",
     "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
    {"Sid": "S3ServerAccessLogs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::site-bucket/logs/*",
     "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::site-*"}, "StringEquals": {"aws:SourceAccount": "111122223333"}}},
    {"Sid": "AdminFromOfficeOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": "arn:aws:s3:::site-bucket/admin/*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24"]}}},
    {"Sid": "PartnerUploads", "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "s3:PutObject",
     "Resource": "arn:aws:s3:::site-bucket/partners/*",
     "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
    {"Sid": "HotlinkProtection", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::site-bucket/media/*",
     "Condition": {"StringLike": {"aws:Referer": ["https://www.example.com/*", "https://example.com/*"]}}},
    {"Sid": "MFADelete", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
     "Resource": "arn:aws:s3:::site-bucket/records/*", "Condition": {"Null": {"aws:MultiFactorAuthAge": "true"}}},
    {"Sid": "SmallListings", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:user/Bob"},
     "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::site-bucket",
     "Condition": {"NumericLessThanEquals": {"s3:max-keys": "100"}}},
    {"Sid": "Embargo", "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "s3:GetObjectVersion",
     "Resource": "arn:aws:s3:::site-bucket/press/*",
     "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}}},
    {"Sid": "OrgRead", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::site-bucket/org/*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}},
    {"Sid": "InternalViaVPCE", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": "arn:aws:s3:::site-bucket/internal/*",
     "Condition": {"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}}},
    {"Sid": "TaggingForAlice", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
     "Action": ["s3:GetObjectTagging", "s3:PutObjectTagging"], "Resource": "arn:aws:s3:::site-bucket/*"},
    {"Sid": "HomeDirectories", "Effect": "Allow", "Principal": {"AWS": "111122223333"},
     "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::site-bucket/home/${aws:username}/*"},
    {"Sid": "NoPublicWrites", "Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:user/alice", "111122223333"]},
     "Action": "s3:PutObjectAcl", "Resource": "arn:aws:s3:::site-bucket/*"}
  ]
}`

func benchRequests() (anon, signed *Request) {
	anon = &Request{
		Principal: Principal{Anonymous: true, CanonicalID: "65a011a29cdf8ec533ec3d1ccaae921c"},
		Action:    "s3:GetObject",
		Resource:  "arn:aws:s3:::site-bucket/public/css/site.css",
		Context: MapContext{
			"aws:securetransport":       {"true"},
			"aws:sourceip":              {"203.0.113.77"},
			"aws:referer":               {"https://www.example.com/index.html"},
			"aws:currenttime":           {"2024-06-01T12:00:00Z"},
			"aws:principaltype":         {"Anonymous"},
			"aws:userid":                {"anonymous"},
			"aws:principalaccount":      {"anonymous"},
			"s3:signatureversion":       {""},
			"aws:useragent":             {"curl/8.5.0"},
			"aws:epochtime":             {"1717243200"},
			"s3:resourceaccount":        {"111122223333"},
			"aws:principalisawsservice": {"false"},
		},
	}
	signed = &Request{
		Principal: Principal{
			Account:     "111122223333",
			ARN:         "arn:aws:iam::111122223333:user/alice",
			CanonicalID: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
		},
		Action:   "s3:PutObject",
		Resource: "arn:aws:s3:::site-bucket/home/alice/notes/2024/june.txt",
		Context: MapContext{
			"aws:securetransport":             {"true"},
			"aws:sourceip":                    {"192.0.2.10"},
			"aws:username":                    {"alice"},
			"aws:userid":                      {"AIDACKCEVSQ6C2EXAMPLE"},
			"aws:principalarn":                {"arn:aws:iam::111122223333:user/alice"},
			"aws:principalaccount":            {"111122223333"},
			"aws:principaltype":               {"User"},
			"aws:currenttime":                 {"2024-06-01T12:00:00Z"},
			"s3:x-amz-server-side-encryption": {"aws:kms"},
			"aws:principalisawsservice":       {"false"},
		},
	}
	return anon, signed
}

func mustParseBench(b testing.TB) *Policy {
	p, err := Parse([]byte(benchPolicy), BucketPolicy)
	if err != nil {
		b.Fatal(err)
	}
	if n := len(p.Statements()); n != 20 {
		b.Fatalf("bench policy has %d statements", n)
	}
	return p
}

func BenchmarkEvaluate20Statements(b *testing.B) {
	p := mustParseBench(b)
	anon, signed := benchRequests()
	if d := p.Evaluate(anon, nil); d != Allow {
		b.Fatalf("anonymous: %v", d)
	}
	if d := p.Evaluate(signed, nil); d != Allow {
		b.Fatalf("signed: %v", d)
	}
	b.Run("anonymous", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p.Evaluate(anon, nil)
		}
	})
	b.Run("signed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p.Evaluate(signed, nil)
		}
	})
}

func BenchmarkEvaluate20StatementsTraced(b *testing.B) {
	p := mustParseBench(b)
	anon, signed := benchRequests()
	b.Run("anonymous", func(b *testing.B) {
		b.ReportAllocs()
		var tr Trace
		for b.Loop() {
			p.Evaluate(anon, &tr)
		}
	})
	b.Run("signed", func(b *testing.B) {
		b.ReportAllocs()
		var tr Trace
		for b.Loop() {
			p.Evaluate(signed, &tr)
		}
	})
}

func BenchmarkParse20Statements(b *testing.B) {
	doc := []byte(benchPolicy)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc, BucketPolicy); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEvaluateDoesNotAllocate pins the hot-path contract: no trace, no
// allocation.
func TestEvaluateDoesNotAllocate(t *testing.T) {
	p := mustParseBench(t)
	anon, signed := benchRequests()
	for _, req := range []*Request{anon, signed} {
		if n := testing.AllocsPerRun(100, func() { p.Evaluate(req, nil) }); n != 0 {
			t.Errorf("Evaluate(%s) allocates %.1f times per run", req.Principal.ARN, n)
		}
	}
}
