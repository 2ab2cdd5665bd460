package world_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/testenv"
)

// exportSpec says what to export besides what the distribution names.
type exportSpec struct {
	distributionID string
	account        string
	buckets        []string
	keys           map[string][]string // bucket -> object keys (head-object, get-object-acl)
	kmsKeys        []string
	// endpoint is the server's URL, the CLI's HTTP proxy for S3 Control
	// (whose requests go to ACCOUNT.ENDPOINT-HOST, which does not resolve).
	endpoint string
}

var cliErrRE = regexp.MustCompile(`An error occurred \(([^)]+)\) when calling the \w+ operation(?:[^:]*): ?(.*)`)

// exportBundle runs the aws CLI commands of the bundle layout
// (docs/bundle.md) against env and writes each one's stdout to its file,
// or, when the call fails, {"Error": {"Code", "Message"}} from the CLI's
// error line. It returns the bundle directory.
func exportBundle(t *testing.T, cli *testenv.CLI, spec exportSpec) string {
	t.Helper()
	dir := t.TempDir()
	type job struct {
		path string
		args []string
		env  []string
	}
	var jobs []job
	add := func(path string, args ...string) { jobs = append(jobs, job{path: path, args: args}) }

	// The distribution first: it names the OACs, OAIs and policies.
	run := func(j job) {
		out, errOut, err := cli.Try(j.env, j.args...)
		full := filepath.Join(dir, filepath.FromSlash(j.path))
		if mkErr := os.MkdirAll(filepath.Dir(full), 0o755); mkErr != nil {
			t.Error(mkErr)
			return
		}
		if err != nil {
			m := cliErrRE.FindStringSubmatch(errOut)
			if m == nil {
				t.Errorf("aws %s: %v: %s", strings.Join(j.args, " "), err, errOut)
				return
			}
			doc, _ := json.MarshalIndent(map[string]any{"Error": map[string]string{"Code": m[1], "Message": strings.TrimSpace(m[2])}}, "", "    ")
			out = append(doc, '\n')
		}
		if wErr := os.WriteFile(full, out, 0o644); wErr != nil {
			t.Error(wErr)
		}
	}
	run(job{path: bundle.PathDistribution, args: []string{"cloudfront", "get-distribution", "--id", spec.distributionID}})
	var gd bundle.GetDistribution
	data, err := os.ReadFile(filepath.Join(dir, bundle.PathDistribution))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &gd); err != nil || gd.Distribution == nil {
		t.Fatalf("get-distribution output: %v\n%s", err, data)
	}
	cfg := gd.Distribution.DistributionConfig
	buckets := map[string]bool{}
	for _, b := range spec.buckets {
		buckets[b] = true
	}
	for _, o := range cfg.GetOrigins().GetItems() {
		if id := o.GetOriginAccessControlId(); id != "" {
			add(bundle.OACPath(id), "cloudfront", "get-origin-access-control", "--id", id)
		}
		if ref := o.GetS3OriginConfig().GetOriginAccessIdentity(); ref != "" {
			id := strings.TrimPrefix(ref, "origin-access-identity/cloudfront/")
			add(bundle.OAIPath(id), "cloudfront", "get-cloud-front-origin-access-identity", "--id", id)
		}
		if t := cloudfront.ClassifyOrigin(o.GetDomainName()); t.Kind != cloudfront.OriginCustom {
			buckets[t.Bucket] = true
		}
	}
	behaviors := append([]cloudfront.CacheBehavior{}, cfg.GetCacheBehaviors().GetItems()...)
	if d := cfg.GetDefaultCacheBehavior(); d != nil {
		behaviors = append(behaviors, cloudfront.CacheBehavior{CachePolicyId: d.CachePolicyId, OriginRequestPolicyId: d.OriginRequestPolicyId})
	}
	seen := map[string]bool{}
	for _, b := range behaviors {
		if id := b.GetCachePolicyId(); id != "" && !seen[id] {
			seen[id] = true
			add(bundle.CachePolicyPath(id), "cloudfront", "get-cache-policy", "--id", id)
		}
		if id := b.GetOriginRequestPolicyId(); id != "" && !seen[id] {
			seen[id] = true
			add(bundle.OriginRequestPolicyPath(id), "cloudfront", "get-origin-request-policy", "--id", id)
		}
	}
	add(bundle.PathInvalidations, "cloudfront", "list-invalidations", "--distribution-id", spec.distributionID)
	add(bundle.PathListBuckets, "s3api", "list-buckets")
	jobs = append(jobs, job{path: bundle.PathAccountPublicAccessBlock,
		args: []string{"s3control", "get-public-access-block", "--account-id", spec.account},
		env:  []string{"HTTP_PROXY=" + spec.endpoint, "http_proxy=" + spec.endpoint, "NO_PROXY=", "no_proxy="}})
	add(bundle.PathCallerIdentity, "sts", "get-caller-identity")
	for b := range buckets {
		for _, f := range bundle.BucketFiles {
			op := strings.TrimSuffix(f, ".json")
			args := []string{"s3api", op, "--bucket", b}
			if op == "list-objects-v2" {
				args = append(args, "--fetch-owner")
			}
			add(bundle.BucketPath(b, f), args...)
		}
		for _, k := range spec.keys[b] {
			add(bundle.HeadObjectPath(b, k), "s3api", "head-object", "--bucket", b, "--key", k)
			add(bundle.ObjectACLPath(b, k), "s3api", "get-object-acl", "--bucket", b, "--key", k)
		}
	}
	for _, k := range spec.kmsKeys {
		add(bundle.KMSPath(k, bundle.FileDescribeKey), "kms", "describe-key", "--key-id", k)
		add(bundle.KMSPath(k, bundle.FileGetKeyPolicy), "kms", "get-key-policy", "--key-id", k, "--policy-name", "default")
	}
	// Three CLI processes at a time: the machine is shared.
	sem := make(chan struct{}, 3)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			run(j)
		}()
	}
	wg.Wait()
	return dir
}
