package policy

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusCase is one entry of testdata/corpus/*.json. An evaluation case has
// Request and Expect; a parse-error case has Error.
type corpusCase struct {
	Name        string          `json:"name"`
	Doc         string          `json:"doc"`
	Kind        string          `json:"kind"`
	Policy      json.RawMessage `json:"policy"`
	Request     *corpusRequest  `json:"request"`
	Expect      string          `json:"expect"`
	DecidingSid *string         `json:"deciding_sid"`
	Error       *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

type corpusRequest struct {
	Principal struct {
		Anonymous   bool   `json:"anonymous"`
		Account     string `json:"account"`
		ARN         string `json:"arn"`
		RoleARN     string `json:"role_arn"`
		Service     string `json:"service"`
		CanonicalID string `json:"canonical_id"`
		Federated   string `json:"federated"`
	} `json:"principal"`
	Action   string              `json:"action"`
	Resource string              `json:"resource"`
	Context  map[string][]string `json:"context"`
}

func corpusKind(t *testing.T, s string) Kind {
	switch s {
	case "bucket":
		return BucketPolicy
	case "identity":
		return IdentityPolicy
	case "key":
		return KeyPolicy
	case "trust":
		return TrustPolicy
	}
	t.Fatalf("unknown kind %q", s)
	return 0
}

// policyBytes returns the document: a JSON string holds the raw text, any
// other JSON value is the document itself (its bytes as written).
func (c *corpusCase) policyBytes(t *testing.T) []byte {
	raw := bytes.TrimSpace(c.Policy)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("%s: policy string: %v", c.Name, err)
		}
		return []byte(s)
	}
	return raw
}

func (r *corpusRequest) request() *Request {
	req := &Request{
		Principal: Principal{
			Anonymous:   r.Principal.Anonymous,
			Account:     r.Principal.Account,
			ARN:         r.Principal.ARN,
			RoleARN:     r.Principal.RoleARN,
			Service:     r.Principal.Service,
			CanonicalID: r.Principal.CanonicalID,
			Federated:   r.Principal.Federated,
		},
		Action:   r.Action,
		Resource: r.Resource,
	}
	if r.Context != nil {
		// The caller lowercases key names, as the Context contract says.
		ctx := MapContext{}
		for k, v := range r.Context {
			ctx[strings.ToLower(k)] = v
		}
		req.Context = ctx
	}
	return req
}

func loadCorpus(t *testing.T) map[string][]corpusCase {
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	out := map[string][]corpusCase{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cases []corpusCase
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cases); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = cases
	}
	return out
}

func TestCorpus(t *testing.T) {
	files := loadCorpus(t)
	evals, errs := 0, 0
	names := map[string]string{}
	for file, cases := range files {
		for i := range cases {
			c := &cases[i]
			if prev, dup := names[c.Name]; dup {
				t.Errorf("%s: case name %q also in %s", file, c.Name, prev)
			}
			names[c.Name] = file
			if c.Doc == "" {
				t.Errorf("%s: %s: no doc source", file, c.Name)
			}
			t.Run(strings.TrimSuffix(file, ".json")+"/"+c.Name, func(t *testing.T) {
				runCorpusCase(t, c)
			})
			if c.Error != nil {
				errs++
			} else {
				evals++
			}
		}
	}
	t.Logf("corpus: %d evaluation cases, %d parse-error cases", evals, errs)
	if evals < 220 {
		t.Errorf("corpus has %d evaluation cases, want at least 220", evals)
	}
}

func runCorpusCase(t *testing.T, c *corpusCase) {
	kind := corpusKind(t, c.Kind)
	doc := c.policyBytes(t)
	p, err := Parse(doc, kind)
	if c.Error != nil {
		if err == nil {
			t.Fatalf("Parse succeeded, want %s %q", c.Error.Code, c.Error.Message)
		}
		pe, ok := err.(*ParseError)
		if !ok {
			t.Fatalf("error %T %v, want *ParseError", err, err)
		}
		if pe.Code != c.Error.Code || pe.Message != c.Error.Message {
			t.Fatalf("got %s %q, want %s %q", pe.Code, pe.Message, c.Error.Code, c.Error.Message)
		}
		return
	}
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if !bytes.Equal(p.Raw(), doc) {
		t.Fatalf("Raw() differs from the document")
	}
	if c.Request == nil {
		t.Fatalf("evaluation case without request")
	}
	req := c.Request.request()
	var tr Trace
	got := p.Evaluate(req, &tr)
	if fast := p.Evaluate(req, nil); fast != got {
		t.Fatalf("untraced Evaluate = %v, traced = %v", fast, got)
	}
	if got.String() != c.Expect {
		t.Fatalf("got %v, want %s\n%s", got, c.Expect, tr.String())
	}
	if c.Expect == "ImplicitDeny" {
		if tr.Deciding != -1 {
			t.Fatalf("ImplicitDeny with deciding statement %d", tr.Deciding)
		}
		return
	}
	if c.DecidingSid == nil {
		t.Fatalf("no deciding_sid for %s", c.Expect)
	}
	if tr.Deciding < 0 || tr.Statements[tr.Deciding].Sid != *c.DecidingSid {
		t.Fatalf("deciding statement %d, want Sid %q\n%s", tr.Deciding, *c.DecidingSid, tr.String())
	}
}
