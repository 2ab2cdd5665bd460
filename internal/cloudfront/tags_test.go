package cloudfront

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func tagsBody(kv ...string) string {
	var b strings.Builder
	b.WriteString(`<Tags` + axNS + `><Items>`)
	for i := 0; i+1 < len(kv); i += 2 {
		b.WriteString("<Tag><Key>" + kv[i] + "</Key><Value>" + kv[i+1] + "</Value></Tag>")
	}
	b.WriteString(`</Items></Tags>`)
	return b.String()
}

func tagKeysBody(keys ...string) string {
	var b strings.Builder
	b.WriteString(`<TagKeys` + axNS + `><Items>`)
	for _, k := range keys {
		b.WriteString("<Key>" + k + "</Key>")
	}
	b.WriteString(`</Items></TagKeys>`)
	return b.String()
}

func TestTagValidation(t *testing.T) {
	tests := []struct {
		name string
		tags []string
		code string
	}{
		{"plain", []string{"env", "prod"}, ""},
		{"allowed punctuation and space", []string{"a b_.:/=+-@", "v a_.:/=+-@"}, ""},
		{"unicode letters", []string{"équipe", "données"}, ""},
		{"empty value", []string{"k", ""}, ""},
		{"128-char key", []string{strings.Repeat("k", 128), "v"}, ""},
		{"129-char key", []string{strings.Repeat("k", 129), "v"}, "InvalidTagging"},
		{"empty key", []string{"", "v"}, "InvalidTagging"},
		{"256-char value", []string{"k", strings.Repeat("v", 256)}, ""},
		{"257-char value", []string{"k", strings.Repeat("v", 257)}, "InvalidTagging"},
		{"bad key character", []string{"a*b", "v"}, "InvalidTagging"},
		{"bad value character", []string{"k", "a#b"}, "InvalidTagging"},
		{"aws: prefix", []string{"aws:owner", "v"}, "InvalidTagging"},
		{"duplicate key", []string{"k", "1", "k", "2"}, "InvalidTagging"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tags []Tag
			for i := 0; i+1 < len(tt.tags); i += 2 {
				tags = append(tags, Tag{Key: ptr(tt.tags[i]), Value: ptr(tt.tags[i+1])})
			}
			got := ""
			if e := validateTags(tags); e != nil {
				got = e.Code
			}
			if got != tt.code {
				t.Fatalf("validateTags = %q, want %q", got, tt.code)
			}
		})
	}
}

func TestTagging(t *testing.T) {
	h := newAX(t)
	dist := h.addDistribution(axAcct, "EDISTTAG", nil)
	arn := url.QueryEscape(DistributionARN(axAcct, dist))
	list := func() string {
		r := h.do(axAcct, "GET", "tagging?Resource="+arn, "").must(t, 200)
		var d struct {
			Items []Tag `xml:"Items>Tag"`
		}
		r.decode(t, &d)
		var out []string
		for _, tg := range d.Items {
			out = append(out, *tg.Key+"="+*tg.Value)
		}
		return strings.Join(out, ",")
	}
	if r := h.do(axAcct, "GET", "tagging?Resource="+arn, "").must(t, 200); !strings.Contains(r.body, "<Items></Items>") {
		t.Errorf("empty tag list: %s", r.body)
	}
	h.do(axAcct, "POST", "tagging?Operation=Tag&Resource="+arn, tagsBody("env", "prod", "team", "web")).must(t, 204)
	h.do(axAcct, "POST", "tagging?Operation=Tag&Resource="+arn, tagsBody("env", "staging", "cost", "")).must(t, 204)
	if got := list(); got != "env=staging,team=web,cost=" {
		t.Errorf("tags %s", got)
	}
	h.do(axAcct, "POST", "tagging?Operation=Untag&Resource="+arn, tagKeysBody("team", "absent")).must(t, 204)
	if got := list(); got != "env=staging,cost=" {
		t.Errorf("after untag %s", got)
	}
	h.s.mu.RLock()
	etag := h.s.state.Distributions[dist].ETag
	h.s.mu.RUnlock()
	if etag != "EDIST" {
		t.Errorf("tagging changed the distribution's ETag to %s", etag)
	}

	// Errors.
	h.do(axAcct, "POST", "tagging?Operation=Tag&Resource="+arn, tagsBody("aws:x", "v")).wantErr(t, 400, "InvalidTagging")
	h.do(axAcct, "POST", "tagging?Operation=Untag&Resource="+arn, tagKeysBody("")).wantErr(t, 400, "InvalidTagging")
	h.do(axAcct, "POST", "tagging?Operation=Tag&Resource="+arn, "").wantErr(t, 400, "MissingBody")
	h.do(axAcct, "POST", "tagging?Operation=Tag&Resource="+arn, `<Tags><Items><Tag><Value>v</Value></Tag></Items></Tags>`).wantErr(t, 400, "MalformedXML")
	h.do(axAcct, "GET", "tagging", "").wantErr(t, 400, "InvalidArgument")
	h.do(axAcct, "GET", "tagging?Resource=not-an-arn", "").wantErr(t, 400, "InvalidArgument")
	h.do(axAcct, "GET", "tagging?Resource="+url.QueryEscape("arn:aws:s3:::bucket"), "").wantErr(t, 400, "InvalidArgument")
	for _, res := range []string{
		DistributionARN(axAcct, "EUNKNOWN"),
		DistributionARN(axOther, dist),
		resourceARN(axAcct, "origin-access-identity", "E123"),
	} {
		h.do(axAcct, "GET", "tagging?Resource="+url.QueryEscape(res), "").wantErr(t, 404, "NoSuchResource")
		h.do(axAcct, "POST", "tagging?Operation=Tag&Resource="+url.QueryEscape(res), tagsBody("k", "v")).wantErr(t, 404, "NoSuchResource")
	}
	h.do(axOther, "GET", "tagging?Resource="+arn, "").wantErr(t, 404, "NoSuchResource")

	// At most 50 tags on a distribution.
	var kv []string
	for i := 0; i < 47; i++ { // with env and cost: 49
		kv = append(kv, fmt.Sprint("k", i), "v")
	}
	h.do(axAcct, "POST", "tagging?Operation=Tag&Resource="+arn, tagsBody(kv...)).must(t, 204)
	h.do(axAcct, "POST", "tagging?Operation=Tag&Resource="+arn, tagsBody("one", "1", "two", "2")).wantErr(t, 400, "InvalidTagging")
	h.do(axAcct, "POST", "tagging?Operation=Tag&Resource="+arn, tagsBody("env", "again", "one", "1")).must(t, 204)
	if n := strings.Count(list(), "="); n != 50 {
		t.Errorf("%d tags", n)
	}
	h.do(axAcct, "DELETE", "tagging?Resource="+arn, "").wantErr(t, 405, "MethodNotAllowed")
}
