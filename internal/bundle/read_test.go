package bundle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestReadDirErrors(t *testing.T) {
	if _, err := Read(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Error("Read of a missing directory: no error")
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, []byte("{}"), 0o644)
	if _, err := Read(f); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Read of a file: %v", err)
	}
}

func TestReadEmptyBundle(t *testing.T) {
	b, err := Read(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{PathDistribution, PathInvalidations, PathListBuckets, PathAccountPublicAccessBlock, PathCallerIdentity}
	for _, p := range want {
		if !b.IsMissing(p) {
			t.Errorf("%s not missing; Missing = %v", p, b.Missing)
		}
	}
	if len(b.Problems) != 0 {
		t.Errorf("Problems = %v", b.Problems)
	}
}

// TestReadBadFiles feeds every file of the layout broken in every way: the
// file is recorded as a Problem naming it, the rest of the bundle still
// loads, and nothing panics.
func TestReadBadFiles(t *testing.T) {
	paths := []string{
		PathDistribution, PathInvalidations, PathListBuckets, PathAccountPublicAccessBlock, PathCallerIdentity,
		OACPath("E1"), OAIPath("E2"), CachePolicyPath("p1"), OriginRequestPolicyPath("p2"),
		HeadObjectPath("b", "k"), ObjectACLPath("b", "dir/k"),
		"kms/1234/" + FileDescribeKey, "kms/1234/" + FileGetKeyPolicy,
	}
	for _, f := range BucketFiles {
		paths = append(paths, BucketPath("b", f))
	}
	bad := []struct {
		name, content, want string
	}{
		{"empty", "", "empty file"},
		{"spaces", "  \n", "empty file"},
		{"array", "[1,2]", "not a JSON object"},
		{"text", "An error occurred (AccessDenied)", "not a JSON object"},
		{"truncated", `{"Distribution": {"Id": "E1", "ARN`, "not valid JSON"},
		{"trailing garbage", `{"A": 1} x`, "not valid JSON"},
		{"wrong shape", `{"Distribution": 5, "Policy": 5, "Buckets": 5, "Grants": 5, "Account": 5, "KeyMetadata": 5, "OriginAccessControl": 5, "CloudFrontOriginAccessIdentity": 5, "CachePolicy": 5, "OriginRequestPolicy": 5, "InvalidationList": 5, "PublicAccessBlockConfiguration": 5, "OwnershipControls": 5, "LocationConstraint": 5, "ServerSideEncryptionConfiguration": 5, "Payer": 5, "IndexDocument": 5, "Contents": 5, "ContentLength": "x"}`, "wrong shape"},
		{"error without code", `{"Error": {}}`, "without a Code"},
		{"nul bytes", "{\x00}", "not valid JSON"},
		{"deep nesting", strings.Repeat("[", 20000), "not a JSON object"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			for _, p := range paths {
				files[p] = tc.content
			}
			b, err := Read(writeFiles(t, files))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, p := range b.Problems {
				got[p.Path] = p.Error()
			}
			for _, p := range paths {
				msg, ok := got[p]
				if strings.TrimSpace(tc.content) == "" && emptyListOK(p) {
					// The CLI prints nothing for an empty paginated list.
					if ok {
						t.Errorf("%s: an empty list output is a problem: %s", p, msg)
					}
					continue
				}
				if !ok {
					t.Errorf("%s: no problem recorded", p)
					continue
				}
				if !strings.Contains(msg, tc.want) || !strings.HasPrefix(msg, p+": ") {
					t.Errorf("problem %q, want it to name the file and say %q", msg, tc.want)
				}
				if b.IsMissing(p) != true {
					t.Errorf("%s: IsMissing false for a problem file", p)
				}
			}
			if strings.TrimSpace(tc.content) == "" && (b.Invalidations == nil || b.Bucket("b").Objects == nil) {
				t.Error("an empty list output was not loaded as an empty list")
			}
			if b.Distribution != nil || b.CallerIdentity != nil || b.KMSKeys["1234"].DescribeKey != nil {
				t.Error("a broken file was loaded")
			}
		})
	}
}

