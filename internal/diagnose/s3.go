package diagnose

import (
	"encoding/json"
	"strconv"
	"strings"

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
			Fix:      "aws s3api restore-object --bucket " + rec.Bucket + " --key " + shellQuote(rec.Key) + " --restore-request Days=7, or copy it to a readable storage class"}, true
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
				Fix:      "upload s3://" + rec.Bucket + "/" + rec.Key + ", or correct the key (keys are case-sensitive)"}, true
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
			Fix: "upload the object, or correct the key (keys are case-sensitive); to get honest 404s, allow s3:ListBucket on the bucket: " +
				statementJSON("AllowListForHonest404", principalElement(rec), "s3:ListBucket", "arn:aws:s3:::"+bucket)}, true
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
		fix := "remove or narrow the Deny statement"
		if step != nil && st != nil {
			fix = "narrow Deny statement " + stmtLabel(st) + " in the " + step.Name
			if id == "POL-EXPLICIT-DENY-NETWORK" && rec.Principal.Type.String() == "AWSService" {
				fix += ": exempt the distribution inside the Deny with \"StringNotEquals\": {\"AWS:SourceArn\": \"<distribution ARN>\"}"
			}
		}
		return Finding{ID: id, Certainty: Definite, Summary: summary, Evidence: evidence, Fix: fix}, true
	case authz.ReasonBucketPolicyNotApplicableObjectOwner, authz.ReasonObjectACLNoGrant:
		return Finding{ID: "POL-OBJECT-OWNERSHIP", Certainty: Definite,
			Summary:  "another account owns the object, so the bucket policy cannot grant access to it and the object ACL does not",
			Evidence: evidence,
			Fix: "make the bucket owner own every object: aws s3api put-bucket-ownership-controls --bucket " + bucket +
				" --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]' (or have the writer use --acl bucket-owner-full-control and copy the object onto itself as the bucket owner)"}, true
	case authz.ReasonBPAIgnoredACL, authz.ReasonBPARestrictPublicBucket:
		return Finding{ID: "POL-BPA-PUBLIC", Certainty: Definite,
			Summary:  "Block Public Access neutralises the public grant that would allow this request (" + string(res.Reason) + ")",
			Evidence: evidence,
			Fix:      "serve through CloudFront with origin access control instead of public access; or deliberately turn the setting off: aws s3api put-public-access-block --bucket " + bucket + " --public-access-block-configuration ..."}, true
	case authz.ReasonCrossAccountNoIdentityAllow:
		return Finding{ID: "POL-NO-ALLOW", Certainty: Definite,
			Summary:  "a cross-account request needs an Allow on both sides; the bucket side allows, the caller's own identity policies do not",
			Evidence: evidence,
			Fix:      "attach an identity policy to " + principalName(rec) + " allowing " + in.Action + " on " + in.Resource}, true
	}
	fix := "add a bucket-policy statement: " + statementJSON("Allow"+strings.TrimPrefix(in.Action, "s3:"), principalElement(rec), in.Action, in.Resource)
	if rec.Principal.IsAnonymous() {
		fix += " (a public statement: Block Public Access, on by default for new buckets, refuses it until its " +
			"BlockPublicPolicy setting is turned off; to keep the bucket private, serve it through CloudFront with " +
			"origin access control instead)"
	}
	return Finding{ID: "POL-NO-ALLOW", Certainty: Definite,
		Summary:  "no statement, ACL grant or ownership rule allows " + in.Action + " for " + principalName(rec),
		Evidence: evidence,
		Fix:      fix}, true
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

func statementJSON(sid string, principal any, action, resource string) string {
	b, _ := json.Marshal(map[string]any{
		"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource,
	})
	return string(b)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
