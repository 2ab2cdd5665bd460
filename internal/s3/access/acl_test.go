package access

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/awsapi"
)

const (
	ownerID  = "aaaa"
	bucketID = "bbbb"
	otherID  = "cccc"
)

func code(err error) string {
	var ae *awsapi.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	if err != nil {
		return "?" + err.Error()
	}
	return ""
}

func u(id string, p Permission) Grant  { return userGrant(id, p) }
func g(uri string, p Permission) Grant { return groupGrant(uri, p) }

func TestCanned(t *testing.T) {
	fc := u(ownerID, PermFullControl)
	exec := u(ExecReadID, PermRead)
	exec.Grantee.DisplayName = ExecReadDisplayName
	tests := []struct {
		name      string
		bucketOwn string
		forBucket bool
		want      []Grant
		wantErr   string
	}{
		{name: "private", bucketOwn: bucketID, want: []Grant{fc}},
		{name: "public-read", bucketOwn: bucketID, want: []Grant{fc, g(AllUsers, PermRead)}},
		{name: "public-read-write", bucketOwn: bucketID, want: []Grant{fc, g(AllUsers, PermRead), g(AllUsers, PermWrite)}},
		{name: "aws-exec-read", bucketOwn: bucketID, want: []Grant{fc, exec}},
		{name: "authenticated-read", bucketOwn: bucketID, want: []Grant{fc, g(AuthenticatedUsers, PermRead)}},
		{name: "bucket-owner-read", bucketOwn: bucketID, want: []Grant{fc, u(bucketID, PermRead)}},
		{name: "bucket-owner-read", bucketOwn: ownerID, want: []Grant{fc}},
		{name: "bucket-owner-read", bucketOwn: bucketID, forBucket: true, want: []Grant{fc}},
		{name: "bucket-owner-full-control", bucketOwn: bucketID, want: []Grant{fc, u(bucketID, PermFullControl)}},
		{name: "bucket-owner-full-control", bucketOwn: ownerID, want: []Grant{fc}},
		{name: "bucket-owner-full-control", bucketOwn: bucketID, forBucket: true, want: []Grant{fc}},
		{name: "log-delivery-write", bucketOwn: bucketID, forBucket: true, want: []Grant{fc, g(LogDelivery, PermWrite), g(LogDelivery, PermReadACP)}},
		{name: "public", bucketOwn: bucketID, wantErr: "InvalidArgument"},
		{name: "Private", bucketOwn: bucketID, wantErr: "InvalidArgument"},
		{name: "", bucketOwn: bucketID, wantErr: "InvalidArgument"},
	}
	for _, tt := range tests {
		a, err := Canned(tt.name, ownerID, tt.bucketOwn, tt.forBucket)
		if tt.wantErr != "" {
			if code(err) != tt.wantErr {
				t.Errorf("Canned(%q): err %v, want %s", tt.name, err, tt.wantErr)
			}
			var ae *awsapi.Error
			if errors.As(err, &ae) && (ae.Field("ArgumentName") != "x-amz-acl" || ae.Field("ArgumentValue") != tt.name || ae.Message != "") {
				t.Errorf("Canned(%q): error %+v, want empty message and ArgumentName/Value", tt.name, ae)
			}
			continue
		}
		if err != nil {
			t.Errorf("Canned(%q): %v", tt.name, err)
			continue
		}
		if a.Owner.ID != ownerID || !reflect.DeepEqual(a.Grants, tt.want) {
			t.Errorf("Canned(%q, bucket owner %s, bucket %v) = %+v, want %+v", tt.name, tt.bucketOwn, tt.forBucket, a.Grants, tt.want)
		}
		if !ValidCanned(tt.name) {
			t.Errorf("ValidCanned(%q) = false", tt.name)
		}
	}
}

