# Plans the module against a mocked AWS provider: no credentials, no network.

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

run "function" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.package_type == "Image" && aws_lambda_function.this.image_uri == var.image_uri
    error_message = "The function runs the given container image."
  }

  assert {
    condition     = aws_lambda_function.this.image_config[0].command == tolist(["services.user.lambda_handler.handler"])
    error_message = "The shared image runs the user service's Lambda handler."
  }

  assert {
    condition     = toset(aws_lambda_function.this.vpc_config[0].subnet_ids) == toset(var.subnet_ids) && aws_lambda_function.this.vpc_config[0].security_group_ids == toset([aws_security_group.this.id])
    error_message = "The function runs in the private subnets with its own security group."
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active" && aws_lambda_function.this.reserved_concurrent_executions == 50
    error_message = "X-Ray tracing is on and concurrency is capped."
  }

  assert {
    condition     = aws_lambda_function.this.dead_letter_config[0].target_arn == aws_sqs_queue.dlq.arn && aws_sqs_queue.dlq.kms_master_key_id == aws_kms_key.this[0].arn
    error_message = "Failed asynchronous invocations land in a KMS-encrypted queue."
  }

  assert {
    condition     = aws_lambda_function.this.kms_key_arn == aws_kms_key.this[0].arn
    error_message = "The environment is encrypted with the module's key."
  }

  assert {
    condition     = aws_lambda_function.this.logging_config[0].log_group == "/aws/lambda/bnpl-test-user-service" && aws_cloudwatch_log_group.function.retention_in_days == 365 && aws_cloudwatch_log_group.function.kms_key_id == aws_kms_key.this[0].arn
    error_message = "The function logs to its own encrypted group with a retention."
  }

  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      BNPL_COGNITO_ISSUER           = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Mock12345"
      BNPL_COGNITO_JWKS_URL         = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Mock12345/.well-known/jwks.json"
      BNPL_COGNITO_CLIENT_IDS       = "webclient0123456789abcdefg"
      BNPL_SERVICE_CLIENT_ID        = "serviceclient0123456789abc"
      BNPL_TABLE_PREFIX             = "bnpl-test-"
      BNPL_DYNAMODB_ENDPOINT        = ""
      BNPL_MESSAGING                = "aws"
      BNPL_EMAIL_FROM_ADDRESS       = "codes@bnpl.example"
      BNPL_SMS_ORIGINATION_IDENTITY = "arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-0123456789abcdef"
      BNPL_SMS_CONFIGURATION_SET    = "arn:aws:sms-voice:us-east-1:123456789012:configuration-set/bnpl-test"
      BNPL_BANK_WEBHOOK_SECRET_ARN  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mock-secret-AbCdEf"
    })
    error_message = "The function gets the environment's settings plus AWS messaging, the region's DynamoDB and where the bank's signing secret is."
  }

  assert {
    condition     = length(aws_vpc_security_group_egress_rule.https) == 1 && alltrue([for r in aws_vpc_security_group_egress_rule.https : r.from_port == 443 && r.to_port == 443 && r.ip_protocol == "tcp"])
    error_message = "The security group lets only HTTPS out."
  }
}

run "api" {
  command = plan

  assert {
    condition     = aws_apigatewayv2_api.this.protocol_type == "HTTP"
    error_message = "The service sits behind an HTTP API."
  }

  assert {
    condition     = aws_apigatewayv2_route.this.route_key == "$default" && aws_apigatewayv2_route.this.authorization_type == "AWS_IAM"
    error_message = "Every request but the bank's notifications must be SigV4-signed: the default route uses IAM authorization."
  }

  assert {
    condition     = aws_apigatewayv2_route.this.target == "integrations/int0123"
    error_message = "The route targets the Lambda integration."
  }

  assert {
    condition     = aws_apigatewayv2_integration.this.integration_type == "AWS_PROXY" && aws_apigatewayv2_integration.this.payload_format_version == "2.0" && aws_apigatewayv2_integration.this.integration_uri == aws_lambda_function.this.arn
    error_message = "A Lambda proxy integration with payload format 2.0 (what lambda_handler reads)."
  }

  assert {
    condition     = aws_apigatewayv2_stage.this.name == "$default" && aws_apigatewayv2_stage.this.auto_deploy
    error_message = "The $default stage serves the API at its base URL (no stage in the path the app sees)."
  }

  assert {
    condition     = aws_apigatewayv2_stage.this.default_route_settings[0].throttling_rate_limit == 100 && aws_apigatewayv2_stage.this.default_route_settings[0].throttling_burst_limit == 200
    error_message = "The stage is throttled."
  }

  assert {
    condition     = aws_apigatewayv2_stage.this.access_log_settings[0].destination_arn == aws_cloudwatch_log_group.access.arn && aws_cloudwatch_log_group.access.kms_key_id == aws_kms_key.this[0].arn && aws_cloudwatch_log_group.access.retention_in_days == 365
    error_message = "Access logs go to an encrypted group with a retention."
  }

  assert {
    condition     = !strcontains(aws_apigatewayv2_stage.this.access_log_settings[0].format, "authorization")
    error_message = "The access log never records the forwarded token."
  }

  assert {
    condition     = aws_lambda_permission.api_gateway.principal == "apigateway.amazonaws.com" && aws_lambda_permission.api_gateway.source_arn == "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*"
    error_message = "Only this API may invoke the function."
  }

  assert {
    condition     = output.api_endpoint == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com" && output.execution_arn == "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5"
    error_message = "The outputs give AppSync's data source its endpoint and execution ARN."
  }
}

