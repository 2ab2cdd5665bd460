package metrics

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestExposition pins the text exposition output of a registry with one
// of everything.
func TestExposition(t *testing.T) {
	tests := []struct {
		name string
		fill func(r *Registry)
		want string
	}{
		{
			name: "empty",
			fill: func(*Registry) {},
			want: `# HELP edgegate_requests_total Requests answered, by service (s3, iam, sts, kms, cloudfront, cloudfront-edge, edgegate) and status class (2xx..5xx).
# TYPE edgegate_requests_total counter
# HELP edgegate_edge_requests_total Viewer requests answered by the CloudFront edge, by distribution and result (hit, refreshhit, miss, error, redirect).
# TYPE edgegate_edge_requests_total counter
# HELP edgegate_origin_request_duration_seconds Duration of the edge's origin requests, from the request to the origin's last byte, by origin type.
# TYPE edgegate_origin_request_duration_seconds histogram
# HELP edgegate_access_log_deliveries_total Access log objects delivered (ok) or dropped (error), by log (s3, cloudfront).
# TYPE edgegate_access_log_deliveries_total counter
`,
		},
		{
			name: "one of everything",
			fill: func(r *Registry) {
				r.Request("s3", 200)
				r.Request("s3", 204)
				r.Request("s3", 403)
				r.Request("cloudfront-edge", 502)
				r.EdgeRequest("E2", "Miss")
				r.EdgeRequest("E1", "Hit")
				r.EdgeRequest("E1", "Hit")
				r.OriginRequest("s3", 3*time.Millisecond)
				r.OriginRequest("s3", 20*time.Second)
				r.SetCacheBytes(func() (int64, int64) { return 1024, 1 << 30 })
				r.LogDelivery("s3", nil)
				r.LogDelivery("cloudfront", errors.New("AccessDenied"))
			},
			want: `# HELP edgegate_requests_total Requests answered, by service (s3, iam, sts, kms, cloudfront, cloudfront-edge, edgegate) and status class (2xx..5xx).
# TYPE edgegate_requests_total counter
edgegate_requests_total{service="cloudfront-edge",status_class="5xx"} 1
edgegate_requests_total{service="s3",status_class="2xx"} 2
edgegate_requests_total{service="s3",status_class="4xx"} 1
# HELP edgegate_edge_requests_total Viewer requests answered by the CloudFront edge, by distribution and result (hit, refreshhit, miss, error, redirect).
# TYPE edgegate_edge_requests_total counter
edgegate_edge_requests_total{distribution="E1",result="hit"} 2
edgegate_edge_requests_total{distribution="E2",result="miss"} 1
# HELP edgegate_origin_request_duration_seconds Duration of the edge's origin requests, from the request to the origin's last byte, by origin type.
# TYPE edgegate_origin_request_duration_seconds histogram
edgegate_origin_request_duration_seconds_bucket{origin="s3",le="0.001"} 0
edgegate_origin_request_duration_seconds_bucket{origin="s3",le="0.0025"} 0
edgegate_origin_request_duration_seconds_bucket{origin="s3",le="0.005"} 1
edgegate_origin_request_duration_seconds_bucket{origin="s3",le="0.01"} 1
edgegate_origin_request_duration_seconds_bucket{origin="s3",le="0.025"} 1
edgegate_origin_request_duration_seconds_bucket{origin="s3",le="0.05"} 1
edgegate_origin_request_duration_seconds_bucket{origin="s3",le="0.1"} 1
edgegate_origin_request_duration_seconds_bucket{origin="s3",le="0.25"} 1
edgegate_origin_request_duration_seconds_bucket{origin="s3",le="0.5"} 1
edgegate_origin_request_duration_seconds_bucket{origin="s3",le="1"} 1
edgegate_origin_request_duration_seconds_bucket{origin="s3",le="2.5"} 1
edgegate_origin_request_duration_seconds_bucket{origin="s3",le="5"} 1
edgegate_origin_request_duration_seconds_bucket{origin="s3",le="10"} 1
edgegate_origin_request_duration_seconds_bucket{origin="s3",le="+Inf"} 2
edgegate_origin_request_duration_seconds_sum{origin="s3"} 20.003
edgegate_origin_request_duration_seconds_count{origin="s3"} 2
# HELP edgegate_edge_cache_bytes Bytes held by the edge cache, by tier (memory, disk).
# TYPE edgegate_edge_cache_bytes gauge
edgegate_edge_cache_bytes{tier="disk"} 1073741824
edgegate_edge_cache_bytes{tier="memory"} 1024
# HELP edgegate_access_log_deliveries_total Access log objects delivered (ok) or dropped (error), by log (s3, cloudfront).
# TYPE edgegate_access_log_deliveries_total counter
edgegate_access_log_deliveries_total{log="cloudfront",result="error"} 1
edgegate_access_log_deliveries_total{log="s3",result="ok"} 1
`,
		},
		{
			name: "label values are escaped",
			fill: func(r *Registry) { r.EdgeRequest("a\"b\\c\nd", "Error") },
			want: `edgegate_edge_requests_total{distribution="a\"b\\c\nd",result="error"} 1` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New()
			tt.fill(r)
			var sb strings.Builder
			if _, err := r.WriteTo(&sb); err != nil {
				t.Fatal(err)
			}
			got := sb.String()
			if strings.HasPrefix(tt.want, "#") {
				if got != tt.want {
					t.Errorf("exposition\n got:\n%s\nwant:\n%s", got, tt.want)
				}
			} else if !strings.Contains(got, tt.want) {
				t.Errorf("exposition lacks %q:\n%s", tt.want, got)
			}
		})
	}
}

func TestGlobalCacheBytes(t *testing.T) {
	SetCacheBytes(func() (int64, int64) { return 7, 9 })
	defer SetCacheBytes(nil)
	r := New()
	var sb strings.Builder
	_, _ = r.WriteTo(&sb)
	if !strings.Contains(sb.String(), `edgegate_edge_cache_bytes{tier="memory"} 7`) {
		t.Errorf("the process-wide cache function is not used:\n%s", sb.String())
	}
	r.SetCacheBytes(func() (int64, int64) { return 1, 2 })
	sb.Reset()
	_, _ = r.WriteTo(&sb)
	if !strings.Contains(sb.String(), `edgegate_edge_cache_bytes{tier="memory"} 1`) {
		t.Errorf("the registry's own function does not win:\n%s", sb.String())
	}
}

func TestStatusClass(t *testing.T) {
	for status, want := range map[int]string{0: "other", 101: "1xx", 200: "2xx", 304: "3xx", 404: "4xx", 503: "5xx", 600: "other"} {
		if got := StatusClass(status); got != want {
			t.Errorf("StatusClass(%d) = %q, want %q", status, got, want)
		}
	}
}

func TestHandler(t *testing.T) {
	r := New()
	r.Request("s3", 200)
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != ContentType ||
		!strings.Contains(rec.Body.String(), `edgegate_requests_total{service="s3",status_class="2xx"} 1`) {
		t.Errorf("GET: %d %q\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	rec = httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/metrics", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

func TestCountingDoesNotAllocate(t *testing.T) {
	r := New()
	r.Request("s3", 200)
	if n := testing.AllocsPerRun(100, func() { r.Request("s3", 200) }); n != 0 {
		t.Errorf("Request allocates %v times", n)
	}
}