func TestFromHeaders(t *testing.T) {
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	email := func(e string, p Permission) Grant {
		return Grant{Grantee: Grantee{Type: AmazonCustomerByEmail, Email: e}, Permission: p}
	}
	tests := []struct {
		name       string
		h          http.Header
		wantNil    bool
		wantCanned string
		want       []Grant
		wantErr    string
	}{
		{name: "none", h: hdr("Content-Type", "text/plain"), wantNil: true},
		{name: "canned", h: hdr("X-Amz-Acl", "public-read"), wantCanned: "public-read",
			want: []Grant{u(ownerID, PermFullControl), g(AllUsers, PermRead)}},
		{name: "canned spaces", h: hdr("X-Amz-Acl", " private "), wantCanned: "private", want: []Grant{u(ownerID, PermFullControl)}},
		{name: "bad canned", h: hdr("X-Amz-Acl", "privat"), wantErr: "InvalidArgument"},
		{name: "both", h: hdr("X-Amz-Acl", "private", "X-Amz-Grant-Read", `id="x"`), wantErr: "InvalidRequest"},
		{name: "quoted id", h: hdr("X-Amz-Grant-Read", `id="`+otherID+`"`), want: []Grant{u(otherID, PermRead)}},
		{name: "unquoted uri", h: hdr("X-Amz-Grant-Read", "uri="+AllUsers), want: []Grant{g(AllUsers, PermRead)}},
		{name: "several", h: hdr("X-Amz-Grant-Full-Control", `id="`+ownerID+`", emailAddress="a@example.com"`,
			"X-Amz-Grant-Read", `uri="`+AuthenticatedUsers+`",id=`+otherID, "X-Amz-Grant-Write-Acp", "ID="+otherID),
			want: []Grant{g(AuthenticatedUsers, PermRead), u(otherID, PermRead), u(otherID, PermWriteACP),
				u(ownerID, PermFullControl), email("a@example.com", PermFullControl)}},
		{name: "emailaddress lower", h: hdr("X-Amz-Grant-Read-Acp", "emailaddress=a@example.com"), want: []Grant{email("a@example.com", PermReadACP)}},
		{name: "write", h: hdr("X-Amz-Grant-Write", `uri="`+LogDelivery+`"`), want: []Grant{g(LogDelivery, PermWrite)}},
		{name: "unknown key", h: hdr("X-Amz-Grant-Read", `user="x"`), wantErr: "InvalidArgument"},
		{name: "no equals", h: hdr("X-Amz-Grant-Read", `x`), wantErr: "InvalidArgument"},
		{name: "empty", h: hdr("X-Amz-Grant-Read", ``), wantErr: "InvalidArgument"},
		{name: "empty value", h: hdr("X-Amz-Grant-Read", `id=""`), wantErr: "InvalidArgument"},
		{name: "unterminated quote", h: hdr("X-Amz-Grant-Read", `id="abc`), wantErr: "InvalidArgument"},
		{name: "trailing comma", h: hdr("X-Amz-Grant-Read", `id="abc",`), wantErr: "InvalidArgument"},
		{name: "junk after quote", h: hdr("X-Amz-Grant-Read", `id="abc"x`), wantErr: "InvalidArgument"},
		{name: "too many", h: hdr("X-Amz-Grant-Read", strings.Repeat(`id="x",`, MaxGrants)+`id="y"`), wantErr: "MalformedACLError"},
	}
	for _, tt := range tests {
		a, canned, err := FromHeaders(tt.h, ownerID, bucketID, false)
		if tt.wantErr != "" {
			if code(err) != tt.wantErr {
				t.Errorf("%s: err %v, want %s", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if tt.wantNil {
			if a != nil || HasACLHeaders(tt.h) {
				t.Errorf("%s: got %+v, want nil", tt.name, a)
			}
			continue
		}
		if !HasACLHeaders(tt.h) {
			t.Errorf("%s: HasACLHeaders false", tt.name)
		}
		if canned != tt.wantCanned || a == nil || a.Owner.ID != ownerID || !reflect.DeepEqual(a.Grants, tt.want) {
			t.Errorf("%s: got %q %+v, want %q %+v", tt.name, canned, a, tt.wantCanned, tt.want)
		}
	}
	// The grant-format error names the header and value.
	_, _, err := FromHeaders(hdr("X-Amz-Grant-Read-Acp", "bad"), ownerID, bucketID, false)
	var ae *awsapi.Error
	if !errors.As(err, &ae) || ae.Message != "Argument format not recognized" ||
		ae.Field("ArgumentName") != "x-amz-grant-read-acp" || ae.Field("ArgumentValue") != "bad" {
		t.Errorf("grant format error = %+v", err)
	}
}

func TestIsPublicAndWithoutPublic(t *testing.T) {
	tests := []struct {
		grants []Grant
		public bool
	}{
		{[]Grant{u(ownerID, PermFullControl)}, false},
		{[]Grant{u(ownerID, PermFullControl), g(AllUsers, PermRead)}, true},
		{[]Grant{g(AuthenticatedUsers, PermReadACP)}, true},
		{[]Grant{g(LogDelivery, PermWrite), u(otherID, PermRead)}, false},
		{nil, false},
	}
	for _, tt := range tests {
		a := ACL{Owner: Owner{ID: ownerID}, Grants: tt.grants}
		if a.IsPublic() != tt.public {
			t.Errorf("IsPublic(%+v) = %v", tt.grants, !tt.public)
		}
		f := a.WithoutPublic()
		if f.IsPublic() || f.Owner != a.Owner {
			t.Errorf("WithoutPublic(%+v) = %+v", tt.grants, f)
		}
		if !tt.public && len(f.Grants) != len(tt.grants) {
			t.Errorf("WithoutPublic dropped non-public grants: %+v", f.Grants)
		}
	}
}

func TestAllows(t *testing.T) {
	a := ACL{Owner: Owner{ID: ownerID}, Grants: []Grant{
		u(ownerID, PermFullControl),     // 0
		u(otherID, PermReadACP),         // 1
		g(AuthenticatedUsers, PermRead), // 2
		g(AllUsers, PermWrite),          // 3
		g(LogDelivery, PermWrite),       // 4
	}}
	owner := Requester{CanonicalID: ownerID, Authenticated: true}
	other := Requester{CanonicalID: otherID, Authenticated: true}
	third := Requester{CanonicalID: "dddd", Authenticated: true}
	anon := Requester{CanonicalID: "65a011a29cdf8ec533ec3d1ccaae921c", Anonymous: true}
	logs := Requester{LogDelivery: true}
	tests := []struct {
		name         string
		perm         Permission
		who          Requester
		ignorePublic bool
		ok           bool
		idx          int
	}{
		{"owner full control implies read", PermRead, owner, false, true, 0},
		{"owner write acp", PermWriteACP, owner, true, true, 0},
		{"other read acp", PermReadACP, other, false, true, 1},
		{"other read via authenticated", PermRead, other, false, true, 2},
		{"other read ignored public", PermRead, other, true, false, -1},
		{"other write acp none", PermWriteACP, other, false, false, -1},
		{"third read authenticated", PermRead, third, false, true, 2},
		{"anonymous read not authenticated", PermRead, anon, false, false, -1},
		{"anonymous write all users", PermWrite, anon, false, true, 3},
		{"anonymous write ignored", PermWrite, anon, true, false, -1},
		{"third write all users", PermWrite, third, false, true, 3},
		{"log delivery write", PermWrite, logs, true, true, 4},
		{"log delivery read", PermRead, logs, false, false, -1},
	}
	for _, tt := range tests {
		ok, idx := a.Allows(tt.perm, tt.who, tt.ignorePublic)
		if ok != tt.ok || idx != tt.idx {
			t.Errorf("%s: Allows = %v, %d; want %v, %d", tt.name, ok, idx, tt.ok, tt.idx)
		}
	}
	var empty ACL
	if ok, idx := empty.Allows(PermRead, owner, false); ok || idx != -1 {
		t.Errorf("empty ACL allows: %v %d", ok, idx)
	}
}

func TestOwnerOnlyChecks(t *testing.T) {
	tests := []struct {
		grants   []Grant
		onlyTo   bool // GrantsOnlyTo(bucketID)
		bofc     bool // IsBucketOwnerFullControl(bucketID, ownerID)
		bofcSelf bool // IsBucketOwnerFullControl(bucketID)
	}{
		{[]Grant{u(bucketID, PermFullControl)}, true, true, true},
		{[]Grant{u(bucketID, PermRead)}, true, false, false},
		{[]Grant{u(ownerID, PermFullControl), u(bucketID, PermFullControl)}, false, true, false},
		{[]Grant{u(ownerID, PermFullControl)}, false, false, false},
		{[]Grant{u(bucketID, PermFullControl), g(AllUsers, PermRead)}, false, false, false},
		{[]Grant{u(bucketID, PermFullControl), u(otherID, PermFullControl)}, false, false, false},
		{nil, true, false, false},
	}
	for _, tt := range tests {
		a := ACL{Owner: Owner{ID: bucketID}, Grants: tt.grants}
		if got := a.GrantsOnlyTo(bucketID); got != tt.onlyTo {
			t.Errorf("GrantsOnlyTo(%+v) = %v", tt.grants, got)
		}
		if got := a.IsBucketOwnerFullControl(bucketID, ownerID); got != tt.bofc {
			t.Errorf("IsBucketOwnerFullControl(%+v, writer) = %v", tt.grants, got)
		}
		if got := a.IsBucketOwnerFullControl(bucketID); got != tt.bofcSelf {
			t.Errorf("IsBucketOwnerFullControl(%+v) = %v", tt.grants, got)
		}
	}
}

type fakeResolver map[string]string // canonical id or e-mail -> display name

func (f fakeResolver) CanonicalUser(id string) (string, bool) {
	n, ok := f[id]
	return n, ok
}

func (f fakeResolver) Email(addr string) (string, string, bool) {
	if addr == "o@example.com" {
		return otherID, f[otherID], true
	}
	return "", "", false
}

func TestResolve(t *testing.T) {
	r := fakeResolver{ownerID: "owner", otherID: "other"}
	tests := []struct {
		name    string
		grants  []Grant
		want    []Grant
		wantErr string
	}{
		{name: "users and groups", grants: []Grant{u(ownerID, PermFullControl), g(AllUsers, PermRead), u(ExecReadID, PermRead)},
			want: []Grant{
				{Grantee{Type: CanonicalUser, ID: ownerID, DisplayName: "owner"}, PermFullControl},
				g(AllUsers, PermRead),
				{Grantee{Type: CanonicalUser, ID: ExecReadID, DisplayName: ExecReadDisplayName}, PermRead},
			}},
		{name: "email", grants: []Grant{{Grantee{Type: AmazonCustomerByEmail, Email: "o@example.com"}, PermRead}},
			want: []Grant{{Grantee{Type: CanonicalUser, ID: otherID, DisplayName: "other"}, PermRead}}},
		{name: "unknown id", grants: []Grant{u("ffff", PermRead)}, wantErr: "InvalidArgument"},
		{name: "unknown group", grants: []Grant{g("http://acs.amazonaws.com/groups/global/Everyone", PermRead)}, wantErr: "InvalidArgument"},
		{name: "unknown email", grants: []Grant{{Grantee{Type: AmazonCustomerByEmail, Email: "x@example.com"}, PermRead}}, wantErr: "UnresolvableGrantByEmailAddress"},
	}
	for _, tt := range tests {
		a := ACL{Owner: Owner{ID: ownerID}, Grants: tt.grants}
		err := a.Resolve(r)
		if tt.wantErr != "" {
			if err == nil || err.Code != tt.wantErr {
				t.Errorf("%s: err %v, want %s", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(a.Grants, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, a.Grants, tt.want)
		}
	}
	a := ACL{Grants: []Grant{u("ffff", PermRead)}}
	if err := a.Resolve(r); err.Field("ArgumentName") != "CanonicalUser/ID" || err.Field("ArgumentValue") != "ffff" || err.Message != "Invalid id" {
		t.Errorf("invalid id error: %+v", err)
	}
}

func TestEncodeDecode(t *testing.T) {
	acls := []ACL{
		Private(ownerID),
		{Owner: Owner{ID: ownerID}, Grants: []Grant{}},
		{Owner: Owner{ID: ownerID}, Grants: []Grant{u(ownerID, PermFullControl), g(AllUsers, PermRead), u(otherID, PermWriteACP),
			{Grantee{Type: AmazonCustomerByEmail, Email: "a@example.com"}, PermReadACP}, g(LogDelivery, PermWrite)}},
	}
	for _, a := range acls {
		got, err := Decode(Encode(a))
		if err != nil {
			t.Fatalf("Decode(Encode(%+v)): %v", a, err)
		}
		if got.Owner != a.Owner || len(got.Grants) != len(a.Grants) || (len(a.Grants) > 0 && !reflect.DeepEqual(got.Grants, a.Grants)) {
			t.Errorf("round trip: got %+v, want %+v", got, a)
		}
	}
	// Display names are not stored.
	a := Private(ownerID)
	a.Owner.DisplayName = "x"
	a.Grants[0].Grantee.DisplayName = "x"
	if s := string(Encode(a)); strings.Contains(s, `"x"`) || s != `{"o":"aaaa","g":[{"t":"u","i":"aaaa","p":"FULL_CONTROL"}]}` {
		t.Errorf("Encode = %s", s)
	}
	for _, bad := range []string{``, `{`, `{"o":"a","g":[{"t":"z","p":"READ"}]}`, `{"o":"a","g":[{"t":"u","p":"ALL"}]}`} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%q) succeeded", bad)
		}
	}
}
