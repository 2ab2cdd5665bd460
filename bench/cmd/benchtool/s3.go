package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// scenario is one request shape the harness measures.
type scenario struct {
	Name   string
	Method string // GET or PUT
	Size   int    // object (GET) or body (PUT) size in bytes
	key    string // GET: the object read; PUT: prefix of the keys written
}

var scenarios = []scenario{
	{Name: "get1k", Method: "GET", Size: 1 << 10, key: "obj-1k"},
	{Name: "get10k", Method: "GET", Size: 10 << 10, key: "obj-10k"},
	{Name: "get1m", Method: "GET", Size: 1 << 20, key: "obj-1m"},
	{Name: "put10k", Method: "PUT", Size: 10 << 10, key: "put-10k/"},
}

func findScenario(name string) (scenario, error) {
	for _, s := range scenarios {
		if s.Name == name {
			return s, nil
		}
	}
	return scenario{}, fmt.Errorf("unknown scenario %q (benchtool scenarios lists them)", name)
}

// body returns size bytes of deterministic pseudo-random content for seed.
func body(seed uint64, size int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x65646765676174)) // "edgegat"
	b := make([]byte, size)
	for i := 0; i+8 <= size; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := size &^ 7; i < size; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

// newClient returns an S3 client configured the way an application on this
// machine would configure it for a local endpoint: static keys, path-style
// addressing, and for everything else what config.LoadDefaultConfig
// resolves by default, checksums included (CRC32 on PutObject, checksum
// mode on GetObject). Shared config files are not read, so a developer's
// ~/.aws cannot change what is measured. Retries are off: a failure shows.
func newClient(c *commonFlags, httpClient s3.HTTPClient) *s3.Client {
	return s3.New(s3.Options{
		Region:       c.region,
		BaseEndpoint: aws.String(c.endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(c.access, c.secret, ""),
		HTTPClient:   httpClient,
		Retryer:      aws.NopRetryer{},
		// LoadDefaultConfig's defaults; s3.New alone leaves them unset.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
}

func cmdSetup(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("setup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c commonFlags
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := c.check(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := newClient(&c, &http.Client{Timeout: time.Minute})

	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(c.bucket)}); err != nil {
		// A bucket left by an earlier setup against the same server is fine.
		if _, herr := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(c.bucket)}); herr != nil {
			return fmt.Errorf("create bucket %s: %w", c.bucket, err)
		}
	}
	for i, s := range scenarios {
		if s.Method != "GET" {
			continue
		}
		want := body(uint64(i), s.Size)
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(c.bucket), Key: aws.String(s.key), Body: bytes.NewReader(want),
		}); err != nil {
			return fmt.Errorf("put %s: %w", s.key, err)
		}
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(c.bucket), Key: aws.String(s.key)})
		if err != nil {
			return fmt.Errorf("get %s: %w", s.key, err)
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			return fmt.Errorf("get %s: %w", s.key, err)
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("get %s: read back %d bytes that differ from the %d put", s.key, len(got), len(want))
		}
	}
	fmt.Fprintf(stdout, "setup %s: bucket %s, objects put and read back\n", c.endpoint, c.bucket)
	return nil
}

// errCaptured stops the SDK's pipeline once the signed request is captured.
var errCaptured = errors.New("request captured")

// captureClient is an s3.HTTPClient that records the wire bytes of the
// request the SDK would send and sends nothing.
type captureClient struct {
	raw []byte
}

func (c *captureClient) Do(r *http.Request) (*http.Response, error) {
	var b []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		if b, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
	}
	w := r.Clone(r.Context())
	w.Body = nil
	if len(b) > 0 {
		w.Body = io.NopCloser(bytes.NewReader(b))
	}
	w.ContentLength = int64(len(b))
	var buf bytes.Buffer
	// Request.Write produces what net/http's Transport writes for this
	// request, minus the Accept-Encoding it adds when none is set.
	if err := w.Write(&buf); err != nil {
		return nil, err
	}
	c.raw = buf.Bytes()
	return nil, errCaptured
}

// buildRequests returns count signed requests of scenario s (index sidx in
// scenarios) in wire format.
func buildRequests(ctx context.Context, c *commonFlags, s scenario, sidx, count int) ([][]byte, error) {
	cc := &captureClient{}
	client := newClient(c, cc)
	reqs := make([][]byte, 0, count)
	for i := 0; i < count; i++ {
		cc.raw = nil
		var err error
		switch s.Method {
		case "GET":
			_, err = client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(c.bucket), Key: aws.String(s.key)})
		case "PUT":
			_, err = client.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String(c.bucket),
				Key:    aws.String(s.key + fmt.Sprintf("%04d", i)),
				Body:   bytes.NewReader(body(uint64(1000*(sidx+1)+i), s.Size)),
			})
		}
		if !errors.Is(err, errCaptured) || cc.raw == nil {
			return nil, fmt.Errorf("building request %d: SDK did not reach the transport: %v", i, err)
		}
		reqs = append(reqs, cc.raw)
	}
	return reqs, nil
}

