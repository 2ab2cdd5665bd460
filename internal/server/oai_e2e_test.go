package server_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/testenv"
)

// TestOAIPrincipalsE2E drives the real aws CLI: CloudFront origin access
// identities as S3 bucket policy principals (by ARN, by canonical user
// id, stored as the ARN) and as ACL grantees.
func TestOAIPrincipalsE2E(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	cli := env.AWSCLI(t)

	out := cli.JSON(nil, "cloudfront", "create-cloud-front-origin-access-identity",
		"--cloud-front-origin-access-identity-config", "CallerReference=r1,Comment=c")
	oai, _ := out["CloudFrontOriginAccessIdentity"].(map[string]any)
	id, _ := oai["Id"].(string)
	canon, _ := oai["S3CanonicalUserId"].(string)
	etag, _ := out["ETag"].(string)
	if id == "" || canon == "" || etag == "" {
		t.Fatalf("create-cloud-front-origin-access-identity: %v", out)
	}
	arn := "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity " + id
	cli.Run(nil, "s3api", "create-bucket", "--bucket", "site")

	// run and runJSON are cli.Run and cli.JSON failing the subtest t (the
	// CLI's own helpers fail the test that made it).
	run := func(t *testing.T, args ...string) []byte {
		t.Helper()
		out, stderr, err := cli.Try(nil, args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return out
	}
	runJSON := func(t *testing.T, args ...string) map[string]any {
		t.Helper()
		out := map[string]any{}
		if err := json.Unmarshal(run(t, args...), &out); err != nil {
			t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
		}
		return out
	}
	policyFile := func(doc string) string {
		p := filepath.Join(cli.Dir(), "policy.json")
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return "file://" + p
	}
	put := func(doc string) (string, error) {
		_, stderr, err := cli.Try(nil, "s3api", "put-bucket-policy", "--bucket", "site", "--policy", policyFile(doc))
		return stderr, err
	}
	stored := func(t *testing.T) string {
		t.Helper()
		out := runJSON(t, "s3api", "get-bucket-policy", "--bucket", "site")
		s, _ := out["Policy"].(string)
		return s
	}
	// A pretty-printed document with a second statement: only the OAI's
	// principal value may change.
	doc := func(principal string) string {
		return `{
  "Version": "2012-10-17",
  "Id": "PolicyForCloudFrontPrivateContent",
  "Statement": [
    {
      "Sid": "OAIRead",
      "Effect": "Allow",
      "Principal": ` + principal + `,
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::site/*"
    },
    {
      "Sid": "DenyAgent",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:*",
      "Resource": "arn:aws:s3:::site/*",
      "Condition": {"StringEquals": {"aws:UserAgent": "blocked-agent"}}
    }
  ]
}`
	}
	malformed := regexp.MustCompile(`An error occurred \(MalformedPolicy\) when calling the PutBucketPolicy operation: Invalid principal in policy`)

	t.Run("by ARN: accepted, stored as sent", func(t *testing.T) {
		sent := doc(`{ "AWS": "` + arn + `" }`)
		if stderr, err := put(sent); err != nil {
			t.Fatalf("put-bucket-policy: %v\n%s", err, stderr)
		}
		if got := stored(t); got != sent {
			t.Errorf("stored\n%s\nwant\n%s", got, sent)
		}
	})

	t.Run("nonexistent OAI: MalformedPolicy", func(t *testing.T) {
		stderr, err := put(doc(`{ "AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1NOSUCHOAI1234" }`))
		if err == nil || !malformed.MatchString(stderr) {
			t.Fatalf("want MalformedPolicy Invalid principal in policy, got %v: %s", err, stderr)
		}
	})

	t.Run("by canonical user: accepted, stored as the ARN", func(t *testing.T) {
		if stderr, err := put(doc(`{ "CanonicalUser": "` + canon + `" }`)); err != nil {
			t.Fatalf("put-bucket-policy: %v\n%s", err, stderr)
		}
		if got, want := stored(t), doc(`{"AWS":"`+arn+`"}`); got != want {
			t.Errorf("stored\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("unknown canonical user: MalformedPolicy", func(t *testing.T) {
		// UNCONFIRMED: S3's answer to a canonical id nobody has.
		stderr, err := put(doc(`{ "CanonicalUser": "` + strings.Repeat("0f", 32) + `" }`))
		if err == nil || !malformed.MatchString(stderr) {
			t.Fatalf("want MalformedPolicy Invalid principal in policy, got %v: %s", err, stderr)
		}
	})

	t.Run("ACL grants to the OAI's canonical id", func(t *testing.T) {
		run(t, "s3api", "put-bucket-ownership-controls", "--bucket", "site",
			"--ownership-controls", "Rules=[{ObjectOwnership=BucketOwnerPreferred}]")
		body := filepath.Join(cli.Dir(), "index.html")
		if err := os.WriteFile(body, []byte("<h1>hi</h1>"), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, "s3api", "put-object", "--bucket", "site", "--key", "index.html", "--body", body)
		run(t, "s3api", "put-object-acl", "--bucket", "site", "--key", "index.html", "--grant-read", "id="+canon)
		wantOAIGrant(t, "object ACL", runJSON(t, "s3api", "get-object-acl", "--bucket", "site", "--key", "index.html"), canon, id, "READ")

		run(t, "s3api", "put-object", "--bucket", "site", "--key", "b.html", "--body", body, "--grant-read", "id="+canon)
		wantOAIGrant(t, "object ACL from PutObject", runJSON(t, "s3api", "get-object-acl", "--bucket", "site", "--key", "b.html"), canon, id, "READ")

		run(t, "s3api", "put-bucket-acl", "--bucket", "site", "--grant-read", "id="+canon)
		wantOAIGrant(t, "bucket ACL", runJSON(t, "s3api", "get-bucket-acl", "--bucket", "site"), canon, id, "READ")

		_, stderr, err := cli.Try(nil, "s3api", "put-object-acl", "--bucket", "site", "--key", "index.html", "--grant-read", "id="+strings.Repeat("0f", 48))
		if err == nil || !strings.Contains(stderr, "(InvalidArgument)") {
			t.Errorf("grant to an unknown canonical id: want InvalidArgument, got %v: %s", err, stderr)
		}
	})

	t.Run("deleted OAI: MalformedPolicy", func(t *testing.T) {
		run(t, "cloudfront", "delete-cloud-front-origin-access-identity", "--id", id, "--if-match", etag)
		for _, principal := range []string{`{"AWS": "` + arn + `"}`, `{"CanonicalUser": "` + canon + `"}`} {
			stderr, err := put(doc(principal))
			if err == nil || !malformed.MatchString(stderr) {
				t.Errorf("%s: want MalformedPolicy Invalid principal in policy, got %v: %s", principal, err, stderr)
			}
		}
	})
}

// wantOAIGrant checks that an ACL (get-object-acl or get-bucket-acl
// output) grants perm to the OAI's canonical id, and shows the OAI's
// display name (UNCONFIRMED: the name S3 shows for an OAI grantee).
func wantOAIGrant(t *testing.T, what string, acl map[string]any, canon, id, perm string) {
	t.Helper()
	grants, _ := acl["Grants"].([]any)
	for _, g := range grants {
		g, _ := g.(map[string]any)
		grantee, _ := g["Grantee"].(map[string]any)
		if grantee["ID"] == canon && g["Permission"] == perm {
			if grantee["Type"] != "CanonicalUser" || grantee["DisplayName"] != "CloudFront Origin Access Identity "+id {
				t.Errorf("%s: grantee %v", what, grantee)
			}
			return
		}
	}
	b, _ := json.Marshal(acl)
	t.Errorf("%s: no %s grant to %s: %s", what, perm, canon, b)
}
