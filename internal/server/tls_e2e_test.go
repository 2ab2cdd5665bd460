package server_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgegate/edgegate/internal/sigv4"
	"github.com/edgegate/edgegate/internal/testenv"
)

// secureTransportPolicy denies every S3 action on bucket over plain HTTP:
// the usual "TLS only" bucket policy.
func secureTransportPolicy(bucket string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"DenyPlainHTTP","Effect":"Deny","Principal":"*","Action":"s3:*",` +
		`"Resource":["arn:aws:s3:::` + bucket + `","arn:aws:s3:::` + bucket + `/*"],` +
		`"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
}

// TestTLSListenerSecureTransport: with --tls-listen the same server
// answers over HTTPS with a generated certificate (key 0600) and HTTP/2;
// a bucket policy denying aws:SecureTransport false refuses the SDK over
// http (explained as POL-TLS-HTTP) and lets it in over https.
func TestTLSListenerSecureTransport(t *testing.T) {
	env := testenv.Start(t, testenv.Options{TLS: true})
	if fi, err := os.Stat(strings.TrimSuffix(env.TLSCertFile, "cert.pem") + "key.pem"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("generated key: %v %v", fi, err)
	}
	hc := env.HTTPSClient(t)

	resp, err := hc.Get(env.TLSEndpoint + "/_edgegate/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 || resp.TLS == nil {
		t.Fatalf("health over https: %d %s TLS %v", resp.StatusCode, resp.Proto, resp.TLS != nil)
	}

	plain := env.S3()
	if _, err := plain.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("tls-only")}); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("tls-only"), Policy: aws.String(secureTransportPolicy("tls-only"))}); err != nil {
		t.Fatal(err)
	}
	put := func(c *s3.Client) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tls-only"), Key: aws.String("k.txt"), Body: strings.NewReader("secret")})
		return err
	}

	err = put(plain)
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("PutObject over http: %v, want AccessDenied", err)
	}
	var re interface{ ServiceRequestID() string }
	if !errors.As(err, &re) || re.ServiceRequestID() == "" {
		t.Fatalf("no request id in %v", err)
	}
	if x := explainAs(t, env, "test", "test", re.ServiceRequestID()); findingOf(x, "POL-TLS-HTTP") == nil {
		t.Errorf("explain of the http PutObject: %+v", x)
	}

	cfg := env.Config("test", "test")
	cfg.BaseEndpoint = aws.String(env.TLSEndpoint)
	cfg.HTTPClient = hc
	secure := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if err := put(secure); err != nil {
		t.Fatalf("PutObject over https: %v", err)
	}
	out, err := secure.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tls-only"), Key: aws.String("k.txt")})
	if err != nil {
		t.Fatalf("GetObject over https: %v", err)
	}
	body, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(body) != "secret" {
		t.Errorf("GetObject over https: %q", body)
	}
	if _, err := plain.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tls-only"), Key: aws.String("k.txt")}); apiCode(err) != "AccessDenied" {
		t.Errorf("GetObject over http: %v, want AccessDenied", err)
	}
}

