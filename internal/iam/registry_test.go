package iam

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
)

var siteAccount = AccountSpec{
	ID:         "111122223333",
	Name:       "site",
	Email:      "ops@example.com",
	AccessKeys: []AccessKeySpec{{ID: "AKIASITEROOT00000001", Secret: "site-secret"}},
}

func mustRegistry(t *testing.T, dir string, specs []AccountSpec, withDefault bool) *Registry {
	t.Helper()
	r, err := NewRegistry(dir, specs, withDefault)
	if err != nil {
		t.Fatalf("NewRegistry: %v", err)
	}
	return r
}

// principal returns the principal of an access key, failing the test when
// the key is unknown.
func principal(t *testing.T, r *Registry, key string) identity.Principal {
	t.Helper()
	p, ok := r.PrincipalForKey(key)
	if !ok {
		t.Fatalf("PrincipalForKey(%q): unknown", key)
	}
	return p
}

// call runs one IAM (or STS, when the Version says so) request in-process
// as principal p and returns the recorded response.
func call(t *testing.T, r *Registry, p identity.Principal, kv ...string) *httptest.ResponseRecorder {
	t.Helper()
	form := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Add(kv[i], kv[i+1])
	}
	if form.Get("Version") == "" {
		form.Set("Version", iamVersion)
	}
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	c := &reqctx.Call{RequestID: awsapi.NewRequestID(), Principal: p, Received: time.Now()}
	w := httptest.NewRecorder()
	if form.Get("Version") == stsVersion {
		r.ServeSTS(w, req, c)
	} else {
		r.ServeIAM(w, req, c)
	}
	if got := w.Header().Get("X-Amz-Request-Id"); got != c.RequestID {
		t.Errorf("x-amz-request-id = %q, want %q", got, c.RequestID)
	}
	return w
}

// errorCode parses an ErrorResponse body.
func errorOf(t *testing.T, w *httptest.ResponseRecorder) (code, msg string) {
	t.Helper()
	var doc struct {
		Error struct {
			Type, Code, Message string
		}
		RequestID string `xml:"RequestId"`
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("bad error document %q: %v", w.Body.String(), err)
	}
	return doc.Error.Code, doc.Error.Message
}

