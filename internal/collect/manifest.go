package collect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// ManifestName is the manifest's file name in the bundle directory.
const ManifestName = "_collect.json"

// ManifestVersion is the version of the manifest's format.
const ManifestVersion = 1

// Outcomes of a call.
const (
	// OutcomeOK: the call succeeded and its answer is in File.
	OutcomeOK = "ok"
	// OutcomeNotFound: the service answered that the thing does not exist
	// (NoSuchBucketPolicy, NoSuchPublicAccessBlockConfiguration,
	// OwnershipControlsNotFoundError,
	// ServerSideEncryptionConfigurationNotFoundError,
	// NoSuchWebsiteConfiguration, HeadObject's 404, NoSuchBucket,
	// NoSuchDistribution, KMS NotFoundException, ...). The answer is
	// known: absent. No file is written, as the CLI prints none.
	OutcomeNotFound = "not-found"
	// OutcomeRefused: the caller may not look (403, AccessDenied...).
	// Nothing is known about the thing.
	OutcomeRefused = "refused"
	// OutcomeError: any other failure (network, throttling, 5xx, bad
	// request, a file that could not be written). Nothing is known.
	OutcomeError = "error"
)

// Manifest is _collect.json: every call the collector made, in order,
// with its outcome, and how each viewer path was mapped to an object.
type Manifest struct {
	Version        int          `json:"version"`
	Tool           string       `json:"tool"`
	DistributionID string       `json:"distribution_id"`
	Endpoint       string       `json:"endpoint,omitempty"`
	Region         string       `json:"region"`
	Started        string       `json:"started"`
	Keys           []KeyMapping `json:"keys"`
	Calls          []Call       `json:"calls"`
}

// KeyMapping is how one --key viewer path reaches its origin.
type KeyMapping struct {
	// Path is the viewer path as given.
	Path string `json:"path"`
	// Behavior is the PathPattern of the cache behaviour that matched,
	// "*" for the default one.
	Behavior string `json:"behavior,omitempty"`
	// OriginID is the behaviour's TargetOriginId.
	OriginID string `json:"origin_id,omitempty"`
	// Bucket and Key are the S3 object the origin request names ("" for
	// a custom origin or an unknown origin id).
	Bucket string `json:"bucket,omitempty"`
	Key    string `json:"key,omitempty"`
	// Website is true for an S3 website-endpoint origin.
	Website bool `json:"website,omitempty"`
	// Note says why there is no object, or what was assumed.
	Note string `json:"note,omitempty"`
}

// Call is one AWS call.
type Call struct {
	// Command is the equivalent aws CLI command line.
	Command string `json:"command"`
	// Path is the bundle-relative path of the file that holds (ok) or
	// would hold (any other outcome) the answer; "" only for a KMS alias
	// that could not be resolved to a key id.
	Path string `json:"path,omitempty"`
	// File is Path when the file was written (outcome ok only).
	File string `json:"file,omitempty"`
	// Outcome is ok, not-found, refused or error.
	Outcome string `json:"outcome"`
	// ErrorCode is the service's error code (AccessDenied,
	// NoSuchBucketPolicy...), HTTPStatus its status, Message its message.
	ErrorCode  string `json:"error_code,omitempty"`
	HTTPStatus int    `json:"http_status,omitempty"`
	Message    string `json:"message,omitempty"`
}

// Failed lists the calls that were refused or failed (not-found answers
// are answers).
func (m *Manifest) Failed() []Call {
	var out []Call
	for _, c := range m.Calls {
		if c.Outcome == OutcomeRefused || c.Outcome == OutcomeError {
			out = append(out, c)
		}
	}
	return out
}

// ReadManifest reads DIR/_collect.json. A bundle made by hand has none:
// the error then satisfies errors.Is(err, fs.ErrNotExist).
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestName, err)
	}
	if m.Version != ManifestVersion {
		return nil, fmt.Errorf("%s: version %d, want %d", ManifestName, m.Version, ManifestVersion)
	}
	return &m, nil
}

// Outcomes maps each layout path to its call's outcome: what a bundle
// reader needs to tell a file that is absent because AWS said "no such
// thing" (OutcomeNotFound: known absent) from one that is absent because
// the call was refused or failed (unknown). When a path was asked more
// than once, the last call wins.
func (m *Manifest) Outcomes() map[string]Call {
	out := make(map[string]Call, len(m.Calls))
	for _, c := range m.Calls {
		if c.Path != "" {
			out[c.Path] = c
		}
	}
	return out
}

func (c *collector) writeManifest() error {
	if c.m.Keys == nil {
		c.m.Keys = []KeyMapping{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c.m); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(c.opts.Out, ManifestName), b.Bytes(), 0o644)
}

// notFoundCodes are error codes that answer "does not exist" whatever
// their status.
var notFoundCodes = map[string]bool{
	"NotFound": true, "NotFoundException": true,
	"OwnershipControlsNotFoundError":                 true,
	"ServerSideEncryptionConfigurationNotFoundError": true,
}

// classify turns a call's error into an outcome, code, status and message.
func classify(err error) (outcome, code string, status int, msg string) {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code, msg = ae.ErrorCode(), ae.ErrorMessage()
	} else {
		msg = err.Error()
	}
	switch {
	case notFoundCodes[code] || strings.HasPrefix(code, "NoSuch") || (status == 404 && ae != nil):
		outcome = OutcomeNotFound
	case status == 401 || status == 403 || strings.Contains(code, "AccessDenied") ||
		code == "Forbidden" || code == "UnauthorizedOperation" || code == "InvalidClientTokenId" ||
		code == "SignatureDoesNotMatch" || code == "ExpiredToken" || code == "InvalidAccessKeyId":
		outcome = OutcomeRefused
	default:
		outcome = OutcomeError
	}
	if code == "" && status != 0 {
		// A HEAD answer has no body: the SDK names the error by status.
		code = httpStatusCode(status)
	}
	return outcome, code, status, msg
}

func httpStatusCode(status int) string {
	switch status {
	case 403:
		return "Forbidden"
	case 404:
		return "NotFound"
	case 400:
		return "BadRequest"
	}
	return ""
}
