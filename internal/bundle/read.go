package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/policy"
)

// maxFileSize bounds one file of a bundle (a list-objects-v2 of a large
// bucket is the biggest); a larger file is a Problem.
const maxFileSize = 256 << 20

// absentCodes are the error codes that mean "this does not exist" rather
// than "you may not see it".
var absentCodes = map[string]bool{
	"NoSuchBucketPolicy":                             true,
	"OwnershipControlsNotFoundError":                 true,
	"NoSuchPublicAccessBlockConfiguration":           true,
	"ServerSideEncryptionConfigurationNotFoundError": true,
	"NoSuchWebsiteConfiguration":                     true,
	"NoSuchKey":                                      true,
	"NotFound":                                       true,
	"404":                                            true,
	"NoSuchBucket":                                   true,
	"NotFoundException":                              true,
	"NoSuchDistribution":                             true,
	"NoSuchOriginAccessControl":                      true,
	"NoSuchCloudFrontOriginAccessIdentity":           true,
	"NoSuchCachePolicy":                              true,
	"NoSuchOriginRequestPolicy":                      true,
}

// Read reads the bundle directory dir. It returns an error only when dir
// itself cannot be read (does not exist, is not a directory); every problem
// with a file is recorded in the Bundle (see the package comment).
func Read(dir string) (*Bundle, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("bundle: %s is not a directory", dir)
	}
	if _, err := os.ReadDir(dir); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	r := &reader{root: dir, b: New(), seen: map[string]bool{}, noSuchBucket: map[string]bool{}}
	r.b.Dir = dir
	r.okEmpty = r.readManifest()
	r.read()
	for name := range r.noSuchBucket {
		if r.b.Buckets[name] == nil {
			r.b.Buckets[name] = NewBucket(name)
		}
		r.b.Buckets[name].NoSuchBucket = true
	}
	sort.Strings(r.b.Absent)
	r.b.Missing = r.b.expectedMissing(r.seen)
	sort.Slice(r.b.Problems, func(i, j int) bool { return r.b.Problems[i].Path < r.b.Problems[j].Path })
	return r.b, nil
}

// New returns an empty Bundle with its maps made.
func New() *Bundle {
	return &Bundle{
		OriginAccessControls:   map[string]*GetOriginAccessControl{},
		OriginAccessIdentities: map[string]*GetOriginAccessIdentity{},
		CachePolicies:          map[string]*GetCachePolicy{},
		OriginRequestPolicies:  map[string]*GetOriginRequestPolicy{},
		Buckets:                map[string]*Bucket{},
		KMSKeys:                map[string]*KMSKey{},
		Refused:                map[string]APIError{},
	}
}

// NewBucket returns an empty Bucket with its maps made.
func NewBucket(name string) *Bucket {
	return &Bucket{Name: name, PrefixListings: map[string]*ListObjectsV2{}, HeadObjects: map[string]*HeadObject{}, ObjectACLs: map[string]*AccessControlPolicy{}}
}

type reader struct {
	root string
	b    *Bundle
	// seen holds every path that exists (as a file), used or not.
	seen map[string]bool
	// okEmpty are files whose call the manifest says succeeded: empty is
	// an empty answer.
	okEmpty map[string]bool
	// noSuchBucket are buckets the manifest says do not exist.
	noSuchBucket map[string]bool
}

// outcome of load.
const (
	loaded  = iota // v was filled
	notHere        // no file
	errFile        // file records an API error (Absent or Refused)
	bad            // a Problem was recorded
)

// load reads rel into v. required names the top-level member the file
// must have (its output's identifying member), "" for none.
func (r *reader) load(rel string, v any, required string) int {
	full := filepath.Join(r.root, filepath.FromSlash(rel))
	st, err := os.Stat(full)
	if errors.Is(err, fs.ErrNotExist) {
		return notHere
	}
	r.seen[rel] = true
	if err != nil {
		r.problem(rel, err)
		return bad
	}
	if st.IsDir() {
		r.problem(rel, errors.New("is a directory, not a file"))
		return bad
	}
	if st.Size() > maxFileSize {
		r.problem(rel, fmt.Errorf("file of %d bytes is larger than the %d bytes a bundle file may have", st.Size(), maxFileSize))
		return bad
	}
	data, err := os.ReadFile(full)
	if err != nil {
		r.problem(rel, err)
		return bad
	}
	return r.decode(rel, data, v, required)
}

