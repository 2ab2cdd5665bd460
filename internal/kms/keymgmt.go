package kms

import (
	"strconv"
	"strings"
	"time"
)

// Key settings that leave the key material alone: automatic rotation,
// tags and the description. Each operation is authorized with its own
// kms: action against the key policy (and grants, identity policies), as
// every other key operation.

// The automatic rotation period: 90 to 2560 days, 365 by default.
const (
	minRotationDays     = 90
	maxRotationDays     = 2560
	defaultRotationDays = 365
)

// maxKeyTags is KMS's limit on the tags of one key.
const maxKeyTags = 50

// errTooManyTags is the LimitExceededException of a key that would have
// more than 50 tags (the wording is the API reference's general one;
// UNCONFIRMED for this case).
var errTooManyTags = errLimitExceeded.WithMessage("The request was rejected because a quota was exceeded.")

// rotationChangeable is the key-state check of EnableKeyRotation and
// DisableKeyRotation: DisabledException for a disabled key,
// KMSInvalidStateException for one pending deletion.
func rotationChangeable(k *keyRec) error {
	switch k.state {
	case StateDisabled:
		return keyDisabled(k.arn)
	case StatePendingDeletion:
		return keyPendingDeletion(k.arn)
	}
	return nil
}

// notPendingDeletion is the key-state check of TagResource, UntagResource
// and UpdateKeyDescription: they work in every state but PendingDeletion.
func notPendingDeletion(k *keyRec) error {
	if k.state == StatePendingDeletion {
		return keyPendingDeletion(k.arn)
	}
	return nil
}

// nextRotation is the first rotation date after now of a key rotating
// every days days since since.
func nextRotation(since time.Time, days int, now time.Time) time.Time {
	period := time.Duration(days) * 24 * time.Hour
	next := since.Add(period)
	if !now.Before(next) {
		next = since.Add((now.Sub(since)/period + 1) * period)
	}
	return next
}

type enableRotationInput struct {
	KeyID                *string `json:"KeyId"`
	RotationPeriodInDays *int    `json:"RotationPeriodInDays"`
}

// apiEnableKeyRotation answers EnableKeyRotation: rotation is on with the
// given period (365 days by default). Enabling it again changes only the
// period; the next rotation date stays counted from when it was first
// enabled.
func (s *Service) apiEnableKeyRotation(q *request) (any, error) {
	var in enableRotationInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	v.intRange("rotationPeriodInDays", in.RotationPeriodInDays, minRotationDays, maxRotationDays)
	if err := v.err(); err != nil {
		return nil, err
	}
	days := defaultRotationDays
	if in.RotationPeriodInDays != nil {
		days = *in.RotationPeriodInDays
	}
	return s.mutateKey(q, in.KeyID, "kms:EnableKeyRotation", func(k *keyRec) (any, func(), error) {
		if err := rotationChangeable(k); err != nil {
			return nil, nil, err
		}
		if k.rotation && k.rotationPeriod == days {
			return nil, nil, nil
		}
		undo := saveFields(k)
		if !k.rotation {
			k.rotationSince = q.now
		}
		k.rotation, k.rotationPeriod = true, days
		return nil, undo, nil
	})
}

// apiDisableKeyRotation answers DisableKeyRotation.
func (s *Service) apiDisableKeyRotation(q *request) (any, error) {
	var in keyIDInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	return s.mutateKey(q, in.KeyID, "kms:DisableKeyRotation", func(k *keyRec) (any, func(), error) {
		if err := rotationChangeable(k); err != nil {
			return nil, nil, err
		}
		if !k.rotation {
			return nil, nil, nil
		}
		undo := saveFields(k)
		k.rotation, k.rotationPeriod, k.rotationSince = false, 0, time.Time{}
		return nil, undo, nil
	})
}

type rotationStatusOutput struct {
	KeyID                string `json:"KeyId"`
	KeyRotationEnabled   bool   `json:"KeyRotationEnabled"`
	RotationPeriodInDays *int   `json:"RotationPeriodInDays,omitempty"`
	NextRotationDate     *epoch `json:"NextRotationDate,omitempty"`
}

