package s3_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/edgegate/edgegate/internal/iam"
	"github.com/edgegate/edgegate/internal/testenv"
)

// The second account of the cross-account tests.
const (
	otherAccount = "111122223333"
	otherKey     = "AKIAOTHER"
	otherSecret  = "othersecret"
)

// startTwoAccounts starts a server with the default account and
// otherAccount.
func startTwoAccounts(t *testing.T) *testenv.Env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "accounts.json")
	doc := `{"accounts":[{"id":"` + otherAccount + `","name":"other","access_keys":[{"id":"` + otherKey + `","secret":"` + otherSecret + `"}]}]}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return testenv.Start(t, testenv.Options{AccountsFile: path})
}

// errCode and errStatus read an SDK error's S3 code and HTTP status.
func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func errStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// wantErr fails the test unless err is the S3 error code with status.
func wantErr(t *testing.T, what string, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: succeeded, want %d %s", what, status, code)
		return
	}
	if errCode(err) != code || errStatus(err) != status {
		t.Errorf("%s: %v (code %q, status %d), want %d %s", what, err, errCode(err), errStatus(err), status, code)
	}
}

func mkBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
}

func putString(t *testing.T, c *s3.Client, bucket, key, body string) {
	t.Helper()
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body),
	})
	if err != nil {
		t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
}

// rawS3 sends a SigV4-signed request (default account) with the given
// body and returns the response and its body.
func rawS3(t *testing.T, env *testenv.Env, method, pathAndQuery string, body []byte, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, env.Endpoint+pathAndQuery, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", payload)
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payload, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestBucketLifecycle(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	ctx := context.Background()
	before := time.Now().Add(-time.Second)

	out, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("life-cycle")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Location) != "/life-cycle" {
		t.Errorf("Location = %q", aws.ToString(out.Location))
	}
	head, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("life-cycle")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(head.BucketRegion) != "us-east-1" {
		t.Errorf("HeadBucket region %q", aws.ToString(head.BucketRegion))
	}
	loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("life-cycle")})
	if err != nil {
		t.Fatal(err)
	}
	if loc.LocationConstraint != "" {
		t.Errorf("us-east-1 bucket LocationConstraint = %q, want empty", loc.LocationConstraint)
	}
	resp, body := rawS3(t, env, "GET", "/life-cycle?location", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>`) {
		t.Errorf("raw GetBucketLocation: %d %s", resp.StatusCode, body)
	}

	mkBucket(t, c, "another-one")
	list, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if list.Owner == nil || aws.ToString(list.Owner.ID) != iam.DeriveCanonicalID(iam.DefaultAccountID) ||
		aws.ToString(list.Owner.DisplayName) != iam.DefaultAccountName {
		t.Errorf("ListBuckets owner %+v", list.Owner)
	}
	var names []string
	for _, b := range list.Buckets {
		names = append(names, aws.ToString(b.Name))
		if aws.ToString(b.BucketRegion) != "us-east-1" {
			t.Errorf("bucket %s region %q", aws.ToString(b.Name), aws.ToString(b.BucketRegion))
		}
		if b.CreationDate == nil || b.CreationDate.Before(before) || b.CreationDate.After(time.Now().Add(time.Second)) {
			t.Errorf("bucket %s creation date %v", aws.ToString(b.Name), b.CreationDate)
		}
	}
	if strings.Join(names, ",") != "another-one,life-cycle" {
		t.Errorf("ListBuckets names %v", names)
	}
	resp, body = rawS3(t, env, "GET", "/", nil, nil)
	if !bytes.Contains(body, []byte(`<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>`)) ||
		!bytes.Contains(body, []byte(`<Buckets><Bucket><Name>another-one</Name><CreationDate>`)) ||
		!bytes.Contains(body, []byte(`.000Z</CreationDate><BucketRegion>us-east-1</BucketRegion></Bucket>`)) {
		t.Errorf("raw ListBuckets: %d %s", resp.StatusCode, body)
	}

	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("life-cycle")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("life-cycle")})
	wantErr(t, "HeadBucket of a deleted bucket", err, "NotFound", 404)
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("life-cycle")})
	wantErr(t, "DeleteBucket twice", err, "NoSuchBucket", 404)
	_, err = c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("life-cycle")})
	wantErr(t, "GetBucketLocation of a deleted bucket", err, "NoSuchBucket", 404)
	resp, _ = rawS3(t, env, "DELETE", "/another-one", nil, nil)
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("raw DeleteBucket status %d", resp.StatusCode)
	}
}

