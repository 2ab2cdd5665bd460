package collect

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smithytime "github.com/aws/smithy-go/time"
)

// maxBody bounds one response body read by the capture (a 1000-key
// listing is well under 1 MiB).
const maxBody = 64 << 20

// captureClient reads each response body, notes its timestamps in the
// collector (captureTimes) and hands the SDK the same bytes.
type captureClient struct {
	next aws.HTTPClient
	c    *collector
}

func (h captureClient) Do(r *http.Request) (*http.Response, error) {
	resp, err := h.next.Do(r)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	h.c.captureTimes(body)
	return resp, nil
}

// wrap puts the capture around a client's HTTP client.
func (c *collector) wrap(hc aws.HTTPClient) aws.HTTPClient {
	if hc == nil {
		hc = awshttp.NewBuildableClient()
	}
	return captureClient{next: hc, c: c}
}

var (
	xmlTime  = regexp.MustCompile(`<([A-Za-z][A-Za-z0-9]*)>([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(?:Z|[+-][0-9]{2}:?[0-9]{2}))</`)
	jsonTime = regexp.MustCompile(`"([A-Za-z][A-Za-z0-9]*)"\s*:\s*(-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)`)
)

// captureTimes notes every timestamp-looking member of a response body
// (an XML element holding an ISO 8601 time, a JSON member holding a
// number) under its member name and the instant the SDK parses it to
// (smithy's own parsers), so that the written file can print the
// response's own text, as the CLI does. Numbers that are not timestamps
// are noted too and never looked up.
func (c *collector) captureTimes(body []byte) {
	if c.wire == nil {
		c.wire = wireTimes{}
	}
	for _, m := range xmlTime.FindAllSubmatch(body, -1) {
		if t, err := smithytime.ParseDateTime(string(m[2])); err == nil {
			c.wire[wireKey{string(m[1]), t.UnixNano()}] = string(m[2])
		}
	}
	if len(body) > 0 && body[0] == '{' {
		for _, m := range jsonTime.FindAllSubmatch(body, -1) {
			if f, err := strconv.ParseFloat(string(m[2]), 64); err == nil {
				c.wire[wireKey{string(m[1]), smithytime.ParseEpochSeconds(f).UnixNano()}] = string(m[2])
			}
		}
	}
}
