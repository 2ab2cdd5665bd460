package sigv4_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/sigv4"
)

type keys map[string]string

func (k keys) SecretKey(id string) (string, bool) { s, ok := k[id]; return s, ok }

func Example() {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	v := &sigv4.Verifier{
		Creds: keys{"AKIDEXAMPLE": "secret"},
		Now:   func() time.Time { return now },
	}

	// A client signs a PUT with the body's hash...
	body := "hello"
	r := httptest.NewRequest("PUT", "http://127.0.0.1:4566/bucket/greeting.txt", strings.NewReader(body))
	sigv4.SignRequest(r, "AKIDEXAMPLE", "secret", "us-east-1", "s3", now, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")

	// ...and the server verifies it, then reads the checked body.
	res, err := v.Verify(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	data, err := io.ReadAll(res.Body)
	fmt.Println(res.AuthType, res.AccessKeyID, res.Service, string(data), err)

	// A request with a wrong secret fails with S3's diagnostics.
	r = httptest.NewRequest("GET", "http://127.0.0.1:4566/bucket/greeting.txt", nil)
	sigv4.SignRequest(r, "AKIDEXAMPLE", "wrong", "us-east-1", "s3", now, "")
	_, err = v.Verify(r)
	e := err.(*awsapi.Error)
	fmt.Println(e.Status, e.Code)
	fmt.Println(e.Field("CanonicalRequest"))
	// Output:
	// Header AKIDEXAMPLE s3 hello <nil>
	// 403 SignatureDoesNotMatch
	// GET
	// /bucket/greeting.txt
	//
	// host:127.0.0.1:4566
	// x-amz-content-sha256:UNSIGNED-PAYLOAD
	// x-amz-date:20240601T120000Z
	//
	// host;x-amz-content-sha256;x-amz-date
	// UNSIGNED-PAYLOAD
}
