package diagnose

import (
	"encoding/json"
	"strings"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/kms"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/traces"
)

// managedS3Sid is the first statement of the AWS managed key aws/s3's
// policy, which nobody can edit.
const managedS3Sid = "Allow access through S3 for all principals in the account that are authorized to use S3"

// kmsSteps renders the KMS decision of rec as trace steps, numbered after
// the S3 checks.
func kmsSteps(rec *traces.Record) []Step {
	k := rec.KMS
	if k == nil || k.Trace == nil {
		return nil
	}
	tr := k.Trace
	check := len(rec.Checks)
	var steps []Step
	pstep := func(source, name string, pt *policy.Trace, note string) {
		st := Step{Check: check, Action: k.Action, Resource: k.KeyARN, Source: source, Name: name,
			Decision: pt.Decision.String(), Note: note, Deciding: pt.Deciding}
		for i := range pt.Statements {
			st.Statements = append(st.Statements, pt.Statements[i].String())
		}
		steps = append(steps, st)
	}
	pstep("key policy", "key policy of "+k.KeyARN, &tr.KeyPolicy, "evaluated for "+tr.Principal)
	if tr.DelegationChecked {
		note := "the key policy does not allow the caller's account root: its identity policies do not count"
		if tr.Delegated {
			note = "the key policy allows the caller's account root: its identity policies count"
		}
		pstep("key policy", "key policy, delegation to the account", &tr.Delegation, note)
	}
	for i := range tr.Identity {
		pstep("identity policy", tr.Identity[i].ARN, &tr.Identity[i].Trace, "")
	}
	for _, g := range tr.Grants {
		steps = append(steps, Step{Check: check, Action: k.Action, Resource: k.KeyARN, Source: "grant", Name: g.GrantID,
			Decision: "NotApplicable", Deciding: -1,
			Note: "grantee " + g.Grantee + " " + mark(g.GranteeMatched) + ", operations " + strings.Join(g.Operations, ",") + " " +
				mark(g.OperationMatched) + ", constraints " + mark(g.ConstraintsMet)})
	}
	steps = append(steps, Step{Check: check, Action: k.Action, Resource: k.KeyARN, Source: "KMS decision",
		Decision: decisionWord(tr.Decision), Note: string(tr.Decision.Reason), Deciding: -1})
	return steps
}

func mark(ok bool) string {
	if ok {
		return "match"
	}
	return "do not match"
}

