package s3_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/iam"
	"github.com/edgegate/edgegate/internal/testenv"
)

const allUsersURI = "http://acs.amazonaws.com/groups/global/AllUsers"

var defaultCID = iam.DeriveCanonicalID(iam.DefaultAccountID)

// grantSet renders grants as sorted-independent strings for comparison:
// "TYPE:ID-or-URI:PERMISSION".
func grantSet(gs []types.Grant) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		who := aws.ToString(g.Grantee.ID)
		if g.Grantee.Type == types.TypeGroup {
			who = aws.ToString(g.Grantee.URI)
		}
		out[i] = fmt.Sprintf("%s:%s:%s", g.Grantee.Type, who, g.Permission)
	}
	return out
}

func wantGrants(t *testing.T, what string, gs []types.Grant, want ...string) {
	t.Helper()
	got := grantSet(gs)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s: grants %v, want %v", what, got, want)
	}
}

func ownerFC(cid string) string { return "CanonicalUser:" + cid + ":FULL_CONTROL" }

// openPAB turns off the bucket's Block Public Access.
func openPAB(t *testing.T, c *s3.Client, bucket string) {
	t.Helper()
	_, err := c.PutPublicAccessBlock(context.Background(), &s3.PutPublicAccessBlockInput{
		Bucket:                         aws.String(bucket),
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{},
	})
	if err != nil {
		t.Fatalf("PutPublicAccessBlock(all off): %v", err)
	}
}

// TestBucketAccessDefaults: a new bucket has BucketOwnerEnforced and all
// four Block Public Access settings recorded (AWS's defaults since April
// 2023), the owner's private ACL, and refuses ACLs.
func TestBucketAccessDefaults(t *testing.T) {
	ctx := context.Background()
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	mkBucket(t, c, "defaults")

	oc, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String("defaults")})
	if err != nil || len(oc.OwnershipControls.Rules) != 1 || oc.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipBucketOwnerEnforced {
		t.Fatalf("GetBucketOwnershipControls: %+v %v", oc, err)
	}
	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("defaults")})
	if err != nil {
		t.Fatal(err)
	}
	if p := pab.PublicAccessBlockConfiguration; !aws.ToBool(p.BlockPublicAcls) || !aws.ToBool(p.IgnorePublicAcls) ||
		!aws.ToBool(p.BlockPublicPolicy) || !aws.ToBool(p.RestrictPublicBuckets) {
		t.Errorf("default public access block: %+v", p)
	}
	acl, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("defaults")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(acl.Owner.ID) != defaultCID || aws.ToString(acl.Owner.DisplayName) != iam.DefaultAccountName {
		t.Errorf("owner %+v", acl.Owner)
	}
	wantGrants(t, "GetBucketAcl", acl.Grants, ownerFC(defaultCID))
	if aws.ToString(acl.Grants[0].Grantee.DisplayName) != iam.DefaultAccountName {
		t.Errorf("grantee display name %q", aws.ToString(acl.Grants[0].Grantee.DisplayName))
	}

	// ACLs are disabled: private and public ACLs alike are refused...
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("defaults"), ACL: types.BucketCannedACLPrivate})
	wantErr(t, "PutBucketAcl(private) on enforced", err, "AccessControlListNotSupported", 400)
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("defaults"), ACL: types.BucketCannedACLPublicRead})
	wantErr(t, "PutBucketAcl(public-read) on enforced", err, "AccessControlListNotSupported", 400)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("defaults"), Key: aws.String("k"), Body: strings.NewReader("x"),
		ACL: types.ObjectCannedACLPublicRead})
	wantErr(t, "PutObject(public-read) on enforced", err, "AccessControlListNotSupported", 400)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("defaults"), Key: aws.String("k"), Body: strings.NewReader("x"),
		ACL: types.ObjectCannedACLPrivate})
	wantErr(t, "PutObject(private) on enforced", err, "AccessControlListNotSupported", 400)
	// ... but bucket-owner-full-control, canned or as the equivalent grant,
	// is accepted.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("defaults"), Key: aws.String("k"), Body: strings.NewReader("x"),
		ACL: types.ObjectCannedACLBucketOwnerFullControl})
	if err != nil {
		t.Fatalf("PutObject(bucket-owner-full-control) on enforced: %v", err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("defaults"), Key: aws.String("k2"), Body: strings.NewReader("x"),
		GrantFullControl: aws.String(`id="` + defaultCID + `"`)})
	if err != nil {
		t.Fatalf("PutObject(grant full control to bucket owner) on enforced: %v", err)
	}
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("defaults"),
		AccessControlPolicy: &types.AccessControlPolicy{Owner: &types.Owner{ID: aws.String(defaultCID)},
			Grants: []types.Grant{{Grantee: &types.Grantee{Type: types.TypeCanonicalUser, ID: aws.String(defaultCID)}, Permission: types.PermissionFullControl}}}})
	if err != nil {
		t.Errorf("PutBucketAcl(owner FULL_CONTROL XML) on enforced: %v", err)
	}
	oacl, err := c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("defaults"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	wantGrants(t, "GetObjectAcl on enforced", oacl.Grants, ownerFC(defaultCID))
	_, err = c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("defaults"), Key: aws.String("k"), ACL: types.ObjectCannedACLPublicRead})
	wantErr(t, "PutObjectAcl(public-read) on enforced", err, "AccessControlListNotSupported", 400)
	_, err = c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("defaults"), Key: aws.String("missing")})
	wantErr(t, "GetObjectAcl(missing key)", err, "NoSuchKey", 404)

	// Deleting the settings: Get answers 404 afterwards.
	if _, err := c.DeleteBucketOwnershipControls(ctx, &s3.DeleteBucketOwnershipControlsInput{Bucket: aws.String("defaults")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String("defaults")})
	wantErr(t, "GetBucketOwnershipControls after delete", err, "OwnershipControlsNotFoundError", 404)
	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("defaults")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("defaults")})
	wantErr(t, "GetPublicAccessBlock after delete", err, "NoSuchPublicAccessBlockConfiguration", 404)
	// Without ownership controls ACLs work (ObjectWriter behaviour), and
	// with no Block Public Access a public ACL is accepted.
	if _, err := c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("defaults"), Key: aws.String("k"), ACL: types.ObjectCannedACLPublicRead}); err != nil {
		t.Fatalf("PutObjectAcl(public-read) without ownership controls: %v", err)
	}
	oacl, err = c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("defaults"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	wantGrants(t, "GetObjectAcl(public-read)", oacl.Grants, ownerFC(defaultCID), "Group:"+allUsersURI+":READ")
}

