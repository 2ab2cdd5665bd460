// Package cloudfront is edgegate's CloudFront control plane: the REST-XML
// API of version 2020-05-31 (distributions, origin access controls, origin
// access identities, invalidations, tags, cache and origin request
// policies) and the model of distributions the edge serves from.
//
// The XML shapes are generated from the botocore CloudFront model
// (shapes_gen.go, by internal/shapegen): a configuration is stored element
// for element as the client sent it, plus the defaults CloudFront fills
// in, so that clients which compare what they sent with what they read
// back (Terraform) see no difference.
//
// Every resource belongs to the account that created it; other accounts
// get the NoSuch* error, as CloudFront answers. Callers are authorized by
// their identity policies alone (CloudFront has no resource policies).
package cloudfront
