package world

import (
	"encoding/xml"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/s3"
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

// websiteDocument returns w as PutBucketWebsite's body, written by S3's
// own encoder.
func websiteDocument(w *bundle.GetBucketWebsite) ([]byte, error) {
	var c s3.WebsiteConfiguration
	if r := w.RedirectAllRequestsTo; r != nil {
		c.RedirectAllRequestsTo = &s3.WebsiteRedirectAll{HostName: r.HostName, Protocol: optional(r.Protocol)}
	}
	if w.IndexDocument != nil {
		c.IndexDocumentSuffix = w.IndexDocument.Suffix
	}
	if w.ErrorDocument != nil {
		c.ErrorDocumentKey = w.ErrorDocument.Key
	}
	for _, r := range w.RoutingRules {
		var x s3.WebsiteRoutingRule
		if d := r.Condition; d != nil {
			x.Condition = &s3.WebsiteCondition{KeyPrefixEquals: optional(d.KeyPrefixEquals),
				HTTPErrorCodeReturnedEquals: optional(d.HttpErrorCodeReturnedEquals)}
		}
		if d := r.Redirect; d != nil {
			x.Redirect = s3.WebsiteRedirect{HostName: optional(d.HostName), HTTPRedirectCode: optional(d.HttpRedirectCode),
				Protocol: optional(d.Protocol), ReplaceKeyPrefixWith: optional(d.ReplaceKeyPrefixWith), ReplaceKeyWith: optional(d.ReplaceKeyWith)}
		}
		c.RoutingRules = append(c.RoutingRules, x)
	}
	return c.Document()
}

// optional is nil for "" (an element the export did not have).
func optional(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}
