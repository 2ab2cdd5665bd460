package collect

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestMapPath(t *testing.T) {
	d := &distInfo{cfg: &cftypes.DistributionConfig{
		DefaultRootObject: aws.String("index.html"),
		Origins: &cftypes.Origins{Items: []cftypes.Origin{
			{Id: aws.String("site"), DomainName: aws.String("site.s3.eu-west-1.amazonaws.com"), OriginPath: aws.String("/prod/")},
			{Id: aws.String("web"), DomainName: aws.String("web.s3-website.eu-west-1.amazonaws.com")},
			{Id: aws.String("api"), DomainName: aws.String("api.example.com")},
		}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{TargetOriginId: aws.String("site")},
		CacheBehaviors: &cftypes.CacheBehaviors{Items: []cftypes.CacheBehavior{
			{PathPattern: aws.String("/api/*"), TargetOriginId: aws.String("api")},
			{PathPattern: aws.String("w/*"), TargetOriginId: aws.String("web")},
			{PathPattern: aws.String("/gone/*"), TargetOriginId: aws.String("nowhere")},
		}},
	}}
	tests := []struct {
		path string
		want KeyMapping
	}{
		{"/", KeyMapping{Behavior: "*", OriginID: "site", Bucket: "site", Key: "prod/index.html"}},
		{"/a%20b.txt?x=1", KeyMapping{Behavior: "*", OriginID: "site", Bucket: "site", Key: "prod/a b.txt"}},
		{"/docs/", KeyMapping{Behavior: "*", OriginID: "site", Bucket: "site", Key: "prod/docs/"}},
		{"/w/", KeyMapping{Behavior: "w/*", OriginID: "web", Bucket: "web", Key: "w/", Website: true}},
		{"/api/x", KeyMapping{Behavior: "/api/*", OriginID: "api", Note: "custom origin api.example.com: no S3 object"}},
		{"/gone/x", KeyMapping{Behavior: "/gone/*", OriginID: "nowhere", Note: "the behaviour's origin nowhere is not in the distribution"}},
		{"/bad%zz", KeyMapping{Behavior: "*", OriginID: "site", Bucket: "site", Key: "prod/bad%zz", Note: "the path's percent-encoding is invalid; the key is taken verbatim"}},
	}
	for _, tt := range tests {
		tt.want.Path = tt.path
		if got := d.mapPath(tt.path); got != tt.want {
			t.Errorf("mapPath(%q) = %+v, want %+v", tt.path, got, tt.want)
		}
	}
	if got := d.s3Buckets(); !reflect.DeepEqual(got, []bucketRef{{"site", "eu-west-1", false}, {"web", "eu-west-1", true}}) {
		t.Errorf("s3Buckets = %+v", got)
	}
}

func TestCLIJSON(t *testing.T) {
	type shape struct {
		Name      *string
		Empty     *string
		Missing   *string
		Enum      s3types.ObjectOwnership
		NoEnum    s3types.ObjectOwnership
		List      []string
		NilList   []string
		EmptyList []string
		Map       map[string]string
		When      *time.Time
		Enabled   bool

		ResultMetadata struct{ X int }
	}
	when := time.Date(2026, 1, 2, 3, 4, 5, 600e6, time.UTC)
	v := &shape{Name: aws.String("<a&b> ü"), Empty: aws.String(""), Enum: s3types.ObjectOwnershipBucketOwnerEnforced,
		List: []string{"x"}, EmptyList: []string{}, Map: map[string]string{}, When: &when}
	b, err := cliJSON(cliTree(v, isoMillis, nil))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
    "Empty": "",
    "EmptyList": [],
    "Enabled": false,
    "Enum": "BucketOwnerEnforced",
    "List": [
        "x"
    ],
    "Map": {},
    "Name": "<a&b> ü",
    "When": "2026-01-02T03:04:05.600Z"
}
`
	if string(b) != want {
		t.Errorf("cliJSON:\n%s\nwant\n%s", b, want)
	}
	if b, _ := cliJSON(map[string]any{}); len(b) != 0 {
		t.Errorf("an empty answer prints %q, want nothing (as the CLI)", b)
	}
}

func TestTimeFormats(t *testing.T) {
	at := time.Date(2026, 11, 28, 19, 40, 42, 123e6, time.UTC)
	whole := at.Truncate(time.Second)
	micro := at.Add(456 * time.Microsecond)
	wire := wireTimes{{"CreationDate", whole.UnixNano()}: "1795894842.0", {"LastModifiedTime", micro.UnixNano()}: "2026-11-28T19:40:42.123456Z"}
	tests := []struct {
		name   string
		member string
		t      time.Time
		tf     timeFormat
		want   any
	}{
		{"iso default", "X", at, isoMillis, "2026-11-28T19:40:42.123Z"},
		{"iso from the wire", "LastModifiedTime", micro, isoMillis, "2026-11-28T19:40:42.123456Z"},
		{"http date", "LastModified", at, httpDate, "Sat, 28 Nov 2026 19:40:42 GMT"},
		{"epoch ms", "X", at, epochSeconds, "1795894842.123"},
		{"epoch whole", "X", whole, epochSeconds, "1795894842"},
		{"epoch float on the wire", "CreationDate", whole, epochSeconds, "1795894842.0"},
	}
	for _, tt := range tests {
		got := wire.format(tt.member, tt.t, tt.tf)
		if s, ok := got.(interface{ String() string }); ok {
			got = s.String()
		}
		if got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	c := &collector{}
	c.captureTimes([]byte(`<A><LastModifiedTime>2026-11-28T19:40:42.123456Z</LastModifiedTime></A>`))
	c.captureTimes([]byte(`{"KeyMetadata":{"CreationDate":1.795894842E9}}`))
	if got := c.wire.format("LastModifiedTime", micro, isoMillis); got != "2026-11-28T19:40:42.123456Z" {
		t.Errorf("captured xml time: %v", got)
	}
	if got := c.wire.format("CreationDate", whole, epochSeconds); got.(interface{ String() string }).String() != "1795894842.0" {
		t.Errorf("captured json time: %v", got)
	}
}

func TestClassify(t *testing.T) {
	apiErr := func(code string, status int) error {
		return &smithy.OperationError{Err: &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
				Err: &smithy.GenericAPIError{Code: code, Message: "m"}}}}
	}
	tests := []struct {
		err     error
		outcome string
		code    string
	}{
		{apiErr("NoSuchBucketPolicy", 404), OutcomeNotFound, "NoSuchBucketPolicy"},
		{apiErr("ServerSideEncryptionConfigurationNotFoundError", 404), OutcomeNotFound, "ServerSideEncryptionConfigurationNotFoundError"},
		{apiErr("NotFound", 404), OutcomeNotFound, "NotFound"},
		{apiErr("NotFoundException", 400), OutcomeNotFound, "NotFoundException"},
		{apiErr("AccessDenied", 403), OutcomeRefused, "AccessDenied"},
		{apiErr("AccessDeniedException", 400), OutcomeRefused, "AccessDeniedException"},
		{apiErr("InternalError", 500), OutcomeError, "InternalError"},
		{errors.New("dial tcp: connection refused"), OutcomeError, ""},
	}
	for _, tt := range tests {
		outcome, code, _, _ := classify(tt.err)
		if outcome != tt.outcome || code != tt.code {
			t.Errorf("classify(%v) = %s %s, want %s %s", tt.err, outcome, code, tt.outcome, tt.code)
		}
	}
}

func TestNames(t *testing.T) {
	if got := escapeName("docs/a b%.txt"); got != "docs%2Fa%20b%25.txt" {
		t.Errorf("escapeName = %q", got)
	}
	for key, want := range map[string]string{"a/b/c.txt": "a/b/", "index.html": "index.html", "a/": "a/"} {
		if got := listPrefix(key); got != want {
			t.Errorf("listPrefix(%q) = %q, want %q", key, got, want)
		}
	}
	// base64 of {"ContinuationToken": "abc"}, as the CLI encodes it.
	if got := nextToken("ContinuationToken", "abc"); got != "eyJDb250aW51YXRpb25Ub2tlbiI6ICJhYmMifQ==" {
		t.Errorf("nextToken = %q", got)
	}
	for ref, want := range map[string]string{"arn:aws:kms:us-east-1:111122223333:key/k1": "k1", "k2": "k2",
		"alias/aws/s3": "", "arn:aws:kms:us-east-1:111122223333:alias/x": ""} {
		if got := keyIDOf(ref); got != want {
			t.Errorf("keyIDOf(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestReadManifest(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadManifest(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("no manifest: %v", err)
	}
	for _, tt := range []struct{ doc, want string }{
		{`{"version": 2}`, "version 2"},
		{`{"version": 1, "calls": [`, "unexpected end"},
	} {
		if err := os.WriteFile(filepath.Join(dir, ManifestName), []byte(tt.doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadManifest(dir); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.doc, err, tt.want)
		}
	}
	m := &Manifest{Calls: []Call{{Path: "a.json", Outcome: OutcomeRefused}, {Path: "a.json", Outcome: OutcomeOK, File: "a.json"}, {Outcome: OutcomeRefused}}}
	if oc := m.Outcomes(); len(oc) != 1 || oc["a.json"].Outcome != OutcomeOK {
		t.Errorf("Outcomes = %+v", oc)
	}
}
