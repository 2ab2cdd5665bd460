package s3_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/testenv"
)

// configGets are the Gets of the bucket configurations edgegate cannot
// set yet, each with its IAM action and what S3 answers for a bucket
// without that configuration ("" for 200).
var configGets = []struct {
	name, action, query, code string
	call                      func(ctx context.Context, c *s3.Client, b *string) error
}{
	{"GetBucketCors", "s3:GetBucketCORS", "cors", "NoSuchCORSConfiguration", func(ctx context.Context, c *s3.Client, b *string) error {
		_, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b})
		return err
	}},
	{"GetBucketWebsite", "s3:GetBucketWebsite", "website", "NoSuchWebsiteConfiguration", func(ctx context.Context, c *s3.Client, b *string) error {
		_, err := c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: b})
		return err
	}},
	{"GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration", "lifecycle", "NoSuchLifecycleConfiguration", func(ctx context.Context, c *s3.Client, b *string) error {
		_, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
		return err
	}},
	{"GetBucketReplication", "s3:GetReplicationConfiguration", "replication", "ReplicationConfigurationNotFoundError", func(ctx context.Context, c *s3.Client, b *string) error {
		_, err := c.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: b})
		return err
	}},
	{"GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration", "object-lock", "ObjectLockConfigurationNotFoundError", func(ctx context.Context, c *s3.Client, b *string) error {
		_, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: b})
		return err
	}},
	{"GetBucketLogging", "s3:GetBucketLogging", "logging", "", func(ctx context.Context, c *s3.Client, b *string) error {
		out, err := c.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: b})
		if err == nil && out.LoggingEnabled != nil {
			return errors.New("logging enabled")
		}
		return err
	}},
	{"GetBucketAccelerateConfiguration", "s3:GetAccelerateConfiguration", "accelerate", "", func(ctx context.Context, c *s3.Client, b *string) error {
		out, err := c.GetBucketAccelerateConfiguration(ctx, &s3.GetBucketAccelerateConfigurationInput{Bucket: b})
		if err == nil && out.Status != "" {
			return errors.New("accelerate status " + string(out.Status))
		}
		return err
	}},
	{"GetBucketRequestPayment", "s3:GetBucketRequestPayment", "requestPayment", "", func(ctx context.Context, c *s3.Client, b *string) error {
		out, err := c.GetBucketRequestPayment(ctx, &s3.GetBucketRequestPaymentInput{Bucket: b})
		if err == nil && out.Payer != types.PayerBucketOwner {
			return errors.New("payer " + string(out.Payer))
		}
		return err
	}},
	{"GetBucketVersioning", "s3:GetBucketVersioning", "versioning", "", func(ctx context.Context, c *s3.Client, b *string) error {
		out, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b})
		if err == nil && (out.Status != "" || out.MFADelete != "") {
			return errors.New("versioning " + string(out.Status))
		}
		return err
	}},
}

