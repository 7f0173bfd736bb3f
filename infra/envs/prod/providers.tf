provider "aws" {
  region = var.region

  # A plan or apply with credentials for any other account stops before touching anything.
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = merge(var.tags, {
      Project     = "bnpl"
      Environment = "prod"
      ManagedBy   = "terraform"
    })
  }
}

# CloudFront's web ACL (in front of the checkout page), its log group and key are global
# resources, made in us-east-1 whatever the environment's region.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  allowed_account_ids = [var.account_id]

  default_tags {
    tags = merge(var.tags, {
      Project     = "bnpl"
      Environment = "prod"
      ManagedBy   = "terraform"
    })
  }
}