func TestRegistryLookups(t *testing.T) {
	r := mustRegistry(t, "", []AccountSpec{siteAccount}, true)

	if s, ok := r.SecretKey("test"); !ok || s != "test" {
		t.Errorf("SecretKey(test) = %q, %v", s, ok)
	}
	if _, ok := r.SecretKey("nope"); ok {
		t.Error("SecretKey(nope) found")
	}
	root := principal(t, r, "test")
	want := identity.Principal{
		Type: identity.Root, Account: DefaultAccountID, ARN: "arn:aws:iam::000000000000:root",
		UserID: DefaultAccountID, CanonicalID: DeriveCanonicalID(DefaultAccountID),
		DisplayName: "default", AccessKeyID: "test",
	}
	if root != want {
		t.Errorf("default root principal = %+v, want %+v", root, want)
	}
	site := principal(t, r, "AKIASITEROOT00000001")
	if site.Type != identity.Root || site.Account != "111122223333" || site.ARN != "arn:aws:iam::111122223333:root" || site.DisplayName != "site" {
		t.Errorf("site principal = %+v", site)
	}

	acc, ok := r.Account("111122223333")
	if !ok || acc.Name != "site" || acc.DisplayName != "site" || acc.Email != "ops@example.com" || acc.CanonicalID != DeriveCanonicalID("111122223333") {
		t.Errorf("Account = %+v, %v", acc, ok)
	}
	if got, ok := r.AccountByCanonicalID(acc.CanonicalID); !ok || got.ID != acc.ID {
		t.Errorf("AccountByCanonicalID = %+v, %v", got, ok)
	}
	if _, ok := r.Account("999999999999"); ok {
		t.Error("unknown account found")
	}
	all := r.Accounts()
	if len(all) != 2 || all[0].ID != DefaultAccountID || all[1].ID != "111122223333" {
		t.Errorf("Accounts = %+v", all)
	}

	// A user's key gives a User principal.
	w := call(t, r, site, "Action", "CreateUser", "UserName", "deploy", "Path", "/ci/")
	if w.Code != 200 {
		t.Fatalf("CreateUser: %d %s", w.Code, w.Body)
	}
	w = call(t, r, site, "Action", "CreateAccessKey", "UserName", "deploy")
	var ck struct {
		Result struct {
			AccessKey struct {
				AccessKeyID     string `xml:"AccessKeyId"`
				SecretAccessKey string
			} `xml:"AccessKey"`
		} `xml:"CreateAccessKeyResult"`
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &ck); err != nil {
		t.Fatal(err)
	}
	k := ck.Result.AccessKey
	if len(k.AccessKeyID) != 20 || !strings.HasPrefix(k.AccessKeyID, "AKIA") || len(k.SecretAccessKey) != 40 {
		t.Fatalf("access key %+v", k)
	}
	if s, ok := r.SecretKey(k.AccessKeyID); !ok || s != k.SecretAccessKey {
		t.Errorf("SecretKey(new) = %q, %v", s, ok)
	}
	u := principal(t, r, k.AccessKeyID)
	if u.Type != identity.User || u.Account != "111122223333" || u.ARN != "arn:aws:iam::111122223333:user/ci/deploy" ||
		u.UserName != "deploy" || !strings.HasPrefix(u.UserID, "AIDA") || len(u.UserID) != 21 ||
		u.CanonicalID != acc.CanonicalID || u.DisplayName != "site" || u.AccessKeyID != k.AccessKeyID {
		t.Errorf("user principal = %+v", u)
	}
}

func TestRegistryNoDefault(t *testing.T) {
	r := mustRegistry(t, "", []AccountSpec{siteAccount}, false)
	if _, ok := r.SecretKey("test"); ok {
		t.Error("default key exists with the default account off")
	}
	if _, ok := r.Account(DefaultAccountID); ok {
		t.Error("default account exists with the default account off")
	}
	// With the default account off, the file may use its id and key.
	mine := AccountSpec{ID: DefaultAccountID, Name: "mine", AccessKeys: []AccessKeySpec{{ID: "test", Secret: "other"}}}
	r = mustRegistry(t, "", []AccountSpec{mine}, false)
	if s, _ := r.SecretKey("test"); s != "other" {
		t.Errorf("SecretKey(test) = %q", s)
	}
}

