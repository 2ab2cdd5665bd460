package authz

import (
	"strconv"
	"strings"
	"time"
)

// Key is a condition key S3 requests populate (spec §2.8).
type Key uint8

// The condition keys of an S3 request context.
const (
	KeySourceIP Key = iota
	KeySecureTransport
	KeyUserAgent
	KeyReferer
	KeyPrincipalARN
	KeyPrincipalAccount
	KeyPrincipalType
	KeyUserID
	KeyUsername
	KeyPrincipalServiceName
	KeyPrincipalIsAWSService
	KeySourceARN
	KeySourceAccount
	KeySourceVpc
	KeySourceVpce
	KeyRequestedRegion
	KeyPrefix
	KeyDelimiter
	KeyMaxKeys
	KeyACL
	KeySSE
	KeySSEKMSKeyID
	KeyResourceAccount
	KeyTLSVersion
	KeySignatureVersion
	KeyAuthType
	KeyContentSHA256
	KeyCopySource
	KeyMetadataDirective
	KeyStorageClass
	KeyGrantRead
	KeyGrantWrite
	KeyGrantReadACP
	KeyGrantWriteACP
	KeyGrantFullControl
	KeyObjectOwnership
	KeyVersionID
	numKeys
)

// keyNames are the lowercased key names, indexed by Key.
var keyNames = [numKeys]string{
	KeySourceIP:              "aws:sourceip",
	KeySecureTransport:       "aws:securetransport",
	KeyUserAgent:             "aws:useragent",
	KeyReferer:               "aws:referer",
	KeyPrincipalARN:          "aws:principalarn",
	KeyPrincipalAccount:      "aws:principalaccount",
	KeyPrincipalType:         "aws:principaltype",
	KeyUserID:                "aws:userid",
	KeyUsername:              "aws:username",
	KeyPrincipalServiceName:  "aws:principalservicename",
	KeyPrincipalIsAWSService: "aws:principalisawsservice",
	KeySourceARN:             "aws:sourcearn",
	KeySourceAccount:         "aws:sourceaccount",
	KeySourceVpc:             "aws:sourcevpc",
	KeySourceVpce:            "aws:sourcevpce",
	KeyRequestedRegion:       "aws:requestedregion",
	KeyPrefix:                "s3:prefix",
	KeyDelimiter:             "s3:delimiter",
	KeyMaxKeys:               "s3:max-keys",
	KeyACL:                   "s3:x-amz-acl",
	KeySSE:                   "s3:x-amz-server-side-encryption",
	KeySSEKMSKeyID:           "s3:x-amz-server-side-encryption-aws-kms-key-id",
	KeyResourceAccount:       "s3:resourceaccount",
	KeyTLSVersion:            "s3:tlsversion",
	KeySignatureVersion:      "s3:signatureversion",
	KeyAuthType:              "s3:authtype",
	KeyContentSHA256:         "s3:x-amz-content-sha256",
	KeyCopySource:            "s3:x-amz-copy-source",
	KeyMetadataDirective:     "s3:x-amz-metadata-directive",
	KeyStorageClass:          "s3:x-amz-storage-class",
	KeyGrantRead:             "s3:x-amz-grant-read",
	KeyGrantWrite:            "s3:x-amz-grant-write",
	KeyGrantReadACP:          "s3:x-amz-grant-read-acp",
	KeyGrantWriteACP:         "s3:x-amz-grant-write-acp",
	KeyGrantFullControl:      "s3:x-amz-grant-full-control",
	KeyObjectOwnership:       "s3:x-amz-object-ownership",
	KeyVersionID:             "s3:versionid",
}

// Name returns the key's name as policies write it, lowercased.
func (k Key) Name() string { return keyNames[k] }

// LookupKey returns the Key named name (any case), ok=false if S3 requests
// do not populate it.
func LookupKey(name string) (Key, bool) {
	return keyIndex(strings.ToLower(name))
}

// RequestContext is the condition-key values of one request. It is a value
// type (no references into the HTTP request), so the trace store keeps a
// copy and explain re-evaluates against exactly what the request carried.
// Use a pointer as the policy.Context: Values returns slices of its fields
// and so does not allocate.
type RequestContext struct {
	vals    [numKeys][1]string
	present [numKeys]bool
	// Time is the request time: aws:CurrentTime and aws:EpochTime.
	Time time.Time
	// time values, formatted on first use; timeFor is the Time they were
	// formatted from (a context reused or copied with a new Time must not
	// answer with the old one).
	timeVals [2][1]string
	timeFor  time.Time
	timeSet  bool
	// Extra holds keys outside the fixed set, and operator-set values
	// (docs/usage.md, "Operator context") that override fixed keys.
	// Keys lowercased.
	Extra map[string][]string
}

// Set records a single-valued key.
func (c *RequestContext) Set(k Key, v string) {
	c.vals[k][0] = v
	c.present[k] = true
}

// SetBool records a boolean key as "true"/"false".
func (c *RequestContext) SetBool(k Key, v bool) {
	c.Set(k, strconv.FormatBool(v))
}

// Get returns a fixed key's value.
func (c *RequestContext) Get(k Key) (string, bool) {
	return c.vals[k][0], c.present[k]
}

// SetExtra sets any key (name in any case) to values, overriding a fixed
// key of that name. It is how operator-set context reaches policies.
func (c *RequestContext) SetExtra(name string, values ...string) {
	if c.Extra == nil {
		c.Extra = make(map[string][]string)
	}
	c.Extra[strings.ToLower(name)] = values
}

// Values implements policy.Context.
func (c *RequestContext) Values(key string) ([]string, bool) {
	if c.Extra != nil {
		if v, ok := c.Extra[key]; ok {
			return v, len(v) > 0
		}
	}
	switch key {
	case "aws:currenttime", "aws:epochtime":
		if c.Time.IsZero() {
			return nil, false
		}
		if !c.timeSet || !c.timeFor.Equal(c.Time) {
			c.timeVals[0][0] = c.Time.UTC().Format("2006-01-02T15:04:05Z")
			c.timeVals[1][0] = strconv.FormatInt(c.Time.Unix(), 10)
			c.timeFor, c.timeSet = c.Time, true
		}
		if key == "aws:currenttime" {
			return c.timeVals[0][:], true
		}
		return c.timeVals[1][:], true
	}
	k, ok := keyIndex(key)
	if !ok || !c.present[k] {
		return nil, false
	}
	return c.vals[k][:], true
}

// keyByName indexes keyNames.
var keyByName = func() map[string]Key {
	m := make(map[string]Key, numKeys)
	for k, n := range keyNames {
		m[n] = Key(k)
	}
	return m
}()

// keyIndex maps a lowercased key name to its Key without allocating.
func keyIndex(key string) (Key, bool) {
	k, ok := keyByName[key]
	return k, ok
}
