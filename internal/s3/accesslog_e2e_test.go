package s3_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/edgegate/edgegate/internal/accesslog"
	"github.com/edgegate/edgegate/internal/testenv"
)

// logDeliveryPolicy is the target bucket policy S3's documentation gives
// for server access logs: the logging service may put objects under the
// prefix, for the source bucket of the source account only.
func logDeliveryPolicy(target, prefix, source, account string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"S3ServerAccessLogsPolicy","Effect":"Allow",` +
		`"Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject",` +
		`"Resource":"arn:aws:s3:::` + target + `/` + prefix + `*",` +
		`"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::` + source + `"},"StringEquals":{"aws:SourceAccount":"` + account + `"}}}]}`
}

// TestServerAccessLoggingCLI: put-bucket-logging with the aws CLI, then
// requests to the source bucket (a PUT, a GET, an anonymous 403, a
// request with a wrong secret) are delivered, after a flush, as one log
// object in the target bucket, whose lines parse into S3's fields.
func TestServerAccessLoggingCLI(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	cli := env.AWSCLI(t)
	ctx := context.Background()
	cli.Run(nil, "s3api", "create-bucket", "--bucket", "logged")
	cli.Run(nil, "s3api", "create-bucket", "--bucket", "log-target")

	// Validation: the target bucket must exist.
	_, errOut, err := cli.Try(nil, "s3api", "put-bucket-logging", "--bucket", "logged", "--bucket-logging-status",
		`{"LoggingEnabled":{"TargetBucket":"no-such-target","TargetPrefix":"x/"}}`)
	if err == nil || !strings.Contains(errOut, "InvalidTargetBucketForLogging") {
		t.Fatalf("missing target bucket: %v %s", err, errOut)
	}

	cli.Run(nil, "s3api", "put-bucket-policy", "--bucket", "log-target", "--policy",
		logDeliveryPolicy("log-target", "access/", "logged", "000000000000"))
	cli.Run(nil, "s3api", "put-bucket-logging", "--bucket", "logged", "--bucket-logging-status",
		`{"LoggingEnabled":{"TargetBucket":"log-target","TargetPrefix":"access/"}}`)
	got := cli.JSON(nil, "s3api", "get-bucket-logging", "--bucket", "logged")
	le, _ := got["LoggingEnabled"].(map[string]any)
	if le["TargetBucket"] != "log-target" || le["TargetPrefix"] != "access/" {
		t.Fatalf("get-bucket-logging: %v", got)
	}

	body := filepath.Join(cli.Dir(), "body.txt")
	if err := os.WriteFile(body, []byte("logged bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli.Run(nil, "s3api", "put-object", "--bucket", "logged", "--key", "dir/a b.txt", "--body", body)
	cli.Run(nil, "s3api", "get-object", "--bucket", "logged", "--key", "dir/a b.txt", filepath.Join(cli.Dir(), "out.txt"))
	resp, err := http.Get(env.Endpoint + "/logged/dir/a%20b.txt")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("anonymous GET: %d", resp.StatusCode)
	}
	if _, errOut, err := cli.Try([]string{"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=wrong"},
		"s3api", "head-bucket", "--bucket", "logged"); err == nil {
		t.Fatalf("wrong secret accepted: %s", errOut)
	}

	if err := env.Server.FlushLogs(ctx); err != nil {
		t.Fatal(err)
	}
	list := cli.JSON(nil, "s3api", "list-objects-v2", "--bucket", "log-target", "--prefix", "access/")
	contents, _ := list["Contents"].([]any)
	if len(contents) != 1 {
		t.Fatalf("log objects: %v", list)
	}
	key := contents[0].(map[string]any)["Key"].(string)
	if !regexp.MustCompile(`^access/\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9A-F]{16}$`).MatchString(key) {
		t.Errorf("log object key %q", key)
	}
	logFile := filepath.Join(cli.Dir(), "log.txt")
	cli.Run(nil, "s3api", "get-object", "--bucket", "log-target", "--key", key, logFile)
	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("log object %s:\n%s", key, raw)
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	byOp := map[string][]string{}
	for _, l := range lines {
		f := accesslog.ParseS3Line(l)
		if len(f) < accesslog.S3FieldCount {
			t.Fatalf("line with %d fields: %q", len(f), l)
		}
		if f[accesslog.S3Bucket] != "logged" || len(f[accesslog.S3BucketOwner]) != 64 {
			t.Errorf("bucket fields: %q", l)
		}
		op := f[accesslog.S3Operation] + " " + f[accesslog.S3HTTPStatus]
		if _, dup := byOp[op]; !dup {
			byOp[op] = f
		}
	}
	put, ok := byOp["REST.PUT.OBJECT 200"]
	if !ok {
		t.Fatalf("no PUT record in\n%s", raw)
	}
	if put[accesslog.S3Key] != "dir/a%20b.txt" || put[accesslog.S3ObjectSize] != "12" || put[accesslog.S3SignatureVersion] != "SigV4" ||
		put[accesslog.S3AuthenticationType] != "AuthHeader" || put[accesslog.S3Requester] != put[accesslog.S3BucketOwner] ||
		!strings.HasPrefix(put[accesslog.S3RequestURI], "PUT /logged/dir/a%20b.txt") || !strings.Contains(put[accesslog.S3UserAgent], "aws-cli") {
		t.Errorf("PUT record: %q", put)
	}
	get, ok := byOp["REST.GET.OBJECT 200"]
	if !ok || get[accesslog.S3BytesSent] != "12" || get[accesslog.S3ObjectSize] != "12" || get[accesslog.S3ErrorCode] != "-" {
		t.Errorf("GET record: %q", get)
	}
	denied, ok := byOp["REST.GET.OBJECT 403"]
	if !ok || denied[accesslog.S3ErrorCode] != "AccessDenied" || denied[accesslog.S3Requester] != "-" ||
		denied[accesslog.S3SignatureVersion] != "-" || denied[accesslog.S3AuthenticationType] != "-" {
		t.Errorf("anonymous 403 record: %q\n%s", denied, raw)
	}
	bad, ok := byOp["REST.HEAD.BUCKET 403"]
	if !ok || bad[accesslog.S3ErrorCode] != "SignatureDoesNotMatch" {
		t.Errorf("wrong-secret record: %q\n%s", bad, raw)
	}
	if _, ok := byOp["REST.GET.LOGGING_STATUS 200"]; !ok {
		t.Errorf("no GetBucketLogging record in\n%s", raw)
	}

	// Turning logging off: an empty BucketLoggingStatus.
	cli.Run(nil, "s3api", "put-bucket-logging", "--bucket", "logged", "--bucket-logging-status", `{}`)
	if got := cli.JSON(nil, "s3api", "get-bucket-logging", "--bucket", "logged"); got["LoggingEnabled"] != nil {
		t.Errorf("after disabling: %v", got)
	}
}

// TestServerAccessLogDeliveryDenied: a target bucket whose policy does not
// let the logging service write gets nothing; the delivery is dropped,
// as S3's is, and counted as failed.
func TestServerAccessLogDeliveryDenied(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	mkBucket(t, c, "src-denied")
	mkBucket(t, c, "dst-denied")
	cfg := []byte(`<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LoggingEnabled>` +
		`<TargetBucket>dst-denied</TargetBucket><TargetPrefix>p/</TargetPrefix>` +
		`<TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>EventTime</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat>` +
		`</LoggingEnabled></BucketLoggingStatus>`)
	if resp, b := rawS3(t, env, "PUT", "/src-denied?logging", cfg, http.Header{"Content-Md5": {md5b64(cfg)}}); resp.StatusCode != 200 {
		t.Fatalf("PutBucketLogging: %d %s", resp.StatusCode, b)
	}
	if resp, b := rawS3(t, env, "GET", "/src-denied?logging", nil, nil); resp.StatusCode != 200 ||
		!strings.Contains(string(b), "<PartitionedPrefix><PartitionDateSource>EventTime</PartitionDateSource></PartitionedPrefix>") {
		t.Fatalf("GetBucketLogging: %d %s", resp.StatusCode, b)
	}
	// Without Content-MD5 or a checksum: refused, as the model requires one.
	if resp, b := rawS3(t, env, "PUT", "/src-denied?logging", cfg, nil); resp.StatusCode != 400 {
		t.Errorf("PutBucketLogging without a digest: %d %s", resp.StatusCode, b)
	}
	if err := env.Server.FlushLogs(context.Background()); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("delivery to a bucket that does not allow it: %v", err)
	}
	if n := env.Server.Metrics().Deliveries().Value("s3", "error"); n != 1 {
		t.Errorf("failed deliveries counted: %d", n)
	}
}

// TestServerAccessLogACLs: a target bucket with the log-delivery-write
// canned ACL (ACLs enabled, no policy) receives the logs, the log
// delivery service being the LogDelivery group; a read that only an
// object ACL allows is logged with aclRequired Yes.
func TestServerAccessLogACLs(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	ctx := context.Background()
	c := env.S3()
	for _, b := range []string{"acl-src", "acl-logs"} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b), ObjectOwnership: types.ObjectOwnershipBucketOwnerPreferred}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("acl-logs"), ACL: types.BucketCannedACL("log-delivery-write")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: aws.String("acl-src"), BucketLoggingStatus: &types.BucketLoggingStatus{
		LoggingEnabled: &types.LoggingEnabled{TargetBucket: aws.String("acl-logs"), TargetPrefix: aws.String("")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("acl-src"), Key: aws.String("pub"), ACL: types.ObjectCannedACLPublicRead,
		Body: strings.NewReader("public")}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(env.Endpoint + "/acl-src/pub")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("anonymous read of a public-read object: %d", resp.StatusCode)
	}
	if err := env.Server.FlushLogs(ctx); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("acl-logs")})
	if err != nil || len(list.Contents) != 1 {
		t.Fatalf("log objects: %v %v", list, err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acl-logs"), Key: list.Contents[0].Key})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(out.Body)
	out.Body.Close()
	var sawAnon, sawPut bool
	for _, l := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		f := accesslog.ParseS3Line(l)
		switch f[accesslog.S3Operation] + " " + f[accesslog.S3Requester] {
		case "REST.GET.OBJECT -":
			sawAnon = f[accesslog.S3ACLRequired] == "Yes"
		case "REST.PUT.OBJECT " + f[accesslog.S3BucketOwner]:
			sawPut = f[accesslog.S3ACLRequired] == "-"
		}
	}
	if !sawAnon || !sawPut {
		t.Errorf("aclRequired: anonymous GET Yes %v, owner PUT - %v\n%s", sawAnon, sawPut, raw)
	}
}