func TestRegistryConflictsWithDefault(t *testing.T) {
	tests := []struct {
		name string
		spec AccountSpec
		want string
	}{
		{"default id", AccountSpec{ID: DefaultAccountID}, "is the default account"},
		{"default key", AccountSpec{ID: "111122223333", AccessKeys: []AccessKeySpec{{ID: "test", Secret: "x"}}}, `access key "test" is the default account's root key`},
		{"default canonical id", AccountSpec{ID: "111122223333", CanonicalID: DeriveCanonicalID(DefaultAccountID)}, "default account's canonical id"},
		{"invalid spec", AccountSpec{ID: "1"}, "accounts[0].id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRegistry("", []AccountSpec{tt.spec}, true)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestHotPathDoesNotAllocate(t *testing.T) {
	r := mustRegistry(t, "", []AccountSpec{siteAccount}, true)
	n := testing.AllocsPerRun(1000, func() {
		if _, ok := r.SecretKey("AKIASITEROOT00000001"); !ok {
			t.Fatal("missing")
		}
		if _, ok := r.PrincipalForKey("test"); !ok {
			t.Fatal("missing")
		}
	})
	if n != 0 {
		t.Errorf("SecretKey+PrincipalForKey allocate %v times per call", n)
	}
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	r1 := mustRegistry(t, dir, []AccountSpec{siteAccount}, true)
	root := principal(t, r1, "test")
	if w := call(t, r1, root, "Action", "CreateUser", "UserName", "alice", "Tags.member.1.Key", "team", "Tags.member.1.Value", "web"); w.Code != 200 {
		t.Fatalf("CreateUser: %d %s", w.Code, w.Body)
	}
	w := call(t, r1, root, "Action", "CreateAccessKey", "UserName", "alice")
	if w.Code != 200 {
		t.Fatalf("CreateAccessKey: %d %s", w.Code, w.Body)
	}
	var ck struct {
		Result struct {
			AccessKey struct {
				AccessKeyID     string `xml:"AccessKeyId"`
				SecretAccessKey string
			} `xml:"AccessKey"`
		} `xml:"CreateAccessKeyResult"`
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &ck); err != nil {
		t.Fatal(err)
	}
	key := ck.Result.AccessKey
	// A root key created through the API persists too.
	w = call(t, r1, root, "Action", "CreateAccessKey")
	if w.Code != 200 {
		t.Fatalf("CreateAccessKey (root): %d %s", w.Code, w.Body)
	}
	var rk struct {
		Result struct {
			AccessKey struct {
				AccessKeyID string `xml:"AccessKeyId"`
				UserName    string
			} `xml:"AccessKey"`
		} `xml:"CreateAccessKeyResult"`
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &rk); err != nil {
		t.Fatal(err)
	}
	if rk.Result.AccessKey.UserName != "" {
		t.Errorf("root key has UserName %q", rk.Result.AccessKey.UserName)
	}
	aliceBefore := principal(t, r1, key.AccessKeyID)

	info, err := os.Stat(filepath.Join(dir, stateFileName))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", info.Mode().Perm())
	}
	// A temp file left by a crash mid-save is swept at start-up.
	stale := filepath.Join(dir, "."+stateFileName+".123.tmp")
	if err := os.WriteFile(stale, []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}

	r2 := mustRegistry(t, dir, []AccountSpec{siteAccount}, true)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temp file not swept: %v", err)
	}
	if s, ok := r2.SecretKey(key.AccessKeyID); !ok || s != key.SecretAccessKey {
		t.Fatalf("after restart SecretKey = %q, %v", s, ok)
	}
	if p := principal(t, r2, key.AccessKeyID); p != aliceBefore {
		t.Errorf("principal changed across restart: %+v vs %+v", p, aliceBefore)
	}
	if p := principal(t, r2, rk.Result.AccessKey.AccessKeyID); p.Type != identity.Root || p.Account != DefaultAccountID {
		t.Errorf("root API key after restart: %+v", p)
	}
	w = call(t, r2, principal(t, r2, "test"), "Action", "GetUser", "UserName", "alice")
	if w.Code != 200 || !strings.Contains(w.Body.String(), "<Key>team</Key><Value>web</Value>") {
		t.Errorf("GetUser after restart: %d %s", w.Code, w.Body)
	}

	// The root user's CreateDate (first sight of the account) is stable.
	getRoot := func(r *Registry) string {
		w := call(t, r, principal(t, r, "test"), "Action", "GetUser")
		var doc struct {
			User struct{ CreateDate string } `xml:"GetUserResult>User"`
		}
		if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		return doc.User.CreateDate
	}
	if a, b := getRoot(r1), getRoot(r2); a == "" || a != b {
		t.Errorf("root CreateDate %q then %q", a, b)
	}

	// Dropping the default account for one run keeps its users in the
	// file; bringing it back restores them.
	r3 := mustRegistry(t, dir, []AccountSpec{siteAccount}, false)
	if _, ok := r3.SecretKey(key.AccessKeyID); ok {
		t.Error("key of an unconfigured account authenticates")
	}
	site := principal(t, r3, "AKIASITEROOT00000001")
	if w := call(t, r3, site, "Action", "CreateUser", "UserName", "bob"); w.Code != 200 {
		t.Fatalf("CreateUser bob: %d %s", w.Code, w.Body)
	}
	r4 := mustRegistry(t, dir, []AccountSpec{siteAccount}, true)
	if _, ok := r4.SecretKey(key.AccessKeyID); !ok {
		t.Error("alice's key lost after the default account was off for a run")
	}
	if w := call(t, r4, principal(t, r4, "AKIASITEROOT00000001"), "Action", "GetUser", "UserName", "bob"); w.Code != 200 {
		t.Errorf("bob lost: %d %s", w.Code, w.Body)
	}

	// A deleted user stays deleted.
	root4 := principal(t, r4, "test")
	for _, k := range []string{key.AccessKeyID} {
		if w := call(t, r4, root4, "Action", "DeleteAccessKey", "UserName", "alice", "AccessKeyId", k); w.Code != 200 {
			t.Fatalf("DeleteAccessKey: %d %s", w.Code, w.Body)
		}
	}
	if w := call(t, r4, root4, "Action", "DeleteUser", "UserName", "alice"); w.Code != 200 {
		t.Fatalf("DeleteUser: %d %s", w.Code, w.Body)
	}
	r5 := mustRegistry(t, dir, []AccountSpec{siteAccount}, true)
	if w := call(t, r5, principal(t, r5, "test"), "Action", "GetUser", "UserName", "alice"); w.Code != 404 {
		t.Errorf("deleted user back after restart: %d %s", w.Code, w.Body)
	}
}

