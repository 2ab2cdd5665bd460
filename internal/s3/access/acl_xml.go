package access

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// Namespaces of the documents this package reads and writes.
const (
	// S3Namespace is the xmlns of S3 (bucket and object API) documents.
	S3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"
	// S3ControlNamespace is the xmlns of S3 Control documents (the
	// account-level PublicAccessBlockConfiguration).
	S3ControlNamespace = "http://awss3control.amazonaws.com/doc/2018-08-20/"
	// XSINamespace is the namespace of a Grantee's xsi:type attribute.
	XSINamespace = "http://www.w3.org/2001/XMLSchema-instance"
)

const xmlDecl = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// unknownElem catches elements a document type does not have.
type unknownElem struct {
	XMLName xml.Name
}

type xmlPolicy struct {
	XMLName xml.Name
	Owner   *xmlOwner     `xml:"Owner"`
	List    *xmlGrantList `xml:"AccessControlList"`
	Unknown []unknownElem `xml:",any"`
}

type xmlOwner struct {
	ID          *string       `xml:"ID"`
	DisplayName string        `xml:"DisplayName"`
	Unknown     []unknownElem `xml:",any"`
}

type xmlGrantList struct {
	Grants  []xmlGrant    `xml:"Grant"`
	Unknown []unknownElem `xml:",any"`
}

type xmlGrant struct {
	Grantee    *xmlGrantee   `xml:"Grantee"`
	Permission *string       `xml:"Permission"`
	Unknown    []unknownElem `xml:",any"`
}

type xmlGrantee struct {
	Attrs        []xml.Attr    `xml:",any,attr"`
	ID           *string       `xml:"ID"`
	DisplayName  string        `xml:"DisplayName"`
	EmailAddress *string       `xml:"EmailAddress"`
	URI          *string       `xml:"URI"`
	Unknown      []unknownElem `xml:",any"`
}

// xsiType returns the grantee's xsi:type attribute. Clients that forget to
// declare the xsi prefix get it back as the namespace "xsi", which is
// accepted too.
func (g *xmlGrantee) xsiType() (string, bool) {
	for _, a := range g.Attrs {
		if a.Name.Local == "type" && (a.Name.Space == XSINamespace || a.Name.Space == "xsi") {
			return strings.TrimSpace(a.Value), true
		}
	}
	return "", false
}

// ParseACL parses an AccessControlPolicy document (the body of
// PutBucketAcl and PutObjectAcl). Element order is not enforced. Anything
// that is not such a document is ErrMalformedACL: not XML, another root
// element, an unknown element, no Owner or an empty Owner ID, a grant
// without Grantee or Permission, an unknown Permission or xsi:type, a
// CanonicalUser without ID, a Group without URI, an AmazonCustomerByEmail
// without EmailAddress, or more than MaxGrants grants. Grantees are not
// looked up here (Resolve does that).
func ParseACL(body []byte) (ACL, error) {
	var p xmlPolicy
	if err := xml.Unmarshal(body, &p); err != nil {
		return ACL{}, ErrMalformedACL
	}
	if p.XMLName.Local != "AccessControlPolicy" || (p.XMLName.Space != "" && p.XMLName.Space != S3Namespace) ||
		len(p.Unknown) > 0 || p.Owner == nil || len(p.Owner.Unknown) > 0 {
		return ACL{}, ErrMalformedACL
	}
	if p.Owner.ID == nil || strings.TrimSpace(*p.Owner.ID) == "" {
		return ACL{}, ErrMalformedACL
	}
	a := ACL{Owner: Owner{ID: strings.TrimSpace(*p.Owner.ID), DisplayName: p.Owner.DisplayName}, Grants: []Grant{}}
	if p.List == nil {
		return a, nil
	}
	if len(p.List.Unknown) > 0 || len(p.List.Grants) > MaxGrants {
		return ACL{}, ErrMalformedACL
	}
	for _, xg := range p.List.Grants {
		if xg.Grantee == nil || xg.Permission == nil || len(xg.Unknown) > 0 || len(xg.Grantee.Unknown) > 0 {
			return ACL{}, ErrMalformedACL
		}
		perm := Permission(strings.TrimSpace(*xg.Permission))
		if !perm.Valid() {
			return ACL{}, ErrMalformedACL
		}
		typ, ok := xg.Grantee.xsiType()
		if !ok {
			return ACL{}, ErrMalformedACL
		}
		g := Grantee{Type: GranteeType(typ), DisplayName: xg.Grantee.DisplayName}
		var val *string
		switch g.Type {
		case CanonicalUser:
			val = xg.Grantee.ID
		case Group:
			val = xg.Grantee.URI
		case AmazonCustomerByEmail:
			val = xg.Grantee.EmailAddress
		default:
			return ACL{}, ErrMalformedACL
		}
		if val == nil || strings.TrimSpace(*val) == "" {
			return ACL{}, ErrMalformedACL
		}
		v := strings.TrimSpace(*val)
		switch g.Type {
		case CanonicalUser:
			g.ID = v
		case Group:
			g.URI = v
		case AmazonCustomerByEmail:
			g.Email = v
		}
		a.Grants = append(a.Grants, Grant{Grantee: g, Permission: perm})
	}
	return a, nil
}

// MarshalACL renders a as S3 answers GetBucketAcl and GetObjectAcl: an XML
// declaration, then the AccessControlPolicy in the S3 namespace, each
// Grantee declaring xmlns:xsi and its xsi:type, elements in S3's order
// (Owner ID, DisplayName; Grantee ID, DisplayName or URI or
// EmailAddress), DisplayName omitted when empty:
//
//	<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>…</ID><DisplayName>…</DisplayName></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>…</ID><DisplayName>…</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>
func MarshalACL(a ACL) []byte {
	var b bytes.Buffer
	b.WriteString(xmlDecl)
	b.WriteString(`<AccessControlPolicy xmlns="` + S3Namespace + `"><Owner>`)
	elem(&b, "ID", a.Owner.ID)
	if a.Owner.DisplayName != "" {
		elem(&b, "DisplayName", a.Owner.DisplayName)
	}
	b.WriteString("</Owner><AccessControlList>")
	for _, g := range a.Grants {
		b.WriteString(`<Grant><Grantee xmlns:xsi="` + XSINamespace + `" xsi:type="`)
		escape(&b, string(g.Grantee.Type))
		b.WriteString(`">`)
		switch g.Grantee.Type {
		case Group:
			elem(&b, "URI", g.Grantee.URI)
		case AmazonCustomerByEmail:
			elem(&b, "EmailAddress", g.Grantee.Email)
		default:
			elem(&b, "ID", g.Grantee.ID)
			if g.Grantee.DisplayName != "" {
				elem(&b, "DisplayName", g.Grantee.DisplayName)
			}
		}
		b.WriteString("</Grantee>")
		elem(&b, "Permission", string(g.Permission))
		b.WriteString("</Grant>")
	}
	b.WriteString("</AccessControlList></AccessControlPolicy>")
	return b.Bytes()
}

func elem(b *bytes.Buffer, name, value string) {
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	escape(b, value)
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

func escape(b *bytes.Buffer, s string) { _ = xml.EscapeText(b, []byte(s)) }
