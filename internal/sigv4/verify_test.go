package sigv4

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const (
	testAKID   = "AKIAEDGEGATETEST"
	testSecret = "edgegate/test+secret"
)

var testNow = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func testVerifier() *Verifier {
	return &Verifier{Creds: staticCreds{testAKID: testSecret}, Now: func() time.Time { return testNow }}
}

// signedGET returns a GET signed at t for service s3 (path /bucket/key).
func signedGET(t time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://bucket.s3.local/dir/key.txt?versionId=3", nil)
	r.Header.Set("X-Amz-Meta-X", "y")
	SignRequest(r, testAKID, testSecret, "us-east-1", "s3", t, EmptyPayloadHash)
	return r
}

func presigned(t time.Time, expires time.Duration) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://bucket.s3.local/dir/key.txt", nil)
	u := Presign(r, testAKID, testSecret, "us-east-1", "s3", t, expires)
	return httptest.NewRequest(http.MethodGet, u, nil)
}

func setAuth(r *http.Request, f func(string) string) *http.Request {
	r.Header.Set("Authorization", f(r.Header.Get("Authorization")))
	return r
}

func setQuery(r *http.Request, key, value string) *http.Request {
	q := r.URL.Query()
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	r.URL.RawQuery = q.Encode()
	r.RequestURI = r.URL.RequestURI()
	return r
}

