package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// awsCLI runs the aws CLI against an endpoint with the default account's
// credentials and a private config (so ~/.aws is never written).
type awsCLI struct {
	t        *testing.T
	endpoint string
	env      []string
}

func newAWSCLI(t *testing.T, endpoint string) *awsCLI {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the aws CLI is required in CI (scripts/test.sh installs it)")
		}
		t.Skip("aws CLI not installed")
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	// s3v4 so that `aws s3 presign` makes SigV4 URLs (v1 defaults to SigV2,
	// which edgegate refuses like SigV4-only AWS regions do).
	os.WriteFile(config, []byte("[default]\nregion = us-east-1\ns3 =\n    signature_version = s3v4\n"), 0o600)
	creds := filepath.Join(dir, "credentials")
	os.WriteFile(creds, []byte("[default]\naws_access_key_id = test\naws_secret_access_key = test\n"), 0o600)
	env := []string{"AWS_CONFIG_FILE=" + config, "AWS_SHARED_CREDENTIALS_FILE=" + creds, "HOME=" + dir}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return &awsCLI{t: t, endpoint: endpoint, env: env}
}

// run runs `aws --endpoint-url E args...` and returns stdout; it fails the
// test on a non-zero exit.
func (c *awsCLI) run(args ...string) string {
	c.t.Helper()
	out, errOut, err := c.try(args...)
	if err != nil {
		c.t.Fatalf("aws %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

func (c *awsCLI) try(args ...string) (string, string, error) {
	cmd := exec.Command("aws", append([]string{"--endpoint-url", c.endpoint}, args...)...)
	cmd.Env = c.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func randomFile(t *testing.T, dir, name string, size int) (string, []byte) {
	t.Helper()
	data := make([]byte, size)
	rand.Read(data)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, data
}

func TestAWSCLI(t *testing.T) {
	p := startEdgegate(t, t.TempDir())
	cli := newAWSCLI(t, p.endpoint)
	dir := t.TempDir()

	cli.run("s3", "mb", "s3://cli-bucket")

	// A 20 MiB file: the CLI uploads it with multipart (threshold 8 MiB).
	bigPath, big := randomFile(t, dir, "big.bin", 20<<20)
	cli.run("s3", "cp", bigPath, "s3://cli-bucket/dir/big file+1.bin")
	back := filepath.Join(dir, "big.back")
	cli.run("s3", "cp", "s3://cli-bucket/dir/big file+1.bin", back)
	if got, _ := os.ReadFile(back); !bytes.Equal(got, big) {
		t.Fatalf("20 MiB round trip through the CLI differs (got %d bytes)", len(got))
	}
	var head struct {
		ETag          string
		ContentLength int64
	}
	mustJSON(t, cli.run("s3api", "head-object", "--bucket", "cli-bucket", "--key", "dir/big file+1.bin"), &head)
	if !strings.HasSuffix(strings.Trim(head.ETag, `"`), "-3") || head.ContentLength != 20<<20 {
		t.Fatalf("multipart object head: %+v (want ETag ending -3, 20 MiB)", head)
	}

	ls := cli.run("s3", "ls", "s3://cli-bucket/dir/")
	if !strings.Contains(ls, "big file+1.bin") || !strings.Contains(ls, "20971520") {
		t.Fatalf("aws s3 ls output misses the object:\n%s", ls)
	}
	if buckets := cli.run("s3", "ls"); !strings.Contains(buckets, "cli-bucket") {
		t.Fatalf("aws s3 ls misses the bucket:\n%s", buckets)
	}

	// presign, then fetch with curl byte for byte.
	smallPath, small := randomFile(t, dir, "small.bin", 3000)
	cli.run("s3api", "put-object", "--bucket", "cli-bucket", "--key", "small.bin", "--body", smallPath,
		"--content-type", "application/x-test", "--metadata", "color=blue")
	url := strings.TrimSpace(cli.run("s3", "presign", "s3://cli-bucket/small.bin", "--expires-in", "300"))
	if !strings.Contains(url, "X-Amz-Signature=") {
		t.Fatalf("presign made no SigV4 URL: %s", url)
	}
	curled, err := exec.Command("curl", "-sS", "--fail", url).Output()
	if err != nil {
		t.Fatalf("curl of the presigned URL: %v", err)
	}
	if !bytes.Equal(curled, small) {
		t.Fatal("curl of the presigned URL returned other bytes")
	}
	// A tampered presigned URL is refused.
	tampered := strings.Replace(url, "small.bin", "small.bin2", 1)
	if out, err := exec.Command("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", tampered).Output(); err != nil || string(out) != "403" {
		t.Fatalf("tampered presigned URL: status %s, err %v (want 403)", out, err)
	}

	// s3api get-object / head-object round trip with metadata.
	got := filepath.Join(dir, "small.back")
	var getOut struct {
		ContentType string
		Metadata    map[string]string
		ETag        string
	}
	mustJSON(t, cli.run("s3api", "get-object", "--bucket", "cli-bucket", "--key", "small.bin", got), &getOut)
	if b, _ := os.ReadFile(got); !bytes.Equal(b, small) {
		t.Fatal("s3api get-object returned other bytes")
	}
	if getOut.ContentType != "application/x-test" || getOut.Metadata["color"] != "blue" {
		t.Fatalf("get-object metadata: %+v", getOut)
	}

	// copy-object, then list-objects-v2 sees both.
	cli.run("s3api", "copy-object", "--bucket", "cli-bucket", "--key", "copy.bin", "--copy-source", "cli-bucket/small.bin")
	var list struct {
		Contents []struct {
			Key  string
			Size int64
		}
	}
	mustJSON(t, cli.run("s3api", "list-objects-v2", "--bucket", "cli-bucket"), &list)
	keys := map[string]int64{}
	for _, c := range list.Contents {
		keys[c.Key] = c.Size
	}
	if keys["copy.bin"] != 3000 || keys["small.bin"] != 3000 || keys["dir/big file+1.bin"] != 20<<20 || len(list.Contents) != 3 {
		t.Fatalf("list-objects-v2 after copy: %+v", list)
	}

	// delete-objects removes both small objects.
	var del struct{ Deleted []struct{ Key string } }
	mustJSON(t, cli.run("s3api", "delete-objects", "--bucket", "cli-bucket", "--delete",
		`{"Objects":[{"Key":"small.bin"},{"Key":"copy.bin"}]}`), &del)
	if len(del.Deleted) != 2 {
		t.Fatalf("delete-objects: %+v", del)
	}
	mustJSON(t, cli.run("s3api", "list-objects-v2", "--bucket", "cli-bucket"), &list)
	if len(list.Contents) != 1 {
		t.Fatalf("after delete-objects, list shows %d keys", len(list.Contents))
	}

	// Errors come back as AWS codes the CLI understands.
	if _, errOut, err := cli.try("s3api", "head-object", "--bucket", "cli-bucket", "--key", "missing"); err == nil || !strings.Contains(errOut, "404") {
		t.Fatalf("head of a missing key: err %v, stderr %s", err, errOut)
	}
	if _, errOut, err := cli.try("s3", "rb", "s3://cli-bucket"); err == nil || !strings.Contains(errOut, "BucketNotEmpty") {
		t.Fatalf("rb of a non-empty bucket: err %v, stderr %s", err, errOut)
	}
	cli.run("s3", "rb", "s3://cli-bucket", "--force")

	// IAM and STS through the CLI.
	cli.run("iam", "create-user", "--user-name", "alice")
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	mustJSON(t, cli.run("iam", "create-access-key", "--user-name", "alice"), &key)
	var who struct{ Arn, Account string }
	mustJSON(t, cli.run("sts", "get-caller-identity"), &who)
	if who.Arn != "arn:aws:iam::000000000000:root" || who.Account != "000000000000" {
		t.Fatalf("get-caller-identity: %+v", who)
	}
}

func mustJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decoding CLI output %q: %v", s, err)
	}
}
