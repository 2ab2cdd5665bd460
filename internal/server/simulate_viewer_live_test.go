package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/sigv4"
	"github.com/edgegate/edgegate/internal/testenv"
)

// TestLiveExplanationViewer: a live edge explanation names its viewer
// request (distribution, method, URL), which is what edgegate explain
// simulates again to prove the fixes: by X-Amz-Cf-Id (the Host as the
// viewer sent it, the path) and by POST /_edgegate/simulate (the URL as
// given); an S3 request's explanation names none.
func TestLiveExplanationViewer(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	h.bucket("live-viewer", map[string]string{"a.txt": "a"})
	oac := h.oac("live-viewer", "always")
	d := h.dist("live-viewer", func(o *cftypes.Origin, _ *cftypes.DistributionConfig) { o.OriginAccessControlId = aws.String(oac) })

	r := h.get("GET", d.domain, "/a.txt")
	if r.status != 403 {
		t.Fatalf("viewer GET: %d", r.status)
	}
	_, x := explainRaw(t, env, "test", "test", r.header.Get("X-Amz-Cf-Id"))
	want := diagnose.ViewerRequest{Distribution: d.id, Method: "GET", URL: "http://" + d.domain + "/a.txt"}
	if x.Viewer == nil || *x.Viewer != want {
		t.Errorf("by X-Amz-Cf-Id: viewer %+v, want %+v", x.Viewer, want)
	}
	// A path that needs escaping stays one path.
	if r := h.get("GET", d.domain, "/q%3Fx%20y.txt"); r.status != 403 {
		t.Fatalf("viewer GET of an escaped path: %d", r.status)
	} else if _, qx := explainRaw(t, env, "test", "test", r.header.Get("X-Amz-Cf-Id")); qx.Viewer == nil ||
		qx.Viewer.URL != "http://"+d.domain+"/q%3Fx%20y.txt" {
		t.Errorf("escaped path: viewer %+v", qx.Viewer)
	}
	if _, s3x := explainRaw(t, env, "test", "test", x.RequestID); s3x.Viewer != nil || s3x.Status != 403 {
		t.Errorf("by the S3 request id: %d viewer %+v", s3x.Status, s3x.Viewer)
	}

	body, _ := json.Marshal(map[string]any{"method": "head", "url": "https://" + d.domain + "/a.txt?v=1"})
	req, _ := http.NewRequest(http.MethodPost, env.Endpoint+"/_edgegate/simulate", bytes.NewReader(body))
	sum := sha256.Sum256(body)
	sigv4.SignRequest(req, "test", "test", "us-east-1", "s3", time.Now(), hex.EncodeToString(sum[:]))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sx diagnose.Explanation
	if err := json.NewDecoder(resp.Body).Decode(&sx); err != nil || resp.StatusCode != 200 {
		t.Fatalf("simulate: %d %v", resp.StatusCode, err)
	}
	want = diagnose.ViewerRequest{Distribution: d.id, Method: "HEAD", URL: "https://" + d.domain + "/a.txt?v=1"}
	if sx.Viewer == nil || *sx.Viewer != want {
		t.Errorf("simulated: viewer %+v, want %+v", sx.Viewer, want)
	}
}
