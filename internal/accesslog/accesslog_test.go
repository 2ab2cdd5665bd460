package accesslog

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2019, 2, 6, 0, 0, 38, 0, time.UTC)

// TestS3Line pins the S3 server access log line, field by field, against
// the shape of the records in S3's documentation.
func TestS3Line(t *testing.T) {
	const owner = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
	tests := []struct {
		name string
		rec  S3Record
		want string
	}{
		{
			name: "bucket get, signed, over TLS",
			rec: S3Record{
				BucketOwner: owner, Bucket: "amzn-s3-demo-bucket1", Time: t0, RemoteIP: "192.0.2.3", Requester: owner,
				RequestID: "3E57427F3EXAMPLE", Operation: "REST.GET.VERSIONING", Method: "GET",
				RequestURI: "/amzn-s3-demo-bucket1?versioning", Proto: "HTTP/1.1", HTTPStatus: 200, BytesSent: 113,
				TotalTime: 7 * time.Millisecond, TurnAround: -1, UserAgent: "S3Console/0.4",
				HostID: "s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=", SignatureVersion: "SigV4",
				CipherSuite: "ECDHE-RSA-AES128-GCM-SHA256", AuthType: "AuthHeader", HostHeader: "amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com",
				TLSVersion: "TLSv1.2",
			},
			want: owner + ` amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ` + owner + ` 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSv1.2 - - -`,
		},
		{
			name: "anonymous 403 on an object, key encoded",
			rec: S3Record{
				BucketOwner: owner, Bucket: "b", Time: t0.In(time.FixedZone("X", 3600)), RemoteIP: "127.0.0.1",
				RequestID: "A1206F460EXAMPLE", Operation: "REST.GET.OBJECT", Key: "dir/a b+c.txt", Method: "GET",
				RequestURI: "/b/dir/a%20b%2Bc.txt", HTTPStatus: 403, ErrorCode: "AccessDenied", BytesSent: 243,
				ObjectSize: 0, TotalTime: 1500 * time.Microsecond, TurnAround: time.Millisecond,
				Referer: "http://example.com/", UserAgent: `curl/8.0 "quoted"`, HostID: "h", HostHeader: "127.0.0.1:4566",
			},
			want: owner + ` b [06/Feb/2019:00:00:38 +0000] 127.0.0.1 - A1206F460EXAMPLE REST.GET.OBJECT dir/a%20b%2Bc.txt "GET /b/dir/a%20b%2Bc.txt HTTP/1.1" 403 AccessDenied 243 - 1 1 "http://example.com/" "curl/8.0 \"quoted\"" - h - - - 127.0.0.1:4566 - - - -`,
		},
		{
			name: "put object: no bytes sent, object size, IAM ARN requester, presigned, ACL required",
			rec: S3Record{
				BucketOwner: owner, Bucket: "b", Time: t0, RemoteIP: "10.0.0.1", Requester: "arn:aws:iam::111122223333:user/alice",
				RequestID: "DD6CC733AEXAMPLE", Operation: "REST.PUT.OBJECT", Key: "s3-dg.pdf", Method: "PUT",
				RequestURI: "/b/s3-dg.pdf?X-Amz-Signature=abc", HTTPStatus: 200, ObjectSize: 4406583,
				TotalTime: 41754 * time.Millisecond, TurnAround: 28 * time.Millisecond, SignatureVersion: "SigV4",
				AuthType: "QueryString", HostHeader: "b.s3.localhost", ACLRequired: true, VersionID: "null",
			},
			want: owner + ` b [06/Feb/2019:00:00:38 +0000] 10.0.0.1 arn:aws:iam::111122223333:user/alice DD6CC733AEXAMPLE REST.PUT.OBJECT s3-dg.pdf "PUT /b/s3-dg.pdf?X-Amz-Signature=abc HTTP/1.1" 200 - - 4406583 41754 28 "-" "-" null - SigV4 - QueryString b.s3.localhost - - Yes -`,
		},
		{
			name: "a space in an unquoted field cannot split the line",
			rec:  S3Record{Bucket: "b", Time: t0, Requester: "arn:aws:sts::1:assumed-role/r/a b", HTTPStatus: 500, ErrorCode: "InternalError"},
			want: `- b [06/Feb/2019:00:00:38 +0000] - arn:aws:sts::1:assumed-role/r/a%20b - - - "-" 500 InternalError - - 0 0 "-" "-" - - - - - - - - - -`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.rec.Line()
			if got != tt.want {
				t.Errorf("line\n got %s\nwant %s", got, tt.want)
			}
			f := ParseS3Line(got)
			if len(f) != S3FieldCount {
				t.Fatalf("ParseS3Line: %d fields, want %d: %q", len(f), S3FieldCount, f)
			}
			if f[S3Bucket] != tt.rec.Bucket || f[S3HTTPStatus] == "" || f[S3Time] != "06/Feb/2019:00:00:38 +0000" {
				t.Errorf("ParseS3Line fields: %q", f)
			}
			if tt.rec.UserAgent != "" && f[S3UserAgent] != tt.rec.UserAgent {
				t.Errorf("User-Agent round trip: %q, want %q", f[S3UserAgent], tt.rec.UserAgent)
			}
		})
	}
}

