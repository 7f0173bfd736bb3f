# The audit log's grant (audit.tf), planned against a mocked AWS provider: the sender, which
# disables failing endpoints, may put entries, and is denied updating or deleting one.


mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"
}

override_resource {
  target          = aws_security_group.sender
  override_during = plan
  values          = { id = "sg-sender" }
}

override_resource {
  target          = aws_sqs_queue.dead_letters
  override_during = plan
  values = {
    id   = "https://sqs.us-east-1.amazonaws.com/123456789012/test-webhooks-dead-letters"
    url  = "https://sqs.us-east-1.amazonaws.com/123456789012/test-webhooks-dead-letters"
    arn  = "arn:aws:sqs:us-east-1:123456789012:test-webhooks-dead-letters"
    name = "test-webhooks-dead-letters"
  }
}

override_resource {
  target          = aws_sqs_queue.redrive
  override_during = plan
  values = {
    id   = "https://sqs.us-east-1.amazonaws.com/123456789012/test-webhooks-redrive"
    url  = "https://sqs.us-east-1.amazonaws.com/123456789012/test-webhooks-redrive"
    arn  = "arn:aws:sqs:us-east-1:123456789012:test-webhooks-redrive"
    name = "test-webhooks-redrive"
  }
}

override_resource {
  target          = aws_kms_key.secrets
  override_during = plan
  values = {
    arn    = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
    key_id = "99999999-2222-3333-4444-555555555555"
  }
}

override_resource {
  target          = aws_lambda_function.sender
  override_during = plan
  values = {
    arn           = "arn:aws:lambda:us-east-1:123456789012:function:test-webhooks"
    function_name = "test-webhooks"
  }
}

override_resource {
  target          = aws_sns_topic.alarms
  override_during = plan
  values          = { arn = "arn:aws:sns:us-east-1:123456789012:test-webhooks-alarms" }
}

variables {
  name                = "test-webhooks"
  region              = "us-east-1"
  account_id          = "123456789012"
  image_uri           = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-lambda:1"
  vpc_id              = "vpc-0123456789abcdef0"
  private_subnet_ids  = ["subnet-a", "subnet-b"]
  events_table_arn    = "arn:aws:dynamodb:us-east-1:123456789012:table/test-webhook_events"
  events_stream_arn   = "arn:aws:dynamodb:us-east-1:123456789012:table/test-webhook_events/stream/2026-11-22T00:00:00.000"
  checkouts_table_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/test-checkouts"
  table_arns = [
    "arn:aws:dynamodb:us-east-1:123456789012:table/test-webhook_events",
    "arn:aws:dynamodb:us-east-1:123456789012:table/test-webhook_endpoints",
    "arn:aws:dynamodb:us-east-1:123456789012:table/test-webhook_deliveries",
  ]
  tables_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/33333333-2222-3333-4444-555555555555"
  secret_prefix      = "bnpl-test/webhooks/"
  log_kms_key_arn    = "arn:aws:kms:us-east-1:123456789012:key/44444444-2222-3333-4444-555555555555"
  environment        = { BNPL_TABLE_PREFIX = "test-" }
}

run "the_sender_appends_and_never_rewrites" {
  command = plan

  variables {
    audit_log = { table_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/test-audit_log" }
  }

  assert {
    condition = anytrue([
      for st in jsondecode(aws_iam_role_policy.sender_audit[0].policy).Statement :
      st.Effect == "Deny" && contains(flatten([st.Resource]), var.audit_log.table_arn) &&
      alltrue([for a in ["dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"] : contains(flatten([st.Action]), a)])
    ])
    error_message = "aws_iam_role_policy.sender_audit[0] denies updating and deleting audit entries outright."
  }

  assert {
    condition = alltrue([
      for st in jsondecode(aws_iam_role_policy.sender_audit[0].policy).Statement :
      st.Effect == "Deny" || length(setsubtract(toset(flatten([st.Action])), toset(["dynamodb:PutItem", "dynamodb:Query"]))) == 0
    ])
    error_message = "aws_iam_role_policy.sender_audit[0] allows nothing on the audit log but putting entries (and reading trails)."
  }

  assert {
    condition     = aws_iam_role_policy.sender_audit[0].role == aws_iam_role.sender.id
    error_message = "The sender's role carries the audit log policy."
  }

  assert {
    condition     = !strcontains(aws_iam_role_policy.sender.policy, "audit_log")
    error_message = "The sender's own table grants never name the audit log."
  }
}

run "no_audit_table_no_grant" {
  command = plan

  assert {
    condition     = length(aws_iam_role_policy.sender_audit) == 0
    error_message = "Without an audit table the roles get no grant on one."
  }
}
