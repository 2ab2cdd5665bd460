package s3_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgegate/edgegate/internal/testenv"
)

// TestGetObjectVersionAction: a read with a versionId parameter ("null"
// included) is authorized as s3:GetObjectVersion, not s3:GetObject.
func TestGetObjectVersionAction(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ver")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ver"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	openPAB(t, c, "ver")
	put := func(actions string) {
		t.Helper()
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":` + actions + `,"Resource":"arn:aws:s3:::ver/*"}]}`
		if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("ver"), Policy: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(method, query string) int {
		t.Helper()
		req, _ := http.NewRequest(method, env.Endpoint+"/ver/k"+query, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	put(`"s3:GetObject"`)
	for _, tt := range []struct {
		method, query string
		want          int
	}{
		{"GET", "", 200}, {"GET", "?v=2", 200}, {"GET", "?versionId=null", 403}, {"HEAD", "?versionId=null", 403},
	} {
		if got := get(tt.method, tt.query); got != tt.want {
			t.Errorf("s3:GetObject only: %s %s = %d, want %d", tt.method, tt.query, got, tt.want)
		}
	}
	put(`["s3:GetObject","s3:GetObjectVersion"]`)
	if got := get("GET", "?versionId=null"); got != 200 {
		t.Errorf("with s3:GetObjectVersion: %d", got)
	}
}
