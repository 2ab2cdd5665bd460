package kms

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Ciphertext blob format (version 1), what Encrypt and GenerateDataKey
// return and Decrypt and ReEncrypt accept:
//
//	offset  size  field
//	0       1     version, 0x01
//	1       16    the KMS key's id (the UUID's 16 bytes)
//	17      12    AES-GCM nonce, random
//	29      n+16  AES-256-GCM(key material, nonce, plaintext, aad)
//
// aad is the 17-byte header (version and key id) followed by the canonical
// encryption context (see canonicalContext), so a blob cannot be moved to
// another key, and decrypting it with any other encryption context fails
// authentication. The blob is opaque to callers, as AWS's is; its size is
// the plaintext's plus 45 bytes.
const (
	blobVersion   = 0x01
	blobHeaderLen = 1 + 16
	nonceLen      = 12
	tagLen        = 16
	blobOverhead  = blobHeaderLen + nonceLen + tagLen
	materialLen   = 32 // AES-256
)

var errBadBlob = errors.New("kms: malformed ciphertext blob")

// canonicalContext serializes an encryption context deterministically:
// the pairs sorted by key (byte order), each key and value preceded by its
// length as a 4-byte big-endian integer, the whole preceded by the pair
// count. An empty or nil context serializes to four zero bytes.
func canonicalContext(ec map[string]string) []byte {
	keys := make([]string, 0, len(ec))
	n := 4
	for k, v := range ec {
		keys = append(keys, k)
		n += 8 + len(k) + len(v)
	}
	slices.Sort(keys)
	out := make([]byte, 0, n)
	out = binary.BigEndian.AppendUint32(out, uint32(len(keys)))
	for _, k := range keys {
		v := ec[k]
		out = binary.BigEndian.AppendUint32(out, uint32(len(k)))
		out = append(out, k...)
		out = binary.BigEndian.AppendUint32(out, uint32(len(v)))
		out = append(out, v...)
	}
	return out
}

// uuidBytes parses a lowercase canonical UUID into its 16 bytes.
func uuidBytes(id string) ([16]byte, bool) {
	var b [16]byte
	if !isKeyID(id) {
		return b, false
	}
	hexs := id[0:8] + id[9:13] + id[14:18] + id[19:23] + id[24:36]
	if _, err := hex.Decode(b[:], []byte(hexs)); err != nil {
		return b, false
	}
	return b, true
}

func uuidString(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// isKeyID reports whether s is a key id: a lowercase canonical UUID.
func isKeyID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// newKeyID returns a random version-4 UUID in lowercase canonical form.
func newKeyID(rnd io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return uuidString(b[:]), nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// encryptBlob seals plaintext under material for the key keyID with the
// encryption context ec.
func encryptBlob(rnd io.Reader, keyID string, material, plaintext []byte, ec map[string]string) ([]byte, error) {
	id, ok := uuidBytes(keyID)
	if !ok {
		return nil, fmt.Errorf("kms: bad key id %q", keyID)
	}
	aead, err := newGCM(material)
	if err != nil {
		return nil, err
	}
	out := make([]byte, blobHeaderLen+nonceLen, blobOverhead+len(plaintext))
	out[0] = blobVersion
	copy(out[1:], id[:])
	if _, err := io.ReadFull(rnd, out[blobHeaderLen:]); err != nil {
		return nil, err
	}
	aad := append(out[:blobHeaderLen:blobHeaderLen], canonicalContext(ec)...)
	return aead.Seal(out, out[blobHeaderLen:], plaintext, aad), nil
}

// blobKeyID returns the id of the key a ciphertext blob names; ok is false
// for anything that is not a version-1 blob.
func blobKeyID(blob []byte) (string, bool) {
	if len(blob) < blobOverhead || blob[0] != blobVersion {
		return "", false
	}
	return uuidString(blob[1:blobHeaderLen]), true
}

// decryptBlob opens a blob with the key's material and the encryption
// context; any tampering, the wrong key or the wrong context yields
// errBadBlob.
func decryptBlob(material, blob []byte, ec map[string]string) ([]byte, error) {
	if len(blob) < blobOverhead || blob[0] != blobVersion {
		return nil, errBadBlob
	}
	aead, err := newGCM(material)
	if err != nil {
		return nil, err
	}
	aad := append(blob[:blobHeaderLen:blobHeaderLen], canonicalContext(ec)...)
	pt, err := aead.Open(nil, blob[blobHeaderLen:blobHeaderLen+nonceLen], blob[blobHeaderLen+nonceLen:], aad)
	if err != nil {
		return nil, errBadBlob
	}
	return pt, nil
}

// sealer seals key material with the master key for storage: AES-256-GCM,
// a random 12-byte nonce, the key's ARN as additional data; the sealed
// form is nonce || ciphertext || tag. A sealed key cannot be unsealed
// under another ARN, so records cannot be swapped between keys.
type sealer struct {
	aead cipher.AEAD
	rand io.Reader
}

func newSealer(master []byte, rnd io.Reader) (*sealer, error) {
	aead, err := newGCM(master)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead, rand: rnd}, nil
}

func (s *sealer) seal(arn string, material []byte) ([]byte, error) {
	out := make([]byte, nonceLen, nonceLen+len(material)+tagLen)
	if _, err := io.ReadFull(s.rand, out); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[:nonceLen], material, []byte(arn)), nil
}

func (s *sealer) unseal(arn string, sealed []byte) ([]byte, error) {
	if len(sealed) < nonceLen+tagLen {
		return nil, errors.New("sealed key material too short")
	}
	pt, err := s.aead.Open(nil, sealed[:nonceLen], sealed[nonceLen:], []byte(arn))
	if err != nil {
		return nil, errors.New("sealed key material does not open with the master key (wrong master.key, or the record was altered)")
	}
	return pt, nil
}
