package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Three accounts: the bucket owner (default, 000000000000), a writer
// (111111111111) and a reader (222222222222).
const accountsJSON = `{"accounts":[
 {"id":"111111111111","name":"writer","access_keys":[{"id":"AKIAWRITER","secret":"writersecret"}]},
 {"id":"222222222222","name":"reader","access_keys":[{"id":"AKIAREADER","secret":"readersecret"}]}]}`

type authzEnv struct {
	t        *testing.T
	p        *proc
	owner    *s3.Client
	writer   *s3.Client
	reader   *s3.Client
	operator string
}

func newAuthzEnv(t *testing.T) *authzEnv {
	t.Helper()
	dir := t.TempDir()
	accounts := filepath.Join(dir, "accounts.json")
	os.WriteFile(accounts, []byte(accountsJSON), 0o600)
	p := startEdgegate(t, filepath.Join(dir, "data"), "--accounts", accounts, "--operator-token", "op-secret", "--log-requests=false")
	client := func(ak, sk string) *s3.Client {
		return s3.NewFromConfig(aws.Config{
			Region: "us-east-1", BaseEndpoint: aws.String(p.endpoint),
			Credentials: credentials.NewStaticCredentialsProvider(ak, sk, ""),
		}, func(o *s3.Options) { o.UsePathStyle = true })
	}
	return &authzEnv{t: t, p: p, owner: p.s3Client(), writer: client("AKIAWRITER", "writersecret"),
		reader: client("AKIAREADER", "readersecret"), operator: "op-secret"}
}

// requestID returns the x-amz-request-id of a failed SDK call.
func requestID(err error) string {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.Response.Header.Get("X-Amz-Request-Id")
	}
	return ""
}

func errCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// explainJSON runs `edgegate explain --json ID` as the bucket owner.
func (e *authzEnv) explainJSON(id string) map[string]any {
	e.t.Helper()
	if id == "" {
		e.t.Fatal("no request id to explain")
	}
	cmd := exec.Command(binary, "explain", "--endpoint", e.p.endpoint, "--json", id)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 0 && code != 1 {
		e.t.Fatalf("edgegate explain %s: %v\n%s", id, err, errOut.String())
	}
	var x map[string]any
	if err := json.Unmarshal(out.Bytes(), &x); err != nil {
		e.t.Fatalf("explain output is not JSON: %v\n%s", err, out.String())
	}
	return x
}

// wantFinding checks the explanation's first finding id and that the
// human output names the deciding Sid (when sid != "").
func (e *authzEnv) wantFinding(id, catalogID, sid string) {
	e.t.Helper()
	x := e.explainJSON(id)
	findings, _ := x["findings"].([]any)
	if len(findings) == 0 {
		e.t.Fatalf("explain %s: no finding, want %s: %v", id, catalogID, x)
	}
	f := findings[0].(map[string]any)
	if f["id"] != catalogID {
		e.t.Fatalf("explain %s: finding %v, want %s (%v)", id, f["id"], catalogID, f)
	}
	if f["fix"] == "" {
		e.t.Errorf("explain %s: finding without a fix", id)
	}
	if sid != "" {
		cmd := exec.Command(binary, "explain", "--endpoint", e.p.endpoint, id)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test")
		out, _ := cmd.Output()
		if !strings.Contains(string(out), `Sid "`+sid+`"`) || !strings.Contains(string(out), catalogID) {
			e.t.Fatalf("human explanation does not name Sid %q and %s:\n%s", sid, catalogID, out)
		}
	}
}

func (e *authzEnv) putPolicy(bucket, doc string) {
	e.t.Helper()
	if _, err := e.owner.PutBucketPolicy(bg, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(doc)}); err != nil {
		e.t.Fatalf("put-bucket-policy: %v", err)
	}
}

func (e *authzEnv) bucket(name string) {
	e.t.Helper()
	if _, err := e.owner.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *authzEnv) put(c *s3.Client, bucket, key, body string, opts ...func(*s3.PutObjectInput)) {
	e.t.Helper()
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}
	for _, o := range opts {
		o(in)
	}
	if _, err := c.PutObject(bg, in); err != nil {
		e.t.Fatalf("put %s: %v", key, err)
	}
}

