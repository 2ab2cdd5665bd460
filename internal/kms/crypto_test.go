package kms

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
)

func TestCanonicalContext(t *testing.T) {
	a := canonicalContext(map[string]string{"b": "2", "a": "1"})
	b := canonicalContext(map[string]string{"a": "1", "b": "2"})
	if !bytes.Equal(a, b) {
		t.Error("canonical form depends on map order")
	}
	// Length prefixes keep boundaries: {"a":"bc"} and {"ab":"c"} differ.
	if bytes.Equal(canonicalContext(map[string]string{"a": "bc"}), canonicalContext(map[string]string{"ab": "c"})) {
		t.Error("ambiguous serialization")
	}
	if !bytes.Equal(canonicalContext(nil), canonicalContext(map[string]string{})) {
		t.Error("nil and empty contexts differ")
	}
	if bytes.Equal(canonicalContext(nil), canonicalContext(map[string]string{"": ""})) {
		t.Error("empty context equals one empty pair")
	}
}

func TestKeyIDs(t *testing.T) {
	for i := 0; i < 100; i++ {
		id, err := newKeyID(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if !isKeyID(id) || id[14] != '4' || !bytes.ContainsAny([]byte{id[19]}, "89ab") {
			t.Fatalf("%q is not a lowercase v4 UUID", id)
		}
		b, ok := uuidBytes(id)
		if !ok || uuidString(b[:]) != id {
			t.Fatalf("%q does not round-trip", id)
		}
	}
	for _, bad := range []string{"", "1234abcd-12ab-34cd-56ef-1234567890aB", "1234abcd-12ab-34cd-56ef-1234567890a", "1234abcd+12ab-34cd-56ef-1234567890ab"} {
		if isKeyID(bad) {
			t.Errorf("isKeyID(%q)", bad)
		}
	}
}

func TestBlobRoundTripAndTamper(t *testing.T) {
	material := make([]byte, materialLen)
	rand.Read(material)
	id, _ := newKeyID(rand.Reader)
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::b/k", "purpose": "test"}
	pt := []byte("attack at dawn")
	blob, err := encryptBlob(rand.Reader, id, material, pt, ec)
	if err != nil {
		t.Fatal(err)
	}
	if len(blob) != len(pt)+blobOverhead {
		t.Errorf("blob is %d bytes, want %d", len(blob), len(pt)+blobOverhead)
	}
	if got, ok := blobKeyID(blob); !ok || got != id {
		t.Errorf("blobKeyID = %q, %v", got, ok)
	}
	got, err := decryptBlob(material, blob, ec)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("round trip: %q, %v", got, err)
	}
	// Same key, two encryptions: different blobs (random nonce).
	blob2, _ := encryptBlob(rand.Reader, id, material, pt, ec)
	if bytes.Equal(blob, blob2) {
		t.Error("two encryptions gave the same blob")
	}

	cases := []struct {
		name string
		ec   map[string]string
	}{
		{"no context", nil},
		{"missing pair", map[string]string{"purpose": "test"}},
		{"other value", map[string]string{"aws:s3:arn": "arn:aws:s3:::b/k", "purpose": "Test"}},
		{"extra pair", map[string]string{"aws:s3:arn": "arn:aws:s3:::b/k", "purpose": "test", "x": "y"}},
	}
	for _, c := range cases {
		if _, err := decryptBlob(material, blob, c.ec); !errors.Is(err, errBadBlob) {
			t.Errorf("%s: err = %v, want errBadBlob", c.name, err)
		}
	}
	for i := range blob {
		bad := bytes.Clone(blob)
		bad[i] ^= 0x01
		if _, err := decryptBlob(material, bad, ec); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
	if _, err := decryptBlob(material, blob[:len(blob)-1], ec); err == nil {
		t.Error("truncated blob decrypted")
	}
	other := bytes.Clone(material)
	other[0] ^= 1
	if _, err := decryptBlob(other, blob, ec); err == nil {
		t.Error("another key's material decrypted the blob")
	}
}

func TestSealer(t *testing.T) {
	master := make([]byte, 32)
	rand.Read(master)
	s, err := newSealer(master, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	material := make([]byte, 32)
	rand.Read(material)
	arn := "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-44cd-96ef-1234567890ab"
	sealed, err := s.seal(arn, material)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, material) {
		t.Fatal("sealed form contains the material")
	}
	got, err := s.unseal(arn, sealed)
	if err != nil || !bytes.Equal(got, material) {
		t.Fatalf("unseal: %v", err)
	}
	if _, err := s.unseal(arn[:len(arn)-1]+"c", sealed); err == nil {
		t.Error("sealed material opened under another ARN")
	}
	rand.Read(master)
	s2, _ := newSealer(master, rand.Reader)
	if _, err := s2.unseal(arn, sealed); err == nil {
		t.Error("sealed material opened with another master key")
	}
}
