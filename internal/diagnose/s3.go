package diagnose

import (
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/s3/authz"
	"github.com/edgegate/edgegate/internal/traces"
)

// ExplainS3 explains a recorded S3 request by replaying its decisions with
// tracing on.
func ExplainS3(rec *traces.Record) *Explanation {
	x := &Explanation{
		RequestID: rec.RequestID,
		Status:    rec.Status,
		ErrorCode: rec.ErrorCode,
		Responder: "origin",
		Operation: rec.Operation,
		Principal: principalName(rec),
		Findings:  []Finding{},
		Trace:     []Step{},
	}
	var last *authz.Trace
	var lastCheck *traces.Check
	var results []authz.Result
	for i := range rec.Checks {
		c := &rec.Checks[i]
		// The replay rebuilds the trace; the recorded result keeps what the
		// request decided, including reasons the S3 layer added on top of
		// the decision (MissingObjectNoListBucket).
		results = append(results, c.Result)
		if c.Redacted {
			x.Trace = append(x.Trace, Step{Check: i, Action: c.Input.Action, Resource: c.Input.Resource,
				Source: "another account's resource", Name: c.Input.Bucket.Name, Decision: c.Result.Decision.String(),
				Note: "decided by the policies of account " + c.Input.Bucket.Owner + ", which only that account may see", Deciding: -1})
			last, lastCheck = &authz.Trace{Reason: c.Result.Reason}, c
			continue
		}
		_, tr := c.Replay()
		for _, s := range tr.Steps {
			st := Step{Check: i, Action: c.Input.Action, Resource: c.Input.Resource, Source: string(s.Source),
				Name: s.Name, Decision: s.Decision.String(), Note: s.Note, Deciding: -1}
			if s.Policy != nil {
				for j := range s.Policy.Statements {
					st.Statements = append(st.Statements, s.Policy.Statements[j].String())
				}
				st.Deciding = s.Policy.Deciding
			}
			x.Trace = append(x.Trace, st)
		}
		last, lastCheck = tr, c
	}
	x.Trace = append(x.Trace, kmsSteps(rec)...)
	if f, ok := kmsFinding(rec); ok {
		x.Findings = append(x.Findings, f)
	} else if f, ok := s3Finding(rec, lastCheck, last, results); ok {
		x.Findings = append(x.Findings, f)
	}
	return x
}

func principalName(rec *traces.Record) string {
	p := rec.Principal
	switch {
	case p.IsAnonymous():
		return "anonymous"
	case p.ARN != "":
		return p.ARN
	}
	return p.Type.String()
}

