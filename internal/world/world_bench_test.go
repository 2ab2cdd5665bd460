package world_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/world"
)

// exampleBundle reads the bundle the aws CLI exported (internal/bundle's
// testdata).
func exampleBundle(tb testing.TB) *bundle.Bundle {
	b, err := bundle.Read("../bundle/testdata/example")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// largeBundle is the example grown to the doctor's benchmark size: 20
// cache behaviours and a 50-statement bucket policy on "site".
func largeBundle(tb testing.TB) *bundle.Bundle {
	b := exampleBundle(tb).Clone()
	cfg := b.DistributionConfig()
	base := cfg.GetCacheBehaviors().GetItems()[0]
	var items []cloudfront.CacheBehavior
	for i := 0; i < 20; i++ {
		cb := bundle.Copy(base)
		p := fmt.Sprintf("/section%02d/*", i)
		cb.PathPattern = &p
		items = append(items, cb)
	}
	n := int64(len(items))
	cfg.CacheBehaviors = &cloudfront.CacheBehaviors{Quantity: &n, Items: items}
	var stmts []string
	for i := 0; i < 49; i++ {
		stmts = append(stmts, fmt.Sprintf(`{"Sid":"S%02d","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1234567890%02d:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::site/section%02d/*","Condition":{"IpAddress":{"aws:SourceIp":"10.%d.0.0/16"}}}`, i, i, i%20, i))
	}
	old := b.Bucket("site").PolicyText()
	first := old[strings.Index(old, "[")+1 : strings.LastIndex(old, "]")]
	b.Bucket("site").Policy.Policy = `{"Version":"2012-10-17","Statement":[` + first + "," + strings.Join(stmts, ",") + `]}`
	return b
}

func TestLargeBundleBuilds(t *testing.T) {
	w, err := world.Build(context.Background(), largeBundle(t))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if len(w.Skipped) > 0 || w.Distribution == nil || len(w.Distribution.Config.GetCacheBehaviors().GetItems()) != 20 {
		t.Fatalf("skipped %v, distribution %v", w.Skipped, w.Distribution)
	}
}

// BenchmarkBuild measures world.Build + Close (what the doctor pays per
// candidate fix) on the CLI-exported example and on the large bundle.
func BenchmarkBuild(b *testing.B) {
	for _, bc := range []struct {
		name string
		b    *bundle.Bundle
	}{{"example", exampleBundle(b)}, {"20behaviours-50statements", largeBundle(b)}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				w, err := world.Build(ctx, bc.b)
				if err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// manyObjectsBundle is the example with n more objects listed in "pub"
// (a listing as collect bounds it: 1000 keys).
func manyObjectsBundle(tb testing.TB, n int) *bundle.Bundle {
	b := exampleBundle(tb).Clone()
	l := b.Bucket("pub").Objects
	base := l.Contents[0]
	for i := 0; i < n; i++ {
		o := bundle.Copy(base)
		o.Key = fmt.Sprintf("bulk/%05d.html", i)
		o.Size = 2048
		l.Contents = append(l.Contents, o)
	}
	return b
}

func BenchmarkBuildManyObjects(b *testing.B) {
	bb := manyObjectsBundle(b, 1000)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		w, err := world.Build(ctx, bb)
		if err != nil {
			b.Fatal(err)
		}
		w.Close()
	}
}