func TestPersistenceErrors(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, stateFileName)
	if err := os.WriteFile(state, []byte(`{"version":1,"accounts":[],"bogus":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRegistry(dir, nil, true); err == nil || !strings.Contains(err.Error(), "corrupt state file") {
		t.Errorf("unknown field: err = %v", err)
	}
	if err := os.WriteFile(state, []byte(`{"version":9,"accounts":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRegistry(dir, nil, true); err == nil || !strings.Contains(err.Error(), "state version 9") {
		t.Errorf("version: err = %v", err)
	}
	// A persisted user key that the accounts file now also configures.
	doc := `{"version":1,"accounts":[{"id":"000000000000","created":"2024-01-01T00:00:00Z","users":[
		{"name":"a","path":"/","id":"AIDAAAAAAAAAAAAAAAAAA","created":"2024-01-01T00:00:00Z",
		 "access_keys":[{"id":"AKIASITEROOT00000001","secret":"x","status":"Active","created":"2024-01-01T00:00:00Z"}]}]}]}`
	if err := os.WriteFile(state, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRegistry(dir, []AccountSpec{siteAccount}, true); err == nil || !strings.Contains(err.Error(), "AKIASITEROOT00000001") {
		t.Errorf("key collision: err = %v", err)
	}
}

// TestConcurrentUse runs API mutations while the hot path looks keys up;
// run with -race.
func TestConcurrentUse(t *testing.T) {
	r := mustRegistry(t, t.TempDir(), nil, true)
	root := principal(t, r, "test")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20000; i++ {
			if _, ok := r.SecretKey("test"); !ok {
				t.Error("root key vanished")
				return
			}
			r.PrincipalForKey("AKIAIOSFODNN7EXAMPLE")
			r.Account(DefaultAccountID)
		}
	}()
	for i := 0; i < 20; i++ {
		name := "u" + strings.Repeat("x", i%5) + string(rune('a'+i))
		call(t, r, root, "Action", "CreateUser", "UserName", name)
		w := call(t, r, root, "Action", "CreateAccessKey", "UserName", name)
		if w.Code != 200 {
			t.Fatalf("CreateAccessKey: %d %s", w.Code, w.Body)
		}
		call(t, r, root, "Action", "ListUsers")
	}
	<-done
}
