package authz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/iam"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/s3/access"
)

// The corpus (testdata/corpus/*.json) is a list of S3 authorization
// decisions, each grounded in the AWS page named by its "doc" field. A case
// is one Authorize call, except "missing_object" cases, which replay the
// S3 layer's 403-vs-404 rule (spec §1.7) with two calls.

// Fixed identities of the corpus.
const (
	// corpusOAIARN is the origin access identity every OAI case uses.
	corpusOAIARN = policy.OAIARNPrefix + "E2EXAMPLE"
	// corpusOAICanonicalID is its S3 canonical user id (fixed, 64 hex).
	corpusOAICanonicalID = "5e2b6f0a9c1d4e8f7a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f"
)

// corpusTime is every case's request time (aws:CurrentTime).
var corpusTime = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

type corpusCase struct {
	Name             string              `json:"name"`
	Doc              string              `json:"doc"`
	Principal        corpusPrincipal     `json:"principal"`
	IdentityPolicies []json.RawMessage   `json:"identity_policies"`
	Bucket           *corpusBucket       `json:"bucket"`
	Object           *corpusObject       `json:"object"`
	Action           string              `json:"action"`
	Resource         string              `json:"resource"`
	Context          map[string][]string `json:"context"`
	Expect           string              `json:"expect"`
	Reason           string              `json:"reason"`
	DecidingSid      string              `json:"deciding_sid"`
	// MissingObject replays spec §1.7: the key does not exist. The first
	// call judges the action as if the object existed, owned by the bucket
	// owner (Expect is its decision); when it allows, a second call judges
	// s3:ListBucket on the bucket. ExpectStatus is then 404 (ListBucket
	// allowed) or 403, and Reason the final reason.
	MissingObject bool `json:"missing_object"`
	ExpectStatus  int  `json:"expect_status"`

	file string
}

type corpusPrincipal struct {
	Type    string `json:"type"`
	Account string `json:"account"`
	ARN     string `json:"arn"`
	RoleARN string `json:"role_arn"`
}

type corpusBucket struct {
	Name      string                    `json:"name"`
	Owner     string                    `json:"owner"`
	Policy    json.RawMessage           `json:"policy"`
	ACL       json.RawMessage           `json:"acl"`
	Ownership string                    `json:"ownership"`
	PAB       *access.PublicAccessBlock `json:"pab"`
}

type corpusObject struct {
	Owner string          `json:"owner"`
	ACL   json.RawMessage `json:"acl"`
}

type corpusACL struct {
	Grants []corpusGrant `json:"grants"`
}

// corpusGrant names its grantee by exactly one of Account (a 12-digit
// account id: its canonical user), ID (a canonical user id, or "oai") or
// URI (a group: AllUsers, AuthenticatedUsers, LogDelivery or a full URI).
type corpusGrant struct {
	Account    string `json:"account"`
	ID         string `json:"id"`
	URI        string `json:"uri"`
	Permission string `json:"permission"`
}

// canonicalID is the canonical user id of an account as the server derives
// it ("" is the anonymous user).
func canonicalID(account string) string {
	if account == "" {
		return identity.AnonymousCanonicalID
	}
	return iam.DeriveCanonicalID(account)
}

// expandPlaceholders replaces {{canonical:ACCOUNT}} and {{oai-canonical}}
// in a policy document, so cases can name canonical users.
func expandPlaceholders(doc []byte) []byte {
	s := string(doc)
	s = strings.ReplaceAll(s, "{{oai-canonical}}", corpusOAICanonicalID)
	for {
		i := strings.Index(s, "{{canonical:")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			break
		}
		acct := s[i+len("{{canonical:") : i+j]
		s = s[:i] + canonicalID(acct) + s[i+j+2:]
	}
	return []byte(s)
}

func loadCorpus(t testing.TB) []corpusCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no corpus files in testdata/corpus")
	}
	var all []corpusCase
	names := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		var cases []corpusCase
		if err := dec.Decode(&cases); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i := range cases {
			c := &cases[i]
			c.file = filepath.Base(f)
			if c.Name == "" || c.Doc == "" || c.Action == "" || c.Expect == "" {
				t.Fatalf("%s case %d (%q): name, doc, action and expect are required", c.file, i, c.Name)
			}
			if !strings.HasPrefix(c.Doc, "https://docs.aws.amazon.com/") && !strings.HasPrefix(c.Doc, "https://repost.aws/") {
				t.Errorf("%s: %q: doc %q is not an AWS documentation URL", c.file, c.Name, c.Doc)
			}
			if prev, dup := names[c.Name]; dup {
				t.Errorf("case name %q in %s duplicates one in %s", c.Name, c.file, prev)
			}
			names[c.Name] = c.file
		}
		all = append(all, cases...)
	}
	return all
}