// writeRequests writes reqs in the format replay.lua reads: for each
// request, its length in decimal, a newline, then its bytes.
func writeRequests(path string, reqs [][]byte) error {
	var buf bytes.Buffer
	for _, r := range reqs {
		buf.WriteString(strconv.Itoa(len(r)))
		buf.WriteByte('\n')
		buf.Write(r)
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// preflight sends reqs over one raw connection, as wrk will, and checks
// that each gets a 2xx and, for a GET, a body of the expected size.
// It reports whether the server kept the connection open.
func preflight(endpoint string, s scenario, reqs [][]byte) (keptAlive bool, err error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(conn)
	keptAlive = true
	for i, raw := range reqs {
		if i > 0 && !keptAlive {
			conn.Close()
			if conn, err = net.DialTimeout("tcp", u.Host, 5*time.Second); err != nil {
				return false, err
			}
			conn.SetDeadline(time.Now().Add(30 * time.Second))
			br = bufio.NewReader(conn)
		}
		if _, err := conn.Write(raw); err != nil {
			return false, fmt.Errorf("request %d: write: %w", i, err)
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: s.Method})
		if err != nil {
			return false, fmt.Errorf("request %d: read response: %w", i, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return false, fmt.Errorf("request %d: read body: %w", i, err)
		}
		if resp.StatusCode/100 != 2 {
			return false, fmt.Errorf("request %d: status %s: %.400s", i, resp.Status, b)
		}
		if s.Method == "GET" && len(b) != s.Size {
			return false, fmt.Errorf("request %d: body of %d bytes, want %d", i, len(b), s.Size)
		}
		if resp.Close {
			keptAlive = false
		}
	}
	return keptAlive, nil
}

func cmdPrepare(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("prepare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c commonFlags
	c.register(fs)
	name := fs.String("scenario", "", "scenario name (required)")
	out := fs.String("out", "", "file to write the requests to (required)")
	count := fs.Int("count", 256, "number of distinct signed requests")
	check := fs.Bool("check", true, "replay the first and last request before returning")
	show := fs.Bool("show", false, "print the first request's head")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := c.check(); err != nil {
		return err
	}
	if *name == "" || *out == "" || *count < 1 {
		return fmt.Errorf("-scenario, -out and a positive -count are required")
	}
	s, err := findScenario(*name)
	if err != nil {
		return err
	}
	sidx := 0
	for i := range scenarios {
		if scenarios[i].Name == s.Name {
			sidx = i
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reqs, err := buildRequests(ctx, &c, s, sidx, *count)
	if err != nil {
		return err
	}
	if *show {
		head, _, _ := bytes.Cut(reqs[0], []byte("\r\n\r\n"))
		fmt.Fprintf(stdout, "%s\n\n", head)
	}
	if err := writeRequests(*out, reqs); err != nil {
		return err
	}
	if *check {
		probe := [][]byte{reqs[0], reqs[len(reqs)-1]}
		kept, err := preflight(c.endpoint, s, probe)
		if err != nil {
			return fmt.Errorf("%s against %s: preflight: %w", s.Name, c.endpoint, err)
		}
		if !kept {
			fmt.Fprintf(stderr, "note: %s closes the connection after each %s response (no keep-alive)\n", c.endpoint, s.Method)
		}
	}
	return nil
}

// cmdAuthcheck sends a GET whose signature was altered after signing and
// reports whether the server refused it, as a server that verifies SigV4
// must (403 SignatureDoesNotMatch). A server that serves it is measured
// without the cost of verification, which the report should say.
func cmdAuthcheck(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("authcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c commonFlags
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := c.check(); err != nil {
		return err
	}
	s, _ := findScenario("get1k")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reqs, err := buildRequests(ctx, &c, s, 0, 1)
	if err != nil {
		return err
	}
	bad, err := tamperSignature(reqs[0])
	if err != nil {
		return err
	}
	status, err := sendRaw(c.endpoint, bad)
	if err != nil {
		return err
	}
	if status == http.StatusForbidden {
		fmt.Fprintln(stdout, "verifies SigV4: yes (altered signature refused with 403)")
	} else {
		fmt.Fprintf(stdout, "verifies SigV4: NO (altered signature answered with %d)\n", status)
	}
	return nil
}

// tamperSignature flips the last hex digit of the request's signature.
func tamperSignature(raw []byte) ([]byte, error) {
	const key = "Signature="
	i := bytes.Index(raw, []byte(key))
	if i < 0 {
		return nil, errors.New("request has no Signature=")
	}
	end := i + len(key) + 64
	if end > len(raw) {
		return nil, errors.New("short signature")
	}
	out := bytes.Clone(raw)
	if out[end-1] == '0' {
		out[end-1] = '1'
	} else {
		out[end-1] = '0'
	}
	return out, nil
}

// sendRaw sends one raw request and returns the response status.
func sendRaw(endpoint string, raw []byte) (int, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return 0, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := conn.Write(raw); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
