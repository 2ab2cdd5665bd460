package cloudfront_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/sigv4"
	"github.com/edgegate/edgegate/internal/testenv"
)

// End-to-end tests of the access resources (origin access controls and
// identities, cache and origin request policies, invalidations, tags)
// driving the real aws CLI (v1) against a running edgegate.

const (
	axOtherAccount = "222233334444"
	axOtherKey     = "AKIAAXOTHER"
	axOtherSecret  = "axothersecret"
)

// axOtherEnv is the extra environment that makes the CLI sign as the
// second account's root.
var axOtherEnv = []string{"AWS_ACCESS_KEY_ID=" + axOtherKey, "AWS_SECRET_ACCESS_KEY=" + axOtherSecret}

// axStart starts a server with the default account and a second one.
func axStart(t *testing.T) (*testenv.Env, *testenv.CLI) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "accounts.json")
	doc := `{"accounts":[{"id":"` + axOtherAccount + `","name":"other","access_keys":[{"id":"` + axOtherKey + `","secret":"` + axOtherSecret + `"}]}]}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	env := testenv.Start(t, testenv.Options{AccountsFile: path})
	return env, env.AWSCLI(t)
}

var axCLIErrorCode = regexp.MustCompile(`An error occurred \(([A-Za-z]+)\)`)

// axFail runs the CLI expecting it to fail with the API error code.
func axFail(t *testing.T, cli *testenv.CLI, env []string, code string, args ...string) {
	t.Helper()
	out, stderr, err := cli.Try(env, args...)
	if err == nil {
		t.Fatalf("aws %s succeeded, want %s: %s", strings.Join(args, " "), code, out)
	}
	if m := axCLIErrorCode.FindStringSubmatch(stderr); m == nil || m[1] != code {
		t.Fatalf("aws %s: want %s, got %s", strings.Join(args, " "), code, stderr)
	}
}

// axFile writes v as JSON into the CLI's directory and returns its
// file:// argument.
func axFile(t *testing.T, cli *testenv.CLI, name string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(cli.Dir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return "file://" + p
}

// axGet walks nested JSON objects by key.
func axGet(v any, path ...string) any {
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

func axStr(v any, path ...string) string { s, _ := axGet(v, path...).(string); return s }

// axDistConfig is a DistributionConfig (CLI JSON) with one S3
// origin; edit adjusts it.
func axDistConfig(ref string, edit func(origin, behavior map[string]any)) map[string]any {
	origin := map[string]any{"Id": "s3", "DomainName": "site.s3.us-east-1.amazonaws.com", "S3OriginConfig": map[string]any{"OriginAccessIdentity": ""}}
	behavior := map[string]any{"TargetOriginId": "s3", "ViewerProtocolPolicy": "allow-all",
		"CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}
	if edit != nil {
		edit(origin, behavior)
	}
	return map[string]any{
		"CallerReference": ref, "Comment": "", "Enabled": true,
		"Origins":              map[string]any{"Quantity": 1, "Items": []any{origin}},
		"DefaultCacheBehavior": behavior,
	}
}

// axCreateDistribution creates a distribution with the CLI and returns its
// id and ETag.
func axCreateDistribution(t *testing.T, cli *testenv.CLI, env []string, cfg map[string]any) (string, string) {
	t.Helper()
	out := cli.JSON(env, "cloudfront", "create-distribution", "--distribution-config", axFile(t, cli, "dist.json", cfg))
	return axStr(out, "Distribution", "Id"), axStr(out, "ETag")
}

func TestOriginAccessControlCLI(t *testing.T) {
	t.Parallel()
	_, cli := axStart(t)
	cfgArg := "Name=site,SigningProtocol=sigv4,SigningBehavior=always,OriginAccessControlOriginType=s3"
	out := cli.JSON(nil, "cloudfront", "create-origin-access-control", "--origin-access-control-config", cfgArg)
	id, etag := axStr(out, "OriginAccessControl", "Id"), axStr(out, "ETag")
	if id == "" || etag == "" || !strings.HasSuffix(axStr(out, "Location"), "/2020-05-31/origin-access-control/"+id) ||
		axStr(out, "OriginAccessControl", "OriginAccessControlConfig", "SigningBehavior") != "always" {
		t.Fatalf("create: %v", out)
	}
	axFail(t, cli, nil, "OriginAccessControlAlreadyExists", "cloudfront", "create-origin-access-control", "--origin-access-control-config", cfgArg)
	axFail(t, cli, nil, "InvalidArgument", "cloudfront", "create-origin-access-control", "--origin-access-control-config",
		"Name=x,SigningProtocol=sigv4,SigningBehavior=sometimes,OriginAccessControlOriginType=s3")
	axFail(t, cli, nil, "InvalidArgument", "cloudfront", "create-origin-access-control", "--origin-access-control-config",
		"Name="+strings.Repeat("n", 65)+",SigningProtocol=sigv4,SigningBehavior=always,OriginAccessControlOriginType=s3")

	out = cli.JSON(nil, "cloudfront", "get-origin-access-control", "--id", id)
	if axStr(out, "ETag") != etag || axStr(out, "OriginAccessControl", "OriginAccessControlConfig", "Name") != "site" {
		t.Fatalf("get: %v", out)
	}
	out = cli.JSON(nil, "cloudfront", "get-origin-access-control-config", "--id", id)
	if axStr(out, "OriginAccessControlConfig", "OriginAccessControlOriginType") != "s3" {
		t.Fatalf("get config: %v", out)
	}
	axFail(t, cli, axOtherEnv, "NoSuchOriginAccessControl", "cloudfront", "get-origin-access-control", "--id", id)

	upd := "Name=site,SigningProtocol=sigv4,SigningBehavior=no-override,OriginAccessControlOriginType=s3,Description=edited"
	axFail(t, cli, nil, "InvalidIfMatchVersion", "cloudfront", "update-origin-access-control", "--id", id, "--origin-access-control-config", upd)
	axFail(t, cli, nil, "PreconditionFailed", "cloudfront", "update-origin-access-control", "--id", id, "--if-match", "ESTALE", "--origin-access-control-config", upd)
	out = cli.JSON(nil, "cloudfront", "update-origin-access-control", "--id", id, "--if-match", etag, "--origin-access-control-config", upd)
	etag2 := axStr(out, "ETag")
	if etag2 == etag || axStr(out, "OriginAccessControl", "OriginAccessControlConfig", "Description") != "edited" {
		t.Fatalf("update: %v", out)
	}

	out = cli.JSON(nil, "cloudfront", "list-origin-access-controls")
	items, _ := axGet(out, "OriginAccessControlList", "Items").([]any)
	if len(items) != 1 || axStr(items[0], "Id") != id || axStr(items[0], "SigningBehavior") != "no-override" {
		t.Fatalf("list: %v", out)
	}
	if out := cli.JSON(axOtherEnv, "cloudfront", "list-origin-access-controls", "--no-paginate"); axGet(out, "OriginAccessControlList", "Quantity") != 0.0 {
		t.Fatalf("other account's list: %v", out)
	}

	// A distribution using the OAC keeps it from being deleted until the
	// distribution stops using it.
	distID, distETag := axCreateDistribution(t, cli, nil, axDistConfig("oac-dist", func(o, _ map[string]any) { o["OriginAccessControlId"] = id }))
	axFail(t, cli, nil, "OriginAccessControlInUse", "cloudfront", "delete-origin-access-control", "--id", id, "--if-match", etag2)
	cli.JSON(nil, "cloudfront", "update-distribution", "--id", distID, "--if-match", distETag,
		"--distribution-config", axFile(t, cli, "dist2.json", axDistConfig("oac-dist", nil)))
	axFail(t, cli, nil, "InvalidIfMatchVersion", "cloudfront", "delete-origin-access-control", "--id", id)
	axFail(t, cli, nil, "PreconditionFailed", "cloudfront", "delete-origin-access-control", "--id", id, "--if-match", etag)
	cli.Run(nil, "cloudfront", "delete-origin-access-control", "--id", id, "--if-match", etag2)
	axFail(t, cli, nil, "NoSuchOriginAccessControl", "cloudfront", "get-origin-access-control", "--id", id)
}

func TestOriginAccessIdentityCLI(t *testing.T) {
	t.Parallel()
	_, cli := axStart(t)
	create := []string{"cloudfront", "create-cloud-front-origin-access-identity", "--cloud-front-origin-access-identity-config", "CallerReference=ref-1,Comment=site"}
	out := cli.JSON(nil, create...)
	id, etag := axStr(out, "CloudFrontOriginAccessIdentity", "Id"), axStr(out, "ETag")
	canon := axStr(out, "CloudFrontOriginAccessIdentity", "S3CanonicalUserId")
	if id == "" || len(canon) != 96 || !strings.HasSuffix(axStr(out, "Location"), "/origin-access-identity/cloudfront/"+id) {
		t.Fatalf("create: %v", out)
	}
	if again := cli.JSON(nil, create...); axStr(again, "CloudFrontOriginAccessIdentity", "Id") != id {
		t.Fatalf("same CallerReference: %v", again)
	}
	axFail(t, cli, nil, "CloudFrontOriginAccessIdentityAlreadyExists", "cloudfront", "create-cloud-front-origin-access-identity",
		"--cloud-front-origin-access-identity-config", "CallerReference=ref-1,Comment=other")
	out = cli.JSON(nil, "cloudfront", "get-cloud-front-origin-access-identity", "--id", id)
	if axStr(out, "ETag") != etag || axStr(out, "CloudFrontOriginAccessIdentity", "S3CanonicalUserId") != canon {
		t.Fatalf("get: %v", out)
	}
	out = cli.JSON(nil, "cloudfront", "get-cloud-front-origin-access-identity-config", "--id", id)
	if axStr(out, "CloudFrontOriginAccessIdentityConfig", "Comment") != "site" {
		t.Fatalf("get config: %v", out)
	}
	axFail(t, cli, axOtherEnv, "NoSuchCloudFrontOriginAccessIdentity", "cloudfront", "get-cloud-front-origin-access-identity", "--id", id)
	axFail(t, cli, nil, "IllegalUpdate", "cloudfront", "update-cloud-front-origin-access-identity", "--id", id, "--if-match", etag,
		"--cloud-front-origin-access-identity-config", "CallerReference=ref-2,Comment=site")
	out = cli.JSON(nil, "cloudfront", "update-cloud-front-origin-access-identity", "--id", id, "--if-match", etag,
		"--cloud-front-origin-access-identity-config", "CallerReference=ref-1,Comment=renamed")
	etag2 := axStr(out, "ETag")
	out = cli.JSON(nil, "cloudfront", "list-cloud-front-origin-access-identities")
	items, _ := axGet(out, "CloudFrontOriginAccessIdentityList", "Items").([]any)
	if len(items) != 1 || axStr(items[0], "Comment") != "renamed" || axStr(items[0], "S3CanonicalUserId") != canon {
		t.Fatalf("list: %v", out)
	}

	distID, distETag := axCreateDistribution(t, cli, nil, axDistConfig("oai-dist", func(o, _ map[string]any) {
		o["S3OriginConfig"] = map[string]any{"OriginAccessIdentity": "origin-access-identity/cloudfront/" + id}
	}))
	axFail(t, cli, nil, "CloudFrontOriginAccessIdentityInUse", "cloudfront", "delete-cloud-front-origin-access-identity", "--id", id, "--if-match", etag2)
	cli.JSON(nil, "cloudfront", "update-distribution", "--id", distID, "--if-match", distETag,
		"--distribution-config", axFile(t, cli, "dist2.json", axDistConfig("oai-dist", nil)))
	axFail(t, cli, nil, "PreconditionFailed", "cloudfront", "delete-cloud-front-origin-access-identity", "--id", id, "--if-match", etag)
	cli.Run(nil, "cloudfront", "delete-cloud-front-origin-access-identity", "--id", id, "--if-match", etag2)
	axFail(t, cli, nil, "NoSuchCloudFrontOriginAccessIdentity", "cloudfront", "get-cloud-front-origin-access-identity-config", "--id", id)
}

// axRaw sends a request signed by the default account's root with the
// raw body and returns the status and error code.
func axRaw(t *testing.T, env *testenv.Env, method, path, body string) (int, string) {
	t.Helper()
	r, err := http.NewRequest(method, env.Endpoint+"/2020-05-31/"+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	sigv4.SignRequest(r, "test", "test", "us-east-1", "cloudfront", time.Now(), hex.EncodeToString(sum[:]))
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Code string `xml:"Error>Code"`
	}
	_ = xml.Unmarshal(b, &e)
	return resp.StatusCode, e.Code
}

// TestAccessMalformedDocuments sends raw signed documents the SDKs never
// produce.
func TestAccessMalformedDocuments(t *testing.T) {
	t.Parallel()
	env, cli := axStart(t)
	distID, _ := axCreateDistribution(t, cli, nil, axDistConfig("malformed", nil))
	arn := "arn:aws:cloudfront::000000000000:distribution/" + distID
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"OAC without a body", "POST", "origin-access-control", "", 400, "MissingBody"},
		{"OAC not XML", "POST", "origin-access-control", "<OriginAccessControlConfig>", 400, "MalformedInput"},
		{"OAC missing members", "POST", "origin-access-control", "<OriginAccessControlConfig><Name>x</Name></OriginAccessControlConfig>", 400, "MalformedXML"},
		{"OAC unknown element", "POST", "origin-access-control",
			"<OriginAccessControlConfig><Name>x</Name><SigningProtocol>sigv4</SigningProtocol><SigningBehavior>always</SigningBehavior>" +
				"<OriginAccessControlOriginType>s3</OriginAccessControlOriginType><Signing>x</Signing></OriginAccessControlConfig>", 400, "MalformedInput"},
		{"OAI wrong root", "POST", "origin-access-identity/cloudfront", "<OriginAccessIdentityConfig/>", 400, "MalformedInput"},
		{"invalidation without Paths", "POST", "distribution/" + distID + "/invalidation", "<InvalidationBatch><CallerReference>x</CallerReference></InvalidationBatch>", 400, "MalformedXML"},
		{"invalidation bad quantity", "POST", "distribution/" + distID + "/invalidation",
			"<InvalidationBatch><Paths><Quantity>many</Quantity></Paths><CallerReference>x</CallerReference></InvalidationBatch>", 400, "MalformedInput"},
		{"cache policy without MinTTL", "POST", "cache-policy", "<CachePolicyConfig><Name>x</Name></CachePolicyConfig>", 400, "MalformedXML"},
		{"tags without key", "POST", "tagging?Operation=Tag&Resource=" + arn, "<Tags><Items><Tag><Value>v</Value></Tag></Items></Tags>", 400, "MalformedXML"},
		{"untag without body", "POST", "tagging?Operation=Untag&Resource=" + arn, "", 400, "MissingBody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, code := axRaw(t, env, tt.method, tt.path, tt.body); status != tt.status || code != tt.code {
				t.Fatalf("got %d %s, want %d %s", status, code, tt.status, tt.code)
			}
		})
	}
}
