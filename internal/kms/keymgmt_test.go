package kms

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testNow is newTestService's clock.
var testNow = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// TestKeyRotation covers Enable/Disable/GetKeyRotationStatus: the flag
// and period, the key states, AWS managed keys, cross-account reads.
func TestKeyRotation(t *testing.T) {
	s := newTestService(t, nil)
	root := rootOf(acctA)
	pol := keyPolicy(
		stmt("Allow", `{"AWS":"arn:aws:iam::`+acctA+`:root"}`, "kms:*", ""),
		stmt("Allow", `{"AWS":"arn:aws:iam::`+acctB+`:root"}`, "kms:GetKeyRotationStatus", ""),
	)
	id := createKey(t, s, root, pol, false)
	arn := keyARN("us-east-1", acctA, id)
	status := func(keyID string) result {
		t.Helper()
		return mustAPI(t, s, root, "GetKeyRotationStatus", map[string]any{"KeyId": keyID})
	}

	r := status(id)
	if r.body["KeyRotationEnabled"] != false || r.str("KeyId") != arn {
		t.Errorf("new key: %v", r.body)
	}
	if _, ok := r.body["RotationPeriodInDays"]; ok {
		t.Errorf("new key has a rotation period: %v", r.body)
	}

	// Enabled with the default period: the first rotation a year on.
	if r := mustAPI(t, s, root, "EnableKeyRotation", map[string]any{"KeyId": id}); r.body != nil {
		t.Errorf("EnableKeyRotation output: %v", r.body)
	}
	r = status(arn)
	next := float64(testNow.Add(365*24*time.Hour).UnixMilli()) / 1000
	if r.body["KeyRotationEnabled"] != true || r.body["RotationPeriodInDays"] != float64(365) || r.body["NextRotationDate"] != next {
		t.Errorf("enabled: %v (next want %v)", r.body, next)
	}
	mustAPI(t, s, root, "EnableKeyRotation", map[string]any{"KeyId": id, "RotationPeriodInDays": 90})
	if r := status(id); r.body["RotationPeriodInDays"] != float64(90) {
		t.Errorf("period 90: %v", r.body)
	}
	// Another account reads it by ARN only.
	if r := api(t, s, rootOf(acctB), "GetKeyRotationStatus", map[string]any{"KeyId": arn}); r.status != 200 || r.body["KeyRotationEnabled"] != true {
		t.Errorf("cross-account by ARN: %d %s %v", r.status, r.code, r.body)
	}

	runErrCases(t, s, []errCase{
		{"period too short", root, "EnableKeyRotation", map[string]any{"KeyId": id, "RotationPeriodInDays": 89}, 400, "ValidationException", "rotationPeriodInDays"},
		{"period too long", root, "EnableKeyRotation", map[string]any{"KeyId": id, "RotationPeriodInDays": 2561}, 400, "ValidationException", "less than or equal to 2560"},
		{"no key id", root, "GetKeyRotationStatus", map[string]any{}, 400, "ValidationException", "keyId"},
		{"alias not accepted", root, "GetKeyRotationStatus", map[string]any{"KeyId": "alias/aws/s3"}, 400, "NotFoundException", "Invalid keyId"},
		{"other account by id", rootOf(acctB), "GetKeyRotationStatus", map[string]any{"KeyId": id}, 400, "NotFoundException", ""},
		{"other account may not enable", rootOf(acctB), "EnableKeyRotation", map[string]any{"KeyId": arn}, 400, "NotFoundException", ""},
		{"unknown key", root, "DisableKeyRotation", map[string]any{"KeyId": "00000000-0000-4000-8000-000000000000"}, 400, "NotFoundException", "does not exist"},
	})

	// Disabled key: the setting is kept and shown, not changeable.
	mustAPI(t, s, root, "DisableKey", map[string]any{"KeyId": id})
	if r := status(id); r.body["KeyRotationEnabled"] != true {
		t.Errorf("disabled key: %v", r.body)
	}
	runErrCases(t, s, []errCase{
		{"enable on a disabled key", root, "EnableKeyRotation", map[string]any{"KeyId": id}, 400, "DisabledException", arn + " is disabled."},
		{"disable on a disabled key", root, "DisableKeyRotation", map[string]any{"KeyId": id}, 400, "DisabledException", arn + " is disabled."},
	})
	// Pending deletion: reported false, kept for CancelKeyDeletion.
	mustAPI(t, s, root, "ScheduleKeyDeletion", map[string]any{"KeyId": id, "PendingWindowInDays": 7})
	if r := status(id); r.body["KeyRotationEnabled"] != false {
		t.Errorf("pending deletion: %v", r.body)
	}
	runErrCases(t, s, []errCase{
		{"enable on a key pending deletion", root, "EnableKeyRotation", map[string]any{"KeyId": id}, 400, "KMSInvalidStateException", arn + " is pending deletion."},
	})
	mustAPI(t, s, root, "CancelKeyDeletion", map[string]any{"KeyId": id})
	mustAPI(t, s, root, "EnableKey", map[string]any{"KeyId": id})
	if r := status(id); r.body["KeyRotationEnabled"] != true || r.body["RotationPeriodInDays"] != float64(90) {
		t.Errorf("after cancelling the deletion: %v", r.body)
	}
	mustAPI(t, s, root, "DisableKeyRotation", map[string]any{"KeyId": id})
	mustAPI(t, s, root, "DisableKeyRotation", map[string]any{"KeyId": id}) // again: no change, no error
	if r := status(id); r.body["KeyRotationEnabled"] != false {
		t.Errorf("disabled rotation: %v", r.body)
	}

	// AWS managed keys rotate every year; they cannot be changed.
	mk := mustAPI(t, s, root, "DescribeKey", map[string]any{"KeyId": "alias/aws/s3"}).str("KeyMetadata", "KeyId")
	if r := status(mk); r.body["KeyRotationEnabled"] != true || r.body["RotationPeriodInDays"] != float64(365) {
		t.Errorf("aws/s3: %v", r.body)
	}
	if r := api(t, s, root, "DisableKeyRotation", map[string]any{"KeyId": mk}); r.code != "AccessDeniedException" {
		t.Errorf("DisableKeyRotation on aws/s3: %d %s %s", r.status, r.code, r.msg)
	}
}

