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
