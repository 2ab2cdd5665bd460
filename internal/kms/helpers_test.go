package kms

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/iam"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/reqctx"
)

const (
	acctA = "111111111111"
	acctB = "222222222222"
)

// fakeIdentities maps a principal's unique id (AIDA… for users, the role
// id for sessions) to its identity policies.
type fakeIdentities map[string][]iam.NamedPolicy

func (f fakeIdentities) IdentityPolicies(p identity.Principal) []iam.NamedPolicy {
	switch p.Type {
	case identity.User:
		return f[p.UserID]
	case identity.AssumedRole:
		id, _, _ := strings.Cut(p.UserID, ":")
		return f[id]
	}
	return nil
}

// allow attaches an inline identity policy to the principal.
func (f fakeIdentities) attach(t *testing.T, p identity.Principal, name, doc string) {
	t.Helper()
	pol, err := policy.Parse([]byte(doc), policy.IdentityPolicy)
	if err != nil {
		t.Fatalf("identity policy %s: %v", name, err)
	}
	id, _, _ := strings.Cut(p.UserID, ":")
	f[id] = append(f[id], iam.NamedPolicy{Name: name, ARN: "inline:" + name, Policy: pol})
}

func rootOf(acct string) identity.Principal {
	return identity.Principal{Type: identity.Root, Account: acct, ARN: "arn:aws:iam::" + acct + ":root", UserID: acct}
}

func userOf(acct, name string) identity.Principal {
	return identity.Principal{Type: identity.User, Account: acct, ARN: "arn:aws:iam::" + acct + ":user/" + name,
		UserID: "AIDA" + strings.ToUpper(name) + acct, UserName: name}
}

func sessionOf(acct, role, session string) identity.Principal {
	return identity.Principal{Type: identity.AssumedRole, Account: acct,
		ARN:     "arn:aws:sts::" + acct + ":assumed-role/" + role + "/" + session,
		RoleARN: "arn:aws:iam::" + acct + ":role/" + role, UserID: "AROA" + strings.ToUpper(role) + ":" + session}
}

var cloudfront = identity.Principal{Type: identity.Service, ARN: "cloudfront.amazonaws.com", UserID: "cloudfront.amazonaws.com"}

// newTestService is an in-memory service with fake identities and a
// fixed clock.
func newTestService(t *testing.T, ids fakeIdentities) *Service {
	t.Helper()
	s, err := Open(Config{Identities: ids, Now: func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// result is one API call's outcome.
type result struct {
	status int
	body   map[string]any
	code   string
	msg    string
	header http.Header
}

func (r result) str(path ...string) string {
	var v any = r.body
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

// api calls op through ServeKMS as p with the JSON body (a string, or a
// value to marshal).
func api(t *testing.T, s *Service, p identity.Principal, op string, body any) result {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	case nil:
		raw = []byte("{}")
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(raw))
	req.Header.Set("X-Amz-Target", "TrentService."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	w := httptest.NewRecorder()
	c := &reqctx.Call{RequestID: awsapi.NewRequestID(), Principal: p, SourceIP: "127.0.0.1", Received: time.Now()}
	s.ServeKMS(w, req, c)
	res := result{status: w.Code, header: w.Header()}
	// x-amzn-RequestId is set in AWS's spelling, outside Go's canonical form.
	if got, amzn := w.Header().Get("X-Amz-Request-Id"), w.Header()["x-amzn-RequestId"]; got != c.RequestID || len(amzn) != 1 || amzn[0] != c.RequestID {
		t.Errorf("%s: request id headers %q / %q, want %q", op, got, amzn, c.RequestID)
	}
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &res.body); err != nil {
			t.Fatalf("%s: response %q: %v", op, w.Body.String(), err)
		}
	}
	res.code = res.str("__type")
	res.msg = res.str("message")
	return res
}

// mustAPI calls op and fails the test unless it succeeds.
func mustAPI(t *testing.T, s *Service, p identity.Principal, op string, body any) result {
	t.Helper()
	r := api(t, s, p, op, body)
	if r.status != 200 {
		t.Fatalf("%s: %d %s: %s", op, r.status, r.code, r.msg)
	}
	return r
}

// createKey creates a key as p (with the policy, if not "") and returns
// its id.
func createKey(t *testing.T, s *Service, p identity.Principal, pol string, bypass bool) string {
	t.Helper()
	in := map[string]any{"BypassPolicyLockoutSafetyCheck": bypass}
	if pol != "" {
		in["Policy"] = pol
	}
	return mustAPI(t, s, p, "CreateKey", in).str("KeyMetadata", "KeyId")
}

// info returns a key's snapshot.
func info(t *testing.T, s *Service, id string) *KeyInfo {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.keys[id]
	if !ok {
		t.Fatalf("no key %s", id)
	}
	return k.info()
}
