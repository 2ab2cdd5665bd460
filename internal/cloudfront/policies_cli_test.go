package cloudfront_test

import (
	"strings"
	"testing"
)

func axCachePolicyConfig(name string, minTTL int, queryStrings ...string) map[string]any {
	qs := map[string]any{"QueryStringBehavior": "none"}
	if len(queryStrings) > 0 {
		qs = map[string]any{"QueryStringBehavior": "whitelist", "QueryStrings": map[string]any{"Quantity": len(queryStrings), "Items": queryStrings}}
	}
	return map[string]any{
		"Name": name, "Comment": "test", "MinTTL": minTTL,
		"ParametersInCacheKeyAndForwardedToOrigin": map[string]any{
			"EnableAcceptEncodingGzip": true, "EnableAcceptEncodingBrotli": true,
			"HeadersConfig":      map[string]any{"HeaderBehavior": "none"},
			"CookiesConfig":      map[string]any{"CookieBehavior": "none"},
			"QueryStringsConfig": qs,
		},
	}
}

func TestCachePolicyCLI(t *testing.T) {
	t.Parallel()
	_, cli := axStart(t)

	// Managed policies: listed for every account, readable, read-only.
	for _, env := range [][]string{nil, axOtherEnv} {
		out := cli.JSON(env, "cloudfront", "list-cache-policies", "--type", "managed")
		var names []string
		items, _ := axGet(out, "CachePolicyList", "Items").([]any)
		for _, it := range items {
			if axStr(it, "Type") != "managed" {
				t.Errorf("type %v", it)
			}
			names = append(names, axStr(it, "CachePolicy", "CachePolicyConfig", "Name"))
		}
		if !strings.Contains(strings.Join(names, ","), "Managed-CachingOptimized,") || len(names) != 7 {
			t.Fatalf("managed policies: %v", names)
		}
	}
	const optimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	out := cli.JSON(nil, "cloudfront", "get-cache-policy", "--id", optimized)
	managedETag := axStr(out, "ETag")
	if cfg := axGet(out, "CachePolicy", "CachePolicyConfig"); axGet(cfg, "MinTTL") != 1.0 || axGet(cfg, "MaxTTL") != 31536000.0 ||
		axGet(cfg, "ParametersInCacheKeyAndForwardedToOrigin", "EnableAcceptEncodingBrotli") != true || managedETag == "" {
		t.Fatalf("CachingOptimized: %v", out)
	}
	axFail(t, cli, nil, "IllegalUpdate", "cloudfront", "update-cache-policy", "--id", optimized, "--if-match", managedETag,
		"--cache-policy-config", axFile(t, cli, "cp.json", axCachePolicyConfig("mine", 0)))
	axFail(t, cli, nil, "IllegalDelete", "cloudfront", "delete-cache-policy", "--id", optimized, "--if-match", managedETag)

	// A custom policy.
	out = cli.JSON(nil, "cloudfront", "create-cache-policy", "--cache-policy-config", axFile(t, cli, "cp.json", axCachePolicyConfig("site", 0, "v")))
	id, etag := axStr(out, "CachePolicy", "Id"), axStr(out, "ETag")
	if cfg := axGet(out, "CachePolicy", "CachePolicyConfig"); axGet(cfg, "DefaultTTL") != 86400.0 || axGet(cfg, "MaxTTL") != 31536000.0 ||
		!strings.HasSuffix(axStr(out, "Location"), "/2020-05-31/cache-policy/"+id) {
		t.Fatalf("create: %v", out)
	}
	axFail(t, cli, nil, "CachePolicyAlreadyExists", "cloudfront", "create-cache-policy", "--cache-policy-config", axFile(t, cli, "cp.json", axCachePolicyConfig("site", 1)))
	axFail(t, cli, nil, "TooManyQueryStringsInCachePolicy", "cloudfront", "create-cache-policy",
		"--cache-policy-config", axFile(t, cli, "cp.json", axCachePolicyConfig("big", 0, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k")))
	bad := axCachePolicyConfig("ttl", 10)
	bad["DefaultTTL"] = 5
	axFail(t, cli, nil, "InvalidArgument", "cloudfront", "create-cache-policy", "--cache-policy-config", axFile(t, cli, "cp.json", bad))
	axFail(t, cli, axOtherEnv, "NoSuchCachePolicy", "cloudfront", "get-cache-policy-config", "--id", id)
	if out := cli.JSON(nil, "cloudfront", "get-cache-policy-config", "--id", id); axStr(out, "ETag") != etag {
		t.Fatalf("get config: %v", out)
	}
	axFail(t, cli, nil, "PreconditionFailed", "cloudfront", "update-cache-policy", "--id", id, "--if-match", "EOLD",
		"--cache-policy-config", axFile(t, cli, "cp.json", axCachePolicyConfig("site", 5)))
	out = cli.JSON(nil, "cloudfront", "update-cache-policy", "--id", id, "--if-match", etag, "--cache-policy-config", axFile(t, cli, "cp.json", axCachePolicyConfig("site", 5)))
	etag2 := axStr(out, "ETag")
	if axGet(out, "CachePolicy", "CachePolicyConfig", "MinTTL") != 5.0 {
		t.Fatalf("update: %v", out)
	}
	out = cli.JSON(nil, "cloudfront", "list-cache-policies", "--type", "custom")
	if items, _ := axGet(out, "CachePolicyList", "Items").([]any); len(items) != 1 || axStr(items[0], "CachePolicy", "Id") != id || axStr(items[0], "Type") != "custom" {
		t.Fatalf("custom list: %v", out)
	}

	// In use by a cache behavior.
	distID, distETag := axCreateDistribution(t, cli, nil, axDistConfig("cp-dist", func(_, b map[string]any) { b["CachePolicyId"] = id }))
	axFail(t, cli, nil, "CachePolicyInUse", "cloudfront", "delete-cache-policy", "--id", id, "--if-match", etag2)
	cli.JSON(nil, "cloudfront", "update-distribution", "--id", distID, "--if-match", distETag,
		"--distribution-config", axFile(t, cli, "dist2.json", axDistConfig("cp-dist", nil)))
	axFail(t, cli, nil, "InvalidIfMatchVersion", "cloudfront", "delete-cache-policy", "--id", id)
	cli.Run(nil, "cloudfront", "delete-cache-policy", "--id", id, "--if-match", etag2)
	axFail(t, cli, nil, "NoSuchCachePolicy", "cloudfront", "get-cache-policy", "--id", id)
}

func TestOriginRequestPolicyCLI(t *testing.T) {
	t.Parallel()
	_, cli := axStart(t)
	const corsS3 = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"
	out := cli.JSON(axOtherEnv, "cloudfront", "get-origin-request-policy", "--id", corsS3)
	if axStr(out, "OriginRequestPolicy", "OriginRequestPolicyConfig", "Name") != "Managed-CORS-S3Origin" ||
		axGet(out, "OriginRequestPolicy", "OriginRequestPolicyConfig", "HeadersConfig", "Headers", "Quantity") != 3.0 {
		t.Fatalf("CORS-S3Origin: %v", out)
	}
	axFail(t, cli, nil, "IllegalDelete", "cloudfront", "delete-origin-request-policy", "--id", corsS3, "--if-match", axStr(out, "ETag"))

	cfg := map[string]any{
		"Name":               "fwd",
		"HeadersConfig":      map[string]any{"HeaderBehavior": "whitelist", "Headers": map[string]any{"Quantity": 1, "Items": []string{"X-Tenant"}}},
		"CookiesConfig":      map[string]any{"CookieBehavior": "none"},
		"QueryStringsConfig": map[string]any{"QueryStringBehavior": "all"},
	}
	out = cli.JSON(nil, "cloudfront", "create-origin-request-policy", "--origin-request-policy-config", axFile(t, cli, "orp.json", cfg))
	id, etag := axStr(out, "OriginRequestPolicy", "Id"), axStr(out, "ETag")
	axFail(t, cli, nil, "OriginRequestPolicyAlreadyExists", "cloudfront", "create-origin-request-policy", "--origin-request-policy-config", axFile(t, cli, "orp.json", cfg))
	out = cli.JSON(nil, "cloudfront", "list-origin-request-policies")
	items, _ := axGet(out, "OriginRequestPolicyList", "Items").([]any)
	if len(items) != 8 || axStr(items[7], "OriginRequestPolicy", "Id") != id {
		t.Fatalf("list: %v", out)
	}
	cfg["QueryStringsConfig"] = map[string]any{"QueryStringBehavior": "none"}
	out = cli.JSON(nil, "cloudfront", "update-origin-request-policy", "--id", id, "--if-match", etag, "--origin-request-policy-config", axFile(t, cli, "orp.json", cfg))
	etag2 := axStr(out, "ETag")
	distID, distETag := axCreateDistribution(t, cli, nil, axDistConfig("orp-dist", func(_, b map[string]any) { b["OriginRequestPolicyId"] = id }))
	axFail(t, cli, nil, "OriginRequestPolicyInUse", "cloudfront", "delete-origin-request-policy", "--id", id, "--if-match", etag2)
	cli.JSON(nil, "cloudfront", "update-distribution", "--id", distID, "--if-match", distETag,
		"--distribution-config", axFile(t, cli, "dist2.json", axDistConfig("orp-dist", nil)))
	cli.Run(nil, "cloudfront", "delete-origin-request-policy", "--id", id, "--if-match", etag2)
	axFail(t, cli, nil, "NoSuchOriginRequestPolicy", "cloudfront", "get-origin-request-policy-config", "--id", id)
}