// TestACLsEnabled walks a bucket through ObjectWriter and
// BucketOwnerPreferred with Block Public Access on and off.
func TestACLsEnabled(t *testing.T) {
	ctx := context.Background()
	env := startTwoAccounts(t)
	c := env.S3()
	otherCID := iam.DeriveCanonicalID(otherAccount)
	b := aws.String("writer")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b, ObjectOwnership: types.ObjectOwnershipObjectWriter}); err != nil {
		t.Fatal(err)
	}
	oc, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b})
	if err != nil || oc.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipObjectWriter {
		t.Fatalf("ownership: %+v %v", oc, err)
	}

	// Block Public Access is on by default: public ACLs are refused, others
	// are fine.
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPublicRead})
	wantErr(t, "PutBucketAcl(public-read) with BlockPublicAcls", err, "AccessDenied", 403)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("pub"), Body: strings.NewReader("x"), ACL: types.ObjectCannedACLAuthenticatedRead})
	wantErr(t, "PutObject(authenticated-read) with BlockPublicAcls", err, "AccessDenied", 403)
	if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, GrantRead: aws.String(`id="` + otherCID + `"`),
		GrantFullControl: aws.String("id=" + defaultCID)}); err != nil {
		t.Fatalf("PutBucketAcl(grants): %v", err)
	}
	acl, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: b})
	if err != nil {
		t.Fatal(err)
	}
	wantGrants(t, "bucket grants", acl.Grants, "CanonicalUser:"+otherCID+":READ", ownerFC(defaultCID))
	if aws.ToString(acl.Grants[0].Grantee.DisplayName) != "other" {
		t.Errorf("other's display name: %q", aws.ToString(acl.Grants[0].Grantee.DisplayName))
	}
	// BucketOwnerEnforced cannot be set while the bucket ACL grants to
	// another account.
	_, err = c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: b,
		OwnershipControls: &types.OwnershipControls{Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipBucketOwnerEnforced}}}})
	wantErr(t, "enforce with a granting bucket ACL", err, "InvalidBucketAclWithObjectOwnership", 400)
	// Unknown grantees.
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, GrantRead: aws.String(`id="` + strings.Repeat("f", 64) + `"`)})
	wantErr(t, "PutBucketAcl(unknown id)", err, "InvalidArgument", 400)
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, GrantRead: aws.String(`emailAddress="nobody@example.com"`)})
	wantErr(t, "PutBucketAcl(unknown email)", err, "UnresolvableGrantByEmailAddress", 400)
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPrivate, GrantRead: aws.String("id=" + otherCID)})
	wantErr(t, "PutBucketAcl(canned and grants)", err, "InvalidRequest", 400)
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, ACL: "public"})
	wantErr(t, "PutBucketAcl(bad canned)", err, "InvalidArgument", 400)
	// An XML ACL cannot change the owner.
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, AccessControlPolicy: &types.AccessControlPolicy{
		Owner: &types.Owner{ID: aws.String(otherCID)}, Grants: []types.Grant{}}})
	wantErr(t, "PutBucketAcl(other owner)", err, "AccessDenied", 403)

	// With Block Public Access off, public ACLs go through.
	openPAB(t, c, "writer")
	if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPublicRead}); err != nil {
		t.Fatalf("PutBucketAcl(public-read) without BPA: %v", err)
	}
	acl, _ = c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: b})
	wantGrants(t, "public-read bucket", acl.Grants, ownerFC(defaultCID), "Group:"+allUsersURI+":READ")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("pub"), Body: strings.NewReader("x"),
		ACL: types.ObjectCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: b, Key: aws.String("pub"), AccessControlPolicy: &types.AccessControlPolicy{
		Owner: &types.Owner{ID: aws.String(defaultCID)},
		Grants: []types.Grant{
			{Grantee: &types.Grantee{Type: types.TypeCanonicalUser, ID: aws.String(otherCID)}, Permission: types.PermissionWriteAcp},
			{Grantee: &types.Grantee{Type: types.TypeGroup, URI: aws.String(allUsersURI)}, Permission: types.PermissionRead},
		}}}); err != nil {
		t.Fatalf("PutObjectAcl(XML): %v", err)
	}
	oacl, err := c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: b, Key: aws.String("pub")})
	if err != nil {
		t.Fatal(err)
	}
	wantGrants(t, "object XML ACL", oacl.Grants, "CanonicalUser:"+otherCID+":WRITE_ACP", "Group:"+allUsersURI+":READ")
	if aws.ToString(oacl.Owner.ID) != defaultCID {
		t.Errorf("object owner %+v", oacl.Owner)
	}

	// IgnorePublicAcls: Get*Acl shows the ACL in effect, without the
	// public grants; nothing is deleted.
	_, err = c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b,
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{IgnorePublicAcls: aws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	acl, _ = c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: b})
	wantGrants(t, "bucket under IgnorePublicAcls", acl.Grants, ownerFC(defaultCID))
	oacl, _ = c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: b, Key: aws.String("pub")})
	wantGrants(t, "object under IgnorePublicAcls", oacl.Grants, "CanonicalUser:"+otherCID+":WRITE_ACP")
	openPAB(t, c, "writer")
	oacl, _ = c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: b, Key: aws.String("pub")})
	wantGrants(t, "object after IgnorePublicAcls off", oacl.Grants, "CanonicalUser:"+otherCID+":WRITE_ACP", "Group:"+allUsersURI+":READ")

	// CopyObject and multipart uploads take the request's ACL (not the
	// source's).
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("copy"), CopySource: aws.String("writer/pub"),
		ACL: types.ObjectCannedACLAuthenticatedRead}); err != nil {
		t.Fatal(err)
	}
	oacl, _ = c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: b, Key: aws.String("copy")})
	wantGrants(t, "copy ACL", oacl.Grants, ownerFC(defaultCID), "Group:http://acs.amazonaws.com/groups/global/AuthenticatedUsers:READ")
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("copy2"), CopySource: aws.String("writer/pub")}); err != nil {
		t.Fatal(err)
	}
	oacl, _ = c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: b, Key: aws.String("copy2")})
	wantGrants(t, "copy without ACL", oacl.Grants, ownerFC(defaultCID))
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("mpu"),
		GrantRead: aws.String(`id="` + otherCID + `"`), GrantFullControl: aws.String(`id="` + defaultCID + `"`)})
	if err != nil {
		t.Fatal(err)
	}
	part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("mpu"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: aws.String("mpu"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}}}); err != nil {
		t.Fatal(err)
	}
	oacl, _ = c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: b, Key: aws.String("mpu")})
	wantGrants(t, "multipart ACL", oacl.Grants, "CanonicalUser:"+otherCID+":READ", ownerFC(defaultCID))

	// BlockPublicAcls again: new public ACLs fail, existing ones stay.
	_, err = c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b,
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("mpu2"), ACL: types.ObjectCannedACLPublicReadWrite})
	wantErr(t, "CreateMultipartUpload(public-read-write) with BlockPublicAcls", err, "AccessDenied", 403)
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("copy3"), CopySource: aws.String("writer/pub"), ACL: types.ObjectCannedACLPublicRead})
	wantErr(t, "CopyObject(public-read) with BlockPublicAcls", err, "AccessDenied", 403)
	_, err = c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: b, Key: aws.String("pub"), GrantRead: aws.String("uri=" + allUsersURI)})
	wantErr(t, "PutObjectAcl(AllUsers) with BlockPublicAcls", err, "AccessDenied", 403)
	oacl, _ = c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: b, Key: aws.String("pub")})
	wantGrants(t, "existing public ACL kept", oacl.Grants, "CanonicalUser:"+otherCID+":WRITE_ACP", "Group:"+allUsersURI+":READ")

	// Back to private, then BucketOwnerEnforced: object ACLs are hidden
	// (owner FULL_CONTROL only) and come back when ACLs are re-enabled.
	if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPrivate}); err != nil {
		t.Fatal(err)
	}
	setOwnership(t, c, "writer", types.ObjectOwnershipBucketOwnerEnforced)
	oacl, _ = c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: b, Key: aws.String("pub")})
	wantGrants(t, "object ACL under enforced", oacl.Grants, ownerFC(defaultCID))
	setOwnership(t, c, "writer", types.ObjectOwnershipBucketOwnerPreferred)
	oacl, _ = c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: b, Key: aws.String("pub")})
	wantGrants(t, "object ACL back under preferred", oacl.Grants, "CanonicalUser:"+otherCID+":WRITE_ACP", "Group:"+allUsersURI+":READ")
}

