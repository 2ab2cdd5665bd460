package bundle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead writes the same bytes into every kind of bundle file and reads
// the bundle: Read never fails for a file's content, never panics, and
// every file it could not use is a Problem naming it.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		"", "{}", "null", `{"Error":{"Code":"AccessDenied"}}`, `{"Policy": 5}`, `{"Policy": "{"}`,
		`{"Distribution": {"DistributionConfig": {"Origins": {"Items": [{}]}}}}`,
		`{"Contents": [{"Key": "a", "LastModified": 5}]}`, `{"KeyMetadata": {"CreationDate": "x"}}`,
		`{"OwnershipControls": {"Rules": []}}`, `{"Grants": [{"Grantee": null}]}`, "\xff\xfe",
	} {
		f.Add(seed)
	}
	paths := []string{
		PathDistribution, PathInvalidations, PathListBuckets, PathAccountPublicAccessBlock, PathCallerIdentity,
		OACPath("E1"), OAIPath("E2"), CachePolicyPath("p"), OriginRequestPolicyPath("q"), ManifestName,
		HeadObjectPath("b", "k"), ObjectACLPath("b", "k"), PrefixListingPath("b", "d/"),
		"kms/k/" + FileDescribeKey, "kms/k/" + FileGetKeyPolicy,
	}
	for _, file := range BucketFiles {
		paths = append(paths, BucketPath("b", file))
	}
	f.Fuzz(func(t *testing.T, content string) {
		dir := t.TempDir()
		for _, p := range paths {
			full := filepath.Join(dir, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b, err := Read(dir)
		if err != nil {
			t.Fatalf("Read failed on file content: %v", err)
		}
		for _, p := range b.Problems {
			if p.Path == "" || !strings.HasPrefix(p.Error(), p.Path+": ") {
				t.Errorf("problem without its path: %v", p)
			}
		}
		_ = b.Clone()
		_ = b.ExpectedFiles()
	})
}