// build turns a case into the Input the S3 layer would give Authorize.
func (c *corpusCase) build() (*Input, error) {
	in := &Input{Action: c.Action, Resource: c.Resource}
	p, err := c.Principal.build()
	if err != nil {
		return nil, err
	}
	in.Principal = p
	for i, raw := range c.IdentityPolicies {
		pol, err := policy.Parse(expandPlaceholders(raw), policy.IdentityPolicy)
		if err != nil {
			return nil, fmt.Errorf("identity policy %d: %v", i, err)
		}
		in.Identity = append(in.Identity, NamedPolicy{Name: fmt.Sprintf("identity policy #%d", i), Policy: pol})
	}
	if b := c.Bucket; b != nil {
		bk := &Bucket{Name: b.Name, Owner: b.Owner, OwnerCanonicalID: canonicalID(b.Owner)}
		if b.Owner == "" {
			return nil, fmt.Errorf("bucket owner is required")
		}
		if len(b.Policy) > 0 && string(b.Policy) != "null" {
			pol, err := policy.Parse(expandPlaceholders(b.Policy), policy.BucketPolicy)
			if err != nil {
				return nil, fmt.Errorf("bucket policy: %v", err)
			}
			bk.Policy = pol
			bk.PolicyIsPublic = pol.IsPublic(policy.PublicOptions{})
		}
		o, ok := access.ParseOwnership(b.Ownership)
		if !ok {
			return nil, fmt.Errorf("bucket ownership %q: give BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter", b.Ownership)
		}
		bk.Ownership = o
		if b.PAB != nil {
			bk.PAB = *b.PAB
		}
		acl, err := buildACL(b.ACL, bk.OwnerCanonicalID, bk.OwnerCanonicalID, true)
		if err != nil {
			return nil, fmt.Errorf("bucket acl: %v", err)
		}
		bk.ACL = acl
		in.Bucket = bk
	}
	if o := c.Object; o != nil {
		if in.Bucket == nil {
			return nil, fmt.Errorf("an object needs a bucket")
		}
		obj := &Object{Owner: o.Owner, OwnerCanonicalID: canonicalID(o.Owner)}
		acl, err := buildACL(o.ACL, obj.OwnerCanonicalID, in.Bucket.OwnerCanonicalID, false)
		if err != nil {
			return nil, fmt.Errorf("object acl: %v", err)
		}
		obj.ACL = acl
		in.Object = obj
	}
	in.Context = c.context(p, in.Bucket)
	return in, nil
}

func (cp corpusPrincipal) build() (identity.Principal, error) {
	switch cp.Type {
	case "anonymous":
		return identity.AnonymousPrincipal, nil
	case "root":
		arn := cp.ARN
		if arn == "" {
			arn = "arn:aws:iam::" + cp.Account + ":root"
		}
		return identity.Principal{Type: identity.Root, Account: cp.Account, ARN: arn, UserID: cp.Account,
			CanonicalID: canonicalID(cp.Account)}, nil
	case "user":
		if cp.ARN == "" {
			return identity.Principal{}, fmt.Errorf("a user needs an arn")
		}
		name := cp.ARN[strings.LastIndexByte(cp.ARN, '/')+1:]
		return identity.Principal{Type: identity.User, Account: cp.Account, ARN: cp.ARN, UserName: name,
			UserID: "AIDA" + strings.ToUpper(name) + "EXAMPLE", CanonicalID: canonicalID(cp.Account)}, nil
	case "assumed-role":
		if cp.ARN == "" || cp.RoleARN == "" {
			return identity.Principal{}, fmt.Errorf("an assumed-role session needs arn and role_arn")
		}
		session := cp.ARN[strings.LastIndexByte(cp.ARN, '/')+1:]
		return identity.Principal{Type: identity.AssumedRole, Account: cp.Account, ARN: cp.ARN, RoleARN: cp.RoleARN,
			UserID: "AROAEXAMPLEROLEID:" + session, CanonicalID: canonicalID(cp.Account)}, nil
	case "service":
		arn := cp.ARN
		if arn == "" {
			arn = "cloudfront.amazonaws.com"
		}
		return identity.Principal{Type: identity.Service, ARN: arn, UserID: arn}, nil
	case "oai":
		arn := cp.ARN
		if arn == "" {
			arn = corpusOAIARN
		}
		return identity.Principal{Type: identity.OAI, ARN: arn, UserID: "AIDAOAIEXAMPLE", CanonicalID: corpusOAICanonicalID}, nil
	}
	return identity.Principal{}, fmt.Errorf("unknown principal type %q", cp.Type)
}

