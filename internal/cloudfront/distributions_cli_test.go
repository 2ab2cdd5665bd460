package cloudfront_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/edgegate/edgegate/internal/sigv4"
	"github.com/edgegate/edgegate/internal/testenv"
)

// End-to-end tests of the distribution operations: the real aws CLI (v1,
// botocore) and aws-sdk-go-v2 against a running edgegate.

const (
	dcAccount      = "000000000000" // the default account (test/test)
	dcOtherAccount = "333344445555"
	dcOtherKey     = "AKIADCOTHER"
	dcOtherSecret  = "dcothersecret"
	dcCachePolicy  = "658327ea-f89d-4fab-a63d-7e88639e58f6" // Managed-CachingOptimized
)

var dcOtherEnv = []string{"AWS_ACCESS_KEY_ID=" + dcOtherKey, "AWS_SECRET_ACCESS_KEY=" + dcOtherSecret}

// dcStart starts a server with the default account and a second one.
func dcStart(t *testing.T) (*testenv.Env, *testenv.CLI) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "accounts.json")
	doc := `{"accounts":[{"id":"` + dcOtherAccount + `","name":"dcother","access_keys":[{"id":"` + dcOtherKey + `","secret":"` + dcOtherSecret + `"}]}]}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	env := testenv.Start(t, testenv.Options{AccountsFile: path})
	return env, env.AWSCLI(t)
}

var dcErrorRE = regexp.MustCompile(`An error occurred \(([A-Za-z]+)\) when calling the [A-Za-z]+ operation: (.*)`)

// dcFail runs the CLI expecting the API error code, and returns the
// error message.
func dcFail(t *testing.T, cli *testenv.CLI, env []string, code string, args ...string) string {
	t.Helper()
	out, stderr, err := cli.Try(env, args...)
	if err == nil {
		t.Fatalf("aws %s succeeded, want %s: %s", strings.Join(args, " "), code, out)
	}
	m := dcErrorRE.FindStringSubmatch(stderr)
	if m == nil || m[1] != code {
		t.Fatalf("aws %s: want %s, got %s", strings.Join(args, " "), code, stderr)
	}
	return strings.TrimSpace(m[2])
}

// dcFile writes v as JSON into a fresh file of the CLI's directory and
// returns its file:// argument.
func dcFile(t *testing.T, cli *testenv.CLI, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp(cli.Dir(), "dc-*.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	return "file://" + f.Name()
}

// dcJSON parses a JSON document into generic values.
func dcJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return m
}

// dcAt walks generic JSON by object keys and list indexes.
func dcAt(v any, path ...any) any {
	for _, k := range path {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func dcObj(v any, path ...any) map[string]any { m, _ := dcAt(v, path...).(map[string]any); return m }
func dcStr(v any, path ...any) string         { s, _ := dcAt(v, path...).(string); return s }

// dcConfig is a minimal CLI DistributionConfig: one S3 origin, a default
// behaviour on the CachingOptimized managed policy.
func dcConfig(ref string) map[string]any {
	return map[string]any{
		"CallerReference": ref, "Comment": "", "Enabled": true,
		"Origins": map[string]any{"Quantity": 1, "Items": []any{map[string]any{
			"Id": "s3", "DomainName": "site.s3.us-east-1.amazonaws.com", "S3OriginConfig": map[string]any{"OriginAccessIdentity": ""}}}},
		"DefaultCacheBehavior": map[string]any{"TargetOriginId": "s3", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": dcCachePolicy},
	}
}

// dcCreate creates a distribution with the CLI; it returns the output.
func dcCreate(t *testing.T, cli *testenv.CLI, env []string, cfg map[string]any) map[string]any {
	t.Helper()
	return cli.JSON(env, "cloudfront", "create-distribution", "--distribution-config", dcFile(t, cli, cfg))
}

var (
	dcIDRE     = regexp.MustCompile(`^E[A-Z0-9]{13}$`)
	dcDomainRE = regexp.MustCompile(`^d[a-z0-9]{13}\.cloudfront\.localhost$`)
)

func TestDistributionCLILifecycle(t *testing.T) {
	t.Parallel()
	env, cli := dcStart(t)
	legacy := dcConfig("lifecycle")
	dcb := dcObj(legacy, "DefaultCacheBehavior")
	delete(dcb, "CachePolicyId")
	dcb["ForwardedValues"] = map[string]any{"QueryString": false, "Cookies": map[string]any{"Forward": "none"}}
	dcb["MinTTL"] = 0
	legacy["Aliases"] = map[string]any{"Quantity": 1, "Items": []any{"www.lifecycle.test"}}

	out := dcCreate(t, cli, nil, legacy)
	d := dcObj(out, "Distribution")
	id, etag := dcStr(d, "Id"), dcStr(out, "ETag")
	if !dcIDRE.MatchString(id) || etag == "" || dcStr(out, "Location") != env.Endpoint+"/2020-05-31/distribution/"+id ||
		dcStr(d, "ARN") != "arn:aws:cloudfront::"+dcAccount+":distribution/"+id || dcStr(d, "Status") != "InProgress" ||
		!dcDomainRE.MatchString(dcStr(d, "DomainName")) || dcAt(d, "InProgressInvalidationBatches") != 0.0 ||
		dcAt(d, "ActiveTrustedSigners", "Enabled") != false || dcAt(d, "ActiveTrustedKeyGroups", "Quantity") != 0.0 {
		t.Fatalf("create: %v", out)
	}
	if _, err := time.Parse(time.RFC3339, dcStr(d, "LastModifiedTime")); err != nil {
		t.Errorf("LastModifiedTime %q: %v", dcStr(d, "LastModifiedTime"), err)
	}
	// With no deploy delay the next read reports Deployed.
	got := cli.JSON(nil, "cloudfront", "get-distribution", "--id", id)
	if dcStr(got, "Distribution", "Status") != "Deployed" || dcStr(got, "ETag") != etag ||
		dcStr(got, "Distribution", "DomainName") != dcStr(d, "DomainName") {
		t.Fatalf("get: %v", got)
	}
	cfgOut := cli.JSON(nil, "cloudfront", "get-distribution-config", "--id", id)
	if dcStr(cfgOut, "ETag") != etag || dcStr(cfgOut, "DistributionConfig", "CallerReference") != "lifecycle" ||
		dcAt(cfgOut, "DistributionConfig", "DefaultCacheBehavior", "DefaultTTL") != 86400.0 {
		t.Fatalf("get-config: %v", cfgOut)
	}

	// Another account does not see it.
	dcFail(t, cli, dcOtherEnv, "NoSuchDistribution", "cloudfront", "get-distribution", "--id", id)
	msg := dcFail(t, cli, nil, "NoSuchDistribution", "cloudfront", "get-distribution-config", "--id", "EDOESNOTEXIST1")
	if msg != "The specified distribution does not exist." {
		t.Errorf("message %q", msg)
	}

	// Update: If-Match, ETag versions, CallerReference.
	disabled := dcObj(cfgOut, "DistributionConfig")
	disabled["Enabled"] = false
	arg := dcFile(t, cli, disabled)
	dcFail(t, cli, nil, "InvalidIfMatchVersion", "cloudfront", "update-distribution", "--id", id, "--distribution-config", arg)
	dcFail(t, cli, nil, "PreconditionFailed", "cloudfront", "update-distribution", "--id", id, "--distribution-config", arg, "--if-match", "ESTALEETAG0000")
	renamed := dcJSON(t, mustJSON(t, disabled))
	renamed["CallerReference"] = "changed"
	if msg := dcFail(t, cli, nil, "IllegalUpdate", "cloudfront", "update-distribution", "--id", id,
		"--distribution-config", dcFile(t, cli, renamed), "--if-match", etag); msg != "You cannot update Origin or CallerReference." {
		t.Errorf("message %q", msg)
	}
	upd := cli.JSON(nil, "cloudfront", "update-distribution", "--id", id, "--distribution-config", arg, "--if-match", etag)
	etag2 := dcStr(upd, "ETag")
	if etag2 == "" || etag2 == etag || dcStr(upd, "Distribution", "Status") != "InProgress" ||
		dcAt(upd, "Distribution", "DistributionConfig", "Enabled") != false {
		t.Fatalf("update: %v", upd)
	}
	if got := cli.JSON(nil, "cloudfront", "get-distribution", "--id", id); dcStr(got, "ETag") != etag2 || dcStr(got, "Distribution", "Status") != "Deployed" {
		t.Errorf("get after update: %v", got)
	}

	// An enabled distribution cannot be deleted.
	other := dcCreate(t, cli, nil, dcConfig("enabled"))
	if msg := dcFail(t, cli, nil, "DistributionNotDisabled", "cloudfront", "delete-distribution",
		"--id", dcStr(other, "Distribution", "Id"), "--if-match", dcStr(other, "ETag")); msg != "The distribution you are trying to delete has not been disabled." {
		t.Errorf("message %q", msg)
	}

	// Delete: If-Match rules, then gone.
	dcFail(t, cli, nil, "InvalidIfMatchVersion", "cloudfront", "delete-distribution", "--id", id)
	dcFail(t, cli, nil, "PreconditionFailed", "cloudfront", "delete-distribution", "--id", id, "--if-match", etag)
	dcFail(t, cli, dcOtherEnv, "NoSuchDistribution", "cloudfront", "delete-distribution", "--id", id, "--if-match", etag2)
	if out := cli.Run(nil, "cloudfront", "delete-distribution", "--id", id, "--if-match", etag2); strings.TrimSpace(string(out)) != "" {
		t.Errorf("delete printed %q", out)
	}
	dcFail(t, cli, nil, "NoSuchDistribution", "cloudfront", "get-distribution", "--id", id)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDistributionCLIListPaging(t *testing.T) {
	t.Parallel()
	env, cli := dcStart(t)
	want := map[string]bool{}
	for i := 0; i < 5; i++ {
		out := dcCreate(t, cli, nil, dcConfig(fmt.Sprintf("list-%d", i)))
		want[dcStr(out, "Distribution", "Id")] = true
	}
	dcCreate(t, cli, dcOtherEnv, dcConfig("list-other"))

	// The CLI follows NextMarker page by page.
	out := cli.JSON(nil, "cloudfront", "list-distributions", "--page-size", "2")
	items, _ := dcAt(out, "DistributionList", "Items").([]any)
	if len(items) != 5 {
		t.Fatalf("listed %d: %v", len(items), out)
	}
	for _, it := range items {
		if !want[dcStr(it, "Id")] || dcStr(it, "Status") != "Deployed" || dcStr(it, "ETag") == "" || dcAt(it, "Staging") != false {
			t.Fatalf("summary %v", it)
		}
	}
	out = cli.JSON(nil, "cloudfront", "list-distributions", "--max-items", "3")
	if items, _ := dcAt(out, "DistributionList", "Items").([]any); len(items) != 3 || dcStr(out, "NextToken") == "" {
		t.Fatalf("max-items 3: %v", out)
	}

	// The SDK sees Marker, NextMarker, MaxItems, IsTruncated and Quantity.
	c := env.CloudFront("test", "test")
	var got []string
	marker := ""
	for {
		in := &cloudfront.ListDistributionsInput{MaxItems: aws.Int32(2)}
		if marker != "" {
			in.Marker = aws.String(marker)
		}
		page, err := c.ListDistributions(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		l := page.DistributionList
		if aws.ToString(l.Marker) != marker || aws.ToInt32(l.MaxItems) != 2 || int(aws.ToInt32(l.Quantity)) != len(l.Items) {
			t.Fatalf("page %+v", l)
		}
		for _, s := range l.Items {
			got = append(got, aws.ToString(s.Id))
		}
		if !aws.ToBool(l.IsTruncated) {
			break
		}
		marker = aws.ToString(l.NextMarker)
	}
	if len(got) != 5 {
		t.Fatalf("SDK listed %v", got)
	}
	gd, err := c.GetDistribution(context.Background(), &cloudfront.GetDistributionInput{Id: aws.String(got[0])})
	if err != nil {
		t.Fatal(err)
	}
	if dd := gd.Distribution; aws.ToString(dd.Status) != "Deployed" || dd.LastModifiedTime == nil || aws.ToString(gd.ETag) == "" ||
		aws.ToInt32(dd.DistributionConfig.DefaultCacheBehavior.TrustedSigners.Quantity) != 0 || dd.DistributionConfig.OriginGroups == nil ||
		aws.ToInt32(dd.DistributionConfig.Origins.Items[0].ConnectionAttempts) != 3 {
		t.Fatalf("SDK GetDistribution: %+v", dd)
	}
	// The other account lists only its own.
	out = cli.JSON(dcOtherEnv, "cloudfront", "list-distributions")
	if items, _ := dcAt(out, "DistributionList", "Items").([]any); len(items) != 1 {
		t.Fatalf("other account: %v", out)
	}
}

func TestDistributionCLIWithTags(t *testing.T) {
	t.Parallel()
	_, cli := dcStart(t)
	doc := map[string]any{"DistributionConfig": dcConfig("tagged"), "Tags": map[string]any{"Items": []any{
		map[string]any{"Key": "env", "Value": "dev"}, map[string]any{"Key": "team", "Value": "edge"}}}}
	out := cli.JSON(nil, "cloudfront", "create-distribution-with-tags", "--distribution-config-with-tags", dcFile(t, cli, doc))
	arn := dcStr(out, "Distribution", "ARN")
	if dcStr(out, "Distribution", "Status") != "InProgress" || !strings.HasSuffix(dcStr(out, "Location"), "/distribution/"+dcStr(out, "Distribution", "Id")) {
		t.Fatalf("create with tags: %v", out)
	}
	tags := cli.JSON(nil, "cloudfront", "list-tags-for-resource", "--resource", arn)
	if items, _ := dcAt(tags, "Tags", "Items").([]any); len(items) != 2 {
		t.Fatalf("tags %v", tags)
	}
	bad := map[string]any{"DistributionConfig": dcConfig("tagged-bad"), "Tags": map[string]any{"Items": []any{map[string]any{"Key": "aws:reserved", "Value": "x"}}}}
	dcFail(t, cli, nil, "InvalidTagging", "cloudfront", "create-distribution-with-tags", "--distribution-config-with-tags", dcFile(t, cli, bad))
	// Same CallerReference as the tagged one.
	dcFail(t, cli, nil, "DistributionAlreadyExists", "cloudfront", "create-distribution", "--distribution-config", dcFile(t, cli, dcConfig("tagged")))
}

// TestDistributionCLIValidation sends each invalid configuration through
// the CLI and checks CloudFront's error code (and, where a public source
// shows it, the message).
func TestDistributionCLIValidation(t *testing.T) {
	t.Parallel()
	_, cli := dcStart(t)

	// Resources to name: an OAC and an OAI of the account, an OAC of the
	// other account, a distribution holding an alias.
	oac := cli.JSON(nil, "cloudfront", "create-origin-access-control", "--origin-access-control-config",
		"Name=dc-s3,SigningProtocol=sigv4,SigningBehavior=always,OriginAccessControlOriginType=s3")
	oacID := dcStr(oac, "OriginAccessControl", "Id")
	otherOAC := cli.JSON(dcOtherEnv, "cloudfront", "create-origin-access-control", "--origin-access-control-config",
		"Name=dc-other,SigningProtocol=sigv4,SigningBehavior=always,OriginAccessControlOriginType=s3")
	otherOACID := dcStr(otherOAC, "OriginAccessControl", "Id")
	oai := cli.JSON(nil, "cloudfront", "create-cloud-front-origin-access-identity", "--cloud-front-origin-access-identity-config",
		"CallerReference=dc-oai,Comment=dc")
	oaiID := dcStr(oai, "CloudFrontOriginAccessIdentity", "Id")
	holder := dcConfig("holder")
	holder["Aliases"] = map[string]any{"Quantity": 1, "Items": []any{"taken.example.com"}}
	dcCreate(t, cli, dcOtherEnv, holder)

	// Valid uses of them.
	withOAC := dcConfig("with-oac")
	dcObj(withOAC, "Origins", "Items", 0)["OriginAccessControlId"] = oacID
	dcCreate(t, cli, nil, withOAC)
	withOAI := dcConfig("with-oai")
	dcObj(withOAI, "Origins", "Items", 0)["S3OriginConfig"] = map[string]any{"OriginAccessIdentity": "origin-access-identity/cloudfront/" + oaiID}
	dcCreate(t, cli, nil, withOAI)

	origin := func(cfg map[string]any) map[string]any { return dcObj(cfg, "Origins", "Items", 0) }
	behavior := func(cfg map[string]any) map[string]any { return dcObj(cfg, "DefaultCacheBehavior") }
	legacy := func(cfg map[string]any) map[string]any {
		b := behavior(cfg)
		delete(b, "CachePolicyId")
		b["ForwardedValues"] = map[string]any{"QueryString": false, "Cookies": map[string]any{"Forward": "none"}}
		return b
	}
	custom := func(domain string) map[string]any {
		return map[string]any{"Id": "web", "DomainName": domain,
			"CustomOriginConfig": map[string]any{"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}
	}
	addOrigin := func(cfg map[string]any, o map[string]any) {
		os := dcObj(cfg, "Origins")
		os["Items"] = append(os["Items"].([]any), o)
		os["Quantity"] = len(os["Items"].([]any))
	}
	errorPage := func(cfg map[string]any, r map[string]any) {
		cfg["CustomErrorResponses"] = map[string]any{"Quantity": 1, "Items": []any{r}}
	}
	geo := func(cfg map[string]any, typ string, items ...any) {
		g := map[string]any{"RestrictionType": typ, "Quantity": len(items)}
		if len(items) > 0 {
			g["Items"] = items
		}
		cfg["Restrictions"] = map[string]any{"GeoRestriction": g}
	}
	tests := []struct {
		name string
		edit func(cfg map[string]any)
		code string
		msg  string // exact message, when checked
	}{
		{"inconsistent quantities", func(c map[string]any) { c["Aliases"] = map[string]any{"Quantity": 2, "Items": []any{"a.example.com"}} },
			"InconsistentQuantities", "The specified quantity of Aliases (2) does not match the actual quantity supplied (1)."},
		{"inconsistent nested quantities", func(c map[string]any) {
			behavior(c)["AllowedMethods"] = map[string]any{"Quantity": 2, "Items": []any{"GET", "HEAD"}, "CachedMethods": map[string]any{"Quantity": 3, "Items": []any{"GET", "HEAD"}}}
		}, "InconsistentQuantities", "The specified quantity of CachedMethods (3) does not match the actual quantity supplied (2)."},
		{"bad viewer protocol policy", func(c map[string]any) { behavior(c)["ViewerProtocolPolicy"] = "http-only" }, "MalformedXML",
			"1 validation error detected: Value 'http-only' at 'distributionConfig.defaultCacheBehavior.viewerProtocolPolicy' failed to satisfy constraint: Member must satisfy enum value set: [allow-all, https-only, redirect-to-https]"},
		{"no such origin", func(c map[string]any) { behavior(c)["TargetOriginId"] = "nope" }, "NoSuchOrigin",
			"One or more of your origins or origin groups do not exist."},
		{"duplicate origin id", func(c map[string]any) {
			addOrigin(c, map[string]any{"Id": "s3", "DomainName": "two.s3.us-east-1.amazonaws.com", "S3OriginConfig": map[string]any{"OriginAccessIdentity": ""}})
		}, "InvalidArgument", ""},
		{"OAC and OAI", func(c map[string]any) {
			origin(c)["OriginAccessControlId"] = oacID
			origin(c)["S3OriginConfig"] = map[string]any{"OriginAccessIdentity": "origin-access-identity/cloudfront/" + oaiID}
		}, "IllegalOriginAccessConfiguration", "Cannot use both Origin Access Control and Origin Access Identity on an origin"},
		{"unknown OAC", func(c map[string]any) { origin(c)["OriginAccessControlId"] = "EUNKNOWNOAC001" }, "InvalidOriginAccessControl", ""},
		{"another account's OAC", func(c map[string]any) { origin(c)["OriginAccessControlId"] = otherOACID }, "InvalidOriginAccessControl", ""},
		{"OAC on a website endpoint", func(c map[string]any) {
			o := custom("site.s3-website-us-east-1.amazonaws.com")
			o["OriginAccessControlId"] = oacID
			addOrigin(c, o)
		}, "InvalidDomainNameForOriginAccessControl", ""},
		{"OAC on a custom origin", func(c map[string]any) {
			o := custom("www.example.com")
			o["OriginAccessControlId"] = oacID
			addOrigin(c, o)
		}, "InvalidDomainNameForOriginAccessControl", ""},
		{"unknown OAI", func(c map[string]any) {
			origin(c)["S3OriginConfig"] = map[string]any{"OriginAccessIdentity": "origin-access-identity/cloudfront/EUNKNOWNOAI001"}
		}, "InvalidOriginAccessIdentity", "The specified origin access identity does not exist or is not valid."},
		{"OAI without its prefix", func(c map[string]any) { origin(c)["S3OriginConfig"] = map[string]any{"OriginAccessIdentity": oaiID} },
			"InvalidOriginAccessIdentity", ""},
		{"S3 origin on a website endpoint", func(c map[string]any) { origin(c)["DomainName"] = "site.s3-website.us-east-1.amazonaws.com" },
			"InvalidArgument", "The parameter Origin DomainName does not refer to a valid S3 bucket."},
		{"default root object too long", func(c map[string]any) { c["DefaultRootObject"] = strings.Repeat("x", 256) }, "InvalidDefaultRootObject", ""},
		{"default root object with bad characters", func(c map[string]any) { c["DefaultRootObject"] = "index page.html" }, "InvalidDefaultRootObject", ""},
		{"error code 401", func(c map[string]any) { errorPage(c, map[string]any{"ErrorCode": 401}) }, "InvalidErrorCode", ""},
		{"response code 302", func(c map[string]any) {
			errorPage(c, map[string]any{"ErrorCode": 404, "ResponsePagePath": "/404.html", "ResponseCode": "302"})
		}, "InvalidResponseCode", ""},
		{"response code without page", func(c map[string]any) { errorPage(c, map[string]any{"ErrorCode": 404, "ResponseCode": "200"}) }, "InvalidResponseCode", ""},
		{"relative page path", func(c map[string]any) {
			errorPage(c, map[string]any{"ErrorCode": 404, "ResponsePagePath": "404.html", "ResponseCode": "404"})
		}, "InvalidRelativePath", ""},
		{"TTL order", func(c map[string]any) { b := legacy(c); b["MinTTL"], b["DefaultTTL"] = 100, 10 }, "InvalidTTLOrder",
			"MinTTL, MaxTTL and DefaultTTL should follow order MinTTL less than or equal to DefaultTTL less than or equal to MaxTTL"},
		{"path pattern with a space", func(c map[string]any) {
			c["CacheBehaviors"] = map[string]any{"Quantity": 1, "Items": []any{map[string]any{"PathPattern": "/my files/*", "TargetOriginId": "s3",
				"ViewerProtocolPolicy": "allow-all", "CachePolicyId": dcCachePolicy}}}
		}, "InvalidArgument", ""},
		{"unknown cache policy", func(c map[string]any) { behavior(c)["CachePolicyId"] = "00000000-0000-4000-8000-000000000000" }, "NoSuchCachePolicy", ""},
		{"unknown origin request policy", func(c map[string]any) { behavior(c)["OriginRequestPolicyId"] = "00000000-0000-4000-8000-000000000000" },
			"NoSuchOriginRequestPolicy", ""},
		{"neither cache policy nor forwarded values", func(c map[string]any) { delete(behavior(c), "CachePolicyId") }, "InvalidArgument",
			"The parameter ForwardedValues is required."},
		{"forwarded values with a cache policy", func(c map[string]any) {
			behavior(c)["ForwardedValues"] = map[string]any{"QueryString": false, "Cookies": map[string]any{"Forward": "none"}}
		}, "InvalidArgument", "The parameter ForwardedValues cannot be used when a cache policy is associated to the cache behavior."},
		{"comment too long", func(c map[string]any) { c["Comment"] = strings.Repeat("c", 129) }, "InvalidArgument", "The parameter Comment is too big."},
		{"allowed methods GET HEAD POST", func(c map[string]any) {
			behavior(c)["AllowedMethods"] = map[string]any{"Quantity": 3, "Items": []any{"GET", "HEAD", "POST"}}
		}, "InvalidArgument", ""},
		{"cached methods GET", func(c map[string]any) {
			behavior(c)["AllowedMethods"] = map[string]any{"Quantity": 2, "Items": []any{"GET", "HEAD"}, "CachedMethods": map[string]any{"Quantity": 1, "Items": []any{"GET"}}}
		}, "InvalidArgument", ""},
		{"alias of another distribution", func(c map[string]any) {
			c["Aliases"] = map[string]any{"Quantity": 1, "Items": []any{"TAKEN.example.com"}}
		},
			"CNAMEAlreadyExists", "One or more of the CNAMEs you provided are already associated with a different resource."},
		{"geo none with locations", func(c map[string]any) { geo(c, "none", "US") }, "InvalidGeoRestrictionParameter", ""},
		{"geo whitelist without locations", func(c map[string]any) { geo(c, "whitelist") }, "InvalidGeoRestrictionParameter", ""},
		{"geo UK", func(c map[string]any) { geo(c, "blacklist", "UK") }, "InvalidLocationCode", ""},
		{"custom origin port 81", func(c map[string]any) {
			o := custom("www.example.com")
			dcObj(o, "CustomOriginConfig")["HTTPPort"] = 81
			addOrigin(c, o)
		}, "InvalidArgument", ""},
		{"custom origin read timeout 0", func(c map[string]any) {
			o := custom("www.example.com")
			dcObj(o, "CustomOriginConfig")["OriginReadTimeout"] = 0
			addOrigin(c, o)
		}, "InvalidOriginReadTimeout", ""},
		{"origin path with trailing slash", func(c map[string]any) { origin(c)["OriginPath"] = "/prod/" }, "InvalidArgument", ""},
		{"101 aliases", func(c map[string]any) {
			var items []any
			for i := 0; i < 101; i++ {
				items = append(items, fmt.Sprintf("a%d.example.com", i))
			}
			c["Aliases"] = map[string]any{"Quantity": len(items), "Items": items}
		}, "TooManyDistributionCNAMEs", ""},
		{"76 cache behaviours", func(c map[string]any) {
			var items []any
			for i := 0; i < 76; i++ {
				items = append(items, map[string]any{"PathPattern": fmt.Sprintf("/p%d/*", i), "TargetOriginId": "s3", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": dcCachePolicy})
			}
			c["CacheBehaviors"] = map[string]any{"Quantity": len(items), "Items": items}
		}, "TooManyCacheBehaviors", "Your request contains more CacheBehaviors than are allowed per distribution."},
		{"11 custom headers", func(c map[string]any) {
			var items []any
			for i := 0; i < 11; i++ {
				items = append(items, map[string]any{"HeaderName": fmt.Sprintf("X-H%d", i), "HeaderValue": "v"})
			}
			origin(c)["CustomHeaders"] = map[string]any{"Quantity": len(items), "Items": items}
		}, "TooManyOriginCustomHeaders", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := dcConfig("invalid " + tt.name)
			tt.edit(cfg)
			msg := dcFail(t, cli, nil, tt.code, "cloudfront", "create-distribution", "--distribution-config", dcFile(t, cli, cfg))
			if tt.msg != "" && msg != tt.msg {
				t.Errorf("message %q, want %q", msg, tt.msg)
			}
		})
	}
}

// dcRaw sends a request signed by the default account's root with the raw
// body and returns the status, error code and message.
func dcRaw(t *testing.T, env *testenv.Env, method, path, body string, hdr ...string) (int, string, string) {
	t.Helper()
	r, err := http.NewRequest(method, env.Endpoint+"/2020-05-31/"+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	sum := sha256.Sum256([]byte(body))
	r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	creds, err := env.Config("test", "test").Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sigv4.SignRequest(r, creds.AccessKeyID, creds.SecretAccessKey, "us-east-1", "cloudfront", time.Now(), hex.EncodeToString(sum[:]))
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Code    string `xml:"Error>Code"`
		Message string `xml:"Error>Message"`
	}
	_ = xml.Unmarshal(b, &e)
	return resp.StatusCode, e.Code, e.Message
}

// TestDistributionMalformedDocuments sends raw signed documents the CLI
// and SDKs never produce.
func TestDistributionMalformedDocuments(t *testing.T) {
	t.Parallel()
	env, cli := dcStart(t)
	out := dcCreate(t, cli, nil, dcConfig("malformed"))
	id, etag := dcStr(out, "Distribution", "Id"), dcStr(out, "ETag")
	const ns = ` xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"`
	minimal := `<CallerReference>raw</CallerReference><Comment></Comment><Enabled>true</Enabled>` +
		`<Origins><Quantity>1</Quantity><Items><Origin><Id>s3</Id><DomainName>site.s3.us-east-1.amazonaws.com</DomainName>` +
		`<S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig></Origin></Items></Origins>` +
		`<DefaultCacheBehavior><TargetOriginId>s3</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy>` +
		`<CachePolicyId>` + dcCachePolicy + `</CachePolicyId></DefaultCacheBehavior>`
	tests := []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		code, msg                string
	}{
		{"valid raw document", "POST", "distribution", `<DistributionConfig` + ns + `>` + minimal + `</DistributionConfig>`, nil, 201, "", ""},
		{"no body", "POST", "distribution", "", nil, 400, "MissingBody", ""},
		{"not XML", "POST", "distribution", "<DistributionConfig><CallerReference>", nil, 400, "MalformedInput", ""},
		{"wrong root", "POST", "distribution", "<Distribution>" + minimal + "</Distribution>", nil, 400, "MalformedInput", ""},
		{"wrong namespace", "POST", "distribution", `<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2019-03-26/">` + minimal + `</DistributionConfig>`, nil, 400, "MalformedInput", ""},
		{"unknown element", "POST", "distribution", "<DistributionConfig>" + minimal + "<Bogus>1</Bogus></DistributionConfig>", nil, 400, "MalformedInput", ""},
		{"not a number", "POST", "distribution", "<DistributionConfig>" + strings.Replace(minimal, "<Quantity>1</Quantity>", "<Quantity>one</Quantity>", 1) + "</DistributionConfig>", nil, 400, "MalformedInput", ""},
		{"missing members", "POST", "distribution", "<DistributionConfig><CallerReference>x</CallerReference><Comment></Comment></DistributionConfig>", nil, 400, "MalformedXML", ""},
		{"missing Enabled", "POST", "distribution", "<DistributionConfig>" + strings.Replace(minimal, "<Enabled>true</Enabled>", "", 1) + "</DistributionConfig>", nil, 400, "MalformedXML",
			"1 validation error detected: Value null at 'distributionConfig.enabled' failed to satisfy constraint: Member must not be null"},
		{"with tags: missing Tags", "POST", "distribution?WithTags", "<DistributionConfigWithTags><DistributionConfig>" + strings.Replace(minimal, "raw", "raw2", 1) +
			"</DistributionConfig></DistributionConfigWithTags>", nil, 400, "MalformedXML", ""},
		{"update without body", "PUT", "distribution/" + id + "/config", "", []string{"If-Match", etag}, 400, "MissingBody", ""},
		{"update unknown element", "PUT", "distribution/" + id + "/config", "<DistributionConfig>" + minimal + "<Extra/></DistributionConfig>",
			[]string{"If-Match", etag}, 400, "MalformedInput", ""},
		{"method not allowed", "PATCH", "distribution/" + id, "", nil, 405, "MethodNotAllowed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, code, msg := dcRaw(t, env, tt.method, tt.path, tt.body, tt.hdr...)
			if status != tt.status || code != tt.code || tt.msg != "" && msg != tt.msg {
				t.Fatalf("got %d %s %q, want %d %s %q", status, code, msg, tt.status, tt.code, tt.msg)
			}
		})
	}
}

