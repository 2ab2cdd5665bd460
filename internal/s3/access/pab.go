package access

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// PublicAccessBlock is a Block Public Access configuration, of a bucket or
// of an account (spec §1.6). The zero value blocks nothing.
type PublicAccessBlock struct {
	// BlockPublicAcls rejects requests that set a public ACL
	// (PutBucketAcl, PutObjectAcl, and PutObject, CopyObject,
	// CreateMultipartUpload, CreateBucket carrying one). Existing ACLs
	// are untouched.
	BlockPublicAcls bool
	// IgnorePublicAcls makes authorization ignore public ACL grants.
	IgnorePublicAcls bool
	// BlockPublicPolicy rejects PutBucketPolicy with a public policy.
	BlockPublicPolicy bool
	// RestrictPublicBuckets limits a bucket with a public policy to AWS
	// service principals and the bucket owner's account.
	RestrictPublicBuckets bool
}

// AllBlocked is the configuration S3 gives every new bucket (since April
// 2023): all four settings on.
var AllBlocked = PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}

// Effective combines the account's and the bucket's configurations as S3
// does, the most restrictive winning: each setting is on if it is on at
// either level. A nil configuration blocks nothing.
func Effective(account, bucket *PublicAccessBlock) PublicAccessBlock {
	var e PublicAccessBlock
	for _, p := range []*PublicAccessBlock{account, bucket} {
		if p == nil {
			continue
		}
		e.BlockPublicAcls = e.BlockPublicAcls || p.BlockPublicAcls
		e.IgnorePublicAcls = e.IgnorePublicAcls || p.IgnorePublicAcls
		e.BlockPublicPolicy = e.BlockPublicPolicy || p.BlockPublicPolicy
		e.RestrictPublicBuckets = e.RestrictPublicBuckets || p.RestrictPublicBuckets
	}
	return e
}

type xmlPAB struct {
	XMLName               xml.Name
	BlockPublicAcls       *string       `xml:"BlockPublicAcls"`
	IgnorePublicAcls      *string       `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     *string       `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets *string       `xml:"RestrictPublicBuckets"`
	Unknown               []unknownElem `xml:",any"`
}

// ParsePublicAccessBlock parses a PublicAccessBlockConfiguration document:
// the body of PutPublicAccessBlock, for a bucket (S3 namespace) or an
// account (S3 Control namespace; both are accepted, and none). A missing
// setting is false. Settings are xsd:booleans: true, false, 1 or 0 (true
// and false in any case). Anything else is ErrMalformedXML.
func ParsePublicAccessBlock(body []byte) (PublicAccessBlock, error) {
	var x xmlPAB
	if err := xml.Unmarshal(body, &x); err != nil {
		return PublicAccessBlock{}, ErrMalformedXML
	}
	ns := x.XMLName.Space
	if x.XMLName.Local != "PublicAccessBlockConfiguration" || (ns != "" && ns != S3Namespace && ns != S3ControlNamespace) ||
		len(x.Unknown) > 0 {
		return PublicAccessBlock{}, ErrMalformedXML
	}
	var p PublicAccessBlock
	for _, f := range []struct {
		v   *string
		dst *bool
	}{
		{x.BlockPublicAcls, &p.BlockPublicAcls},
		{x.IgnorePublicAcls, &p.IgnorePublicAcls},
		{x.BlockPublicPolicy, &p.BlockPublicPolicy},
		{x.RestrictPublicBuckets, &p.RestrictPublicBuckets},
	} {
		if f.v == nil {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(*f.v)) {
		case "true", "1":
			*f.dst = true
		case "false", "0":
		default:
			return PublicAccessBlock{}, ErrMalformedXML
		}
	}
	return p, nil
}

// MarshalPublicAccessBlock renders p as GetPublicAccessBlock answers it,
// with the XML declaration, in the given namespace (S3Namespace for a
// bucket, S3ControlNamespace for an account).
func MarshalPublicAccessBlock(p PublicAccessBlock, namespace string) []byte {
	var b bytes.Buffer
	b.WriteString(xmlDecl)
	b.WriteString(`<PublicAccessBlockConfiguration xmlns="`)
	escape(&b, namespace)
	b.WriteString(`">`)
	elem(&b, "BlockPublicAcls", boolText(p.BlockPublicAcls))
	elem(&b, "IgnorePublicAcls", boolText(p.IgnorePublicAcls))
	elem(&b, "BlockPublicPolicy", boolText(p.BlockPublicPolicy))
	elem(&b, "RestrictPublicBuckets", boolText(p.RestrictPublicBuckets))
	b.WriteString("</PublicAccessBlockConfiguration>")
	return b.Bytes()
}

func boolText(v bool) string {
	if v {
		return "true"
	}
	return "false"
}