func setOwnership(t *testing.T, c *s3.Client, bucket string, o types.ObjectOwnership) {
	t.Helper()
	_, err := c.PutBucketOwnershipControls(context.Background(), &s3.PutBucketOwnershipControlsInput{Bucket: aws.String(bucket),
		OwnershipControls: &types.OwnershipControls{Rules: []types.OwnershipControlsRule{{ObjectOwnership: o}}}})
	if err != nil {
		t.Fatalf("PutBucketOwnershipControls(%s): %v", o, err)
	}
}

// TestCreateBucketACLHeaders: CreateBucket's x-amz-acl, grants and
// x-amz-object-ownership.
func TestCreateBucketACLHeaders(t *testing.T) {
	ctx := context.Background()
	env := startTwoAccounts(t)
	c := env.S3()
	otherCID := iam.DeriveCanonicalID(otherAccount)
	tests := []struct {
		name      string
		in        s3.CreateBucketInput
		code      string
		status    int
		wantOwn   types.ObjectOwnership
		wantGrant []string
	}{
		{name: "private enforced", in: s3.CreateBucketInput{ACL: types.BucketCannedACLPrivate},
			wantOwn: types.ObjectOwnershipBucketOwnerEnforced, wantGrant: []string{ownerFC(defaultCID)}},
		{name: "public enforced", in: s3.CreateBucketInput{ACL: types.BucketCannedACLPublicRead}, code: "InvalidBucketAclWithObjectOwnership", status: 400},
		{name: "grant enforced", in: s3.CreateBucketInput{GrantRead: aws.String("id=" + otherCID)}, code: "InvalidBucketAclWithObjectOwnership", status: 400},
		{name: "public writer", in: s3.CreateBucketInput{ACL: types.BucketCannedACLPublicRead, ObjectOwnership: types.ObjectOwnershipObjectWriter},
			code: "AccessDenied", status: 403},
		{name: "grant preferred", in: s3.CreateBucketInput{GrantRead: aws.String("id=" + otherCID), ObjectOwnership: types.ObjectOwnershipBucketOwnerPreferred},
			wantOwn: types.ObjectOwnershipBucketOwnerPreferred, wantGrant: []string{"CanonicalUser:" + otherCID + ":READ"}},
		{name: "bad ownership", in: s3.CreateBucketInput{ObjectOwnership: "Mine"}, code: "InvalidArgument", status: 400},
		{name: "bad canned", in: s3.CreateBucketInput{ACL: "public"}, code: "InvalidArgument", status: 400},
		{name: "canned and grant", in: s3.CreateBucketInput{ACL: types.BucketCannedACLPrivate, GrantRead: aws.String("id=" + otherCID)},
			code: "InvalidRequest", status: 400},
		{name: "bad grant", in: s3.CreateBucketInput{GrantWrite: aws.String("everyone"), ObjectOwnership: types.ObjectOwnershipObjectWriter},
			code: "InvalidArgument", status: 400},
	}
	for i, tt := range tests {
		name := fmt.Sprintf("create-acl-%d", i)
		in := tt.in
		in.Bucket = aws.String(name)
		_, err := c.CreateBucket(ctx, &in)
		if tt.code != "" {
			wantErr(t, tt.name, err, tt.code, tt.status)
			if _, herr := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)}); herr == nil {
				t.Errorf("%s: bucket created", tt.name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		oc, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String(name)})
		if err != nil || oc.OwnershipControls.Rules[0].ObjectOwnership != tt.wantOwn {
			t.Errorf("%s: ownership %+v %v", tt.name, oc, err)
		}
		acl, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		wantGrants(t, tt.name, acl.Grants, tt.wantGrant...)
	}
}

