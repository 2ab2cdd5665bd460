package s3

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/store"
)

// The bucket website configuration (the ?website subresource of a
// bucket): PutBucketWebsite, GetBucketWebsite and DeleteBucketWebsite,
// each authorized with its own IAM action (DeleteBucketWebsite needs
// s3:DeleteBucketWebsite, as its API reference says). The website
// endpoint that serves the configuration is internal/s3website.
var (
	opGetBucketWebsite = operation{
		name: "GetBucketWebsite", action: "s3:GetBucketWebsite", target: targetBucket,
		handle: (*Service).getBucketWebsite,
	}
	opPutBucketWebsite = operation{
		name: "PutBucketWebsite", action: "s3:PutBucketWebsite", target: targetBucket,
		handle: (*Service).putBucketWebsite,
	}
	opDeleteBucketWebsite = operation{
		name: "DeleteBucketWebsite", action: "s3:DeleteBucketWebsite", target: targetBucket,
		handle: (*Service).deleteBucketWebsite,
	}
)

// attrBucketWebsite is the bucket attribute holding the website
// configuration (JSON of WebsiteConfiguration); absent means none. It
// lives in the bucket record, so it goes with the bucket.
const attrBucketWebsite = "website"

// maxRoutingRules is S3's limit on the routing rules of one website
// configuration (user guide, "Configuring a webpage redirect").
const maxRoutingRules = 50

// WebsiteConfiguration is a bucket's static website configuration as
// PutBucketWebsite accepted it. Either RedirectAllRequestsTo is set and
// nothing else, or IndexDocumentSuffix is (non-empty, without "/"), with
// optionally ErrorDocumentKey and RoutingRules. Optional elements are
// pointers so that GetBucketWebsite gives back exactly what was put.
type WebsiteConfiguration struct {
	RedirectAllRequestsTo *WebsiteRedirectAll  `json:"redirectAll,omitempty"`
	IndexDocumentSuffix   string               `json:"index,omitempty"`
	ErrorDocumentKey      string               `json:"error,omitempty"`
	RoutingRules          []WebsiteRoutingRule `json:"rules,omitempty"`
}

// WebsiteRedirectAll is RedirectAllRequestsTo: every request to the
// website endpoint is answered 301 to HostName (Protocol "http", "https",
// or nil for the request's own protocol).
type WebsiteRedirectAll struct {
	HostName string  `json:"host"`
	Protocol *string `json:"protocol,omitempty"`
}

// WebsiteRoutingRule is one RoutingRule: when Condition holds (nil: for
// every request), the request is redirected as Redirect says.
type WebsiteRoutingRule struct {
	Condition *WebsiteCondition `json:"condition,omitempty"`
	Redirect  WebsiteRedirect   `json:"redirect"`
}

// WebsiteCondition is a routing rule's Condition: at least one of its
// fields is set; when both are, both must hold.
type WebsiteCondition struct {
	// KeyPrefixEquals holds when the requested key starts with it.
	KeyPrefixEquals *string `json:"prefix,omitempty"`
	// HTTPErrorCodeReturnedEquals (400-599) holds when the request's
	// answer would be that error.
	HTTPErrorCodeReturnedEquals *string `json:"errorCode,omitempty"`
}

// WebsiteRedirect is a routing rule's Redirect: at least one field is
// set, and not both ReplaceKeyPrefixWith and ReplaceKeyWith.
type WebsiteRedirect struct {
	HostName             *string `json:"host,omitempty"`
	HTTPRedirectCode     *string `json:"code,omitempty"` // 301-399 except 300; nil: 301
	Protocol             *string `json:"protocol,omitempty"`
	ReplaceKeyPrefixWith *string `json:"replacePrefix,omitempty"`
	ReplaceKeyWith       *string `json:"replaceKey,omitempty"`
}

// The WebsiteConfiguration document (request and response), in the
// element order of GetBucketWebsite's answer.
type websiteConfigurationXML struct {
	XMLName               xml.Name          `xml:"WebsiteConfiguration"`
	Xmlns                 string            `xml:"xmlns,attr,omitempty"`
	RedirectAllRequestsTo *redirectAllXML   `xml:"RedirectAllRequestsTo"`
	IndexDocument         *indexDocumentXML `xml:"IndexDocument"`
	ErrorDocument         *errorDocumentXML `xml:"ErrorDocument"`
	RoutingRules          *routingRulesXML  `xml:"RoutingRules"`
	Other                 []anyElem         `xml:",any"`
}

type redirectAllXML struct {
	HostName *string   `xml:"HostName"`
	Protocol *string   `xml:"Protocol"`
	Other    []anyElem `xml:",any"`
}