func TestVerifyOK(t *testing.T) {
	v := testVerifier()
	res, err := v.Verify(signedGET(testNow.Add(-14 * time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	if res.AuthType != Header || res.AccessKeyID != testAKID || res.Region != "us-east-1" || res.Service != "s3" ||
		!res.Date.Equal(testNow.Add(-14*time.Minute)) || res.ContentSHA256 != EmptyPayloadHash ||
		res.SignedHeaders != "host;x-amz-content-sha256;x-amz-date;x-amz-meta-x" || res.DecodedLength != 0 || res.Trailer() != nil {
		t.Errorf("%+v", res)
	}
	res, err = v.Verify(presigned(testNow.Add(-time.Hour), 2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if res.AuthType != Query || res.Expires != 2*time.Hour || res.ContentSHA256 != "" {
		t.Errorf("%+v", res)
	}
	// The Date header instead of X-Amz-Date.
	r := httptest.NewRequest(http.MethodGet, "http://bucket.s3.local/k", nil)
	r.Header.Set("Date", testNow.Format(http.TimeFormat))
	r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
	c := canonRequest{method: "GET", path: "/k", pathMode: PathS3, signed: "date;host;x-amz-content-sha256",
		header: r.Header, host: r.Host, payloadHash: UnsignedPayload}
	_, _, sig := signParts(&c, testSecret, testNow.Format(amzDateLayout), "us-east-1", "s3")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testAKID+"/20240601/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256,Signature="+sig)
	if _, err := v.Verify(r); err != nil {
		t.Errorf("Date header: %v", err)
	}
	// Anonymous.
	res, err = v.Verify(httptest.NewRequest(http.MethodGet, "http://bucket.s3.local/k", nil))
	if err != nil || res.AuthType != None || res.AccessKeyID != "" || res.Body == nil {
		t.Errorf("anonymous: %+v %v", res, err)
	}
}

func TestVerifyErrors(t *testing.T) {
	type check struct {
		name   string
		req    *http.Request
		status int
		code   string
		msg    string            // prefix of the message, if set
		fields map[string]string // expected field values ("*" = present)
	}
	v := testVerifier()
	checks := []check{
		{name: "skew past", req: signedGET(testNow.Add(-16 * time.Minute)), status: 403, code: "RequestTimeTooSkewed",
			fields: map[string]string{"RequestTime": "20240601T114400Z", "ServerTime": "2024-06-01T12:00:00Z", "MaxAllowedSkewMilliseconds": "900000"}},
		{name: "skew future", req: signedGET(testNow.Add(16 * time.Minute)), status: 403, code: "RequestTimeTooSkewed"},
		{name: "expired", req: presigned(testNow.Add(-time.Hour), 30*time.Minute), status: 403, code: "AccessDenied", msg: "Request has expired",
			fields: map[string]string{"X-Amz-Expires": "1800", "Expires": "2024-06-01T11:30:00Z", "ServerTime": "2024-06-01T12:00:00Z"}},
		{name: "not yet valid", req: presigned(testNow.Add(20*time.Minute), time.Hour), status: 403, code: "AccessDenied", msg: "Request is not valid yet"},
		{name: "expires too long", req: setQuery(presigned(testNow, time.Hour), "X-Amz-Expires", "604801"), status: 400,
			code: "AuthorizationQueryParametersError", msg: "X-Amz-Expires must be less than a week"},
		{name: "expires negative", req: setQuery(presigned(testNow, time.Hour), "X-Amz-Expires", "-1"), status: 400,
			code: "AuthorizationQueryParametersError", msg: "X-Amz-Expires must be non-negative"},
		{name: "expires not a number", req: setQuery(presigned(testNow, time.Hour), "X-Amz-Expires", "soon"), status: 400,
			code: "AuthorizationQueryParametersError", msg: "X-Amz-Expires should be a number"},
		{name: "presign parameter missing", req: setQuery(presigned(testNow, time.Hour), "X-Amz-SignedHeaders", ""), status: 400,
			code: "AuthorizationQueryParametersError", msg: "Query-string authentication version 4 requires"},
		{name: "presign algorithm", req: setQuery(presigned(testNow, time.Hour), "X-Amz-Algorithm", "AWS4-HMAC-SHA512"), status: 400,
			code: "AuthorizationQueryParametersError", msg: "X-Amz-Algorithm only supports"},
		{name: "presign bad date", req: setQuery(presigned(testNow, time.Hour), "X-Amz-Date", "2024-06-01T12:00:00Z"), status: 400,
			code: "AuthorizationQueryParametersError", msg: "X-Amz-Date must be in the ISO8601 Long Format"},
		{name: "presign bad credential", req: setQuery(presigned(testNow, time.Hour), "X-Amz-Credential", testAKID+"/20240601/us-east-1/s3"), status: 400,
			code: "AuthorizationQueryParametersError", msg: "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed"},
		{name: "presign credential date", req: setQuery(presigned(testNow, time.Hour), "X-Amz-Credential", testAKID+"/20240602/us-east-1/s3/aws4_request"), status: 400,
			code: "AuthorizationQueryParametersError", msg: "Invalid credential date. Date is not the same as X-Amz-Date."},
		{name: "presign signature", req: setQuery(presigned(testNow, time.Hour), "X-Amz-Signature", strings.Repeat("0", 64)), status: 403,
			code: "SignatureDoesNotMatch", fields: map[string]string{"AWSAccessKeyId": testAKID, "SignatureProvided": strings.Repeat("0", 64), "CanonicalRequest": "*"}},
		{name: "presign unsigned x-amz header", req: func() *http.Request {
			r := presigned(testNow, time.Hour)
			r.Header.Set("X-Amz-Server-Side-Encryption", "AES256")
			return r
		}(), status: 403, code: "AccessDenied", msg: "There were headers present in the request which were not signed",
			fields: map[string]string{"HeadersNotSigned": "x-amz-server-side-encryption"}},
		{name: "unknown key", req: setAuth(signedGET(testNow), func(a string) string { return strings.Replace(a, testAKID, "AKIAUNKNOWN", 1) }),
			status: 403, code: "InvalidAccessKeyId", fields: map[string]string{"AWSAccessKeyId": "AKIAUNKNOWN"}},
		{name: "wrong signature", req: setAuth(signedGET(testNow), func(a string) string { return a[:len(a)-64] + strings.Repeat("a", 64) }),
			status: 403, code: "SignatureDoesNotMatch", fields: map[string]string{"StringToSign": "*", "StringToSignBytes": "*", "CanonicalRequestBytes": "*"}},
		{name: "upper-case signature", req: setAuth(signedGET(testNow), func(a string) string { return a[:len(a)-64] + strings.ToUpper(a[len(a)-64:]) }),
			status: 403, code: "SignatureDoesNotMatch"},
		{name: "tampered header", req: func() *http.Request { r := signedGET(testNow); r.Header.Set("X-Amz-Meta-X", "z"); return r }(),
			status: 403, code: "SignatureDoesNotMatch"},
		{name: "tampered query", req: func() *http.Request { r := signedGET(testNow); return setQuery(r, "versionId", "4") }(),
			status: 403, code: "SignatureDoesNotMatch"},
		{name: "unsigned x-amz header", req: func() *http.Request { r := signedGET(testNow); r.Header.Set("X-Amz-Acl", "public-read"); return r }(),
			status: 403, code: "AccessDenied", fields: map[string]string{"HeadersNotSigned": "x-amz-acl"}},
		{name: "missing signature", req: setAuth(signedGET(testNow), func(a string) string { return a[:strings.Index(a, ", Signature=")] }),
			status: 400, code: "AuthorizationHeaderMalformed", msg: "The authorization header is malformed; the authorization header requires three components"},
		{name: "credential malformed", req: setAuth(signedGET(testNow), func(a string) string { return strings.Replace(a, "/us-east-1/s3/", "/us-east-1/", 1) }),
			status: 400, code: "AuthorizationHeaderMalformed",
			msg: `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`},
		{name: "credential bad date", req: setAuth(signedGET(testNow), func(a string) string { return strings.Replace(a, "/20240601/", "/2024061/", 1) }),
			status: 400, code: "AuthorizationHeaderMalformed", msg: "The authorization header is malformed; the Credential is mal-formed"},
		{name: "credential terminal", req: setAuth(signedGET(testNow), func(a string) string { return strings.Replace(a, "aws4_request", "aws4_requests", 1) }),
			status: 400, code: "AuthorizationHeaderMalformed", msg: `The authorization header is malformed; incorrect terminal "aws4_requests". This endpoint uses "aws4_request".`},
		{name: "credential date mismatch", req: setAuth(signedGET(testNow), func(a string) string { return strings.Replace(a, "/20240601/", "/20240531/", 1) }),
			status: 400, code: "AuthorizationHeaderMalformed", msg: "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date."},
		{name: "unsupported scheme", req: setAuth(signedGET(testNow), func(string) string { return "Bearer abc" }),
			status: 400, code: "InvalidArgument", msg: "Unsupported Authorization Type", fields: map[string]string{"ArgumentName": "Authorization", "ArgumentValue": "Bearer abc"}},
		{name: "sigv4a", req: setAuth(signedGET(testNow), func(a string) string { return strings.Replace(a, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1) }),
			status: 501, code: "NotImplemented"},
		{name: "sigv2 header", req: setAuth(signedGET(testNow), func(string) string { return "AWS " + testAKID + ":c2lnbmF0dXJl" }),
			status: 400, code: "InvalidRequest", msg: "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."},
		{name: "sigv2 query", req: httptest.NewRequest(http.MethodGet, "http://b.s3.local/k?AWSAccessKeyId="+testAKID+"&Expires=1717243200&Signature=abc%3D", nil),
			status: 400, code: "InvalidRequest", msg: "The authorization mechanism you have provided is not supported."},
		{name: "two mechanisms", req: func() *http.Request {
			r := presigned(testNow, time.Hour)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 x")
			return r
		}(),
			status: 400, code: "InvalidArgument", msg: "Only one auth mechanism allowed"},
		{name: "missing date", req: func() *http.Request { r := signedGET(testNow); r.Header.Del("X-Amz-Date"); return r }(),
			status: 403, code: "AccessDenied", msg: "AWS authentication requires a valid Date or x-amz-date header"},
		{name: "invalid date", req: func() *http.Request {
			r := signedGET(testNow)
			r.Header.Set("X-Amz-Date", "20240631T120000Z")
			return r
		}(),
			status: 403, code: "AccessDenied", msg: "AWS authentication requires a valid Date or x-amz-date header"},
		{name: "missing content sha256", req: func() *http.Request {
			r := signedGET(testNow)
			r.Header.Del("X-Amz-Content-Sha256")
			return r
		}(), status: 400, code: "InvalidRequest", msg: "Missing required header for this request: x-amz-content-sha256"},
		{name: "bad content sha256", req: func() *http.Request {
			r := httptest.NewRequest(http.MethodPut, "http://b.s3.local/k", strings.NewReader("x"))
			SignRequest(r, testAKID, testSecret, "us-east-1", "s3", testNow, "not-a-hash")
			return r
		}(), status: 400, code: "InvalidArgument", msg: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD",
			fields: map[string]string{"ArgumentName": "x-amz-content-sha256", "ArgumentValue": "not-a-hash"}},
		{name: "ecdsa payload", req: func() *http.Request {
			r := httptest.NewRequest(http.MethodPut, "http://b.s3.local/k", strings.NewReader("x"))
			SignRequest(r, testAKID, testSecret, "us-east-1", "s3", testNow, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")
			return r
		}(), status: 501, code: "NotImplemented"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			res, err := v.Verify(c.req)
			if err == nil {
				t.Fatalf("accepted: %+v", res)
			}
			ae := asAWS(t, err)
			if ae.Status != c.status || ae.Code != c.code || !strings.HasPrefix(ae.Message, c.msg) {
				t.Fatalf("got %d %s %q, want %d %s %q", ae.Status, ae.Code, ae.Message, c.status, c.code, c.msg)
			}
			for k, want := range c.fields {
				got := ae.Field(k)
				if want == "*" && got == "" || want != "*" && got != want {
					t.Errorf("field %s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

// TestPathModes: S3 signs the path as sent; other services normalise it
// and encode it again. PathMode overrides the choice.
func TestPathModes(t *testing.T) {
	cases := []struct {
		path     string
		mode     PathMode
		service  string
		expected string
	}{
		{"/b/a%20b/../c", PathAuto, "s3", "/b/a%20b/../c"},
		{"/b/a%20b/../c", PathAuto, "iam", "/b/c"},
		{"/b/a%20b/./c//", PathAuto, "kms", "/b/a%2520b/c/"},
		{"/b/a%20b/./c//", PathS3, "kms", "/b/a%20b/./c//"},
		{"/b//k", PathStandard, "s3", "/b/k"},
		{"/b/ሴ k", PathS3, "s3", "/b/%E1%88%B4%20k"},
		{"", PathAuto, "s3", "/"},
		{"/..", PathStandard, "sts", "/"},
		{"/a/b/..", PathStandard, "sts", "/a"},
	}
	for _, c := range cases {
		got := string(appendCanonicalURI(nil, c.path, c.mode.resolve(c.service), new([]int)))
		if got != c.expected {
			t.Errorf("%q mode %d %s: %q, want %q", c.path, c.mode, c.service, got, c.expected)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	s := getScratch()
	defer putScratch(s)
	cases := []struct{ raw, want string }{
		{"b=2&a=1&a=0", "a=0&a=1&b=2"},
		{"list-type=2&prefix=a+b%2Bc&delimiter=%2f", "delimiter=%2F&list-type=2&prefix=a%20b%2Bc"},
		{"acl", "acl="},
		{"uploads&", "uploads="},
		{"x=%zz&y=%E1%88%B4", "x=%25zz&y=%E1%88%B4"},
		{"X-Amz-Signature=abc&k=v", "k=v"},
	}
	for _, c := range cases {
		if got := string(s.appendCanonicalQuery(nil, c.raw, true)); got != c.want {
			t.Errorf("%q: %q, want %q", c.raw, got, c.want)
		}
	}
}

func TestIsSigned(t *testing.T) {
	cases := map[string]bool{
		"/k":                         false,
		"/k?versionId=1":             false,
		"/k?X-Amz-Algorithm=x":       true,
		"/k?a=1&X-Amz-Credential=x":  true,
		"/k?AWSAccessKeyId=x":        true,
		"/k?x=X-Amz-Algorithm":       false,
		"/k?X-Amz-Algorithmic=1&b=2": false,
	}
	for target, want := range cases {
		if got := IsSigned(httptest.NewRequest(http.MethodGet, target, nil)); got != want {
			t.Errorf("%s: %v", target, got)
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/k", nil)
	r.Header.Set("Authorization", "anything")
	if !IsSigned(r) {
		t.Error("Authorization header not seen")
	}
}

// TestNonS3Services: the body is hashed when x-amz-content-sha256 is absent,
// and the size of what is buffered is bounded.
func TestNonS3Services(t *testing.T) {
	v := testVerifier()
	v.MaxBufferedBody = 10
	body := "Action=GetCallerIdentity"
	r := httptest.NewRequest(http.MethodPost, "http://sts.local/", strings.NewReader(body))
	SignRequest(r, testAKID, testSecret, "us-east-1", "sts", testNow, sha256Hex(body))
	if _, err := v.Verify(r); asAWS(t, err).Code != "RequestEntityTooLarge" {
		t.Fatalf("%v", err)
	}
	v.MaxBufferedBody = 0
	r = httptest.NewRequest(http.MethodPost, "http://sts.local/", strings.NewReader(body))
	SignRequest(r, testAKID, testSecret, "us-east-1", "sts", testNow, sha256Hex(body))
	res, err := v.Verify(r)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(res.Body); string(got) != body || res.Service != "sts" {
		t.Fatalf("%q %+v", got, res)
	}
	// No x-amz-content-sha256 required, no HeadersNotSigned check.
	r = httptest.NewRequest(http.MethodGet, "http://iam.local/?Action=ListUsers", nil)
	SignRequest(r, testAKID, testSecret, "us-east-1", "iam", testNow, "")
	r.Header.Set("X-Amz-Extra", "unsigned")
	if _, err := v.Verify(r); err != nil {
		t.Fatal(err)
	}
}

func TestWrongRegionError(t *testing.T) {
	e := WrongRegionError("us-east-1", "eu-west-1", false)
	if e.Code != "AuthorizationHeaderMalformed" || e.Field("Region") != "eu-west-1" ||
		e.Message != "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'" {
		t.Errorf("%+v", e)
	}
}

func TestServiceErrors(t *testing.T) {
	v := testVerifier()
	get := func(service string, at time.Time) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "http://svc.local/", strings.NewReader("Action=X"))
		SignRequest(r, testAKID, testSecret, "us-east-1", service, at, sha256Hex("Action=X"))
		return r
	}
	cases := []struct {
		name   string
		req    *http.Request
		status int
		code   string
		msg    string
	}{
		{"iam unknown key", setAuth(get("iam", testNow), func(a string) string { return strings.Replace(a, testAKID, "AKIANOPE", 1) }),
			403, "InvalidClientTokenId", "The security token included in the request is invalid."},
		{"kms unknown key", setAuth(get("kms", testNow), func(a string) string { return strings.Replace(a, testAKID, "AKIANOPE", 1) }),
			400, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"sts bad signature", setAuth(get("sts", testNow), func(a string) string { return a[:len(a)-1] + "x" }),
			403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key"},
		{"kms bad signature", setAuth(get("kms", testNow), func(a string) string { return a[:len(a)-1] + "x" }),
			400, "InvalidSignatureException", "The request signature we calculated"},
		{"iam skew", get("iam", testNow.Add(-20*time.Minute)),
			403, "SignatureDoesNotMatch", "Signature expired: 20240601T114000Z is now earlier than 20240601T114500Z (20240601T120000Z - 15 min.)"},
		{"sts future", get("sts", testNow.Add(20*time.Minute)),
			403, "SignatureDoesNotMatch", "Signature not yet current: 20240601T122000Z is still later than 20240601T121500Z (20240601T120000Z + 15 min.)"},
		{"cloudfront malformed", setAuth(get("cloudfront", testNow), func(a string) string { return strings.Replace(a, "aws4_request", "aws5_request", 1) }),
			400, "IncompleteSignature", "The authorization header is malformed; incorrect terminal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.Verify(c.req)
			ae := asAWS(t, err)
			if ae.Status != c.status || ae.Code != c.code || !strings.HasPrefix(ae.Message, c.msg) {
				t.Fatalf("got %d %s %q", ae.Status, ae.Code, ae.Message)
			}
		})
	}
}
