package originaccess

import (
	"strconv"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/policy"
)

// numbered returns the lines 1..n, each followed by a newline, with the
// replacements applied.
func numbered(n int, repl map[int]string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if r, ok := repl[i]; ok {
			b.WriteString(r)
		} else {
			b.WriteString(strconv.Itoa(i))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// The expected outputs are GNU diff -u's (diff -u --label A --label B).
func TestUnifiedDiff(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want string
	}{
		{"equal", "x\ny\n", "x\ny\n", ""},
		{"both empty", "", "", ""},
		{"from nothing", "", "{\n}\n", "--- A\n+++ B\n@@ -0,0 +1,2 @@\n+{\n+}\n"},
		{"to nothing", "{\n}\n", "", "--- A\n+++ B\n@@ -1,2 +0,0 @@\n-{\n-}\n"},
		{"two hunks", numbered(20, nil), numbered(20, map[int]string{2: "two", 18: "eighteen"}),
			"--- A\n+++ B\n" +
				"@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n" +
				"@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+eighteen\n 19\n 20\n"},
		{"changes 5 unchanged lines apart share a hunk", numbered(20, nil), numbered(20, map[int]string{5: "five", 11: "eleven"}),
			"--- A\n+++ B\n@@ -2,13 +2,13 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n 9\n 10\n-11\n+eleven\n 12\n 13\n 14\n"},
		{"6 unchanged lines apart (2×context) still share a hunk", numbered(20, nil), numbered(20, map[int]string{5: "five", 12: "twelve"}),
			"--- A\n+++ B\n@@ -2,14 +2,14 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n 9\n 10\n 11\n-12\n+twelve\n 13\n 14\n 15\n"},
		{"7 unchanged lines apart do not", numbered(20, nil), numbered(20, map[int]string{5: "five", 13: "x"}),
			"--- A\n+++ B\n" +
				"@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n" +
				"@@ -10,7 +10,7 @@\n 10\n 11\n 12\n-13\n+x\n 14\n 15\n 16\n"},
		{"insertion keeps the line before as the empty side's start", "a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nd\ne\nf\ng\nh\ni\n",
			"--- A\n+++ B\n@@ -6,3 +6,4 @@\n f\n g\n h\n+i\n"},
		{"one-line sides print no count", "x\n", "y\n", "--- A\n+++ B\n@@ -1 +1 @@\n-x\n+y\n"},
		{"no newline at end", "x\ny", "x\nz\n", "--- A\n+++ B\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+z\n"},
	}
	for _, tt := range tests {
		if got := UnifiedDiff("A", "B", []byte(tt.a), []byte(tt.b)); got != tt.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tt.name, got, tt.want)
		}
	}
}

// TestUnifiedDiffPolicy is the diff a grant prints for an extended
// statement: one line out, three in, context around.
func TestUnifiedDiffPolicy(t *testing.T) {
	current := `{"Version":"2008-10-17","Statement":[{"Sid":"AllowCloudFrontServicePrincipal","Effect":"Allow",` +
		`"Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::docs-bucket/*",` +
		`"Condition":{"StringEquals":{"AWS:SourceArn":"` + distB + `"}}}]}`
	res, err := Merge(kindBucket, []byte(current), BucketGrant(oacA, bucket, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	got := UnifiedDiff("bucket policy s3://docs-bucket", "bucket policy s3://docs-bucket (granted)", res.Before, res.After)
	want := `--- bucket policy s3://docs-bucket
+++ bucket policy s3://docs-bucket (granted)
@@ -11,7 +11,10 @@
       "Resource": "arn:aws:s3:::docs-bucket/*",
       "Condition": {
         "StringEquals": {
-          "AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E2OTHEREXAMPLE"
+          "AWS:SourceArn": [
+            "arn:aws:cloudfront::111122223333:distribution/E2OTHEREXAMPLE",
+            "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"
+          ]
         }
       }
     }
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

const kindBucket = policy.BucketPolicy