func TestReadPoliciesThatDoNotParse(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		BucketPath("b", FileBucketPolicy):             `{"Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\"}]}"}`,
		"kms/k1/" + FileGetKeyPolicy:                  `{"Policy": "not json", "PolicyName": "default"}`,
		BucketPath("ok", FileBucketPolicy):            `{"Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::ok/*\"}]}"}`,
		BucketPath("ok", FileBucketOwnershipControls): `{"OwnershipControls": {"Rules": [{"ObjectOwnership": "Nobody"}]}}`,
	})
	b, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, p := range b.Problems {
		msgs = append(msgs, p.Error())
	}
	joined := strings.Join(msgs, "\n")
	for _, want := range []string{
		BucketPath("b", FileBucketPolicy) + ": the policy document does not parse",
		"kms/k1/" + FileGetKeyPolicy + ": the policy document does not parse",
		BucketPath("ok", FileBucketOwnershipControls) + `: ObjectOwnership "Nobody"`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("problems %q lack %q", joined, want)
		}
	}
	if strings.Contains(joined, BucketPath("ok", FileBucketPolicy)) {
		t.Errorf("a valid policy was reported: %s", joined)
	}
	if b.Bucket("ok").PolicyText() == "" || b.Bucket("b").PolicyText() == "" {
		t.Error("policy text not kept")
	}
}

func TestReadErrorFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		BucketPath("b", FileBucketPolicy):            `{"Error": {"Code": "NoSuchBucketPolicy", "Message": "The bucket policy does not exist"}}`,
		BucketPath("b", FileBucketOwnershipControls): `{"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}`,
		BucketPath("gone", FileBucketACL):            `{"Error": {"Code": "NoSuchBucket"}}`,
	})
	b, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !b.IsAbsent(BucketPath("b", FileBucketPolicy)) || b.IsMissing(BucketPath("b", FileBucketPolicy)) {
		t.Errorf("NoSuchBucketPolicy: Absent=%v", b.Absent)
	}
	if e, ok := b.Refused[BucketPath("b", FileBucketOwnershipControls)]; !ok || e.Code != "AccessDenied" || !b.IsMissing(BucketPath("b", FileBucketOwnershipControls)) {
		t.Errorf("AccessDenied: Refused=%v", b.Refused)
	}
	if !b.Bucket("gone").NoSuchBucket {
		t.Error("NoSuchBucket not noted")
	}
	if !b.IsMissing(BucketPath("b", FileBucketLocation)) {
		t.Errorf("a bucket directory's other files are not Missing: %v", b.Missing)
	}
}

func TestReadObjectKeys(t *testing.T) {
	head := `{"ContentLength": 3, "LastModified": "Sat, 28 Nov 2026 19:40:42 GMT", "ETag": "\"x\""}`
	dir := writeFiles(t, map[string]string{
		HeadObjectPath("b", "a/b c.html"):        head,
		"s3/b/head-object/nested/dir/x%20y.json": head,
		"s3/b/head-object/100%25.json":           head,
		"s3/b/head-object/bad%zz.json":           head,
		"s3/b/head-object/notjson.txt":           head,
	})
	b, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	bk := b.Bucket("b")
	for _, k := range []string{"a/b c.html", "nested/dir/x y", "100%"} {
		h := bk.HeadObjects[k]
		if h == nil {
			t.Errorf("key %q not read; have %v", k, bk.HeadObjects)
			continue
		}
		if h.ContentLength != 3 || h.LastModified.Year() != 2026 {
			t.Errorf("key %q: %+v", k, h)
		}
	}
	if len(b.Problems) != 2 {
		t.Errorf("Problems = %v, want the bad escape and the .txt", b.Problems)
	}
	if got := HeadObjectPath("b", "a/b c.html"); got != "s3/b/head-object/a%2Fb%20c.html.json" {
		t.Errorf("HeadObjectPath = %q", got)
	}
}

func TestTimestamp(t *testing.T) {
	for _, in := range []string{`"2026-11-28T19:40:42.000Z"`, `"2026-11-28T19:40:42+00:00"`, `"2026-11-28T19:40:42.000000+00:00"`, `"Sat, 28 Nov 2026 19:40:42 GMT"`, `1795894842.0`, `"2026-11-28 19:40:42+00:00"`} {
		var ts Timestamp
		if err := ts.UnmarshalJSON([]byte(in)); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if ts.UTC().Format("2006-01-02T15:04:05") != "2026-11-28T19:40:42" {
			t.Errorf("%s: %v", in, ts.Time)
		}
	}
	var ts Timestamp
	if err := ts.UnmarshalJSON([]byte(`"yesterday"`)); err == nil {
		t.Error("bad timestamp accepted")
	}
}