// TestDistributionCLIQuotaSizedConfig creates a distribution at
// CloudFront's per-distribution quotas: 100 origins (10 custom headers
// each on the first), 75 cache behaviours, 100 alternate domain names.
func TestDistributionCLIQuotaSizedConfig(t *testing.T) {
	t.Parallel()
	_, cli := dcStart(t)
	cfg := dcConfig("quota")
	var origins, behaviors, aliases, headers []any
	for i := 0; i < 10; i++ {
		headers = append(headers, map[string]any{"HeaderName": fmt.Sprintf("X-Edge-%d", i), "HeaderValue": strings.Repeat("v", 100)})
	}
	for i := 0; i < 100; i++ {
		o := map[string]any{"Id": fmt.Sprintf("origin-%02d", i), "DomainName": fmt.Sprintf("bucket-%02d.s3.us-east-1.amazonaws.com", i),
			"S3OriginConfig": map[string]any{"OriginAccessIdentity": ""}}
		if i == 0 {
			o["CustomHeaders"] = map[string]any{"Quantity": len(headers), "Items": headers}
		}
		origins = append(origins, o)
		aliases = append(aliases, fmt.Sprintf("www%02d.quota.test", i))
	}
	for i := 0; i < 75; i++ {
		behaviors = append(behaviors, map[string]any{"PathPattern": fmt.Sprintf("/section-%02d/*", i), "TargetOriginId": fmt.Sprintf("origin-%02d", i),
			"ViewerProtocolPolicy": "redirect-to-https", "CachePolicyId": dcCachePolicy, "Compress": true})
	}
	cfg["Origins"] = map[string]any{"Quantity": len(origins), "Items": origins}
	cfg["CacheBehaviors"] = map[string]any{"Quantity": len(behaviors), "Items": behaviors}
	cfg["Aliases"] = map[string]any{"Quantity": len(aliases), "Items": aliases}
	dcObj(cfg, "DefaultCacheBehavior")["TargetOriginId"] = "origin-99"
	out := dcCreate(t, cli, nil, cfg)
	id := dcStr(out, "Distribution", "Id")
	got := cli.JSON(nil, "cloudfront", "get-distribution-config", "--id", id)
	c := dcObj(got, "DistributionConfig")
	if dcAt(c, "Origins", "Quantity") != 100.0 || dcAt(c, "CacheBehaviors", "Quantity") != 75.0 || dcAt(c, "Aliases", "Quantity") != 100.0 ||
		dcAt(c, "Origins", "Items", 0, "CustomHeaders", "Quantity") != 10.0 ||
		dcStr(c, "CacheBehaviors", "Items", 74, "PathPattern") != "/section-74/*" || dcStr(c, "Aliases", "Items", 99) != "www99.quota.test" {
		t.Fatalf("quota-sized configuration came back as %v", mustJSON(t, c)[:500])
	}
}

