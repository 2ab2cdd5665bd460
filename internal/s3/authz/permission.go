package authz

import "github.com/edgegate/edgegate/internal/s3/access"

// objectPermission is the object-ACL permission that grants an object
// action, named exactly as the S3 operations table names it (spec §1.5; S3
// user guide acl-overview, "Mapping of ACL permissions and access policy
// permissions").
func objectPermission(action string) (access.Permission, bool) {
	switch action {
	case "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTorrent", "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes":
		return access.PermRead, true
	case "s3:GetObjectAcl", "s3:GetObjectVersionAcl":
		return access.PermReadACP, true
	case "s3:PutObjectAcl", "s3:PutObjectVersionAcl":
		return access.PermWriteACP, true
	}
	return "", false
}

// bucketPermission is the bucket-ACL permission that grants a bucket
// action. WRITE on a bucket lets the grantee create, overwrite and delete
// objects in it.
func bucketPermission(action string) (access.Permission, bool) {
	switch action {
	case "s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads":
		return access.PermRead, true
	case "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion":
		return access.PermWrite, true
	case "s3:GetBucketAcl":
		return access.PermReadACP, true
	case "s3:PutBucketAcl":
		return access.PermWriteACP, true
	}
	return "", false
}
