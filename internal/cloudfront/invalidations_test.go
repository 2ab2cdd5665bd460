package cloudfront

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// invalidationBody is an InvalidationBatch with quantity (-1: the number
// of paths) and the paths.
func invalidationBody(ref string, quantity int, paths ...string) string {
	if quantity < 0 {
		quantity = len(paths)
	}
	var b strings.Builder
	b.WriteString(`<InvalidationBatch` + axNS + `><Paths><Quantity>` + strconv.Itoa(quantity) + `</Quantity>`)
	if len(paths) > 0 {
		b.WriteString("<Items>")
		for _, p := range paths {
			b.WriteString("<Path>" + p + "</Path>")
		}
		b.WriteString("</Items>")
	}
	b.WriteString(`</Paths><CallerReference>` + ref + `</CallerReference></InvalidationBatch>`)
	return b.String()
}

func manyPaths(n int, prefix string) []string {
	p := make([]string, n)
	for i := range p {
		p[i] = fmt.Sprintf("%s%d.html", prefix, i)
	}
	return p
}

func wildPaths(n int, prefix string) []string {
	p := make([]string, n)
	for i := range p {
		p[i] = fmt.Sprintf("%s%d*", prefix, i)
	}
	return p
}

func TestInvalidationValidation(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"one path", invalidationBody("a", -1, "/index.html"), 201, ""},
		{"wildcard at the end", invalidationBody("b", -1, "/images/*", "/*"), 201, ""},
		{"query string", invalidationBody("c", -1, "/a.jpg?x=1"), 201, ""},
		{"3000 paths", invalidationBody("d", -1, manyPaths(3000, "/f")...), 201, ""},
		{"3001 paths", invalidationBody("e", -1, manyPaths(3001, "/f")...), 413, "BatchTooLarge"},
		{"quantity mismatch", invalidationBody("f", 2, "/a"), 400, "InconsistentQuantities"},
		{"no paths", invalidationBody("g", 0), 400, "InvalidArgument"},
		{"no leading slash", invalidationBody("h", -1, "index.html"), 400, "InvalidArgument"},
		{"inner wildcard", invalidationBody("i", -1, "/a*/b"), 400, "InvalidArgument"},
		{"4000 characters", invalidationBody("j", -1, "/"+strings.Repeat("p", 3999)), 201, ""},
		{"4001 characters", invalidationBody("k", -1, "/"+strings.Repeat("p", 4000)), 400, "InvalidArgument"},
		{"15 wildcards", invalidationBody("l", -1, wildPaths(15, "/w")...), 201, ""},
		{"16 wildcards", invalidationBody("m", -1, wildPaths(16, "/w")...), 400, "TooManyInvalidationsInProgress"},
		{"no caller reference", `<InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/a</Path></Items></Paths></InvalidationBatch>`, 400, "MalformedXML"},
		{"misspelled element", `<InvalidationBatch><Paths><Quantity>1</Quantity><Items><Pth>/a</Pth></Items></Paths><CallerReference>x</CallerReference></InvalidationBatch>`, 400, "MalformedInput"},
		{"no body", "", 400, "MissingBody"},
	}
	h := newAX(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A fresh distribution per case: the in-progress limits do not
			// carry over (DeployDelay is 0: batches complete at once).
			dist := h.addDistribution(axAcct, "EV"+strings.ToUpper(strings.ReplaceAll(tt.name, " ", "")), nil)
			r := h.do(axAcct, "POST", "distribution/"+dist+"/invalidation", tt.body)
			if r.status != tt.status || r.code() != tt.code {
				t.Fatalf("got %d %q, want %d %q: %.300s", r.status, r.code(), tt.status, tt.code, r.body)
			}
		})
	}
}

