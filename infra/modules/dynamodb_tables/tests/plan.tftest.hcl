# Plans the module against a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
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
    events = {
      hash_key   = "stream"
      range_key  = "seq"
      attributes = { stream = "S", seq = "N", kind = "S" }
      global_secondary_indexes = {
        by_kind = { hash_key = "kind", range_key = "seq", projection_type = "KEYS_ONLY" }
      }
      ttl_attribute    = "expires_at"
      stream_view_type = "NEW_IMAGE"
    }
  }
}

run "tables" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this["orders"].name == "test-orders" && aws_dynamodb_table.this["orders"].hash_key == "id"
    error_message = "A table is named <prefix><short name> and keyed as declared."
  }

  assert {
    condition     = alltrue([for t in aws_dynamodb_table.this : t.billing_mode == "PAY_PER_REQUEST" && t.deletion_protection_enabled])
    error_message = "Tables are on-demand and protected from deletion by default."
  }

  assert {
    condition     = alltrue([for t in aws_dynamodb_table.this : t.point_in_time_recovery[0].enabled])
    error_message = "Every table has point-in-time recovery."
  }

  assert {
    condition     = alltrue([for t in aws_dynamodb_table.this : t.server_side_encryption[0].enabled && t.server_side_encryption[0].kms_key_arn == aws_kms_key.this[0].arn])
    error_message = "Every table is encrypted with the module's customer-managed key."
  }

  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation && aws_kms_alias.this[0].name == "alias/test-dynamodb"
    error_message = "The key rotates and has an alias after the prefix."
  }

  assert {
    condition     = aws_dynamodb_table.this["events"].range_key == "seq" && aws_dynamodb_table.this["orders"].range_key == null
    error_message = "Range keys are set only where declared."
  }

  assert {
    condition     = aws_dynamodb_table.this["events"].attribute == toset([{ name = "stream", type = "S" }, { name = "seq", type = "N" }, { name = "kind", type = "S" }])
    error_message = "Attributes are declared with their types."
  }

  assert {
    condition     = [for g in aws_dynamodb_table.this["events"].global_secondary_index : [g.name, g.hash_key, g.range_key, g.projection_type]] == [["by_kind", "kind", "seq", "KEYS_ONLY"]]
    error_message = "Global secondary indexes are declared as given."
  }

  assert {
    condition     = aws_dynamodb_table.this["events"].ttl[0].attribute_name == "expires_at" && aws_dynamodb_table.this["events"].ttl[0].enabled && length(aws_dynamodb_table.this["orders"].ttl) == 0
    error_message = "TTL is on only where an attribute is named."
  }
}

run "streams" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this["events"].stream_enabled && aws_dynamodb_table.this["events"].stream_view_type == "NEW_IMAGE"
    error_message = "A table that asks for a stream gets one, with its view type."
  }

  assert {
    condition     = !aws_dynamodb_table.this["orders"].stream_enabled
    error_message = "Streams stay off unless a table asks for one."
  }

  assert {
    condition     = keys(output.stream_arns) == ["events"] && output.tables["events"].stream_view_type == "NEW_IMAGE" && output.tables["orders"].stream_view_type == null
    error_message = "Only the streamed tables' stream ARNs are output."
  }
}

run "unknown_stream_view_type_is_refused" {
  command = plan

  variables {
    tables = {
      events = {
        hash_key         = "id"
        attributes       = { id = "S" }
        stream_view_type = "EVERYTHING"
      }
    }
  }

  expect_failures = [var.tables]
}

run "existing_key" {
  command = plan

  variables {
    create_kms_key              = false
    kms_key_arn                 = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
    deletion_protection_enabled = false
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && output.kms_key_arn == "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
    error_message = "With create_kms_key = false the given key is used and none is created."
  }

  assert {
    condition     = alltrue([for t in aws_dynamodb_table.this : t.server_side_encryption[0].kms_key_arn == var.kms_key_arn && !t.deletion_protection_enabled])
    error_message = "Tables use the given key, and deletion protection can be turned off."
  }
}

run "no_key_at_all_is_refused" {
  command = plan

  variables {
    create_kms_key = false
  }

  expect_failures = [aws_dynamodb_table.this]
}

run "attribute_that_keys_nothing_is_refused" {
  command = plan

  variables {
    tables = {
      orders = { hash_key = "id", attributes = { id = "S", email = "S" } }
    }
  }

  expect_failures = [var.tables]
}

run "key_without_attribute_is_refused" {
  command = plan

  variables {
    tables = {
      orders = { hash_key = "id", range_key = "at", attributes = { id = "S" } }
    }
  }

  expect_failures = [var.tables]
}

run "unknown_attribute_type_is_refused" {
  command = plan

  variables {
    tables = {
      orders = { hash_key = "id", attributes = { id = "STRING" } }
    }
  }

  expect_failures = [var.tables]
}

run "key_policy" {
  command = plan

  assert {
    condition     = [for st in jsondecode(aws_kms_key.this[0].policy).Statement : st.Sid] == ["AccountAdministersTheKey", "AccountUsesTheKeyThroughDynamoDB", "DynamoDBDescribesTheKey"]
    error_message = "The key policy has exactly the administration, use-through-DynamoDB and DynamoDB-describe statements."
  }

  assert {
    condition     = alltrue([for st in jsondecode(aws_kms_key.this[0].policy).Statement : !contains(flatten([st.Action]), "kms:*") && try(st.Principal.AWS, "") != "*"])
    error_message = "No statement grants kms:* or names every principal."
  }

  assert {
    condition = alltrue([
      for st in jsondecode(aws_kms_key.this[0].policy).Statement : (
        !anytrue([for a in flatten([st.Action]) : contains(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"], a)]) ||
        (try(st.Condition.StringEquals["kms:ViaService"], "") == "dynamodb.us-east-1.amazonaws.com" && try(st.Condition.StringEquals["kms:CallerAccount"], "") == "123456789012")
      )
    ])
    error_message = "The account may encrypt and decrypt with the key only through DynamoDB in the tables' region."
  }

  assert {
    condition     = jsondecode(aws_kms_key.this[0].policy).Statement[0].Principal.AWS == "arn:aws:iam::123456789012:root"
    error_message = "The key is administered by the tables' account."
  }
}

run "account_id_must_be_an_account" {
  command = plan

  variables {
    account_id = "12345"
  }

  expect_failures = [var.account_id]
}
