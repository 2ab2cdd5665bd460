// Package doctor is the offline doctor: it loads a bundle (internal/bundle)
// into an in-memory world (internal/world), simulates viewer requests
// through the live server's own pipeline (server.SimulateViewer), names
// the causes (internal/diagnose), and proves every fix before offering
// it: applied to a clone of the bundle, the request must succeed and no
// probe may gain access (docs/doctor.md).
package doctor

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/diagnose"
)

// ErrNotApplicable is Apply's error for a change the bundle cannot take
// (it lacks what the change edits).
var ErrNotApplicable = errors.New("change not applicable to the bundle")

// Apply makes change c on bundle b (edit a Clone to keep b). Every kind
// of diagnose.Change is supported; an error says why c could not be
// made, and leaves b partly changed only for ChangeOriginOAC.
func Apply(b *bundle.Bundle, c *diagnose.Change) error {
	if c == nil {
		return fmt.Errorf("%w: no change", ErrNotApplicable)
	}
	switch c.Kind {
	case diagnose.ChangeBucketPolicyStatement:
		return editBucketPolicy(b, c.Bucket, func(doc map[string]any) error { return putStatement(doc, c.Sid, c.Statement) })
	case diagnose.ChangeBucketPolicyExempt:
		return editBucketPolicy(b, c.Bucket, func(doc map[string]any) error { return exemptSourceArn(doc, c.Sid, c.Value) })
	case diagnose.ChangeKeyPolicyStatement:
		k := b.KMSKey(c.KeyID)
		if k == nil || k.KeyPolicy == nil {
			return fmt.Errorf("%w: the bundle has no key policy of %s", ErrNotApplicable, c.KeyID)
		}
		text, err := editPolicy(k.KeyPolicy.Policy, func(doc map[string]any) error { return putStatement(doc, c.Sid, c.Statement) })
		if err != nil {
			return err
		}
		k.KeyPolicy.Policy = text
		return nil
	case diagnose.ChangeKeyEnable:
		k := b.KMSKey(c.KeyID)
		if k == nil || k.DescribeKey == nil || k.DescribeKey.KeyMetadata == nil {
			return fmt.Errorf("%w: the bundle has no describe-key of %s", ErrNotApplicable, c.KeyID)
		}
		m := k.DescribeKey.KeyMetadata
		m.Enabled, m.KeyState, m.DeletionDate = true, "Enabled", nil
		return nil
	case diagnose.ChangeOwnership:
		bk := b.Bucket(c.Bucket)
		if bk == nil {
			return fmt.Errorf("%w: the bundle has no bucket %s", ErrNotApplicable, c.Bucket)
		}
		bk.OwnershipControls = &bundle.GetBucketOwnershipControls{OwnershipControls: &bundle.OwnershipControls{
			Rules: []bundle.OwnershipControlsRule{{ObjectOwnership: c.Value}}}}
		return nil
	case diagnose.ChangeOACSigning:
		o := b.OriginAccessControls[c.Target]
		if o == nil || o.OriginAccessControl == nil || o.OriginAccessControl.OriginAccessControlConfig == nil {
			return fmt.Errorf("%w: the bundle has no origin access control %s", ErrNotApplicable, c.Target)
		}
		o.OriginAccessControl.OriginAccessControlConfig.SigningBehavior = ptr(c.Value)
		return nil
	}
	cfg := b.DistributionConfig()
	if cfg == nil {
		return fmt.Errorf("%w: the bundle has no distribution", ErrNotApplicable)
	}
	switch c.Kind {
	case diagnose.ChangeDefaultRootObject:
		cfg.DefaultRootObject = ptr(c.Value)
	case diagnose.ChangeOriginPath:
		o := origin(cfg, c.Target)
		if o == nil {
			return fmt.Errorf("%w: no origin %q", ErrNotApplicable, c.Target)
		}
		o.OriginPath = ptr(c.Value)
	case diagnose.ChangeOriginOAC:
		o := origin(cfg, c.Target)
		if o == nil {
			return fmt.Errorf("%w: no origin %q", ErrNotApplicable, c.Target)
		}
		id := newOACID(b)
		if b.OriginAccessControls == nil {
			b.OriginAccessControls = map[string]*bundle.GetOriginAccessControl{}
		}
		b.OriginAccessControls[id] = &bundle.GetOriginAccessControl{ETag: "E1", OriginAccessControl: &cloudfront.OriginAccessControl{
			Id: ptr(id), OriginAccessControlConfig: &cloudfront.OriginAccessControlConfig{
				Name: ptr(c.Bucket + "-oac"), Description: ptr(""), SigningProtocol: ptr("sigv4"), SigningBehavior: ptr("always"),
				OriginAccessControlOriginType: ptr("s3")}}}
		o.OriginAccessControlId = ptr(id)
		if o.S3OriginConfig != nil {
			o.S3OriginConfig.OriginAccessIdentity = ptr("")
		}
		if len(c.Statement) > 0 {
			return editBucketPolicy(b, c.Bucket, func(doc map[string]any) error { return putStatement(doc, c.Sid, c.Statement) })
		}
	case diagnose.ChangeViewerProtocol:
		vpp, _, ok := behavior(cfg, c.Target)
		if !ok {
			return fmt.Errorf("%w: no cache behavior %q", ErrNotApplicable, c.Target)
		}
		*vpp = ptr(c.Value)
	case diagnose.ChangeAllowedMethods:
		_, am, ok := behavior(cfg, c.Target)
		if !ok {
			return fmt.Errorf("%w: no cache behavior %q", ErrNotApplicable, c.Target)
		}
		ms := strings.Split(c.Value, ",")
		cached := &cloudfront.CachedMethods{Quantity: ptr(int64(2)), Items: []string{"HEAD", "GET"}}
		if *am != nil && (*am).CachedMethods != nil {
			cached = (*am).CachedMethods
		}
		*am = &cloudfront.AllowedMethods{Quantity: ptr(int64(len(ms))), Items: ms, CachedMethods: cached}
	case diagnose.ChangeCachePolicy, diagnose.ChangeOriginRequestPolicy:
		cp, orp, ok := behaviorPolicies(cfg, c.Target)
		if !ok {
			return fmt.Errorf("%w: no cache behavior %q", ErrNotApplicable, c.Target)
		}
		switch {
		case c.Kind == diagnose.ChangeOriginRequestPolicy && c.Value == "":
			*orp = nil
		case c.Kind == diagnose.ChangeOriginRequestPolicy:
			*orp = ptr(c.Value)
		case c.Value == "":
			return fmt.Errorf("%w: a cache behavior needs a cache policy id", ErrNotApplicable)
		default:
			*cp = ptr(c.Value)
		}
	case diagnose.ChangeAddAlias:
		if cfg.Aliases == nil {
			cfg.Aliases = &cloudfront.Aliases{}
		}
		cfg.Aliases.Items = append(cfg.Aliases.Items, c.Value)
		cfg.Aliases.Quantity = ptr(int64(len(cfg.Aliases.Items)))
	case diagnose.ChangeGeoNone:
		cfg.Restrictions = &cloudfront.Restrictions{GeoRestriction: &cloudfront.GeoRestriction{
			RestrictionType: ptr("none"), Quantity: ptr(int64(0))}}
	default:
		return fmt.Errorf("%w: unknown change kind %q", ErrNotApplicable, c.Kind)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func origin(cfg *cloudfront.DistributionConfig, id string) *cloudfront.Origin {
	if cfg.Origins == nil {
		return nil
	}
	for i := range cfg.Origins.Items {
		if o := &cfg.Origins.Items[i]; o.Id != nil && *o.Id == id {
			return o
		}
	}
	return nil
}

// behavior returns the ViewerProtocolPolicy and AllowedMethods fields of
// the cache behavior whose PathPattern is pattern ("" or "*": the
// default behavior).
func behavior(cfg *cloudfront.DistributionConfig, pattern string) (**string, **cloudfront.AllowedMethods, bool) {
	if pattern == "" || pattern == "*" {
		if cfg.DefaultCacheBehavior == nil {
			return nil, nil, false
		}
		return &cfg.DefaultCacheBehavior.ViewerProtocolPolicy, &cfg.DefaultCacheBehavior.AllowedMethods, true
	}
	if cfg.CacheBehaviors != nil {
		for i := range cfg.CacheBehaviors.Items {
			if cb := &cfg.CacheBehaviors.Items[i]; cb.PathPattern != nil && *cb.PathPattern == pattern {
				return &cb.ViewerProtocolPolicy, &cb.AllowedMethods, true
			}
		}
	}
	return nil, nil, false
}

// behaviorPolicies returns the CachePolicyId and OriginRequestPolicyId
// fields of the cache behavior whose PathPattern is pattern ("" or "*":
// the default behavior).
func behaviorPolicies(cfg *cloudfront.DistributionConfig, pattern string) (**string, **string, bool) {
	if pattern == "" || pattern == "*" {
		if cfg.DefaultCacheBehavior == nil {
			return nil, nil, false
		}
		return &cfg.DefaultCacheBehavior.CachePolicyId, &cfg.DefaultCacheBehavior.OriginRequestPolicyId, true
	}
	if cfg.CacheBehaviors != nil {
		for i := range cfg.CacheBehaviors.Items {
			if cb := &cfg.CacheBehaviors.Items[i]; cb.PathPattern != nil && *cb.PathPattern == pattern {
				return &cb.CachePolicyId, &cb.OriginRequestPolicyId, true
			}
		}
	}
	return nil, nil, false
}

// newOACID is an origin access control id the bundle does not use.
func newOACID(b *bundle.Bundle) string {
	for n := 1; ; n++ {
		id := fmt.Sprintf("EDOCTOROAC%04d", n)
		if _, used := b.OriginAccessControls[id]; !used {
			return id
		}
	}
}

func editBucketPolicy(b *bundle.Bundle, bucket string, edit func(map[string]any) error) error {
	bk := b.Bucket(bucket)
	if bk == nil {
		return fmt.Errorf("%w: the bundle has no bucket %s", ErrNotApplicable, bucket)
	}
	text := ""
	if bk.Policy != nil {
		text = bk.Policy.Policy
	}
	text, err := editPolicy(text, edit)
	if err != nil {
		return err
	}
	bk.Policy = &bundle.GetBucketPolicy{Policy: text}
	return nil
}

// editPolicy decodes policy text ("" for none: a new document), applies
// edit and encodes it again.
func editPolicy(text string, edit func(map[string]any) error) (string, error) {
	doc := map[string]any{}
	if strings.TrimSpace(text) != "" {
		if err := json.Unmarshal([]byte(text), &doc); err != nil {
			return "", fmt.Errorf("%w: the policy is not JSON: %v", ErrNotApplicable, err)
		}
	}
	if _, ok := doc["Version"]; !ok {
		doc["Version"] = "2012-10-17"
	}
	switch st := doc["Statement"].(type) {
	case nil:
		doc["Statement"] = []any{}
	case map[string]any:
		doc["Statement"] = []any{st}
	case []any:
	default:
		return "", fmt.Errorf("%w: the policy's Statement is neither an object nor a list", ErrNotApplicable)
	}
	if err := edit(doc); err != nil {
		return "", err
	}
	out, err := json.Marshal(doc)
	return string(out), err
}

// putStatement replaces the statement whose Sid is sid, or appends.
func putStatement(doc map[string]any, sid string, raw json.RawMessage) error {
	var st map[string]any
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("%w: the statement is not a JSON object: %v", ErrNotApplicable, err)
	}
	list := doc["Statement"].([]any)
	if sid != "" {
		for i, s := range list {
			if m, ok := s.(map[string]any); ok && m["Sid"] == sid {
				list[i] = st
				return nil
			}
		}
	}
	doc["Statement"] = append(list, st)
	return nil
}

// exemptSourceArn adds StringNotEquals AWS:SourceArn arn to the Deny
// statement ref (its Sid, or "#N").
func exemptSourceArn(doc map[string]any, ref, arn string) error {
	list := doc["Statement"].([]any)
	var st map[string]any
	if n, ok := strings.CutPrefix(ref, "#"); ok {
		if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < len(list) {
			st, _ = list[i].(map[string]any)
		}
	} else {
		for _, s := range list {
			if m, ok := s.(map[string]any); ok && m["Sid"] == ref {
				st = m
			}
		}
	}
	if st == nil || st["Effect"] != "Deny" {
		return fmt.Errorf("%w: no Deny statement %s in the policy", ErrNotApplicable, ref)
	}
	cond, _ := st["Condition"].(map[string]any)
	if cond == nil {
		cond = map[string]any{}
		st["Condition"] = cond
	}
	var sne map[string]any
	for op, v := range cond {
		if strings.EqualFold(op, "StringNotEquals") {
			sne, _ = v.(map[string]any)
		}
	}
	if sne == nil {
		sne = map[string]any{}
		cond["StringNotEquals"] = sne
	}
	for k, v := range sne {
		if strings.EqualFold(k, "aws:SourceArn") {
			switch old := v.(type) {
			case string:
				sne[k] = []any{old, arn}
			case []any:
				sne[k] = append(old, arn)
			}
			return nil
		}
	}
	sne["AWS:SourceArn"] = arn
	return nil
}