// context fills the keys S3 derives from the caller (spec §2.8), then the
// case's own keys, which override them.
func (c *corpusCase) context(p identity.Principal, b *Bucket) *RequestContext {
	rc := &RequestContext{Time: corpusTime}
	rc.SetBool(KeySecureTransport, true)
	rc.Set(KeyPrincipalType, p.Type.String())
	rc.Set(KeyUserID, p.UserID)
	switch p.Type {
	case identity.Anonymous:
		rc.Set(KeyPrincipalAccount, "anonymous")
	case identity.Service:
		rc.SetBool(KeyPrincipalIsAWSService, true)
		rc.Set(KeyPrincipalServiceName, p.ARN)
	default:
		rc.SetBool(KeyPrincipalIsAWSService, false)
		if p.Account != "" {
			rc.Set(KeyPrincipalAccount, p.Account)
		}
		arn := p.ARN
		if p.RoleARN != "" {
			arn = p.RoleARN
		}
		rc.Set(KeyPrincipalARN, arn)
		if p.Type == identity.User {
			rc.Set(KeyUsername, p.UserName)
		}
	}
	if b != nil {
		rc.Set(KeyResourceAccount, b.Owner)
	}
	keys := make([]string, 0, len(c.Context))
	for k := range c.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vs := c.Context[k]
		if key, ok := LookupKey(k); ok && len(vs) == 1 {
			rc.Set(key, vs[0])
			continue
		}
		rc.SetExtra(k, vs...)
	}
	return rc
}

func buildACL(raw json.RawMessage, ownerID, bucketOwnerID string, forBucket bool) (*access.ACL, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var canned string
	if err := json.Unmarshal(raw, &canned); err == nil {
		a, err := access.Canned(canned, ownerID, bucketOwnerID, forBucket)
		if err != nil {
			return nil, err
		}
		return &a, nil
	}
	var ca corpusACL
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ca); err != nil {
		return nil, err
	}
	a := access.ACL{Owner: access.Owner{ID: ownerID}}
	for _, g := range ca.Grants {
		perm := access.Permission(g.Permission)
		if !perm.Valid() {
			return nil, fmt.Errorf("permission %q", g.Permission)
		}
		var ge access.Grantee
		switch {
		case g.Account != "":
			ge = access.Grantee{Type: access.CanonicalUser, ID: canonicalID(g.Account)}
		case g.ID == "oai":
			ge = access.Grantee{Type: access.CanonicalUser, ID: corpusOAICanonicalID}
		case g.ID != "":
			ge = access.Grantee{Type: access.CanonicalUser, ID: g.ID}
		case g.URI != "":
			uri := g.URI
			switch uri {
			case "AllUsers":
				uri = access.AllUsers
			case "AuthenticatedUsers":
				uri = access.AuthenticatedUsers
			case "LogDelivery":
				uri = access.LogDelivery
			}
			ge = access.Grantee{Type: access.Group, URI: uri}
		default:
			return nil, fmt.Errorf("grant without a grantee")
		}
		a.Grants = append(a.Grants, access.Grant{Grantee: ge, Permission: perm})
	}
	return &a, nil
}

func parseDecision(s string) (policy.Decision, bool) {
	switch s {
	case "Allow":
		return policy.Allow, true
	case "ImplicitDeny":
		return policy.ImplicitDeny, true
	case "ExplicitDeny":
		return policy.ExplicitDeny, true
	}
	return 0, false
}

// knownReasons are the reasons a case may expect.
var knownReasons = map[Reason]bool{
	"": true, ReasonExplicitDenyIdentityPolicy: true, ReasonExplicitDenyBucketPolicy: true,
	ReasonImplicitDeny: true, ReasonCrossAccountNoIdentityAllow: true,
	ReasonBucketPolicyNotApplicableObjectOwner: true, ReasonObjectACLNoGrant: true,
	ReasonBPAIgnoredACL: true, ReasonBPARestrictPublicBucket: true, ReasonMissingObjectNoListBucket: true,
}

