// Package world loads a doctor bundle (internal/bundle) into a real
// edgegate server, so that a request simulated against it is decided by
// exactly the code the live server runs (ARCHITECTURE.md, "the one rule").
//
// Build opens a server.Server in a temporary data directory (no listener)
// and loads, through the services' import entry points and so through
// their own validation: the accounts with the bundle's account ids and
// canonical ids, the account's Block Public Access, KMS keys with their
// ids, ARNs, states and key policies, CloudFront OACs, OAIs (with their S3
// canonical ids) and custom cache and origin request policies, the buckets
// with region, policy, ownership controls, Block Public Access, ACL,
// default encryption and website configuration, their objects (placeholder
// bodies of the listed size, owner, storage class and encryption), and
// the distribution with its own id, ARN and domain name.
//
// What the bundle lacks stays absent; what the world could not load (a
// policy the service refuses, an object whose key is unknown) is listed in
// World.Skipped, and what it loaded with a stand-in in World.Notes. The
// doctor lowers its certainty from both and from bundle.Missing.
package world

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/iam"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/s3"
	"github.com/edgegate/edgegate/internal/s3/access"
	"github.com/edgegate/edgegate/internal/server"
	"github.com/edgegate/edgegate/internal/sigv4"
)

// Credentials are an account root's access key in the world.
type Credentials struct {
	AccountID       string
	CanonicalID     string
	AccessKeyID     string
	SecretAccessKey string
}

// World is a bundle loaded into a running (listener-less) edgegate.
type World struct {
	// Server is the server the bundle is loaded into.
	Server *server.Server
	// Region is the region the server's endpoint claims (the region of
	// the first described KMS key, by directory name: KMS resolves bare key
	// ids and aliases there; else of the first bucket; else us-east-1).
	// SignAs signs S3 and KMS requests for it.
	Region string
	// Distribution is the bundle's distribution, nil when it has none or
	// it could not be loaded (then Skipped says why).
	Distribution *cloudfront.DistributionView
	// Owner is the distribution's account's root; Foreign the root of a
	// second account that nothing in the bundle names (the probe caller
	// "from another account").
	Owner, Foreign Credentials
	// Skipped lists what the world could not load, with why; the Path is
	// the bundle file it comes from.
	Skipped []bundle.Problem
	// Notes lists what the world loaded with a stand-in for something the
	// bundle lacks (a key policy, an object's encryption, ...).
	Notes []string

	dir    string
	probes int
}

// Build loads b into a new server. It fails only when the server cannot
// be opened, the bundle names no account at all, or ctx ends first;
// everything the services refuse is recorded in Skipped. The caller must Close the World.
// b is not modified or retained.
func Build(ctx context.Context, b *bundle.Bundle) (*World, error) {
	if b == nil {
		return nil, errors.New("world: no bundle")
	}
	b = b.Clone() // the services keep what they import; never alias the caller's bundle
	bl := &builder{b: b, w: &World{}, accounts: map[string]*iam.AccountSpec{}, byCanonical: map[string]string{}}
	if err := bl.plan(); err != nil {
		return nil, err
	}
	if err := bl.open(ctx); err != nil {
		return nil, err
	}
	bl.load(ctx)
	if err := ctx.Err(); err != nil {
		bl.w.Close()
		return nil, fmt.Errorf("world: %w", err)
	}
	sort.Slice(bl.w.Skipped, func(i, j int) bool { return bl.w.Skipped[i].Path < bl.w.Skipped[j].Path })
	return bl.w, nil
}

// Close closes the server and removes its data directory.
func (w *World) Close() error {
	if w == nil || w.Server == nil {
		return nil
	}
	err := w.Server.Close()
	w.Server = nil
	if rerr := os.RemoveAll(w.dir); err == nil {
		err = rerr
	}
	return err
}

