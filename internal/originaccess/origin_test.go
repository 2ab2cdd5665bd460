package originaccess

import "testing"

func TestParseDistributionARN(t *testing.T) {
	tests := []struct {
		arn, account, id string
		ok               bool
	}{
		{"arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE", "111122223333", "EDFDVBD6EXAMPLE", true},
		{"arn:aws:cloudfront::111122223333:origin-access-control/E1", "", "", false},
		{"arn:aws:cloudfront:us-east-1:111122223333:distribution/E1", "", "", false},
		{"arn:aws:cloudfront::1111:distribution/E1", "", "", false},
		{"arn:aws:cloudfront::111122223333:distribution/", "", "", false},
		{"arn:aws:s3:::bucket", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		account, id, err := ParseDistributionARN(tt.arn)
		if (err == nil) != tt.ok || account != tt.account || id != tt.id {
			t.Errorf("ParseDistributionARN(%q) = %q, %q, %v", tt.arn, account, id, err)
		}
	}
	if got := DistributionARN("111122223333", "E1"); got != "arn:aws:cloudfront::111122223333:distribution/E1" {
		t.Errorf("DistributionARN = %q", got)
	}
}

func TestParseOAIPath(t *testing.T) {
	tests := []struct {
		in, id string
		ok     bool
	}{
		{"origin-access-identity/cloudfront/E2QWRUHAPOMQZL", "E2QWRUHAPOMQZL", true},
		{"", "", false},
		{"origin-access-identity/cloudfront/", "", false},
		{"origin-access-identity/cloudfront/E1/x", "", false},
		{"E2QWRUHAPOMQZL", "", false},
	}
	for _, tt := range tests {
		id, ok := ParseOAIPath(tt.in)
		if id != tt.id || ok != tt.ok {
			t.Errorf("ParseOAIPath(%q) = %q, %v", tt.in, id, ok)
		}
	}
	if got := OAIARN("E1"); got != "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1" {
		t.Errorf("OAIARN = %q", got)
	}
}