func (r *reader) decode(rel string, data []byte, v any, required string) int {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		if emptyListOK(rel) || r.okEmpty[rel] {
			// aws CLI v1 prints nothing for a paginated list with no
			// items (list-invalidations of a distribution without any).
			return loaded
		}
		r.problem(rel, errors.New("empty file (the call's output was not captured)"))
		return bad
	}
	if data[0] != '{' {
		r.problem(rel, errors.New("not a JSON object (is this the aws CLI's JSON output?)"))
		return bad
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		r.problem(rel, jsonErr(err))
		return bad
	}
	if raw, ok := top["Error"]; ok && len(top) <= 2 {
		var ef errorFile
		if err := json.Unmarshal(data, &ef); err != nil || ef.Error == nil || ef.Error.Code == "" {
			r.problem(rel, errors.New(`an "Error" member without a Code`))
			return bad
		}
		_ = raw
		if absentCodes[ef.Error.Code] {
			r.b.Absent = append(r.b.Absent, rel)
		} else {
			r.b.Refused[rel] = *ef.Error
		}
		return errFile
	}
	if required != "" {
		raw, ok := top[required]
		if !ok {
			r.problem(rel, fmt.Errorf("no %q member: not the output this file should hold", required))
			return bad
		}
		_ = raw
	}
	if err := json.Unmarshal(data, v); err != nil {
		r.problem(rel, jsonErr(err))
		return bad
	}
	return loaded
}

// emptyListOK reports whether an empty file is a valid output for rel: the
// paginated list commands, which aws CLI v1 leaves silent when there is
// nothing to list.
func emptyListOK(rel string) bool {
	return rel == PathInvalidations || path.Base(rel) == FileListObjectsV2
}

// jsonErr makes a decoding error readable.
func jsonErr(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("not valid JSON at byte %d (truncated?): %v", se.Offset, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		where := te.Field
		if where == "" {
			where = "the document"
		}
		return fmt.Errorf("wrong shape: %s is a JSON %s, want %s", where, te.Value, te.Type)
	}
	if errors.Is(err, errUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end of JSON input") {
		return errors.New("not valid JSON: unexpected end (truncated?)")
	}
	return fmt.Errorf("wrong shape: %v", err)
}

var errUnexpectedEOF = errors.New("unexpected EOF")

func (r *reader) problem(rel string, err error) {
	r.b.Problems = append(r.b.Problems, Problem{Path: rel, Err: err})
}

// checkPolicy records a Problem when a policy document does not parse.
func (r *reader) checkPolicy(rel, doc string, kind policy.Kind) {
	if strings.TrimSpace(doc) == "" {
		r.problem(rel, errors.New("the Policy string is empty"))
		return
	}
	if _, err := policy.ParseWithOptions([]byte(doc), kind, policy.ParseOptions{MaxSize: -1}); err != nil {
		r.problem(rel, fmt.Errorf("the policy document does not parse: %v", err))
	}
}

func (r *reader) read() {
	b := r.b
	var gd GetDistribution
	if r.load(PathDistribution, &gd, "Distribution") == loaded {
		if gd.Distribution == nil {
			r.problem(PathDistribution, errors.New("Distribution is null"))
		} else {
			b.Distribution = &gd
		}
	}
	var li ListInvalidations
	if r.load(PathInvalidations, &li, "InvalidationList") == loaded {
		b.Invalidations = &li
	}
	r.eachJSON("cloudfront/get-origin-access-control", func(id, rel string) {
		var v GetOriginAccessControl
		if r.load(rel, &v, "OriginAccessControl") == loaded && r.nonNil(rel, v.OriginAccessControl != nil, "OriginAccessControl") {
			b.OriginAccessControls[id] = &v
		}
	})
	r.eachJSON("cloudfront/get-cloud-front-origin-access-identity", func(id, rel string) {
		var v GetOriginAccessIdentity
		if r.load(rel, &v, "CloudFrontOriginAccessIdentity") == loaded && r.nonNil(rel, v.CloudFrontOriginAccessIdentity != nil, "CloudFrontOriginAccessIdentity") {
			b.OriginAccessIdentities[id] = &v
		}
	})
	r.eachJSON("cloudfront/get-cache-policy", func(id, rel string) {
		var v GetCachePolicy
		if r.load(rel, &v, "CachePolicy") == loaded && r.nonNil(rel, v.CachePolicy != nil, "CachePolicy") {
			b.CachePolicies[id] = &v
		}
	})
	r.eachJSON("cloudfront/get-origin-request-policy", func(id, rel string) {
		var v GetOriginRequestPolicy
		if r.load(rel, &v, "OriginRequestPolicy") == loaded && r.nonNil(rel, v.OriginRequestPolicy != nil, "OriginRequestPolicy") {
			b.OriginRequestPolicies[id] = &v
		}
	})

	var lb ListBuckets
	if r.load(PathListBuckets, &lb, "Buckets") == loaded {
		b.ListBuckets = &lb
	}
	var apab GetPublicAccessBlock
	if r.load(PathAccountPublicAccessBlock, &apab, "PublicAccessBlockConfiguration") == loaded {
		b.AccountPublicAccessBlock = &apab
	}
	var ci CallerIdentity
	if r.load(PathCallerIdentity, &ci, "Account") == loaded {
		b.CallerIdentity = &ci
	}

	for _, name := range r.subdirs("s3") {
		r.readBucket(name)
	}
	for _, name := range r.subdirs("kms") {
		r.readKey(name)
	}
}