// dcFullConfig sets every member the defaults would fill, to what
// CloudFront returns, so that it must come back unchanged.
const dcFullConfig = `{
  "CallerReference": "round-trip-full",
  "Aliases": {"Quantity": 2, "Items": ["img.round.test", "*.round.test"]},
  "DefaultRootObject": "index.html",
  "Origins": {"Quantity": 2, "Items": [
    {"Id": "s3", "DomainName": "site.s3.eu-west-1.amazonaws.com", "OriginPath": "/v1",
     "CustomHeaders": {"Quantity": 1, "Items": [{"HeaderName": "X-Origin", "HeaderValue": "edge"}]},
     "S3OriginConfig": {"OriginAccessIdentity": ""}, "ConnectionAttempts": 2, "ConnectionTimeout": 5,
     "OriginShield": {"Enabled": true, "OriginShieldRegion": "eu-west-1"}, "OriginAccessControlId": ""},
    {"Id": "web", "DomainName": "site.s3-website-eu-west-1.amazonaws.com", "OriginPath": "",
     "CustomHeaders": {"Quantity": 0},
     "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only",
       "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]}, "OriginReadTimeout": 30, "OriginKeepaliveTimeout": 5},
     "ConnectionAttempts": 3, "ConnectionTimeout": 10, "OriginShield": {"Enabled": false}, "OriginAccessControlId": ""}]},
  "OriginGroups": {"Quantity": 0},
  "DefaultCacheBehavior": {"TargetOriginId": "s3",
    "TrustedSigners": {"Enabled": false, "Quantity": 0}, "TrustedKeyGroups": {"Enabled": false, "Quantity": 0},
    "ViewerProtocolPolicy": "redirect-to-https",
    "AllowedMethods": {"Quantity": 3, "Items": ["GET", "HEAD", "OPTIONS"], "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}},
    "SmoothStreaming": false, "Compress": true,
    "LambdaFunctionAssociations": {"Quantity": 0}, "FunctionAssociations": {"Quantity": 0},
    "FieldLevelEncryptionId": "", "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "OriginRequestPolicyId": "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf", "GrpcConfig": {"Enabled": false}},
  "CacheBehaviors": {"Quantity": 1, "Items": [
    {"PathPattern": "/legacy/*", "TargetOriginId": "web",
     "TrustedSigners": {"Enabled": false, "Quantity": 0}, "TrustedKeyGroups": {"Enabled": false, "Quantity": 0},
     "ViewerProtocolPolicy": "allow-all",
     "AllowedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"], "CachedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]}},
     "SmoothStreaming": false, "Compress": false,
     "LambdaFunctionAssociations": {"Quantity": 0}, "FunctionAssociations": {"Quantity": 0}, "FieldLevelEncryptionId": "",
     "GrpcConfig": {"Enabled": false},
     "ForwardedValues": {"QueryString": true, "Cookies": {"Forward": "whitelist", "WhitelistedNames": {"Quantity": 1, "Items": ["session"]}},
       "Headers": {"Quantity": 1, "Items": ["Origin"]}, "QueryStringCacheKeys": {"Quantity": 1, "Items": ["v"]}},
     "MinTTL": 0, "DefaultTTL": 3600, "MaxTTL": 86400}]},
  "CustomErrorResponses": {"Quantity": 2, "Items": [
    {"ErrorCode": 403, "ResponsePagePath": "/index.html", "ResponseCode": "200", "ErrorCachingMinTTL": 10},
    {"ErrorCode": 404, "ResponsePagePath": "/index.html", "ResponseCode": "200", "ErrorCachingMinTTL": 10}]},
  "Comment": "round trip",
  "Logging": {"Enabled": false, "IncludeCookies": false, "Bucket": "", "Prefix": ""},
  "PriceClass": "PriceClass_100",
  "Enabled": true,
  "ViewerCertificate": {"CloudFrontDefaultCertificate": true, "SSLSupportMethod": "vip", "MinimumProtocolVersion": "TLSv1", "CertificateSource": "cloudfront"},
  "Restrictions": {"GeoRestriction": {"RestrictionType": "whitelist", "Quantity": 2, "Items": ["FR", "DE"]}},
  "WebACLId": "",
  "HttpVersion": "http2and3",
  "IsIPV6Enabled": true,
  "Staging": false
}`

