package s3

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
)

// Bucket policy principals as S3 stores them. S3 resolves every principal
// a bucket policy names when the policy is put: one that names nobody is
// refused with MalformedPolicy "Invalid principal in policy" (observed for
// OAI ARNs whose OAI does not exist: aws-samples/aws-modern-application-
// workshop#89, hashicorp/terraform-provider-aws#10158), and a CanonicalUser
// principal that is a CloudFront origin access identity's S3 canonical
// user id is stored as the OAI's ARN (hashicorp/terraform#6955: "when S3
// normalizes a bucket policy it takes the CanonicalUser principal and
// converts it to an AWS one").

// msgInvalidPrincipal is S3's MalformedPolicy message for a principal
// that does not exist.
const msgInvalidPrincipal = "Invalid principal in policy"

// rewriteOAIPrincipals returns doc with every CanonicalUser entry of a
// Principal or NotPrincipal element that oaiOf knows as an OAI's canonical
// id replaced by an AWS entry naming the OAI's ARN, as S3 stores it:
//
//	{"CanonicalUser": "<oai canonical id>"}  ->  {"AWS":"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID"}
//
// The ARN joins an AWS entry the element already has (after its values,
// once), or takes the CanonicalUser entry's place among the element's
// members; other canonical ids stay a CanonicalUser entry. Only a
// Principal or NotPrincipal value that changes is re-serialized (compact,
// members and values in their order); every other byte of doc is kept, so
// the stored document is the one sent but for those values. A document
// that does not have a policy's shape is returned unchanged, for
// policy.Parse to refuse. It is done before parsing because the policy
// language accepts 32- and 64-digit canonical ids only, and OAI canonical
// ids have 96 digits.
func rewriteOAIPrincipals(doc []byte, oaiOf func(canonicalID string) (id string, ok bool)) []byte {
	if oaiOf == nil {
		return doc
	}
	w := principalRewriter{oaiOf: oaiOf}
	if !w.document(doc) || len(w.edits) == 0 {
		return doc
	}
	out := make([]byte, 0, len(doc))
	prev := 0
	for _, e := range w.edits {
		out = append(out, doc[prev:e.start]...)
		out = append(out, e.repl...)
		prev = e.end
	}
	return append(out, doc[prev:]...)
}

type principalRewriter struct {
	oaiOf func(string) (string, bool)
	// edits replace doc[start:end], in document order.
	edits []docEdit
}

type docEdit struct {
	start, end int
	repl       []byte
}

// nextSpan decodes the next value of dec, which reads in, and returns it
// with its offset in in.
func nextSpan(dec *json.Decoder, in []byte) (json.RawMessage, int, bool) {
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil || len(v) == 0 {
		return nil, 0, false
	}
	end := int(dec.InputOffset())
	start := end - len(v)
	if start < 0 || end > len(in) || !bytes.Equal(in[start:end], v) {
		return nil, 0, false
	}
	return v, start, true
}

// members walks the object in (at offset base of the document), calling
// f with each member's name, value and the value's offset.
func members(in []byte, base int, f func(name string, v []byte, at int) bool) bool {
	dec := json.NewDecoder(bytes.NewReader(in))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for dec.More() {
		tok, err := dec.Token()
		name, ok := tok.(string)
		if err != nil || !ok {
			return false
		}
		v, at, ok := nextSpan(dec, in)
		if !ok || !f(name, v, base+at) {
			return false
		}
	}
	return true
}

func (w *principalRewriter) document(doc []byte) bool {
	return members(doc, 0, func(name string, v []byte, at int) bool {
		if name != "Statement" {
			return true
		}
		switch v[0] {
		case '{':
			return w.statement(v, at)
		case '[':
			dec := json.NewDecoder(bytes.NewReader(v))
			if _, err := dec.Token(); err != nil {
				return false
			}
			for dec.More() {
				st, sat, ok := nextSpan(dec, v)
				if !ok {
					return false
				}
				if st[0] == '{' && !w.statement(st, at+sat) {
					return false
				}
			}
		}
		return true
	})
}

func (w *principalRewriter) statement(st []byte, base int) bool {
	return members(st, base, func(name string, v []byte, at int) bool {
		if name != "Principal" && name != "NotPrincipal" {
			return true
		}
		if repl, ok := rewritePrincipalValue(v, w.oaiOf); ok {
			w.edits = append(w.edits, docEdit{start: at, end: at + len(v), repl: repl})
		}
		return true
	})
}

// principalEntry is one member of a Principal element: its type ("AWS",
// "CanonicalUser"...) and values, and whether they were written as a list.
type principalEntry struct {
	typ  string
	vals []string
	list bool
}