type indexDocumentXML struct {
	Suffix *string   `xml:"Suffix"`
	Other  []anyElem `xml:",any"`
}

type errorDocumentXML struct {
	Key   *string   `xml:"Key"`
	Other []anyElem `xml:",any"`
}

type routingRulesXML struct {
	Rules []routingRuleXML `xml:"RoutingRule"`
	Other []anyElem        `xml:",any"`
}

type routingRuleXML struct {
	Condition *conditionXML `xml:"Condition"`
	Redirect  *redirectXML  `xml:"Redirect"`
	Other     []anyElem     `xml:",any"`
}

type conditionXML struct {
	KeyPrefixEquals             *string   `xml:"KeyPrefixEquals"`
	HTTPErrorCodeReturnedEquals *string   `xml:"HttpErrorCodeReturnedEquals"`
	Other                       []anyElem `xml:",any"`
}

type redirectXML struct {
	HostName             *string   `xml:"HostName"`
	HTTPRedirectCode     *string   `xml:"HttpRedirectCode"`
	Protocol             *string   `xml:"Protocol"`
	ReplaceKeyPrefixWith *string   `xml:"ReplaceKeyPrefixWith"`
	ReplaceKeyWith       *string   `xml:"ReplaceKeyWith"`
	Other                []anyElem `xml:",any"`
}

// S3's website configuration errors. The messages are S3's as reported by
// S3-compatible implementations tested against it (LocalStack snapshots,
// Ceph's s3-tests, Scality); UNCONFIRMED from a primary source.
var (
	errNoSuchWebsiteConfiguration = awsapi.New(http.StatusNotFound, "NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration")
	errWebsiteInvalidProtocol     = errInvalidRequest.WithMessage("Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.")
)

// ParseWebsiteConfiguration parses and checks a PutBucketWebsite body,
// in S3's order:
//
//   - not a WebsiteConfiguration document, an unknown element, an element
//     missing that the schema requires (RedirectAllRequestsTo.HostName,
//     IndexDocument.Suffix, ErrorDocument.Key, RoutingRule.Redirect), an
//     empty RoutingRules, a Redirect without children, or a code that is
//     not a number: 400 MalformedXML;
//   - RedirectAllRequestsTo with any other element: 400 InvalidArgument
//     "RedirectAllRequestsTo cannot be provided in conjunction with other
//     Routing Rules." (ArgumentName RedirectAllRequestsTo);
//   - a Protocol other than http or https: 400 InvalidRequest;
//   - neither RedirectAllRequestsTo nor IndexDocument: 400
//     InvalidArgument "A value for IndexDocument Suffix must be provided
//     if RedirectAllRequestsTo is empty";
//   - an empty Suffix, or one containing "/": 400 InvalidArgument "The
//     IndexDocument Suffix is not well formed";
//   - more than 50 routing rules, an empty Condition, both
//     ReplaceKeyPrefixWith and ReplaceKeyWith, an HttpRedirectCode other
//     than 301-399 or an HttpErrorCodeReturnedEquals other than 400-599:
//     400 InvalidRequest.
//
// Messages are S3's as S3-compatible implementations report them;
// UNCONFIRMED from a primary source, as is the empty-HostName message.
func ParseWebsiteConfiguration(body []byte) (*WebsiteConfiguration, error) {
	var doc websiteConfigurationXML
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, errMalformedXML
	}
	if doc.XMLName.Space != "" && doc.XMLName.Space != s3Namespace || len(doc.Other) > 0 {
		return nil, errMalformedXML
	}
	if ra := doc.RedirectAllRequestsTo; ra != nil {
		if doc.IndexDocument != nil || doc.ErrorDocument != nil || doc.RoutingRules != nil {
			return nil, errInvalidArgument.WithMessage("RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.").
				With("ArgumentName", "RedirectAllRequestsTo").With("ArgumentValue", "not null")
		}
		if ra.HostName == nil || len(ra.Other) > 0 {
			return nil, errMalformedXML
		}
		if strings.TrimSpace(*ra.HostName) == "" {
			return nil, errInvalidRequest.WithMessage(`A host name must be provided to redirect all requests (e.g. "example.com").`)
		}
		if ra.Protocol != nil && !validWebsiteProtocol(*ra.Protocol) {
			return nil, errWebsiteInvalidProtocol
		}
		return &WebsiteConfiguration{RedirectAllRequestsTo: &WebsiteRedirectAll{HostName: *ra.HostName, Protocol: ra.Protocol}}, nil
	}
	if doc.IndexDocument == nil {
		return nil, errInvalidArgument.WithMessage("A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty").
			With("ArgumentName", "IndexDocument").With("ArgumentValue", "null")
	}
	if doc.IndexDocument.Suffix == nil || len(doc.IndexDocument.Other) > 0 {
		return nil, errMalformedXML
	}
	suffix := *doc.IndexDocument.Suffix
	if suffix == "" || strings.Contains(suffix, "/") {
		e := errInvalidArgument.WithMessage("The IndexDocument Suffix is not well formed").With("ArgumentName", "IndexDocument")
		if suffix != "" {
			e = e.With("ArgumentValue", suffix)
		}
		return nil, e
	}
	cfg := &WebsiteConfiguration{IndexDocumentSuffix: suffix}
	if ed := doc.ErrorDocument; ed != nil {
		if ed.Key == nil || *ed.Key == "" || len(ed.Other) > 0 {
			return nil, errMalformedXML
		}
		cfg.ErrorDocumentKey = *ed.Key
	}
	if rr := doc.RoutingRules; rr != nil {
		if len(rr.Rules) == 0 || len(rr.Other) > 0 {
			return nil, errMalformedXML
		}
		if len(rr.Rules) > maxRoutingRules {
			return nil, errInvalidRequest.WithMessage(strconv.Itoa(len(rr.Rules)) +
				" routing rules provided, the number of routing rules in a website configuration is limited to 50.")
		}
		for _, x := range rr.Rules {
			rule, err := parseRoutingRule(x)
			if err != nil {
				return nil, err
			}
			cfg.RoutingRules = append(cfg.RoutingRules, rule)
		}
	}
	return cfg, nil
}