func TestInvalidationLifecycle(t *testing.T) {
	h := newAX(t)
	h.s.deployDelay = 5 * time.Minute
	dist := h.addDistribution(axAcct, "EDISTINV", nil)
	var purged []string
	h.s.OnInvalidation(func(d string, paths []string) { purged = append(purged, d+":"+strings.Join(paths, ",")) })

	r := h.do(axAcct, "POST", "distribution/"+dist+"/invalidation", invalidationBody("ref-1", -1, "/index.html", "/img/*")).must(t, 201)
	var inv Invalidation
	r.decode(t, &inv)
	id := *inv.Id
	if !strings.HasPrefix(id, "I") || *inv.Status != "InProgress" || !inv.CreateTime.Equal(h.now) || *inv.InvalidationBatch.CallerReference != "ref-1" {
		t.Fatalf("created %s", r.body)
	}
	if loc := r.header.Get("Location"); !strings.HasSuffix(loc, "/2020-05-31/distribution/"+dist+"/invalidation/"+id) {
		t.Errorf("Location %q", loc)
	}
	if fmt.Sprint(purged) != "["+dist+":/index.html,/img/*]" {
		t.Errorf("OnInvalidation got %v", purged)
	}
	if n := h.s.invalidationsInProgressLocked(dist); n != 1 {
		t.Errorf("in progress %d", n)
	}

	// The same batch again returns it (no second purge); other paths with
	// the same reference are an error.
	r = h.do(axAcct, "POST", "distribution/"+dist+"/invalidation", invalidationBody("ref-1", -1, "/img/*", "/index.html")).must(t, 201)
	var again Invalidation
	r.decode(t, &again)
	if *again.Id != id || len(purged) != 1 {
		t.Fatalf("repeat: %s, purges %d", r.body, len(purged))
	}
	h.do(axAcct, "POST", "distribution/"+dist+"/invalidation", invalidationBody("ref-1", -1, "/other")).wantErr(t, 409, "InvalidationBatchAlreadyExists")

	// Another account's distribution does not exist for the caller.
	h.do(axOther, "POST", "distribution/"+dist+"/invalidation", invalidationBody("x", -1, "/a")).wantErr(t, 404, "NoSuchDistribution")
	h.do(axOther, "GET", "distribution/"+dist+"/invalidation/"+id, "").wantErr(t, 404, "NoSuchDistribution")
	h.do(axOther, "GET", "distribution/"+dist+"/invalidation", "").wantErr(t, 404, "NoSuchDistribution")
	h.do(axAcct, "GET", "distribution/"+dist+"/invalidation/IMISSING", "").wantErr(t, 404, "NoSuchInvalidation")

	// Get: InProgress until the deploy delay has passed, then Completed.
	r = h.do(axAcct, "GET", "distribution/"+dist+"/invalidation/"+id, "").must(t, 200)
	if !strings.Contains(r.body, "<Status>InProgress</Status>") || !strings.Contains(r.body, "<Path>/img/*</Path>") {
		t.Fatalf("get: %s", r.body)
	}
	h.now = h.now.Add(5 * time.Minute)
	r = h.do(axAcct, "GET", "distribution/"+dist+"/invalidation/"+id, "").must(t, 200)
	if !strings.Contains(r.body, "<Status>Completed</Status>") {
		t.Fatalf("after the delay: %s", r.body)
	}

	// List: newest first, paged.
	var ids []string
	for i := 2; i <= 4; i++ {
		h.now = h.now.Add(time.Second)
		r = h.do(axAcct, "POST", "distribution/"+dist+"/invalidation", invalidationBody(fmt.Sprint("ref-", i), -1, "/p")).must(t, 201)
		var v Invalidation
		r.decode(t, &v)
		ids = append([]string{*v.Id}, ids...)
	}
	ids = append(ids, id)
	var listed []string
	marker := ""
	for {
		r = h.do(axAcct, "GET", "distribution/"+dist+"/invalidation?MaxItems=3&Marker="+marker, "").must(t, 200)
		var l InvalidationList
		r.decode(t, &l)
		for _, s := range l.Items {
			listed = append(listed, *s.Id+"="+*s.Status)
		}
		if !*l.IsTruncated {
			break
		}
		marker = *l.NextMarker
	}
	want := []string{ids[0] + "=InProgress", ids[1] + "=InProgress", ids[2] + "=InProgress", id + "=Completed"}
	if fmt.Sprint(listed) != fmt.Sprint(want) {
		t.Errorf("listed %v, want %v", listed, want)
	}
}

func TestInvalidationInProgressLimits(t *testing.T) {
	h := newAX(t)
	h.s.deployDelay = time.Hour
	dist := h.addDistribution(axAcct, "EDISTLIM", nil)
	post := func(ref string, paths ...string) axResp {
		return h.do(axAcct, "POST", "distribution/"+dist+"/invalidation", invalidationBody(ref, -1, paths...))
	}
	post("files-1", manyPaths(2000, "/a")...).must(t, 201)
	post("files-2", manyPaths(1001, "/b")...).wantErr(t, 400, "TooManyInvalidationsInProgress")
	post("files-3", manyPaths(1000, "/b")...).must(t, 201)
	post("files-4", "/one-more").wantErr(t, 400, "TooManyInvalidationsInProgress")
	// Wildcards are counted on their own: 15 may be in progress.
	post("wild-1", wildPaths(10, "/w")...).must(t, 201)
	post("wild-1", wildPaths(10, "/v")...).wantErr(t, 409, "InvalidationBatchAlreadyExists")
	post("wild-2", "/x*").must(t, 201)
	post("wild-3", wildPaths(5, "/y")...).wantErr(t, 400, "TooManyInvalidationsInProgress")
	post("wild-3", wildPaths(4, "/y")...).must(t, 201)
	post("wild-4", "/z*").wantErr(t, 400, "TooManyInvalidationsInProgress")
	// Once the batches complete, there is room again.
	h.now = h.now.Add(time.Hour)
	post("files-5", manyPaths(3000, "/c")...).must(t, 201)
	post("wild-5", "/z*").must(t, 201)
	// Other distributions have their own limits.
	other := h.addDistribution(axAcct, "EDISTLIM2", nil)
	h.do(axAcct, "POST", "distribution/"+other+"/invalidation", invalidationBody("x", -1, manyPaths(3000, "/d")...)).must(t, 201)
}
