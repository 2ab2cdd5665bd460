package s3

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// Known vectors: "hello world" as in aws-sdk-go-v2's checksum tests, ""
// and the CRC catalogue's check input "123456789".
func TestChecksumVectors(t *testing.T) {
	tests := []struct {
		algo, input, want string
	}{
		{algCRC32, "hello world", "DUoRhQ=="},
		{algCRC32C, "hello world", "yZRlqg=="},
		{algCRC64NVME, "hello world", "jSnVw/bqjr4="},
		{algSHA1, "hello world", "Kq5sNclPz7QV2+lfQIuc6R7oRu0="},
		{algSHA256, "hello world", "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="},
		{algCRC32, "", "AAAAAA=="},
		{algCRC64NVME, "", "AAAAAAAAAAA="},
		{algSHA256, "", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
		// check values of the CRC catalogue: CRC-32 0xcbf43926,
		// CRC-32C 0xe3069283, CRC-64/NVME 0xae8b14860a799888.
		{algCRC32, "123456789", b64hex(0xcb, 0xf4, 0x39, 0x26)},
		{algCRC32C, "123456789", b64hex(0xe3, 0x06, 0x92, 0x83)},
		{algCRC64NVME, "123456789", b64hex(0xae, 0x8b, 0x14, 0x86, 0x0a, 0x79, 0x98, 0x88)},
	}
	for _, tt := range tests {
		a := checksumAlgoByName(tt.algo)
		if a == nil {
			t.Fatalf("no algorithm %s", tt.algo)
		}
		if got := a.checksumOf([]byte(tt.input)); got != tt.want {
			t.Errorf("%s(%q) = %s, want %s", tt.algo, tt.input, got, tt.want)
		}
		if !a.validValue(tt.want) {
			t.Errorf("%s: validValue(%s) = false", tt.algo, tt.want)
		}
		// Streaming in pieces gives the same value.
		h := a.New()
		for _, c := range []byte(tt.input) {
			h.Write([]byte{c})
		}
		if got := checksumString(h); got != tt.want {
			t.Errorf("%s streamed = %s, want %s", tt.algo, got, tt.want)
		}
	}
}

func b64hex(b ...byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestChecksumAlgoLookup(t *testing.T) {
	for _, name := range []string{"crc32", "CRC32", "Crc32c", "crc64nvme", "sha1", "SHA256"} {
		if checksumAlgoByName(name) == nil {
			t.Errorf("checksumAlgoByName(%q) = nil", name)
		}
	}
	if checksumAlgoByName("md5") != nil || checksumAlgoByName("sha512") != nil {
		t.Error("unsupported algorithm found")
	}
	if a := checksumAlgoByHeader("x-amz-checksum-crc32c"); a == nil || a.Name != algCRC32C {
		t.Errorf("by header: %v", a)
	}
	a := checksumAlgoByName(algCRC32)
	for _, v := range []string{"", "DUoRhQ=", "DUoRhQ==x", "!!!!!!==", "Kq5sNclPz7QV2+lfQIuc6R7oRu0="} {
		if a.validValue(v) {
			t.Errorf("CRC32 validValue(%q) = true", v)
		}
	}
}

func TestRequestedChecksum(t *testing.T) {
	tests := []struct {
		name    string
		header  map[string]string
		algo    string // "" none
		trailer bool
		code    string // error code, "" for none
		msg     string // substring of the error message
	}{
		{name: "none", header: nil},
		{name: "header", header: map[string]string{"X-Amz-Checksum-Crc32": "DUoRhQ=="}, algo: algCRC32},
		{name: "header with sdk algorithm", header: map[string]string{"X-Amz-Checksum-Sha256": "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=", "X-Amz-Sdk-Checksum-Algorithm": "SHA256"}, algo: algSHA256},
		{name: "trailer", header: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32", "X-Amz-Sdk-Checksum-Algorithm": "CRC32"}, algo: algCRC32, trailer: true},
		{name: "trailer crc64nvme", header: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc64nvme"}, algo: algCRC64NVME, trailer: true},
		{name: "two headers", header: map[string]string{"X-Amz-Checksum-Crc32": "DUoRhQ==", "X-Amz-Checksum-Crc32c": "yZRlqg=="}, code: "InvalidRequest", msg: "Multiple checksum Types"},
		{name: "bad value", header: map[string]string{"X-Amz-Checksum-Crc32": "nope"}, code: "InvalidRequest", msg: "x-amz-checksum-crc32 header is invalid"},
		{name: "unknown sdk algorithm", header: map[string]string{"X-Amz-Sdk-Checksum-Algorithm": "MD5", "X-Amz-Checksum-Crc32": "DUoRhQ=="}, code: "InvalidRequest", msg: "unsupported"},
		{name: "sdk algorithm alone", header: map[string]string{"X-Amz-Sdk-Checksum-Algorithm": "CRC32"}, code: "InvalidRequest", msg: "no corresponding"},
		{name: "sdk algorithm differs", header: map[string]string{"X-Amz-Sdk-Checksum-Algorithm": "SHA1", "X-Amz-Checksum-Crc32": "DUoRhQ=="}, code: "BadDigest", msg: "SHA1 you specified"},
		{name: "unknown trailer", header: map[string]string{"X-Amz-Trailer": "x-amz-checksum-md5"}, code: "InvalidRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			ck, err := requestedChecksum(h)
			if tt.code != "" {
				var ae *awsapi.Error
				if !errors.As(err, &ae) || ae.Code != tt.code || !strings.Contains(ae.Message, tt.msg) {
					t.Fatalf("err = %v, want %s containing %q", err, tt.code, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if ck.algo != nil {
				got = ck.algo.Name
			}
			if got != tt.algo || ck.trailer != tt.trailer {
				t.Errorf("algo %q trailer %v, want %q %v", got, ck.trailer, tt.algo, tt.trailer)
			}
		})
	}
}

func TestBadChecksumMessage(t *testing.T) {
	var ae *awsapi.Error
	if !errors.As(errBadChecksum(checksumAlgoByName("crc32")), &ae) {
		t.Fatal("not an awsapi.Error")
	}
	if ae.Code != "BadDigest" || ae.Status != 400 || ae.Message != "The CRC32 you specified did not match the calculated checksum." {
		t.Errorf("got %d %s %q", ae.Status, ae.Code, ae.Message)
	}
}

func TestDeclaredLength(t *testing.T) {
	mk := func(cl int64, h map[string]string) *http.Request {
		r, _ := http.NewRequest("PUT", "http://x/b/k", nil)
		r.ContentLength = cl
		for k, v := range h {
			r.Header.Set(k, v)
		}
		return r
	}
	if n, err := declaredLength(mk(10, nil)); n != 10 || err != nil {
		t.Errorf("plain: %d %v", n, err)
	}
	if _, err := declaredLength(mk(-1, nil)); !isCode(err, "MissingContentLength") {
		t.Errorf("no length: %v", err)
	}
	chunked := map[string]string{"X-Amz-Content-Sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "X-Amz-Decoded-Content-Length": "5"}
	if n, err := declaredLength(mk(99, chunked)); n != 5 || err != nil {
		t.Errorf("chunked: %d %v", n, err)
	}
	if _, err := declaredLength(mk(99, map[string]string{"Content-Encoding": "aws-chunked"})); !isCode(err, "MissingContentLength") {
		t.Errorf("chunked without decoded length: %v", err)
	}
}

func isCode(err error, code string) bool {
	var ae *awsapi.Error
	return errors.As(err, &ae) && ae.Code == code
}
