package s3

import (
	"strings"
	"testing"
)

func TestValidBucketName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"abc", true},
		{"my-bucket", true},
		{"my.bucket.name", true},
		{"a1b2c3", true},
		{"123", true},
		{"docexamplebucket1", true},
		{"log-delivery-march-2020", true},
		{strings.Repeat("a", 63), true},
		{"xn-a", true},        // only xn-- is reserved
		{"sthree", true},      // only sthree- is reserved
		{"a-s3alias-b", true}, // only as a suffix
		{"1.2.3", true},       // three labels: not an IPv4 address
		{"1.2.3.4.5", true},   // five labels
		{"192.168.5.a", true}, // not all digits
		{"bucket--x-s3a", true},

		{"", false},
		{"ab", false},
		{strings.Repeat("a", 64), false},
		{"My-Bucket", false},
		{"my_bucket", false},
		{"my bucket", false},
		{"my/bucket", false},
		{"-bucket", false},
		{"bucket-", false},
		{".bucket", false},
		{"bucket.", false},
		{"my..bucket", false},
		{"192.168.5.4", false},
		{"192.168.05.4", false},
		{"999.1.1.1", false},
		{"xn--bucket", false},
		{"sthree-bucket", false},
		{"sthree-configurator", false},
		{"amzn-s3-demo-bucket", false},
		{"bucket-s3alias", false},
		{"bucket--ol-s3", false},
		{"bucket.mrap", false},
		{"bucket--x-s3", false},
		{"bucket--table-s3", false},
		{"bücket", false},
	}
	for _, tt := range tests {
		if got := validBucketName(tt.name); got != tt.ok {
			t.Errorf("validBucketName(%q) = %v, want %v", tt.name, got, tt.ok)
		}
	}
}

func TestInvalidBucketNameError(t *testing.T) {
	err := invalidBucketName("Bad_Name")
	ae, ok := err.(interface{ Field(string) string })
	if !ok || ae.Field("BucketName") != "Bad_Name" {
		t.Fatalf("error %v does not name the bucket", err)
	}
}