// decide runs Authorize with and without a Trace and checks that both give
// the same Result and that the Result is self-consistent.
func decide(t *testing.T, in *Input) (Result, *Trace) {
	t.Helper()
	plain := Authorize(in, nil)
	tr := &Trace{}
	traced := Authorize(in, tr)
	if plain != traced {
		t.Errorf("Result without trace %+v differs from Result with trace %+v", plain, traced)
	}
	if traced.Allowed != (traced.Decision == policy.Allow) {
		t.Errorf("Allowed=%v but Decision=%v", traced.Allowed, traced.Decision)
	}
	if traced.Allowed && traced.Reason != "" {
		t.Errorf("allowed with reason %q", traced.Reason)
	}
	if !traced.Allowed && traced.Reason == "" {
		t.Errorf("denied without a reason")
	}
	if tr.Reason != traced.Reason {
		t.Errorf("Trace.Reason %q, Result.Reason %q", tr.Reason, traced.Reason)
	}
	if traced.Decision == policy.ExplicitDeny {
		if _, _, ok := tr.Deciding(policy.ExplicitDeny); !ok {
			t.Errorf("explicit deny without a deciding Deny statement in the trace")
		}
	}
	return traced, tr
}

func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	perFile := map[string]int{}
	for _, c := range cases {
		perFile[c.file]++
	}
	t.Logf("corpus: %d cases %v", len(cases), perFile)
	if len(cases) < 110 {
		t.Errorf("corpus has %d cases, want at least 110", len(cases))
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.file, ".json")+"/"+c.Name, func(t *testing.T) {
			c.run(t)
		})
	}
}

func (c *corpusCase) run(t *testing.T) {
	want, ok := parseDecision(c.Expect)
	if !ok {
		t.Fatalf("expect %q: give Allow, ImplicitDeny or ExplicitDeny", c.Expect)
	}
	if !knownReasons[Reason(c.Reason)] {
		t.Fatalf("reason %q is not one of the authz reasons", c.Reason)
	}
	in, err := c.build()
	if err != nil {
		t.Fatalf("building the input: %v", err)
	}
	if c.MissingObject {
		c.runMissing(t, in, want)
		return
	}
	got, tr := decide(t, in)
	fail := false
	if got.Decision != want {
		t.Errorf("decision %v, want %v", got.Decision, want)
		fail = true
	}
	if got.Reason != Reason(c.Reason) {
		t.Errorf("reason %q, want %q", got.Reason, c.Reason)
		fail = true
	}
	if c.DecidingSid != "" {
		_, st, ok := tr.Deciding(got.Decision)
		switch {
		case !ok:
			t.Errorf("no deciding statement, want Sid %q", c.DecidingSid)
			fail = true
		case st.Sid != c.DecidingSid:
			t.Errorf("deciding Sid %q, want %q", st.Sid, c.DecidingSid)
			fail = true
		}
	}
	if fail || t.Failed() {
		t.Logf("doc: %s\ntrace:\n%s", c.Doc, tr)
	}
}

// runMissing replays the S3 layer's rule for a missing key (spec §1.7):
// judge the action as if the key existed and the bucket owner owned it; if
// allowed, judge s3:ListBucket on the bucket: allowed → 404 NoSuchKey,
// denied → 403 MissingObjectNoListBucket. A denied first call is its 403.
func (c *corpusCase) runMissing(t *testing.T, in *Input, want policy.Decision) {
	if c.Object != nil || in.Bucket == nil {
		t.Fatalf("a missing_object case has a bucket and no object")
	}
	if c.ExpectStatus != 403 && c.ExpectStatus != 404 {
		t.Fatalf("expect_status %d: give 403 or 404", c.ExpectStatus)
	}
	get := *in
	get.Object = &Object{Owner: in.Bucket.Owner, OwnerCanonicalID: in.Bucket.OwnerCanonicalID}
	got, tr := decide(t, &get)
	if got.Decision != want {
		t.Errorf("%s (as if the key existed): decision %v, want %v", c.Action, got.Decision, want)
	}
	status, reason := 403, got.Reason
	var listTr *Trace
	if got.Allowed {
		list := *in
		list.Object = nil
		list.Action = "s3:ListBucket"
		list.Resource = "arn:aws:s3:::" + in.Bucket.Name
		var lr Result
		lr, listTr = decide(t, &list)
		if lr.Allowed {
			status, reason = 404, ""
		} else {
			reason = ReasonMissingObjectNoListBucket
		}
	}
	if status != c.ExpectStatus {
		t.Errorf("status %d, want %d", status, c.ExpectStatus)
	}
	if reason != Reason(c.Reason) {
		t.Errorf("reason %q, want %q", reason, c.Reason)
	}
	if c.DecidingSid != "" {
		if _, st, ok := tr.Deciding(got.Decision); !ok || st.Sid != c.DecidingSid {
			t.Errorf("deciding statement of the first call: %v, want Sid %q", st, c.DecidingSid)
		}
	}
	if t.Failed() {
		t.Logf("doc: %s\n%s trace:\n%s", c.Doc, c.Action, tr)
		if listTr != nil {
			t.Logf("s3:ListBucket trace:\n%s", listTr)
		}
	}
}