// TestNextRotation: the next date is the first period boundary after now.
func TestNextRotation(t *testing.T) {
	since := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tt := range []struct {
		now  time.Time
		want time.Time
	}{
		{since, since.Add(90 * day)},
		{since.Add(89 * day), since.Add(90 * day)},
		{since.Add(90 * day), since.Add(180 * day)},
		{since.Add(1000 * day), since.Add(1080 * day)},
	} {
		if got := nextRotation(since, 90, tt.now); !got.Equal(tt.want) {
			t.Errorf("now %s: %s, want %s", tt.now, got, tt.want)
		}
	}
}

// tagList returns ListResourceTags's tags as "k=v" in order.
func tagList(t *testing.T, s *Service, id string) []string {
	t.Helper()
	r := mustAPI(t, s, rootOf(acctA), "ListResourceTags", map[string]any{"KeyId": id})
	if r.body["Truncated"] != false {
		t.Errorf("ListResourceTags truncated: %v", r.body)
	}
	var out []string
	tags, _ := r.body["Tags"].([]any)
	for _, tg := range tags {
		m := tg.(map[string]any)
		out = append(out, m["TagKey"].(string)+"="+m["TagValue"].(string))
	}
	return out
}

// TestKeyTags covers TagResource, UntagResource and ListResourceTags (and
// CreateKey's tags).
func TestKeyTags(t *testing.T) {
	s := newTestService(t, nil)
	root := rootOf(acctA)
	id := mustAPI(t, s, root, "CreateKey", map[string]any{"Tags": []map[string]string{
		{"TagKey": "Project", "TagValue": "edgegate"}, {"TagKey": "Env", "TagValue": ""},
	}}).str("KeyMetadata", "KeyId")
	arn := keyARN("us-east-1", acctA, id)
	if got := strings.Join(tagList(t, s, id), ","); got != "Project=edgegate,Env=" {
		t.Errorf("CreateKey's tags: %s", got)
	}
	if r := mustAPI(t, s, root, "TagResource", map[string]any{"KeyId": arn, "Tags": []map[string]string{
		{"TagKey": "Env", "TagValue": "prod"}, {"TagKey": "Team", "TagValue": "edge"},
	}}); r.body != nil {
		t.Errorf("TagResource output: %v", r.body)
	}
	if got := strings.Join(tagList(t, s, id), ","); got != "Project=edgegate,Env=prod,Team=edge" {
		t.Errorf("after TagResource: %s", got)
	}
	mustAPI(t, s, root, "UntagResource", map[string]any{"KeyId": id, "TagKeys": []string{"Project", "Nope"}})
	if got := strings.Join(tagList(t, s, id), ","); got != "Env=prod,Team=edge" {
		t.Errorf("after UntagResource: %s", got)
	}

	// Paging.
	p1 := mustAPI(t, s, root, "ListResourceTags", map[string]any{"KeyId": id, "Limit": 1})
	if p1.body["Truncated"] != true || p1.str("NextMarker") == "" || len(p1.body["Tags"].([]any)) != 1 {
		t.Fatalf("page 1: %v", p1.body)
	}
	p2 := mustAPI(t, s, root, "ListResourceTags", map[string]any{"KeyId": id, "Limit": 1, "Marker": p1.str("NextMarker")})
	if p2.body["Truncated"] != false || p2.str("NextMarker") != "" || p2.body["Tags"].([]any)[0].(map[string]any)["TagKey"] != "Team" {
		t.Errorf("page 2: %v", p2.body)
	}
	// A key without tags lists an empty array.
	bare := createKey(t, s, root, "", false)
	if r := mustAPI(t, s, root, "ListResourceTags", map[string]any{"KeyId": bare}); r.body["Tags"] == nil || len(r.body["Tags"].([]any)) != 0 {
		t.Errorf("no tags: %v", r.body)
	}

	var fifty []map[string]string
	for i := range 49 {
		fifty = append(fifty, map[string]string{"TagKey": "k" + strconv.Itoa(i), "TagValue": "v"})
	}
	runErrCases(t, s, []errCase{
		{"reserved prefix", root, "TagResource", map[string]any{"KeyId": id, "Tags": []map[string]string{{"TagKey": "aws:x", "TagValue": "v"}}}, 400, "TagException", "Tags beginning with aws: are reserved"},
		{"reserved prefix, other case", root, "TagResource", map[string]any{"KeyId": id, "Tags": []map[string]string{{"TagKey": "AWS:x", "TagValue": "v"}}}, 400, "TagException", "reserved"},
		{"reserved prefix on CreateKey", root, "CreateKey", map[string]any{"Tags": []map[string]string{{"TagKey": "aws:x", "TagValue": "v"}}}, 400, "TagException", "reserved"},
		{"empty key", root, "TagResource", map[string]any{"KeyId": id, "Tags": []map[string]string{{"TagKey": "", "TagValue": "v"}}}, 400, "ValidationException", "tags.1.member.tagKey"},
		{"long value", root, "TagResource", map[string]any{"KeyId": id, "Tags": []map[string]string{{"TagKey": "k", "TagValue": strings.Repeat("v", 257)}}}, 400, "ValidationException", "tags.1.member.tagValue"},
		{"no value", root, "TagResource", map[string]any{"KeyId": id, "Tags": []map[string]any{{"TagKey": "k"}}}, 400, "ValidationException", "must not be null"},
		{"no tags", root, "TagResource", map[string]any{"KeyId": id}, 400, "ValidationException", "'tags'"},
		{"51 tags", root, "TagResource", map[string]any{"KeyId": id, "Tags": fifty}, 400, "LimitExceededException", ""},
		{"no tag keys", root, "UntagResource", map[string]any{"KeyId": id}, 400, "ValidationException", "'tagKeys'"},
		{"limit too big", root, "ListResourceTags", map[string]any{"KeyId": id, "Limit": 51}, 400, "ValidationException", "limit"},
		{"bad marker", root, "ListResourceTags", map[string]any{"KeyId": id, "Marker": "nope"}, 400, "InvalidMarkerException", ""},
		{"other account", rootOf(acctB), "ListResourceTags", map[string]any{"KeyId": arn}, 400, "NotFoundException", ""},
	})
	if got := len(tagList(t, s, id)); got != 2 {
		t.Errorf("refused changes changed the tags: %d", got)
	}

	// Pending deletion: listed, not changed.
	mustAPI(t, s, root, "ScheduleKeyDeletion", map[string]any{"KeyId": id, "PendingWindowInDays": 7})
	runErrCases(t, s, []errCase{
		{"tag a key pending deletion", root, "TagResource", map[string]any{"KeyId": id, "Tags": []map[string]string{{"TagKey": "a", "TagValue": "b"}}}, 400, "KMSInvalidStateException", "is pending deletion."},
		{"untag a key pending deletion", root, "UntagResource", map[string]any{"KeyId": id, "TagKeys": []string{"Env"}}, 400, "KMSInvalidStateException", "is pending deletion."},
	})
	if got := len(tagList(t, s, id)); got != 2 {
		t.Errorf("pending deletion: %d tags", got)
	}
}

