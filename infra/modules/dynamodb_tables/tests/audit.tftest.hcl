# The audit log's table (audit.tf), planned against a mocked AWS provider: always there, always
# protected, and no principal may update or delete an entry.

mock_provider "aws" {
  override_during = plan
  source          = "../../tests/mocks/aws"
}

variables {
  name_prefix = "test-"
  account_id  = "123456789012"
  region      = "us-east-1"
  tables = {
    orders = {
      hash_key   = "id"
      attributes = { id = "S" }
    }
  }
}

run "audit_table" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.audit.name == "test-audit_log" && aws_dynamodb_table.audit.hash_key == "stream" && aws_dynamodb_table.audit.range_key == "sequence"
    error_message = "The audit log is <prefix>audit_log, keyed by stream and sequence."
  }

  assert {
    condition     = aws_dynamodb_table.audit.attribute == toset([{ name = "stream", type = "S" }, { name = "sequence", type = "N" }])
    error_message = "The audit log's keys are a string stream and a numeric sequence."
  }

  assert {
    condition     = aws_dynamodb_table.audit.point_in_time_recovery[0].enabled && aws_dynamodb_table.audit.server_side_encryption[0].kms_key_arn == aws_kms_key.this[0].arn
    error_message = "The audit log has point-in-time recovery and the tables' customer-managed key."
  }

  assert {
    condition     = aws_dynamodb_table.audit.ttl[0].attribute_name == "expires_at" && aws_dynamodb_table.audit.ttl[0].enabled
    error_message = "Entries expire by their expires_at (the retention the services write)."
  }

  assert {
    condition     = output.audit_table_arn == aws_dynamodb_table.audit.arn && output.audit_table_name == "test-audit_log"
    error_message = "The module outputs the audit log's name and ARN."
  }
}

run "nobody_updates_or_deletes_an_entry" {
  command = plan

  assert {
    condition     = aws_dynamodb_resource_policy.audit.resource_arn == aws_dynamodb_table.audit.arn
    error_message = "The audit log has a resource policy of its own."
  }

  assert {
    condition = anytrue([
      for st in jsondecode(aws_dynamodb_resource_policy.audit.policy).Statement :
      st.Effect == "Deny" && st.Principal == "*" &&
      alltrue([for a in ["dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"] : contains(flatten([st.Action]), a)])
    ])
    error_message = "The table's policy denies every principal updating or deleting an entry."
  }

  assert {
    condition     = alltrue([for st in jsondecode(aws_dynamodb_resource_policy.audit.policy).Statement : st.Effect == "Deny"])
    error_message = "The table's policy only denies: what a principal may do stays its role's."
  }
}

run "protected_whatever_the_other_tables" {
  command = plan

  variables {
    deletion_protection_enabled = false
  }

  assert {
    condition     = aws_dynamodb_table.audit.deletion_protection_enabled && !aws_dynamodb_table.this["orders"].deletion_protection_enabled
    error_message = "The audit log keeps its deletion protection when the other tables' is off."
  }
}