func TestCloneIsDeep(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		BucketPath("b", FileBucketPolicy): `{"Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[]}"}`,
		PathDistribution:                  `{"ETag": "E1", "Distribution": {"Id": "EDFDVBD6EXAMPLE", "LastModifiedTime": "2026-11-28T19:40:42.000Z", "DistributionConfig": {"Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "b.s3.us-east-1.amazonaws.com"}]}}}}`,
	})
	b, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := b.Clone()
	c.Bucket("b").Policy.Policy = "changed"
	*c.DistributionConfig().Origins.Items[0].DomainName = "changed"
	c.Buckets["new"] = NewBucket("new")
	if b.Bucket("b").PolicyText() == "changed" || b.DistributionConfig().Origins.Items[0].GetDomainName() == "changed" || b.Buckets["new"] != nil {
		t.Error("Clone shares memory with the original")
	}
	if !c.Distribution.Distribution.GetLastModifiedTime().Equal(b.Distribution.Distribution.GetLastModifiedTime()) {
		t.Error("time lost in Clone")
	}
}

func TestCommandPath(t *testing.T) {
	for _, tc := range []struct{ cmd, want string }{
		{"aws sts get-caller-identity", PathCallerIdentity},
		{"aws cloudfront get-distribution --id E1", PathDistribution},
		{"aws cloudfront get-origin-access-control --id E2", "cloudfront/get-origin-access-control/E2.json"},
		{"aws cloudfront get-cloud-front-origin-access-identity --id E3", "cloudfront/get-cloud-front-origin-access-identity/E3.json"},
		{"aws cloudfront get-cache-policy --id abc", "cloudfront/get-cache-policy/abc.json"},
		{"aws cloudfront list-invalidations --distribution-id E1 --max-items 1000", PathInvalidations},
		{"aws s3control get-public-access-block --account-id 111122223333", PathAccountPublicAccessBlock},
		{"aws s3api list-buckets", PathListBuckets},
		{"aws s3api get-bucket-website --bucket site", "s3/site/get-bucket-website.json"},
		{"aws s3api list-objects-v2 --bucket site --max-items 1000", "s3/site/list-objects-v2.json"},
		{"aws s3api list-objects-v2 --bucket site --prefix 'docs/a b' --max-items 1000", "s3/site/list-objects-v2/docs%2Fa%20b.json"},
		{"aws s3api head-object --bucket site --key 'it'\\''s/a b.html'", "s3/site/head-object/it%27s%2Fa%20b.html.json"},
		{"aws s3api get-object-acl --bucket site --key index.html", "s3/site/get-object-acl/index.html.json"},
		{"aws kms describe-key --key-id arn:aws:kms:eu-west-1:111122223333:key/1234 --region eu-west-1", "kms/1234/describe-key.json"},
		{"aws kms get-key-policy --key-id 1234 --policy-name default", "kms/1234/get-key-policy.json"},
		{"aws kms describe-key --key-id alias/aws/s3", ""},
		{"aws s3api put-object --bucket x", ""},
		{"rm -rf /", ""},
		{"", ""},
		{"aws s3api head-object --bucket 'unterminated", ""},
	} {
		if got := CommandPath(tc.cmd); got != tc.want {
			t.Errorf("CommandPath(%q) = %q, want %q", tc.cmd, got, tc.want)
		}
	}
}

