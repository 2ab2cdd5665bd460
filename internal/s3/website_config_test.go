package s3

import (
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// TestParseWebsiteConfiguration checks PutBucketWebsite's validation:
// what is accepted, and the code, status and message of each refusal.
func TestParseWebsiteConfiguration(t *testing.T) {
	const ns = ` xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`
	doc := func(inner string) string {
		return `<WebsiteConfiguration` + ns + `>` + inner + `</WebsiteConfiguration>`
	}
	index := `<IndexDocument><Suffix>index.html</Suffix></IndexDocument>`
	rules := func(rs ...string) string {
		return index + `<RoutingRules><RoutingRule>` + strings.Join(rs, `</RoutingRule><RoutingRule>`) + `</RoutingRule></RoutingRules>`
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = `<Redirect><HostName>example.com</HostName></Redirect>`
	}
	tests := []struct {
		name, body string
		code, msg  string // "" accepts
	}{
		{"index only", doc(index), "", ""},
		{"no namespace", `<WebsiteConfiguration>` + index + `</WebsiteConfiguration>`, "", ""},
		{"index and error document", doc(index + `<ErrorDocument><Key>error.html</Key></ErrorDocument>`), "", ""},
		{"redirect all", doc(`<RedirectAllRequestsTo><HostName>example.com</HostName><Protocol>https</Protocol></RedirectAllRequestsTo>`), "", ""},
		{"routing rules", doc(rules(
			`<Condition><KeyPrefixEquals>docs/</KeyPrefixEquals></Condition><Redirect><ReplaceKeyPrefixWith>documents/</ReplaceKeyPrefixWith></Redirect>`,
			`<Condition><HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition><Redirect><HostName>h</HostName><HttpRedirectCode>302</HttpRedirectCode></Redirect>`,
			`<Redirect><Protocol>https</Protocol></Redirect>`)), "", ""},

		{"not XML", `<WebsiteConfiguration>`, "MalformedXML", ""},
		{"other root", `<Website>` + index + `</Website>`, "MalformedXML", ""},
		{"unknown element", doc(index + `<Foo/>`), "MalformedXML", ""},
		{"index without Suffix", doc(`<IndexDocument></IndexDocument>`), "MalformedXML", ""},
		{"error document without Key", doc(index + `<ErrorDocument></ErrorDocument>`), "MalformedXML", ""},
		{"empty error document Key", doc(index + `<ErrorDocument><Key></Key></ErrorDocument>`), "MalformedXML", ""},
		{"empty RoutingRules", doc(index + `<RoutingRules></RoutingRules>`), "MalformedXML", ""},
		{"rule without Redirect", doc(rules(`<Condition><KeyPrefixEquals>a</KeyPrefixEquals></Condition>`)), "MalformedXML", ""},
		{"empty Redirect", doc(rules(`<Redirect></Redirect>`)), "MalformedXML", ""},
		{"redirect all without HostName", doc(`<RedirectAllRequestsTo><Protocol>http</Protocol></RedirectAllRequestsTo>`), "MalformedXML", ""},
		{"redirect code not a number", doc(rules(`<Redirect><HttpRedirectCode>x</HttpRedirectCode></Redirect>`)), "MalformedXML", ""},

		{"no index, no redirect", doc(``), "InvalidArgument", "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty"},
		{"error document alone", doc(`<ErrorDocument><Key>e.html</Key></ErrorDocument>`), "InvalidArgument", "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty"},
		{"empty Suffix", doc(`<IndexDocument><Suffix></Suffix></IndexDocument>`), "InvalidArgument", "The IndexDocument Suffix is not well formed"},
		{"Suffix with a slash", doc(`<IndexDocument><Suffix>a/index.html</Suffix></IndexDocument>`), "InvalidArgument", "The IndexDocument Suffix is not well formed"},
		{"redirect all with index", doc(`<RedirectAllRequestsTo><HostName>example.com</HostName></RedirectAllRequestsTo>` + index), "InvalidArgument",
			"RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules."},
		{"redirect all with rules", doc(`<RedirectAllRequestsTo><HostName>example.com</HostName></RedirectAllRequestsTo><RoutingRules><RoutingRule><Redirect><HostName>a</HostName></Redirect></RoutingRule></RoutingRules>`),
			"InvalidArgument", "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules."},

		{"redirect all bad protocol", doc(`<RedirectAllRequestsTo><HostName>example.com</HostName><Protocol>ftp</Protocol></RedirectAllRequestsTo>`), "InvalidRequest",
			"Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically."},
		{"rule bad protocol", doc(rules(`<Redirect><Protocol>http2</Protocol></Redirect>`)), "InvalidRequest",
			"Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically."},
		{"empty Condition", doc(rules(`<Condition></Condition><Redirect><HostName>a</HostName></Redirect>`)), "InvalidRequest",
			"Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present."},
		{"both replacements", doc(rules(`<Redirect><ReplaceKeyPrefixWith>a</ReplaceKeyPrefixWith><ReplaceKeyWith>b</ReplaceKeyWith></Redirect>`)), "InvalidRequest",
			"You can only define ReplaceKeyPrefix or ReplaceKey but not both."},
		{"redirect code 300", doc(rules(`<Redirect><HttpRedirectCode>300</HttpRedirectCode></Redirect>`)), "InvalidRequest",
			"The provided HTTP redirect code (300) is not valid. Valid codes are 3XX except 300."},
		{"redirect code 200", doc(rules(`<Redirect><HttpRedirectCode>200</HttpRedirectCode></Redirect>`)), "InvalidRequest",
			"The provided HTTP redirect code (200) is not valid. Valid codes are 3XX except 300."},
		{"error code 302", doc(rules(`<Condition><HttpErrorCodeReturnedEquals>302</HttpErrorCodeReturnedEquals></Condition><Redirect><HostName>a</HostName></Redirect>`)),
			"InvalidRequest", "The provided HTTP error code (302) is not valid. Valid codes are 4XX or 5XX."},
		{"51 rules", doc(rules(many...)), "InvalidRequest", "51 routing rules provided, the number of routing rules in a website configuration is limited to 50."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseWebsiteConfiguration([]byte(tt.body))
			if tt.code == "" {
				if err != nil || c == nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ae *awsapi.Error
			if !errors.As(err, &ae) || ae.Code != tt.code || ae.Status != http.StatusBadRequest || tt.msg != "" && ae.Message != tt.msg {
				t.Fatalf("got %v (%+v), want 400 %s %q", err, ae, tt.code, tt.msg)
			}
		})
	}
}

// TestWebsiteConfigurationRoundTrip: GetBucketWebsite gives back what was
// put, elements present but empty included.
func TestWebsiteConfigurationRoundTrip(t *testing.T) {
	in := `<WebsiteConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IndexDocument><Suffix>index.html</Suffix></IndexDocument>` +
		`<ErrorDocument><Key>error.html</Key></ErrorDocument><RoutingRules><RoutingRule><Condition><KeyPrefixEquals></KeyPrefixEquals>` +
		`<HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition><Redirect><HostName>h.example</HostName>` +
		`<ReplaceKeyPrefixWith></ReplaceKeyPrefixWith></Redirect></RoutingRule></RoutingRules></WebsiteConfiguration>`
	c, err := ParseWebsiteConfiguration([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := xml.Marshal(c.toXML())
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("round trip:\n got %s\nwant %s", out, in)
	}
	ra, _ := ParseWebsiteConfiguration([]byte(`<WebsiteConfiguration><RedirectAllRequestsTo><HostName>x.example</HostName></RedirectAllRequestsTo></WebsiteConfiguration>`))
	out, _ = xml.Marshal(ra.toXML())
	if want := `<WebsiteConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><RedirectAllRequestsTo><HostName>x.example</HostName></RedirectAllRequestsTo></WebsiteConfiguration>`; string(out) != want {
		t.Errorf("redirect all: %s", out)
	}
}

// TestWebsiteRows pins the website operations to their IAM actions and
// the router to them.
func TestWebsiteRows(t *testing.T) {
	for _, tt := range []struct {
		op                   *operation
		name, action, method string
	}{
		{&opGetBucketWebsite, "GetBucketWebsite", "s3:GetBucketWebsite", "GET"},
		{&opPutBucketWebsite, "PutBucketWebsite", "s3:PutBucketWebsite", "PUT"},
		{&opDeleteBucketWebsite, "DeleteBucketWebsite", "s3:DeleteBucketWebsite", "DELETE"},
	} {
		if tt.op.name != tt.name || tt.op.action != tt.action || tt.op.target != targetBucket || tt.op.handle == nil {
			t.Errorf("row %s: %+v", tt.name, *tt.op)
		}
		if !validS3Action(tt.action) {
			t.Errorf("%s is not an S3 action a policy may name", tt.action)
		}
		got, err := selectOperation(tt.method, targetBucket, url.Values{"website": {""}}, http.Header{})
		if err != nil || got != tt.op {
			t.Errorf("%s ?website selects %v, %v", tt.method, got, err)
		}
	}
}