func TestCreateBucketLocations(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	ctx := context.Background()
	create := func(name string, lc types.BucketLocationConstraint) error {
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{
			Bucket:                    aws.String(name),
			CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: lc},
		})
		return err
	}
	for _, tt := range []struct {
		name       string
		lc         types.BucketLocationConstraint
		region, gl string
	}{
		{"in-ireland", "eu-west-1", "eu-west-1", "eu-west-1"},
		{"in-legacy-eu", "EU", "eu-west-1", "EU"},
		{"in-tokyo", "ap-northeast-1", "ap-northeast-1", "ap-northeast-1"},
	} {
		if err := create(tt.name, tt.lc); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		head, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(tt.name)})
		if err != nil || aws.ToString(head.BucketRegion) != tt.region {
			t.Errorf("%s: HeadBucket region %v %v", tt.name, head, err)
		}
		loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(tt.name)})
		if err != nil || string(loc.LocationConstraint) != tt.gl {
			t.Errorf("%s: GetBucketLocation %v %v", tt.name, loc, err)
		}
	}
	list, err := c.ListBuckets(ctx, &s3.ListBucketsInput{BucketRegion: aws.String("eu-west-1")})
	if err != nil || len(list.Buckets) != 2 {
		t.Errorf("ListBuckets in eu-west-1: %v %v", list, err)
	}

	wantErr(t, "explicit us-east-1", create("explicit-use1", "us-east-1"), "InvalidLocationConstraint", 400)
	wantErr(t, "unknown region", create("nowhere", "mars-north-1"), "InvalidLocationConstraint", 400)

	for _, body := range []string{
		"<CreateBucketConfiguration>",
		"not xml at all",
		`<Other xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></Other>`,
		`<CreateBucketConfiguration><Bogus>1</Bogus></CreateBucketConfiguration>`,
	} {
		resp, b := rawS3(t, env, "PUT", "/malformed-config", []byte(body), nil)
		if resp.StatusCode != 400 || !strings.Contains(string(b), "<Code>MalformedXML</Code>") {
			t.Errorf("body %q: %d %s", body, resp.StatusCode, b)
		}
	}
	resp, b := rawS3(t, env, "PUT", "/no-namespace", []byte(`<CreateBucketConfiguration><LocationConstraint>us-west-2</LocationConstraint></CreateBucketConfiguration>`), nil)
	if resp.StatusCode != 200 {
		t.Errorf("config without namespace: %d %s", resp.StatusCode, b)
	}
	resp, b = rawS3(t, env, "PUT", "/bucket-too-big", bytes.Repeat([]byte(" "), 5<<20), nil)
	if resp.StatusCode != 400 {
		t.Errorf("5 MiB body: %d %s", resp.StatusCode, b)
	}
}