// TestTLSListenerViewers: a redirect-to-https behaviour sends an http
// viewer to https, and the https viewer (HTTP/2, the distribution's
// name verified against the generated certificate) gets the object; an
// https-only behaviour serves https too.
func TestTLSListenerViewers(t *testing.T) {
	env := testenv.Start(t, testenv.Options{TLS: true})
	h := newEdgeHarness(t, env)
	h.bucket("tls-site", map[string]string{"hello.txt": "hello over tls", "only/x.txt": "https only"})
	oac := h.oac("tls-site", "always")
	d := h.dist("tls-site", func(o *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		o.OriginAccessControlId = aws.String(oac)
		cfg.DefaultCacheBehavior.ViewerProtocolPolicy = cftypes.ViewerProtocolPolicyRedirectToHttps
		cfg.CacheBehaviors = &cftypes.CacheBehaviors{Quantity: aws.Int32(1), Items: []cftypes.CacheBehavior{{
			PathPattern: aws.String("only/*"), TargetOriginId: aws.String("s3"),
			ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyHttpsOnly, CachePolicyId: aws.String(cachingOptimized),
		}}}
	})
	// The bucket refuses plain HTTP: the edge's origin request carries
	// the viewer's https.
	h.policy("tls-site", `{"Version":"2012-10-17","Statement":[`+
		strings.TrimSuffix(strings.TrimPrefix(oacPolicy("tls-site", d.arn, false), `{"Version":"2012-10-17","Statement":[`), `]}`)+`,`+
		strings.TrimSuffix(strings.TrimPrefix(secureTransportPolicy("tls-site"), `{"Version":"2012-10-17","Statement":[`), `]}`)+`]}`)

	r := h.get("GET", d.domain, "/hello.txt")
	r.want(t, "http viewer", 301, "Redirect from cloudfront")
	if loc := r.header.Get("Location"); loc != "https://"+d.domain+"/hello.txt" {
		t.Fatalf("Location %q", loc)
	}
	r = h.get("GET", d.domain, "/only/x.txt")
	r.want(t, "http viewer, https-only", 403, "Error from cloudfront")

	hc := env.HTTPSClient(t)
	for path, want := range map[string]string{"/hello.txt": "hello over tls", "/only/x.txt": "https only"} {
		resp, err := hc.Get("https://" + d.domain + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != want || resp.ProtoMajor != 2 ||
			resp.Header.Get("X-Cache") != "Miss from cloudfront" {
			t.Errorf("https viewer %s: %d %s X-Cache %q %q", path, resp.StatusCode, resp.Proto, resp.Header.Get("X-Cache"), body)
		}
	}
}

// TestTLSListenerDrain: stopping the server drains in-flight requests on
// both listeners (an upload whose body is not sent yet when the stop
// begins completes) and then closes both.
func TestTLSListenerDrain(t *testing.T) {
	env := testenv.Start(t, testenv.Options{TLS: true})
	if _, err := env.S3().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("drain")}); err != nil {
		t.Fatal(err)
	}
	// Fresh clients (a pooled idle keep-alive connection may race with
	// the server closing idle connections, which is no drain failure),
	// waiting for 100 Continue: once it arrives the handler is reading
	// the body, so the request is in flight.
	hc := env.HTTPSClient(t)
	hc.Transport.(*http.Transport).ExpectContinueTimeout = time.Minute
	clients := map[string]*http.Client{env.Endpoint: {Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}, env.TLSEndpoint: hc}
	type upload struct {
		pw   *io.PipeWriter
		done chan error
	}
	var ups []upload
	for endpoint, c := range clients {
		pr, pw := io.Pipe()
		continued := make(chan struct{})
		trace := &httptrace.ClientTrace{Got100Continue: func() { close(continued) }}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPut,
			endpoint+"/drain/obj-"+strconv.Itoa(len(ups)), pr)
		req.ContentLength = 10
		req.Header.Set("Expect", "100-continue")
		sigv4.SignRequest(req, "test", "test", "us-east-1", "s3", time.Now(), sigv4.UnsignedPayload)
		up := upload{pw, make(chan error, 1)}
		go func() {
			resp, err := c.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != 200 {
					err = errors.New("status " + resp.Status)
				}
			}
			up.done <- err
		}()
		select {
		case <-continued:
		case err := <-up.done:
			t.Fatalf("%s: no 100 Continue: %v", endpoint, err)
		}
		ups = append(ups, up)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- env.Stop() }()
	select {
	case err := <-stopped:
		t.Fatalf("stopped with uploads in flight: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	for _, up := range ups {
		if _, err := up.pw.Write([]byte("helloworld")); err != nil {
			t.Fatal(err)
		}
		up.pw.Close()
		if err := <-up.done; err != nil {
			t.Errorf("in-flight upload: %v", err)
		}
	}
	if err := <-stopped; err != nil {
		t.Fatalf("stop: %v", err)
	}
	for _, endpoint := range []string{env.Endpoint, env.TLSEndpoint} {
		if c, err := net.DialTimeout("tcp", strings.TrimPrefix(strings.TrimPrefix(endpoint, "https://"), "http://"), time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after stop", endpoint)
		}
	}
}