// rewritePrincipalValue rewrites one Principal element value (see
// rewriteOAIPrincipals); ok is false when nothing changes.
func rewritePrincipalValue(v []byte, oaiOf func(string) (string, bool)) ([]byte, bool) {
	entries, ok := parsePrincipalEntries(v)
	if !ok {
		return nil, false
	}
	cu, aws := -1, -1
	for i, e := range entries {
		switch e.typ {
		case "CanonicalUser":
			cu = i
		case "AWS":
			aws = i
		}
	}
	if cu < 0 {
		return nil, false
	}
	var arns, kept []string
	seen := map[string]bool{}
	if aws >= 0 {
		for _, a := range entries[aws].vals {
			seen[a] = true
		}
	}
	for _, cid := range entries[cu].vals {
		id, ok := oaiOf(cid)
		if !ok {
			kept = append(kept, cid)
			continue
		}
		if arn := policy.OAIARNPrefix + id; !seen[arn] {
			seen[arn] = true
			arns = append(arns, arn)
		}
	}
	if len(kept) == len(entries[cu].vals) {
		return nil, false
	}
	out := make([]principalEntry, 0, len(entries)+1)
	for i, e := range entries {
		switch i {
		case cu:
			if aws < 0 {
				out = append(out, principalEntry{typ: "AWS", vals: arns, list: len(arns) > 1})
			}
			if len(kept) > 0 {
				out = append(out, principalEntry{typ: e.typ, vals: kept, list: e.list || len(kept) > 1})
			}
		case aws:
			vals := append(append([]string(nil), e.vals...), arns...)
			out = append(out, principalEntry{typ: e.typ, vals: vals, list: e.list || len(vals) > 1})
		default:
			out = append(out, e)
		}
	}
	return marshalPrincipalEntries(out), true
}

// parsePrincipalEntries reads a Principal element written as an object of
// strings and string lists; ok is false for anything else ("*" included).
func parsePrincipalEntries(v []byte) ([]principalEntry, bool) {
	dec := json.NewDecoder(bytes.NewReader(v))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []principalEntry
	for dec.More() {
		tok, err := dec.Token()
		typ, ok := tok.(string)
		if err != nil || !ok {
			return nil, false
		}
		e := principalEntry{typ: typ}
		tok, err = dec.Token()
		if err != nil {
			return nil, false
		}
		switch t := tok.(type) {
		case string:
			e.vals = []string{t}
		case json.Delim:
			if t != '[' {
				return nil, false
			}
			e.list = true
			for dec.More() {
				tok, err := dec.Token()
				s, ok := tok.(string)
				if err != nil || !ok {
					return nil, false
				}
				e.vals = append(e.vals, s)
			}
			if tok, err := dec.Token(); err != nil || tok != json.Delim(']') {
				return nil, false
			}
		default:
			return nil, false
		}
		out = append(out, e)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, false
	}
	return out, true
}

func marshalPrincipalEntries(entries []principalEntry) []byte {
	b := []byte{'{'}
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, e.typ)
		b = append(b, ':')
		if !e.list {
			b = appendJSONString(b, e.vals[0])
			continue
		}
		b = append(b, '[')
		for j, v := range e.vals {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string, without escaping <, > and &.
func appendJSONString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})...)
}

// checkPolicyPrincipals returns S3's MalformedPolicy message for the first
// principal of p that names nobody, or "":
//
//   - an OAI ARN (arn:aws:iam::cloudfront:user/CloudFront Origin Access
//     Identity ID) whose OAI does not exist;
//   - a CanonicalUser that is neither an account's canonical id, nor the
//     anonymous user's, nor an OAI's (UNCONFIRMED: S3 documents no answer
//     for it; it refuses every other principal that does not exist). With
//     no Owners configured, canonical ids cannot be checked and pass.
//
// Principal and NotPrincipal elements, of Allow and Deny statements alike,
// are checked. Other AWS principals (accounts, IAM users and roles) are
// not checked for existence here.
func (s *Service) checkPolicyPrincipals(p *policy.Policy) string {
	for _, st := range p.Statements() {
		for _, pv := range st.Principals() {
			switch pv.Type {
			case "AWS":
				if id, ok := strings.CutPrefix(pv.Value, policy.OAIARNPrefix); ok && (s.oais == nil || !s.oais.OAIExists(id)) {
					return msgInvalidPrincipal
				}
			case "CanonicalUser":
				if !s.knownCanonicalUser(pv.Value) {
					return msgInvalidPrincipal
				}
			}
		}
	}
	return ""
}

// knownCanonicalUser reports whether cid is the canonical user id of an
// account, of the anonymous user or of an OAI (hex, any case).
func (s *Service) knownCanonicalUser(cid string) bool {
	if s.owners == nil || strings.EqualFold(cid, identity.AnonymousCanonicalID) {
		return true
	}
	if _, _, ok := s.owners.AccountByCanonicalID(cid); ok {
		return true
	}
	if _, _, ok := s.owners.AccountByCanonicalID(strings.ToLower(cid)); ok {
		return true
	}
	if s.oais != nil {
		if _, ok := s.oais.OAIByCanonicalID(cid); ok {
			return true
		}
	}
	return false
}

// oaiByCanonicalID is s.oais.OAIByCanonicalID, or nil without OAIs.
func (s *Service) oaiByCanonicalID() func(string) (string, bool) {
	if s.oais == nil {
		return nil
	}
	return s.oais.OAIByCanonicalID
}