// parseRoutingRule checks one RoutingRule (see ParseWebsiteConfiguration).
func parseRoutingRule(x routingRuleXML) (WebsiteRoutingRule, error) {
	var rule WebsiteRoutingRule
	if x.Redirect == nil || len(x.Other) > 0 {
		return rule, errMalformedXML
	}
	if c := x.Condition; c != nil {
		if len(c.Other) > 0 {
			return rule, errMalformedXML
		}
		if c.KeyPrefixEquals == nil && c.HTTPErrorCodeReturnedEquals == nil {
			return rule, errInvalidRequest.WithMessage("Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present.")
		}
		if v := c.HTTPErrorCodeReturnedEquals; v != nil {
			code, err := strconv.Atoi(strings.TrimSpace(*v))
			if err != nil {
				return rule, errMalformedXML
			}
			if code < 400 || code > 599 {
				return rule, errInvalidRequest.WithMessage("The provided HTTP error code (" + strconv.Itoa(code) + ") is not valid. Valid codes are 4XX or 5XX.")
			}
		}
		rule.Condition = &WebsiteCondition{KeyPrefixEquals: c.KeyPrefixEquals, HTTPErrorCodeReturnedEquals: c.HTTPErrorCodeReturnedEquals}
	}
	r := x.Redirect
	if len(r.Other) > 0 || r.HostName == nil && r.HTTPRedirectCode == nil && r.Protocol == nil && r.ReplaceKeyPrefixWith == nil && r.ReplaceKeyWith == nil {
		return rule, errMalformedXML
	}
	if r.ReplaceKeyPrefixWith != nil && r.ReplaceKeyWith != nil {
		return rule, errInvalidRequest.WithMessage("You can only define ReplaceKeyPrefix or ReplaceKey but not both.")
	}
	if r.Protocol != nil && !validWebsiteProtocol(*r.Protocol) {
		return rule, errWebsiteInvalidProtocol
	}
	if v := r.HTTPRedirectCode; v != nil {
		code, err := strconv.Atoi(strings.TrimSpace(*v))
		if err != nil {
			return rule, errMalformedXML
		}
		if code <= 300 || code > 399 {
			return rule, errInvalidRequest.WithMessage("The provided HTTP redirect code (" + strconv.Itoa(code) + ") is not valid. Valid codes are 3XX except 300.")
		}
	}
	rule.Redirect = WebsiteRedirect{HostName: r.HostName, HTTPRedirectCode: r.HTTPRedirectCode, Protocol: r.Protocol,
		ReplaceKeyPrefixWith: r.ReplaceKeyPrefixWith, ReplaceKeyWith: r.ReplaceKeyWith}
	return rule, nil
}

func validWebsiteProtocol(p string) bool { return p == "http" || p == "https" }

// Document returns c as the WebsiteConfiguration XML document that
// GetBucketWebsite answers and PutBucketWebsite accepts.
func (c *WebsiteConfiguration) Document() ([]byte, error) { return xml.Marshal(c.toXML()) }

