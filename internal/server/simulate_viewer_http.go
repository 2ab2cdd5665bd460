package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/reqctx"
)

// simulatePath is the route of `edgegate explain --url`: POST a
// SimulateRequest, get the simulated request's explanation.
const simulatePath = "/_edgegate/simulate"

// SimulateRequest is the body of POST /_edgegate/simulate.
type SimulateRequest struct {
	Method  string              `json:"method,omitempty"`
	URL     string              `json:"url"`
	Headers map[string][]string `json:"headers,omitempty"`
	// Country is the viewer's country; only the operator may set it (as
	// with X-Edgegate-Viewer-Country on a real request).
	Country string `json:"country,omitempty"`
}

// serveSimulate answers POST /_edgegate/simulate with the explanation of
// the viewer request in the body, simulated (SimulateViewer). Only the
// operator and the distribution's account may simulate a request to a
// distribution: the answer shows its configuration and its origins'
// decisions. A Host under the distribution suffix that names no
// distribution may be simulated by any signed caller.
func (s *Server) serveSimulate(w http.ResponseWriter, r *http.Request, c *reqctx.Call) {
	fail := func(status int, code, msg string) {
		writeJSONTo(w, status, map[string]string{"error": code, "message": msg, "request_id": c.RequestID})
	}
	if r.Method != http.MethodPost {
		fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "use POST")
		return
	}
	if c.Principal.IsAnonymous() && !c.Operator {
		fail(http.StatusForbidden, "AccessDenied", "sign the request (edgegate explain uses your AWS credentials) or present the operator token")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		fail(http.StatusBadRequest, "InvalidRequest", "reading the body: "+err.Error())
		return
	}
	var in SimulateRequest
	if err := json.Unmarshal(body, &in); err != nil {
		fail(http.StatusBadRequest, "InvalidRequest", "the body is not a simulation request: "+err.Error())
		return
	}
	if in.Country != "" && !c.Operator {
		fail(http.StatusBadRequest, "InvalidRequest", "only the operator may choose the viewer's country")
		return
	}
	vr := ViewerRequest{Method: in.Method, URL: in.URL, Header: http.Header(in.Headers), Country: in.Country}
	if !c.Operator {
		p := c.Principal
		vr.Reader = &p // another account's policies and keys stay hidden
	}
	// Authorize on the distribution before simulating anything.
	hr, err := viewerHTTPRequest(r.Context(), vr)
	if err != nil {
		fail(http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	if d, mine := s.edge.Route(hr.Host); mine && d != nil && !c.Operator && c.Principal.Account != d.Account {
		fail(http.StatusForbidden, "AccessDenied", "only the distribution's account or the operator may simulate requests to it")
		return
	}
	res, err := s.SimulateViewer(r.Context(), vr)
	if err != nil {
		status, code := http.StatusInternalServerError, "InternalError"
		switch {
		case errors.Is(err, ErrBadViewerRequest):
			status, code = http.StatusBadRequest, "InvalidRequest"
		case errors.Is(err, errNotReadable):
			status, code = http.StatusForbidden, "AccessDenied"
		}
		fail(status, code, err.Error())
		return
	}
	markLive(res.Explanation)
	res.Explanation.Viewer = &diagnose.ViewerRequest{Method: hr.Method, URL: hr.URL.String()}
	if res.Context != nil {
		res.Explanation.Viewer.Distribution = res.Context.DistributionID
	}
	writeJSONTo(w, http.StatusOK, res.Explanation)
}

func writeJSONTo(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// liveUnverified is why a live explanation's fixes are not verified.
const liveUnverified = "live mode: the server does not prove fixes; edgegate explain proves them on a snapshot of the configuration unless --no-verify (docs/explain.md)"

// markLive states on each fix of a live explanation that it is not
// verified, unless it already says why.
func markLive(x *diagnose.Explanation) {
	for i := range x.Findings {
		if f := x.Findings[i].Fix; f != nil && !f.Verified && f.Unverified == "" {
			f.Unverified = liveUnverified
		}
	}
}
