package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Write writes b into dir in the bundle layout (creating dir), one file per
// member present, indented with four spaces as the aws CLI prints JSON;
// Absent and Refused paths are written as error files. Read(dir) gives
// back b's content (Missing recomputed). Write is for tests, the scenario
// corpus and tools that edit a bundle; collectors write the CLI's bytes.
// Absent members are left out (as the CLI leaves them out), and an empty
// list of invalidations is an empty file.
func (b *Bundle) Write(dir string) error {
	files := map[string]any{}
	put := func(rel string, v any) { files[rel] = v }
	if b.Distribution != nil {
		put(PathDistribution, b.Distribution)
	}
	if b.Invalidations != nil {
		if b.Invalidations.InvalidationList == nil {
			put(PathInvalidations, emptyOutput{}) // the CLI prints nothing for no invalidations
		} else {
			put(PathInvalidations, b.Invalidations)
		}
	}
	for id, v := range b.OriginAccessControls {
		put(OACPath(id), v)
	}
	for id, v := range b.OriginAccessIdentities {
		put(OAIPath(id), v)
	}
	for id, v := range b.CachePolicies {
		put(CachePolicyPath(id), v)
	}
	for id, v := range b.OriginRequestPolicies {
		put(OriginRequestPolicyPath(id), v)
	}
	if b.ListBuckets != nil {
		put(PathListBuckets, b.ListBuckets)
	}
	if b.AccountPublicAccessBlock != nil {
		put(PathAccountPublicAccessBlock, b.AccountPublicAccessBlock)
	}
	if b.CallerIdentity != nil {
		put(PathCallerIdentity, b.CallerIdentity)
	}
	for name, bk := range b.Buckets {
		p := func(f string) string { return BucketPath(name, f) }
		if bk.Policy != nil {
			put(p(FileBucketPolicy), bk.Policy)
		}
		if bk.OwnershipControls != nil {
			put(p(FileBucketOwnershipControls), bk.OwnershipControls)
		}
		if bk.PublicAccessBlock != nil {
			put(p(FileBucketPublicAccessBlock), bk.PublicAccessBlock)
		}
		if bk.ACL != nil {
			put(p(FileBucketACL), bk.ACL)
		}
		if bk.Location != nil {
			put(p(FileBucketLocation), bk.Location)
		}
		if bk.Encryption != nil {
			put(p(FileBucketEncryption), bk.Encryption)
		}
		if bk.RequestPayment != nil {
			put(p(FileBucketRequestPayment), bk.RequestPayment)
		}
		if bk.Website != nil {
			put(p(FileBucketWebsite), bk.Website)
		}
		if bk.Objects != nil {
			put(p(FileListObjectsV2), bk.Objects)
		}
		for prefix, l := range bk.PrefixListings {
			put(PrefixListingPath(name, prefix), l)
		}
		for key, h := range bk.HeadObjects {
			put(HeadObjectPath(name, key), h)
		}
		for key, a := range bk.ObjectACLs {
			put(ObjectACLPath(name, key), a)
		}
	}
	for _, k := range b.KMSKeys {
		if k.DescribeKey != nil {
			put("kms/"+k.Dir+"/"+FileDescribeKey, k.DescribeKey)
		}
		if k.KeyPolicy != nil {
			put("kms/"+k.Dir+"/"+FileGetKeyPolicy, k.KeyPolicy)
		}
	}
	for _, rel := range b.Absent {
		if _, ok := files[rel]; !ok {
			put(rel, errorFile{Error: &APIError{Code: absentCodeFor(rel)}})
		}
	}
	for rel, e := range b.Refused {
		if _, ok := files[rel]; !ok {
			put(rel, errorFile{Error: &APIError{Code: e.Code, Message: e.Message}})
		}
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, rel := range paths {
		var data []byte
		if _, empty := files[rel].(emptyOutput); !empty {
			var err error
			if data, err = cliJSON(files[rel]); err != nil {
				return fmt.Errorf("bundle: write %s: %w", rel, err)
			}
			data = append(data, '\n')
		}
		full := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
	}
	return nil
}

// emptyOutput is a call whose output is empty.
type emptyOutput struct{}

// cliJSON renders v as the aws CLI prints its output: absent (nil)
// members left out, except get-bucket-location's LocationConstraint (null
// for us-east-1), four-space indentation, <>& unescaped; object members in
// alphabetical order (the CLI follows the model's order; the content is
// the same).
func cliJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(dropNulls(tree)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func dropNulls(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil && k != "LocationConstraint" {
				delete(t, k)
				continue
			}
			t[k] = dropNulls(e)
		}
	case []any:
		for i := range t {
			t[i] = dropNulls(t[i])
		}
	}
	return v
}

// absentCodeFor returns the error code AWS gives for a file's thing not
// existing.
func absentCodeFor(rel string) string {
	switch filepath.Base(rel) {
	case FileBucketPolicy:
		return "NoSuchBucketPolicy"
	case FileBucketOwnershipControls:
		return "OwnershipControlsNotFoundError"
	case FileBucketPublicAccessBlock:
		return "NoSuchPublicAccessBlockConfiguration"
	case FileBucketEncryption:
		return "ServerSideEncryptionConfigurationNotFoundError"
	case FileBucketWebsite:
		return "NoSuchWebsiteConfiguration"
	case FileDescribeKey, FileGetKeyPolicy:
		return "NotFoundException"
	}
	switch filepath.Base(filepath.Dir(rel)) {
	case DirHeadObject:
		return "404"
	case DirObjectACL:
		return "NoSuchKey"
	}
	return "NotFound"
}