// TestDistributionCLIRoundTrip checks that GetDistributionConfig returns
// exactly what was sent plus CloudFront's defaults: a configuration that
// sets every member comes back unchanged, and a minimal one comes back as
// sent with the defaults added.
func TestDistributionCLIRoundTrip(t *testing.T) {
	t.Parallel()
	_, cli := dcStart(t)
	full := dcJSON(t, dcFullConfig)
	out := dcCreate(t, cli, nil, full)
	got := cli.JSON(nil, "cloudfront", "get-distribution-config", "--id", dcStr(out, "Distribution", "Id"))
	if !reflect.DeepEqual(got["DistributionConfig"], full) {
		t.Fatalf("full configuration changed:\n got %s\nwant %s", mustJSON(t, got["DistributionConfig"]), mustJSON(t, full))
	}
	if !reflect.DeepEqual(dcAt(out, "Distribution", "DistributionConfig"), full) {
		t.Fatalf("the create response differs from what was sent")
	}

	minimal := dcConfig("round-trip-minimal")
	out = dcCreate(t, cli, nil, minimal)
	got = cli.JSON(nil, "cloudfront", "get-distribution-config", "--id", dcStr(out, "Distribution", "Id"))
	c := dcObj(got, "DistributionConfig")
	// What was sent is there, unchanged.
	var sub func(path string, sent, back any)
	sub = func(path string, sent, back any) {
		switch s := sent.(type) {
		case map[string]any:
			for k, v := range s {
				sub(path+"."+k, v, dcAt(back, k))
			}
		case []any:
			for i, v := range s {
				sub(fmt.Sprintf("%s[%d]", path, i), v, dcAt(back, i))
			}
		default:
			if fmt.Sprint(sent) != fmt.Sprint(back) {
				t.Errorf("%s: sent %v, got %v", path, sent, back)
			}
		}
	}
	sub("DistributionConfig", dcJSON(t, mustJSON(t, minimal)), c)
	// And the defaults CloudFront adds.
	defaults := map[string]any{
		"Aliases":                                         map[string]any{"Quantity": 0.0},
		"DefaultRootObject":                               "",
		"OriginGroups":                                    map[string]any{"Quantity": 0.0},
		"CacheBehaviors":                                  map[string]any{"Quantity": 0.0},
		"CustomErrorResponses":                            map[string]any{"Quantity": 0.0},
		"PriceClass":                                      "PriceClass_All",
		"HttpVersion":                                     "http2",
		"WebACLId":                                        "",
		"Logging":                                         map[string]any{"Enabled": false, "IncludeCookies": false, "Bucket": "", "Prefix": ""},
		"Restrictions":                                    map[string]any{"GeoRestriction": map[string]any{"RestrictionType": "none", "Quantity": 0.0}},
		"ViewerCertificate":                               map[string]any{"CloudFrontDefaultCertificate": true, "SSLSupportMethod": "vip", "MinimumProtocolVersion": "TLSv1", "CertificateSource": "cloudfront"},
		"Staging":                                         false,
		"IsIPV6Enabled":                                   false,
		"Origins.Items.0.ConnectionAttempts":              3.0,
		"Origins.Items.0.ConnectionTimeout":               10.0,
		"Origins.Items.0.OriginShield":                    map[string]any{"Enabled": false},
		"Origins.Items.0.OriginPath":                      "",
		"Origins.Items.0.CustomHeaders":                   map[string]any{"Quantity": 0.0},
		"Origins.Items.0.OriginAccessControlId":           "",
		"DefaultCacheBehavior.TrustedSigners":             map[string]any{"Enabled": false, "Quantity": 0.0},
		"DefaultCacheBehavior.TrustedKeyGroups":           map[string]any{"Enabled": false, "Quantity": 0.0},
		"DefaultCacheBehavior.AllowedMethods":             map[string]any{"Quantity": 2.0, "Items": []any{"HEAD", "GET"}, "CachedMethods": map[string]any{"Quantity": 2.0, "Items": []any{"HEAD", "GET"}}},
		"DefaultCacheBehavior.SmoothStreaming":            false,
		"DefaultCacheBehavior.Compress":                   false,
		"DefaultCacheBehavior.FieldLevelEncryptionId":     "",
		"DefaultCacheBehavior.LambdaFunctionAssociations": map[string]any{"Quantity": 0.0},
		"DefaultCacheBehavior.FunctionAssociations":       map[string]any{"Quantity": 0.0},
		"DefaultCacheBehavior.GrpcConfig":                 map[string]any{"Enabled": false},
		"DefaultCacheBehavior.MinTTL":                     nil, // a cache policy behaviour has no TTLs
	}
	for path, want := range defaults {
		var keys []any
		for _, k := range strings.Split(path, ".") {
			var i int
			if _, err := fmt.Sscan(k, &i); err == nil {
				keys = append(keys, i)
			} else {
				keys = append(keys, k)
			}
		}
		if got := dcAt(c, keys...); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", path, got, want)
		}
	}
}