func (r *reader) nonNil(rel string, ok bool, member string) bool {
	if !ok {
		r.problem(rel, fmt.Errorf("%s is null", member))
	}
	return ok
}

func (r *reader) readBucket(name string) {
	bk := NewBucket(name)
	p := func(f string) string { return BucketPath(name, f) }
	any := false
	note := func(res int, rel string) bool {
		if res != notHere {
			any = true
		}
		if res == errFile && r.b.IsAbsent(rel) && r.recordedCode(rel) == "NoSuchBucket" {
			bk.NoSuchBucket = true
		}
		return res == loaded
	}
	var pol GetBucketPolicy
	if note(r.load(p(FileBucketPolicy), &pol, "Policy"), p(FileBucketPolicy)) {
		bk.Policy = &pol
		r.checkPolicy(p(FileBucketPolicy), pol.Policy, policy.BucketPolicy)
	}
	var oc GetBucketOwnershipControls
	if note(r.load(p(FileBucketOwnershipControls), &oc, "OwnershipControls"), p(FileBucketOwnershipControls)) {
		bk.OwnershipControls = &oc
		if oc.OwnershipControls == nil || len(oc.OwnershipControls.Rules) != 1 {
			r.problem(p(FileBucketOwnershipControls), errors.New("OwnershipControls must have exactly one rule"))
		} else if o := oc.OwnershipControls.Rules[0].ObjectOwnership; o != "BucketOwnerEnforced" && o != "BucketOwnerPreferred" && o != "ObjectWriter" {
			r.problem(p(FileBucketOwnershipControls), fmt.Errorf("ObjectOwnership %q is not BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter", o))
		}
	}
	var pab GetPublicAccessBlock
	if note(r.load(p(FileBucketPublicAccessBlock), &pab, "PublicAccessBlockConfiguration"), p(FileBucketPublicAccessBlock)) {
		bk.PublicAccessBlock = &pab
	}
	var acl AccessControlPolicy
	if note(r.load(p(FileBucketACL), &acl, "Grants"), p(FileBucketACL)) {
		bk.ACL = &acl
		r.checkACL(p(FileBucketACL), &acl)
	}
	var loc GetBucketLocation
	if note(r.load(p(FileBucketLocation), &loc, "LocationConstraint"), p(FileBucketLocation)) {
		bk.Location = &loc
	}
	var enc GetBucketEncryption
	if note(r.load(p(FileBucketEncryption), &enc, "ServerSideEncryptionConfiguration"), p(FileBucketEncryption)) {
		bk.Encryption = &enc
	}
	var rp GetBucketRequestPayment
	if note(r.load(p(FileBucketRequestPayment), &rp, "Payer"), p(FileBucketRequestPayment)) {
		bk.RequestPayment = &rp
	}
	var web GetBucketWebsite
	if note(r.load(p(FileBucketWebsite), &web, ""), p(FileBucketWebsite)) {
		bk.Website = &web
	}
	var lo ListObjectsV2
	if note(r.load(p(FileListObjectsV2), &lo, ""), p(FileListObjectsV2)) {
		bk.Objects = &lo
	}
	r.eachKey(name, DirPrefixListings, func(prefix, rel string) {
		var l ListObjectsV2
		if r.load(rel, &l, "") == loaded {
			bk.PrefixListings[prefix] = &l
		}
	})
	r.eachKey(name, DirHeadObject, func(key, rel string) {
		any = true
		var h HeadObject
		if r.load(rel, &h, "") == loaded {
			bk.HeadObjects[key] = &h
		}
	})
	r.eachKey(name, DirObjectACL, func(key, rel string) {
		any = true
		var a AccessControlPolicy
		if r.load(rel, &a, "Grants") == loaded {
			bk.ObjectACLs[key] = &a
			r.checkACL(rel, &a)
		}
	})
	_ = any
	r.b.Buckets[name] = bk
}