// apiGetKeyRotationStatus answers GetKeyRotationStatus (key id or key
// ARN; another account's key by its ARN). A key pending deletion reports
// false, keeping its setting for CancelKeyDeletion; an AWS managed key
// rotates every year from its creation, as AWS's do.
func (s *Service) apiGetKeyRotationStatus(q *request) (any, error) {
	var in keyIDInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, e := parseKeyRef(*in.KeyID)
	if e != nil {
		return nil, e
	}
	s.mu.RLock()
	k, e := s.resolveLocked(q.caller.Account, ref, resolveOpts{crossAccount: true})
	var info *KeyInfo
	var on bool
	var days int
	var since time.Time
	if e == nil {
		info, on, days, since = k.info(), k.rotation, k.rotationPeriod, k.rotationSince
		if k.manager == ManagerAWS {
			on, days, since = true, defaultRotationDays, k.created
		}
	}
	s.mu.RUnlock()
	if e != nil {
		return nil, e
	}
	if err := s.authorizeKey(q.caller, "kms:GetKeyRotationStatus", info, q.context()); err != nil {
		return nil, err
	}
	out := rotationStatusOutput{KeyID: info.ARN}
	if on && info.State != StatePendingDeletion {
		out.KeyRotationEnabled = true
		out.RotationPeriodInDays = &days
		out.NextRotationDate = epochPtr(nextRotation(since, days, q.now))
	}
	return out, nil
}

type tagOutput struct {
	TagKey   string `json:"TagKey"`
	TagValue string `json:"TagValue"`
}

type listResourceTagsOutput struct {
	Tags       []tagOutput `json:"Tags"`
	NextMarker string      `json:"NextMarker,omitempty"`
	Truncated  bool        `json:"Truncated"`
}

type listResourceTagsInput struct {
	KeyID *string `json:"KeyId"`
	listInput
}

// apiListResourceTags answers ListResourceTags (key id or key ARN of the
// caller's account, any key state): the tags in the order they were first
// set, at most Limit (1 to 50, default 50) a page.
func (s *Service) apiListResourceTags(q *request) (any, error) {
	var in listResourceTagsInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	v.intRange("limit", in.Limit, 1, maxKeyTags)
	v.length("marker", in.Marker, 1, 1024)
	if err := v.err(); err != nil {
		return nil, err
	}
	if in.Limit == nil {
		n := maxKeyTags
		in.Limit = &n
	}
	ref, e := parseKeyRef(*in.KeyID)
	if e != nil {
		return nil, e
	}
	s.mu.RLock()
	k, e := s.resolveLocked(q.caller.Account, ref, resolveOpts{})
	var info *KeyInfo
	var tags []Tag
	if e == nil {
		info, tags = k.info(), k.tags
	}
	s.mu.RUnlock()
	if e != nil {
		return nil, e
	}
	if err := s.authorizeKey(q.caller, "kms:ListResourceTags", info, q.context()); err != nil {
		return nil, err
	}
	items, next, err := page(tags, func(t Tag) string { return t.Key }, &in.listInput)
	if err != nil {
		return nil, err
	}
	out := listResourceTagsOutput{Tags: make([]tagOutput, len(items)), NextMarker: next, Truncated: next != ""}
	for i, t := range items {
		out.Tags[i] = tagOutput{TagKey: t.Key, TagValue: t.Value}
	}
	return out, nil
}

