package traces

import (
	"strconv"
	"testing"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/s3/access"
	"github.com/edgegate/edgegate/internal/s3/authz"
)

func TestRingDropsOldest(t *testing.T) {
	s := New(3)
	for i := 0; i < 5; i++ {
		s.Put(&Record{RequestID: "R" + strconv.Itoa(i)})
	}
	for i := 0; i < 5; i++ {
		_, ok := s.Get("R" + strconv.Itoa(i))
		if want := i >= 2; ok != want {
			t.Errorf("Get(R%d) = %v, want %v", i, ok, want)
		}
	}
}

func TestReadable(t *testing.T) {
	rec := &Record{Owners: []string{"111111111111", "222222222222"}}
	tests := []struct {
		p    identity.Principal
		want bool
	}{
		{identity.Principal{Type: identity.Root, Account: "111111111111"}, true},
		{identity.Principal{Type: identity.User, Account: "222222222222"}, true},
		{identity.Principal{Type: identity.Root, Account: "333333333333"}, false},
		{identity.AnonymousPrincipal, false},
	}
	for _, tt := range tests {
		if got := rec.Readable(tt.p); got != tt.want {
			t.Errorf("Readable(%+v) = %v, want %v", tt.p, got, tt.want)
		}
	}
}

// TestReplayMatchesTheRecordedDecision checks the contract explain relies
// on: replaying a kept snapshot reproduces its result, now with a trace.
func TestReplayMatchesTheRecordedDecision(t *testing.T) {
	pol, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"OnlyVpce","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}`), policy.BucketPolicy)
	if err != nil {
		t.Fatal(err)
	}
	var c Check
	c.Bucket = authz.Bucket{Name: "b", Owner: "111111111111", Policy: pol, Ownership: access.BucketOwnerEnforced}
	c.Input = authz.Input{Principal: identity.Principal{Type: identity.Root, Account: "111111111111", ARN: "arn:aws:iam::111111111111:root"},
		Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Bucket: &c.Bucket}
	c.Context.Set(authz.KeySourceIP, "127.0.0.1")
	in := c.Input
	in.Context = &c.Context
	c.Result = authz.Authorize(&in, nil)
	if c.Result.Allowed || c.Result.Reason != authz.ReasonExplicitDenyBucketPolicy {
		t.Fatalf("decision %+v, want an explicit deny by the bucket policy", c.Result)
	}
	res, tr := c.Replay()
	if res != c.Result {
		t.Fatalf("replay %+v, recorded %+v", res, c.Result)
	}
	if _, st, ok := tr.Deciding(policy.ExplicitDeny); !ok || st.Sid != "OnlyVpce" {
		t.Fatalf("replayed trace does not name Sid OnlyVpce:\n%s", tr)
	}
}