// TestBucketOwnerFullControlCrossAccount: an object the other account
// writes with bucket-owner-full-control into a BucketOwnerPreferred bucket
// is owned by the bucket owner; written without it, by the writer.
func TestBucketOwnerFullControlCrossAccount(t *testing.T) {
	ctx := context.Background()
	env := startTwoAccounts(t)
	c := env.S3()
	other := env.S3As(otherKey, otherSecret)
	otherCID := iam.DeriveCanonicalID(otherAccount)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared"), ObjectOwnership: types.ObjectOwnershipBucketOwnerPreferred}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("shared"), Policy: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + otherAccount + `"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("bofc"), Body: strings.NewReader("x"),
		ACL: types.ObjectCannedACLBucketOwnerFullControl}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("mine"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	acl, err := c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("shared"), Key: aws.String("bofc")})
	if err != nil || aws.ToString(acl.Owner.ID) != defaultCID {
		t.Errorf("bofc owner: %+v %v", acl, err)
	}
	acl, err = other.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("shared"), Key: aws.String("mine")})
	if err != nil || aws.ToString(acl.Owner.ID) != otherCID {
		t.Errorf("writer-owned: %+v %v", acl, err)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("shared"), FetchOwner: aws.Bool(true)})
	if err != nil || len(list.Contents) != 2 || aws.ToString(list.Contents[0].Owner.ID) != defaultCID || aws.ToString(list.Contents[1].Owner.ID) != otherCID {
		t.Errorf("listing owners: %+v %v", list, err)
	}
}

