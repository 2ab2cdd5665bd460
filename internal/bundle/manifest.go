package bundle

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// ManifestName is the file `edgegate doctor collect` writes next to the
// outputs (docs/collect.md): every call with its outcome. A call that got
// no answer leaves no file, so the manifest is what tells "AWS said it
// does not exist" (outcome not-found) from "the collector may not look"
// (refused, error) and from "never asked" (no call).
const ManifestName = "_collect.json"

// manifestDoc is the part of the manifest the reader uses.
type manifestDoc struct {
	Version int `json:"version"`
	Calls   []struct {
		Command   string `json:"command"`
		File      string `json:"file"`
		Outcome   string `json:"outcome"`
		ErrorCode string `json:"error_code"`
		Message   string `json:"message"`
	} `json:"calls"`
}

// readManifest records the manifest's failed calls as Absent (not-found)
// or Refused (refused, error), and returns the files whose call succeeded
// (an empty such file is an empty answer, not a truncated file).
func (r *reader) readManifest() map[string]bool {
	ok := map[string]bool{}
	data, err := os.ReadFile(filepath.Join(r.root, ManifestName))
	if errors.Is(err, os.ErrNotExist) {
		return ok
	}
	if err != nil {
		r.problem(ManifestName, err)
		return ok
	}
	var m manifestDoc
	if err := json.Unmarshal(data, &m); err != nil {
		r.problem(ManifestName, jsonErr(err))
		return ok
	}
	if m.Version != 1 {
		r.problem(ManifestName, fmt.Errorf("version %d; this reader knows version 1", m.Version))
		return ok
	}
	for _, c := range m.Calls {
		p := c.File
		if p == "" {
			p = CommandPath(c.Command)
		}
		if p == "" {
			continue
		}
		switch c.Outcome {
		case "ok":
			ok[p] = true
		case "not-found":
			r.b.Absent = append(r.b.Absent, p)
			r.manifestAbsent(p, c.ErrorCode)
		case "refused", "error":
			code := c.ErrorCode
			if code == "" {
				code = c.Outcome
			}
			r.b.Refused[p] = APIError{Code: code, Message: c.Message}
		default:
			r.problem(ManifestName, fmt.Errorf("call %q: unknown outcome %q", c.Command, c.Outcome))
		}
	}
	return ok
}

// manifestAbsent notes a bucket the manifest says does not exist.
func (r *reader) manifestAbsent(p, code string) {
	if code != "NoSuchBucket" {
		return
	}
	parts := strings.SplitN(p, "/", 3)
	if len(parts) == 3 && parts[0] == "s3" {
		r.noSuchBucket[parts[1]] = true
	}
}

// CommandPath returns the bundle path of the output of an aws CLI command
// line of the layout ("aws s3api get-bucket-policy --bucket site" is
// s3/site/get-bucket-policy.json), or "" for a command that is not one.
// Arguments may be single-quoted as a POSIX shell reads them.
func CommandPath(cmd string) string {
	w := shellWords(cmd)
	if len(w) < 3 || w[0] != "aws" {
		return ""
	}
	svc, op := w[1], w[2]
	flags := map[string]string{}
	for i := 3; i+1 < len(w); i++ {
		if strings.HasPrefix(w[i], "--") {
			flags[w[i]] = w[i+1]
			i++
		}
	}
	switch svc + " " + op {
	case "sts get-caller-identity":
		return PathCallerIdentity
	case "cloudfront get-distribution":
		return PathDistribution
	case "cloudfront list-invalidations":
		return PathInvalidations
	case "s3api list-buckets":
		return PathListBuckets
	case "s3control get-public-access-block":
		return PathAccountPublicAccessBlock
	}
	if id := flags["--id"]; svc == "cloudfront" && id != "" {
		switch op {
		case "get-origin-access-control":
			return OACPath(id)
		case "get-cloud-front-origin-access-identity":
			return OAIPath(id)
		case "get-cache-policy":
			return CachePolicyPath(id)
		case "get-origin-request-policy":
			return OriginRequestPolicyPath(id)
		}
	}
	if b := flags["--bucket"]; svc == "s3api" && b != "" {
		switch op {
		case "head-object", "get-object-acl":
			k := flags["--key"]
			if k == "" {
				return ""
			}
			if op == "head-object" {
				return HeadObjectPath(b, k)
			}
			return ObjectACLPath(b, k)
		case "list-objects-v2":
			if p, ok := flags["--prefix"]; ok {
				return PrefixListingPath(b, p)
			}
		}
		for _, f := range BucketFiles {
			if f == op+".json" {
				return BucketPath(b, f)
			}
		}
	}
	if ref := flags["--key-id"]; svc == "kms" && ref != "" && !strings.HasPrefix(ref, "alias/") && !strings.Contains(ref, ":alias/") {
		switch op {
		case "describe-key":
			return KMSPath(ref, FileDescribeKey)
		case "get-key-policy":
			return KMSPath(ref, FileGetKeyPolicy)
		}
	}
	return ""
}

// PrefixListingPath returns the path of a bucket's listing under a prefix
// (s3/BUCKET/list-objects-v2/PREFIX.json, PREFIX url.PathEscape'd).
func PrefixListingPath(bucket, prefix string) string {
	return "s3/" + bucket + "/list-objects-v2/" + url.PathEscape(prefix) + ".json"
}

// shellWords splits a command line as a POSIX shell does for plain words,
// single quotes and backslash escapes.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	in, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted:
			if c == '\'' {
				quoted = false
			} else {
				cur.WriteByte(c)
			}
		case c == '\'':
			quoted, in = true, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quoted {
		return nil // an unterminated quote: not a command line
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}
