package collect

import (
	"net/url"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/edge"
)

func valueOf(v any) reflect.Value { return reflect.ValueOf(v) }

// originTarget is an origin domain name read as CloudFront reads it
// (cloudfront.ClassifyOrigin): the bucket of an S3 REST or website
// endpoint, "" for a custom origin.
type originTarget struct {
	bucket, region string
	website        bool
}

func classify0(domain string) originTarget {
	t := cloudfront.ClassifyOrigin(domain)
	switch t.Kind {
	case cloudfront.OriginS3REST:
		return originTarget{bucket: t.Bucket, region: t.Region}
	case cloudfront.OriginS3Website:
		return originTarget{bucket: t.Bucket, region: t.Region, website: true}
	}
	return originTarget{}
}

// mapPath maps a viewer path to the object its origin request names, as
// the edge does: the first ordered behaviour whose PathPattern matches
// (edge.MatchPathPattern), else the default one; "/" becomes the
// DefaultRootObject; the origin's OriginPath is prepended; the path's
// percent-encoding is decoded as S3 decodes a request path. A query string
// is ignored.
func (d *distInfo) mapPath(p string) KeyMapping {
	m := KeyMapping{Path: p}
	vp, _, _ := strings.Cut(p, "?")
	var target string
	if d.cfg.CacheBehaviors != nil {
		for _, b := range d.cfg.CacheBehaviors.Items {
			if edge.MatchPathPattern(aws.ToString(b.PathPattern), vp) {
				m.Behavior, target = aws.ToString(b.PathPattern), aws.ToString(b.TargetOriginId)
				break
			}
		}
	}
	if m.Behavior == "" && d.cfg.DefaultCacheBehavior != nil {
		m.Behavior, target = "*", aws.ToString(d.cfg.DefaultCacheBehavior.TargetOriginId)
	}
	m.OriginID = target
	var origin *struct{ domain, originPath string }
	for _, o := range d.origins() {
		if aws.ToString(o.Id) == target {
			origin = &struct{ domain, originPath string }{aws.ToString(o.DomainName), aws.ToString(o.OriginPath)}
			break
		}
	}
	if origin == nil {
		m.Note = "the behaviour's origin " + target + " is not in the distribution"
		return m
	}
	t := classify0(origin.domain)
	if t.bucket == "" {
		m.Note = "custom origin " + origin.domain + ": no S3 object"
		return m
	}
	m.Bucket, m.Website = t.bucket, t.website
	if vp == "/" {
		if dro := aws.ToString(d.cfg.DefaultRootObject); dro != "" {
			vp = "/" + dro
		}
	}
	full := strings.TrimSuffix(origin.originPath, "/") + vp
	key, err := url.PathUnescape(full)
	if err != nil {
		key = full
		m.Note = "the path's percent-encoding is invalid; the key is taken verbatim"
	}
	m.Key = strings.TrimPrefix(key, "/")
	return m
}