// TestUpdateKeyDescription covers UpdateKeyDescription.
func TestUpdateKeyDescription(t *testing.T) {
	s := newTestService(t, nil)
	root := rootOf(acctA)
	id := createKey(t, s, root, "", false)
	mustAPI(t, s, root, "UpdateKeyDescription", map[string]any{"KeyId": id, "Description": "site objects"})
	if got := mustAPI(t, s, root, "DescribeKey", map[string]any{"KeyId": id}).str("KeyMetadata", "Description"); got != "site objects" {
		t.Errorf("description: %q", got)
	}
	mustAPI(t, s, root, "UpdateKeyDescription", map[string]any{"KeyId": id, "Description": ""})
	if got := mustAPI(t, s, root, "DescribeKey", map[string]any{"KeyId": id}).str("KeyMetadata", "Description"); got != "" {
		t.Errorf("emptied description: %q", got)
	}
	mustAPI(t, s, root, "ScheduleKeyDeletion", map[string]any{"KeyId": id})
	runErrCases(t, s, []errCase{
		{"no description", root, "UpdateKeyDescription", map[string]any{"KeyId": id}, 400, "ValidationException", "'description'"},
		{"too long", root, "UpdateKeyDescription", map[string]any{"KeyId": id, "Description": strings.Repeat("d", 8193)}, 400, "ValidationException", "8192"},
		{"pending deletion", root, "UpdateKeyDescription", map[string]any{"KeyId": id, "Description": "x"}, 400, "KMSInvalidStateException", "is pending deletion."},
	})
}