// TestUnsetBucketConfigs: the Gets answer as S3 does for a bucket without
// the configuration (the SDK decodes each answer; the raw documents are
// S3's), a missing bucket is NoSuchBucket, and the Puts are 501.
func TestUnsetBucketConfigs(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	ctx := context.Background()
	c := env.S3()
	mkBucket(t, c, "configs")
	for _, g := range configGets {
		err := g.call(ctx, c, aws.String("configs"))
		if g.code == "" {
			if err != nil {
				t.Errorf("%s: %v", g.name, err)
			}
		} else {
			wantErr(t, g.name, err, g.code, 404)
			resp, body := rawS3(t, env, "GET", "/configs?"+g.query, nil, nil)
			if resp.StatusCode != 404 || !strings.Contains(string(body), "<BucketName>configs</BucketName>") {
				t.Errorf("%s raw: %d %s", g.name, resp.StatusCode, body)
			}
		}
		wantErr(t, g.name+" of a missing bucket", g.call(ctx, c, aws.String("no-such-bucket")), "NoSuchBucket", 404)
	}
	for query, want := range map[string]string{
		"versioning":     `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></VersioningConfiguration>`,
		"logging":        `<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></BucketLoggingStatus>`,
		"accelerate":     `<AccelerateConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></AccelerateConfiguration>`,
		"requestPayment": `<RequestPaymentConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Payer>BucketOwner</Payer></RequestPaymentConfiguration>`,
	} {
		resp, body := rawS3(t, env, "GET", "/configs?"+query, nil, nil)
		if resp.StatusCode != 200 || !strings.HasSuffix(strings.TrimSpace(string(body)), want) || resp.Header.Get("Content-Type") != "application/xml" {
			t.Errorf("GET ?%s: %d %s %s", query, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}

	// Nothing can be set: 501, and the Get still answers "none".
	cors := []byte(`<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>`)
	if resp, body := rawS3(t, env, "PUT", "/configs?cors", cors, http.Header{"Content-Md5": {md5b64(cors)}}); resp.StatusCode != 501 || !strings.Contains(string(body), "<Code>NotImplemented</Code>") {
		t.Errorf("PUT ?cors: %d %s", resp.StatusCode, body)
	}
	wantErr(t, "GetBucketCors after the PUT", configGets[0].call(ctx, c, aws.String("configs")), "NoSuchCORSConfiguration", 404)
	_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("configs"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	wantErr(t, "PutBucketVersioning", err, "NotImplemented", 501)
	if resp, _ := rawS3(t, env, "DELETE", "/configs?lifecycle", nil, nil); resp.StatusCode != 501 {
		t.Errorf("DELETE ?lifecycle: %d", resp.StatusCode)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("configs")}); err != nil {
		t.Errorf("the bucket is gone after DELETE ?lifecycle: %v", err)
	}
}

// TestBucketConfigActions pins each Get (and the tagging operations) to
// its IAM action: a user allowed exactly these actions may call them all;
// a bucket policy denying one action refuses that operation only.
func TestBucketConfigActions(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	ctx := context.Background()
	owner := env.S3()
	mkBucket(t, owner, "audited")
	root := env.IAM("test", "test")
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("auditor")}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("auditor")})
	if err != nil {
		t.Fatal(err)
	}
	auditor := env.S3As(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))

	type check struct {
		name, action, code string
		call               func() error
	}
	var checks []check
	for _, g := range configGets {
		g := g
		checks = append(checks, check{g.name, g.action, g.code, func() error { return g.call(ctx, auditor, aws.String("audited")) }})
	}
	tagging := &types.Tagging{TagSet: []types.Tag{{Key: aws.String("team"), Value: aws.String("audit")}}}
	checks = append(checks,
		check{"PutBucketTagging", "s3:PutBucketTagging", "", func() error {
			_, err := auditor.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("audited"), Tagging: tagging})
			return err
		}},
		check{"GetBucketTagging", "s3:GetBucketTagging", "", func() error {
			_, err := auditor.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("audited")})
			return err
		}},
	)
	actions := make([]string, len(checks))
	for i, ch := range checks {
		actions[i] = `"` + ch.action + `"`
	}
	pol, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Audit"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[` + strings.Join(actions, ",") + `],"Resource":"arn:aws:s3:::audited"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("auditor"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	allowed := func(ch check) {
		t.Helper()
		err := ch.call()
		if ch.code == "" && err != nil || ch.code != "" && apiCode(err) != ch.code {
			t.Errorf("%s allowed: %v, want %q", ch.name, err, ch.code)
		}
	}
	for _, ch := range checks {
		allowed(ch)
	}
	// DeleteBucketTagging needs s3:PutBucketTagging, which the user has.
	if _, err := auditor.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String("audited")}); err != nil {
		t.Errorf("DeleteBucketTagging with s3:PutBucketTagging: %v", err)
	}
	for i, ch := range checks {
		deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:user/auditor"},"Action":"` +
			ch.action + `","Resource":"arn:aws:s3:::audited"}]}`
		if _, err := owner.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("audited"), Policy: aws.String(deny)}); err != nil {
			t.Fatal(err)
		}
		wantErr(t, ch.name+" denied "+ch.action, ch.call(), "AccessDenied", 403)
		allowed(checks[(i+1)%len(checks)])
	}
}

