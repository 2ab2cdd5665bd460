package originaccess

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/policy"
)

// How says what Merge did for one permission.
type How uint8

const (
	// AlreadyAllowed: the document allowed the request as it was.
	AlreadyAllowed How = iota
	// Extended: an Allow statement for the same principal, actions and
	// resources, conditioned on StringEquals AWS:SourceArn, got the
	// distribution's ARN added.
	Extended
	// Added: a new statement was appended.
	Added
	// Denied: an explicit Deny refuses the request; no statement can
	// change that, so the document must not be written.
	Denied
)

// Step is the outcome of one permission of one grant.
type Step struct {
	Grantee    Grantee
	Permission Permission
	How        How
	// Statement is the index of the statement that allows (AlreadyAllowed,
	// Extended, Added) or denies (Denied) the request, in the merged
	// document; Sid is its Sid, "" when it has none.
	Statement int
	Sid       string
	// Trace is, for Denied, the policy engine's account of the Deny
	// statement (policy.StatementTrace.String()).
	Trace string
}

// String describes the step in one line.
func (s Step) String() string {
	what := s.Permission.EvalAction + " on " + s.Permission.EvalResource
	st := statementLabel(s.Statement, s.Sid)
	switch s.How {
	case AlreadyAllowed:
		return what + ": already allowed by statement " + st
	case Extended:
		return what + ": added " + s.Grantee.DistributionARN + " to the AWS:SourceArn condition of statement " + st
	case Added:
		return what + ": new statement " + st
	case Denied:
		return what + ": explicitly denied by statement " + st
	}
	return what
}

func statementLabel(i int, sid string) string {
	if sid == "" {
		return "#" + strconv.Itoa(i)
	}
	return "#" + strconv.Itoa(i) + " " + strconv.Quote(sid)
}

// Result is the outcome of Merge.
type Result struct {
	Kind policy.Kind
	// Before is the current document in Pretty form; nil when there was
	// none (a bucket without a policy).
	Before []byte
	// After is the merged document in Pretty form, as diffs show it.
	After []byte
	// Document is what to write: After, or the same document compact when
	// the pretty form would exceed the service's size limit (KMS counts
	// whitespace).
	Document []byte
	// Changed is set when After differs from Before.
	Changed bool
	// Steps has one entry per permission of each grant, in order.
	Steps []Step
}

// Denied returns the steps an explicit Deny refuses. When there are any,
// the document must not be written: the grant would not work.
func (r *Result) Denied() []Step {
	var out []Step
	for _, s := range r.Steps {
		if s.How == Denied {
			out = append(out, s)
		}
	}
	return out
}

// New bucket policies take the form the CloudFront console writes when it
// updates a bucket policy for an OAC or an OAI.
const (
	consoleVersion  = "2008-10-17"
	consolePolicyID = "PolicyForCloudFrontPrivateContent"
)

