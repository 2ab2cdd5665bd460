package world_test

import (
	"context"
	"testing"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/collect"
)

// TestWorldFromCollect: the same scenario collected by `edgegate doctor
// collect` (internal/collect, the SDK writing the CLI's output and the
// _collect.json manifest) instead of the aws CLI: the bundle reads without
// problems, what the manifest says was not found or refused is Absent or
// Refused (never Missing), and the world decides like the live server.
func TestWorldFromCollect(t *testing.T) {
	sc := setupScenario(t)
	dir := t.TempDir()
	m, err := collect.Collect(context.Background(), collect.Options{
		DistributionID: sc.distID, Out: dir, Endpoint: sc.env.Endpoint, Config: sc.env.Config("test", "test"),
		Paths: []string{"/", "/docs/a.txt", "/nope.html", "/pub/p.txt", "/pub/q.txt", "/pub/w.txt"},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, w := loadExport(t, dir, sc.distID, sc.domain)
	for _, c := range m.Calls {
		if c.Outcome == "ok" {
			continue
		}
		p := bundle.CommandPath(c.Command)
		if p == "" {
			t.Errorf("the reader cannot place call %q", c.Command)
			continue
		}
		if !b.IsAbsent(p) && b.Refused[p].Code == "" {
			t.Errorf("call %q (%s) is neither Absent nor Refused in the bundle", c.Command, c.Outcome)
		}
	}
	if !b.IsAbsent(bundle.BucketPath("site", bundle.FileBucketWebsite)) {
		t.Errorf("no website configuration: not Absent (%v)", b.Absent)
	}
	var targets []s3Target
	for _, k := range []string{"index.html", "docs/a.txt", "nope.html"} {
		targets = append(targets, s3Target{"GET", "site", k}, s3Target{"HEAD", "site", k})
	}
	for _, k := range []string{"pub/p.txt", "pub/q.txt", "pub/w.txt"} {
		targets = append(targets, s3Target{"GET", "pub", k}, s3Target{"HEAD", "pub", k})
	}
	compareWorld(t, sc.env, sc.domain, w, b, targets,
		[]string{"/", "/index.html", "/docs/a.txt", "/nope.html", "/pub/p.txt", "/pub/q.txt", "/pub/nope"})
}