// TestKeySettingActions pins each operation to its kms: action: a user
// whose identity policy allows only that action may call it (the default
// key policy delegates to the account), and one allowed every other kms
// action may not.
func TestKeySettingActions(t *testing.T) {
	ids := fakeIdentities{}
	s := newTestService(t, ids)
	root := rootOf(acctA)
	id := createKey(t, s, root, "", false)
	ops := []struct {
		op, action string
		body       map[string]any
	}{
		{"GetKeyRotationStatus", "kms:GetKeyRotationStatus", map[string]any{"KeyId": id}},
		{"EnableKeyRotation", "kms:EnableKeyRotation", map[string]any{"KeyId": id}},
		{"DisableKeyRotation", "kms:DisableKeyRotation", map[string]any{"KeyId": id}},
		{"ListResourceTags", "kms:ListResourceTags", map[string]any{"KeyId": id}},
		{"TagResource", "kms:TagResource", map[string]any{"KeyId": id, "Tags": []map[string]string{{"TagKey": "a", "TagValue": "b"}}}},
		{"UntagResource", "kms:UntagResource", map[string]any{"KeyId": id, "TagKeys": []string{"a"}}},
		{"UpdateKeyDescription", "kms:UpdateKeyDescription", map[string]any{"KeyId": id, "Description": "d"}},
	}
	for i, o := range ops {
		only := userOf(acctA, "only"+strconv.Itoa(i))
		ids.attach(t, only, "only", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"`+o.action+`","Resource":"*"}]}`)
		if r := api(t, s, only, o.op, o.body); r.status != 200 {
			t.Errorf("%s with only %s: %d %s %s", o.op, o.action, r.status, r.code, r.msg)
		}
		others := userOf(acctA, "others"+strconv.Itoa(i))
		ids.attach(t, others, "others", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"`+o.action+`","Resource":"*"}]}`)
		if r := api(t, s, others, o.op, o.body); r.code != "AccessDeniedException" || !strings.Contains(r.msg, o.action) {
			t.Errorf("%s without %s: %d %s %s", o.op, o.action, r.status, r.code, r.msg)
		}
	}
	// TagResource is judged with aws:RequestTag/KEY and aws:TagKeys.
	tagger := userOf(acctA, "tagger")
	ids.attach(t, tagger, "tag-team-only", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:TagResource","Resource":"*",
		"Condition":{"StringEquals":{"aws:RequestTag/team":"edge"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}]}`)
	tag := func(k, v string) result {
		return api(t, s, tagger, "TagResource", map[string]any{"KeyId": id, "Tags": []map[string]string{{"TagKey": k, "TagValue": v}}})
	}
	if r := tag("team", "edge"); r.status != 200 {
		t.Errorf("tag team=edge: %d %s %s", r.status, r.code, r.msg)
	}
	for _, kv := range [][2]string{{"team", "core"}, {"owner", "edge"}} {
		if r := tag(kv[0], kv[1]); r.code != "AccessDeniedException" {
			t.Errorf("tag %s=%s: %d %s", kv[0], kv[1], r.status, r.code)
		}
	}
}

// TestKeySettingsPersist: rotation, tags and description survive a
// restart.
func TestKeySettingsPersist(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kms")
	now := testNow
	s := openAt(t, dir, &now)
	root := rootOf(acctA)
	id := createKey(t, s, root, "", false)
	mustAPI(t, s, root, "EnableKeyRotation", map[string]any{"KeyId": id, "RotationPeriodInDays": 180})
	mustAPI(t, s, root, "TagResource", map[string]any{"KeyId": id, "Tags": []map[string]string{{"TagKey": "a", "TagValue": "b"}}})
	mustAPI(t, s, root, "UpdateKeyDescription", map[string]any{"KeyId": id, "Description": "kept"})

	now = now.Add(200 * 24 * time.Hour)
	s2 := openAt(t, dir, &now)
	r := mustAPI(t, s2, root, "GetKeyRotationStatus", map[string]any{"KeyId": id})
	next := float64(testNow.Add(360*24*time.Hour).UnixMilli()) / 1000
	if r.body["KeyRotationEnabled"] != true || r.body["RotationPeriodInDays"] != float64(180) || r.body["NextRotationDate"] != next {
		t.Errorf("rotation after restart: %v", r.body)
	}
	if got := strings.Join(tagList(t, s2, id), ","); got != "a=b" {
		t.Errorf("tags after restart: %s", got)
	}
	if got := mustAPI(t, s2, root, "DescribeKey", map[string]any{"KeyId": id}).str("KeyMetadata", "Description"); got != "kept" {
		t.Errorf("description after restart: %q", got)
	}
}