// recordedCode returns the code an error file recorded (re-reading it; only
// on the rare error-file path).
func (r *reader) recordedCode(rel string) string {
	data, err := os.ReadFile(filepath.Join(r.root, filepath.FromSlash(rel)))
	if err != nil {
		return ""
	}
	var ef errorFile
	if json.Unmarshal(data, &ef) != nil || ef.Error == nil {
		return ""
	}
	return ef.Error.Code
}

func (r *reader) checkACL(rel string, acl *AccessControlPolicy) {
	for i, g := range acl.Grants {
		switch {
		case g.Grantee == nil:
			r.problem(rel, fmt.Errorf("Grants[%d] has no Grantee", i))
		case g.Grantee.Type != "CanonicalUser" && g.Grantee.Type != "Group" && g.Grantee.Type != "AmazonCustomerByEmail":
			r.problem(rel, fmt.Errorf("Grants[%d].Grantee.Type %q is not CanonicalUser, Group or AmazonCustomerByEmail", i, g.Grantee.Type))
		}
		switch g.Permission {
		case "FULL_CONTROL", "READ", "WRITE", "READ_ACP", "WRITE_ACP":
		default:
			r.problem(rel, fmt.Errorf("Grants[%d].Permission %q is not FULL_CONTROL, READ, WRITE, READ_ACP or WRITE_ACP", i, g.Permission))
		}
	}
}

func (r *reader) readKey(dir string) {
	k := &KMSKey{Dir: dir}
	rel := "kms/" + dir + "/"
	var dk DescribeKey
	if r.load(rel+FileDescribeKey, &dk, "KeyMetadata") == loaded && r.nonNil(rel+FileDescribeKey, dk.KeyMetadata != nil, "KeyMetadata") {
		k.DescribeKey = &dk
	}
	var kp GetKeyPolicy
	if r.load(rel+FileGetKeyPolicy, &kp, "Policy") == loaded {
		k.KeyPolicy = &kp
		r.checkPolicy(rel+FileGetKeyPolicy, kp.Policy, policy.KeyPolicy)
	}
	if d, err := url.PathUnescape(dir); err == nil {
		dir = d
	}
	r.b.KMSKeys[KMSDirName(dir)] = k
}

// subdirs lists the directories under rel (sorted; none when rel is not there).
func (r *reader) subdirs(rel string) []string {
	ents, err := os.ReadDir(filepath.Join(r.root, filepath.FromSlash(rel)))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			r.problem(rel, err)
		}
		return nil
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// eachJSON calls f for every ID.json directly under rel.
func (r *reader) eachJSON(rel string, f func(id, path string)) {
	ents, err := os.ReadDir(filepath.Join(r.root, filepath.FromSlash(rel)))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			r.problem(rel, err)
		}
		return
	}
	for _, e := range ents {
		if id, ok := strings.CutSuffix(e.Name(), ".json"); ok && !e.IsDir() && id != "" {
			f(id, rel+"/"+e.Name())
		}
	}
}

// eachKey calls f for every object file under s3/BUCKET/DIR, at any depth:
// the key is the file's path below DIR without ".json", url-unescaped, so
// both "a%2Fb.json" and "a/b.json" are key "a/b".
func (r *reader) eachKey(bucket, dir string, f func(key, path string)) {
	base := BucketPath(bucket, dir)
	root := filepath.Join(r.root, filepath.FromSlash(base))
	if _, err := os.Stat(root); err != nil {
		return
	}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			rel, _ := filepath.Rel(r.root, p)
			r.problem(filepath.ToSlash(rel), err)
			return nil
		}
		if d.IsDir() {
			return nil
		}
		sub, _ := filepath.Rel(root, p)
		sub = filepath.ToSlash(sub)
		rel := base + "/" + sub
		name, ok := strings.CutSuffix(sub, ".json")
		if !ok {
			r.problem(rel, errors.New("not a .json file"))
			return nil
		}
		key, uerr := url.PathUnescape(name)
		if uerr != nil {
			r.problem(rel, fmt.Errorf("file name is not a url-encoded object key: %v", uerr))
			return nil
		}
		f(key, rel)
		return nil
	})
	if err != nil {
		r.problem(base, err)
	}
}

