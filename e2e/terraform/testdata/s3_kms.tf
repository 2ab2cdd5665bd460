# The private origin bucket and its KMS key: the S3 and KMS half of an
# S3-backed CloudFront distribution. cloudfront.tf holds the distribution
# (for now only local.distribution_arn, the ARN the policies grant to).

locals {
  tags = {
    Project = "edgegate-e2e"
    Origin  = "s3"
  }
}

resource "aws_s3_bucket" "origin" {
  bucket = "edgegate-tf-origin"
  tags   = local.tags
}

resource "aws_s3_bucket_ownership_controls" "origin" {
  bucket = aws_s3_bucket.origin.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "origin" {
  bucket                  = aws_s3_bucket.origin.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# CloudFront (through origin access control) may read the objects, for this
# distribution only.
data "aws_iam_policy_document" "origin" {
  statement {
    sid       = "AllowCloudFrontServicePrincipalReadOnly"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.origin.arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [local.distribution_arn]
    }
  }
}

resource "aws_s3_bucket_policy" "origin" {
  bucket = aws_s3_bucket.origin.id
  policy = data.aws_iam_policy_document.origin.json
  # A policy is judged against the bucket's Block Public Access: set that first.
  depends_on = [aws_s3_bucket_public_access_block.origin]
}

resource "aws_kms_key" "origin" {
  description             = "edgegate terraform e2e: origin objects"
  deletion_window_in_days = 7
  enable_key_rotation     = true
  tags                    = local.tags
  policy = jsonencode({
    Version = "2012-10-17"
    Id      = "origin-key"
    Statement = [
      {
        Sid       = "EnableRootAccountPermissions"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "AllowCloudFrontServicePrincipalSSE-KMS"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = ["kms:Decrypt"]
        Resource  = "*"
        Condition = {
          StringEquals = { "AWS:SourceArn" = local.distribution_arn }
        }
      },
    ]
  })
}

resource "aws_s3_bucket_server_side_encryption_configuration" "origin" {
  bucket = aws_s3_bucket.origin.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.origin.arn
    }
    bucket_key_enabled = true
  }
}

output "bucket" {
  value = aws_s3_bucket.origin.id
}

output "kms_key_arn" {
  value = aws_kms_key.origin.arn
}