// Do serves req in-process (the server's ServeHTTP, as the listener would)
// and returns the recorded response. Sign it first (SignAs) for
// an authenticated caller; unsigned is anonymous. A viewer request names
// the distribution's domain (or an alias) as req.Host.
func (w *World) Do(req *http.Request) (*http.Response, error) {
	if w.Server == nil {
		return nil, errors.New("world: closed")
	}
	if req.RemoteAddr == "" {
		req.RemoteAddr = "192.0.2.10:40000"
	}
	if req.Host == "" && req.URL != nil {
		req.Host = req.URL.Host
	}
	if req.RequestURI == "" && req.URL != nil {
		req.RequestURI = req.URL.RequestURI()
	}
	rec := httptest.NewRecorder()
	w.Server.ServeHTTP(rec, req.WithContext(req.Context()))
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// S3Request returns a path-style S3 API request for bucket and key ("" for
// the bucket itself), unsigned (anonymous).
func (w *World) S3Request(ctx context.Context, method, bucket, key string, body []byte) (*http.Request, error) {
	u := "http://s3." + w.Region + ".amazonaws.com/" + bucket
	if key != "" {
		u += "/" + escapeKey(key)
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	return http.NewRequestWithContext(ctx, method, u, r)
}

// SignAs signs req with SigV4 for service ("s3", "kms", "cloudfront", ...)
// as c, the body hashed as UNSIGNED-PAYLOAD for s3.
func (w *World) SignAs(req *http.Request, c Credentials, service string) {
	region := w.Region
	if service == "cloudfront" || service == "iam" {
		region = "us-east-1"
	}
	sigv4.SignRequest(req, c.AccessKeyID, c.SecretAccessKey, region, service, time.Now(), "")
}

// AddProbeDistribution adds a second, enabled distribution of the owner's
// account with the same configuration as the bundle's (same origins, OACs,
// OAIs and behaviours) under a fresh id and domain, and returns its host.
// A request through it probes whether the bucket grants the first
// distribution alone (aws:SourceArn) or any distribution.
func (w *World) AddProbeDistribution(ctx context.Context) (string, error) {
	if w.Distribution == nil {
		return "", errors.New("world: the bundle has no distribution to copy")
	}
	cfg := bundle.Copy(w.Distribution.Config)
	w.probes++
	ref := fmt.Sprintf("edgegate-doctor-probe-%d", w.probes)
	cfg.CallerReference = &ref
	if cfg.Aliases != nil {
		zero := int64(0)
		cfg.Aliases = &cloudfront.Aliases{Quantity: &zero}
	}
	enabled := true
	cfg.Enabled = &enabled
	v, err := w.Server.CloudFront().ImportDistribution(cloudfront.ImportedDistribution{
		Account: w.Owner.AccountID, Config: cfg, UncheckedRefs: true,
	})
	if err != nil {
		return "", fmt.Errorf("world: probe distribution: %w", err)
	}
	return v.DomainName, nil
}

// escapeKey escapes an object key for a request path (each byte but the
// unreserved ones and '/').
func escapeKey(k string) string {
	const hexd = "0123456789ABCDEF"
	var sb strings.Builder
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~/", c) >= 0 {
			sb.WriteByte(c)
			continue
		}
		sb.WriteByte('%')
		sb.WriteByte(hexd[c>>4])
		sb.WriteByte(hexd[c&15])
	}
	return sb.String()
}

// builder carries Build's state.
type builder struct {
	b *bundle.Bundle
	w *World
	// accounts to create, by id; byCanonical maps canonical ids to them.
	accounts    map[string]*iam.AccountSpec
	byCanonical map[string]string
	owner       string
	// oaiCanonical are the canonical ids of the bundle's OAIs.
	oaiCanonical map[string]bool
	// bucketOwner by bucket name.
	bucketOwner map[string]string
	// policyAccounts are the account ids the bundle's policies name.
	policyAccounts map[string]bool
}

// scanPolicyAccounts records the account ids a policy's AWS principals name.
func (bl *builder) scanPolicyAccounts(doc string, kind policy.Kind) {
	p, err := policy.ParseWithOptions([]byte(doc), kind, policy.ParseOptions{MaxSize: -1})
	if err != nil {
		return
	}
	for _, st := range p.Statements() {
		for _, pv := range st.Principals() {
			if pv.Type != "AWS" {
				continue
			}
			id := pv.Value
			if strings.HasPrefix(id, "arn:") {
				id = bundle.ARNAccount(id)
			}
			if len(id) == 12 && strings.Trim(id, "0123456789") == "" {
				bl.policyAccounts[id] = true
			}
		}
	}
}

func (bl *builder) skip(path string, err error) {
	bl.w.Skipped = append(bl.w.Skipped, bundle.Problem{Path: path, Err: err})
}

func (bl *builder) note(format string, a ...any) {
	bl.w.Notes = append(bl.w.Notes, fmt.Sprintf(format, a...))
}

