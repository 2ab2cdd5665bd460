package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/sigv4"
	"github.com/edgegate/edgegate/internal/testenv"
)

const (
	sseOtherAccount = "111111111111"
	sseOtherKey     = "otherkey"
	sseOtherSecret  = "othersecret"
)

// startSSEKMS starts a server with the default account and a second one.
func startSSEKMS(t testing.TB) *testenv.Env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "accounts.json")
	doc := `{"accounts":[{"id":"` + sseOtherAccount + `","name":"other","access_keys":[{"id":"` + sseOtherKey + `","secret":"` + sseOtherSecret + `"}]}]}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return testenv.Start(t, testenv.Options{AccountsFile: path})
}

// s3ErrInfo returns an SDK error's code, HTTP status and request id.
func s3ErrInfo(err error) (code string, status int, requestID string) {
	code = kmsCode(err)
	var st interface{ HTTPStatusCode() int }
	if errors.As(err, &st) {
		status = st.HTTPStatusCode()
	}
	var rid interface{ ServiceRequestID() string }
	if errors.As(err, &rid) {
		requestID = rid.ServiceRequestID()
	}
	return
}

// explainAs fetches the explanation of request id, signed as the given
// credentials.
func explainAs(t *testing.T, env *testenv.Env, akid, secret, id string) *diagnose.Explanation {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.Endpoint+"/_edgegate/explain/"+id, nil)
	sigv4.SignRequest(req, akid, secret, "us-east-1", "s3", time.Now(), sigv4.EmptyPayloadHash)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("explain %s: %d %s", id, resp.StatusCode, body)
	}
	x := new(diagnose.Explanation)
	if err := json.Unmarshal(body, x); err != nil {
		t.Fatalf("explain %s: %v %s", id, err, body)
	}
	return x
}

func findingOf(x *diagnose.Explanation, id string) *diagnose.Finding {
	for i := range x.Findings {
		if x.Findings[i].ID == id {
			return &x.Findings[i]
		}
	}
	return nil
}

// TestSSEKMSEndToEnd drives SSE-KMS through the real server with the SDK:
// a customer managed key named by id, ARN and alias; bucket default
// encryption with a key and with the AWS managed key; a cross-account
// reader that S3 allows and the key policy does not (403, explained as
// KMS-KEY-POLICY); a disabled key (400 KMS.DisabledException, KMS-STATE);
// anonymous reads (400 InvalidArgument, SigV4 required); and no plaintext
// on disk.
func TestSSEKMSEndToEnd(t *testing.T) {
	bg := context.Background()
	env := startSSEKMS(t)
	kc := kmsClient(env, "test", "test")
	sc := env.S3()
	other := env.S3As(sseOtherKey, sseOtherSecret)

	pol := `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"kms:*","Resource":"*"}]}`
	ck, err := kc.CreateKey(bg, &kms.CreateKeyInput{Policy: aws.String(pol)})
	if err != nil {
		t.Fatal(err)
	}
	keyID, keyARN := *ck.KeyMetadata.KeyId, *ck.KeyMetadata.Arn
	if _, err := kc.CreateAlias(bg, &kms.CreateAliasInput{AliasName: aws.String("alias/e2e"), TargetKeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	const b = "sse-kms-e2e"
	if _, err := sc.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
		t.Fatal(err)
	}

	marker := []byte("SSE-KMS-MARKER-7c1d9e2f-never-on-disk")
	data := bytes.Repeat(marker, 1000)
	for i, form := range []string{keyID, keyARN, "alias/e2e", "arn:aws:kms:us-east-1:000000000000:alias/e2e"} {
		key := "obj-" + string(rune('a'+i))
		out, err := sc.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key), Body: bytes.NewReader(data),
			ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(form)})
		if err != nil {
			t.Fatalf("PUT with key %s: %v", form, err)
		}
		if out.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(out.SSEKMSKeyId) != keyARN {
			t.Errorf("PUT with key %s: SSE %q key %q", form, out.ServerSideEncryption, aws.ToString(out.SSEKMSKeyId))
		}
		head, err := sc.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
		if err != nil || head.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(head.SSEKMSKeyId) != keyARN {
			t.Errorf("HEAD %s: %+v %v", key, head, err)
		}
		got, err := sc.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("GET %s: %v", key, err)
		}
		body, _ := io.ReadAll(got.Body)
		got.Body.Close()
		if !bytes.Equal(body, data) || aws.ToString(got.SSEKMSKeyId) != keyARN {
			t.Errorf("GET %s: %d bytes, equal %v, key %q", key, len(body), bytes.Equal(body, data), aws.ToString(got.SSEKMSKeyId))
		}
	}
	// An unknown key: 400 KMS.NotFoundException.
	_, err = sc.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("nokey"), Body: strings.NewReader("x"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String("alias/does-not-exist")})
	if code, status, _ := s3ErrInfo(err); code != "KMS.NotFoundException" || status != 400 {
		t.Errorf("PUT with an unknown key: %v", err)
	}

	// aws:kms without a key: the account's AWS managed key alias/aws/s3.
	out, err := sc.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("managed"), Body: bytes.NewReader(data),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms})
	if err != nil {
		t.Fatal(err)
	}
	dk, err := kc.DescribeKey(bg, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")})
	if err != nil || aws.ToString(out.SSEKMSKeyId) != *dk.KeyMetadata.Arn || dk.KeyMetadata.KeyManager != "AWS" {
		t.Errorf("aws:kms without a key: %q, alias/aws/s3 %+v %v", aws.ToString(out.SSEKMSKeyId), dk, err)
	}

	// Bucket default encryption with the key (by alias).
	if _, err := sc.PutBucketEncryption(bg, &s3.PutBucketEncryptionInput{Bucket: aws.String(b),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String("alias/e2e")},
		}}}}); err != nil {
		t.Fatal(err)
	}
	out, err = sc.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("default"), Body: bytes.NewReader(data)})
	if err != nil || out.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(out.SSEKMSKeyId) != keyARN {
		t.Errorf("PUT under the bucket default: %+v %v", out, err)
	}

	// The other account: the bucket policy allows it to read, the key
	// policy does not let it decrypt. Anonymous readers are allowed by S3
	// too (Block Public Access off).
	if _, err := sc.PutPublicAccessBlock(bg, &s3.PutPublicAccessBlockInput{Bucket: aws.String(b),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(false), IgnorePublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(false), RestrictPublicBuckets: aws.Bool(false),
		}}); err != nil {
		t.Fatal(err)
	}
	bp := `{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + sseOtherAccount + `:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + b + `/*"},` +
		`{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + b + `/public/*"}]}`
	if _, err := sc.PutBucketPolicy(bg, &s3.PutBucketPolicyInput{Bucket: aws.String(b), Policy: aws.String(bp)}); err != nil {
		t.Fatal(err)
	}
	_, err = other.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("obj-a")})
	code, status, denied := s3ErrInfo(err)
	if code != "AccessDenied" || status != 403 || denied == "" {
		t.Fatalf("cross-account GET: %v", err)
	}
	x := explainAs(t, env, "test", "test", denied)
	t.Log(x.Human())
	f := findingOf(x, "KMS-KEY-POLICY")
	if f == nil || f.Certainty != diagnose.Definite {
		t.Fatalf("explain of the KMS denial: %+v", x)
	}
	ev := strings.Join(f.Evidence, "\n")
	if !strings.Contains(ev, keyARN) || !strings.Contains(ev, "kms:Decrypt") || !strings.Contains(ev, "Enable IAM User Permissions") ||
		!strings.Contains(f.Fix.String(), "arn:aws:iam::"+sseOtherAccount+":root") || !strings.Contains(f.Fix.String(), "kms:Decrypt") {
		t.Errorf("KMS-KEY-POLICY finding: %+v", f)
	}
	// HEAD needs no kms:Decrypt.
	if _, err := other.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("obj-a")}); err != nil {
		t.Errorf("cross-account HEAD: %v", err)
	}

	// Anonymous: S3 authorizes, then wants SigV4.
	if _, err := sc.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("public/kms"), Body: strings.NewReader("hello")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("public/s3"), Body: strings.NewReader("hello"),
		ServerSideEncryption: s3types.ServerSideEncryptionAes256}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		req, _ := http.NewRequest(m, env.Endpoint+"/"+b+"/public/kms", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || m == http.MethodGet && (!strings.Contains(string(body), "<Code>InvalidArgument</Code>") ||
			!strings.Contains(string(body), "require AWS Signature Version 4")) {
			t.Errorf("anonymous %s of an SSE-KMS object: %d %s", m, resp.StatusCode, body)
		}
		if rid := resp.Header.Get("X-Amz-Request-Id"); m == http.MethodGet {
			if x := explainAs(t, env, "test", "test", rid); findingOf(x, "KMS-ANON") == nil {
				t.Errorf("explain of the anonymous read: %+v", x)
			}
		}
	}
	bp2 := strings.Replace(bp, `"Action":"s3:GetObject","Resource":"arn:aws:s3:::`+b+`/public/*"`, `"Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::`+b+`/public/*"`, 1)
	if _, err := sc.PutBucketPolicy(bg, &s3.PutBucketPolicyInput{Bucket: aws.String(b), Policy: aws.String(bp2)}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, env.Endpoint+"/"+b+"/public/anon-put", strings.NewReader("x")) // the bucket default is SSE-KMS
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(body), "require AWS Signature Version 4") {
			t.Errorf("anonymous PUT under an SSE-KMS default: %d %s", resp.StatusCode, body)
		}
	}
	if resp, err := http.Get(env.Endpoint + "/" + b + "/public/s3"); err != nil || resp.StatusCode != 200 {
		t.Errorf("anonymous GET of an SSE-S3 object: %v %v", resp, err)
	}
	if resp, err := http.Get(env.Endpoint + "/" + b + "/obj-a"); err != nil || resp.StatusCode != 403 {
		t.Errorf("anonymous GET denied by S3 first: %v %v", resp, err) // authorization before the SigV4 check
	}

	// A disabled key: 400 KMS.DisabledException, then 200 once enabled.
	if _, err := kc.DisableKey(bg, &kms.DisableKeyInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	_, err = sc.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("obj-a")})
	code, status, rid := s3ErrInfo(err)
	if code != "KMS.DisabledException" || status != 400 {
		t.Errorf("GET with the key disabled: %v", err)
	} else if x := explainAs(t, env, "test", "test", rid); findingOf(x, "KMS-STATE") == nil || findingOf(x, "KMS-STATE").Certainty != diagnose.Not403 {
		t.Errorf("explain of the disabled key: %+v", x)
	}
	_, err = sc.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("while-disabled"), Body: strings.NewReader("x")})
	if code, status, _ := s3ErrInfo(err); code != "KMS.DisabledException" || status != 400 {
		t.Errorf("PUT with the key disabled: %v", err)
	}
	if _, err := kc.EnableKey(bg, &kms.EnableKeyInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	got, err := sc.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("obj-a")})
	if err != nil {
		t.Fatalf("GET after enabling: %v", err)
	}
	got.Body.Close()
	// Pending deletion: 400 KMS.KMSInvalidStateException.
	if _, err := kc.ScheduleKeyDeletion(bg, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	_, err = sc.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("obj-b")})
	if code, status, _ := s3ErrInfo(err); code != "KMS.KMSInvalidStateException" || status != 400 {
		t.Errorf("GET with the key pending deletion: %v", err)
	}
	if _, err := kc.CancelKeyDeletion(bg, &kms.CancelKeyDeletionInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.EnableKey(bg, &kms.EnableKeyInput{KeyId: aws.String(keyID)}); err != nil { // cancelling leaves it disabled
		t.Fatal(err)
	}

	// Multipart under SSE-KMS: every part sealed with the key, the object
	// reads back whole; a copy to SSE-S3 decrypts as the requester.
	cm, err := sc.CreateMultipartUpload(bg, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(keyARN)})
	if err != nil || aws.ToString(cm.SSEKMSKeyId) != keyARN {
		t.Fatalf("CreateMultipartUpload: %+v %v", cm, err)
	}
	part1, part2 := bytes.Repeat(marker, (5<<20)/len(marker)+1), []byte("tail")
	var parts []s3types.CompletedPart
	for i, p := range [][]byte{part1, part2} {
		up, err := sc.UploadPart(bg, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: cm.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
		if err != nil || aws.ToString(up.SSEKMSKeyId) != keyARN {
			t.Fatalf("UploadPart %d: %+v %v", i+1, up, err)
		}
		parts = append(parts, s3types.CompletedPart{ETag: up.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	if _, err := sc.CompleteMultipartUpload(bg, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: cm.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	mp, err := sc.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	mpBody, _ := io.ReadAll(mp.Body)
	mp.Body.Close()
	if !bytes.Equal(mpBody, append(append([]byte(nil), part1...), part2...)) || aws.ToString(mp.SSEKMSKeyId) != keyARN {
		t.Errorf("multipart GET: %d bytes, key %q", len(mpBody), aws.ToString(mp.SSEKMSKeyId))
	}
	co, err := sc.CopyObject(bg, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), CopySource: aws.String(b + "/mp"),
		ServerSideEncryption: s3types.ServerSideEncryptionAes256})
	if err != nil || co.ServerSideEncryption != s3types.ServerSideEncryptionAes256 {
		t.Errorf("copy to SSE-S3: %+v %v", co, err)
	}

	// A same-account IAM user allowed s3:GetObject but not kms:Decrypt:
	// the key policy delegates to IAM, no identity policy allows.
	ic := env.IAM("test", "test")
	uk, us := kmsUser(t, ic, "reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
	_, err = env.S3As(uk, us).GetObject(bg, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("obj-a")})
	code, status, rid = s3ErrInfo(err)
	if code != "AccessDenied" || status != 403 {
		t.Fatalf("IAM user without kms:Decrypt: %v", err)
	}
	x = explainAs(t, env, "test", "test", rid)
	if f := findingOf(x, "KMS-KEY-POLICY"); f == nil || !strings.Contains(f.Fix.String(), "identity policy") || !strings.Contains(f.Fix.String(), keyARN) {
		t.Errorf("explain of the IAM user's denial: %+v", x.Findings)
	}

	// No plaintext on disk.
	n := 0
	filepath.WalkDir(env.DataDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		n++
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, marker) {
			t.Errorf("%s holds the plaintext marker", p)
		}
		return nil
	})
	if n == 0 {
		t.Error("no files under the data directory")
	}
}

// TestSSEKMSWithCLI: aws s3 cp --sse aws:kms --sse-kms-key-id, then
// s3api head-object and a download.
func TestSSEKMSWithCLI(t *testing.T) {
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("aws CLI not installed")
	}
	env := testenv.Start(t, testenv.Options{})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "config"), "[default]\nregion = us-east-1\noutput = json\ns3 =\n    signature_version = s3v4\n")
	writeFile(t, filepath.Join(dir, "credentials"), "[default]\naws_access_key_id = test\naws_secret_access_key = test\n")
	run := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(awsPath, append([]string{"--endpoint-url", env.Endpoint}, args...)...)
		cmd.Env = []string{
			"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
			"AWS_CONFIG_FILE=" + filepath.Join(dir, "config"),
			"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "credentials"),
			"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
		}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return stdout.Bytes()
	}
	var ck struct{ KeyMetadata struct{ KeyId, Arn string } }
	if err := json.Unmarshal(run("kms", "create-key", "--description", "cli sse"), &ck); err != nil || ck.KeyMetadata.Arn == "" {
		t.Fatalf("create-key: %v %+v", err, ck)
	}
	run("kms", "create-alias", "--alias-name", "alias/cli", "--target-key-id", ck.KeyMetadata.KeyId)
	run("s3api", "create-bucket", "--bucket", "cli-sse")
	src := filepath.Join(dir, "src.bin")
	data := bytes.Repeat([]byte("cli sse-kms "), 10000)
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	run("s3", "cp", src, "s3://cli-sse/k.bin", "--sse", "aws:kms", "--sse-kms-key-id", "alias/cli")
	var head struct{ ServerSideEncryption, SSEKMSKeyId string }
	if err := json.Unmarshal(run("s3api", "head-object", "--bucket", "cli-sse", "--key", "k.bin"), &head); err != nil ||
		head.ServerSideEncryption != "aws:kms" || head.SSEKMSKeyId != ck.KeyMetadata.Arn {
		t.Errorf("head-object: %+v %v", head, err)
	}
	dst := filepath.Join(dir, "dst.bin")
	run("s3", "cp", "s3://cli-sse/k.bin", dst)
	if back, err := os.ReadFile(dst); err != nil || !bytes.Equal(back, data) {
		t.Errorf("download: %d bytes, %v", len(back), err)
	}
}
