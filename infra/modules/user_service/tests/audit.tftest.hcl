# The audit log's grant (audit.tf), planned against a mocked AWS provider: the function may put
# entries (every consent change), and is denied updating or deleting one.


mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"
}

override_resource {
  target          = aws_cloudwatch_log_group.function
  override_during = plan
  values = {
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/bnpl-test-user-service"
  }
}

override_resource {
  target          = aws_cloudwatch_log_group.access
  override_during = plan
  values = {
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/bnpl-test-user-service/access"
  }
}

variables {
  name       = "bnpl-test-user-service"
  image_uri  = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-test/lambda:1.2.3"
  region     = "us-east-1"
  account_id = "123456789012"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
  table_arns = [
    "arn:aws:dynamodb:us-east-1:123456789012:table/bnpl-test-customers",
    "arn:aws:dynamodb:us-east-1:123456789012:table/bnpl-test-verification_challenges",
    "arn:aws:dynamodb:us-east-1:123456789012:table/bnpl-test-bank_consents",
  ]
  table_kms_key_arn            = "arn:aws:kms:us-east-1:123456789012:key/22222222-2222-3333-4444-555555555555"
  email_from_address           = "codes@bnpl.example"
  ses_identity_arn             = "arn:aws:ses:us-east-1:123456789012:identity/bnpl.example"
  sms_origination_identity_arn = "arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-0123456789abcdef"
  sms_configuration_set_arn    = "arn:aws:sms-voice:us-east-1:123456789012:configuration-set/bnpl-test"
  environment = {
    BNPL_COGNITO_ISSUER     = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Mock12345"
    BNPL_COGNITO_JWKS_URL   = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Mock12345/.well-known/jwks.json"
    BNPL_COGNITO_CLIENT_IDS = "webclient0123456789abcdefg"
    BNPL_SERVICE_CLIENT_ID  = "serviceclient0123456789abc"
    BNPL_TABLE_PREFIX       = "bnpl-test-"
  }
}

run "the_function_appends_and_never_rewrites" {
  command = plan

  variables {
    audit_log = { table_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/test-audit_log" }
  }

  assert {
    condition = anytrue([
      for st in jsondecode(aws_iam_role_policy.audit[0].policy).Statement :
      st.Effect == "Deny" && contains(flatten([st.Resource]), var.audit_log.table_arn) &&
      alltrue([for a in ["dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"] : contains(flatten([st.Action]), a)])
    ])
    error_message = "aws_iam_role_policy.audit[0] denies updating and deleting audit entries outright."
  }

  assert {
    condition = alltrue([
      for st in jsondecode(aws_iam_role_policy.audit[0].policy).Statement :
      st.Effect == "Deny" || length(setsubtract(toset(flatten([st.Action])), toset(["dynamodb:PutItem", "dynamodb:Query"]))) == 0
    ])
    error_message = "aws_iam_role_policy.audit[0] allows nothing on the audit log but putting entries (and reading trails)."
  }

  assert {
    condition     = aws_iam_role_policy.audit[0].role == aws_iam_role.this.id
    error_message = "The function's role carries the audit log policy."
  }

  assert {
    condition     = !strcontains(aws_iam_role_policy.this.policy, "audit_log")
    error_message = "The function's own table grants (UpdateItem, DeleteItem) never name the audit log."
  }
}

run "no_audit_table_no_grant" {
  command = plan

  assert {
    condition     = length(aws_iam_role_policy.audit) == 0
    error_message = "Without an audit table the roles get no grant on one."
  }
}