// s3Finding names the root cause of a recorded S3 outcome.
func s3Finding(rec *traces.Record, c *traces.Check, tr *authz.Trace, results []authz.Result) (Finding, bool) {
	if rec.ErrorCode == "InvalidObjectState" {
		return Finding{ID: "OBJ-ARCHIVED", Certainty: Definite,
			Summary:  "the object is in an archive storage class and must be restored before it can be read",
			Evidence: rec.Notes,
			Fix: &Fix{Summary: "restore the object, or copy it to a readable storage class (and exclude the CDN's prefixes from lifecycle transitions)",
				Commands:   []string{"aws s3api restore-object --bucket " + rec.Bucket + " --key " + shellQuote(rec.Key) + " --restore-request Days=7"},
				Unverified: "restoring an object is not a configuration change"}}, true
	}
	if c == nil || len(results) == 0 {
		return Finding{}, false
	}
	res := results[len(results)-1]
	if res.Allowed {
		if rec.ErrorCode == "NoSuchKey" {
			return Finding{ID: "KEY-MISSING", Certainty: Not403,
				Summary:  "the key does not exist; the caller may list the bucket, so S3 answers 404 NoSuchKey instead of 403",
				Evidence: rec.Notes,
				Fix: &Fix{Summary: "upload s3://" + rec.Bucket + "/" + rec.Key + ", or correct the key (keys are case-sensitive)",
					Commands:   []string{"aws s3 cp FILE s3://" + rec.Bucket + "/" + rec.Key},
					Unverified: "uploading an object is not a configuration change"}}, true
		}
		return Finding{}, false
	}
	in := &c.Input
	bucket := ""
	if in.Bucket != nil {
		bucket = in.Bucket.Name
	}
	evidence := append([]string(nil), rec.Notes...)
	if step, st, ok := tr.Deciding(res.Decision); ok {
		evidence = append(evidence, step.Name+": "+st.String())
	}
	switch res.Reason {
	case authz.ReasonMissingObjectNoListBucket:
		return Finding{ID: "KEY-MISSING", Certainty: Definite,
			Summary:  "the key does not exist, and the caller may not s3:ListBucket, so S3 hides the 404 behind 403 AccessDenied",
			Evidence: evidence,
			Fix: &Fix{Summary: "upload the object, or correct the key (keys are case-sensitive); to get honest 404s, allow s3:ListBucket on the bucket: " +
				mustJSON(scopedStatement(rec, c, "AllowListForHonest404", "s3:ListBucket", "arn:aws:s3:::"+bucket)),
				Commands:   []string{"aws s3 cp FILE s3://" + bucket + "/" + rec.Key},
				Unverified: "uploading an object is not a configuration change"}}, true
	case authz.ReasonExplicitDenyBucketPolicy, authz.ReasonExplicitDenyIdentityPolicy:
		step, st, _ := tr.Deciding(policy.ExplicitDeny)
		id, summary := "POL-EXPLICIT-DENY", "an explicit Deny statement matches the request; a Deny beats every Allow"
		if st != nil {
			for _, cond := range st.Conditions {
				switch strings.ToLower(cond.Key) {
				case "aws:sourcevpce", "aws:sourcevpc", "aws:sourceip":
					id = "POL-EXPLICIT-DENY-NETWORK"
					summary = "a Deny on " + cond.Key + " matches: the request does not come through the allowed network (an absent key makes a negated condition true)"
				case "aws:securetransport":
					id = "POL-TLS-HTTP"
					summary = "a Deny on aws:SecureTransport matches: the request came over plain HTTP"
				case "aws:principalorgid", "aws:principalaccount":
					id = "POL-PERIMETER"
					summary = "a perimeter Deny on " + cond.Key + " matches and does not exempt this principal"
				}
			}
		}
		fix := textFix("remove or narrow the Deny statement")
		if step != nil && st != nil {
			fix = textFix("narrow Deny statement " + stmtLabel(st) + " in the " + step.Name)
			if id == "POL-TLS-HTTP" {
				fix.Summary = "serve viewers over HTTPS only: set the cache behavior's ViewerProtocolPolicy to redirect-to-https " +
					"(CloudFront then reaches S3 over HTTPS), or narrow Deny statement " + stmtLabel(st) + " in the " + step.Name
				fix.Terraform = "viewer_protocol_policy = \"redirect-to-https\" in the cache behavior"
			}
			if (id == "POL-EXPLICIT-DENY-NETWORK" || id == "POL-PERIMETER") && rec.Principal.Type == identity.Service {
				src := "<distribution ARN>"
				if v, ok := c.Context.Values("aws:sourcearn"); ok && len(v) > 0 {
					src = v[0]
				}
				fix.Summary += ": exempt the distribution inside the Deny with \"StringNotEquals\": {\"AWS:SourceArn\": \"" + src + "\"}"
				if src != "<distribution ARN>" && bucket != "" {
					fix.Change = &Change{Kind: ChangeBucketPolicyExempt, Bucket: bucket, Sid: stmtRef(st), Value: src}
				}
			}
		}
		return Finding{ID: id, Certainty: Definite, Summary: summary, Evidence: evidence, Fix: fix}, true
	case authz.ReasonBucketPolicyNotApplicableObjectOwner, authz.ReasonObjectACLNoGrant:
		return Finding{ID: "POL-OBJECT-OWNERSHIP", Certainty: Definite,
			Summary:  "another account owns the object, so the bucket policy cannot grant access to it and the object ACL does not",
			Evidence: evidence,
			Fix: &Fix{Summary: "make the bucket owner own every object with BucketOwnerEnforced (or have the writer use --acl bucket-owner-full-control and copy the object onto itself as the bucket owner)",
				Commands:  []string{"aws s3api put-bucket-ownership-controls --bucket " + bucket + " --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'"},
				Terraform: "aws_s3_bucket_ownership_controls: rule { object_ownership = \"BucketOwnerEnforced\" }",
				Change:    &Change{Kind: ChangeOwnership, Bucket: bucket, Value: "BucketOwnerEnforced"}}}, true
	case authz.ReasonBPAIgnoredACL, authz.ReasonBPARestrictPublicBucket:
		return Finding{ID: "POL-BPA-PUBLIC", Certainty: Definite,
			Summary:  "Block Public Access neutralises the public grant that would allow this request (" + string(res.Reason) + ")",
			Evidence: evidence,
			Fix:      textFix("serve through CloudFront with origin access control instead of public access; or deliberately turn the setting off: aws s3api put-public-access-block --bucket " + bucket + " --public-access-block-configuration ...")}, true
	case authz.ReasonCrossAccountNoIdentityAllow:
		return Finding{ID: "POL-NO-ALLOW", Certainty: Definite,
			Summary:  "a cross-account request needs an Allow on both sides; the bucket side allows, the caller's own identity policies do not",
			Evidence: evidence,
			Fix:      textFix("attach an identity policy to " + principalName(rec) + " allowing " + in.Action + " on " + in.Resource)}, true
	}
	sid := "Allow" + strings.TrimPrefix(in.Action, "s3:")
	resource := in.Resource
	if in.Action == "s3:GetObject" && bucket != "" && (rec.Principal.Type == identity.Service || rec.Principal.Type == identity.OAI) {
		// CloudFront reads every object of its origin: the console's
		// statement covers the bucket's objects, not one key.
		resource = "arn:aws:s3:::" + bucket + "/*"
	}
	if rec.Principal.Type == identity.Service {
		sid = "AllowCloudFrontServicePrincipal"
	}
	stmt := scopedStatement(rec, c, sid, in.Action, resource)
	fix := &Fix{Summary: "add the statement " + sid + " (below) to the bucket policy of " + bucket, Statement: rawJSON(stmt),
		Commands:  putBucketPolicyCommands(bucket),
		Terraform: "aws_s3_bucket_policy.policy (the bucket policy document) gains the statement"}
	if bucket != "" {
		fix.Change = &Change{Kind: ChangeBucketPolicyStatement, Bucket: bucket, Sid: sid, Statement: rawJSON(stmt)}
	}
	if rec.Principal.IsAnonymous() {
		fix.Summary += " (a public statement: Block Public Access, on by default for new buckets, refuses it until its " +
			"BlockPublicPolicy setting is turned off; to keep the bucket private, serve it through CloudFront with " +
			"origin access control instead)"
	}
	if f, ok := sourceArnMismatch(rec, c, tr, bucket, evidence); ok {
		return f, true
	}
	return Finding{ID: "POL-NO-ALLOW", Certainty: Definite,
		Summary:  "no statement, ACL grant or ownership rule allows " + in.Action + " for " + principalName(rec),
		Evidence: evidence,
		Fix:      fix}, true
}

