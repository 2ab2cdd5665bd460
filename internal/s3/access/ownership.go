package access

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// Ownership is a bucket's Object Ownership setting (spec §1.4).
type Ownership string

// The Object Ownership settings.
const (
	// BucketOwnerEnforced: ACLs are disabled and ignored; the bucket owner
	// owns every object. The default for new buckets (since April 2023).
	BucketOwnerEnforced Ownership = "BucketOwnerEnforced"
	// BucketOwnerPreferred: ACLs work; an object written with the
	// bucket-owner-full-control canned ACL is owned by the bucket owner,
	// any other by its writer.
	BucketOwnerPreferred Ownership = "BucketOwnerPreferred"
	// ObjectWriter: ACLs work; the writing account owns the object. It is
	// also how a bucket behaves with no ownership controls at all.
	ObjectWriter Ownership = "ObjectWriter"
)

// ParseOwnership returns the setting named s (exact, case-sensitive as S3
// compares it), or false.
func ParseOwnership(s string) (Ownership, bool) {
	switch o := Ownership(s); o {
	case BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter:
		return o, true
	}
	return "", false
}

// ACLsEnabled reports whether ACLs affect access under o: false only for
// BucketOwnerEnforced.
func (o Ownership) ACLsEnabled() bool { return o != BucketOwnerEnforced }

type xmlOwnershipControls struct {
	XMLName xml.Name
	Rules   []struct {
		ObjectOwnership *string       `xml:"ObjectOwnership"`
		Unknown         []unknownElem `xml:",any"`
	} `xml:"Rule"`
	Unknown []unknownElem `xml:",any"`
}

// ParseOwnershipControls parses PutBucketOwnershipControls' body:
//
//	<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>
//
// Exactly one Rule with a valid ObjectOwnership is accepted; anything
// else (not XML, another root, unknown elements, no rule, several rules, an
// unknown setting) is ErrMalformedXML, as S3 validates the document
// against its schema.
func ParseOwnershipControls(body []byte) (Ownership, error) {
	var c xmlOwnershipControls
	if err := xml.Unmarshal(body, &c); err != nil {
		return "", ErrMalformedXML
	}
	if c.XMLName.Local != "OwnershipControls" || (c.XMLName.Space != "" && c.XMLName.Space != S3Namespace) ||
		len(c.Unknown) > 0 || len(c.Rules) != 1 || len(c.Rules[0].Unknown) > 0 || c.Rules[0].ObjectOwnership == nil {
		return "", ErrMalformedXML
	}
	o, ok := ParseOwnership(strings.TrimSpace(*c.Rules[0].ObjectOwnership))
	if !ok {
		return "", ErrMalformedXML
	}
	return o, nil
}

// MarshalOwnershipControls renders GetBucketOwnershipControls' answer,
// with the XML declaration.
func MarshalOwnershipControls(o Ownership) []byte {
	var b bytes.Buffer
	b.WriteString(xmlDecl)
	b.WriteString(`<OwnershipControls xmlns="` + S3Namespace + `"><Rule>`)
	elem(&b, "ObjectOwnership", string(o))
	b.WriteString("</Rule></OwnershipControls>")
	return b.Bytes()
}
