# The CloudFront half of the configuration goes here:
# aws_cloudfront_origin_access_control and aws_cloudfront_distribution with
# aws_s3_bucket.origin.bucket_regional_domain_name as its origin.
#
# Until then the bucket policy and the key policy (s3_kms.tf) grant to this
# literal distribution ARN. When the distribution exists, replace the literal
# with aws_cloudfront_distribution.<name>.arn.
locals {
  distribution_arn = "arn:aws:cloudfront::000000000000:distribution/EDFDVBD6EXAMPLE"
}
