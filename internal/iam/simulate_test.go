package iam

import (
	"encoding/json"
	"encoding/xml"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/policy"
)

// ---- statement positions ----

func TestStatementSpans(t *testing.T) {
	// pythonDumps is Python's json.dumps spacing (", " and ": "), which
	// the positions AWS reported for it were observed with.
	pythonDumps := func(s string) string {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		var enc func(v any)
		enc = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				b.WriteByte('{')
				keys := []string{}
				for k := range x {
					keys = append(keys, k)
				}
				// Document order of the fixtures below.
				order := []string{"Version", "Statement", "Sid", "Effect", "Action", "Resource"}
				slices.SortFunc(keys, func(a, c string) int { return slices.Index(order, a) - slices.Index(order, c) })
				for i, k := range keys {
					if i > 0 {
						b.WriteString(", ")
					}
					kb, _ := json.Marshal(k)
					b.Write(kb)
					b.WriteString(": ")
					enc(x[k])
				}
				b.WriteByte('}')
			case []any:
				b.WriteByte('[')
				for i, e := range x {
					if i > 0 {
						b.WriteString(", ")
					}
					enc(e)
				}
				b.WriteByte(']')
			default:
				vb, _ := json.Marshal(x)
				b.Write(vb)
			}
		}
		enc(v)
		return b.String()
	}
	pretty := "{\n" +
		"    \"Version\": \"2012-10-17\",\n" +
		"    \"Statement\": [\n" +
		"        {\n" +
		"            \"Sid\": \"GrantAccessToCodeCommitListRepo\",\n" +
		"            \"Effect\": \"Allow\",\n" +
		"            \"Action\": \"codecommit:ListRepositories\",\n" +
		"            \"Resource\": \"*\"\n" +
		"        }\n" +
		"    ]\n" +
		"}"
	bucket := `{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"*","Resource":["arn:aws:s3:::tims-fancy-bucket/*","arn:aws:s3:::tims-fancy-bucket"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}},{"Sid":"DenyTimDelete","Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::tims-fancy-bucket/*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::112233445566:role/tims-test-role"}}}]}`
	for _, tc := range []struct {
		name string
		doc  string
		want []stmtSpan
	}{
		// The AWS CLI's simulate-custom-policy example: a lone
		// Statement object starts after its "{".
		{"lone object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}`,
			[]stmtSpan{{stmtPos{1, 38}, stmtPos{1, 167}}}},
		// A role policy given through Python's json.dumps (observed
		// 41 and 180).
		{"json.dumps", pythonDumps(`{"Version":"2012-10-17","Statement":[{"Sid":"s3","Effect":"Allow","Action":["s3:GetObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::tims-fancy-bucket/only-here/*"]}]}`),
			[]stmtSpan{{stmtPos{1, 41}, stmtPos{1, 180}}}},
		// A compact bucket policy (observed: 38-248, then 248-470 for a
		// second statement two characters shorter): the second starts at
		// the comma, right after the first's "}".
		{"compact array", bucket,
			[]stmtSpan{{stmtPos{1, 38}, stmtPos{1, 248}}, {stmtPos{1, 248}, stmtPos{1, 470}}}},
		// The CLI's simulate-principal-policy example: 3:19 to 9:10,
		// the statement starting right after the "[" at the end of line 3.
		{"pretty", pretty, []stmtSpan{{stmtPos{3, 19}, stmtPos{9, 10}}}},
		{"crlf", strings.ReplaceAll(pretty, "\n", "\r\n"), []stmtSpan{{stmtPos{3, 19}, stmtPos{9, 10}}}},
		{"escaped key and strings", `{"Id":"a\"}{","\u0053tatement":[ {"Effect":"Allow","Action":"s3:*","Resource":"*"} ,{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`,
			[]stmtSpan{{stmtPos{1, 33}, stmtPos{1, 83}}, {stmtPos{1, 83}, stmtPos{1, 133}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := policy.Parse([]byte(tc.doc), policy.BucketPolicy); err != nil {
				if _, err := policy.Parse([]byte(tc.doc), policy.IdentityPolicy); err != nil {
					t.Fatalf("fixture does not parse: %v", err)
				}
			}
			if got := statementSpans([]byte(tc.doc)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("spans = %v, want %v", got, tc.want)
			}
		})
	}
}

// ---- evaluation ----

const (
	simAlice = "arn:aws:iam::000000000000:user/alice"
	simBob   = "arn:aws:iam::111122223333:user/bob"
	simObj   = "arn:aws:s3:::b/k"
)