// toXML is the GetBucketWebsite document of c.
func (c *WebsiteConfiguration) toXML() *websiteConfigurationXML {
	out := &websiteConfigurationXML{Xmlns: s3Namespace}
	if ra := c.RedirectAllRequestsTo; ra != nil {
		host := ra.HostName
		out.RedirectAllRequestsTo = &redirectAllXML{HostName: &host, Protocol: ra.Protocol}
		return out
	}
	suffix := c.IndexDocumentSuffix
	out.IndexDocument = &indexDocumentXML{Suffix: &suffix}
	if c.ErrorDocumentKey != "" {
		key := c.ErrorDocumentKey
		out.ErrorDocument = &errorDocumentXML{Key: &key}
	}
	if len(c.RoutingRules) > 0 {
		out.RoutingRules = &routingRulesXML{}
		for _, r := range c.RoutingRules {
			x := routingRuleXML{Redirect: &redirectXML{HostName: r.Redirect.HostName, HTTPRedirectCode: r.Redirect.HTTPRedirectCode,
				Protocol: r.Redirect.Protocol, ReplaceKeyPrefixWith: r.Redirect.ReplaceKeyPrefixWith, ReplaceKeyWith: r.Redirect.ReplaceKeyWith}}
			if c := r.Condition; c != nil {
				x.Condition = &conditionXML{KeyPrefixEquals: c.KeyPrefixEquals, HTTPErrorCodeReturnedEquals: c.HTTPErrorCodeReturnedEquals}
			}
			out.RoutingRules.Rules = append(out.RoutingRules.Rules, x)
		}
	}
	return out
}

// bucketWebsite returns bkt's website configuration, nil when it has none
// (or the record is unreadable, which PutBucketWebsite never writes).
func bucketWebsite(bkt *store.Bucket) *WebsiteConfiguration {
	raw, ok := bkt.Attrs[attrBucketWebsite]
	if !ok || len(raw) == 0 {
		return nil
	}
	var c WebsiteConfiguration
	if json.Unmarshal(raw, &c) != nil {
		return nil
	}
	return &c
}

// getBucketWebsite answers GetBucketWebsite: the configuration, or 404
// NoSuchWebsiteConfiguration for a bucket without one.
func (s *Service) getBucketWebsite(w http.ResponseWriter, r *http.Request, q *request) error {
	c := bucketWebsite(q.bkt)
	if c == nil {
		return errNoSuchWebsiteConfiguration.With("BucketName", q.bucket)
	}
	writeXML(w, http.StatusOK, c.toXML())
	return nil
}

// putBucketWebsite answers PutBucketWebsite (200, empty body): the
// configuration replaces the bucket's. The body must carry Content-MD5 or
// an x-amz-checksum-* (400 InvalidRequest otherwise), as the API model
// requires.
func (s *Service) putBucketWebsite(w http.ResponseWriter, r *http.Request, q *request) error {
	body, err := readVerifiedBody(r, q, maxConfigBody, true)
	if err != nil {
		return err
	}
	c, err := ParseWebsiteConfiguration(body)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := s.putBucketAttr(r.Context(), q.bucket, attrBucketWebsite, raw); err != nil {
		return s.storeError(q, err)
	}
	writeEmpty(w, http.StatusOK)
	return nil
}

// deleteBucketWebsite answers DeleteBucketWebsite: 204, whether or not the
// bucket had a website configuration.
func (s *Service) deleteBucketWebsite(w http.ResponseWriter, r *http.Request, q *request) error {
	if err := s.putBucketAttr(r.Context(), q.bucket, attrBucketWebsite, nil); err != nil {
		return s.storeError(q, err)
	}
	writeEmpty(w, http.StatusNoContent)
	return nil
}

// Website returns what the website endpoint needs of bucket: its website
// configuration and its Region. A missing bucket is 404 NoSuchBucket, a
// bucket without a website configuration 404 NoSuchWebsiteConfiguration,
// each naming the bucket (BucketName); store failures are 500
// InternalError. It makes no authorization decision: the website endpoint
// is anonymous and answers these for any bucket.
func (s *Service) Website(ctx context.Context, bucket string) (*WebsiteConfiguration, string, *awsapi.Error) {
	bs, err := s.loadBucket(ctx, bucket)
	switch {
	case errors.Is(err, store.ErrNoSuchBucket):
		return nil, "", noSuchBucket(bucket)
	case err != nil:
		return nil, "", errInternal
	}
	c := bucketWebsite(bs.rec)
	if c == nil {
		return nil, bs.rec.Region, errNoSuchWebsiteConfiguration.With("BucketName", bucket)
	}
	return c, bs.rec.Region, nil
}