// scopedStatement is an Allow of action on resource for rec's caller; for
// CloudFront's service principal it is scoped to the distribution with
// AWS:SourceArn (or every distribution could use it).
func scopedStatement(rec *traces.Record, c *traces.Check, sid, action, resource string) map[string]any {
	stmt := map[string]any{"Sid": sid, "Effect": "Allow", "Principal": principalElement(rec), "Action": action, "Resource": resource}
	if rec.Principal.Type == identity.Service {
		if v, ok := c.Context.Values("aws:sourcearn"); ok && len(v) > 0 {
			stmt["Condition"] = map[string]any{"StringEquals": map[string]string{"AWS:SourceArn": v[0]}}
		}
	}
	return stmt
}

// stmtRef names a statement for Change.Sid: its Sid, or "#N" (its index).
func stmtRef(st *policy.StatementTrace) string {
	if st.Sid != "" {
		return st.Sid
	}
	return "#" + strconv.Itoa(st.Index)
}

// putBucketPolicyCommands are the CLI commands that edit bucket's policy.
func putBucketPolicyCommands(bucket string) []string {
	return []string{"aws s3api get-bucket-policy --bucket " + bucket + " --query Policy --output text > policy.json",
		"# add the statement to policy.json's Statement list (replacing the one with the same Sid), then:",
		"aws s3api put-bucket-policy --bucket " + bucket + " --policy file://policy.json"}
}

func stmtLabel(st *policy.StatementTrace) string {
	if st.Sid != "" {
		return strconv.Quote(st.Sid)
	}
	return "#" + strconv.Itoa(st.Index)
}

