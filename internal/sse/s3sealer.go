package sse

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// S3MasterKeySize is the length of the SSE-S3 master key file: 32 random
// bytes (AES-256).
const S3MasterKeySize = 32

// S3KeyID is the key id S3Sealer records: the S3-managed master key, first
// generation. (A rotation would add a second id, keeping the first to
// unseal what it sealed.)
const S3KeyID = "s3-managed/1"

// s3SealVersion is the first byte of a key S3Sealer sealed.
const s3SealVersion = 1

// s3AD prefixes the additional data of a sealed key, so that a key sealed
// here is never mistaken for anything else sealed with the master key.
const s3AD = "edgegate/sse-s3/v1\x00"

// S3Sealer is the SSE-S3 KeySealer: data keys are sealed with AES-256-GCM
// under a master key the server keeps in a file, with the encryption
// context as additional data. A sealed key is 61 bytes: version (1), nonce
// (12), the encrypted data key (32) and the tag (16). It authorizes
// nothing (S3 has authorized the request) and ignores SealRequest.KeyID
// but for refusing a non-empty one. It keeps no KeyCache: unsealing one
// key (AES-GCM over 32 bytes, ~0.2 µs) costs less than a cache lookup,
// which hashes the sealed key and the context (~0.3 µs).
type S3Sealer struct {
	aead cipher.AEAD
}

var _ KeySealer = (*S3Sealer)(nil)

// NewS3Sealer returns an S3Sealer over the given master key
// (S3MasterKeySize bytes).
func NewS3Sealer(masterKey []byte) (*S3Sealer, error) {
	if len(masterKey) != S3MasterKeySize {
		return nil, fmt.Errorf("sse: SSE-S3 master key of %d bytes, want %d", len(masterKey), S3MasterKeySize)
	}
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &S3Sealer{aead: aead}, nil
}

// OpenS3Sealer returns an S3Sealer over the master key in the file path
// (DATADIR/sse/s3-master.key), creating the file (mode 0600, in a
// directory created 0700) with a new random key if it does not exist. It
// refuses a file that group or others may access in any way (the fix is
// chmod 600), a file that is not a regular file, and a file that does not
// hold exactly S3MasterKeySize bytes. Losing the file loses every object
// encrypted with SSE-S3: it must be backed up with the data directory.
func OpenS3Sealer(path string) (*S3Sealer, error) {
	key, err := readMasterKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createMasterKey(path)
	}
	if err != nil {
		return nil, err
	}
	return NewS3Sealer(key)
}

func readMasterKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("sse: SSE-S3 master key %s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("sse: refusing the SSE-S3 master key %s: its mode %04o lets group or others access it (chmod 600 it)", path, perm)
	}
	key := make([]byte, S3MasterKeySize+1)
	if n, _ := f.ReadAt(key, 0); n != S3MasterKeySize {
		return nil, fmt.Errorf("sse: SSE-S3 master key %s holds %d bytes, want %d", path, st.Size(), S3MasterKeySize)
	}
	return key[:S3MasterKeySize], nil
}

// createMasterKey writes a new key to a temp file, syncs it, links it into
// place (failing if another process created the key meanwhile, whose key
// is then read) and syncs the directory.
func createMasterKey(path string) ([]byte, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sse: creating %s: %w", dir, err)
	}
	key := make([]byte, S3MasterKeySize)
	_, _ = rand.Read(key) // crypto/rand never fails (it panics instead)
	tmp := path + ".tmp"
	_ = os.Remove(tmp) // a crash's leftover
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sse: creating the SSE-S3 master key: %w", err)
	}
	_, err = f.Write(key)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp, path)
	}
	_ = os.Remove(tmp)
	if errors.Is(err, fs.ErrExist) {
		return readMasterKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("sse: creating the SSE-S3 master key: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return nil, fmt.Errorf("sse: syncing %s: %w", dir, err)
		}
	}
	return key, nil
}

func s3AdditionalData(ec map[string]string) []byte {
	return append([]byte(s3AD), CanonicalContext(ec)...)
}

// Seal returns a fresh data key sealed under the master key and bound to
// req.EncryptionContext, and S3KeyID.
func (s *S3Sealer) Seal(_ context.Context, req SealRequest) (dataKey, sealed []byte, keyID string, err error) {
	if req.KeyID != "" && req.KeyID != S3KeyID {
		return nil, nil, "", fmt.Errorf("%w: SSE-S3 has no key %q", ErrNoSuchKey, req.KeyID)
	}
	dataKey = make([]byte, DataKeySize)
	_, _ = rand.Read(dataKey)
	sealed = make([]byte, 1+12, 1+12+DataKeySize+TagSize)
	sealed[0] = s3SealVersion
	_, _ = rand.Read(sealed[1:13])
	sealed = s.aead.Seal(sealed, sealed[1:13], dataKey, s3AdditionalData(req.EncryptionContext))
	return dataKey, sealed, S3KeyID, nil
}

// Unseal returns the data key sealed. It fails with ErrNoSuchKey for a key id other than S3KeyID and with
// ErrTampered when sealed does not authenticate with this master key and
// req.EncryptionContext.
func (s *S3Sealer) Unseal(_ context.Context, sealed []byte, keyID string, req UnsealRequest) ([]byte, error) {
	if keyID != S3KeyID {
		return nil, fmt.Errorf("%w: SSE-S3 has no key %q", ErrNoSuchKey, keyID)
	}
	return s.open(sealed, req.EncryptionContext)
}

func (s *S3Sealer) open(sealed []byte, ec map[string]string) ([]byte, error) {
	if len(sealed) != 1+12+DataKeySize+TagSize || sealed[0] != s3SealVersion {
		return nil, fmt.Errorf("%w: sealed SSE-S3 key of %d bytes", ErrTampered, len(sealed))
	}
	key, err := s.aead.Open(nil, sealed[1:13], sealed[13:], s3AdditionalData(ec))
	if err != nil {
		return nil, fmt.Errorf("%w: sealed SSE-S3 key", ErrTampered)
	}
	return key, nil
}