func decisionWord(d kms.Decision) string {
	if d.Allowed {
		return "Allow"
	}
	switch d.Reason {
	case kms.ReasonExplicitDenyKeyPolicy, kms.ReasonExplicitDenyIdentityPolicy:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// kmsFinding is the finding of a request decided by KMS: a denial
// (KMS-KEY-POLICY), a key not usable (KMS-STATE) or an anonymous read of
// an SSE-KMS object (KMS-ANON).
func kmsFinding(rec *traces.Record) (Finding, bool) {
	switch {
	case rec.KMS != nil && rec.Principal.Type == identity.OAI:
		return Finding{ID: "KMS-OAI", Certainty: Definite,
			Summary: "a CloudFront origin access identity cannot use KMS keys: an OAI reads objects as a principal no key " +
				"policy can name, so SSE-KMS objects behind an OAI are always denied (403 AccessDenied)",
			Evidence: []string{rec.KMS.Action + " on " + rec.KMS.KeyARN + " denied to " + principalName(rec)},
			Fix: textFix("migrate the distribution from the OAI to origin access control (OAC) and add the " +
				"AllowCloudFrontServicePrincipalSSE-KMS statement to the key policy, or re-encrypt the objects with SSE-S3 (AES256)")}, true
	case rec.KMS != nil:
		return kmsKeyPolicyFinding(rec), true
	case rec.ErrorCode == "KMS.DisabledException" || rec.ErrorCode == "KMS.KMSInvalidStateException":
		arn := keyARNIn(rec.Notes)
		f := Finding{ID: "KMS-STATE", Certainty: Not403, Evidence: rec.Notes}
		if rec.ErrorCode == "KMS.DisabledException" {
			f.Summary = "the object's KMS key is disabled, so S3 cannot use it; S3 answers 400 " + rec.ErrorCode + ", not 403"
			f.Fix = &Fix{Summary: "enable the key", Commands: []string{"aws kms enable-key --key-id " + arn},
				Change: &Change{Kind: ChangeKeyEnable, KeyID: arn}}
		} else {
			f.Summary = "the object's KMS key is pending deletion, so S3 cannot use it; S3 answers 400 " + rec.ErrorCode + ", not 403"
			f.Fix = &Fix{Summary: "cancel the key's deletion and enable it (a cancelled deletion leaves the key disabled); " +
				"once the key is deleted, objects encrypted under it are lost",
				Commands: []string{"aws kms cancel-key-deletion --key-id " + arn, "aws kms enable-key --key-id " + arn},
				Change:   &Change{Kind: ChangeKeyEnable, KeyID: arn}}
		}
		return f, true
	case rec.ErrorCode == "InvalidArgument" && (hasNote(rec.Notes, "only SigV4-signed requests may read") || hasNote(rec.Notes, "only SigV4-signed requests may use")):
		return Finding{ID: "KMS-ANON", Certainty: Not403,
			Summary:  "an anonymous (unsigned) request cannot read an SSE-KMS object: S3 answers 400 InvalidArgument, requiring Signature Version 4",
			Evidence: rec.Notes,
			Fix: textFix("read it with signed requests: behind CloudFront use a REST origin with origin access control (not a website endpoint or public access), " +
				"and allow cloudfront.amazonaws.com kms:Decrypt in the key policy; or re-encrypt public objects with SSE-S3 (AES256)")}, true
	}
	return Finding{}, false
}

func kmsKeyPolicyFinding(rec *traces.Record) Finding {
	k := rec.KMS
	who := principalName(rec)
	f := Finding{ID: "KMS-KEY-POLICY", Certainty: Definite,
		Summary: "S3 allowed the request, but KMS denied " + k.Action + " on the object's key " + k.KeyARN + " to " + who +
			"; S3 answers 403 AccessDenied, as for its own denials"}
	f.Evidence = append(f.Evidence, k.Action+" on "+k.KeyARN+" denied to "+who+" ("+string(k.Decision.Reason)+"): "+k.Reason)
	tr := k.Trace
	managed := false
	if tr != nil {
		if tr.CrossAccount {
			f.Evidence = append(f.Evidence, "the caller is in another account than the key: the key policy must allow it or its account, and its own identity policies must allow too")
		}
		for i := range tr.KeyPolicy.Statements {
			st := &tr.KeyPolicy.Statements[i]
			if st.Sid == managedS3Sid {
				managed = true
			}
			f.Evidence = append(f.Evidence, "key policy statement considered: "+st.String())
		}
		if tr.DelegationChecked {
			if tr.Delegated {
				f.Evidence = append(f.Evidence, "the key policy allows the caller's account root, so identity policies count; none allows "+k.Action)
			} else {
				f.Evidence = append(f.Evidence, "the key policy does not allow the caller's account root, so identity policies do not count")
			}
		}
	}
	principal := principalForKeyPolicy(rec.Principal)
	switch k.Decision.Reason {
	case kms.ReasonExplicitDenyKeyPolicy:
		f.Summary = "a Deny statement of the key policy of " + k.KeyARN + " matches " + k.Action + " for " + who
		f.Fix = textFix("narrow the Deny statement of the key policy of " + k.KeyARN)
		if tr != nil {
			if st := decidingStatement(&tr.KeyPolicy); st != nil {
				f.Fix = textFix("narrow Deny statement " + stmtLabel(st) + " of the key policy of " + k.KeyARN)
			}
		}
		return f
	case kms.ReasonExplicitDenyIdentityPolicy:
		f.Summary = "a Deny statement of the identity policy " + k.Decision.By + " matches " + k.Action + " on " + k.KeyARN
		f.Fix = textFix("narrow the Deny statement of " + k.Decision.By)
		return f
	case kms.ReasonNoIdentityPolicyAllow, kms.ReasonCrossAccountNoIdentityAllow:
		st := map[string]any{"Sid": "AllowUseOfTheKeyThroughS3", "Effect": "Allow", "Action": k.Action, "Resource": k.KeyARN}
		f.Fix = &Fix{Summary: "attach an identity policy to " + who + " allowing it: " + mustJSON(st), Statement: rawJSON(st)}
		return f
	}
	if managed {
		f.Summary += "; the key is the AWS managed key aws/s3, whose policy allows only its own account's principals through S3 and cannot be edited"
		f.Fix = &Fix{Summary: "re-encrypt the objects with a customer managed key whose key policy allows " + who + " " + k.Action,
			Commands:   []string{"aws s3 cp s3://" + rec.Bucket + "/ s3://" + rec.Bucket + "/ --recursive --sse aws:kms --sse-kms-key-id KEY_ARN"},
			Unverified: "the objects must be re-encrypted: not a configuration change"}
		return f
	}
	var stmt map[string]any
	if rec.Principal.Type == identity.Service && rec.Principal.ARN == "cloudfront.amazonaws.com" {
		src := "arn:aws:cloudfront::ACCOUNT:distribution/DISTRIBUTION_ID"
		if len(rec.Checks) > 0 {
			if v, ok := rec.Checks[len(rec.Checks)-1].Context.Values("aws:sourcearn"); ok && len(v) > 0 {
				src = v[0]
			}
		}
		stmt = map[string]any{
			"Sid": "AllowCloudFrontServicePrincipalSSE-KMS", "Effect": "Allow",
			"Principal": map[string]string{"Service": "cloudfront.amazonaws.com"},
			"Action":    []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"},
			"Resource":  "*",
			"Condition": map[string]any{"StringEquals": map[string]string{"AWS:SourceArn": src}},
		}
	} else {
		stmt = map[string]any{"Sid": "AllowUseOfTheKeyThroughS3", "Effect": "Allow", "Principal": principal,
			"Action": k.Action, "Resource": "*"}
	}
	f.Fix = &Fix{Summary: "add the statement " + stmt["Sid"].(string) + " (below) to the key policy of " + k.KeyARN,
		Statement: rawJSON(stmt),
		Commands: []string{"aws kms get-key-policy --key-id " + k.KeyARN + " --policy-name default --query Policy --output text > key-policy.json",
			"# add the statement to key-policy.json's Statement list, then:",
			"aws kms put-key-policy --key-id " + k.KeyARN + " --policy-name default --policy file://key-policy.json"},
		Terraform: "aws_kms_key.policy (the key policy document) gains the statement",
		Change:    &Change{Kind: ChangeKeyPolicyStatement, KeyID: k.KeyARN, Sid: stmt["Sid"].(string), Statement: rawJSON(stmt)}}
	if tr != nil && tr.CrossAccount && rec.Principal.Type != identity.Root {
		f.Fix.Summary += "; and, as the caller is in another account, attach to it an identity policy allowing " + k.Action + " on " + k.KeyARN
		f.Fix.Change = nil
	}
	return f
}

// principalForKeyPolicy is the Principal element naming p in a key policy
// (a role session is named by its role).
func principalForKeyPolicy(p identity.Principal) any {
	switch {
	case p.IsAnonymous():
		return "*"
	case p.Type == identity.Service:
		return map[string]string{"Service": p.ARN}
	case p.Type == identity.AssumedRole && p.RoleARN != "":
		return map[string]string{"AWS": p.RoleARN}
	}
	return map[string]string{"AWS": p.ARN}
}

func decidingStatement(t *policy.Trace) *policy.StatementTrace {
	if t.Deciding < 0 || t.Deciding >= len(t.Statements) {
		return nil
	}
	return &t.Statements[t.Deciding]
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func hasNote(notes []string, s string) bool {
	for _, n := range notes {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// keyARNIn finds a KMS key ARN in the notes ("KEY_ARN" if none).
func keyARNIn(notes []string) string {
	for _, n := range notes {
		if i := strings.Index(n, "arn:aws:kms:"); i >= 0 {
			arn := n[i:]
			if j := strings.IndexAny(arn, " \t\"'"); j >= 0 {
				arn = arn[:j]
			}
			return strings.TrimRight(arn, ".,;:")
		}
	}
	return "KEY_ARN"
}