run "least_privilege" {
  command = plan

  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal == { Service = "lambda.amazonaws.com" }
    error_message = "Only Lambda assumes the role."
  }

  assert {
    condition = toset([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Sid]) == toset([
      "WriteOwnLogs", "DescribeVpcNetworking", "ManageNetworkInterfacesInTheVpc", "SendTraces", "DeadLetters", "UseTheServiceKey",
      "UserTables", "UserTableIndexes", "ReadBankWebhookSecret", "SendVerificationEmail", "SendVerificationSms", "UseTheTablesKeyThroughDynamoDB",
    ])
    error_message = "The role has these statements and nothing else."
  }

  assert {
    condition     = jsonencode([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "UserTables"][0]) == jsonencode(var.table_arns)
    error_message = "Table access is limited to the user tables."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "UserTableIndexes"][0] == [for arn in var.table_arns : "${arn}/index/*"] && [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Action if s.Sid == "UserTableIndexes"][0] == ["dynamodb:Query"]
    error_message = "Indexes may only be queried."
  }

  assert {
    condition     = !anytrue([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : anytrue([for a in s.Action : contains(["dynamodb:Scan", "dynamodb:DeleteTable", "dynamodb:*"], a)]) if s.Sid == "UserTables"])
    error_message = "The service neither scans nor manages tables."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : [s.Action, s.Resource, s.Condition.StringEquals["ses:FromAddress"]] if s.Sid == "SendVerificationEmail"][0] == [["ses:SendEmail"], [var.ses_identity_arn], "codes@bnpl.example"]
    error_message = "Email is sent from the one identity, as the configured address."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : [s.Action, s.Resource] if s.Sid == "SendVerificationSms"][0] == [["sms-voice:SendTextMessage"], [var.sms_origination_identity_arn, var.sms_configuration_set_arn]]
    error_message = "SMS is sent from the one origination identity and configuration set."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "WriteOwnLogs"][0] == ["${aws_cloudwatch_log_group.function.arn}:*"]
    error_message = "The function writes only to its own log group."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Condition.StringEquals["kms:ViaService"] if s.Sid == "UseTheTablesKeyThroughDynamoDB"][0] == "dynamodb.us-east-1.amazonaws.com"
    error_message = "The tables' key is usable only through DynamoDB."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Condition.ArnEqualsIfExists["ec2:Vpc"] if s.Sid == "ManageNetworkInterfacesInTheVpc"][0] == "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0123456789abcdef0"
    error_message = "Network interfaces are managed only in the function's VPC."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource == ["*"] ? contains(["DescribeVpcNetworking", "ManageNetworkInterfacesInTheVpc", "SendTraces"], s.Sid) : true])
    error_message = "\"*\" appears only where the actions have no resource-level permissions (or are conditioned on the VPC)."
  }

  assert {
    condition     = jsondecode(aws_kms_key.this[0].policy).Statement[1].Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"] == ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/bnpl-test-user-service", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/bnpl-test-user-service/access"]
    error_message = "CloudWatch Logs may use the key for the service's two log groups only."
  }
}

run "bank_notifications" {
  command = plan

  assert {
    condition     = aws_apigatewayv2_route.bank_notifications.route_key == "POST /bank/notifications" && aws_apigatewayv2_route.bank_notifications.authorization_type == "NONE"
    error_message = "The bank posts its notifications without AWS credentials, on that one route only."
  }

  assert {
    condition     = aws_apigatewayv2_route.bank_notifications.target == aws_apigatewayv2_route.this.target
    error_message = "The bank's route reaches the same function, which verifies the signature."
  }

  assert {
    condition = [
      for r in aws_apigatewayv2_stage.this.route_settings : [r.route_key, r.throttling_rate_limit, r.throttling_burst_limit]
    ] == [["POST /bank/notifications", 10, 20]]
    error_message = "The unauthenticated route has its own, tighter throttling."
  }

  assert {
    condition     = aws_secretsmanager_secret.bank_webhook.name == "bnpl-test-user-service/bank-webhook-secret" && aws_secretsmanager_secret.bank_webhook.kms_key_id == aws_kms_key.this[0].arn
    error_message = "The bank's signing secret is in Secrets Manager, under the service's key."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : [s.Action, s.Resource] if s.Sid == "ReadBankWebhookSecret"] == [[["secretsmanager:GetSecretValue"], ["arn:aws:secretsmanager:us-east-1:123456789012:secret:mock-secret-AbCdEf"]]]
    error_message = "The function may read that one secret, and change none."
  }

  assert {
    condition     = !contains(keys(aws_lambda_function.this.environment[0].variables), "BNPL_BANK_WEBHOOK_SECRET")
    error_message = "The secret's value is never in the function's configuration."
  }

  assert {
    condition     = output.bank_notifications_url == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/bank/notifications"
    error_message = "The bank is given the route's URL."
  }
}

run "without_optional_messaging_and_table_key" {
  command = plan

  variables {
    sms_configuration_set_arn = null
    table_kms_key_arn         = null
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "SendVerificationSms"][0] == [var.sms_origination_identity_arn]
    error_message = "Without a configuration set, SMS is allowed from the origination identity only."
  }

  assert {
    condition     = !contains([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Sid], "UseTheTablesKeyThroughDynamoDB")
    error_message = "No table key, no KMS statement for it."
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["BNPL_SMS_CONFIGURATION_SET"] == ""
    error_message = "No configuration set is passed to the service."
  }
}

run "missing_settings_are_refused" {
  command = plan

  variables {
    environment = { BNPL_TABLE_PREFIX = "bnpl-test-" }
  }

  expect_failures = [var.environment]
}

run "image_outside_ecr_is_refused" {
  command = plan

  variables {
    image_uri = "docker.io/library/python:3.11"
  }

  expect_failures = [var.image_uri]
}

run "no_key_at_all_is_refused" {
  command = plan

  variables {
    create_kms_key = false
  }

  expect_failures = [aws_lambda_function.this]
}
