package kms

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/reqctx"
)

// targetPrefix starts every KMS X-Amz-Target header.
const targetPrefix = "TrentService."

// maxBodyBytes bounds a KMS request body (the largest legal one, a 32 KB
// key policy, is far below it).
const maxBodyBytes = 1 << 20

// kmsOp is one KMS API operation: it decodes its input from q, authorizes,
// acts, and returns its output (nil for operations without output) or an
// error.
type kmsOp func(s *Service, q *request) (any, error)

// ops is the operations table, by X-Amz-Target operation name.
var ops = map[string]kmsOp{
	"CreateKey":                       (*Service).apiCreateKey,
	"DescribeKey":                     (*Service).apiDescribeKey,
	"ListKeys":                        (*Service).apiListKeys,
	"EnableKey":                       (*Service).apiEnableKey,
	"DisableKey":                      (*Service).apiDisableKey,
	"ScheduleKeyDeletion":             (*Service).apiScheduleKeyDeletion,
	"CancelKeyDeletion":               (*Service).apiCancelKeyDeletion,
	"GetKeyPolicy":                    (*Service).apiGetKeyPolicy,
	"PutKeyPolicy":                    (*Service).apiPutKeyPolicy,
	"ListKeyPolicies":                 (*Service).apiListKeyPolicies,
	"CreateAlias":                     (*Service).apiCreateAlias,
	"DeleteAlias":                     (*Service).apiDeleteAlias,
	"ListAliases":                     (*Service).apiListAliases,
	"Encrypt":                         (*Service).apiEncrypt,
	"Decrypt":                         (*Service).apiDecrypt,
	"GenerateDataKey":                 (*Service).apiGenerateDataKey,
	"GenerateDataKeyWithoutPlaintext": (*Service).apiGenerateDataKeyWithoutPlaintext,
	"ReEncrypt":                       (*Service).apiReEncrypt,
	"CreateGrant":                     (*Service).apiCreateGrant,
	"ListGrants":                      (*Service).apiListGrants,
	"RevokeGrant":                     (*Service).apiRevokeGrant,
	"EnableKeyRotation":               (*Service).apiEnableKeyRotation,
	"DisableKeyRotation":              (*Service).apiDisableKeyRotation,
	"GetKeyRotationStatus":            (*Service).apiGetKeyRotationStatus,
	"ListResourceTags":                (*Service).apiListResourceTags,
	"TagResource":                     (*Service).apiTagResource,
	"UntagResource":                   (*Service).apiUntagResource,
	"UpdateKeyDescription":            (*Service).apiUpdateKeyDescription,
}

// request is one parsed KMS API call.
type request struct {
	op     string
	body   []byte
	caller identity.Principal
	now    time.Time
	// base is the call's global condition keys (aws:*), lowercased.
	base policy.MapContext
}

// decode unmarshals the JSON body into v. An empty body is an empty
// object; malformed JSON or a member of the wrong type is
// SerializationException. Unknown members are ignored, as the AWS JSON
// services ignore them.
func (q *request) decode(v any) error {
	body := bytes.TrimSpace(q.body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return errSerialization.WithMessage("Unexpected value for member " + te.Field + ": " + te.Value)
		}
		return errSerialization.WithMessage("The request body could not be read as JSON.")
	}
	return nil
}

// context returns a fresh condition context over the call's global keys
// with kms:CallerAccount set.
func (q *request) context() *Context {
	c := NewContext(q.base)
	if q.caller.Account != "" {
		c.Set("kms:CallerAccount", q.caller.Account)
	}
	return c
}

// ServeKMS answers a KMS API request (JSON 1.1 protocol: POST / with
// X-Amz-Target TrentService.OPERATION). Every response carries
// x-amz-request-id and x-amzn-RequestId = c.RequestID. It returns the
// error sent, nil on success.
func (s *Service) ServeKMS(w http.ResponseWriter, r *http.Request, c *reqctx.Call) *awsapi.Error {
	out, err := s.serve(w, r, c)
	if err != nil {
		return WriteError(w, c.RequestID, err)
	}
	var body []byte
	if out != nil {
		if body, err = json.Marshal(out); err != nil {
			slog.Error("kms: encoding response", "request_id", c.RequestID, "err", err)
			return WriteError(w, c.RequestID, errInternal)
		}
	}
	setHeaders(w, c.RequestID, len(body))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request, c *reqctx.Call) (any, error) {
	name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	run, known := ops[name]
	if !ok || !known || r.Method != http.MethodPost {
		return nil, errUnknownOperation
	}
	if c.Principal.IsAnonymous() {
		return nil, errMissingAuth
	}
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, errRequestEntityTooBig
			}
			return nil, errSerialization.WithMessage("The request body could not be read.")
		}
	}
	now := s.now().UTC()
	q := &request{op: name, body: body, caller: c.Principal, now: now, base: callContext(r, c, s.region, now)}
	return run(s, q)
}

// callContext builds the global condition keys (spec §2.8) of a KMS API
// call from what the front door learned.
func callContext(r *http.Request, c *reqctx.Call, region string, now time.Time) policy.MapContext {
	if !c.Received.IsZero() {
		now = c.Received
	}
	m := policy.MapContext{}
	set := func(k string, v ...string) { m[strings.ToLower(k)] = v }
	set("aws:CurrentTime", now.UTC().Format(time.RFC3339))
	set("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
	set("aws:SecureTransport", strconv.FormatBool(c.Secure))
	set("aws:ViaAWSService", "false")
	set("aws:RequestedRegion", region)
	if c.SourceIP != "" {
		set("aws:SourceIp", c.SourceIP)
	}
	if r != nil {
		if ua := r.Header.Get("User-Agent"); ua != "" {
			set("aws:UserAgent", ua)
		}
	}
	principalKeys(m, c.Principal)
	for k, v := range c.Context {
		m[strings.ToLower(k)] = v
	}
	return m
}

// principalKeys sets the aws:Principal* keys of p.
func principalKeys(m policy.MapContext, p identity.Principal) {
	set := func(k string, v ...string) { m[strings.ToLower(k)] = v }
	set("aws:PrincipalType", p.Type.String())
	set("aws:userid", p.UserID)
	switch p.Type {
	case identity.Anonymous:
		return
	case identity.Service:
		set("aws:PrincipalServiceName", p.ARN)
		set("aws:PrincipalIsAWSService", "true")
		return
	}
	set("aws:PrincipalAccount", p.Account)
	arn := p.ARN
	if p.Type == identity.AssumedRole && p.RoleARN != "" {
		arn = p.RoleARN // aws:PrincipalArn names the role, not the session
	}
	set("aws:PrincipalArn", arn)
	set("aws:PrincipalIsAWSService", "false")
	if p.Type == identity.User {
		set("aws:username", p.UserName)
	}
}

// epoch is a timestamp as the JSON protocol sends it: seconds since the
// epoch, with milliseconds.
type epoch time.Time

// MarshalJSON implements json.Marshaler.
func (t epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}

func epochPtr(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}