// anonGet GETs path anonymously and returns status, error code and request id.
func (e *authzEnv) anonGet(path string, header ...string) (int, string, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.p.endpoint+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	code := ""
	if i := bytes.Index(body, []byte("<Code>")); i >= 0 {
		code = string(body[i+6 : i+6+bytes.Index(body[i+6:], []byte("<"))])
	}
	return resp.StatusCode, code, resp.Header.Get("X-Amz-Request-Id")
}

// TestArticleS3Causes reproduces each S3-side cause of the 403 article
// with real clients, checks AWS's answer, and checks `edgegate explain`
// names the root cause (and the deciding statement).
func TestArticleS3Causes(t *testing.T) {
	e := newAuthzEnv(t)

	t.Run("public object, then Block Public Access", func(t *testing.T) {
		e.bucket("public-site")
		e.put(e.owner, "public-site", "index.html", "<h1>hi</h1>")
		// New buckets block public policies, as on AWS since 2023.
		_, err := e.owner.PutBucketPolicy(bg, &s3.PutBucketPolicyInput{Bucket: aws.String("public-site"),
			Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::public-site/*"}]}`)})
		if errCode(err) != "AccessDenied" {
			t.Fatalf("public policy with BlockPublicPolicy on: %v, want AccessDenied", err)
		}
		if _, err := e.owner.DeletePublicAccessBlock(bg, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("public-site")}); err != nil {
			t.Fatal(err)
		}
		e.putPolicy("public-site", `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::public-site/*"}]}`)
		if status, _, _ := e.anonGet("/public-site/index.html"); status != 200 {
			t.Fatalf("anonymous read of a public object: %d", status)
		}
		if _, err := e.owner.PutPublicAccessBlock(bg, &s3.PutPublicAccessBlockInput{Bucket: aws.String("public-site"),
			PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{RestrictPublicBuckets: aws.Bool(true)}}); err != nil {
			t.Fatal(err)
		}
		status, code, id := e.anonGet("/public-site/index.html")
		if status != 403 || code != "AccessDenied" {
			t.Fatalf("anonymous read with RestrictPublicBuckets: %d %s", status, code)
		}
		e.wantFinding(id, "POL-BPA-PUBLIC", "")
	})

	t.Run("explicit Deny on aws:sourceVpce", func(t *testing.T) {
		e.bucket("vpce-site")
		e.owner.DeletePublicAccessBlock(bg, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("vpce-site")})
		e.put(e.owner, "vpce-site", "a.txt", "a")
		e.putPolicy("vpce-site", `{"Version":"2012-10-17","Statement":[
 {"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::vpce-site/*"},
 {"Sid":"DenyOutsideVpce","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::vpce-site/*",
  "Condition":{"StringNotEquals":{"aws:sourceVpce":"vpce-1a2b3c4d"}}}]}`)
		status, code, id := e.anonGet("/vpce-site/a.txt")
		if status != 403 || code != "AccessDenied" {
			t.Fatalf("read outside the VPC endpoint: %d %s", status, code)
		}
		e.wantFinding(id, "POL-EXPLICIT-DENY-NETWORK", "DenyOutsideVpce")
		// Through the endpoint (set by the operator): allowed.
		if status, _, _ := e.anonGet("/vpce-site/a.txt", "X-Edgegate-Operator-Token", e.operator,
			"X-Edgegate-Context", "aws:SourceVpce=vpce-1a2b3c4d"); status != 200 {
			t.Fatalf("read through the VPC endpoint: %d", status)
		}
		// The context header is refused without the token.
		if status, _, _ := e.anonGet("/vpce-site/a.txt", "X-Edgegate-Context", "aws:SourceVpce=vpce-1a2b3c4d"); status != 400 {
			t.Fatalf("context header without the operator token: %d, want 400", status)
		}
	})

	t.Run("object owned by another account", func(t *testing.T) {
		e.bucket("shared")
		if _, err := e.owner.PutBucketOwnershipControls(bg, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("shared"),
			OwnershipControls: &types.OwnershipControls{Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipObjectWriter}}}}); err != nil {
			t.Fatal(err)
		}
		e.putPolicy("shared", `{"Version":"2012-10-17","Statement":[
 {"Sid":"WriterPuts","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared/*"},
 {"Sid":"ReaderGets","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::shared/*","arn:aws:s3:::shared"]}]}`)
		e.put(e.writer, "shared", "theirs.txt", "written by another account", func(in *s3.PutObjectInput) { in.ACL = types.ObjectCannedACLBucketOwnerFullControl })
		_, err := e.reader.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String("theirs.txt")})
		if errCode(err) != "AccessDenied" {
			t.Fatalf("reading an object another account owns: %v, want AccessDenied", err)
		}
		e.wantFinding(requestID(err), "POL-OBJECT-OWNERSHIP", "")
		// The fix: the bucket owner (who has FULL_CONTROL through
		// bucket-owner-full-control) copies the object onto itself.
		if _, err := e.owner.CopyObject(bg, &s3.CopyObjectInput{Bucket: aws.String("shared"), Key: aws.String("theirs.txt"),
			CopySource: aws.String("shared/theirs.txt"), MetadataDirective: types.MetadataDirectiveReplace}); err != nil {
			t.Fatalf("owner copies the object onto itself: %v", err)
		}
		got, err := e.reader.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String("theirs.txt")})
		if err != nil {
			t.Fatalf("after the owner's copy: %v", err)
		}
		got.Body.Close()

		// The other fix: BucketOwnerPreferred, and the writer uploads with
		// bucket-owner-full-control, so the bucket owner owns the object.
		if _, err := e.owner.PutBucketOwnershipControls(bg, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("shared"),
			OwnershipControls: &types.OwnershipControls{Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipBucketOwnerPreferred}}}}); err != nil {
			t.Fatal(err)
		}
		e.put(e.writer, "shared", "preferred.txt", "owned by the bucket owner", func(in *s3.PutObjectInput) { in.ACL = types.ObjectCannedACLBucketOwnerFullControl })
		got, err = e.reader.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String("preferred.txt")})
		if err != nil {
			t.Fatalf("BucketOwnerPreferred + bucket-owner-full-control: %v", err)
		}
		got.Body.Close()
		// Without the canned ACL the writer keeps the object, and the
		// reader is denied again.
		e.put(e.writer, "shared", "kept.txt", "still the writer's")
		if _, err := e.reader.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String("kept.txt")}); errCode(err) != "AccessDenied" {
			t.Fatalf("BucketOwnerPreferred without bucket-owner-full-control: %v, want AccessDenied", err)
		}
	})

	t.Run("missing object: 403, then 404 with ListBucket", func(t *testing.T) {
		e.bucket("site")
		e.put(e.owner, "site", "Index.html", "<h1>home</h1>")
		e.putPolicy("site", `{"Version":"2012-10-17","Statement":[{"Sid":"ReaderGets","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}`)
		// Keys are case-sensitive: index.html is not Index.html.
		_, err := e.reader.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String("index.html")})
		if errCode(err) != "AccessDenied" {
			t.Fatalf("missing key without ListBucket: %v, want AccessDenied", err)
		}
		e.wantFinding(requestID(err), "KEY-MISSING", "")
		if _, err := e.reader.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String("Index.html")}); err != nil {
			t.Fatalf("the right key: %v", err)
		}
		e.putPolicy("site", `{"Version":"2012-10-17","Statement":[
 {"Sid":"ReaderGets","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"},
 {"Sid":"ReaderLists","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::site"}]}`)
		_, err = e.reader.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String("index.html")})
		if errCode(err) != "NoSuchKey" {
			t.Fatalf("missing key with ListBucket: %v, want NoSuchKey", err)
		}
	})

	t.Run("no statement allows", func(t *testing.T) {
		e.bucket("private")
		e.put(e.owner, "private", "secret.txt", "s")
		status, code, id := e.anonGet("/private/secret.txt")
		if status != 403 || code != "AccessDenied" {
			t.Fatalf("anonymous read of a private object: %d %s", status, code)
		}
		e.wantFinding(id, "POL-NO-ALLOW", "")
		// The denied caller learns nothing: it may not read the explanation.
		cmd := exec.Command(binary, "explain", "--endpoint", e.p.endpoint, id)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIAREADER", "AWS_SECRET_ACCESS_KEY=readersecret")
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "403") {
			t.Fatalf("another account read the explanation: %v\n%s", err, out)
		}
	})
}