// principalElement is the Principal element naming rec's caller.
func principalElement(rec *traces.Record) any {
	p := rec.Principal
	switch {
	case p.IsAnonymous():
		return "*"
	case p.Type.String() == "AWSService":
		return map[string]string{"Service": p.ARN}
	case p.ARN != "":
		return map[string]string{"AWS": p.ARN}
	}
	return "*"
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// sourceArnMismatch is POL-SOURCEARN-MISMATCH: a denied CloudFront
// origin request (service principal) where a bucket-policy Allow
// statement names the service principal and matches the action and the
// resource, and fails only on AWS:SourceArn or AWS:SourceAccount. The
// evidence is the expected value (the request's) against the one written;
// the fix is the statement with the right ARN.
func sourceArnMismatch(rec *traces.Record, c *traces.Check, tr *authz.Trace, bucket string, evidence []string) (Finding, bool) {
	if tr == nil || rec.Principal.Type.String() != "AWSService" {
		return Finding{}, false
	}
	for i := range tr.Steps {
		s := &tr.Steps[i]
		if s.Source != authz.SourceBucketPolicy || s.Policy == nil {
			continue
		}
		for j := range s.Policy.Statements {
			st := &s.Policy.Statements[j]
			if st.Applied || st.Effect != policy.EffectAllow || !st.Principal.Matched || !st.Action.Matched || !st.Resource.Matched {
				continue
			}
			var ev []string
			only := true
			for _, cond := range st.Conditions {
				if cond.Result {
					continue
				}
				k := strings.ToLower(cond.Key)
				if k != "aws:sourcearn" && k != "aws:sourceaccount" {
					only = false
					break
				}
				ev = append(ev, "statement "+stmtLabel(st)+": "+cond.Key+" is "+strings.Join(cond.PolicyValues, ", ")+
					" in the policy; the request's is "+strings.Join(cond.RequestValues, ", "))
			}
			if !only || len(ev) == 0 {
				continue
			}
			src := ""
			if v, ok := c.Context.Values("aws:sourcearn"); ok && len(v) > 0 {
				src = v[0]
			}
			sid := st.Sid
			if sid == "" {
				sid = "AllowCloudFrontServicePrincipal"
			}
			stmt := map[string]any{"Sid": sid, "Effect": "Allow",
				"Principal": map[string]string{"Service": "cloudfront.amazonaws.com"},
				"Action":    st.Action.Pattern, "Resource": st.Resource.Pattern,
				"Condition": map[string]any{"StringEquals": map[string]string{"AWS:SourceArn": src}}}
			if st.Action.Pattern == "" {
				stmt["Action"] = c.Input.Action
			}
			if st.Resource.Pattern == "" {
				stmt["Resource"] = c.Input.Resource
			}
			fix := &Fix{Summary: "correct the AWS:SourceArn of statement " + stmtLabel(st) + " to this distribution's ARN " + src +
				" (during a migration, list both ARNs): the statement below",
				Statement: rawJSON(stmt), Commands: putBucketPolicyCommands(bucket),
				Terraform: "aws_s3_bucket_policy: condition { test = \"StringEquals\", variable = \"AWS:SourceArn\", values = [aws_cloudfront_distribution.X.arn] }"}
			if st.Sid != "" && bucket != "" && src != "" {
				fix.Change = &Change{Kind: ChangeBucketPolicyStatement, Bucket: bucket, Sid: st.Sid, Statement: rawJSON(stmt)}
			} else if bucket != "" && src != "" {
				fix.Change = &Change{Kind: ChangeBucketPolicyStatement, Bucket: bucket, Sid: sid, Statement: rawJSON(stmt)}
			}
			return Finding{ID: "POL-SOURCEARN-MISMATCH", Certainty: Definite,
				Summary: "the bucket policy allows CloudFront's service principal only for another distribution or account: " +
					"statement " + stmtLabel(st) + " fails on " + strings.Join(condKeys(st), ", ") + " alone",
				Evidence: append(append([]string(nil), evidence...), ev...), Fix: fix}, true
		}
	}
	return Finding{}, false
}

func condKeys(st *policy.StatementTrace) []string {
	var ks []string
	for _, c := range st.Conditions {
		if !c.Result {
			ks = append(ks, c.Key)
		}
	}
	return ks
}