// TestBucketTagging covers Get/Put/DeleteBucketTagging: S3's answers, the
// checks, persistence across a restart, and that tags go with the bucket.
func TestBucketTagging(t *testing.T) {
	dir := t.TempDir()
	env := testenv.Start(t, testenv.Options{DataDir: dir})
	ctx := context.Background()
	c := env.S3()
	b := aws.String("tagged")
	mkBucket(t, c, "tagged")
	get := func(c *s3.Client) (map[string]string, []string, error) {
		out, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
		if err != nil {
			return nil, nil, err
		}
		m := map[string]string{}
		var order []string
		for _, tg := range out.TagSet {
			m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
			order = append(order, aws.ToString(tg.Key))
		}
		return m, order, nil
	}
	put := func(tags ...string) error {
		set := []types.Tag{}
		for i := 0; i+1 < len(tags); i += 2 {
			set = append(set, types.Tag{Key: aws.String(tags[i]), Value: aws.String(tags[i+1])})
		}
		_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: set}})
		return err
	}

	_, _, err := get(c)
	wantErr(t, "GetBucketTagging of an untagged bucket", err, "NoSuchTagSet", 404)
	if resp, body := rawS3(t, env, "GET", "/tagged?tagging", nil, nil); !strings.Contains(string(body), "<BucketName>tagged</BucketName>") {
		t.Errorf("NoSuchTagSet document: %d %s", resp.StatusCode, body)
	}
	if err := put("Project", "edgegate", "Env", "", "Owner", "ops@example.com"); err != nil {
		t.Fatal(err)
	}
	if m, order, err := get(c); err != nil || len(m) != 3 || m["Project"] != "edgegate" || m["Env"] != "" || strings.Join(order, ",") != "Project,Env,Owner" {
		t.Errorf("tags: %v %v %v", m, order, err)
	}
	resp, body := rawS3(t, env, "GET", "/tagged?tagging", nil, nil)
	if want := `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>Project</Key><Value>edgegate</Value></Tag>`; resp.StatusCode != 200 || !strings.Contains(string(body), want) {
		t.Errorf("GetBucketTagging document: %d %s", resp.StatusCode, body)
	}

	// A refused set changes nothing; a new set replaces the old one.
	wantErr(t, "duplicate keys", put("a", "1", "a", "2"), "InvalidTag", 400)
	wantErr(t, "system tag", put("aws:createdBy", "me"), "InvalidTag", 400)
	var many []string
	for i := range 51 {
		many = append(many, "k"+strings.Repeat("x", i), "v")
	}
	wantErr(t, "51 tags", put(many...), "BadRequest", 400)
	if m, _, _ := get(c); len(m) != 3 {
		t.Errorf("after refused puts: %v", m)
	}
	if err := put("Project", "other"); err != nil {
		t.Fatal(err)
	}
	if m, _, err := get(c); err != nil || len(m) != 1 || m["Project"] != "other" {
		t.Errorf("replaced: %v %v", m, err)
	}

	// Content-MD5 (or a checksum) is required.
	doc := []byte(`<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>`)
	if resp, body := rawS3(t, env, "PUT", "/tagged?tagging", doc, nil); resp.StatusCode != 400 || !strings.Contains(string(body), "<Code>InvalidRequest</Code>") {
		t.Errorf("PUT without Content-MD5: %d %s", resp.StatusCode, body)
	}
	if resp, body := rawS3(t, env, "PUT", "/tagged?tagging", doc, http.Header{"Content-Md5": {md5b64(doc)}}); resp.StatusCode != 204 || len(body) != 0 {
		t.Errorf("PUT with Content-MD5: %d %s", resp.StatusCode, body)
	}

	// The tag set survives a restart.
	env = restart(t, env, "", dir)
	c = env.S3()
	if m, _, err := get(c); err != nil || len(m) != 1 || m["a"] != "b" {
		t.Errorf("after restart: %v %v", m, err)
	}

	// Delete: 204, twice; an empty TagSet leaves no tag set either.
	for range 2 {
		if resp, _ := rawS3(t, env, "DELETE", "/tagged?tagging", nil, nil); resp.StatusCode != 204 {
			t.Errorf("DELETE ?tagging: %d", resp.StatusCode)
		}
	}
	_, _, err = get(c)
	wantErr(t, "after delete", err, "NoSuchTagSet", 404)
	if err := put("x", "y"); err != nil {
		t.Fatal(err)
	}
	if err := put(); err != nil {
		t.Fatalf("empty TagSet: %v", err)
	}
	_, _, err = get(c)
	wantErr(t, "after an empty TagSet", err, "NoSuchTagSet", 404)

	// Tags go with the bucket.
	if err := put("x", "y"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	mkBucket(t, c, "tagged")
	_, _, err = get(c)
	wantErr(t, "a re-created bucket", err, "NoSuchTagSet", 404)
}
