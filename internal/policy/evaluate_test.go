package policy

import (
	"strings"
	"sync"
	"testing"
)

func mustParse(t testing.TB, kind Kind, d string) *Policy {
	t.Helper()
	p, err := Parse([]byte(d), kind)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, d)
	}
	return p
}

func TestMerge(t *testing.T) {
	tests := []struct {
		in   []Decision
		want Decision
	}{
		{nil, ImplicitDeny},
		{[]Decision{ImplicitDeny}, ImplicitDeny},
		{[]Decision{ImplicitDeny, Allow}, Allow},
		{[]Decision{Allow, ImplicitDeny, Allow}, Allow},
		{[]Decision{Allow, ExplicitDeny}, ExplicitDeny},
		{[]Decision{ExplicitDeny, Allow}, ExplicitDeny},
		{[]Decision{ImplicitDeny, ImplicitDeny, ExplicitDeny}, ExplicitDeny},
	}
	for _, tt := range tests {
		if got := Merge(tt.in...); got != tt.want {
			t.Errorf("Merge(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestEvaluateNilContext(t *testing.T) {
	p := mustParse(t, BucketPolicy, doc(
		`{"Sid":"A","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username, 'x'}/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"v"},"Null":{"aws:TokenIssueTime":"true"}}}`))
	req := &Request{Principal: Principal{Anonymous: true}, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/x/k"}
	if d := p.Evaluate(req, nil); d != Allow {
		t.Fatalf("nil Context: %v", d)
	}
	var tr Trace
	if d := p.Evaluate(req, &tr); d != Allow {
		t.Fatalf("nil Context traced: %v\n%s", d, tr.String())
	}
}

func TestResourcelessActions(t *testing.T) {
	req := &Request{Principal: Principal{Account: "111122223333", ARN: "arn:aws:iam::111122223333:user/a"}, Action: "s3:ListAllMyBuckets"}
	tests := []struct {
		res  string
		want Decision
	}{
		{`"Resource":"*"`, Allow},
		{`"Resource":["arn:aws:s3:::b","*"]`, Allow},
		{`"Resource":"arn:aws:s3:::*"`, ImplicitDeny},
		{`"NotResource":"arn:aws:s3:::*"`, Allow},
		{`"NotResource":"*"`, ImplicitDeny},
	}
	for _, tt := range tests {
		p := mustParse(t, IdentityPolicy, doc(`{"Effect":"Allow","Action":"s3:ListAllMyBuckets",`+tt.res+`}`))
		if got := p.Evaluate(req, nil); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.res, got, tt.want)
		}
	}
}

func TestTrace(t *testing.T) {
	p := mustParse(t, BucketPolicy, `{"Version":"2012-10-17","Statement":[
	 {"Sid":"AllowCloudFront","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject",
	  "Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"AWS:SourceArn":"arn:aws:cloudfront::111122223333:distribution/E1"}}},
	 {"Effect":"Deny","Principal":"*","NotAction":"s3:Get*","Resource":"arn:aws:s3:::b/*"},
	 {"Sid":"Home","Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","NotResource":"arn:aws:s3:::b/private/*",
	  "Condition":{"StringLike":{"s3:prefix":"${aws:username}/*"}}}]}`)
	req := &Request{
		Principal: Principal{Service: "cloudfront.amazonaws.com"},
		Action:    "s3:GetObject",
		Resource:  "arn:aws:s3:::b/index.html",
		Context:   MapContext{"aws:sourcearn": {"arn:aws:cloudfront::111122223333:distribution/E2"}},
	}
	var tr Trace
	if d := p.Evaluate(req, &tr); d != ImplicitDeny {
		t.Fatalf("decision %v", d)
	}
	if tr.Decision != ImplicitDeny || tr.Deciding != -1 || tr.Kind != BucketPolicy || len(tr.Statements) != 3 {
		t.Fatalf("trace header: %+v", tr)
	}
	s0 := tr.Statements[0]
	if s0.Index != 0 || s0.Sid != "AllowCloudFront" || s0.Effect != EffectAllow || s0.Applied ||
		!s0.Principal.Checked || !s0.Principal.Matched || s0.Principal.Pattern != "Service cloudfront.amazonaws.com" ||
		!s0.Action.Matched || s0.Action.Pattern != "s3:GetObject" ||
		!s0.Resource.Matched || s0.Resource.Pattern != "arn:aws:s3:::b/*" || s0.Resource.Request != "arn:aws:s3:::b/index.html" {
		t.Errorf("statement 0: %+v", s0)
	}
	if len(s0.Conditions) != 1 {
		t.Fatalf("conditions: %+v", s0.Conditions)
	}
	c := s0.Conditions[0]
	if c.Operator != "StringEquals" || c.Key != "AWS:SourceArn" || !c.Present || c.Result ||
		c.PolicyValues[0] != "arn:aws:cloudfront::111122223333:distribution/E1" ||
		c.RequestValues[0] != "arn:aws:cloudfront::111122223333:distribution/E2" || c.Resolved != nil {
		t.Errorf("condition: %+v", c)
	}
	s1 := tr.Statements[1]
	if s1.Applied || !s1.Action.Negated || s1.Action.Matched || s1.Action.Pattern != "s3:Get*" {
		t.Errorf("statement 1 NotAction: %+v", s1.Action)
	}
	s2 := tr.Statements[2]
	if s2.Applied || !s2.Principal.Negated || !s2.Principal.Matched || !s2.Resource.Negated || !s2.Resource.Matched ||
		s2.Conditions[0].Present || s2.Conditions[0].Resolved[0] != "<null>/*" {
		t.Errorf("statement 2: %+v", s2)
	}

	out := tr.String()
	want := []string{
		`#0 Sid "AllowCloudFront" (Allow): principal ✓ (Service cloudfront.amazonaws.com) action ✓ (s3:GetObject) resource ✓ (arn:aws:s3:::b/*) condition StringEquals AWS:SourceArn = arn:aws:cloudfront::111122223333:distribution/E1 vs request arn:aws:cloudfront::111122223333:distribution/E2 ✗ → not applied`,
		`#1 (Deny): principal ✓ (*) NotAction ✗ (request s3:GetObject is listed: s3:Get*) resource ✓ (arn:aws:s3:::b/*) → not applied`,
		`#2 Sid "Home" (Allow): NotPrincipal ✓ (request service cloudfront.amazonaws.com not listed) action ✓ (s3:*) NotResource ✓ (request arn:aws:s3:::b/index.html not listed) condition StringLike s3:prefix = <null>/* vs request (absent) ✗ → not applied`,
		`decision: ImplicitDeny (no statement applied)`,
	}
	if out != strings.Join(want, "\n") {
		t.Errorf("String():\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}

	// The same Trace is reset by the next evaluation.
	req.Context = MapContext{"aws:sourcearn": {"arn:aws:cloudfront::111122223333:distribution/E1"}}
	if d := p.Evaluate(req, &tr); d != Allow || tr.Deciding != 0 || len(tr.Statements) != 3 {
		t.Fatalf("second evaluation: %v %d %d", d, tr.Deciding, len(tr.Statements))
	}
	if !strings.HasSuffix(tr.String(), `decision: Allow by #0 Sid "AllowCloudFront"`) {
		t.Errorf("decision line: %s", tr.String())
	}

	// A principal excluded by NotPrincipal, and a resource excluded by NotResource.
	req = &Request{
		Principal: Principal{Account: "111122223333", ARN: "arn:aws:iam::111122223333:root"},
		Action:    "s3:ListBucket", Resource: "arn:aws:s3:::b/private/x",
	}
	p.Evaluate(req, &tr)
	line := tr.Statements[2].String()
	if !strings.Contains(line, "NotPrincipal ✗ (request arn:aws:iam::111122223333:root is listed: AWS arn:aws:iam::111122223333:root)") ||
		!strings.Contains(line, "NotResource ✗ (request arn:aws:s3:::b/private/x is listed: arn:aws:s3:::b/private/*)") {
		t.Errorf("exclusion line: %s", line)
	}
	var nilTrace *Trace
	if nilTrace.String() != "" {
		t.Error("nil Trace String")
	}
}

func TestTraceIdentityAndTrust(t *testing.T) {
	ip := mustParse(t, IdentityPolicy, doc(`{"Sid":"R","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`))
	var tr Trace
	ip.Evaluate(&Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}, &tr)
	if tr.Statements[0].Principal.Checked || !strings.HasPrefix(tr.String(), `#0 Sid "R" (Allow): action ✓`) {
		t.Errorf("identity trace: %s", tr.String())
	}
	tp := mustParse(t, TrustPolicy, doc(`{"Effect":"Allow","Principal":{"Federated":"accounts.google.com"},"Action":"sts:AssumeRoleWithWebIdentity"}`))
	tp.Evaluate(&Request{Principal: Principal{Federated: "accounts.google.com"}, Action: "sts:AssumeRoleWithWebIdentity"}, &tr)
	if tr.Statements[0].Resource.Checked || tr.Decision != Allow ||
		tr.String() != "#0 (Allow): principal ✓ (Federated accounts.google.com) action ✓ (sts:AssumeRoleWithWebIdentity) → applied\ndecision: Allow by #0" {
		t.Errorf("trust trace: %q", tr.String())
	}
}

func TestEvaluateConcurrent(t *testing.T) {
	p := mustParseBench(t)
	anon, signed := benchRequests()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var tr Trace
			for j := 0; j < 200; j++ {
				if p.Evaluate(anon, nil) != Allow || p.Evaluate(signed, &tr) != Allow {
					t.Error("decision changed under concurrency")
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestPrincipalDescribe(t *testing.T) {
	tests := map[string]Principal{
		"anonymous":                        {Anonymous: true},
		"service cloudfront.amazonaws.com": {Service: "cloudfront.amazonaws.com"},
		"federated accounts.google.com":    {Federated: "accounts.google.com"},
		"arn:aws:iam::1:user/a":            {ARN: "arn:aws:iam::1:user/a", Account: "1"},
		"canonical user abc":               {CanonicalID: "abc"},
		"account 111122223333":             {Account: "111122223333"},
		"(none)":                           {},
	}
	for want, p := range tests {
		if got := describePrincipal(&p); got != want {
			t.Errorf("describePrincipal = %q, want %q", got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(benchPolicy), uint8(BucketPolicy))
	f.Add([]byte(doc(okStmt)), uint8(BucketPolicy))
	f.Add([]byte(doc(okIdentityStmt)), uint8(IdentityPolicy))
	f.Add([]byte(`{"Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`), uint8(TrustPolicy))
	f.Add([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["111122223333","arn:aws:sts::111122223333:assumed-role/R/s"]},"NotAction":"s3:Get*","NotResource":"arn:aws:s3:::b/${aws:username, 'x'}/*","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["a*","${aws:username}"]},"DateLessThanIfExists":{"aws:CurrentTime":"2024-01-01T00:00:00Z"},"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::*:distribution/${aws:x}"},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::/0"]},"Null":{"x:y":true},"BinaryEquals":{"x:b":"QQ=="},"NumericLessThan":{"s3:max-keys":"10.5"}}}]}`), uint8(KeyPolicy))
	f.Add([]byte(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"a:b":[1,true,"x"]}}}]}`), uint8(BucketPolicy))
	f.Add([]byte(`{"a":{"a":{"a":{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}}}`), uint8(BucketPolicy))
	ctx := MapContext{
		"aws:username": {"alice"}, "aws:tagkeys": {"a1", "b"}, "aws:currenttime": {"2023-06-01T00:00:00Z"},
		"aws:sourcearn": {"arn:aws:cloudfront::111122223333:distribution/E1"}, "aws:sourceip": {"10.1.2.3"},
		"x:b": {"A"}, "s3:max-keys": {"9"}, "aws:securetransport": {"true"}, "aws:x": {"E1"},
	}
	reqs := []*Request{
		{Principal: Principal{Anonymous: true}, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ctx},
		{Principal: Principal{Account: "111122223333", ARN: "arn:aws:sts::111122223333:assumed-role/R/s", RoleARN: "arn:aws:iam::111122223333:role/R"},
			Action: "kms:Decrypt", Resource: "", Context: ctx},
		{Principal: Principal{Service: "cloudfront.amazonaws.com"}, Action: "S3:PUTOBJECT", Resource: "not an arn", Context: nil},
	}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		k := Kind(kind%4 + 1)
		p, err := Parse(data, k)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("non-ParseError %T: %v", err, err)
			}
			return
		}
		var tr Trace
		for _, r := range reqs {
			d := p.Evaluate(r, nil)
			if dt := p.Evaluate(r, &tr); dt != d {
				t.Fatalf("traced %v != untraced %v", dt, d)
			}
			_ = tr.String()
		}
		p.IsPublic(PublicOptions{})
		for i := range p.Statements() {
			s := &p.Statements()[i]
			_, _, _, _ = s.Principals(), s.Actions(), s.Resources(), s.Conditions()
		}
	})
}