// TestObjectOwnerShown: GetObjectAcl and the listings show the owner.
func TestObjectOwnerShown(t *testing.T) {
	ctx := context.Background()
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("owned"), ObjectOwnership: types.ObjectOwnershipBucketOwnerPreferred}); err != nil {
		t.Fatal(err)
	}
	putString(t, c, "owned", "a", "x")
	acl, err := c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("owned"), Key: aws.String("a")})
	if err != nil || aws.ToString(acl.Owner.ID) != defaultCID || aws.ToString(acl.Owner.DisplayName) != iam.DefaultAccountName {
		t.Fatalf("GetObjectAcl owner: %+v %v", acl, err)
	}
	v2, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("owned"), FetchOwner: aws.Bool(true)})
	if err != nil || len(v2.Contents) != 1 || v2.Contents[0].Owner == nil || aws.ToString(v2.Contents[0].Owner.ID) != defaultCID {
		t.Fatalf("ListObjectsV2 fetch-owner: %+v %v", v2, err)
	}
	v1, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("owned")})
	if err != nil || aws.ToString(v1.Contents[0].Owner.ID) != defaultCID || aws.ToString(v1.Contents[0].Owner.DisplayName) != iam.DefaultAccountName {
		t.Fatalf("ListObjects owner: %+v %v", v1, err)
	}
}

