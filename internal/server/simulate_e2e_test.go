package server_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/edgegate/edgegate/internal/testenv"
)

const (
	simObject = "arn:aws:s3:::site/index.html"
	simDist   = "arn:aws:cloudfront::000000000000:distribution/EDFDVBD6EXAMPLE"
	// simOACPolicy is the bucket policy CloudFront's console proposes for
	// origin access control.
	simOACPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"AllowCloudFrontServicePrincipal","Effect":"Allow",` +
		`"Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*",` +
		`"Condition":{"StringEquals":{"AWS:SourceArn":"` + simDist + `"}}}]}`
	simPublicRead = `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*",` +
		`"Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":"arn:aws:s3:::site/*"}]}`
)

// TestSimulateEndToEnd drives SimulatePrincipalPolicy and
// SimulateCustomPolicy through the real server with the SDK's IAM client,
// including the callers AWS's simulator refuses (a service principal,
// anonymous).
func TestSimulateEndToEnd(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	root := env.IAM("test", "test")

	// alice reads the site bucket through an attached managed policy.
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	pol, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("site-readers"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatal(err)
	}

	out, err := root.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::000000000000:user/alice"),
		ActionNames:     []string{"s3:GetObject", "s3:PutObject"},
		ResourceArns:    []string{simObject},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.EvaluationResults) != 2 || out.IsTruncated {
		t.Fatalf("results: %+v", out)
	}
	get, put := out.EvaluationResults[0], out.EvaluationResults[1]
	if aws.ToString(get.EvalActionName) != "s3:GetObject" || get.EvalDecision != types.PolicyEvaluationDecisionTypeAllowed ||
		aws.ToString(get.EvalResourceName) != simObject {
		t.Errorf("GetObject: %s %s on %s", aws.ToString(get.EvalActionName), get.EvalDecision, aws.ToString(get.EvalResourceName))
	}
	if len(get.MatchedStatements) != 1 {
		t.Fatalf("GetObject matched %+v", get.MatchedStatements)
	}
	m := get.MatchedStatements[0]
	if aws.ToString(m.SourcePolicyId) != "site-readers" || m.SourcePolicyType != "IAM Policy" ||
		m.StartPosition == nil || m.StartPosition.Line != 1 || m.StartPosition.Column != 38 ||
		m.EndPosition == nil || m.EndPosition.Line != 1 || m.EndPosition.Column != 126 {
		t.Errorf("GetObject statement %s %s %+v %+v", aws.ToString(m.SourcePolicyId), m.SourcePolicyType, m.StartPosition, m.EndPosition)
	}
	if len(get.ResourceSpecificResults) != 1 || get.ResourceSpecificResults[0].EvalResourceDecision != types.PolicyEvaluationDecisionTypeAllowed ||
		get.EvalDecisionDetails == nil || len(get.EvalDecisionDetails) != 0 {
		t.Errorf("GetObject resource results %+v, details %v", get.ResourceSpecificResults, get.EvalDecisionDetails)
	}
	if aws.ToString(put.EvalActionName) != "s3:PutObject" || put.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny ||
		len(put.MatchedStatements) != 0 {
		t.Errorf("PutObject: %s %s %+v", aws.ToString(put.EvalActionName), put.EvalDecision, put.MatchedStatements)
	}

	// CloudFront's service principal (origin access control): only the
	// bucket policy decides, and aws:SourceArn comes from the context.
	oac := func(sourceArn string) types.EvaluationResult {
		t.Helper()
		in := &iam.SimulateCustomPolicyInput{
			PolicyInputList: []string{},
			ActionNames:     []string{"s3:GetObject"},
			ResourceArns:    []string{simObject},
			ResourcePolicy:  aws.String(simOACPolicy),
			CallerArn:       aws.String("cloudfront.amazonaws.com"),
		}
		if sourceArn != "" {
			in.ContextEntries = []types.ContextEntry{{
				ContextKeyName:   aws.String("aws:SourceArn"),
				ContextKeyType:   types.ContextKeyTypeEnumString,
				ContextKeyValues: []string{sourceArn},
			}}
		}
		out, err := root.SimulateCustomPolicy(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.EvaluationResults) != 1 {
			t.Fatalf("results: %+v", out.EvaluationResults)
		}
		return out.EvaluationResults[0]
	}
	ev := oac(simDist)
	if ev.EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || len(ev.MatchedStatements) != 1 ||
		aws.ToString(ev.MatchedStatements[0].SourcePolicyId) != "ResourcePolicy" || ev.MatchedStatements[0].SourcePolicyType != "Resource Policy" ||
		ev.EvalDecisionDetails["Resource Policy"] != types.PolicyEvaluationDecisionTypeAllowed {
		t.Errorf("OAC with the distribution's ARN: %+v", ev)
	}
	ev = oac("arn:aws:cloudfront::000000000000:distribution/EOTHER")
	if ev.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || len(ev.MatchedStatements) != 0 || len(ev.MissingContextValues) != 0 {
		t.Errorf("OAC with another distribution's ARN: %+v", ev)
	}
	ev = oac("")
	if ev.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || len(ev.MissingContextValues) != 1 || ev.MissingContextValues[0] != "AWS:SourceArn" {
		t.Errorf("OAC without aws:SourceArn: %+v", ev)
	}

	// Anonymous against a public-read policy.
	anon, err := root.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{},
		ActionNames:     []string{"s3:GetObject", "s3:PutObject"},
		ResourceArns:    []string{simObject},
		ResourcePolicy:  aws.String(simPublicRead),
		CallerArn:       aws.String("anonymous"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := anon.EvaluationResults; len(r) != 2 || r[0].EvalDecision != types.PolicyEvaluationDecisionTypeAllowed ||
		r[1].EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Errorf("anonymous: %+v", r)
	}

	// A user without IAM permissions may not simulate.
	akid, secret := newUserKey(t, root, "carol")
	_, err = env.IAM(akid, secret).SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`},
		ActionNames:     []string{"s3:GetObject"},
	})
	if apiStatus(err) != 403 || apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "iam:SimulateCustomPolicy") {
		t.Errorf("carol without permission: %v", err)
	}

	// Errors as IAM sends them.
	_, err = root.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::000000000000:user/nobody"),
		ActionNames:     []string{"s3:GetObject"},
	})
	if apiStatus(err) != 404 || apiCode(err) != "NoSuchEntity" {
		t.Errorf("unknown user: %v", err)
	}
	_, err = root.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`},
		ActionNames:     []string{"s3:GetObject"},
	})
	if apiStatus(err) != 400 || apiCode(err) != "MalformedPolicyDocument" {
		t.Errorf("policy with a principal: %v", err)
	}
}