// validCanonical reports whether id is a canonical user id edgegate keeps
// (64 hex digits).
func validCanonical(id string) bool {
	if len(id) != 64 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

// addAccount registers an account to create (once).
func (bl *builder) addAccount(id, canonical, name string) {
	if a, ok := bl.accounts[id]; ok {
		if a.CanonicalID == "" && canonical != "" {
			a.CanonicalID = canonical
			bl.byCanonical[canonical] = id
		}
		return
	}
	if canonical != "" && !validCanonical(canonical) {
		bl.note("account %s: canonical id %q is not 64 hex digits; edgegate derives one", id, canonical)
		canonical = ""
	}
	cid := strings.ToLower(canonical)
	if cid == "" {
		cid = iam.DeriveCanonicalID(id)
	}
	key := "AKIA" + strings.ToUpper(hex.EncodeToString(sha256Sum(id))[:16])
	secret := make([]byte, 20)
	rand.Read(secret)
	if name == "" {
		name = id
	}
	bl.accounts[id] = &iam.AccountSpec{
		ID: id, Name: name, CanonicalID: cid,
		AccessKeys: []iam.AccessKeySpec{{ID: key, Secret: hex.EncodeToString(secret)}},
	}
	bl.byCanonical[cid] = id
}

func sha256Sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// accountForCanonical returns the account of a canonical id, creating a
// stand-in account (an id derived from it) for one the bundle does not
// place.
func (bl *builder) accountForCanonical(cid string) string {
	cid = strings.ToLower(cid)
	if id, ok := bl.byCanonical[cid]; ok {
		return id
	}
	// An account a policy names whose edgegate-derived canonical id this
	// is (bundles exported from edgegate itself; never true on AWS).
	for _, id := range sortedNames(bl.policyAccounts) {
		if iam.DeriveCanonicalID(id) == cid {
			bl.addAccount(id, cid, "")
			return id
		}
	}
	sum := sha256Sum("edgegate world account\x00" + cid)
	n := uint64(0)
	for _, c := range sum[:8] {
		n = n<<8 | uint64(c)
	}
	for {
		id := fmt.Sprintf("%012d", n%1_000_000_000_000)
		if _, taken := bl.accounts[id]; !taken {
			bl.addAccount(id, cid, "")
			bl.note("canonical user %s: an account of its own (%s) stands in for the one the bundle does not name", cid, id)
			return id
		}
		n++
	}
}

// plan decides the accounts and the server's region before opening it.
func (bl *builder) plan() error {
	b := bl.b
	bl.owner = b.AccountID()
	ownerCID := b.CanonicalID()
	if bl.owner == "" {
		// A bundle without caller identity, distribution ARN or keys: the
		// bucket owner's canonical id alone cannot name an account.
		if ownerCID == "" {
			return errors.New("world: the bundle names no account (no sts/get-caller-identity.json, distribution ARN, KMS key or bucket owner)")
		}
		bl.owner = "000000000000"
		bl.note("the bundle names no account id: %s stands in", bl.owner)
	}
	bl.addAccount(bl.owner, ownerCID, "owner")
	bl.policyAccounts = map[string]bool{}
	for _, bk := range b.Buckets {
		if bk.Policy != nil {
			bl.scanPolicyAccounts(bk.Policy.Policy, policy.BucketPolicy)
		}
	}
	for _, k := range b.KMSKeys {
		if k.KeyPolicy != nil {
			bl.scanPolicyAccounts(k.KeyPolicy.Policy, policy.KeyPolicy)
		}
	}
	bl.oaiCanonical = map[string]bool{}
	for _, o := range b.OriginAccessIdentities {
		if cid := o.CloudFrontOriginAccessIdentity.GetS3CanonicalUserId(); cid != "" {
			bl.oaiCanonical[strings.ToLower(cid)] = true
		}
	}
	// Accounts named by KMS keys and the distribution ARN.
	for _, k := range b.KMSKeys {
		if k.DescribeKey != nil && k.DescribeKey.KeyMetadata != nil {
			if a := k.DescribeKey.KeyMetadata.AWSAccountId; a != "" && a != bl.owner {
				bl.addAccount(a, "", "")
			}
		}
	}
	// Canonical users: bucket and object owners and ACL grantees.
	special := func(cid string) bool {
		cid = strings.ToLower(cid)
		return cid == "" || bl.oaiCanonical[cid] || cid == s3.AWSLogsDeliveryCanonicalID || cid == access.ExecReadID ||
			strings.EqualFold(cid, identity.AnonymousCanonicalID)
	}
	seeCanonical := func(cid string) {
		if !special(cid) {
			bl.accountForCanonical(cid)
		}
	}
	seeACL := func(a *bundle.AccessControlPolicy) {
		if a == nil {
			return
		}
		if a.Owner != nil {
			seeCanonical(a.Owner.ID)
		}
		for _, g := range a.Grants {
			if g.Grantee != nil && g.Grantee.Type == "CanonicalUser" {
				seeCanonical(g.Grantee.ID)
			}
		}
	}
	bl.bucketOwner = map[string]string{}
	for _, name := range sortedNames(b.Buckets) {
		bk := b.Buckets[name]
		seeACL(bk.ACL)
		for _, key := range sortedNames(bk.ObjectACLs) {
			seeACL(bk.ObjectACLs[key])
		}
		if bk.Objects != nil {
			for _, o := range bk.Objects.Contents {
				if o.Owner != nil {
					seeCanonical(o.Owner.ID)
				}
			}
		}
		owner := bl.owner
		if bk.ACL != nil && bk.ACL.Owner != nil && bk.ACL.Owner.ID != "" && !special(bk.ACL.Owner.ID) {
			owner = bl.accountForCanonical(bk.ACL.Owner.ID)
		}
		bl.bucketOwner[name] = owner
	}
	// The foreign probe account: one nothing in the bundle names.
	foreign := "999999999999"
	for n := 999999999999; bl.accounts[foreign] != nil; n-- {
		foreign = fmt.Sprintf("%012d", n)
	}
	bl.addAccount(foreign, "", "foreign-probe")
	cred := func(id string) Credentials {
		a := bl.accounts[id]
		return Credentials{AccountID: id, CanonicalID: a.CanonicalID, AccessKeyID: a.AccessKeys[0].ID, SecretAccessKey: a.AccessKeys[0].Secret}
	}
	bl.w.Owner, bl.w.Foreign = cred(bl.owner), cred(foreign)
	bl.w.Region = bl.region()
	return nil
}

// region picks the server's region: that of the owner's customer managed
// keys (KMS looks keys up in its own region), else of the first origin
// bucket, else us-east-1.
func (bl *builder) region() string {
	for _, name := range sortedNames(bl.b.KMSKeys) {
		k := bl.b.KMSKeys[name]
		if k.DescribeKey != nil && k.DescribeKey.KeyMetadata != nil {
			if r := arnRegion(k.DescribeKey.KeyMetadata.Arn); r != "" {
				return r
			}
		}
	}
	for _, name := range sortedNames(bl.b.Buckets) {
		if r := bl.b.Buckets[name].Region(); r != "" {
			return r
		}
	}
	return "us-east-1"
}

func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[3]
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// tempRoot is where worlds keep their data: a memory file system when
// the machine has one (a world is rebuilt per candidate fix; fsyncs there
// cost nothing), else the default temp directory.
var tempRoot = sync.OnceValue(func() string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if f, err := os.CreateTemp("/dev/shm", "edgegate-probe-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return "/dev/shm"
		}
	}
	return ""
})

func (bl *builder) open(ctx context.Context) error {
	dir, err := os.MkdirTemp(tempRoot(), "edgegate-world-")
	if err != nil {
		return fmt.Errorf("world: %w", err)
	}
	specs := make([]iam.AccountSpec, 0, len(bl.accounts))
	for _, id := range sortedNames(bl.accounts) {
		specs = append(specs, *bl.accounts[id])
	}
	doc, _ := json.Marshal(map[string]any{"accounts": specs})
	accountsFile := filepath.Join(dir, "accounts.json")
	if err := os.WriteFile(accountsFile, doc, 0o600); err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("world: %w", err)
	}
	srv, err := server.Open(ctx, server.Config{
		Listen: "127.0.0.1:0", DataDir: filepath.Join(dir, "data"), AccountsFile: accountsFile,
		NoDefaultAccount: true, Region: bl.w.Region, TraceCapacity: 1024,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("world: %w", err)
	}
	bl.w.Server, bl.w.dir = srv, dir
	return nil
}
