package server

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/reqctx"
)

// Operator headers (docs/usage.md, "Operator context").
const (
	operatorTokenHeader = "X-Edgegate-Operator-Token"
	contextHeader       = "X-Edgegate-Context"
	explainPrefix       = "/_edgegate/explain/"
)

// applyOperator marks c as the operator's when the request carries the
// operator token, and applies X-Edgegate-Context: condition keys that only
// exist inside AWS (aws:SourceVpce, aws:SourceVpc, ...), written
// "key=value; key=value". A context header without the token is refused,
// so nobody mistakes it for something that took effect.
func (s *Server) applyOperator(r *http.Request, c *reqctx.Call) *awsapi.Error {
	if tok := r.Header.Get(operatorTokenHeader); tok != "" {
		if !s.operatorTokenValid(tok) {
			return awsapi.ErrAccessDenied.WithMessage("The operator token is not valid.")
		}
		c.Operator = true
	}
	raw := r.Header.Values(contextHeader)
	if len(raw) == 0 {
		return nil
	}
	if !c.Operator {
		return awsapi.New(http.StatusBadRequest, "InvalidRequest",
			contextHeader+" needs the operator token ("+operatorTokenHeader+"); see docs/usage.md")
	}
	ctx := map[string][]string{}
	for _, line := range raw {
		for _, pair := range strings.Split(line, ";") {
			pair = strings.TrimSpace(pair)
			if pair == "" {
				continue
			}
			k, v, ok := strings.Cut(pair, "=")
			if !ok || strings.TrimSpace(k) == "" {
				return awsapi.New(http.StatusBadRequest, "InvalidRequest", contextHeader+": expected key=value, got "+pair)
			}
			k = strings.ToLower(strings.TrimSpace(k))
			ctx[k] = append(ctx[k], strings.TrimSpace(v))
		}
	}
	c.Context = ctx
	return nil
}

// operatorTokenValid reports whether tok is the operator token: false
// when the server has none or tok differs (compared in constant time).
func (s *Server) operatorTokenValid(tok string) bool {
	return tok != "" && s.cfg.OperatorToken != "" &&
		subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.OperatorToken)) == 1
}

// serveExplain answers GET /_edgegate/explain/{request id} with the
// explanation of a recorded request, to the owner of a resource it touched
// or to the operator.
func (s *Server) serveExplain(w http.ResponseWriter, r *http.Request, c *reqctx.Call) {
	writeJSON := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(v)
	}
	fail := func(status int, code, msg string) {
		writeJSON(status, map[string]string{"error": code, "message": msg, "request_id": c.RequestID})
	}
	if r.Method != http.MethodGet {
		fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "use GET")
		return
	}
	if c.Principal.IsAnonymous() && !c.Operator {
		fail(http.StatusForbidden, "AccessDenied", "sign the request (edgegate explain uses your AWS credentials) or present the operator token")
		return
	}
	id := strings.TrimPrefix(r.URL.Path, explainPrefix)
	// An X-Amz-Cf-Id explains as the origin request it led to, or as the
	// edge's own refusal.
	if x, xerr, ok := s.edge.ExplainWith(id, c.Principal, c.Operator, s.keyLister(c.Principal, c.Operator)); ok {
		if xerr != nil {
			fail(xerr.Status, xerr.Code, xerr.Message)
			return
		}
		markLive(x)
		writeJSON(http.StatusOK, x)
		return
	}
	rec, ok := s.traces.Get(id)
	if !ok {
		fail(http.StatusNotFound, "NoSuchRequest", "no request "+id+" is kept: it was never made here, or it is older than the last "+
			"requests the server keeps (--trace-buffer)")
		return
	}
	if !c.Operator && !rec.Readable(c.Principal) {
		fail(http.StatusForbidden, "AccessDenied", "only the owner of a resource the request touched, or the operator, may read its explanation")
		return
	}
	if !c.Operator {
		rec = rec.RedactFor(c.Principal.Account)
	}
	x := diagnose.ExplainS3(&rec)
	markLive(x)
	writeJSON(http.StatusOK, x)
}
