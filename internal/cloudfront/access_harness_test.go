package cloudfront

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
)

// Accounts of the access tests (OAC, OAI, invalidations, tags, policies).
const (
	axAcct  = "111111111111"
	axOther = "222222222222"
)

// axHarness drives the service's HTTP API in process, as the account
// roots, with a controllable clock.
type axHarness struct {
	t   *testing.T
	s   *Service
	now time.Time
}

func newAX(t *testing.T) *axHarness { return newAXDir(t, "") }

func newAXDir(t *testing.T, dir string) *axHarness {
	t.Helper()
	h := &axHarness{t: t, now: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	s, err := Open(Config{Dir: dir, Now: func() time.Time { return h.now }})
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	return h
}

// axResp is one answer.
type axResp struct {
	status int
	header http.Header
	body   string
}

// code returns the error code of an error answer ("" otherwise).
func (r axResp) code() string {
	var e errorResponse
	if r.status < 300 || xml.Unmarshal([]byte(r.body), &e) != nil {
		return ""
	}
	return e.Code
}

// decode unmarshals the body into v, failing the test on error.
func (r axResp) decode(t *testing.T, v any) {
	t.Helper()
	if err := xml.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decoding %q: %v", r.body, err)
	}
}

// do sends method path (after /2020-05-31/) as account's root with body
// and headers given as name, value pairs.
func (h *axHarness) do(account, method, path, body string, hdr ...string) axResp {
	h.t.Helper()
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, "http://cloudfront.test"+apiPrefix+path, nil)
	} else {
		r = httptest.NewRequest(method, "http://cloudfront.test"+apiPrefix+path, strings.NewReader(body))
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	c := &reqctx.Call{RequestID: "REQ", Principal: identity.Principal{Type: identity.Root, Account: account, ARN: "arn:aws:iam::" + account + ":root"}}
	w := httptest.NewRecorder()
	h.s.ServeCloudFront(w, r, c)
	return axResp{status: w.Code, header: w.Header(), body: w.Body.String()}
}

// must fails the test unless r has status want.
func (r axResp) must(t *testing.T, want int) axResp {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
	}
	return r
}

// wantErr fails the test unless r is the error code with status.
func (r axResp) wantErr(t *testing.T, status int, code string) {
	t.Helper()
	if r.status != status || r.code() != code {
		t.Fatalf("got %d %s, want %d %s: %s", r.status, r.code(), status, code, r.body)
	}
}

// addDistribution stores a distribution of account directly (the tests of
// this file do not depend on CreateDistribution) and returns its id.
func (h *axHarness) addDistribution(account, id string, edit func(*DistributionConfig)) string {
	cfg := &DistributionConfig{
		CallerReference: ptr("ref-" + id), Comment: ptr(""), Enabled: ptr(true),
		Origins: &Origins{Quantity: ptr(int64(1)), Items: []Origin{{Id: ptr("o1"), DomainName: ptr("bucket.s3.us-east-1.amazonaws.com"),
			S3OriginConfig: &S3OriginConfig{OriginAccessIdentity: ptr("")}}}},
		DefaultCacheBehavior: &DefaultCacheBehavior{TargetOriginId: ptr("o1"), ViewerProtocolPolicy: ptr("allow-all")},
	}
	if edit != nil {
		edit(cfg)
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	h.s.state.Distributions[id] = &distributionRec{
		ID: id, Account: account, ARN: DistributionARN(account, id), DomainName: "d1.cloudfront.localhost", ETag: "EDIST", Config: cfg,
	}
	return id
}

func (h *axHarness) removeDistribution(id string) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	delete(h.s.state.Distributions, id)
}

const axNS = ` xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"`