func doc(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

func callerOf(t *testing.T, r *Registry, s string) simCaller {
	t.Helper()
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, err := r.simCallerLocked(s)
	if err != nil {
		t.Fatalf("caller %s: %v", s, err)
	}
	return c
}

func TestSimulationEvaluation(t *testing.T) {
	r := mustRegistry(t, "", []AccountSpec{siteAccount}, true)
	const (
		idAllowGet  = `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
		idDenyGet   = `{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}`
		idAllowAll  = `{"Effect":"Allow","Action":"*","Resource":"*"}`
		idNotAction = `{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`
		idNotRes    = `{"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::secret/*"}`
		idAllowKMS  = `{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}`
		idCondIP    = `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`
		idCondOther = `{"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}}`
		idCondRes   = `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}`

		rpAlice   = `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
		rpBob     = `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
		rpSiteAcc = `{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
		rpDenyAll = `{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
		rpOAC     = `{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"AWS:SourceArn":"arn:aws:cloudfront::000000000000:distribution/E1"}}}`
		rpPublic  = `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
		rpAWSStar = `{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
		rpAccount = `{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
		rpOAI     = `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
		rpOAICan  = `{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
		rpRole    = `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:role/app"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
		rpSession = `{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::000000000000:assumed-role/app/edgegate-simulation"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`

		bAllowList = `{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}`
		bAllowS3   = `{"Effect":"Allow","Action":"s3:*","Resource":"*"}`
		bDenyGet   = `{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}`
	)
	oacCtx := policy.MapContext{"aws:sourcearn": {"arn:aws:cloudfront::000000000000:distribution/E1"}}
	type want struct {
		decision string
		details  map[string]string // nil: no EvalDecisionDetails element
		matched  []string          // SourcePolicyId of MatchedStatements
		missing  []string
		boundary string // "", "true" or "false"
	}
	for _, tc := range []struct {
		name      string
		identity  []string
		resPolicy string
		boundary  string
		caller    string
		owner     string
		ctx       policy.MapContext
		action    string
		resources []string
		want      want
	}{
		{name: "allowed by identity", identity: []string{doc(idAllowGet)}, caller: simAlice,
			want: want{decision: "allowed", details: map[string]string{}, matched: []string{"PolicyInputList.1"}}},
		{name: "nothing allows", identity: []string{doc(idAllowKMS)}, caller: simAlice,
			want: want{decision: "implicitDeny", details: map[string]string{}}},
		{name: "resource policy allows in the same account", resPolicy: doc(rpAlice), caller: simAlice,
			want: want{decision: "allowed", details: map[string]string{}, matched: []string{"ResourcePolicy"}}},
		{name: "same account: either side", identity: []string{doc(idAllowGet)}, resPolicy: doc(rpAlice), caller: simAlice,
			want: want{decision: "allowed", details: map[string]string{}, matched: []string{"ResourcePolicy", "PolicyInputList.1"}}},
		{name: "resource policy for someone else", resPolicy: doc(rpBob), caller: simAlice,
			want: want{decision: "implicitDeny", details: map[string]string{}}},
		{name: "cross-account without a resource policy", identity: []string{doc(idAllowGet)}, caller: simBob, owner: "000000000000",
			want: want{decision: "implicitDeny", details: map[string]string{"IAM Policy": "allowed", "Resource Policy": "implicitDeny"}}},
		{name: "cross-account: both allow", identity: []string{doc(idAllowGet)}, resPolicy: doc(rpBob), caller: simBob, owner: "000000000000",
			want: want{decision: "allowed", details: map[string]string{"IAM Policy": "allowed", "Resource Policy": "allowed"}, matched: []string{"ResourcePolicy", "PolicyInputList.1"}}},
		{name: "cross-account: resource side only", resPolicy: doc(rpBob), caller: simBob, owner: "arn:aws:iam::000000000000:root",
			want: want{decision: "implicitDeny", details: map[string]string{"IAM Policy": "implicitDeny", "Resource Policy": "allowed"}}},
		{name: "cross-account: account principal delegates", identity: []string{doc(idAllowGet)}, resPolicy: doc(rpSiteAcc), caller: simBob, owner: "000000000000",
			want: want{decision: "allowed", details: map[string]string{"IAM Policy": "allowed", "Resource Policy": "allowed"}, matched: []string{"ResourcePolicy", "PolicyInputList.1"}}},
		{name: "cross-account by the resource ARN's account", identity: []string{doc(idAllowKMS)}, caller: simAlice, action: "kms:Decrypt",
			resources: []string{"arn:aws:kms:us-east-1:111122223333:key/k1"},
			want:      want{decision: "implicitDeny", details: map[string]string{"IAM Policy": "allowed", "Resource Policy": "implicitDeny"}}},
		{name: "own account by the resource ARN's account", identity: []string{doc(idAllowKMS)}, caller: simAlice, action: "kms:Decrypt", owner: "111122223333",
			resources: []string{"arn:aws:kms:us-east-1:000000000000:key/k1"},
			want:      want{decision: "allowed", details: map[string]string{}, matched: []string{"PolicyInputList.1"}}},
		{name: "explicit deny in identity", identity: []string{doc(idAllowGet), doc(idDenyGet)}, caller: simAlice,
			want: want{decision: "explicitDeny", details: map[string]string{}, matched: []string{"PolicyInputList.2"}}},
		{name: "explicit deny in the resource policy", identity: []string{doc(idAllowGet)}, resPolicy: doc(rpAlice, rpDenyAll), caller: simAlice,
			want: want{decision: "explicitDeny", details: map[string]string{}, matched: []string{"ResourcePolicy"}}},
		{name: "cross-account explicit deny", identity: []string{doc(idAllowGet)}, resPolicy: doc(rpBob, rpDenyAll), caller: simBob, owner: "000000000000",
			want: want{decision: "explicitDeny", details: map[string]string{"IAM Policy": "allowed", "Resource Policy": "explicitDeny"}, matched: []string{"ResourcePolicy"}}},
		{name: "NotAction covers", identity: []string{doc(idNotAction)}, caller: simAlice,
			want: want{decision: "allowed", details: map[string]string{}, matched: []string{"PolicyInputList.1"}}},
		{name: "NotAction excludes", identity: []string{doc(idNotAction)}, caller: simAlice, action: "iam:CreateUser",
			resources: []string{"arn:aws:iam::000000000000:user/x"},
			want:      want{decision: "implicitDeny", details: map[string]string{}}},
		{name: "NotResource covers", identity: []string{doc(idNotRes)}, caller: simAlice,
			want: want{decision: "allowed", details: map[string]string{}, matched: []string{"PolicyInputList.1"}}},
		{name: "NotResource excludes", identity: []string{doc(idNotRes)}, caller: simAlice, resources: []string{"arn:aws:s3:::secret/x"},
			want: want{decision: "implicitDeny", details: map[string]string{}}},
		{name: "resource * needs Resource *", identity: []string{doc(idAllowGet)}, caller: simAlice, resources: []string{"*"},
			want: want{decision: "implicitDeny"}},
		{name: "resource * with Resource *", identity: []string{doc(idAllowAll)}, caller: simAlice, resources: []string{},
			want: want{decision: "allowed", matched: []string{"PolicyInputList.1"}}},
		{name: "missing context value", identity: []string{doc(idCondIP, idCondOther, idCondRes)}, caller: simAlice,
			want: want{decision: "implicitDeny", details: map[string]string{}, missing: []string{"aws:SourceIp"}}},
		{name: "context value given", identity: []string{doc(idCondIP)}, caller: simAlice, ctx: policy.MapContext{"aws:sourceip": {"10.1.2.3"}},
			want: want{decision: "allowed", details: map[string]string{}, matched: []string{"PolicyInputList.1"}}},
		{name: "missing key of the resource policy", resPolicy: doc(rpOAC), caller: "cloudfront.amazonaws.com",
			want: want{decision: "implicitDeny", details: map[string]string{"Resource Policy": "implicitDeny"}, missing: []string{"AWS:SourceArn"}}},
		{name: "service principal, right SourceArn", identity: []string{doc(idDenyGet)}, resPolicy: doc(rpOAC), caller: "cloudfront.amazonaws.com", ctx: oacCtx,
			want: want{decision: "allowed", details: map[string]string{"Resource Policy": "allowed"}, matched: []string{"ResourcePolicy"}}},
		{name: "service principal, wrong SourceArn", resPolicy: doc(rpOAC), caller: "cloudfront.amazonaws.com",
			ctx:  policy.MapContext{"aws:sourcearn": {"arn:aws:cloudfront::000000000000:distribution/E2"}},
			want: want{decision: "implicitDeny", details: map[string]string{"Resource Policy": "implicitDeny"}}},
		{name: "other service principal", resPolicy: doc(rpOAC), caller: "lambda.amazonaws.com", ctx: oacCtx,
			want: want{decision: "implicitDeny", details: map[string]string{"Resource Policy": "implicitDeny"}}},
		{name: "service principal, no identity", identity: []string{doc(idAllowAll)}, caller: "cloudfront.amazonaws.com",
			want: want{decision: "implicitDeny", details: map[string]string{"Resource Policy": "implicitDeny"}}},
		{name: "anonymous, public policy", resPolicy: doc(rpPublic), caller: "anonymous",
			want: want{decision: "allowed", details: map[string]string{"Resource Policy": "allowed"}, matched: []string{"ResourcePolicy"}}},
		{name: "anonymous, AWS *", resPolicy: doc(rpAWSStar), caller: "anonymous",
			want: want{decision: "allowed", details: map[string]string{"Resource Policy": "allowed"}, matched: []string{"ResourcePolicy"}}},
		{name: "anonymous, account principal", resPolicy: doc(rpAccount), caller: "anonymous",
			want: want{decision: "implicitDeny", details: map[string]string{"Resource Policy": "implicitDeny"}}},
		{name: "OAI by ARN", resPolicy: doc(rpOAI), caller: "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL",
			want: want{decision: "allowed", details: map[string]string{"Resource Policy": "allowed"}, matched: []string{"ResourcePolicy"}}},
		{name: "OAI by canonical id is unknown", resPolicy: doc(rpOAICan), caller: "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL",
			want: want{decision: "implicitDeny", details: map[string]string{"Resource Policy": "implicitDeny"}}},
		{name: "role caller named by role", resPolicy: doc(rpRole), caller: "arn:aws:iam::000000000000:role/app",
			want: want{decision: "allowed", details: map[string]string{}, matched: []string{"ResourcePolicy"}}},
		{name: "role caller named by session", resPolicy: doc(rpSession), caller: "arn:aws:iam::000000000000:role/app",
			want: want{decision: "allowed", details: map[string]string{}, matched: []string{"ResourcePolicy"}}},
		{name: "role caller, user principal", resPolicy: doc(rpAlice), caller: "arn:aws:iam::000000000000:role/app",
			want: want{decision: "implicitDeny", details: map[string]string{}}},
		{name: "boundary does not allow", identity: []string{doc(idAllowGet)}, boundary: doc(bAllowList), caller: simAlice,
			want: want{decision: "implicitDeny", details: map[string]string{}, boundary: "false"}},
		{name: "boundary allows", identity: []string{doc(idAllowGet)}, boundary: doc(bAllowS3), caller: simAlice,
			want: want{decision: "allowed", details: map[string]string{}, matched: []string{"PolicyInputList.1"}, boundary: "true"}},
		{name: "boundary denies", identity: []string{doc(idAllowGet)}, boundary: doc(bAllowS3, bDenyGet), caller: simAlice,
			want: want{decision: "explicitDeny", details: map[string]string{}, matched: []string{"PermissionsBoundaryPolicyInputList.1"}, boundary: "false"}},
		{name: "boundary spares a resource policy naming the user", resPolicy: doc(rpAlice), boundary: doc(bAllowList), caller: simAlice,
			want: want{decision: "allowed", details: map[string]string{}, matched: []string{"ResourcePolicy"}, boundary: "false"}},
		{name: "boundary limits a resource policy naming the account", resPolicy: doc(rpAccount), boundary: doc(bAllowList), caller: simAlice,
			want: want{decision: "implicitDeny", details: map[string]string{}, boundary: "false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := &simulation{caller: callerOf(t, r, tc.caller), ctx: tc.ctx}
			for i, d := range tc.identity {
				pol, err := parseSimIdentityPolicy(d)
				if err != nil {
					t.Fatal(err)
				}
				sim.identity = append(sim.identity, newSimPolicy("PolicyInputList."+string(rune('1'+i)), simSourceIAM, pol))
			}
			if tc.resPolicy != "" {
				pol, err := parseSimResourcePolicy(tc.resPolicy)
				if err != nil {
					t.Fatal(err)
				}
				sim.resource = newSimPolicy(simResourcePolicyID, simSourceResource, pol)
			}
			if tc.boundary != "" {
				pol, err := parseSimIdentityPolicy(tc.boundary)
				if err != nil {
					t.Fatal(err)
				}
				sim.boundary = newSimPolicy("PermissionsBoundaryPolicyInputList.1", simSourceIAM, pol)
			}
			if tc.owner != "" {
				sim.owner, _ = parseResourceOwner(tc.owner)
			}
			action := tc.action
			if action == "" {
				action = "s3:GetObject"
			}
			resources := tc.resources
			if resources == nil {
				resources = []string{simObj}
			}
			res := sim.results([]string{action}, resources)
			if len(res) != 1 {
				t.Fatalf("%d results", len(res))
			}
			ev := res[0]
			if ev.EvalDecision != tc.want.decision {
				t.Errorf("decision %s, want %s", ev.EvalDecision, tc.want.decision)
			}
			var details map[string]string
			if ev.EvalDecisionDetails != nil {
				details = map[string]string{}
				for _, e := range ev.EvalDecisionDetails.Entries {
					details[e.Key] = e.Value
				}
			}
			if !reflect.DeepEqual(details, tc.want.details) {
				t.Errorf("details %v, want %v", details, tc.want.details)
			}
			var matched []string
			for _, m := range ev.MatchedStatements.Members {
				matched = append(matched, m.SourcePolicyID)
				if m.StartPosition == nil || m.EndPosition == nil {
					t.Errorf("statement of %s without position", m.SourcePolicyID)
				}
			}
			if !slices.Equal(matched, tc.want.matched) {
				t.Errorf("matched %v, want %v", matched, tc.want.matched)
			}
			if !slices.Equal(ev.MissingContextValues.Members, tc.want.missing) {
				t.Errorf("missing %v, want %v", ev.MissingContextValues.Members, tc.want.missing)
			}
			gotB := ""
			if ev.PermissionsBoundaryDecisionDetail != nil {
				gotB = "false"
				if ev.PermissionsBoundaryDecisionDetail.Allowed {
					gotB = "true"
				}
			}
			if gotB != tc.want.boundary {
				t.Errorf("boundary detail %q, want %q", gotB, tc.want.boundary)
			}
			specific := len(resources) > 0 && !(len(resources) == 1 && resources[0] == "*")
			if specific != (ev.ResourceSpecificResults != nil) {
				t.Errorf("ResourceSpecificResults %v for resources %v", ev.ResourceSpecificResults, resources)
			}
		})
	}
}

func TestSimulationSeveralResources(t *testing.T) {
	r := mustRegistry(t, "", nil, true)
	pol, err := parseSimIdentityPolicy(doc(
		`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/team":"web"}}}`,
		`{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::secret/*"}`))
	if err != nil {
		t.Fatal(err)
	}
	sim := &simulation{caller: callerOf(t, r, simAlice), identity: []*simPolicy{newSimPolicy("p", simSourceIAM, pol)},
		ctx: policy.MapContext{}}
	res := sim.results([]string{"s3:GetObject", "s3:PutObject"}, []string{"arn:aws:s3:::b/k", "arn:aws:s3:::c/k", "arn:aws:s3:::secret/k"})
	if len(res) != 2 {
		t.Fatalf("%d results, want one per action", len(res))
	}
	get := res[0]
	if get.EvalResourceName != "*" || get.EvalDecision != "explicitDeny" {
		t.Errorf("top: %s %s", get.EvalResourceName, get.EvalDecision)
	}
	var decisions []string
	for _, rr := range get.ResourceSpecificResults.Members {
		decisions = append(decisions, rr.EvalResourceName+"="+rr.EvalResourceDecision)
	}
	if want := []string{"arn:aws:s3:::b/k=implicitDeny", "arn:aws:s3:::c/k=implicitDeny", "arn:aws:s3:::secret/k=explicitDeny"}; !slices.Equal(decisions, want) {
		t.Errorf("per resource %v, want %v", decisions, want)
	}
	// The condition of the statement relevant to b/k is missing there
	// only; the top level has the union.
	if m := get.ResourceSpecificResults.Members[0].MissingContextValues; m == nil || !slices.Equal(m.Members, []string{"s3:ExistingObjectTag/team"}) {
		t.Errorf("b/k missing %v", m)
	}
	if m := get.ResourceSpecificResults.Members[1].MissingContextValues; m != nil {
		t.Errorf("c/k missing %v", m)
	}
	if !slices.Equal(get.MissingContextValues.Members, []string{"s3:ExistingObjectTag/team"}) {
		t.Errorf("top missing %v", get.MissingContextValues.Members)
	}
	// Only the deny decided the top-level explicitDeny.
	if m := get.MatchedStatements.Members; len(m) != 1 || m[0].StartPosition.Column != 175 {
		t.Errorf("top matched %+v", m)
	}
	if get.EvalDecisionDetails == nil || len(get.EvalDecisionDetails.Entries) != 0 {
		t.Errorf("same-account details %+v, want present and empty", get.EvalDecisionDetails)
	}
	if res[1].EvalDecision != "implicitDeny" {
		t.Errorf("PutObject %s", res[1].EvalDecision)
	}
}

// ---- the API ----

// simulateOut decodes a Simulate*Policy response.
func simulateOut(t *testing.T, w *httptest.ResponseRecorder) simulateResult {
	t.Helper()
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var env struct {
		Custom    simulateResult `xml:"SimulateCustomPolicyResult"`
		Principal simulateResult `xml:"SimulatePrincipalPolicyResult"`
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &env); err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(w.Body.String(), "<SimulateCustomPolicyResponse") {
		return env.Custom
	}
	return env.Principal
}

func mustCall(t *testing.T, r *Registry, key string, kv ...string) {
	t.Helper()
	if w := call(t, r, principal(t, r, key), kv...); w.Code != 200 {
		t.Fatalf("%v: %d %s", kv, w.Code, w.Body)
	}
}

func TestSimulateContextEntryTypes(t *testing.T) {
	r := mustRegistry(t, "", nil, true)
	root := principal(t, r, "test")
	for _, tc := range []struct {
		typ, op, key, value string
		good, bad           []string
	}{
		{"string", "StringEquals", "aws:username", "alice", []string{"alice"}, []string{"bob"}},
		{"stringList", "ForAnyValue:StringEquals", "aws:TagKeys", "a", []string{"b", "a"}, []string{"b", "c"}},
		{"numeric", "NumericLessThan", "s3:max-keys", "10", []string{"5"}, []string{"50"}},
		{"numericList", "ForAllValues:NumericLessThan", "ex:nums", "10", []string{"1", "9.5"}, []string{"1", "10"}},
		{"boolean", "Bool", "aws:SecureTransport", "true", []string{"true"}, []string{"false"}},
		{"booleanList", "ForAllValues:Bool", "ex:bools", "true", []string{"true", "TRUE"}, []string{"true", "false"}},
		{"ip", "IpAddress", "aws:SourceIp", "10.0.0.0/8", []string{"10.1.2.3"}, []string{"192.168.0.1"}},
		{"ipList", "ForAnyValue:IpAddress", "ex:ips", "2001:db8::/32", []string{"10.0.0.1", "2001:db8::1"}, []string{"10.0.0.1"}},
		{"binary", "BinaryEquals", "ex:bin", "aGVsbG8=", []string{"aGVsbG8="}, []string{"d29ybGQ="}},
		{"binaryList", "ForAnyValue:BinaryEquals", "ex:bins", "aGVsbG8=", []string{"d29ybGQ=", "aGVsbG8="}, []string{"d29ybGQ="}},
		{"date", "DateGreaterThan", "aws:CurrentTime", "2018-08-16T12:00:00Z", []string{"2019-04-25T11:00:00Z"}, []string{"1500000000"}},
		{"dateList", "ForAnyValue:DateLessThan", "ex:dates", "2020-01-01", []string{"2030-01-01T00:00:00Z", "2019-12-31"}, []string{"2021-06-01"}},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			pol := doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"` + tc.op + `":{"` + tc.key + `":"` + tc.value + `"}}}`)
			// Without the key: ForAllValues holds over the empty set.
			absent := "implicitDeny"
			if strings.HasPrefix(tc.op, "ForAllValues:") {
				absent = "allowed"
			}
			for _, c := range []struct {
				values []string
				want   string
			}{{tc.good, "allowed"}, {tc.bad, "implicitDeny"}, {nil, absent}} {
				key := tc.key
				kv := []string{"Action", "SimulateCustomPolicy", "PolicyInputList.member.1", pol, "ActionNames.member.1", "s3:GetObject"}
				if c.values != nil {
					kv = append(kv, "ContextEntries.member.1.ContextKeyName", key, "ContextEntries.member.1.ContextKeyType", tc.typ)
					for i, v := range c.values {
						kv = append(kv, "ContextEntries.member.1.ContextKeyValues.member."+string(rune('1'+i)), v)
					}
				}
				out := simulateOut(t, call(t, r, root, kv...))
				ev := out.EvaluationResults.Members[0]
				if ev.EvalDecision != c.want {
					t.Errorf("%v: %s, want %s", c.values, ev.EvalDecision, c.want)
				}
				missing := ev.MissingContextValues.Members
				if (c.values == nil) != (len(missing) == 1 && missing[0] == key) {
					t.Errorf("%v: missing %v", c.values, missing)
				}
			}
		})
	}
	// Values that are not of their declared type.
	for typ, v := range map[string]string{"numeric": "ten", "numericList": "1e3", "boolean": "yes", "ip": "10.0.0.0/8",
		"ipList": "nope", "binary": "!!", "binaryList": "%%", "date": "yesterday", "dateList": "2020-13-01"} {
		w := call(t, r, root, "Action", "SimulateCustomPolicy", "PolicyInputList.member.1", doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`),
			"ActionNames.member.1", "s3:GetObject",
			"ContextEntries.member.1.ContextKeyName", "ex:key", "ContextEntries.member.1.ContextKeyType", typ,
			"ContextEntries.member.1.ContextKeyValues.member.1", v)
		if code, _ := errorOf(t, w); w.Code != 400 || code != "InvalidInput" {
			t.Errorf("%s %q: %d %s", typ, v, w.Code, w.Body)
		}
	}
	w := call(t, r, root, "Action", "SimulateCustomPolicy", "PolicyInputList.member.1", doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`),
		"ActionNames.member.1", "s3:GetObject",
		"ContextEntries.member.1.ContextKeyName", "ex:key", "ContextEntries.member.1.ContextKeyType", "text")
	if code, msg := errorOf(t, w); w.Code != 400 || code != "ValidationError" || !strings.Contains(msg, "'contextEntries.1.member.contextKeyType'") {
		t.Errorf("bad type: %d %s", w.Code, w.Body)
	}
}

func TestSimulatePrincipalPolicy(t *testing.T) {
	r := mustRegistry(t, "", []AccountSpec{siteAccount}, true)
	inline := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"s3:GetObject\",\n      \"Resource\": \"arn:aws:s3:::b/*\"\n    }\n  ]\n}"
	managed := doc(`{"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}`, `{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}`)
	mustCall(t, r, "test", "Action", "CreateUser", "UserName", "alice")
	mustCall(t, r, "test", "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "read", "PolicyDocument", inline)
	mustCall(t, r, "test", "Action", "CreatePolicy", "PolicyName", "lister", "PolicyDocument", managed)
	mustCall(t, r, "test", "Action", "AttachUserPolicy", "UserName", "alice", "PolicyArn", "arn:aws:iam::000000000000:policy/lister")
	mustCall(t, r, "test", "Action", "AttachUserPolicy", "UserName", "alice", "PolicyArn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	mustCall(t, r, "test", "Action", "CreateRole", "RoleName", "app", "Path", "/svc/", "AssumeRolePolicyDocument", trustAccountDoc)
	mustCall(t, r, "test", "Action", "PutRolePolicy", "RoleName", "app", "PolicyName", "put", "PolicyDocument", doc(`{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}`))
	root := principal(t, r, "test")

	out := simulateOut(t, call(t, r, root, "Action", "SimulatePrincipalPolicy", "PolicySourceArn", simAlice,
		"ActionNames.member.1", "s3:GetObject", "ActionNames.member.2", "s3:ListBucket", "ActionNames.member.3", "s3:DeleteObject",
		"ActionNames.member.4", "s3:PutObject"))
	got := map[string]xmlEvalResult{}
	for _, ev := range out.EvaluationResults.Members {
		got[ev.EvalActionName] = ev
	}
	// GetObject: the inline policy (its statement: line 3 after the "[",
	// to line 8) and the AWS managed policy's Get* (on "*").
	get := got["s3:GetObject"]
	if get.EvalDecision != "allowed" || get.EvalResourceName != "*" || get.EvalDecisionDetails != nil {
		t.Errorf("GetObject %+v", get)
	}
	var ids []string
	for _, m := range get.MatchedStatements.Members {
		ids = append(ids, m.SourcePolicyID)
		if m.SourcePolicyType != "IAM Policy" {
			t.Errorf("type %q", m.SourcePolicyType)
		}
	}
	if !slices.Equal(ids, []string{"AmazonS3ReadOnlyAccess"}) {
		// The inline policy names b/*, which resource "*" does not match.
		t.Errorf("GetObject on * matched %v", ids)
	}
	if d := got["s3:DeleteObject"]; d.EvalDecision != "explicitDeny" || len(d.MatchedStatements.Members) != 1 ||
		d.MatchedStatements.Members[0].SourcePolicyID != "lister" || *d.MatchedStatements.Members[0].StartPosition != (xmlSimPosition{1, 122}) {
		t.Errorf("DeleteObject %+v", d)
	}
	if p := got["s3:PutObject"]; p.EvalDecision != "implicitDeny" || len(p.MatchedStatements.Members) != 0 {
		t.Errorf("PutObject %+v", p)
	}

	out = simulateOut(t, call(t, r, root, "Action", "SimulatePrincipalPolicy", "PolicySourceArn", simAlice,
		"ActionNames.member.1", "s3:GetObject", "ResourceArns.member.1", "arn:aws:s3:::b/index.html"))
	ev := out.EvaluationResults.Members[0]
	var pos []xmlSimPosition
	for _, m := range ev.MatchedStatements.Members {
		pos = append(pos, *m.StartPosition, *m.EndPosition)
	}
	if ev.EvalDecision != "allowed" || ev.EvalResourceName != "arn:aws:s3:::b/index.html" ||
		!slices.Equal(pos, []xmlSimPosition{{3, 17}, {8, 6}, {3, 18}, {14, 6}}) {
		t.Errorf("GetObject on b/index.html: %+v positions %v", ev, pos)
	}

	// A role simulates a session of itself; CallerArn borrows the
	// policies of the source for another caller.
	roleARN := "arn:aws:iam::000000000000:role/svc/app"
	out = simulateOut(t, call(t, r, root, "Action", "SimulatePrincipalPolicy", "PolicySourceArn", roleARN,
		"ActionNames.member.1", "s3:PutObject", "ResourceArns.member.1", simObj,
		"ResourcePolicy", doc(`{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:role/svc/app"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/secret"}`)))
	if ev := out.EvaluationResults.Members[0]; ev.EvalDecision != "allowed" {
		t.Errorf("role PutObject %+v", ev)
	}
	out = simulateOut(t, call(t, r, root, "Action", "SimulatePrincipalPolicy", "PolicySourceArn", roleARN,
		"ActionNames.member.1", "s3:PutObject", "ResourceArns.member.1", "arn:aws:s3:::b/secret",
		"ResourcePolicy", doc(`{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:role/svc/app"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/secret"}`)))
	if ev := out.EvaluationResults.Members[0]; ev.EvalDecision != "explicitDeny" {
		t.Errorf("role PutObject on b/secret %+v", ev)
	}
	out = simulateOut(t, call(t, r, root, "Action", "SimulatePrincipalPolicy", "PolicySourceArn", simAlice,
		"CallerArn", simBob, "ResourceOwner", "000000000000", "ActionNames.member.1", "s3:GetObject", "ResourceArns.member.1", simObj,
		"ResourcePolicy", doc(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"*"}`)))
	if ev := out.EvaluationResults.Members[0]; ev.EvalDecision != "allowed" || len(ev.EvalDecisionDetails.Entries) != 2 {
		t.Errorf("bob with alice's policies %+v", ev)
	}

	// Errors.
	for _, tc := range []struct {
		kv         []string
		status     int
		code, text string
	}{
		{[]string{"PolicySourceArn", "arn:aws:iam::000000000000:user/nobody", "ActionNames.member.1", "s3:GetObject"}, 404, "NoSuchEntity", "The user with name nobody cannot be found."},
		{[]string{"PolicySourceArn", "arn:aws:iam::000000000000:user/other/alice", "ActionNames.member.1", "s3:GetObject"}, 404, "NoSuchEntity", "The user with name alice cannot be found."},
		{[]string{"PolicySourceArn", "arn:aws:iam::000000000000:role/app", "ActionNames.member.1", "s3:GetObject"}, 404, "NoSuchEntity", "The role with name app cannot be found."},
		{[]string{"PolicySourceArn", "arn:aws:iam::000000000000:group/devs", "ActionNames.member.1", "s3:GetObject"}, 404, "NoSuchEntity", "The group with name devs cannot be found."},
		{[]string{"PolicySourceArn", "arn:aws:iam::000000000000:policy/lister", "ActionNames.member.1", "s3:GetObject"}, 400, "InvalidInput", "Invalid PolicySourceArn"},
		{[]string{"PolicySourceArn", "arn:aws:iam::111122223333:user/bob", "ActionNames.member.1", "s3:GetObject"}, 403, "AccessDenied", "iam:SimulatePrincipalPolicy"},
		{[]string{"ActionNames.member.1", "s3:GetObject"}, 400, "ValidationError", "1 validation error detected: Value null at 'policySourceArn' failed to satisfy constraint: Member must not be null"},
		{[]string{"PolicySourceArn", simAlice}, 400, "ValidationError", "Value null at 'actionNames'"},
		{[]string{"PolicySourceArn", simAlice, "ActionNames.member.1", "s3"}, 400, "ValidationError", "Value 's3' at 'actionNames.1.member' failed to satisfy constraint: Member must have length greater than or equal to 3"},
		{[]string{"PolicySourceArn", simAlice, "ActionNames.member.1", "s3:Get*"}, 400, "InvalidInput", "without wildcards"},
		{[]string{"PolicySourceArn", simAlice, "ActionNames.member.1", "s3:GetObject", "CallerArn", "arn:aws:iam::000000000000:group/devs"}, 400, "InvalidInput", "Invalid caller"},
		{[]string{"PolicySourceArn", simAlice, "ActionNames.member.1", "s3:GetObject", "CallerArn", "arn:aws:sts::000000000000:assumed-role/app/s"}, 400, "InvalidInput", "Invalid caller"},
		{[]string{"PolicySourceArn", simAlice, "ActionNames.member.1", "s3:GetObject", "ResourceOwner", "acme"}, 400, "InvalidInput", "Invalid ResourceOwner"},
		{[]string{"PolicySourceArn", simAlice, "ActionNames.member.1", "s3:GetObject", "ResourceHandlingOption", "S3"}, 400, "InvalidInput", "ResourceHandlingOption"},
		{[]string{"PolicySourceArn", simAlice, "ActionNames.member.1", "s3:GetObject", "PolicyExclusionList.member.1.PolicyType", "inline"}, 400, "ValidationError", "PolicyExclusionList"},
		{[]string{"PolicySourceArn", simAlice, "ActionNames.member.1", "s3:GetObject", "PolicyInputList.member.1", `{"Statement":`}, 400, "MalformedPolicyDocument", "Syntax errors in policy."},
		{[]string{"PolicySourceArn", simAlice, "ActionNames.member.1", "s3:GetObject", "PolicyInputList.member.1", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`)}, 400, "MalformedPolicyDocument", "Policy document should not specify a principal."},
		{[]string{"PolicySourceArn", simAlice, "ActionNames.member.1", "s3:GetObject", "ResourcePolicy", doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`)}, 400, "MalformedPolicyDocument", "Missing required field Principal"},
		{[]string{"PolicySourceArn", simAlice, "ActionNames.member.1", "s3:GetObject", "Marker", "junk"}, 400, "InvalidInput", "marker"},
	} {
		w := call(t, r, root, append([]string{"Action", "SimulatePrincipalPolicy"}, tc.kv...)...)
		code, msg := errorOf(t, w)
		if w.Code != tc.status || code != tc.code || !strings.Contains(msg, tc.text) {
			t.Errorf("%v: %d %s %q, want %d %s %q", tc.kv, w.Code, code, msg, tc.status, tc.code, tc.text)
		}
	}
}

const trustAccountDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`

func TestSimulateCustomPolicyAPI(t *testing.T) {
	r := mustRegistry(t, "", nil, true)
	root := principal(t, r, "test")
	allowAll := doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`)

	// Pagination: one result per action.
	kv := []string{"Action", "SimulateCustomPolicy", "PolicyInputList.member.1", allowAll,
		"ActionNames.member.1", "s3:GetObject", "ActionNames.member.2", "s3:PutObject", "ActionNames.member.3", "s3:ListBucket", "MaxItems", "2"}
	out := simulateOut(t, call(t, r, root, kv...))
	if len(out.EvaluationResults.Members) != 2 || !out.IsTruncated || out.Marker == "" {
		t.Fatalf("page 1: %+v", out)
	}
	out = simulateOut(t, call(t, r, root, append(kv, "Marker", out.Marker)...))
	if len(out.EvaluationResults.Members) != 1 || out.IsTruncated || out.EvaluationResults.Members[0].EvalActionName != "s3:ListBucket" {
		t.Fatalf("page 2: %+v", out)
	}

	for _, tc := range []struct {
		kv         []string
		status     int
		code, text string
	}{
		{[]string{"ActionNames.member.1", "s3:GetObject"}, 400, "ValidationError", "Value null at 'policyInputList'"},
		{[]string{"PolicyInputList.member.1", allowAll, "ActionNames.member.1", "s3:GetObject", "ResourcePolicy", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`)}, 400, "InvalidInput", "CallerArn is required"},
		{[]string{"PolicyInputList.member.1", allowAll, "ActionNames.member.1", "s3:GetObject", "CallerArn", "amazonaws.com"}, 400, "InvalidInput", "Invalid caller"},
		{[]string{"PolicyInputList.member.1", allowAll, "ActionNames.member.1", "s3:GetObject", "CallerArn", "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E-1"}, 400, "InvalidInput", "Invalid caller"},
		{[]string{"PolicyInputList.member.1", allowAll, "ActionNames.member.1", "s3:GetObject", "ContextEntries.member.1.ContextKeyName", "nokey", "ContextEntries.member.1.ContextKeyValues.member.1", "v"}, 400, "InvalidInput", "prefix:name"},
		{[]string{"PolicyInputList.member.1", allowAll, "ActionNames.member.1", "s3:GetObject", "OrderedOrganizationPolicyInputList.member.1.PolicyInputList.member.1", allowAll}, 400, "ValidationError", "OrderedOrganizationPolicyInputList"},
		{[]string{"PolicyInputList.member.1", allowAll, "ActionNames.member.1", "s3:GetObject", "PermissionsBoundaryPolicyInputList.member.1", allowAll, "PermissionsBoundaryPolicyInputList.member.2", allowAll}, 400, "InvalidInput", "Only one permissions boundary"},
	} {
		w := call(t, r, root, append([]string{"Action", "SimulateCustomPolicy"}, tc.kv...)...)
		code, msg := errorOf(t, w)
		if w.Code != tc.status || code != tc.code || !strings.Contains(msg, tc.text) {
			t.Errorf("%v: %d %s %q, want %d %s %q", tc.kv, w.Code, code, msg, tc.status, tc.code, tc.text)
		}
	}

	// Callers without identity policies need no PolicyInputList.
	out = simulateOut(t, call(t, r, root, "Action", "SimulateCustomPolicy", "CallerArn", "anonymous",
		"ActionNames.member.1", "s3:GetObject", "ResourceArns.member.1", simObj,
		"ResourcePolicy", doc(`{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`)))
	if ev := out.EvaluationResults.Members[0]; ev.EvalDecision != "allowed" {
		t.Errorf("anonymous: %+v", ev)
	}
	// An empty list, as the SDKs send one.
	out = simulateOut(t, call(t, r, root, "Action", "SimulateCustomPolicy", "PolicyInputList", "", "ActionNames.member.1", "s3:GetObject"))
	if ev := out.EvaluationResults.Members[0]; ev.EvalDecision != "implicitDeny" {
		t.Errorf("no policies: %+v", ev)
	}
}

func TestSimulateAuthorization(t *testing.T) {
	r := mustRegistry(t, "", nil, true)
	mustCall(t, r, "test", "Action", "CreateUser", "UserName", "dev")
	mustCall(t, r, "test", "Action", "CreateAccessKey", "UserName", "dev")
	r.mu.RLock()
	devKey := r.accounts[DefaultAccountID].users["dev"].keys[0].id
	r.mu.RUnlock()
	dev := principal(t, r, devKey)
	custom := []string{"Action", "SimulateCustomPolicy", "PolicyInputList.member.1", doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`), "ActionNames.member.1", "s3:GetObject"}
	own := []string{"Action", "SimulatePrincipalPolicy", "PolicySourceArn", "arn:aws:iam::000000000000:user/dev", "ActionNames.member.1", "s3:GetObject"}
	for _, kv := range [][]string{custom, own} {
		w := call(t, r, dev, kv...)
		if code, msg := errorOf(t, w); w.Code != 403 || code != "AccessDenied" || !strings.Contains(msg, "iam:"+kv[1]) {
			t.Errorf("%s without permission: %d %s", kv[1], w.Code, w.Body)
		}
	}
	mustCall(t, r, "test", "Action", "PutUserPolicy", "UserName", "dev", "PolicyName", "sim", "PolicyDocument",
		doc(`{"Effect":"Allow","Action":["iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}`))
	for _, kv := range [][]string{custom, own} {
		if w := call(t, r, dev, kv...); w.Code != 200 {
			t.Errorf("%s with permission: %d %s", kv[1], w.Code, w.Body)
		}
	}
}

func TestSimulateWireFormat(t *testing.T) {
	r := mustRegistry(t, "", nil, true)
	w := call(t, r, principal(t, r, "test"), "Action", "SimulateCustomPolicy",
		"PolicyInputList.member.1", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}`,
		"ActionNames.member.1", "dynamodb:CreateBackup",
		"ContextEntries.member.1.ContextKeyName", "aws:CurrentTime",
		"ContextEntries.member.1.ContextKeyValues.member.1", "2019-04-25T11:00:00Z",
		"ContextEntries.member.1.ContextKeyType", "date")
	want := `<SimulateCustomPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><SimulateCustomPolicyResult>` +
		`<EvaluationResults><member><EvalActionName>dynamodb:CreateBackup</EvalActionName><EvalResourceName>*</EvalResourceName>` +
		`<EvalDecision>allowed</EvalDecision><MatchedStatements><member><SourcePolicyId>PolicyInputList.1</SourcePolicyId>` +
		`<SourcePolicyType>IAM Policy</SourcePolicyType><StartPosition><Line>1</Line><Column>38</Column></StartPosition>` +
		`<EndPosition><Line>1</Line><Column>167</Column></EndPosition></member></MatchedStatements>` +
		`<MissingContextValues></MissingContextValues></member></EvaluationResults><IsTruncated>false</IsTruncated>` +
		`</SimulateCustomPolicyResult><ResponseMetadata><RequestId>` + w.Header().Get("X-Amz-Request-Id") +
		`</RequestId></ResponseMetadata></SimulateCustomPolicyResponse>`
	if w.Code != 200 || w.Body.String() != want {
		t.Errorf("got %d %s\nwant %s", w.Code, w.Body, want)
	}
}