// TestACLWire checks S3's exact rendering and the request-shape errors
// with raw requests.
func TestACLWire(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("wire"), ObjectOwnership: types.ObjectOwnershipObjectWriter}); err != nil {
		t.Fatal(err)
	}
	resp, body := rawS3(t, env, "GET", "/wire?acl", nil, nil)
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>` + defaultCID + `</ID><DisplayName>default</DisplayName></Owner>` +
		`<AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>` + defaultCID +
		`</ID><DisplayName>default</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`
	if resp.StatusCode != 200 || string(body) != want || resp.Header.Get("Content-Type") != "application/xml" {
		t.Errorf("GetBucketAcl: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, body = rawS3(t, env, "GET", "/wire?ownershipControls", nil, nil)
	if resp.StatusCode != 200 || !bytes.HasSuffix(body, []byte(`<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>`)) {
		t.Errorf("GetBucketOwnershipControls: %d %s", resp.StatusCode, body)
	}
	resp, body = rawS3(t, env, "GET", "/wire?publicAccessBlock", nil, nil)
	if resp.StatusCode != 200 || !bytes.HasSuffix(body, []byte(`<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`)) {
		t.Errorf("GetPublicAccessBlock: %d %s", resp.StatusCode, body)
	}

	h := func(kv ...string) http.Header {
		x := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			x.Set(kv[i], kv[i+1])
		}
		return x
	}
	aclDoc := []byte(`<AccessControlPolicy><Owner><ID>` + defaultCID + `</ID></Owner><AccessControlList></AccessControlList></AccessControlPolicy>`)
	tests := []struct {
		name, method, path string
		body               []byte
		header             http.Header
		status             int
		code               string
	}{
		{"headers and body", "PUT", "/wire?acl", aclDoc, h("X-Amz-Acl", "private"), 400, "UnexpectedContent"},
		{"neither", "PUT", "/wire?acl", nil, nil, 400, "MissingSecurityHeader"},
		{"malformed", "PUT", "/wire?acl", []byte(`<AccessControlPolicy>`), nil, 400, "MalformedACLError"},
		{"no owner", "PUT", "/wire?acl", []byte(`<AccessControlPolicy><AccessControlList/></AccessControlPolicy>`), nil, 400, "MalformedACLError"},
		{"no xsi:type", "PUT", "/wire?acl", []byte(`<AccessControlPolicy><Owner><ID>` + defaultCID + `</ID></Owner><AccessControlList><Grant><Grantee><ID>` +
			defaultCID + `</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`), nil, 400, "MalformedACLError"},
		{"bad group", "PUT", "/wire?acl", nil, h("X-Amz-Grant-Read", `uri="http://acs.amazonaws.com/groups/global/Everyone"`), 400, "InvalidArgument"},
		{"empty acl", "PUT", "/wire?acl", aclDoc, nil, 200, ""},
		{"delete acl", "DELETE", "/wire?acl", nil, nil, 405, "MethodNotAllowed"},
		{"bad ownership", "PUT", "/wire?ownershipControls", []byte(`<OwnershipControls><Rule><ObjectOwnership>Mine</ObjectOwnership></Rule></OwnershipControls>`), nil, 400, "MalformedXML"},
		{"bad pab", "PUT", "/wire?publicAccessBlock", []byte(`<PublicAccessBlockConfiguration><BlockPublicAcls>maybe</BlockPublicAcls></PublicAccessBlockConfiguration>`), nil, 400, "MalformedXML"},
		{"object acl missing key", "GET", "/wire/nokey?acl", nil, nil, 404, "NoSuchKey"},
		{"delete object acl", "DELETE", "/wire/nokey?acl", nil, nil, 405, "MethodNotAllowed"},
		{"object acl version", "GET", "/wire/nokey?acl&versionId=3", nil, nil, 400, "InvalidArgument"},
	}
	for _, tt := range tests {
		resp, body := rawS3(t, env, tt.method, tt.path, tt.body, tt.header)
		if resp.StatusCode != tt.status || (tt.code != "" && !strings.Contains(string(body), "<Code>"+tt.code+"</Code>")) {
			t.Errorf("%s: %d %s, want %d %s", tt.name, resp.StatusCode, body, tt.status, tt.code)
		}
	}
	// The empty ACL took: no grants at all (the owner keeps its implicit
	// ACL rights).
	acl, err := c.GetBucketAcl(context.Background(), &s3.GetBucketAclInput{Bucket: aws.String("wire")})
	if err != nil || len(acl.Grants) != 0 {
		t.Errorf("after empty ACL: %+v %v", acl, err)
	}
}
