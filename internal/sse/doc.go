// Package sse encrypts blobs at rest: a chunked AES-256-GCM format in which
// every blob carries its own data key, sealed by a KeySealer, so that a
// range of a large blob is read by decrypting only the chunks it touches.
// It knows nothing of S3 or HTTP: the S3 layer decides which sealer and
// which encryption context an object uses.
//
// # Format (version 1)
//
// All integers are big-endian. A blob is a header followed by chunks.
//
//	offset  size  field
//	0       4     magic "EGSE"
//	4       1     version: 1
//	5       1     algorithm: 1 (AES-256-GCM in chunks, AlgAES256GCMChunked)
//	6       2     reserved: zero
//	8       4     chunk size C: plaintext bytes per chunk, a power of two
//	              from 1 KiB to 16 MiB (DefaultChunkSize, 64 KiB, by default)
//	12      8     nonce prefix: random, chosen by the writer
//	20      2     K: length of the key id (at most MaxKeyIDLen)
//	22      K     key id: which key sealed the data key (UTF-8, opaque here)
//	22+K    2     S: length of the sealed data key (1 to MaxSealedKeyLen)
//	24+K    S     sealed data key: opaque bytes from KeySealer.Seal
//
// The header is H = 24+K+S bytes long. A plaintext of P bytes is cut into
// n = max(1, ceil(P/C)) chunks: chunk i holds plaintext bytes
// [i·C, min((i+1)·C, P)); the last chunk may be short, and an empty
// plaintext has one empty chunk. Chunk i is stored as its AES-256-GCM
// ciphertext followed by the 16-byte tag, sealed with
//
//	key    the 32-byte data key
//	nonce  nonce prefix (8 bytes) || uint32(i)            (12 bytes)
//	AD     SHA-256(header bytes) || uint32(i) || final     (37 bytes)
//
// where final is 1 for the last chunk (i = n-1) and 0 for every other.
// The blob is therefore H + P + 16·n bytes long, and the layout is fully
// determined by its length and the header (Header.PlaintextSize).
//
// What the additional data buys: the header hash binds every chunk to this
// blob's header (chunk size, key id, sealed key, nonce prefix), so a
// header edit or a chunk spliced from another blob fails authentication;
// the index makes reordered chunks fail; the final flag makes a blob cut
// at a chunk boundary fail (the new last chunk was sealed as not final)
// and an appended chunk fail (the old last chunk was sealed as final).
// Every such failure is ErrTampered; a reader never returns bytes that did
// not authenticate.
//
// The data key is fresh for every blob (KeySealer.Seal's contract), so
// nonces never repeat under one key; the random prefix adds a margin if a
// sealer ever broke that contract.
//
// # Keys
//
// A KeySealer turns a fresh data key into sealed bytes stored in the
// header, and back. S3Sealer (SSE-S3) seals data keys with a master key
// kept in a file only the server's user may read; an SSE-KMS sealer seals
// them with a KMS key's material, authorizing kms:GenerateDataKey and
// kms:Decrypt as the requester. KeyCache keeps unsealed data keys for a
// while so that reads of hot objects do not pay for unsealing each time.
package sse
