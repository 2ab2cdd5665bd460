package originaccess

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/policy"
)

const (
	distA  = "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"
	distB  = "arn:aws:cloudfront::111122223333:distribution/E2OTHEREXAMPLE"
	keyARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	bucket = "docs-bucket"
)

var (
	oacA = Grantee{DistributionARN: distA}
	oacB = Grantee{DistributionARN: distB}
	oai  = Grantee{DistributionARN: distA, OAI: "E2QWRUHAPOMQZL"}
)

func mustKeyGrant(t *testing.T, g Grantee, o Options) Grant {
	t.Helper()
	kg, err := KeyGrant(g, keyARN, o)
	if err != nil {
		t.Fatal(err)
	}
	return kg
}

// defaultKeyPolicy is the default key policy KMS gives a key created
// without one (key-policy-default.html).
const defaultKeyPolicy = `{
  "Version": "2012-10-17",
  "Id": "key-default-1",
  "Statement": [
    {
      "Sid": "Enable IAM User Permissions",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
      "Action": "kms:*",
      "Resource": "*"
    }
  ]
}`

func TestMerge(t *testing.T) {
	tests := []struct {
		name    string
		kind    policy.Kind
		current string
		grants  func(t *testing.T) []Grant
		// want is the merged document exactly; "" skips the check.
		want    string
		hows    []How
		sids    []string
		changed bool
		// contains are substrings After must hold.
		contains []string
	}{
		{
			name: "no policy: the console's OAC policy",
			kind: policy.BucketPolicy,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oacA, bucket, Options{})}
			},
			want: `{
  "Version": "2008-10-17",
  "Id": "PolicyForCloudFrontPrivateContent",
  "Statement": [
    {
      "Sid": "AllowCloudFrontServicePrincipal",
      "Effect": "Allow",
      "Principal": {
        "Service": "cloudfront.amazonaws.com"
      },
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::docs-bucket/*",
      "Condition": {
        "StringEquals": {
          "AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"
        }
      }
    }
  ]
}
`,
			hows: []How{Added}, sids: []string{"AllowCloudFrontServicePrincipal"}, changed: true,
		},
		{
			name: "no policy, list and writes: one statement per resource",
			kind: policy.BucketPolicy,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oacA, bucket, Options{ListBucket: true, Writes: true})}
			},
			want: `{
  "Version": "2008-10-17",
  "Id": "PolicyForCloudFrontPrivateContent",
  "Statement": [
    {
      "Sid": "AllowCloudFrontServicePrincipalReadWrite",
      "Effect": "Allow",
      "Principal": {
        "Service": "cloudfront.amazonaws.com"
      },
      "Action": [
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject"
      ],
      "Resource": "arn:aws:s3:::docs-bucket/*",
      "Condition": {
        "StringEquals": {
          "AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"
        }
      }
    },
    {
      "Sid": "AllowCloudFrontServicePrincipalListBucket",
      "Effect": "Allow",
      "Principal": {
        "Service": "cloudfront.amazonaws.com"
      },
      "Action": "s3:ListBucket",
      "Resource": "arn:aws:s3:::docs-bucket",
      "Condition": {
        "StringEquals": {
          "AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"
        }
      }
    }
  ]
}
`,
			hows: []How{Added, Added, Added, Added},
			sids: []string{"AllowCloudFrontServicePrincipalReadWrite", "AllowCloudFrontServicePrincipalReadWrite",
				"AllowCloudFrontServicePrincipalReadWrite", "AllowCloudFrontServicePrincipalListBucket"},
			changed: true,
		},
		{
			name: "unrelated statements and member order kept, Statement object becomes an array",
			kind: policy.BucketPolicy,
			current: `{"Statement":{"Sid":"AdminRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/admin"},` +
				`"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::docs-bucket","arn:aws:s3:::docs-bucket/*"]},"Version":"2012-10-17","Id":"Mine"}`,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oacA, bucket, Options{})}
			},
			want: `{
  "Statement": [
    {
      "Sid": "AdminRead",
      "Effect": "Allow",
      "Principal": {
        "AWS": "arn:aws:iam::111122223333:role/admin"
      },
      "Action": [
        "s3:GetObject",
        "s3:ListBucket"
      ],
      "Resource": [
        "arn:aws:s3:::docs-bucket",
        "arn:aws:s3:::docs-bucket/*"
      ]
    },
    {
      "Sid": "AllowCloudFrontServicePrincipal",
      "Effect": "Allow",
      "Principal": {
        "Service": "cloudfront.amazonaws.com"
      },
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::docs-bucket/*",
      "Condition": {
        "StringEquals": {
          "AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"
        }
      }
    }
  ],
  "Version": "2012-10-17",
  "Id": "Mine"
}
`,
			hows: []How{Added}, sids: []string{"AllowCloudFrontServicePrincipal"}, changed: true,
		},
		{
			name: "already granted: nothing changes",
			kind: policy.BucketPolicy,
			current: `{"Version":"2008-10-17","Id":"PolicyForCloudFrontPrivateContent","Statement":[{"Sid":"AllowCloudFrontServicePrincipal",` +
				`"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::docs-bucket/*",` +
				`"Condition":{"StringEquals":{"AWS:SourceArn":"` + distA + `"}}}]}`,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oacA, bucket, Options{})}
			},
			hows: []How{AlreadyAllowed}, sids: []string{"AllowCloudFrontServicePrincipal"}, changed: false,
		},
		{
			name: "already granted by a broader statement (ArnLike on every distribution)",
			kind: policy.BucketPolicy,
			current: `{"Version":"2012-10-17","Statement":[{"Sid":"AnyDistribution","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},` +
				`"Action":"s3:Get*","Resource":"arn:aws:s3:::docs-bucket/*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/*"}}}]}`,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oacA, bucket, Options{})}
			},
			hows: []How{AlreadyAllowed}, sids: []string{"AnyDistribution"}, changed: false,
		},
		{
			name: "another distribution's statement gets this ARN",
			kind: policy.BucketPolicy,
			current: `{"Version":"2008-10-17","Id":"PolicyForCloudFrontPrivateContent","Statement":[{"Sid":"AllowCloudFrontServicePrincipal",` +
				`"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::docs-bucket/*",` +
				`"Condition":{"StringEquals":{"AWS:SourceArn":"` + distB + `"}}}]}`,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oacA, bucket, Options{})}
			},
			want: `{
  "Version": "2008-10-17",
  "Id": "PolicyForCloudFrontPrivateContent",
  "Statement": [
    {
      "Sid": "AllowCloudFrontServicePrincipal",
      "Effect": "Allow",
      "Principal": {
        "Service": "cloudfront.amazonaws.com"
      },
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::docs-bucket/*",
      "Condition": {
        "StringEquals": {
          "AWS:SourceArn": [
            "arn:aws:cloudfront::111122223333:distribution/E2OTHEREXAMPLE",
            "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"
          ]
        }
      }
    }
  ]
}
`,
			hows: []How{Extended}, sids: []string{"AllowCloudFrontServicePrincipal"}, changed: true,
		},
		{
			name: "extension keeps the key's spelling and an existing array",
			kind: policy.BucketPolicy,
			current: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["cloudfront.amazonaws.com"]},` +
				`"Action":["s3:getobject"],"Resource":["arn:aws:s3:::docs-bucket/*"],"Condition":{"StringEquals":{"aws:sourcearn":["` + distB + `"]}}}]}`,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oacA, bucket, Options{})}
			},
			hows: []How{Extended}, sids: []string{""}, changed: true,
			contains: []string{`"aws:sourcearn": [
            "arn:aws:cloudfront::111122223333:distribution/E2OTHEREXAMPLE",
            "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"
          ]`},
		},
		{
			name: "a statement granting more than needed is not extended",
			kind: policy.BucketPolicy,
			current: `{"Version":"2012-10-17","Statement":[{"Sid":"AllowCloudFrontServicePrincipalReadWrite","Effect":"Allow",` +
				`"Principal":{"Service":"cloudfront.amazonaws.com"},"Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::docs-bucket/*",` +
				`"Condition":{"StringEquals":{"AWS:SourceArn":"` + distB + `"}}}]}`,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oacA, bucket, Options{})}
			},
			hows: []How{Added}, sids: []string{"AllowCloudFrontServicePrincipal"}, changed: true,
		},
		{
			name: "a statement with another condition is not extended; its Sid is taken",
			kind: policy.BucketPolicy,
			current: `{"Version":"2012-10-17","Statement":[{"Sid":"AllowCloudFrontServicePrincipal","Effect":"Allow",` +
				`"Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::docs-bucket/*",` +
				`"Condition":{"StringEquals":{"AWS:SourceArn":"` + distB + `","aws:SourceAccount":"111122223333"}}}]}`,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oacA, bucket, Options{})}
			},
			hows: []How{Added}, sids: []string{"AllowCloudFrontServicePrincipal2"}, changed: true,
		},
		{
			name: "read granted, writes added in their own statement",
			kind: policy.BucketPolicy,
			current: `{"Version":"2008-10-17","Statement":[{"Sid":"AllowCloudFrontServicePrincipal","Effect":"Allow",` +
				`"Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::docs-bucket/*",` +
				`"Condition":{"StringEquals":{"AWS:SourceArn":"` + distA + `"}}}]}`,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oacA, bucket, Options{Writes: true})}
			},
			hows:    []How{AlreadyAllowed, Added, Added},
			sids:    []string{"AllowCloudFrontServicePrincipal", "AllowCloudFrontServicePrincipalWrite", "AllowCloudFrontServicePrincipalWrite"},
			changed: true,
			contains: []string{`"Action": [
        "s3:PutObject",
        "s3:DeleteObject"
      ]`},
		},
		{
			name: "explicit deny reported",
			kind: policy.BucketPolicy,
			current: `{"Version":"2012-10-17","Statement":[{"Sid":"OnlyThroughVPCE","Effect":"Deny","Principal":"*","Action":"s3:*",` +
				`"Resource":["arn:aws:s3:::docs-bucket","arn:aws:s3:::docs-bucket/*"],"Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}`,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oacA, bucket, Options{ListBucket: true})}
			},
			hows: []How{Denied, Denied}, sids: []string{"OnlyThroughVPCE", "OnlyThroughVPCE"}, changed: false,
		},
		{
			name: "deny that exempts the distribution does not block",
			kind: policy.BucketPolicy,
			current: `{"Version":"2012-10-17","Statement":[{"Sid":"OnlyThroughVPCE","Effect":"Deny","Principal":"*","Action":"s3:*",` +
				`"Resource":"arn:aws:s3:::docs-bucket/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d","AWS:SourceArn":"` + distA + `"}}}]}`,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oacA, bucket, Options{})}
			},
			hows: []How{Added}, sids: []string{"AllowCloudFrontServicePrincipal"}, changed: true,
		},
		{
			name: "OAI, no policy: the console's OAI policy",
			kind: policy.BucketPolicy,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oai, bucket, Options{})}
			},
			want: `{
  "Version": "2008-10-17",
  "Id": "PolicyForCloudFrontPrivateContent",
  "Statement": [
    {
      "Sid": "1",
      "Effect": "Allow",
      "Principal": {
        "AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"
      },
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::docs-bucket/*"
    }
  ]
}
`,
			hows: []How{Added}, sids: []string{"1"}, changed: true,
		},
		{
			name: "OAI: next free number; an OAC statement does not grant it",
			kind: policy.BucketPolicy,
			current: `{"Version":"2008-10-17","Statement":[{"Sid":"1","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},` +
				`"Action":"s3:GetObject","Resource":"arn:aws:s3:::docs-bucket/*","Condition":{"StringEquals":{"AWS:SourceArn":"` + distA + `"}}}]}`,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oai, bucket, Options{ListBucket: true})}
			},
			hows: []How{Added, Added}, sids: []string{"2", "3"}, changed: true,
		},
		{
			name: "OAI already granted",
			kind: policy.BucketPolicy,
			current: `{"Version":"2008-10-17","Statement":[{"Sid":"1","Effect":"Allow",` +
				`"Principal":{"AWS":"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::docs-bucket/*"}]}`,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oai, bucket, Options{})}
			},
			hows: []How{AlreadyAllowed}, sids: []string{"1"}, changed: false,
		},
		{
			name: "two distributions in one merge: the second extends the first's statement",
			kind: policy.BucketPolicy,
			grants: func(*testing.T) []Grant {
				return []Grant{BucketGrant(oacA, bucket, Options{}), BucketGrant(oacB, bucket, Options{})}
			},
			hows: []How{Added, Extended}, sids: []string{"AllowCloudFrontServicePrincipal", "AllowCloudFrontServicePrincipal"}, changed: true,
			contains: []string{`"AWS:SourceArn": [
            "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE",
            "arn:aws:cloudfront::111122223333:distribution/E2OTHEREXAMPLE"
          ]`},
		},
		{
			name:    "KMS: the documented SSE-KMS statement appended to the default key policy",
			kind:    policy.KeyPolicy,
			current: defaultKeyPolicy,
			grants: func(t *testing.T) []Grant {
				return []Grant{mustKeyGrant(t, oacA, Options{})}
			},
			want: `{
  "Version": "2012-10-17",
  "Id": "key-default-1",
  "Statement": [
    {
      "Sid": "Enable IAM User Permissions",
      "Effect": "Allow",
      "Principal": {
        "AWS": "arn:aws:iam::111122223333:root"
      },
      "Action": "kms:*",
      "Resource": "*"
    },
    {
      "Sid": "AllowCloudFrontServicePrincipalSSE-KMS",
      "Effect": "Allow",
      "Principal": {
        "Service": [
          "cloudfront.amazonaws.com"
        ]
      },
      "Action": "kms:Decrypt",
      "Resource": "*",
      "Condition": {
        "StringEquals": {
          "AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"
        }
      }
    }
  ]
}
`,
			hows: []How{Added}, sids: []string{"AllowCloudFrontServicePrincipalSSE-KMS"}, changed: true,
		},
		{
			name:    "KMS with writes: Decrypt, Encrypt, GenerateDataKey*",
			kind:    policy.KeyPolicy,
			current: defaultKeyPolicy,
			grants: func(t *testing.T) []Grant {
				return []Grant{mustKeyGrant(t, oacA, Options{Writes: true})}
			},
			hows: []How{Added, Added, Added}, changed: true,
			sids: []string{"AllowCloudFrontServicePrincipalSSE-KMS", "AllowCloudFrontServicePrincipalSSE-KMS", "AllowCloudFrontServicePrincipalSSE-KMS"},
			contains: []string{`"Action": [
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey*"
      ]`},
		},
		{
			name: "KMS: another distribution's SSE-KMS statement gets this ARN",
			kind: policy.KeyPolicy,
			current: `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},` +
				`{"Sid":"AllowCloudFrontServicePrincipalSSE-KMS","Effect":"Allow","Principal":{"Service":["cloudfront.amazonaws.com"]},` +
				`"Action":["kms:Decrypt","kms:Encrypt","kms:GenerateDataKey*"],"Resource":"*","Condition":{"StringEquals":{"AWS:SourceArn":"` + distB + `"}}}]}`,
			grants: func(t *testing.T) []Grant {
				return []Grant{mustKeyGrant(t, oacA, Options{Writes: true})}
			},
			hows: []How{Extended, Extended, Extended}, changed: true,
			sids: []string{"AllowCloudFrontServicePrincipalSSE-KMS", "AllowCloudFrontServicePrincipalSSE-KMS", "AllowCloudFrontServicePrincipalSSE-KMS"},
		},
		{
			name: "KMS: the account root statement does not grant the service principal; kms:ViaService conditions hold",
			kind: policy.KeyPolicy,
			current: `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},` +
				`{"Sid":"ViaS3","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*",` +
				`"Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com","aws:SourceAccount":"111122223333"}}}]}`,
			grants: func(t *testing.T) []Grant {
				return []Grant{mustKeyGrant(t, oacA, Options{})}
			},
			hows: []How{AlreadyAllowed}, sids: []string{"ViaS3"}, changed: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Merge(tt.kind, []byte(tt.current), tt.grants(t)...)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != "" && string(res.After) != tt.want {
				t.Errorf("After:\n%s\nwant:\n%s\ndiff:\n%s", res.After, tt.want, UnifiedDiff("want", "got", []byte(tt.want), res.After))
			}
			for _, c := range tt.contains {
				if !strings.Contains(string(res.After), c) {
					t.Errorf("After does not contain\n%s\n---\n%s", c, res.After)
				}
			}
			if res.Changed != tt.changed {
				t.Errorf("Changed = %v, want %v", res.Changed, tt.changed)
			}
			if len(res.Steps) != len(tt.hows) {
				t.Fatalf("%d steps, want %d: %v", len(res.Steps), len(tt.hows), res.Steps)
			}
			for i, s := range res.Steps {
				if s.How != tt.hows[i] || s.Sid != tt.sids[i] {
					t.Errorf("step %d: %v (how %d, sid %q), want how %d sid %q", i, s, s.How, s.Sid, tt.hows[i], tt.sids[i])
				}
			}
			if tt.current == "" && res.Before != nil {
				t.Errorf("Before = %q for no document", res.Before)
			}
			if len(res.Denied()) > 0 {
				return
			}
			// A second merge of the result changes nothing: every step is
			// already allowed.
			again, err := Merge(tt.kind, res.After, tt.grants(t)...)
			if err != nil {
				t.Fatal(err)
			}
			if again.Changed {
				t.Errorf("second merge changed the document:\n%s", UnifiedDiff("first", "second", res.After, again.After))
			}
			for _, s := range again.Steps {
				if s.How != AlreadyAllowed {
					t.Errorf("second merge: %v", s)
				}
			}
		})
	}
}