// expectedMissing lists the files the bundle should hold, judging by what
// it holds, that are not there at all (a file recording an error or a
// Problem is not "missing": it is in Absent/Refused/Problems).
func (b *Bundle) expectedMissing(seen map[string]bool) []string {
	want := map[string]bool{}
	for _, p := range []string{PathDistribution, PathInvalidations, PathListBuckets, PathAccountPublicAccessBlock, PathCallerIdentity} {
		want[p] = true
	}
	for p := range b.ExpectedFiles() {
		want[p] = true
	}
	var out []string
	for p := range want {
		_, refused := b.Refused[p]
		if !seen[p] && !refused && !b.IsAbsent(p) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// ExpectedFiles returns the files the bundle's own content references: the
// OACs, OAIs and custom cache/origin request policies the distribution
// names, every file of each S3 origin's bucket and of each bucket
// directory present, and the KMS keys named by bucket encryption and
// head-object. AWS managed policies are not expected (edgegate knows them).
func (b *Bundle) ExpectedFiles() map[string]bool {
	want := map[string]bool{}
	buckets := map[string]bool{}
	for name := range b.Buckets {
		buckets[name] = true
	}
	if cfg := b.DistributionConfig(); cfg != nil {
		for _, o := range cfg.GetOrigins().GetItems() {
			if id := o.GetOriginAccessControlId(); id != "" {
				want[OACPath(id)] = true
			}
			if s3 := o.GetS3OriginConfig(); s3 != nil {
				if id, ok := strings.CutPrefix(s3.GetOriginAccessIdentity(), "origin-access-identity/cloudfront/"); ok && id != "" {
					want[OAIPath(id)] = true
				}
			}
			if t := cloudfront.ClassifyOrigin(o.GetDomainName()); t.Kind != cloudfront.OriginCustom {
				buckets[t.Bucket] = true
			}
		}
		policies := func(cp, orp string) {
			if cp != "" && !cloudfront.IsManagedCachePolicy(cp) {
				want[CachePolicyPath(cp)] = true
			}
			if orp != "" && !cloudfront.IsManagedOriginRequestPolicy(orp) {
				want[OriginRequestPolicyPath(orp)] = true
			}
		}
		if d := cfg.GetDefaultCacheBehavior(); d != nil {
			policies(d.GetCachePolicyId(), d.GetOriginRequestPolicyId())
		}
		for _, c := range cfg.GetCacheBehaviors().GetItems() {
			policies(c.GetCachePolicyId(), c.GetOriginRequestPolicyId())
		}
	}
	keys := map[string]bool{}
	for name := range buckets {
		bk := b.Buckets[name]
		if bk != nil && bk.NoSuchBucket {
			continue // nothing more to export about a bucket that does not exist
		}
		for _, f := range BucketFiles {
			want[BucketPath(name, f)] = true
		}
		if bk == nil {
			continue
		}
		if bk.Encryption != nil && bk.Encryption.ServerSideEncryptionConfiguration != nil {
			for _, rule := range bk.Encryption.ServerSideEncryptionConfiguration.Rules {
				d := rule.ApplyServerSideEncryptionByDefault
				switch {
				case d == nil:
				case d.KMSMasterKeyID != "":
					keys[d.KMSMasterKeyID] = true
				case strings.HasPrefix(d.SSEAlgorithm, "aws:kms"):
					keys[AWSManagedS3Key] = true // SSE-KMS without a key: the account's aws/s3
				}
			}
		}
		for _, h := range bk.HeadObjects {
			if h.SSEKMSKeyId != "" {
				keys[h.SSEKMSKeyId] = true
			}
		}
	}
	for dir := range b.KMSKeys {
		keys[dir] = true
	}
	for ref := range keys {
		dir := KMSDirName(ref)
		if k := b.KMSKey(ref); k != nil {
			dir = k.Dir
		}
		want[path.Join("kms", dir, FileDescribeKey)] = true
		want[path.Join("kms", dir, FileGetKeyPolicy)] = true
	}
	return want
}
