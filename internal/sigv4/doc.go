// Package sigv4 verifies and creates AWS Signature Version 4 signatures the
// way AWS does: the Authorization header form, presigned URLs (query
// parameters), and the aws-chunked streaming payloads S3 accepts, with or
// without trailing checksums. It depends only on the standard library and on
// internal/awsapi for its error values, so it can be used on its own.
//
// # Verifying
//
// A Verifier looks up secrets through a Credentials implementation and
// returns, for every request, either a *Result or an *awsapi.Error carrying
// the code, HTTP status, message and extra fields S3 would send (for example
// SignatureDoesNotMatch with the canonical request and string to sign):
//
//	v := &sigv4.Verifier{Creds: keys}
//	res, err := v.Verify(r)
//	if err != nil { /* render the *awsapi.Error */ }
//	r.Body = res.Body // decoded and checked against what the signature promised
//
// Verification decides by the credential scope's service:
//
//   - "s3": the canonical URI is the path exactly as sent (no dot-segment
//     removal, no second encoding; bytes that cannot appear in a URI are
//     percent-encoded); the x-amz-content-sha256 header is required for
//     header authentication; presigned requests default to UNSIGNED-PAYLOAD;
//     every x-amz-* header present must be signed (else AccessDenied with
//     the HeadersNotSigned field, as S3 answers).
//   - any other service (iam, sts, kms, cloudfront, ...): the path is
//     normalised (dot segments removed, empty segments merged) and encoded a
//     second time; when x-amz-content-sha256 is absent the body is read into
//     memory (at most MaxBufferedBody bytes) and hashed.
//
// Verifier.PathMode overrides the URI rule, which the AWS test-suite vectors
// (signed for the service "service") need.
//
// Errors are worded as S3 words them until the credential scope names
// another service; from then on they are the ones that service sends
// (InvalidClientTokenId, IncompleteSignature, "Signature expired: ..." for
// iam, sts, cloudfront; UnrecognizedClientException and
// InvalidSignatureException for kms).
//
// Presigned URLs: X-Amz-Expires must be a number from 0 to 604800 (S3's
// messages for the other cases); a URL is valid from X-Amz-Date minus the
// allowed skew until X-Amz-Date plus X-Amz-Expires, so X-Amz-Expires=0 is
// accepted as a parameter and then expires at once.
//
// # Payloads
//
// Result.Body yields the payload the handler should see. For a hex
// x-amz-content-sha256 the body is hashed while it is read and the final Read
// returns XAmzContentSHA256Mismatch instead of io.EOF on a mismatch. For the
// aws-chunked variants (STREAMING-AWS4-HMAC-SHA256-PAYLOAD,
// STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER)
// the chunk framing is removed, every chunk signature and the trailer
// signature are checked, the trailers declared in x-amz-trailer are collected
// (Result.Trailer) and the decoded length is compared with
// x-amz-decoded-content-length. Data is streamed: a chunk's bytes are handed
// out before its signature can be checked at the chunk's end, so a caller
// must read Body to io.EOF and treat everything it read as untrusted until
// then. Any failure, including a body cut short, is returned by Read as an
// error, never as a clean io.EOF.
//
// # What is not supported
//
// Signature Version 2 (Authorization: AWS AKID:signature, or the
// AWSAccessKeyId/Signature query parameters) is rejected with 400
// InvalidRequest "The authorization mechanism you have provided is not
// supported. Please use AWS4-HMAC-SHA256.", which is what S3 answers in the
// regions that only accept Signature Version 4. Signature Version 4A
// (AWS4-ECDSA-P256-SHA256, and the STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD
// payloads) is answered with 501 NotImplemented. POST policy (browser form)
// uploads are not authenticated here: their signature lives in the form body
// and belongs to the S3 handler.
//
// # Signing
//
// SignRequest and Presign create signatures with the same canonicalisation
// code the verifier uses, for tests and for components that call AWS-shaped
// services (the CloudFront edge signing origin requests).
package sigv4
