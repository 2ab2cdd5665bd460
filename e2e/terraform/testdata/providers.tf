# The provider, pointed at edgegate. The test sets var.endpoint (TF_VAR_endpoint)
# to the server's base URL; every service the configuration uses goes there.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "endpoint" {
  description = "edgegate's base URL, http://127.0.0.1:PORT"
  type        = string
}

provider "aws" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"

  s3_use_path_style           = true
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  # The account id comes from edgegate's STS GetCallerIdentity.
  skip_requesting_account_id = false

  endpoints {
    s3         = var.endpoint
    kms        = var.endpoint
    sts        = var.endpoint
    iam        = var.endpoint
    cloudfront = var.endpoint
  }
}

data "aws_caller_identity" "current" {}
