package s3

import "testing"

// TestBucketFromHost pins the Host forms that address a bucket
// (virtual-hosted style) and those that are path-style endpoints.
func TestBucketFromHost(t *testing.T) {
	tests := []struct{ host, bucket string }{
		{"127.0.0.1:4566", ""},
		{"localhost:4566", ""},
		{"s3.localhost:4566", ""},
		{"photos.s3.localhost:4566", "photos"},
		{"photos.s3.localhost", "photos"},
		{"my.dotted.bucket.s3.localhost:4566", "my.dotted.bucket"},
		{"photos.s3.amazonaws.com", "photos"},
		{"photos.s3.us-west-2.amazonaws.com", "photos"},
		{"photos.s3-us-west-2.amazonaws.com", "photos"},
		{"my.dotted.bucket.s3.eu-central-1.amazonaws.com", "my.dotted.bucket"},
		{"Photos.S3.AmazonAWS.com", "photos"},
		{"s3.amazonaws.com", ""},
		{"s3.us-east-1.amazonaws.com", ""},
		{"photos.s3-website-us-east-1.amazonaws.com", ""},
		{"photos.s3-website.eu-west-1.amazonaws.com", ""},
		{"sts.amazonaws.com", ""},
		{"example.com", ""},
	}
	for _, tt := range tests {
		if got := bucketFromHost(tt.host); got != tt.bucket {
			t.Errorf("bucketFromHost(%q) = %q, want %q", tt.host, got, tt.bucket)
		}
	}
}

func TestSplitPath(t *testing.T) {
	tests := []struct{ path, bucket, key string }{
		{"/", "", ""},
		{"/b", "b", ""},
		{"/b/", "b", ""},
		{"/b/k", "b", "k"},
		{"/b/dir//k/", "b", "dir//k/"},
		{"/b/../x", "b", "../x"},
		{"/b/a b+c%", "b", "a b+c%"},
	}
	for _, tt := range tests {
		if b, k := splitPath(tt.path); b != tt.bucket || k != tt.key {
			t.Errorf("splitPath(%q) = %q, %q; want %q, %q", tt.path, b, k, tt.bucket, tt.key)
		}
	}
}