// TestReadManifest: the collector's manifest says which missing files are
// known absent and which unknown, and that an empty file is an empty answer.
func TestReadManifest(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		ManifestName: `{"version": 1, "calls": [
			{"command": "aws s3api get-bucket-policy --bucket site", "outcome": "not-found", "error_code": "NoSuchBucketPolicy"},
			{"command": "aws s3api get-bucket-acl --bucket site", "outcome": "refused", "error_code": "AccessDenied", "message": "Access Denied"},
			{"command": "aws s3api head-object --bucket site --key 'a b'", "outcome": "error"},
			{"command": "aws s3api get-bucket-location --bucket gone", "outcome": "not-found", "error_code": "NoSuchBucket"},
			{"command": "aws cloudfront list-invalidations --distribution-id E1", "file": "cloudfront/list-invalidations.json", "outcome": "ok"},
			{"command": "aws s3api get-bucket-website --bucket site", "file": "s3/site/get-bucket-website.json", "outcome": "ok"}
		]}`,
		PathInvalidations:                     "",
		BucketPath("site", FileBucketWebsite): "",
	})
	b, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !b.IsAbsent(BucketPath("site", FileBucketPolicy)) || b.IsMissing(BucketPath("site", FileBucketPolicy)) {
		t.Errorf("not-found: Absent %v Missing %v", b.Absent, b.Missing)
	}
	if e := b.Refused[BucketPath("site", FileBucketACL)]; e.Code != "AccessDenied" {
		t.Errorf("refused: %v", b.Refused)
	}
	if e := b.Refused[HeadObjectPath("site", "a b")]; e.Code != "error" || !b.IsMissing(HeadObjectPath("site", "a b")) {
		t.Errorf("error: %v", b.Refused)
	}
	if !b.Bucket("gone").NoSuchBucket {
		t.Error("NoSuchBucket from the manifest not noted")
	}
	if b.Invalidations == nil {
		t.Error("an empty list-invalidations the manifest calls ok was not loaded")
	}
	var probs []string
	for _, p := range b.Problems {
		probs = append(probs, p.Error())
	}
	if len(probs) != 1 || !strings.Contains(probs[0], FileBucketWebsite) {
		// An empty get-bucket-website is an empty answer per the manifest:
		// no problem; the website then has no member, which is loaded.
		if len(probs) != 0 {
			t.Errorf("problems %v", probs)
		}
	}
	for _, m := range b.Missing {
		if m == BucketPath("site", FileBucketPolicy) || m == BucketPath("site", FileBucketACL) {
			t.Errorf("%s both Missing and recorded by the manifest", m)
		}
	}
	bad := writeFiles(t, map[string]string{ManifestName: `{"version": 7}`})
	if b, _ := Read(bad); len(b.Problems) != 1 || b.Problems[0].Path != ManifestName {
		t.Errorf("a manifest of another version: %v", b.Problems)
	}
}

// TestExpectedKeys: the keys a bundle should describe, and how references
// resolve.
func TestExpectedKeys(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		BucketPath("a", FileBucketEncryption):                         `{"ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]}}`,
		BucketPath("b", FileBucketEncryption):                         `{"ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}]}}`,
		"kms/0000aaaa-12ab-34cd-56ef-1234567890ab/" + FileDescribeKey: `{"KeyMetadata": {"AWSAccountId": "111122223333", "KeyId": "0000aaaa-12ab-34cd-56ef-1234567890ab", "Arn": "arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-12ab-34cd-56ef-1234567890ab", "KeyManager": "AWS", "KeyState": "Enabled", "Enabled": true}}`,
		BucketPath("gone", FileBucketLocation):                        `{"Error": {"Code": "NoSuchBucket"}}`,
	})
	b, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if k := b.KMSKey("alias/aws/s3"); k == nil || k.Dir != "0000aaaa-12ab-34cd-56ef-1234567890ab" {
		t.Errorf("alias/aws/s3 resolves to %+v", k)
	}
	want := []string{
		"kms/0000aaaa-12ab-34cd-56ef-1234567890ab/" + FileGetKeyPolicy,
		"kms/1234abcd-12ab-34cd-56ef-1234567890ab/" + FileDescribeKey,
		"kms/1234abcd-12ab-34cd-56ef-1234567890ab/" + FileGetKeyPolicy,
	}
	for _, p := range want {
		if !b.IsMissing(p) {
			t.Errorf("%s not Missing: %v", p, b.Missing)
		}
	}
	for _, m := range b.Missing {
		if strings.HasPrefix(m, "kms/alias") || strings.HasPrefix(m, "s3/gone/") {
			t.Errorf("spurious Missing %s", m)
		}
	}
}

func TestBucketLookup(t *testing.T) {
	cut := &ListObjectsV2{Contents: []Object{{Key: "a.html"}}, NextToken: "x"}
	full := &ListObjectsV2{Contents: []Object{{Key: "docs/b.html"}}}
	bk := NewBucket("b")
	bk.Objects = cut
	bk.PrefixListings["docs/"] = full
	bk.HeadObjects["z.html"] = &HeadObject{}
	for _, tc := range []struct {
		key          string
		found, known bool
	}{
		{"a.html", true, true},       // in the cut main listing
		{"q.html", false, false},     // not there, but the listing was cut
		{"docs/b.html", true, true},  // in the prefix listing
		{"docs/c.html", false, true}, // the prefix listing is complete: does not exist
		{"z.html", false, true},      // headed
	} {
		o, known := bk.Lookup(tc.key)
		if (o != nil) != tc.found || known != tc.known {
			t.Errorf("Lookup(%q) = %v, %v; want found %v, known %v", tc.key, o, known, tc.found, tc.known)
		}
	}
	var none *Bucket
	if o, known := none.Lookup("x"); o != nil || known {
		t.Error("nil bucket knows something")
	}
}
