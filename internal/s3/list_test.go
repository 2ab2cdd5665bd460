package s3

import (
	"errors"
	"net/url"
	"testing"

	"github.com/edgegate/edgegate/internal/awsapi"
)

func TestParseListParams(t *testing.T) {
	tests := []struct {
		query   string
		v2      bool
		want    listParams
		errCode string
		errMsg  string
	}{
		{query: "", want: listParams{maxKeys: 1000, limit: 1000}},
		{query: "prefix=a/&delimiter=/&max-keys=10&marker=a/b",
			want: listParams{prefix: "a/", delimiter: "/", maxKeys: 10, limit: 10, marker: "a/b"}},
		{query: "max-keys=0", want: listParams{maxKeys: 0, limit: 0}},
		{query: "max-keys=5000", want: listParams{maxKeys: 5000, limit: 1000}},
		{query: "max-keys=2147483647", want: listParams{maxKeys: 2147483647, limit: 1000}},
		{query: "max-keys=-1", errCode: "InvalidArgument", errMsg: "Argument maxKeys must be an integer between 0 and 2147483647"},
		{query: "max-keys=abc", errCode: "InvalidArgument", errMsg: "Provided max-keys not an integer or within integer range"},
		{query: "max-keys=2147483648", errCode: "InvalidArgument", errMsg: "Provided max-keys not an integer or within integer range"},
		{query: "max-keys=", errCode: "InvalidArgument"},
		{query: "encoding-type=url", want: listParams{maxKeys: 1000, limit: 1000, urlEncode: true}},
		{query: "encoding-type=URL", want: listParams{maxKeys: 1000, limit: 1000, urlEncode: true}},
		{query: "encoding-type=base64", errCode: "InvalidArgument", errMsg: "Invalid Encoding Method specified in Request"},
		// v1 ignores v2's parameters and vice versa.
		{query: "start-after=x&continuation-token=!!&fetch-owner=true",
			want: listParams{maxKeys: 1000, limit: 1000}},
		{query: "marker=x&start-after=y&fetch-owner=true", v2: true,
			want: listParams{maxKeys: 1000, limit: 1000, startAfter: "y", fetchOwner: true}},
		{query: "fetch-owner=false", v2: true, want: listParams{maxKeys: 1000, limit: 1000}},
		{query: "continuation-token=" + url.QueryEscape(encodeToken("a/b c")), v2: true,
			want: listParams{maxKeys: 1000, limit: 1000, token: encodeToken("a/b c"), tokenKey: "a/b c"}},
		{query: "continuation-token=!!", v2: true, errCode: "InvalidArgument", errMsg: "The continuation token provided is incorrect"},
		{query: "continuation-token=", v2: true, errCode: "InvalidArgument"},
		{query: "continuation-token=" + url.QueryEscape(encodeToken("\xff")), v2: true, errCode: "InvalidArgument"},
	}
	for _, tt := range tests {
		q, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseListParams(q, tt.v2)
		if tt.errCode != "" {
			var ae *awsapi.Error
			if !errors.As(err, &ae) || ae.Code != tt.errCode || (tt.errMsg != "" && ae.Message != tt.errMsg) {
				t.Errorf("%q (v2=%v): err = %v, want %s %q", tt.query, tt.v2, err, tt.errCode, tt.errMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q (v2=%v): %v", tt.query, tt.v2, err)
			continue
		}
		if *got != tt.want {
			t.Errorf("%q (v2=%v):\n got %+v\nwant %+v", tt.query, tt.v2, *got, tt.want)
		}
	}
}

func TestS3URLEncode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain/key.txt", "plain/key.txt"},
		{"a b.txt", "a+b.txt"},
		{"a+b.txt", "a%2Bb.txt"},
		{"100%.csv", "100%25.csv"},
		{"한글/x.txt", "%ED%95%9C%EA%B8%80/x.txt"},
		{"test_file(3).png", "test_file%283%29.png"},
		{"tilde~dash-under_dot.", "tilde~dash-under_dot."},
		{"ctl\x01\n", "ctl%01%0A"},
		{"q?a=b&c", "q%3Fa%3Db%26c"},
	}
	for _, tt := range tests {
		if got := s3URLEncode(tt.in); got != tt.want {
			t.Errorf("s3URLEncode(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// A form decoder (what botocore uses) gives the key back.
		if dec, err := url.QueryUnescape(s3URLEncode(tt.in)); err != nil || dec != tt.in {
			t.Errorf("QueryUnescape(s3URLEncode(%q)) = %q, %v", tt.in, dec, err)
		}
	}
}

func TestContinuationToken(t *testing.T) {
	for _, k := range []string{"a", "dir/sub dir/ü+%", "\x00x"} {
		got, ok := decodeToken(encodeToken(k))
		if !ok || got != k {
			t.Errorf("round trip of %q: %q %v", k, got, ok)
		}
	}
	for _, bad := range []string{"", "not base64!", encodeToken("")} {
		if _, ok := decodeToken(bad); ok {
			t.Errorf("decodeToken(%q) accepted", bad)
		}
	}
}

func TestParseMaxArg(t *testing.T) {
	for _, tt := range []struct {
		v    string
		want int
		ok   bool
	}{
		{"0", 0, true}, {"1", 1, true}, {" 7 ", 7, true}, {"1000", 1000, true},
		{"-1", 0, false}, {"1.5", 0, false}, {"x", 0, false}, {"99999999999", 0, false},
	} {
		n, err := parseMaxArg(tt.v, "max-uploads", "max-uploads")
		if (err == nil) != tt.ok || n != tt.want {
			t.Errorf("parseMaxArg(%q) = %d, %v", tt.v, n, err)
		}
	}
}
