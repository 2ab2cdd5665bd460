package cloudfront

import (
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// Tags: ListTagsForResource, TagResource and UntagResource on
// distributions (the resources CloudFront tags here; it cannot tag origin
// access identities or invalidations). Tags live in distributionRec.Tags;
// tagging does not change a distribution's configuration or ETag.

const (
	// maxTagsPerResource is "Tags that can be added to a distribution: 50".
	maxTagsPerResource = 50
	maxTagKeyLen       = 128
	maxTagValueLen     = 256
)

var (
	// tagChars is the TagKey/TagValue pattern of the API model: letters,
	// separators (space), numbers and _ . : / = + - @.
	tagChars = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	// cloudFrontARN is the model's ResourceARN pattern.
	cloudFrontARN = regexp.MustCompile(`^arn:aws(-cn)?:cloudfront::[0-9]+:.*$`)
)

// validateTagKey checks one tag key: 1 to 128 characters of the allowed
// set, not starting with the reserved "aws:" prefix (InvalidTagging).
func validateTagKey(key string) *awsapi.Error {
	switch n := utf8.RuneCountInString(key); {
	case n == 0 || n > maxTagKeyLen:
		return cfError("InvalidTagging", "A tag key must be 1 to %d characters long.", maxTagKeyLen)
	case !tagChars.MatchString(key):
		return cfError("InvalidTagging", "The tag key %q contains characters that are not allowed: use letters, numbers, spaces and _ . : / = + - @.", key)
	case strings.HasPrefix(strings.ToLower(key), "aws:"):
		return cfError("InvalidTagging", "The tag key %q uses the prefix aws:, which is reserved for AWS use.", key)
	}
	return nil
}

// validateTags checks a Tags document (TagResource, and
// CreateDistributionWithTags): every key valid, every value at most 256
// characters of the allowed set, no key twice, at most 50 tags
// (InvalidTagging; the code for the duplicate and count cases is
// UNCONFIRMED).
func validateTags(tags []Tag) *awsapi.Error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if e := validateTagKey(*t.Key); e != nil {
			return e
		}
		v := ""
		if t.Value != nil {
			v = *t.Value
		}
		if utf8.RuneCountInString(v) > maxTagValueLen || !tagChars.MatchString(v) {
			return cfError("InvalidTagging", "The value of tag %q must be at most %d characters of letters, numbers, spaces and _ . : / = + - @.", *t.Key, maxTagValueLen)
		}
		if seen[*t.Key] {
			return cfError("InvalidTagging", "The tag key %q appears more than once.", *t.Key)
		}
		seen[*t.Key] = true
	}
	if len(tags) > maxTagsPerResource {
		return cfError("InvalidTagging", "A resource can have at most %d tags.", maxTagsPerResource)
	}
	return nil
}

// taggingResource reads the Resource query parameter and authorizes
// action on it. A missing value or one that is not a CloudFront ARN is
// InvalidArgument.
func (k *call) taggingResource(action string) (string, *awsapi.Error) {
	arn := k.r.URL.Query().Get("Resource")
	if arn == "" {
		return "", cfError("InvalidArgument", "The Resource parameter is required.")
	}
	if !cloudFrontARN.MatchString(arn) {
		return "", cfError("InvalidArgument", "The resource %s is not a valid CloudFront ARN.", arn)
	}
	if e := k.authorize(action, arn); e != nil {
		return "", e
	}
	return arn, nil
}

// taggedDistributionLocked resolves a tagging ARN to one of account's
// distributions: anything else (another account's, an unknown id, a kind
// of resource edgegate does not tag) is NoSuchResource.
func (s *Service) taggedDistributionLocked(account, arn string) (*distributionRec, *awsapi.Error) {
	a, ok := awsapi.ParseARN(arn)
	id, isDist := strings.CutPrefix(a.Resource, "distribution/")
	if ok && isDist && a.Account == account {
		if d, found := s.state.Distributions[id]; found && d.Account == account {
			return d, nil
		}
	}
	return nil, cfError("NoSuchResource", "The specified resource does not exist.")
}

// tagsDocument is the Tags answer of ListTagsForResource; unlike the
// generated Tags it writes an empty <Items/> when there are no tags.
type tagsDocument struct {
	Items struct {
		Tag []Tag `xml:"Tag"`
	} `xml:"Items"`
}

// listTagsForResource is ListTagsForResource (GET tagging?Resource=ARN).
func listTagsForResource(k *call) *awsapi.Error {
	arn, e := k.taggingResource("cloudfront:ListTagsForResource")
	if e != nil {
		return e
	}
	k.s.mu.RLock()
	d, e := k.s.taggedDistributionLocked(k.account(), arn)
	var doc tagsDocument
	if e == nil {
		doc.Items.Tag = append([]Tag(nil), d.Tags...)
	}
	k.s.mu.RUnlock()
	if e != nil {
		return e
	}
	return k.writeResource(http.StatusOK, "Tags", &doc, "", "")
}

// tagResource is TagResource (POST tagging?Operation=Tag&Resource=ARN):
// adds the tags, replacing the values of keys already present; 204.
func tagResource(k *call) *awsapi.Error {
	arn, e := k.taggingResource("cloudfront:TagResource")
	if e != nil {
		return e
	}
	var in Tags
	if e := readDocument(k.r, "Tags", &in); e != nil {
		return e
	}
	if e := validateTags(in.Items); e != nil {
		return e
	}
	return k.s.retag(k, arn, func(cur []Tag) []Tag {
		out := append([]Tag(nil), cur...)
		for _, t := range in.Items {
			nt := Tag{Key: t.Key, Value: t.Value}
			if nt.Value == nil {
				nt.Value = ptr("")
			}
			replaced := false
			for i := range out {
				if *out[i].Key == *t.Key {
					out[i], replaced = nt, true
				}
			}
			if !replaced {
				out = append(out, nt)
			}
		}
		return out
	})
}

// untagResource is UntagResource (POST tagging?Operation=Untag&Resource=ARN):
// removes the keys (absent ones are ignored); 204.
func untagResource(k *call) *awsapi.Error {
	arn, e := k.taggingResource("cloudfront:UntagResource")
	if e != nil {
		return e
	}
	var in TagKeys
	if e := readDocument(k.r, "TagKeys", &in); e != nil {
		return e
	}
	drop := map[string]bool{}
	for _, key := range in.Items {
		if e := validateTagKey(key); e != nil {
			return e
		}
		drop[key] = true
	}
	return k.s.retag(k, arn, func(cur []Tag) []Tag {
		var out []Tag
		for _, t := range cur {
			if !drop[*t.Key] {
				out = append(out, t)
			}
		}
		return out
	})
}

// retag replaces the tags of the distribution arn names by edit(current
// tags), enforcing the 50-tag quota, commits, and answers 204.
func (s *Service) retag(k *call, arn string, edit func([]Tag) []Tag) *awsapi.Error {
	s.mu.Lock()
	old, e := s.taggedDistributionLocked(k.account(), arn)
	if e != nil {
		s.mu.Unlock()
		return e
	}
	tags := edit(old.Tags)
	if len(tags) > maxTagsPerResource {
		s.mu.Unlock()
		return cfError("InvalidTagging", "A resource can have at most %d tags.", maxTagsPerResource)
	}
	rec := *old
	rec.Tags = tags
	s.state.Distributions[old.ID] = &rec
	if e := s.commitUnlock(func() { s.state.Distributions[old.ID] = old }); e != nil {
		return e
	}
	k.w.WriteHeader(http.StatusNoContent)
	return nil
}
