# The audit log (services/shared/audit): every credit decision, underwriter review, money move,
# bank consent change and webhook endpoint change, as hash-chained entries keyed by stream (one
# per subject: an application, a plan, a consent, an endpoint) and sequence, so no key is hot.
# Declared apart from `var.tables` because none of it is optional: deletion protection,
# point-in-time recovery, the tables' key, and the TTL that ends an entry's retention seven years
# after it was written (`expires_at`, docs/audit.md).
resource "aws_dynamodb_table" "audit" {
  name                        = "${var.name_prefix}audit_log"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "stream"
  range_key                   = "sequence"
  deletion_protection_enabled = true

  attribute {
    name = "stream"
    type = "S"
  }

  attribute {
    name = "sequence"
    type = "N"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = local.kms_key_arn
  }

  tags = var.tags
}

# Whatever a role's own policy says, nobody changes or deletes an entry through the API: entries
# are only ever put (each on the condition that its key is new). DynamoDB's TTL, which ends an
# entry's retention, is the table's own doing and is not refused. Removing this policy is a
# change of its own, in CloudTrail.
resource "aws_dynamodb_resource_policy" "audit" {
  resource_arn = aws_dynamodb_table.audit.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "NobodyRewritesTheAuditLog"
      Effect    = "Deny"
      Principal = "*"
      Action    = local.audit_rewrites
      Resource  = aws_dynamodb_table.audit.arn
    }]
  })
}

locals {
  # Every API call that could change or remove an item that exists.
  audit_rewrites = [
    "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete",
  ]
}
