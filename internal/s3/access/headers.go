package access

import (
	"net/http"
	"strings"
)

// grantHeaders are the x-amz-grant-* request headers, in canonical form,
// with the permission each grants, in the order FromHeaders adds them.
var grantHeaders = []struct {
	header string
	perm   Permission
}{
	{"X-Amz-Grant-Read", PermRead},
	{"X-Amz-Grant-Write", PermWrite},
	{"X-Amz-Grant-Read-Acp", PermReadACP},
	{"X-Amz-Grant-Write-Acp", PermWriteACP},
	{"X-Amz-Grant-Full-Control", PermFullControl},
}

// HasACLHeaders reports whether h carries x-amz-acl or any x-amz-grant-*
// header.
func HasACLHeaders(h http.Header) bool {
	if _, ok := h["X-Amz-Acl"]; ok {
		return true
	}
	for _, gh := range grantHeaders {
		if _, ok := h[gh.header]; ok {
			return true
		}
	}
	return false
}

// FromHeaders reads the ACL a request's headers set: x-amz-acl (a canned
// ACL, expanded by Canned for ownerID and bucketOwnerID) or the
// x-amz-grant-read, -write, -read-acp, -write-acp and -full-control
// headers. It returns nil, "", nil when the request has none of them.
// canned is the canned ACL's name when x-amz-acl was used.
//
// A grant header holds comma-separated grantees, each key=value with key
// id (canonical user), uri (group) or emailAddress (keys are
// case-insensitive, values may be double-quoted):
//
//	x-amz-grant-read: id="79a5...", uri="http://acs.amazonaws.com/groups/global/AllUsers"
//
// The resulting ACL holds exactly the grants named (S3 does not add the
// owner's FULL_CONTROL); grantees still need Resolve. Errors are S3's:
// both x-amz-acl and a grant header is 400 InvalidRequest, an unknown
// canned ACL 400 InvalidArgument, an unparsable grant header 400
// InvalidArgument "Argument format not recognized", more than MaxGrants
// grants MalformedACLError.
func FromHeaders(h http.Header, ownerID, bucketOwnerID string, forBucket bool) (acl *ACL, canned string, err error) {
	cv, hasCanned := h["X-Amz-Acl"]
	hasGrants := false
	for _, gh := range grantHeaders {
		if _, ok := h[gh.header]; ok {
			hasGrants = true
			break
		}
	}
	switch {
	case hasCanned && hasGrants:
		return nil, "", ErrCannedAndGrants
	case hasCanned:
		name := strings.TrimSpace(cv[0])
		a, err := Canned(name, ownerID, bucketOwnerID, forBucket)
		if err != nil {
			return nil, "", err
		}
		return &a, name, nil
	case !hasGrants:
		return nil, "", nil
	}
	a := &ACL{Owner: Owner{ID: ownerID}, Grants: []Grant{}}
	for _, gh := range grantHeaders {
		vals, ok := h[gh.header]
		if !ok {
			continue
		}
		v := strings.Join(vals, ",")
		grantees, ok := parseGrantees(v)
		if !ok {
			return nil, "", errGrantFormat(strings.ToLower(gh.header), v)
		}
		for _, g := range grantees {
			a.Grants = append(a.Grants, Grant{Grantee: g, Permission: gh.perm})
		}
	}
	if len(a.Grants) > MaxGrants {
		return nil, "", ErrMalformedACL
	}
	return a, "", nil
}

// parseGrantees parses one grant header's value.
func parseGrantees(v string) ([]Grantee, bool) {
	var out []Grantee
	s := v
	for {
		s = strings.TrimLeft(s, " \t")
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, false
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return nil, false
			}
			val, s = s[1:1+end], s[2+end:]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val, s = strings.TrimSpace(s[:end]), s[end:]
		}
		if val == "" {
			return nil, false
		}
		switch key {
		case "id":
			out = append(out, Grantee{Type: CanonicalUser, ID: val})
		case "uri":
			out = append(out, Grantee{Type: Group, URI: val})
		case "emailaddress":
			out = append(out, Grantee{Type: AmazonCustomerByEmail, Email: val})
		default:
			return nil, false
		}
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return out, true
		}
		if s[0] != ',' {
			return nil, false
		}
		s = s[1:]
	}
}