// Merge folds grants, in order, into current, a bucket policy or a key
// policy (grants' Kind must match kind). For each permission:
//
//  1. If the document, evaluated by internal/policy with the grantee's
//     principal and context, already allows it: nothing changes.
//  2. If an explicit Deny refuses it: it is reported as Denied (and the
//     caller must not write the document).
//  3. Else, for an OAC, an Allow statement whose Principal is exactly
//     {"Service": "cloudfront.amazonaws.com"}, whose actions and resources
//     are all among the ones still needed, and whose only condition is
//     StringEquals on AWS:SourceArn, gets the distribution's ARN added to
//     that condition's values (a string becomes an array).
//  4. Else a new statement is appended to Statement (an object becomes an
//     array), one per resource, with a Sid not used yet: for OAC
//     AllowCloudFrontServicePrincipal (ReadWrite, Write, ListBucket
//     variants) or AllowCloudFrontServicePrincipalSSE-KMS, then with 2, 3...
//     appended; for an OAI the smallest unused positive number.
//
// Everything else in the document is kept: members in their order,
// statements in theirs, values as written. An empty current bucket policy
// (NoSuchBucketPolicy) starts from the console's document: Version
// 2008-10-17, Id PolicyForCloudFrontPrivateContent. An empty key policy is
// an error (every key has one). So is a document the policy engine rejects,
// or a merged one it rejects (too large, for instance).
func Merge(kind policy.Kind, current []byte, grants ...Grant) (*Result, error) {
	if kind != policy.BucketPolicy && kind != policy.KeyPolicy {
		return nil, fmt.Errorf("originaccess: cannot merge into a %v", kind)
	}
	res := &Result{Kind: kind}
	var root *object
	if len(bytes.TrimSpace(current)) == 0 {
		if kind == policy.KeyPolicy {
			return nil, errors.New("the key has no key policy")
		}
		root = &object{members: []member{
			{"Version", consoleVersion},
			{"Id", consolePolicyID},
			{"Statement", []any{}},
		}}
	} else {
		if _, err := policy.Parse(current, kind); err != nil {
			return nil, fmt.Errorf("the current %s does not parse: %w", docName(kind), err)
		}
		v, err := decodeJSON(current)
		if err != nil {
			return nil, fmt.Errorf("the current %s is not JSON: %w", docName(kind), err)
		}
		o, ok := v.(*object)
		if !ok {
			return nil, fmt.Errorf("the current %s is not a JSON object", docName(kind))
		}
		root = o
		res.Before = append(encodeJSON(root, "  "), '\n')
	}
	for gi := range grants {
		g := &grants[gi]
		if g.Kind != kind {
			return nil, fmt.Errorf("originaccess: a %v grant cannot go into a %v", g.Kind, kind)
		}
		if err := g.Grantee.Validate(); err != nil {
			return nil, err
		}
		steps, err := mergeGrant(kind, root, g)
		if err != nil {
			return nil, err
		}
		res.Steps = append(res.Steps, steps...)
	}
	// Check the document to be written as the service will (KMS's size
	// limit counts whitespace), and that every permission not denied is now
	// allowed.
	res.After = append(encodeJSON(root, "  "), '\n')
	res.Document = res.After
	p, err := policy.Parse(res.Document, kind)
	if err != nil {
		res.Document = encodeJSON(root, "")
		if p, err = policy.Parse(res.Document, kind); err != nil {
			return nil, fmt.Errorf("the merged %s is refused: %w", docName(kind), err)
		}
	}
	i := 0
	for gi := range grants {
		g := &grants[gi]
		for _, perm := range g.Permissions {
			st := &res.Steps[i]
			i++
			if st.How == Denied {
				continue
			}
			if d := p.Evaluate(g.request(perm), nil); d != policy.Allow {
				return nil, fmt.Errorf("originaccess: the merged %s does not allow %s on %s to %v (%v)",
					docName(kind), perm.EvalAction, perm.EvalResource, g.Grantee, d)
			}
		}
	}
	res.Changed = res.Before == nil || !bytes.Equal(res.Before, res.After)
	return res, nil
}

func docName(k policy.Kind) string {
	if k == policy.KeyPolicy {
		return "key policy"
	}
	return "bucket policy"
}