func TestMergeDeniedStep(t *testing.T) {
	current := `{"Version":"2012-10-17","Statement":[{"Sid":"Open","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::docs-bucket/*"},` +
		`{"Sid":"NoCloudFront","Effect":"Deny","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::docs-bucket/*"}]}`
	res, err := Merge(policy.BucketPolicy, []byte(current), BucketGrant(oacA, bucket, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	d := res.Denied()
	if len(d) != 1 || d[0].Statement != 1 || d[0].Sid != "NoCloudFront" {
		t.Fatalf("Denied = %v", d)
	}
	s := d[0].String()
	if want := `s3:GetObject on arn:aws:s3:::docs-bucket/*: explicitly denied by statement #1 "NoCloudFront"`; s != want {
		t.Errorf("String() = %q, want %q", s, want)
	}
	if want := `#1 Sid "NoCloudFront" (Deny): principal ✓ (Service cloudfront.amazonaws.com)`; !strings.HasPrefix(d[0].Trace, want) {
		t.Errorf("Trace = %q, want it to start with %q", d[0].Trace, want)
	}
	if res.Changed {
		t.Error("a denied merge changed the document")
	}
}

func TestMergeErrors(t *testing.T) {
	tests := []struct {
		name    string
		kind    policy.Kind
		current string
		grant   Grant
		want    string
	}{
		{"no key policy", policy.KeyPolicy, "", Grant{Kind: policy.KeyPolicy, Grantee: oacA}, "no key policy"},
		{"malformed bucket policy", policy.BucketPolicy, `{"Statement":[]}`, BucketGrant(oacA, bucket, Options{}), "does not parse"},
		{"not JSON", policy.BucketPolicy, `{"Version":`, BucketGrant(oacA, bucket, Options{}), "does not parse"},
		{"kind mismatch", policy.KeyPolicy, defaultKeyPolicy, BucketGrant(oacA, bucket, Options{}), "cannot go into"},
		{"bad grantee", policy.BucketPolicy, "", BucketGrant(Grantee{DistributionARN: "E1"}, bucket, Options{}), "not a CloudFront ARN"},
		{"identity policy", policy.IdentityPolicy, "", BucketGrant(oacA, bucket, Options{}), "cannot merge"},
	}
	for _, tt := range tests {
		_, err := Merge(tt.kind, []byte(tt.current), tt.grant)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestMergeSizeLimits: a key policy whose pretty form would pass KMS's 32 KB
// (whitespace counted) is written compact; a bucket policy past S3's 20 KB
// (whitespace not counted) is refused.
func TestMergeSizeLimits(t *testing.T) {
	many := func(n int, prefix string) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%s%d"`, prefix, i)
		}
		return b.String()
	}
	// About 16 KB compact, about 38 KB pretty.
	key := `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow",` +
		`"Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},` +
		`{"Sid":"Users","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:Decrypt","Resource":"*",` +
		`"Condition":{"StringEquals":{"aws:PrincipalTag/team":[` + many(2000, "t") + `]}}}]}`
	res, err := Merge(policy.KeyPolicy, []byte(key), mustKeyGrant(t, oacA, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.After) <= policy.MaxKeyPolicySize || len(res.Document) > policy.MaxKeyPolicySize || bytes.ContainsRune(res.Document, '\n') {
		t.Errorf("After %d bytes, Document %d bytes (want the compact form under %d)", len(res.After), len(res.Document), policy.MaxKeyPolicySize)
	}
	small, err := Merge(policy.KeyPolicy, []byte(defaultKeyPolicy), mustKeyGrant(t, oacA, Options{}))
	if err != nil || !bytes.Equal(small.Document, small.After) {
		t.Errorf("a small key policy is written pretty: %v", err)
	}

	// Just under 20 KB without whitespace: the new statement tips it over.
	var bucketDoc string
	for n := 2000; ; n++ {
		bucketDoc = `{"Version":"2012-10-17","Statement":[{"Sid":"Admins","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},` +
			`"Action":"s3:*","Resource":"arn:aws:s3:::docs-bucket/*","Condition":{"StringEquals":{"aws:PrincipalTag/team":[` + many(n, "te") + `]}}}]}`
		if policy.CompactSize([]byte(bucketDoc), true) > policy.MaxBucketPolicySize-20 {
			break
		}
	}
	if _, err := Merge(policy.BucketPolicy, []byte(bucketDoc), BucketGrant(oacA, bucket, Options{})); err == nil || !strings.Contains(err.Error(), "merged bucket policy is refused") {
		t.Errorf("err = %v", err)
	}
}

func TestKeyGrant(t *testing.T) {
	if _, err := KeyGrant(oai, keyARN, Options{}); !errors.Is(err, ErrOAIKMS) {
		t.Errorf("OAI: err = %v", err)
	}
	for _, bad := range []string{"1234abcd-12ab-34cd-56ef-1234567890ab", "alias/aws/s3", "arn:aws:kms:us-east-1:111122223333:alias/aws/s3"} {
		if _, err := KeyGrant(oacA, bad, Options{}); err == nil {
			t.Errorf("KeyGrant(%q) accepted", bad)
		}
	}
	g := mustKeyGrant(t, oacA, Options{Writes: true})
	var got []string
	for _, p := range g.Permissions {
		got = append(got, p.Action+"="+p.EvalAction+"@"+p.Resource+"="+p.EvalResource)
	}
	want := []string{
		"kms:Decrypt=kms:Decrypt@*=" + keyARN,
		"kms:Encrypt=kms:Encrypt@*=" + keyARN,
		"kms:GenerateDataKey*=kms:GenerateDataKey@*=" + keyARN,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("permissions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if v, _ := g.Context.Values("kms:viaservice"); len(v) != 1 || v[0] != "s3.us-east-1.amazonaws.com" {
		t.Errorf("kms:ViaService = %v", v)
	}
}

func TestProblems(t *testing.T) {
	tests := []struct {
		p    Problem
		id   string
		want []string
	}{
		{OAIKMSProblem(bucket, "E2QWRUHAPOMQZL"), "KMS-OAI", []string{"origin access identity E2QWRUHAPOMQZL", "SSE-KMS", "origin access control (OAC)"}},
		{AWSManagedKeyProblem(bucket, keyARN), "KMS-KEY-POLICY", []string{"aws/s3 (" + keyARN + ")", "cannot be changed", "customer managed key", "s3://docs-bucket/"}},
		{AWSManagedKeyProblem(bucket, ""), "KMS-KEY-POLICY", []string{"the AWS managed key aws/s3, whose"}},
	}
	for _, tt := range tests {
		if tt.p.ID != tt.id {
			t.Errorf("ID = %q, want %q", tt.p.ID, tt.id)
		}
		for _, w := range tt.want {
			if !strings.Contains(tt.p.String(), w) {
				t.Errorf("%q does not contain %q", tt.p, w)
			}
		}
	}
}

func TestPretty(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"b":1.50,"a":[true,null,"x<y&z"],"c":{},"d":[]}`, "{\n  \"b\": 1.50,\n  \"a\": [\n    true,\n    null,\n    \"x<y&z\"\n  ],\n  \"c\": {},\n  \"d\": []\n}\n"},
		{`"s"`, "\"s\"\n"},
	}
	for _, tt := range tests {
		got, err := Pretty([]byte(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("Pretty(%s) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{`{"a":1} x`, `{"a":`, `{1:2}`, ``} {
		if _, err := Pretty([]byte(bad)); err == nil {
			t.Errorf("Pretty(%q) accepted", bad)
		}
	}
}