func TestAppendS3Key(t *testing.T) {
	tests := []struct{ key, want string }{
		{"photos/2019/08/puppy.jpg", "photos/2019/08/puppy.jpg"},
		{"a b", "a%20b"},
		{"a+b=c&d", "a%2Bb%3Dc%26d"},
		{"100%", "100%25"},
		{"é", "%C3%A9"},
		{"~_-.", "~_-."},
	}
	for _, tt := range tests {
		if got := string(AppendS3Key(nil, tt.key)); got != tt.want {
			t.Errorf("AppendS3Key(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

// TestCloudFrontLine pins the 33-field tab-separated line against the
// records of CloudFront's documentation.
func TestCloudFrontLine(t *testing.T) {
	ua := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36"
	uaEnc := "Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36"
	tests := []struct {
		name string
		rec  CloudFrontRecord
		want []string
	}{
		{
			name: "hit over https/2",
			rec: CloudFrontRecord{
				Time: time.Date(2019, 12, 4, 21, 2, 31, 0, time.UTC), EdgeLocation: "LAX1", SCBytes: 392, ClientIP: "192.0.2.100",
				Method: "GET", DistributionHost: "d111111abcdef8.cloudfront.net", URIStem: "/index.html", Status: 200,
				UserAgent: ua, ResultType: ResultHit, RequestID: "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==",
				HostHeader: "d111111abcdef8.cloudfront.net", Protocol: "https", CSBytes: 23, TimeTaken: time.Millisecond,
				SSLProtocol: "TLSv1.2", SSLCipher: "ECDHE-RSA-AES128-GCM-SHA256", ProtocolVersion: "HTTP/2.0", ClientPort: 11040,
				TimeToFirstByte: time.Millisecond, ContentType: "text/html", ContentLength: 78, RangeStart: -1, RangeEnd: -1,
			},
			want: []string{"2019-12-04", "21:02:31", "LAX1", "392", "192.0.2.100", "GET", "d111111abcdef8.cloudfront.net", "/index.html",
				"200", "-", uaEnc, "-", "-", "Hit", "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==", "d111111abcdef8.cloudfront.net",
				"https", "23", "0.001", "-", "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", "Hit", "HTTP/2.0", "-", "-", "11040", "0.001", "Hit",
				"text/html", "78", "-", "-"},
		},
		{
			name: "origin error through an alias, encoded path and query",
			rec: CloudFrontRecord{
				Time: time.Date(2019, 12, 13, 22, 36, 27, 0, time.UTC), EdgeLocation: "SEA19-C1", SCBytes: 900, ClientIP: "192.0.2.200",
				Method: "GET", DistributionHost: "d111111abcdef8.cloudfront.net", URIStem: "/a%20b/<x>", Status: 502,
				Referer: "http://www.example.com/", UserAgent: "curl/7.55.1", URIQuery: "q=1&r={2}", Cookie: "a=b; c=d",
				ResultType: ResultError, DetailedResultType: "OriginDnsError", RequestID: "id==", HostHeader: "www.example.com",
				Protocol: "http", CSBytes: 675, TimeTaken: 102 * time.Millisecond, ProtocolVersion: "HTTP/1.1", ClientPort: 25260,
				TimeToFirstByte: 1102 * time.Millisecond, ContentType: "text/html", ContentLength: 507, RangeStart: -1, RangeEnd: -1,
			},
			want: []string{"2019-12-13", "22:36:27", "SEA19-C1", "900", "192.0.2.200", "GET", "d111111abcdef8.cloudfront.net", "/a%2520b/%3Cx%3E",
				"502", "http://www.example.com/", "curl/7.55.1", "q=1&r=%7B2%7D", "a=b;%20c=d", "Error", "id==", "www.example.com",
				"http", "675", "0.102", "-", "-", "-", "Error", "HTTP/1.1", "-", "-", "25260", "1.102", "OriginDnsError",
				"text/html", "507", "-", "-"},
		},
		{
			name: "viewer gone before a response, range response",
			rec: CloudFrontRecord{
				Time: t0, Status: 0, ResultType: ResultError, ResponseResultType: ResultMiss, RangeStart: 0, RangeEnd: 99,
				ContentLength: -1, TimeTaken: -1, TimeToFirstByte: -1, SCBytes: -1, CSBytes: -1,
			},
			want: []string{"2019-02-06", "00:00:38", "-", "-", "-", "-", "-", "-", "000", "-", "-", "-", "-", "Error", "-", "-",
				"-", "-", "-", "-", "-", "-", "Miss", "-", "-", "-", "-", "-", "Error", "-", "-", "0", "99"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.want) != len(CloudFrontFields) || len(CloudFrontFields) != 33 {
				t.Fatalf("test wants %d fields; %d field names", len(tt.want), len(CloudFrontFields))
			}
			got := strings.Split(tt.rec.Line(), "\t")
			if len(got) != 33 {
				t.Fatalf("%d fields: %q", len(got), got)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("%s = %q, want %q", CloudFrontFields[i], got[i], tt.want[i])
				}
			}
		})
	}
}

func TestCloudFrontHeader(t *testing.T) {
	want := "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n"
	if CloudFrontHeader != want {
		t.Errorf("header\n got %q\nwant %q", CloudFrontHeader, want)
	}
}

func TestNames(t *testing.T) {
	tests := []struct{ got, want string }{
		{TLSVersionName(0), ""},
		{TLSVersionName(tls.VersionTLS12), "TLSv1.2"},
		{TLSVersionName(tls.VersionTLS13), "TLSv1.3"},
		{CipherSuiteName(0), ""},
		{CipherSuiteName(tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), "ECDHE-RSA-AES128-GCM-SHA256"},
		{CipherSuiteName(tls.TLS_AES_128_GCM_SHA256), "TLS_AES_128_GCM_SHA256"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	for _, tt := range []struct {
		xcache, want string
		ok           bool
	}{
		{"Hit from cloudfront", "Hit", true},
		{"RefreshHit from cloudfront", "RefreshHit", true},
		{"Redirect from cloudfront", "Redirect", true},
		{"", "", false},
		{"HIT", "", false},
	} {
		if got, ok := ResultTypeFromXCache(tt.xcache); got != tt.want || ok != tt.ok {
			t.Errorf("ResultTypeFromXCache(%q) = %q, %v", tt.xcache, got, ok)
		}
	}
}

func TestObjectKeys(t *testing.T) {
	at := time.Date(2023, 9, 20, 16, 20, 49, 0, time.FixedZone("Y", -7200))
	tests := []struct {
		name, got, want string
	}{
		{"simple", S3ObjectKey(Target{Prefix: "logs/"}, at, "A1B2C3D4E5F60718"), "logs/2023-09-20-18-20-49-A1B2C3D4E5F60718"},
		{"simple, prefix without slash", S3ObjectKey(Target{Prefix: "log-"}, at, "U"), "log-2023-09-20-18-20-49-U"},
		{"partitioned event time", S3ObjectKey(Target{Prefix: "p/", Partitioned: true, SourceAccount: "111122223333", SourceRegion: "us-east-1", SourceBucket: "src"}, at, "U"),
			"p/111122223333/us-east-1/src/2023/09/20/2023-09-20-00-00-00-U"},
		{"partitioned delivery time", S3ObjectKey(Target{Partitioned: true, DeliveryTime: true, SourceAccount: "1", SourceRegion: "r", SourceBucket: "s"}, at, "U"),
			"1/r/s/2023/09/20/2023-09-20-18-20-49-U"},
		{"cloudfront", CloudFrontObjectKey("example-prefix", "EMLARXS9EXAMPLE", at, "RT4KCN4SGK9"), "example-prefix/EMLARXS9EXAMPLE.2023-09-20-18.RT4KCN4SGK9.gz"},
		{"cloudfront, prefix with slash", CloudFrontObjectKey("a/", "E1", at, "u"), "a/E1.2023-09-20-18.u.gz"},
		{"cloudfront, no prefix", CloudFrontObjectKey("", "E1", at, "u"), "E1.2023-09-20-18.u.gz"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestWriterDelivers checks batching per target, the object names and
// bodies, the directory sink, and that Close delivers what is left.
func TestWriterDelivers(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	var got []*Object
	sink := Sinks{DirSink{Dir: dir}, SinkFunc(func(_ context.Context, o *Object) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, o)
		return nil
	})}
	w := NewWriter(Config{Sink: sink, Interval: time.Hour})
	s3t := Target{Bucket: "logs", Prefix: "access/", SourceBucket: "src"}
	w.AddS3(s3t, &S3Record{Bucket: "src", Time: t0, HTTPStatus: 200, Operation: "REST.GET.OBJECT"})
	w.AddS3(s3t, &S3Record{Bucket: "src", Time: t0, HTTPStatus: 403, ErrorCode: "AccessDenied"})
	cft := Target{Bucket: "cflogs", Prefix: "cf", DistributionID: "E123"}
	w.AddCloudFront(cft, &CloudFrontRecord{Time: t0, Status: 200, ResultType: ResultMiss})
	w.AddCloudFront(cft, &CloudFrontRecord{Time: t0.Add(time.Hour), Status: 404, ResultType: ResultError})
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d objects delivered, want 3 (one S3, two CloudFront hours)", len(got))
	}
	s3Key := regexp.MustCompile(`^access/\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9A-F]{16}$`)
	cfKey := regexp.MustCompile(`^cf/E123\.2019-02-06-0[01]\.[0-9a-f]{8}\.gz$`)
	for _, o := range got {
		switch o.Target.Kind {
		case KindS3:
			if !s3Key.MatchString(o.Key) || o.Records != 2 || o.Target.Bucket != "logs" {
				t.Errorf("S3 object %q (%d records)", o.Key, o.Records)
			}
			lines := strings.Split(strings.TrimSuffix(string(o.Body), "\n"), "\n")
			if len(lines) != 2 || ParseS3Line(lines[1])[S3ErrorCode] != "AccessDenied" {
				t.Errorf("S3 body %q", o.Body)
			}
		case KindCloudFront:
			if !cfKey.MatchString(o.Key) || o.Records != 1 {
				t.Errorf("CloudFront object %q (%d records)", o.Key, o.Records)
			}
			zr, err := gzip.NewReader(bytes.NewReader(o.Body))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(zr)
			if !strings.HasPrefix(string(body), CloudFrontHeader) || strings.Count(string(body), "\n") != 3 {
				t.Errorf("CloudFront body %q", body)
			}
		}
		onDisk, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(o.Key)))
		if err != nil || !bytes.Equal(onDisk, o.Body) {
			t.Errorf("%s on disk: %v", o.Key, err)
		}
	}
	// Nothing buffered: Flush delivers nothing.
	got = nil
	if err := w.Flush(context.Background()); err != nil || len(got) != 0 {
		t.Fatalf("empty flush: %v, %d objects", err, len(got))
	}
	w.AddS3(s3t, &S3Record{Bucket: "src", Time: t0, HTTPStatus: 200})
	if err := w.Close(context.Background()); err != nil || len(got) != 1 {
		t.Fatalf("close: %v, %d objects", err, len(got))
	}
	w.AddS3(s3t, &S3Record{Bucket: "src", Time: t0, HTTPStatus: 200})
	if err := w.Flush(context.Background()); err != nil || len(got) != 1 {
		t.Fatalf("records added after Close are dropped: %v, %d objects", err, len(got))
	}
}

func TestWriterIntervalAndFailures(t *testing.T) {
	delivered := make(chan *Object, 4)
	var outcomes []error
	var mu sync.Mutex
	w := NewWriter(Config{
		Interval: 10 * time.Millisecond,
		Sink: SinkFunc(func(_ context.Context, o *Object) error {
			delivered <- o
			if o.Target.Bucket == "denied" {
				return errors.New("AccessDenied")
			}
			return nil
		}),
		OnDeliver: func(_ *Object, err error) { mu.Lock(); outcomes = append(outcomes, err); mu.Unlock() },
	})
	w.Start()
	defer w.Close(context.Background())
	w.AddS3(Target{Bucket: "denied"}, &S3Record{Time: t0, HTTPStatus: 200})
	select {
	case o := <-delivered:
		if o.Target.Bucket != "denied" {
			t.Fatalf("delivered %+v", o.Target)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing delivered on the interval")
	}
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(outcomes) != 1 || outcomes[0] == nil {
		t.Errorf("OnDeliver outcomes %v", outcomes)
	}
}

func TestDirSinkRefusesEscapes(t *testing.T) {
	d := DirSink{Dir: t.TempDir()}
	if err := d.Deliver(context.Background(), &Object{Key: "../x"}); err == nil {
		t.Error("a key leaving the directory was written")
	}
	if err := d.Deliver(context.Background(), &Object{Key: "a/b/c.gz", Body: []byte("x")}); err != nil {
		t.Error(err)
	}
}