// mergeGrant applies one grant to root.
func mergeGrant(kind policy.Kind, root *object, g *Grant) ([]Step, error) {
	steps := make([]Step, len(g.Permissions))
	var missing []int // indexes into g.Permissions
	if stmts := statements(root); len(stmts) > 0 {
		p, err := policy.Parse(encodeJSON(root, ""), kind)
		if err != nil {
			return nil, fmt.Errorf("the %s does not parse: %w", docName(kind), err)
		}
		ps := p.Statements()
		for i, perm := range g.Permissions {
			var tr policy.Trace
			d := p.Evaluate(g.request(perm), &tr)
			steps[i] = Step{Grantee: g.Grantee, Permission: perm, Statement: tr.Deciding}
			if tr.Deciding >= 0 {
				steps[i].Sid = ps[tr.Deciding].Sid()
			}
			switch d {
			case policy.Allow:
				steps[i].How = AlreadyAllowed
			case policy.ExplicitDeny:
				steps[i].How = Denied
				steps[i].Trace = tr.Statements[tr.Deciding].String()
			default:
				missing = append(missing, i)
			}
		}
	} else {
		for i, perm := range g.Permissions {
			steps[i] = Step{Grantee: g.Grantee, Permission: perm}
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return steps, nil
	}
	// 3. Extend a statement for the same principal, actions and resources.
	if !g.Grantee.IsOAI() {
		for si, st := range statements(root) {
			if len(missing) == 0 {
				break
			}
			covered := extendable(st, g, missing)
			if len(covered) == 0 {
				continue
			}
			addSourceARN(st, g.Grantee.DistributionARN)
			sid, _ := stringValue(st, "Sid")
			missing = without(missing, covered)
			for _, i := range covered {
				steps[i].How, steps[i].Statement, steps[i].Sid = Extended, si, sid
			}
		}
	}
	// 4. Append one statement per resource.
	for len(missing) > 0 {
		res := g.Permissions[missing[0]].Resource
		var group []int
		var actions []string
		for _, i := range missing {
			if g.Permissions[i].Resource == res {
				group = append(group, i)
				actions = append(actions, g.Permissions[i].Action)
			}
		}
		sid := unusedSid(root, baseSid(kind, g.Grantee, actions))
		idx := appendStatement(root, newStatement(kind, g.Grantee, sid, actions, res))
		for _, i := range group {
			steps[i].How, steps[i].Statement, steps[i].Sid = Added, idx, sid
		}
		missing = without(missing, group)
	}
	return steps, nil
}

func without(list, drop []int) []int {
	var out []int
	for _, x := range list {
		keep := true
		for _, d := range drop {
			if x == d {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, x)
		}
	}
	return out
}

// statements returns the statement objects of a document, whether
// Statement is an array or a single object.
func statements(root *object) []*object {
	v, _ := root.get("Statement")
	switch t := v.(type) {
	case *object:
		return []*object{t}
	case []any:
		out := make([]*object, 0, len(t))
		for _, e := range t {
			if o, ok := e.(*object); ok {
				out = append(out, o)
			}
		}
		return out
	}
	return nil
}

// appendStatement appends st to the document's Statement (making a single
// object an array) and returns its index.
func appendStatement(root *object, st *object) int {
	v, _ := root.get("Statement")
	var list []any
	switch t := v.(type) {
	case *object:
		list = []any{t}
	case []any:
		list = t
	}
	list = append(list, st)
	root.set("Statement", list)
	return len(list) - 1
}

func stringValue(o *object, name string) (string, bool) {
	v, ok := o.get(name)
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}

// extendable returns the missing permissions (indexes into g.Permissions)
// that adding g's distribution ARN to statement st would grant, or none
// when st is not a statement that can be extended: an Allow for exactly
// {"Service": "cloudfront.amazonaws.com"}, with Action and Resource (no Not
// forms) all among the missing permissions', and a Condition of exactly
// {"StringEquals": {"AWS:SourceArn": ...}} (key case-insensitive).
func extendable(st *object, g *Grant, missing []int) []int {
	for _, name := range st.names() {
		switch name {
		case "Sid", "Effect", "Principal", "Action", "Resource", "Condition":
		default:
			return nil
		}
	}
	if e, _ := stringValue(st, "Effect"); e != "Allow" {
		return nil
	}
	pv, _ := st.get("Principal")
	po, ok := pv.(*object)
	if !ok || len(po.members) != 1 || po.members[0].name != "Service" {
		return nil
	}
	if svc, ok := stringList(po.members[0].value); !ok || len(svc) != 1 || svc[0] != CloudFrontService {
		return nil
	}
	if sourceARNValues(st) == nil {
		return nil
	}
	av, _ := st.get("Action")
	actions, ok := stringList(av)
	if !ok || len(actions) == 0 {
		return nil
	}
	rv, _ := st.get("Resource")
	resources, ok := stringList(rv)
	if !ok || len(resources) == 0 {
		return nil
	}
	hasAction := func(a string) bool {
		for _, i := range missing {
			if strings.EqualFold(g.Permissions[i].Action, a) {
				return true
			}
		}
		return false
	}
	hasResource := func(r string) bool {
		for _, i := range missing {
			if g.Permissions[i].Resource == r {
				return true
			}
		}
		return false
	}
	for _, a := range actions {
		if !hasAction(a) {
			return nil
		}
	}
	for _, r := range resources {
		if !hasResource(r) {
			return nil
		}
	}
	var covered []int
	for _, i := range missing {
		p := g.Permissions[i]
		inA, inR := false, false
		for _, a := range actions {
			inA = inA || strings.EqualFold(a, p.Action)
		}
		for _, r := range resources {
			inR = inR || r == p.Resource
		}
		if inA && inR {
			covered = append(covered, i)
		}
	}
	return covered
}

// sourceARNValues returns the member holding the values of a Condition
// that is exactly StringEquals on AWS:SourceArn, or nil.
func sourceARNValues(st *object) *member {
	cv, ok := st.get("Condition")
	if !ok {
		return nil
	}
	co, ok := cv.(*object)
	if !ok || len(co.members) != 1 || co.members[0].name != "StringEquals" {
		return nil
	}
	eq, ok := co.members[0].value.(*object)
	if !ok || len(eq.members) != 1 || !strings.EqualFold(eq.members[0].name, "aws:SourceArn") {
		return nil
	}
	if _, ok := stringList(eq.members[0].value); !ok {
		return nil
	}
	return &eq.members[0]
}

// addSourceARN adds arn to the StringEquals AWS:SourceArn values of st.
func addSourceARN(st *object, arn string) {
	m := sourceARNValues(st)
	vals, _ := stringList(m.value)
	for _, v := range vals {
		if v == arn {
			return
		}
	}
	list := make([]any, 0, len(vals)+1)
	for _, v := range vals {
		list = append(list, v)
	}
	m.value = append(list, arn)
}

// baseSid is the Sid of a new statement before it is made unique: the
// console's and the Developer Guide's names for OAC statements, "" (a
// number) for an OAI, as the console numbers its OAI statements.
func baseSid(kind policy.Kind, g Grantee, actions []string) string {
	if g.IsOAI() {
		return ""
	}
	if kind == policy.KeyPolicy {
		return "AllowCloudFrontServicePrincipalSSE-KMS"
	}
	var get, write, list bool
	for _, a := range actions {
		switch strings.ToLower(a) {
		case "s3:getobject":
			get = true
		case "s3:listbucket":
			list = true
		default:
			write = true
		}
	}
	switch {
	case list && !get && !write:
		return "AllowCloudFrontServicePrincipalListBucket"
	case get && write:
		return "AllowCloudFrontServicePrincipalReadWrite"
	case write:
		return "AllowCloudFrontServicePrincipalWrite"
	}
	return "AllowCloudFrontServicePrincipal"
}

// unusedSid returns base, or base followed by 2, 3, ... when taken; for
// base "" the smallest positive number not taken.
func unusedSid(root *object, base string) string {
	used := map[string]bool{}
	for _, st := range statements(root) {
		if sid, ok := stringValue(st, "Sid"); ok {
			used[sid] = true
		}
	}
	if base != "" && !used[base] {
		return base
	}
	n := 1
	if base != "" {
		n = 2
	}
	for ; ; n++ {
		if s := base + strconv.Itoa(n); !used[s] {
			return s
		}
	}
}

// newStatement builds the statement AWS writes or documents for g.
func newStatement(kind policy.Kind, g Grantee, sid string, actions []string, resource string) *object {
	var principal *object
	switch {
	case g.IsOAI():
		principal = &object{members: []member{{"AWS", OAIARN(g.OAI)}}}
	case kind == policy.KeyPolicy:
		// The Developer Guide's SSE-KMS statement lists the service in an array.
		principal = &object{members: []member{{"Service", []any{CloudFrontService}}}}
	default:
		principal = &object{members: []member{{"Service", CloudFrontService}}}
	}
	st := &object{members: []member{
		{"Sid", sid},
		{"Effect", "Allow"},
		{"Principal", principal},
		{"Action", listValue(actions)},
		{"Resource", resource},
	}}
	if !g.IsOAI() {
		st.members = append(st.members, member{"Condition", &object{members: []member{
			{"StringEquals", &object{members: []member{{"AWS:SourceArn", g.DistributionARN}}}},
		}}})
	}
	return st
}
