package policy

import (
	"reflect"
	"testing"
)

func TestIsPublic(t *testing.T) {
	const res = `"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"`
	tests := []struct {
		name string
		stmt string
		opts PublicOptions
		want bool
	}{
		{"star principal", `{"Effect":"Allow","Principal":"*",` + res + `}`, PublicOptions{}, true},
		{"AWS star principal", `{"Effect":"Allow","Principal":{"AWS":"*"},` + res + `}`, PublicOptions{}, true},
		{"star among fixed principals", `{"Effect":"Allow","Principal":{"AWS":["111122223333","*"]},` + res + `}`, PublicOptions{}, true},
		{"account principal", `{"Effect":"Allow","Principal":{"AWS":"111122223333"},` + res + `}`, PublicOptions{}, false},
		{"service principal", `{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},` + res + `}`, PublicOptions{}, false},
		{"OAI principal", `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"},` + res + `}`, PublicOptions{}, false},
		{"canonical user", `{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},` + res + `}`, PublicOptions{}, false},
		{"deny to everyone", `{"Effect":"Deny","Principal":"*",` + res + `}`, PublicOptions{}, false},
		{"allow with NotPrincipal", `{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},` + res + `}`, PublicOptions{}, true},
		{"OAC-style source ARN", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringEquals":{"AWS:SourceArn":"arn:aws:cloudfront::111122223333:distribution/E1"}}}`, PublicOptions{}, false},
		{"source ARN ArnEquals", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/E1"}}}`, PublicOptions{}, false},
		{"source ARN wildcard", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/*"}}}`, PublicOptions{}, true},
		{"source ARN variable", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringEquals":{"aws:SourceArn":"${aws:x}"}}}`, PublicOptions{}, true},
		{"source account", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}`, PublicOptions{}, false},
		{"source VPC endpoint", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}`, PublicOptions{}, false},
		{"source VPC", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringEquals":{"aws:SourceVpc":"vpc-111bbb22"}}}`, PublicOptions{}, false},
		{"org id", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}`, PublicOptions{}, false},
		{"kms key id", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringEquals":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:us-east-1:111122223333:key/k"}}}`, PublicOptions{}, false},
		{"userid fixed", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringEquals":{"aws:userid":"AIDAEXAMPLE"}}}`, PublicOptions{}, false},
		{"userid role pattern", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringLike":{"aws:userid":"AROAEXAMPLE:*"}}}`, PublicOptions{}, true},
		{"negated condition", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}`, PublicOptions{}, true},
		{"IfExists condition", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}}`, PublicOptions{}, true},
		{"ForAllValues condition", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"ForAllValues:StringEquals":{"aws:SourceVpce":"vpce-1"}}}`, PublicOptions{}, true},
		{"unlisted key", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringEquals":{"aws:Referer":"https://example.com/"}}}`, PublicOptions{}, true},
		{"source IP /24", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}`, PublicOptions{}, false},
		{"source IP /8", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"IpAddress":{"aws:SourceIp":"54.0.0.0/8"}}}`, PublicOptions{}, false},
		{"source IP /7", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"IpAddress":{"aws:SourceIp":"54.0.0.0/7"}}}`, PublicOptions{}, true},
		{"source IP any", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}`, PublicOptions{}, true},
		{"source IP one broad among narrow", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","0.0.0.0/1"]}}}`, PublicOptions{}, true},
		{"source IP RFC1918", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"IpAddress":{"aws:SourceIp":"10.1.0.0/16"}}}`, PublicOptions{}, true},
		{"source IP RFC1918 allowed by option", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"IpAddress":{"aws:SourceIp":"10.1.0.0/16"}}}`, PublicOptions{PrivateIPv4Restricts: true}, false},
		{"source IP v6 /32", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}}`, PublicOptions{}, false},
		{"source IP v6 /31", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"IpAddress":{"aws:SourceIp":"2001:db8::/31"}}}`, PublicOptions{}, true},
		{"source IP custom breadth", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"IpAddress":{"aws:SourceIp":"54.0.0.0/12"}}}`, PublicOptions{MinIPv4Bits: 16}, true},
		{"NotIpAddress", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}`, PublicOptions{}, true},
		{"custom key list", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringEquals":{"aws:Referer":"https://example.com/"}}}`, PublicOptions{Keys: []string{"aws:referer"}}, false},
		{"one restricting condition suffices", `{"Effect":"Allow","Principal":"*",` + res + `,"Condition":{"StringLike":{"aws:Referer":"*"},"StringEquals":{"aws:SourceAccount":"111122223333"}}}`, PublicOptions{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, BucketPolicy, doc(tt.stmt))
			if got := p.IsPublic(tt.opts); got != tt.want {
				t.Errorf("IsPublic = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPublicStatements(t *testing.T) {
	p := mustParse(t, BucketPolicy, doc(
		`{"Sid":"OAC","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`,
		`{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/public/*"}`,
		`{"Sid":"DenyHTTP","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`,
		`{"Sid":"Open","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}`))
	if got := p.PublicStatements(PublicOptions{}); !reflect.DeepEqual(got, []int{1, 3}) {
		t.Errorf("PublicStatements = %v", got)
	}
	ip := mustParse(t, IdentityPolicy, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`))
	if ip.IsPublic(PublicOptions{}) {
		t.Error("identity policy is public")
	}
}
