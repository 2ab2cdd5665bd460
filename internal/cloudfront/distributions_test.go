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

// distHarness drives the distribution API in process as account roots,
// with a controllable clock.
type distHarness struct {
	t   *testing.T
	s   *Service
	now time.Time
}

func newDistHarness(t *testing.T, dir string, delay time.Duration) *distHarness {
	t.Helper()
	h := &distHarness{t: t, now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	s, err := Open(Config{Dir: dir, DeployDelay: delay, Now: func() time.Time { return h.now }})
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	return h
}

type distResp struct {
	status int
	header http.Header
	body   string
}

func (r distResp) code() string {
	var e errorResponse
	if r.status < 300 || xml.Unmarshal([]byte(r.body), &e) != nil {
		return ""
	}
	return e.Code
}

func (r distResp) want(t *testing.T, status int, code string) distResp {
	t.Helper()
	if r.status != status || r.code() != code {
		t.Fatalf("got %d %q, want %d %q: %s", r.status, r.code(), status, code, r.body)
	}
	return r
}

func (h *distHarness) do(account, method, path, body string, hdr ...string) distResp {
	h.t.Helper()
	r := httptest.NewRequest(method, "http://cloudfront.test"+apiPrefix+path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	c := &reqctx.Call{RequestID: "REQ", Principal: identity.Principal{Type: identity.Root, Account: account, ARN: "arn:aws:iam::" + account + ":root"}}
	w := httptest.NewRecorder()
	h.s.ServeCloudFront(w, r, c)
	return distResp{status: w.Code, header: w.Header(), body: w.Body.String()}
}

// distXML renders cfg as a request document.
func distXML(t *testing.T, cfg *DistributionConfig) string {
	t.Helper()
	b, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"DistributionConfig"`
		*DistributionConfig
	}{DistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (h *distHarness) create(account string, cfg *DistributionConfig) (*Distribution, string) {
	h.t.Helper()
	r := h.do(account, "POST", "distribution", distXML(h.t, cfg)).want(h.t, 201, "")
	var d Distribution
	if err := xml.Unmarshal([]byte(r.body), &d); err != nil {
		h.t.Fatal(err)
	}
	return &d, r.header.Get("ETag")
}

func TestDistributionLifecycleInProcess(t *testing.T) {
	h := newDistHarness(t, t.TempDir(), time.Minute)
	cfg := minimalDistConfig()
	cfg.Aliases = &Aliases{Quantity: ptr[int64](1), Items: []string{"www.example.com"}}
	d, etag := h.create(vAcct, cfg)
	id := *d.Id
	if len(id) != 14 || id[0] != 'E' || *d.ARN != "arn:aws:cloudfront::"+vAcct+":distribution/"+id || *d.Status != "InProgress" ||
		!strings.HasSuffix(*d.DomainName, ".cloudfront.localhost") || len(*d.DomainName) != len("d")+13+len(".cloudfront.localhost") ||
		!d.LastModifiedTime.Equal(h.now) || *d.InProgressInvalidationBatches != 0 || d.ActiveTrustedSigners.GetEnabled() ||
		*d.ActiveTrustedKeyGroups.Quantity != 0 || etag == "" {
		t.Fatalf("created %+v etag %q", d, etag)
	}

	// InProgress until the deploy delay has passed.
	r := h.do(vAcct, "GET", "distribution/"+id, "").want(t, 200, "")
	if !strings.Contains(r.body, "<Status>InProgress</Status>") || r.header.Get("ETag") != etag {
		t.Fatalf("get: %s", r.body)
	}
	h.now = h.now.Add(time.Minute)
	if r = h.do(vAcct, "GET", "distribution/"+id, ""); !strings.Contains(r.body, "<Status>Deployed</Status>") {
		t.Fatalf("after the delay: %s", r.body)
	}

	// Invalidations not yet completed are counted.
	h.s.state.Invalidations[id] = []*invalidationRec{
		{ID: "I1", CompletedAt: h.now.Add(time.Second), Batch: &InvalidationBatch{CallerReference: ptr("a"), Paths: &Paths{Quantity: ptr[int64](0)}}},
		{ID: "I2", CompletedAt: h.now, Batch: &InvalidationBatch{CallerReference: ptr("b"), Paths: &Paths{Quantity: ptr[int64](0)}}},
	}
	if r = h.do(vAcct, "GET", "distribution/"+id, ""); !strings.Contains(r.body, "<InProgressInvalidationBatches>1</InProgressInvalidationBatches>") {
		t.Fatalf("invalidations: %s", r.body)
	}

	// The read API.
	v, ok := h.s.DistributionByHost("WWW.Example.com:8443")
	if !ok || v.ID != id || v.Account != vAcct || !v.Enabled || v.ETag != etag || v.Config.GetComment() != "" {
		t.Fatalf("by alias: %+v %v", v, ok)
	}
	if v, ok = h.s.DistributionByHost(*d.DomainName + "."); !ok || v.ID != id {
		t.Fatalf("by domain: %v", ok)
	}

	// Other accounts do not see it.
	h.do(vOther, "GET", "distribution/"+id, "").want(t, 404, "NoSuchDistribution")
	h.do(vOther, "GET", "distribution/"+id+"/config", "").want(t, 404, "NoSuchDistribution")
	h.do(vOther, "DELETE", "distribution/"+id, "", "If-Match", etag).want(t, 404, "NoSuchDistribution")

	// Update: If-Match required and current; CallerReference fixed.
	upd := minimalDistConfig()
	upd.Enabled = ptr(false)
	h.do(vAcct, "PUT", "distribution/"+id+"/config", distXML(t, upd)).want(t, 400, "InvalidIfMatchVersion")
	h.do(vAcct, "PUT", "distribution/"+id+"/config", distXML(t, upd), "If-Match", "ESTALE").want(t, 412, "PreconditionFailed")
	bad := minimalDistConfig()
	bad.CallerReference = ptr("other")
	h.do(vAcct, "PUT", "distribution/"+id+"/config", distXML(t, bad), "If-Match", etag).want(t, 400, "IllegalUpdate")
	h.do(vAcct, "PUT", "distribution/EMISSING/config", distXML(t, upd), "If-Match", etag).want(t, 404, "NoSuchDistribution")
	r = h.do(vAcct, "PUT", "distribution/"+id+"/config", distXML(t, upd), "If-Match", etag).want(t, 200, "")
	etag2 := r.header.Get("ETag")
	if etag2 == "" || etag2 == etag || !strings.Contains(r.body, "<Status>InProgress</Status>") || !strings.Contains(r.body, "<Enabled>false</Enabled>") {
		t.Fatalf("update: %v %s", r.header, r.body)
	}
	// The replaced configuration has no alias any more.
	if _, ok := h.s.DistributionByHost("www.example.com"); ok {
		t.Fatal("the removed alias still resolves")
	}

	// Delete: stale ETag, then still deploying the disable, then done.
	h.do(vAcct, "DELETE", "distribution/"+id, "", "If-Match", etag).want(t, 412, "PreconditionFailed")
	h.do(vAcct, "DELETE", "distribution/"+id, "").want(t, 400, "InvalidIfMatchVersion")
	h.do(vAcct, "DELETE", "distribution/"+id, "", "If-Match", etag2).want(t, 409, "DistributionNotDisabled")
	h.now = h.now.Add(time.Minute)
	r = h.do(vAcct, "DELETE", "distribution/"+id, "", "If-Match", etag2).want(t, 204, "")
	if r.body != "" {
		t.Errorf("204 with body %q", r.body)
	}
	if _, ok := h.s.state.Invalidations[id]; ok {
		t.Error("the invalidations survived the distribution")
	}
	if _, ok := h.s.Distribution(id); ok {
		t.Error("Distribution still finds it")
	}
	h.do(vAcct, "GET", "distribution/"+id, "").want(t, 404, "NoSuchDistribution")
}

func TestDeleteEnabledDistribution(t *testing.T) {
	h := newDistHarness(t, "", 0)
	d, etag := h.create(vAcct, minimalDistConfig())
	h.do(vAcct, "DELETE", "distribution/"+*d.Id, "", "If-Match", etag).want(t, 409, "DistributionNotDisabled")
}

func TestCreateDistributionRules(t *testing.T) {
	h := newDistHarness(t, "", 0)
	h.create(vAcct, minimalDistConfig())
	// The same CallerReference: refused in the account, whatever the content.
	again := minimalDistConfig()
	again.Comment = ptr("different")
	r := h.do(vAcct, "POST", "distribution", distXML(t, again)).want(t, 409, "DistributionAlreadyExists")
	if !strings.Contains(r.body, "Already exists: E") {
		t.Errorf("message: %s", r.body)
	}
	// Another account may use it.
	h.create(vOther, minimalDistConfig())

	// Strict documents.
	h.do(vAcct, "POST", "distribution", "").want(t, 400, "MissingBody")
	h.do(vAcct, "POST", "distribution", "<DistributionConfig><CallerReference>x").want(t, 400, "MalformedInput")
	h.do(vAcct, "POST", "distribution", `<DistributionConfig><Bogus/></DistributionConfig>`).want(t, 400, "MalformedInput")
	r = h.do(vAcct, "POST", "distribution", `<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><CallerReference>n</CallerReference></DistributionConfig>`).
		want(t, 400, "MalformedXML")
	if !strings.Contains(r.body, "Value null at &#39;distributionConfig.enabled&#39; failed to satisfy constraint: Member must not be null") {
		t.Errorf("message: %s", r.body)
	}

	// CreateDistributionWithTags keeps the tags; bad tags are InvalidTagging.
	withTags := func(ref, tags string) string {
		cfg := minimalDistConfig()
		cfg.CallerReference = ptr(ref)
		body := strings.TrimPrefix(distXML(t, cfg), "<DistributionConfig>")
		return `<DistributionConfigWithTags><DistributionConfig>` + body + `<Tags><Items>` + tags + `</Items></Tags></DistributionConfigWithTags>`
	}
	r = h.do(vAcct, "POST", "distribution?WithTags", withTags("t1", `<Tag><Key>env</Key><Value>dev</Value></Tag>`)).want(t, 201, "")
	var d Distribution
	if err := xml.Unmarshal([]byte(r.body), &d); err != nil {
		t.Fatal(err)
	}
	if tags := h.s.state.Distributions[*d.Id].Tags; len(tags) != 1 || *tags[0].Key != "env" || *tags[0].Value != "dev" {
		t.Errorf("tags %+v", tags)
	}
	h.do(vAcct, "POST", "distribution?WithTags", withTags("t2", `<Tag><Key>aws:x</Key></Tag>`)).want(t, 400, "InvalidTagging")
	cfg := minimalDistConfig()
	cfg.CallerReference, cfg.HttpVersion = ptr("t4"), ptr("HTTP2")
	body := `<DistributionConfigWithTags>` + distXML(t, cfg) + `<Tags></Tags></DistributionConfigWithTags>`
	r = h.do(vAcct, "POST", "distribution?WithTags", body).want(t, 400, "MalformedXML")
	if !strings.Contains(r.body, "distributionConfigWithTags.distributionConfig.httpVersion") {
		t.Errorf("message: %s", r.body)
	}
}

func TestListDistributionsPaging(t *testing.T) {
	h := newDistHarness(t, "", 0)
	var ids []string
	for i := 0; i < 5; i++ {
		cfg := minimalDistConfig()
		cfg.CallerReference = ptr("ref" + string(rune('a'+i)))
		d, _ := h.create(vAcct, cfg)
		ids = append(ids, *d.Id)
	}
	h.create(vOther, minimalDistConfig())
	var got []string
	marker := ""
	for pages := 0; ; pages++ {
		path := "distribution?MaxItems=2"
		if marker != "" {
			path += "&Marker=" + marker
		}
		r := h.do(vAcct, "GET", path, "").want(t, 200, "")
		var l DistributionList
		if err := xml.Unmarshal([]byte(r.body), &l); err != nil {
			t.Fatal(err)
		}
		if *l.Marker != marker || *l.MaxItems != 2 || *l.Quantity != int64(len(l.Items)) {
			t.Fatalf("page %s", r.body)
		}
		for _, s := range l.Items {
			if *s.Status != "Deployed" || *s.ETag == "" || s.DefaultCacheBehavior == nil || s.Staging == nil {
				t.Fatalf("summary %s", r.body)
			}
			got = append(got, *s.Id)
		}
		if !*l.IsTruncated {
			if l.NextMarker != nil {
				t.Fatalf("last page with NextMarker: %s", r.body)
			}
			break
		}
		marker = *l.NextMarker
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(got) != 5 {
		t.Fatalf("listed %v, created %v", got, ids)
	}
	for i := 1; i < len(got); i++ {
		if got[i-1] >= got[i] {
			t.Fatalf("not ordered by id: %v", got)
		}
	}
	h.do(vAcct, "GET", "distribution?MaxItems=abc", "").want(t, 400, "InvalidArgument")
	r := h.do("999999999999", "GET", "distribution", "").want(t, 200, "")
	if !strings.Contains(r.body, "<Marker></Marker><MaxItems>100</MaxItems><IsTruncated>false</IsTruncated><Quantity>0</Quantity></DistributionList>") {
		t.Errorf("empty list: %s", r.body)
	}
}

func TestDistributionDocumentsOmitEmptyLists(t *testing.T) {
	h := newDistHarness(t, "", 0)
	d, _ := h.create(vAcct, minimalDistConfig())
	r := h.do(vAcct, "GET", "distribution/"+*d.Id+"/config", "").want(t, 200, "")
	for _, s := range []string{"<Items></Items>", "<AliasICPRecordals>"} {
		if strings.Contains(r.body, s) {
			t.Errorf("document contains %s: %s", s, r.body)
		}
	}
	for _, s := range []string{"<Aliases><Quantity>0</Quantity></Aliases>", "<DefaultRootObject></DefaultRootObject>", "<Comment></Comment>"} {
		if !strings.Contains(r.body, s) {
			t.Errorf("document lacks %s: %s", s, r.body)
		}
	}
}

func TestDistributionByHost(t *testing.T) {
	h := newDistHarness(t, t.TempDir(), 0)
	a := minimalDistConfig()
	a.Aliases = &Aliases{Quantity: ptr[int64](2), Items: []string{"Www.Example.com", "*.example.org"}}
	da, _ := h.create(vAcct, a)
	b := minimalDistConfig()
	b.CallerReference = ptr("b")
	b.Enabled = ptr(false)
	b.Aliases = &Aliases{Quantity: ptr[int64](1), Items: []string{"exact.example.org"}}
	db, _ := h.create(vOther, b)
	tests := []struct {
		host string
		want string
	}{
		{"www.example.com", *da.Id},
		{"WWW.EXAMPLE.COM:80", *da.Id},
		{"www.example.com.", *da.Id},
		{"img.example.org", *da.Id},
		{"exact.example.org", *db.Id}, // an exact name beats the wildcard
		{"a.b.example.org", ""},
		{"example.org", ""},
		{*db.DomainName, *db.Id},
		{strings.ToUpper(*da.DomainName) + ":443", *da.Id},
		{"unknown.example.com", ""},
		{"", ""},
	}
	check := func(s *Service) {
		for _, tt := range tests {
			v, ok := s.DistributionByHost(tt.host)
			if got := ""; ok {
				got = v.ID
				if got != tt.want {
					t.Errorf("%q: %s, want %q", tt.host, got, tt.want)
				}
			} else if tt.want != "" {
				t.Errorf("%q: not found, want %s", tt.host, tt.want)
			}
		}
	}
	check(h.s)
	if v, _ := h.s.Distribution(*db.Id); v.Enabled || v.Account != vOther {
		t.Errorf("disabled distribution view %+v", v)
	}
	// The state persists; a reopened service resolves the same names.
	dir := h.s.dir
	s2, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	check(s2)
}

// TestDistributionByHostConcurrentChanges resolves names while updates
// move an alias between two values (run with -race).
func TestDistributionByHostConcurrentChanges(t *testing.T) {
	h := newDistHarness(t, "", 0)
	cfg := minimalDistConfig()
	cfg.Aliases = &Aliases{Quantity: ptr[int64](1), Items: []string{"a.example.com"}}
	d, etag := h.create(vAcct, cfg)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			if v, ok := h.s.DistributionByHost("a.example.com"); ok && v.ID != *d.Id {
				t.Errorf("resolved to %s", v.ID)
			}
			h.s.DistributionByHost("b.example.com")
		}
	}()
	for i := 0; i < 50; i++ {
		c := minimalDistConfig()
		name := []string{"a.example.com", "b.example.com"}[i%2]
		c.Aliases = &Aliases{Quantity: ptr[int64](1), Items: []string{name}}
		r := h.do(vAcct, "PUT", "distribution/"+*d.Id+"/config", distXML(t, c), "If-Match", etag).want(t, 200, "")
		etag = r.header.Get("ETag")
		if v, ok := h.s.DistributionByHost(name); !ok || v.ETag != etag {
			t.Fatalf("after update %d: %+v %v", i, v, ok)
		}
	}
	<-done
}