// checkTags validates a Tags member (member is "tags"): each tag needs a
// key of 1 to 128 and a value of at most 256 characters
// (ValidationException); a key starting with "aws:", in any case, is
// TagException, as those are reserved for AWS. It returns the tags.
func checkTags(member string, in []tagInput) ([]Tag, error) {
	var v validation
	for i, t := range in {
		m := member + "." + strconv.Itoa(i+1) + ".member."
		v.required(m+"tagKey", t.TagKey != nil)
		v.required(m+"tagValue", t.TagValue != nil)
		v.length(m+"tagKey", t.TagKey, 1, 128)
		v.length(m+"tagValue", t.TagValue, 0, 256)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	tags := make([]Tag, 0, len(in))
	for _, t := range in {
		if isReservedTagKey(*t.TagKey) {
			return nil, errTag.WithMessage("Tags beginning with aws: are reserved")
		}
		tags = append(tags, Tag{Key: *t.TagKey, Value: *t.TagValue})
	}
	return tags, nil
}

// mergeTags returns a new slice: base with each tag of add replacing the
// value of base's tag of the same key, or appended.
func mergeTags(base, add []Tag) []Tag {
	tags := append([]Tag(nil), base...)
next:
	for _, t := range add {
		for i := range tags {
			if tags[i].Key == t.Key {
				tags[i].Value = t.Value
				continue next
			}
		}
		tags = append(tags, t)
	}
	return tags
}

func isReservedTagKey(k string) bool {
	return len(k) >= 4 && strings.EqualFold(k[:4], "aws:")
}

type tagResourceInput struct {
	KeyID *string    `json:"KeyId"`
	Tags  []tagInput `json:"Tags"`
}

// apiTagResource answers TagResource: each tag is added, or replaces the
// value of the key's tag with the same key (a key given twice: the last
// value wins, UNCONFIRMED). More than 50 tags in all is
// LimitExceededException. aws:RequestTag/KEY and aws:TagKeys are set for
// the authorization.
func (s *Service) apiTagResource(q *request) (any, error) {
	var in tagResourceInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	v.required("tags", in.Tags != nil)
	if err := v.err(); err != nil {
		return nil, err
	}
	add, err := checkTags("tags", in.Tags)
	if err != nil {
		return nil, err
	}
	ctx := q.context()
	keys := make([]string, len(add))
	for i, t := range add {
		keys[i] = t.Key
		ctx.Set("aws:RequestTag/"+t.Key, t.Value)
	}
	ctx.Set("aws:TagKeys", keys...)
	return s.mutateKeyWith(q, in.KeyID, "kms:TagResource", ctx, func(k *keyRec) (any, func(), error) {
		if err := notPendingDeletion(k); err != nil {
			return nil, nil, err
		}
		tags := mergeTags(k.tags, add)
		if len(tags) > maxKeyTags {
			return nil, nil, errTooManyTags
		}
		undo := saveFields(k)
		k.tags = tags
		return nil, undo, nil
	})
}

type untagResourceInput struct {
	KeyID   *string  `json:"KeyId"`
	TagKeys []string `json:"TagKeys"`
}

// apiUntagResource answers UntagResource: the named tags are removed;
// naming a key the key does not have is not an error. aws:TagKeys is set
// for the authorization.
func (s *Service) apiUntagResource(q *request) (any, error) {
	var in untagResourceInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	v.required("tagKeys", in.TagKeys != nil)
	for i := range in.TagKeys {
		v.length("tagKeys."+strconv.Itoa(i+1)+".member", &in.TagKeys[i], 1, 128)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	ctx := q.context()
	ctx.Set("aws:TagKeys", in.TagKeys...)
	return s.mutateKeyWith(q, in.KeyID, "kms:UntagResource", ctx, func(k *keyRec) (any, func(), error) {
		if err := notPendingDeletion(k); err != nil {
			return nil, nil, err
		}
		var tags []Tag
		for _, t := range k.tags {
			drop := false
			for _, name := range in.TagKeys {
				if t.Key == name {
					drop = true
					break
				}
			}
			if !drop {
				tags = append(tags, t)
			}
		}
		if len(tags) == len(k.tags) {
			return nil, nil, nil
		}
		undo := saveFields(k)
		k.tags = tags
		return nil, undo, nil
	})
}

type updateDescriptionInput struct {
	KeyID       *string `json:"KeyId"`
	Description *string `json:"Description"`
}

// apiUpdateKeyDescription answers UpdateKeyDescription (an empty
// description is allowed).
func (s *Service) apiUpdateKeyDescription(q *request) (any, error) {
	var in updateDescriptionInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	v.required("description", in.Description != nil)
	v.length("description", in.Description, 0, 8192)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.mutateKey(q, in.KeyID, "kms:UpdateKeyDescription", func(k *keyRec) (any, func(), error) {
		if err := notPendingDeletion(k); err != nil {
			return nil, nil, err
		}
		if k.description == *in.Description {
			return nil, nil, nil
		}
		undo := saveFields(k)
		k.description = *in.Description
		return nil, undo, nil
	})
}
