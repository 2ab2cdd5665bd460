package bundle

import (
	"reflect"
	"testing"
)

// TestReadExample reads a bundle the aws CLI (v1) wrote against a live
// edgegate (internal/world's TestWorldDecidesLikeTheLiveServer with
// EDGEGATE_UPDATE_BUNDLE=1): the parser on real CLI output.
func TestReadExample(t *testing.T) {
	b, err := Read("testdata/example")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Problems) > 0 || len(b.Missing) > 0 {
		t.Fatalf("Problems %v, Missing %v", b.Problems, b.Missing)
	}
	d := b.Distribution.Distribution
	if d.GetId() == "" || ARNAccount(d.GetARN()) != "000000000000" || b.AccountID() != "000000000000" {
		t.Errorf("distribution %s %s, account %s", d.GetId(), d.GetARN(), b.AccountID())
	}
	cfg := b.DistributionConfig()
	if n := len(cfg.GetOrigins().GetItems()); n != 2 || cfg.GetDefaultRootObject() != "index.html" ||
		len(cfg.GetCacheBehaviors().GetItems()) != 1 || cfg.GetCacheBehaviors().GetItems()[0].GetPathPattern() != "/pub/*" {
		t.Errorf("config: %d origins, root %q, behaviours %+v", n, cfg.GetDefaultRootObject(), cfg.GetCacheBehaviors())
	}
	if d.GetLastModifiedTime().Year() != 2026 {
		t.Errorf("LastModifiedTime %v", d.GetLastModifiedTime())
	}
	oacID := cfg.GetOrigins().GetItems()[0].GetOriginAccessControlId()
	if o := b.OriginAccessControls[oacID]; o == nil || o.OriginAccessControl.OriginAccessControlConfig.GetName() != "site-oac" {
		t.Errorf("OAC %s: %+v", oacID, o)
	}
	if b.CanonicalID() != "729ff9eb9902eabd6e832c161cf57492b2274bd36cdc52146a490b80c7968b27" {
		t.Errorf("canonical id %q", b.CanonicalID())
	}
	site, pub := b.Bucket("site"), b.Bucket("pub")
	if site.Region() != "us-east-1" || site.ObjectOwnership() != "BucketOwnerEnforced" || pub.ObjectOwnership() != "ObjectWriter" {
		t.Errorf("site %s %s, pub %s", site.Region(), site.ObjectOwnership(), pub.ObjectOwnership())
	}
	rule := site.Encryption.ServerSideEncryptionConfiguration.Rules[0]
	k := b.KMSKey(rule.ApplyServerSideEncryptionByDefault.KMSMasterKeyID)
	if rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm != "aws:kms" || k == nil || k.KeyPolicy == nil ||
		k.DescribeKey.KeyMetadata.CreationDate.Year() != 2026 || k.DescribeKey.KeyMetadata.KeyManager != "CUSTOMER" {
		t.Errorf("site encryption %+v, key %+v", rule, k)
	}
	h := site.HeadObjects["docs/a.txt"]
	if h == nil || h.ContentLength != 5 || h.ServerSideEncryption != "aws:kms" || h.SSEKMSKeyId != k.DescribeKey.KeyMetadata.Arn || h.LastModified.Year() != 2026 {
		t.Errorf("head docs/a.txt: %+v", h)
	}
	if site.PolicyText() == "" || pub.PublicAccessBlock == nil || *pub.PublicAccessBlock.PublicAccessBlockConfiguration.BlockPublicPolicy {
		t.Error("site policy or pub's Block Public Access not read")
	}
	if len(pub.Objects.Contents) != 5 || pub.Objects.Contents[0].Owner == nil {
		t.Errorf("pub objects %+v", pub.Objects.Contents)
	}
	for _, p := range []string{HeadObjectPath("site", "nope.html"), BucketPath("site", FileBucketWebsite)} {
		if !b.IsAbsent(p) {
			t.Errorf("%s not Absent: %v", p, b.Absent)
		}
	}
	for _, p := range []string{ObjectACLPath("pub", "pub/w.txt"), HeadObjectPath("pub", "theirs.txt")} {
		if _, ok := b.Refused[p]; !ok || !b.IsMissing(p) {
			t.Errorf("%s not Refused: %v", p, b.Refused)
		}
	}
}

// TestWriteReadRoundTrip writes the example back and reads it again: the
// same content.
func TestWriteReadRoundTrip(t *testing.T) {
	b, err := Read("testdata/example")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := b.Write(dir); err != nil {
		t.Fatal(err)
	}
	b2, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(b2.Problems) > 0 {
		t.Fatalf("problems after Write: %v", b2.Problems)
	}
	b.Dir, b2.Dir = "", ""
	if !reflect.DeepEqual(b, b2) {
		t.Errorf("round trip changed the bundle:\n%+v\n%+v", b, b2)
	}
	c := b.Clone()
	if !reflect.DeepEqual(b, c) {
		t.Error("Clone is not equal to the original")
	}
}