func TestBucketAlreadyExists(t *testing.T) {
	env := startTwoAccounts(t)
	c, other := env.S3(), env.S3As(otherKey, otherSecret)
	ctx := context.Background()

	mkBucket(t, c, "taken-east")
	// S3's us-east-1 legacy: re-creating your own bucket there is a no-op 200.
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("taken-east")}); err != nil {
		t.Errorf("re-create in us-east-1: %v, want 200", err)
	}
	// Elsewhere, or naming a constraint, it is BucketAlreadyOwnedByYou.
	eu := &types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("taken-eu"), CreateBucketConfiguration: eu}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("taken-eu"), CreateBucketConfiguration: eu})
	wantErr(t, "re-create in eu-west-1", err, "BucketAlreadyOwnedByYou", 409)
	_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("taken-eu")})
	wantErr(t, "re-create an eu-west-1 bucket without constraint", err, "BucketAlreadyOwnedByYou", 409)
	_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("taken-east"), CreateBucketConfiguration: eu})
	wantErr(t, "re-create a us-east-1 bucket naming eu-west-1", err, "BucketAlreadyOwnedByYou", 409)
	var owned *types.BucketAlreadyOwnedByYou
	if !errors.As(err, &owned) {
		t.Errorf("SDK does not see BucketAlreadyOwnedByYou: %T", err)
	}

	// Another account: BucketAlreadyExists, wherever.
	_, err = other.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("taken-east")})
	wantErr(t, "other account, us-east-1", err, "BucketAlreadyExists", 409)
	var exists *types.BucketAlreadyExists
	if !errors.As(err, &exists) {
		t.Errorf("SDK does not see BucketAlreadyExists: %T", err)
	}
	_, err = other.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("taken-eu"), CreateBucketConfiguration: eu})
	wantErr(t, "other account, eu-west-1", err, "BucketAlreadyExists", 409)

	// Each account lists only its own buckets, and cannot touch the other's.
	mkBucket(t, other, "others-bucket")
	list, err := other.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(list.Buckets) != 1 || aws.ToString(list.Buckets[0].Name) != "others-bucket" ||
		aws.ToString(list.Owner.DisplayName) != "other" || aws.ToString(list.Owner.ID) != iam.DeriveCanonicalID(otherAccount) {
		t.Errorf("other account's ListBuckets: %+v %v", list, err)
	}
	_, err = other.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("taken-east")})
	wantErr(t, "HeadBucket of another account's bucket", err, "Forbidden", 403)
	_, err = other.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("taken-east")})
	wantErr(t, "DeleteBucket of another account's bucket", err, "AccessDenied", 403)
}

// blobFiles counts the files under the server's blob directory.
func blobFiles(t *testing.T, env *testenv.Env) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(env.DataDir, "blobs"), func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeleteBucket(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	ctx := context.Background()
	mkBucket(t, c, "full")
	putString(t, c, "full", "k", "v")
	_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("full")})
	wantErr(t, "DeleteBucket of a bucket with an object", err, "BucketNotEmpty", 409)
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("full"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}

	// An in-progress multipart upload does not block deletion; its parts
	// go with the bucket.
	base := blobFiles(t, env)
	mpu, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("full"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	for n := int32(1); n <= 2; n++ {
		_, err := c.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String("full"), Key: aws.String("mp"), UploadId: mpu.UploadId,
			PartNumber: aws.Int32(n), Body: strings.NewReader("part data"),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := blobFiles(t, env); got != base+2 {
		t.Errorf("blob files with two parts: %d, want %d", got, base+2)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("full")}); err != nil {
		t.Fatalf("DeleteBucket with an upload in progress: %v", err)
	}
	if got := blobFiles(t, env); got != base {
		t.Errorf("blob files after DeleteBucket: %d, want %d (part blobs not released)", got, base)
	}
	_, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("full"), Key: aws.String("mp"), UploadId: mpu.UploadId})
	wantErr(t, "ListParts after DeleteBucket", err, "NoSuchBucket", 404)
	// The name is free again.
	mkBucket(t, c, "full")
}

func TestInvalidBucketNames(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	for _, name := range []string{
		"ab", "Upper-Case", "under_score", "-leading", "trailing-", "two..dots",
		"192.168.5.4", "xn--punycode", "sthree-bucket", "amzn-s3-demo-bucket",
		"name-s3alias", "name--ol-s3", "name.mrap", "name--x-s3", "name--table-s3",
		strings.Repeat("a", 64),
	} {
		resp, body := rawS3(t, env, "PUT", "/"+name, nil, nil)
		if resp.StatusCode != 400 || !strings.Contains(string(body), "<Code>InvalidBucketName</Code>") ||
			!strings.Contains(string(body), "<BucketName>"+name+"</BucketName>") {
			t.Errorf("PUT /%s: %d %s", name, resp.StatusCode, body)
		}
	}
	// Through the SDK too.
	_, err := env.S3().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("Bad_Bucket")})
	wantErr(t, "SDK CreateBucket Bad_Bucket", err, "InvalidBucketName", 400)
}

