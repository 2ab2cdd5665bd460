package doctor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/bundle"
)

// copyTree copies the corpus bundle src to a new temporary directory.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestBadInput: broken bundles give a clear error or a diagnosis whose
// gaps name the broken file, never a panic.
func TestBadInput(t *testing.T) {
	healthy := filepath.Join(corpusDir, "healthy-oac", "bundle")
	write := func(rel, content string) func(dir string) {
		return func(dir string) {
			if err := os.WriteFile(filepath.Join(dir, rel), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	edit := func(rel, old, new string) func(dir string) {
		return func(dir string) {
			p := filepath.Join(dir, rel)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), old) {
				t.Fatalf("%s lacks %q", rel, old)
			}
			if err := os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	truncate := func(rel string) func(dir string) {
		return func(dir string) {
			p := filepath.Join(dir, rel)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data[:len(data)/2], 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	remove := func(rel string) func(dir string) {
		return func(dir string) {
			if err := os.RemoveAll(filepath.Join(dir, rel)); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name   string
		break_ func(dir string)
		// err, when set, is a substring of Diagnose's error (then an
		// ErrBadInput); otherwise gap is a substring of a gap and the
		// findings are not DEFINITE.
		err, gap string
	}{
		{"no distribution", remove("cloudfront/get-distribution.json"), "no usable distribution", ""},
		{"truncated distribution", truncate("cloudfront/get-distribution.json"), "no usable distribution", ""},
		{"distribution not JSON", write("cloudfront/get-distribution.json", "<Distribution/>"), "no usable distribution", ""},
		{"behavior names a missing origin", edit("cloudfront/get-distribution.json", `"TargetOriginId": "s3"`, `"TargetOriginId": "gone"`),
			"gone", ""},
		{"bucket policy not JSON", write("s3/site/get-bucket-policy.json", "Policy: yes"), "", "s3/site/get-bucket-policy.json"},
		{"policy that does not parse", write("s3/site/get-bucket-policy.json", `{"Policy": "{\"Statement\": [{\"Effect\": \"Maybe\"}]}"}`),
			"", "s3/site/get-bucket-policy.json"},
		{"truncated ownership", truncate("s3/site/get-bucket-ownership-controls.json"), "", "get-bucket-ownership-controls.json"},
		{"OAC missing", remove("cloudfront/get-origin-access-control"), "", "cloudfront/get-origin-access-control/"},
		{"empty bucket directory", remove("s3/site"), "", "s3/site/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyTree(t, healthy)
			tt.break_(dir)
			b, err := bundle.Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Diagnose(context.Background(), b, Request{URL: "/index.html"})
			if tt.err != "" {
				if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want ErrBadInput with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(res.Gaps, "\n"), tt.gap) {
				t.Errorf("gaps %v lack %q", res.Gaps, tt.gap)
			}
			for _, f := range res.Findings {
				if f.Certainty == "DEFINITE" {
					t.Errorf("a DEFINITE finding from a broken bundle: %s %s", f.ID, f.Summary)
				}
			}
			if len(res.Findings) == 0 {
				t.Errorf("no finding: a success the bundle cannot vouch for must say so (%d)", res.Status)
			}
		})
	}
	// Not a bundle at all.
	if _, err := bundle.Read(filepath.Join(t.TempDir(), "nothing")); err == nil {
		t.Error("reading a missing directory succeeded")
	}
	if _, err := Diagnose(context.Background(), &bundle.Bundle{}, Request{URL: "/"}); !errors.Is(err, ErrBadInput) {
		t.Errorf("empty bundle: %v", err)
	}
	b, err := bundle.Read(healthy)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"", "index.html", "ftp://x/y", "https://"} {
		if _, err := Diagnose(context.Background(), b, Request{URL: u}); !errors.Is(err, ErrBadInput) {
			t.Errorf("url %q: %v", u, err)
		}
	}
}

// TestPropagation: a failing request of a distribution exported while
// deploying also gets CACHE-PROPAGATION (POSSIBLE); a success does not.
func TestPropagation(t *testing.T) {
	for _, tt := range []struct {
		scenario, path string
		want           bool
	}{{"pol-no-allow", "/index.html", true}, {"healthy-oac", "/index.html", false}} {
		b, err := bundle.Read(filepath.Join(corpusDir, tt.scenario, "bundle"))
		if err != nil {
			t.Fatal(err)
		}
		st := "InProgress"
		b.Distribution.Distribution.Status = &st
		res, err := Diagnose(context.Background(), b, Request{URL: tt.path})
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, f := range res.Findings {
			if f.ID == "CACHE-PROPAGATION" && f.Certainty == "POSSIBLE" {
				got = true
			}
		}
		if got != tt.want {
			t.Errorf("%s: CACHE-PROPAGATION %v, want %v (%v)", tt.scenario, got, tt.want, res.Findings)
		}
	}
}
