package s3

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"testing"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
	"github.com/edgegate/edgegate/internal/s3/access"
	"github.com/edgegate/edgegate/internal/store"
)

// fakeOwners knows two accounts.
type fakeOwners map[string][2]string // account id -> canonical id, display name

func (f fakeOwners) Owner(acct string) (string, string, bool) {
	v, ok := f[acct]
	return v[0], v[1], ok
}

func (f fakeOwners) AccountByCanonicalID(cid string) (string, string, bool) {
	for a, v := range f {
		if v[0] == cid {
			return a, v[1], true
		}
	}
	return "", "", false
}

func (f fakeOwners) AccountByEmail(string) (string, string, string, bool) { return "", "", "", false }

const (
	acctA, cidA = "111111111111", "ca"
	acctB, cidB = "222222222222", "cb"
)

// TestObjectWriteOwner checks objectWriteACL: who owns an object a request
// writes and the ACL it gets, for every Object Ownership setting, with a
// writer from the bucket owner's account, another account and anonymous.
func TestObjectWriteOwner(t *testing.T) {
	ctx := context.Background()
	settings, _ := OpenAccountSettings("")
	s := New(Config{Owners: fakeOwners{acctA: {cidA, "a"}, acctB: {cidB, "b"}}, Settings: settings})
	bucket := func(o access.Ownership, pab *access.PublicAccessBlock) *store.Bucket {
		b := &store.Bucket{Name: "b", Owner: acctA, Attrs: map[string][]byte{access.AttrOwnership: access.EncodeOwnership(o)}}
		if pab != nil {
			b.Attrs[access.AttrPublicAccessBlock] = access.EncodePAB(*pab)
		}
		return b
	}
	principal := func(acct, cid string) identity.Principal {
		if acct == "" {
			return identity.AnonymousPrincipal
		}
		return identity.Principal{Type: identity.Root, Account: acct, CanonicalID: cid}
	}
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	fc := func(id string) access.Grant {
		return access.Grant{Grantee: access.Grantee{Type: access.CanonicalUser, ID: id}, Permission: access.PermFullControl}
	}
	read := func(id string) access.Grant {
		return access.Grant{Grantee: access.Grantee{Type: access.CanonicalUser, ID: id}, Permission: access.PermRead}
	}
	allRead := access.Grant{Grantee: access.Grantee{Type: access.Group, URI: access.AllUsers}, Permission: access.PermRead}
	open := &access.PublicAccessBlock{}
	tests := []struct {
		name       string
		own        access.Ownership
		pab        *access.PublicAccessBlock
		accountPAB *access.PublicAccessBlock
		writer     string
		h          http.Header
		wantOwner  string
		wantACL    []access.Grant // nil: the default (nothing stored)
		wantErr    string
	}{
		{name: "enforced, cross-account, no ACL", own: access.BucketOwnerEnforced, writer: acctB, wantOwner: acctA},
		{name: "enforced, cross-account, bofc", own: access.BucketOwnerEnforced, writer: acctB, h: hdr("X-Amz-Acl", "bucket-owner-full-control"), wantOwner: acctA},
		{name: "enforced, bofc as grants", own: access.BucketOwnerEnforced, writer: acctB,
			h: hdr("X-Amz-Grant-Full-Control", `id="`+cidA+`", id="`+cidB+`"`), wantOwner: acctA},
		{name: "enforced, private", own: access.BucketOwnerEnforced, writer: acctB, h: hdr("X-Amz-Acl", "private"), wantErr: "AccessControlListNotSupported"},
		{name: "enforced, public", own: access.BucketOwnerEnforced, writer: acctA, pab: open, h: hdr("X-Amz-Acl", "public-read"), wantErr: "AccessControlListNotSupported"},
		{name: "enforced, extra grant", own: access.BucketOwnerEnforced, writer: acctB,
			h: hdr("X-Amz-Grant-Full-Control", `id="`+cidA+`"`, "X-Amz-Grant-Read", `id="`+cidB+`"`), wantErr: "AccessControlListNotSupported"},
		{name: "enforced, anonymous", own: access.BucketOwnerEnforced, writer: "", wantOwner: acctA},
		{name: "preferred, cross-account, bofc", own: access.BucketOwnerPreferred, writer: acctB, h: hdr("X-Amz-Acl", "bucket-owner-full-control"), wantOwner: acctA},
		{name: "preferred, cross-account, bofc as grant", own: access.BucketOwnerPreferred, writer: acctB,
			h: hdr("X-Amz-Grant-Full-Control", `id="`+cidA+`"`), wantOwner: acctB, wantACL: []access.Grant{fc(cidA)}},
		{name: "preferred, cross-account, no ACL", own: access.BucketOwnerPreferred, writer: acctB, wantOwner: acctB},
		{name: "preferred, same account, bofc", own: access.BucketOwnerPreferred, writer: acctA, h: hdr("X-Amz-Acl", "bucket-owner-full-control"), wantOwner: acctA},
		{name: "preferred, public, BPA on", own: access.BucketOwnerPreferred, writer: acctA, pab: &access.AllBlocked, h: hdr("X-Amz-Acl", "public-read"), wantErr: "AccessDenied"},
		{name: "writer, cross-account, bofc", own: access.ObjectWriter, writer: acctB, h: hdr("X-Amz-Acl", "bucket-owner-full-control"),
			wantOwner: acctB, wantACL: []access.Grant{fc(cidB), fc(cidA)}},
		{name: "writer, cross-account, bucket-owner-read", own: access.ObjectWriter, writer: acctB, h: hdr("X-Amz-Acl", "bucket-owner-read"),
			wantOwner: acctB, wantACL: []access.Grant{fc(cidB), read(cidA)}},
		{name: "writer, cross-account, private", own: access.ObjectWriter, writer: acctB, h: hdr("X-Amz-Acl", "private"), wantOwner: acctB},
		{name: "writer, anonymous", own: access.ObjectWriter, writer: "", wantOwner: ""},
		{name: "writer, anonymous, public-read, BPA off", own: access.ObjectWriter, pab: open, writer: "", h: hdr("X-Amz-Acl", "public-read"),
			wantOwner: "", wantACL: []access.Grant{fc(identity.AnonymousCanonicalID), allRead}},
		{name: "writer, public-read, account BPA", own: access.ObjectWriter, pab: open, accountPAB: &access.PublicAccessBlock{BlockPublicAcls: true},
			writer: acctA, h: hdr("X-Amz-Acl", "public-read"), wantErr: "AccessDenied"},
		{name: "writer, public-read, only IgnorePublicAcls", own: access.ObjectWriter, pab: &access.PublicAccessBlock{IgnorePublicAcls: true},
			writer: acctA, h: hdr("X-Amz-Acl", "public-read"), wantOwner: acctA, wantACL: []access.Grant{fc(cidA), allRead}},
		{name: "writer, unknown grantee", own: access.ObjectWriter, writer: acctA, h: hdr("X-Amz-Grant-Read", `id="nobody"`), wantErr: "InvalidArgument"},
		{name: "writer, grants", own: access.ObjectWriter, writer: acctA, h: hdr("X-Amz-Grant-Read", `id="`+cidB+`"`),
			wantOwner: acctA, wantACL: []access.Grant{read(cidB)}},
	}
	for _, tt := range tests {
		if err := settings.PutAccountPAB(ctx, acctA, tt.accountPAB); err != nil {
			t.Fatal(err)
		}
		bkt := bucket(tt.own, tt.pab)
		q := &request{call: &reqctx.Call{Principal: principal(tt.writer, map[string]string{acctA: cidA, acctB: cidB}[tt.writer])},
			bucket: "b", key: "k", bkt: bkt, bs: newBucketState(bkt, s.owners)}
		h := tt.h
		if h == nil {
			h = http.Header{}
		}
		owner, enc, err := s.objectWriteACL(ctx, q, h)
		if tt.wantErr != "" {
			if awsCode(err) != tt.wantErr {
				t.Errorf("%s: err %v, want %s", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if owner != tt.wantOwner {
			t.Errorf("%s: owner %q, want %q", tt.name, owner, tt.wantOwner)
		}
		switch {
		case tt.wantACL == nil && enc != nil:
			t.Errorf("%s: stored ACL %s, want the default", tt.name, enc)
		case tt.wantACL != nil:
			a, err := access.Decode(enc)
			if err != nil || a.Owner.ID != s.canonicalOf(tt.wantOwner) || !reflect.DeepEqual(a.Grants, tt.wantACL) {
				t.Errorf("%s: ACL %+v %v, want owner %s grants %+v", tt.name, a, err, s.canonicalOf(tt.wantOwner), tt.wantACL)
			}
		}
	}
}

// TestListingOwner: listings show the bucket owner for every object of a
// BucketOwnerEnforced bucket, the recorded owner otherwise.
func TestListingOwner(t *testing.T) {
	s := New(Config{Owners: fakeOwners{acctA: {cidA, "a"}, acctB: {cidB, "b"}}})
	res := &store.ListResult{Objects: []store.Object{{Key: "x", Owner: acctB}, {Key: "y", Owner: acctA}}}
	p := &listParams{}
	for _, tt := range []struct {
		own  access.Ownership
		want []string
	}{
		{access.BucketOwnerEnforced, []string{cidA, cidA}},
		{access.ObjectWriter, []string{cidB, cidA}},
		{"", []string{cidB, cidA}}, // controls deleted
	} {
		b := &store.Bucket{Owner: acctA, Attrs: map[string][]byte{access.AttrOwnership: access.EncodeOwnership(tt.own)}}
		objs, _ := s.entries(p, res, b, true)
		for i, e := range objs {
			if e.Owner == nil || e.Owner.ID != tt.want[i] {
				t.Errorf("%s: entry %d owner %+v, want %s", tt.own, i, e.Owner, tt.want[i])
			}
		}
	}
}

// TestAccessOperationRows checks the rows of the ACL, ownership-controls
// and public-access-block operations and that the router selects them.
func TestAccessOperationRows(t *testing.T) {
	tests := []struct {
		op     *operation
		name   string
		action string
		target target
		method string
		query  string
	}{
		{&opGetBucketAcl, "GetBucketAcl", "s3:GetBucketAcl", targetBucket, "GET", "acl"},
		{&opPutBucketAcl, "PutBucketAcl", "s3:PutBucketAcl", targetBucket, "PUT", "acl"},
		{&opGetObjectAcl, "GetObjectAcl", "s3:GetObjectAcl", targetObject, "GET", "acl"},
		{&opPutObjectAcl, "PutObjectAcl", "s3:PutObjectAcl", targetObject, "PUT", "acl"},
		{&opGetBucketOwnershipControls, "GetBucketOwnershipControls", "s3:GetBucketOwnershipControls", targetBucket, "GET", "ownershipControls"},
		{&opPutBucketOwnershipControls, "PutBucketOwnershipControls", "s3:PutBucketOwnershipControls", targetBucket, "PUT", "ownershipControls"},
		{&opDeleteBucketOwnershipControls, "DeleteBucketOwnershipControls", "s3:PutBucketOwnershipControls", targetBucket, "DELETE", "ownershipControls"},
		{&opGetPublicAccessBlock, "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock", targetBucket, "GET", "publicAccessBlock"},
		{&opPutPublicAccessBlock, "PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock", targetBucket, "PUT", "publicAccessBlock"},
		{&opDeletePublicAccessBlock, "DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock", targetBucket, "DELETE", "publicAccessBlock"},
		{&opGetAccountPublicAccessBlock, "GetAccountPublicAccessBlock", "s3:GetAccountPublicAccessBlock", targetService, "", ""},
		{&opPutAccountPublicAccessBlock, "PutAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock", targetService, "", ""},
		{&opDeleteAccountPublicAccessBlock, "DeleteAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock", targetService, "", ""},
	}
	for _, tt := range tests {
		if tt.op.name != tt.name || tt.op.action != tt.action || tt.op.target != tt.target || tt.op.handle == nil {
			t.Errorf("row %s: %q %q %v (handler set: %v)", tt.name, tt.op.name, tt.op.action, tt.op.target, tt.op.handle != nil)
		}
		if tt.method == "" {
			continue // S3 Control: routed by serveControl
		}
		q, _ := url.ParseQuery(tt.query)
		got, err := selectOperation(tt.method, tt.target, q, http.Header{})
		if err != nil || got != tt.op {
			t.Errorf("%s ?%s (target %d) selects %v, %v; want %s", tt.method, tt.query, tt.target, got, err, tt.name)
		}
	}
	// DELETE ?acl is not DeleteBucket / DeleteObject.
	for _, tg := range []target{targetBucket, targetObject} {
		if op, err := selectOperation("DELETE", tg, url.Values{"acl": {""}}, http.Header{}); err == nil {
			t.Errorf("DELETE ?acl (target %d) selects %s", tg, op.name)
		}
	}
	// The bucket policy subresources select their own rows.
	for sub, want := range map[string]*operation{"policy": &opGetBucketPolicy, "policyStatus": &opGetBucketPolicyStatus} {
		if op, err := selectOperation("GET", targetBucket, url.Values{sub: {""}}, http.Header{}); op != want {
			t.Errorf("GET ?%s: %v, %v", sub, op, err)
		}
	}
}

// TestAccountSettingsFile: the account settings survive a reopen, and a
// corrupt file is an error.
func TestAccountSettingsFile(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/settings.json"
	s, err := OpenAccountSettings(path)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s.GetAccountPAB(ctx, acctA); p != nil || err != nil {
		t.Fatalf("empty: %+v %v", p, err)
	}
	want := access.PublicAccessBlock{BlockPublicAcls: true, RestrictPublicBuckets: true}
	if err := s.PutAccountPAB(ctx, acctA, &want); err != nil {
		t.Fatal(err)
	}
	if err := s.PutAccountPAB(ctx, acctB, &access.AllBlocked); err != nil {
		t.Fatal(err)
	}
	if err := s.PutAccountPAB(ctx, acctB, nil); err != nil {
		t.Fatal(err)
	}
	s2, err := OpenAccountSettings(path)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s2.GetAccountPAB(ctx, acctA); err != nil || p == nil || *p != want {
		t.Errorf("reopened A: %+v %v", p, err)
	}
	if p, err := s2.GetAccountPAB(ctx, acctB); err != nil || p != nil {
		t.Errorf("reopened B: %+v %v", p, err)
	}
	// The returned value is the caller's.
	p, _ := s2.GetAccountPAB(ctx, acctA)
	p.BlockPublicPolicy = true
	if again, _ := s2.GetAccountPAB(ctx, acctA); again.BlockPublicPolicy {
		t.Error("mutating the result changed the settings")
	}
	if err := os.WriteFile(path, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenAccountSettings(path); err == nil {
		t.Error("corrupt file opened")
	}
}