func TestListBucketsPaging(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	ctx := context.Background()
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("page-%02d", i)
		mkBucket(t, c, name)
		want = append(want, name)
	}
	mkBucket(t, c, "zz-other")
	var got []string
	var token *string
	pages := 0
	for {
		out, err := c.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(3), ContinuationToken: token, Prefix: aws.String("page-")})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if aws.ToString(out.Prefix) != "page-" {
			t.Errorf("Prefix echo %q", aws.ToString(out.Prefix))
		}
		for _, b := range out.Buckets {
			got = append(got, aws.ToString(b.Name))
		}
		if out.ContinuationToken == nil {
			break
		}
		token = out.ContinuationToken
	}
	if strings.Join(got, ",") != strings.Join(want, ",") || pages != 3 {
		t.Errorf("paged ListBuckets: %v in %d pages, want %v in 3", got, pages, want)
	}
	_, err := c.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(0)})
	wantErr(t, "max-buckets=0", err, "InvalidArgument", 400)
	_, err = c.ListBuckets(ctx, &s3.ListBucketsInput{ContinuationToken: aws.String("&&&")})
	wantErr(t, "bad continuation token", err, "InvalidArgument", 400)
}

// TestVirtualHostedStyle drives a client that addresses buckets as
// BUCKET.s3.localhost:PORT. Go's resolver may not resolve *.localhost, so
// the client's dialer always dials the server.
func TestVirtualHostedStyle(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	_, port, _ := net.SplitHostPort(env.Addr)
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, env.Addr)
		},
	}}
	cfg := env.Config("test", "test")
	cfg.BaseEndpoint = aws.String("http://s3.localhost:" + port)
	cfg.HTTPClient = hc
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = false })
	ctx := context.Background()

	mkBucket(t, c, "virtual-host")
	putString(t, c, "virtual-host", "dir/key one.txt", "hello")
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("virtual-host"), Key: aws.String("dir/key one.txt")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(b) != "hello" {
		t.Errorf("GetObject body %q", b)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("virtual-host")})
	if err != nil || len(list.Contents) != 1 || aws.ToString(list.Contents[0].Key) != "dir/key one.txt" || aws.ToString(list.Name) != "virtual-host" {
		t.Errorf("ListObjectsV2: %+v %v", list, err)
	}
	head, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("virtual-host")})
	if err != nil || aws.ToString(head.BucketRegion) != "us-east-1" {
		t.Errorf("HeadBucket: %v %v", head, err)
	}
	// The path-style client sees the same bucket.
	if _, err := env.S3().HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("virtual-host"), Key: aws.String("dir/key one.txt")}); err != nil {
		t.Error(err)
	}
	// Multipart through the virtual host: Location names the virtual host.
	mpu, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("virtual-host"), Key: aws.String("mp obj")})
	if err != nil {
		t.Fatal(err)
	}
	part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("virtual-host"), Key: aws.String("mp obj"),
		UploadId: mpu.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("only part")})
	if err != nil {
		t.Fatal(err)
	}
	done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String("virtual-host"), Key: aws.String("mp obj"), UploadId: mpu.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "http://virtual-host.s3.localhost:" + port + "/mp%20obj"; aws.ToString(done.Location) != want {
		t.Errorf("Location %q, want %q", aws.ToString(done.Location), want)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("virtual-host"), Key: aws.String("mp obj")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("virtual-host"), Key: aws.String("dir/key one.txt")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("virtual-host")}); err != nil {
		t.Fatal(err)
	}
}
