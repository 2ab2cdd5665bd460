package world

import (
	"encoding/xml"

	"github.com/edgegate/edgegate/internal/bundle"
)

// The bundle's JSON (the aws CLI's) as the XML documents S3's Put
// operations take, so that the S3 service's own parsers validate them.

const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

type aclXML struct {
	XMLName xml.Name   `xml:"AccessControlPolicy"`
	Xmlns   string     `xml:"xmlns,attr"`
	XSI     string     `xml:"xmlns:xsi,attr"`
	Owner   *ownerXML  `xml:"Owner,omitempty"`
	Grants  []grantXML `xml:"AccessControlList>Grant"`
}

type ownerXML struct {
	ID string `xml:"ID"`
}

type grantXML struct {
	Grantee    granteeXML `xml:"Grantee"`
	Permission string     `xml:"Permission"`
}

type granteeXML struct {
	Type         string `xml:"xsi:type,attr"`
	ID           string `xml:"ID,omitempty"`
	EmailAddress string `xml:"EmailAddress,omitempty"`
	URI          string `xml:"URI,omitempty"`
}

// aclDocument returns a as PutBucketAcl/PutObjectAcl's body.
func aclDocument(a *bundle.AccessControlPolicy) ([]byte, error) {
	doc := aclXML{Xmlns: s3NS, XSI: "http://www.w3.org/2001/XMLSchema-instance"}
	if a.Owner != nil {
		doc.Owner = &ownerXML{ID: a.Owner.ID}
	}
	for _, g := range a.Grants {
		if g.Grantee == nil {
			continue
		}
		doc.Grants = append(doc.Grants, grantXML{
			Grantee:    granteeXML{Type: g.Grantee.Type, ID: g.Grantee.ID, EmailAddress: g.Grantee.EmailAddress, URI: g.Grantee.URI},
			Permission: g.Permission,
		})
	}
	return xml.Marshal(doc)
}

type sseConfigXML struct {
	XMLName xml.Name     `xml:"ServerSideEncryptionConfiguration"`
	Xmlns   string       `xml:"xmlns,attr"`
	Rules   []sseRuleXML `xml:"Rule"`
}

type sseRuleXML struct {
	Default *sseDefaultXML `xml:"ApplyServerSideEncryptionByDefault"`
	BK      *bool          `xml:"BucketKeyEnabled,omitempty"`
}

type sseDefaultXML struct {
	SSEAlgorithm   string  `xml:"SSEAlgorithm"`
	KMSMasterKeyID *string `xml:"KMSMasterKeyID,omitempty"`
}

// encryptionDocument returns c as PutBucketEncryption's body.
func encryptionDocument(c *bundle.ServerSideEncryptionConfiguration) ([]byte, error) {
	doc := sseConfigXML{Xmlns: s3NS}
	for _, r := range c.Rules {
		x := sseRuleXML{BK: r.BucketKeyEnabled}
		if d := r.ApplyServerSideEncryptionByDefault; d != nil {
			x.Default = &sseDefaultXML{SSEAlgorithm: d.SSEAlgorithm}
			if d.KMSMasterKeyID != "" {
				k := d.KMSMasterKeyID
				x.Default.KMSMasterKeyID = &k
			}
		}
		doc.Rules = append(doc.Rules, x)
	}
	return xml.Marshal(doc)
}

type redirectAllXML struct {
	HostName string `xml:"HostName"`
	Protocol string `xml:"Protocol,omitempty"`
}

type suffixXML struct {
	Suffix string `xml:"Suffix"`
}

type keyXML struct {
	Key string `xml:"Key"`
}

type conditionXML struct {
	HttpErrorCodeReturnedEquals string `xml:"HttpErrorCodeReturnedEquals,omitempty"`
	KeyPrefixEquals             string `xml:"KeyPrefixEquals,omitempty"`
}

type redirectXML struct {
	HostName             string `xml:"HostName,omitempty"`
	HttpRedirectCode     string `xml:"HttpRedirectCode,omitempty"`
	Protocol             string `xml:"Protocol,omitempty"`
	ReplaceKeyPrefixWith string `xml:"ReplaceKeyPrefixWith,omitempty"`
	ReplaceKeyWith       string `xml:"ReplaceKeyWith,omitempty"`
}

type routingRuleXML struct {
	Condition *conditionXML `xml:"Condition,omitempty"`
	Redirect  redirectXML   `xml:"Redirect"`
}

type websiteXML struct {
	XMLName     xml.Name        `xml:"WebsiteConfiguration"`
	Xmlns       string          `xml:"xmlns,attr"`
	RedirectAll *redirectAllXML `xml:"RedirectAllRequestsTo,omitempty"`
	Index       *suffixXML      `xml:"IndexDocument,omitempty"`
	Error       *keyXML         `xml:"ErrorDocument,omitempty"`
	// Rules is a pointer: encoding/xml writes the parent of an "a>b"
	// path even for an empty slice, and S3 refuses an empty
	// <RoutingRules/> as MalformedXML.
	Rules *routingRulesXML `xml:"RoutingRules,omitempty"`
}

type routingRulesXML struct {
	Rule []routingRuleXML `xml:"RoutingRule"`
}

// websiteDocument returns w as PutBucketWebsite's body.
func websiteDocument(w *bundle.GetBucketWebsite) ([]byte, error) {
	doc := websiteXML{Xmlns: s3NS}
	if r := w.RedirectAllRequestsTo; r != nil {
		doc.RedirectAll = &redirectAllXML{r.HostName, r.Protocol}
	}
	if w.IndexDocument != nil {
		doc.Index = &suffixXML{w.IndexDocument.Suffix}
	}
	if w.ErrorDocument != nil {
		doc.Error = &keyXML{w.ErrorDocument.Key}
	}
	for _, r := range w.RoutingRules {
		var x routingRuleXML
		if c := r.Condition; c != nil {
			x.Condition = &conditionXML{c.HttpErrorCodeReturnedEquals, c.KeyPrefixEquals}
		}
		if d := r.Redirect; d != nil {
			x.Redirect = redirectXML{d.HostName, d.HttpRedirectCode, d.Protocol, d.ReplaceKeyPrefixWith, d.ReplaceKeyWith}
		}
		if doc.Rules == nil {
			doc.Rules = new(routingRulesXML)
		}
		doc.Rules.Rule = append(doc.Rules.Rule, x)
	}
	return xml.Marshal(doc)
}