// TestSimulateWithCLI runs aws iam simulate-custom-policy against the
// server with CloudFront's service principal as caller.
func TestSimulateWithCLI(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	cli := env.AWSCLI(t)
	run := func(args ...string) map[string]any {
		t.Helper()
		return cli.JSON(nil, args...)
	}
	decisions := func(out map[string]any) []string {
		var ds []string
		rs, _ := out["EvaluationResults"].([]any)
		for _, r := range rs {
			m, _ := r.(map[string]any)
			d, _ := m["EvalDecision"].(string)
			ds = append(ds, d)
		}
		return ds
	}
	// The CLI needs at least one PolicyInputList document; for a service
	// principal it is not evaluated.
	args := []string{"iam", "simulate-custom-policy",
		"--policy-input-list", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
		"--action-names", "s3:GetObject", "s3:PutObject",
		"--resource-arns", simObject,
		"--resource-policy", simOACPolicy,
		"--caller-arn", "cloudfront.amazonaws.com",
		"--context-entries"}
	out := run(append(args, "ContextKeyName=aws:SourceArn,ContextKeyValues="+simDist+",ContextKeyType=string")...)
	if got := decisions(out); len(got) != 2 || got[0] != "allowed" || got[1] != "implicitDeny" {
		t.Errorf("with the distribution's ARN: %v\n%v", got, out)
	}
	out = run(append(args, "ContextKeyName=aws:SourceArn,ContextKeyValues=arn:aws:cloudfront::000000000000:distribution/EOTHER,ContextKeyType=string")...)
	if got := decisions(out); len(got) != 2 || got[0] != "implicitDeny" {
		t.Errorf("with another distribution's ARN: %v\n%v", got, out)
	}
}
