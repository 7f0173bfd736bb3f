# Plans the module against a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"
}

override_resource {
  target          = aws_security_group.function
  override_during = plan
  values          = { id = "sg-function" }
}

override_resource {
  target          = aws_security_group.endpoint
  override_during = plan
  values          = { id = "sg-endpoint" }
}

variables {
  name                  = "test-credit-proxy"
  region                = "us-east-1"
  account_id            = "123456789012"
  image_uri             = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-lambda:1"
  vpc_id                = "vpc-0123456789abcdef0"
  private_subnet_ids    = ["subnet-a", "subnet-b"]
  endpoint_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
  log_kms_key_arn       = "arn:aws:kms:us-east-1:123456789012:key/44444444-2222-3333-4444-555555555555"
  environment = {
    BNPL_TOKEN_ENDPOINT    = "https://bnpl-dev.auth.us-east-1.amazoncognito.com/oauth2/token"
    BNPL_SERVICE_CLIENT_ID = "proxyclient"
  }
}

run "function" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.package_type == "Image" && aws_lambda_function.this.image_uri == var.image_uri
    error_message = "The function runs the given container image."
  }

  assert {
    condition     = aws_lambda_function.this.image_config[0].command == tolist(["services.credit_proxy.handler.handler"])
    error_message = "The image's entry point for this function is the credit proxy handler."
  }

  assert {
    condition     = aws_lambda_function.this.vpc_config[0].subnet_ids == toset(["subnet-a", "subnet-b"]) && aws_lambda_function.this.vpc_config[0].security_group_ids == toset(["sg-function"])
    error_message = "The function runs in the private subnets behind its own security group."
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active" && aws_lambda_function.this.reserved_concurrent_executions == 50
    error_message = "X-Ray tracing is on and concurrency is reserved."
  }

  assert {
    condition     = aws_lambda_function.this.dead_letter_config[0].target_arn == aws_sqs_queue.dlq.arn && aws_sqs_queue.dlq.kms_master_key_id == aws_kms_key.this.arn
    error_message = "Failed asynchronous invocations go to a KMS-encrypted queue."
  }

  assert {
    condition     = aws_lambda_function.this.kms_key_arn == aws_kms_key.this.arn && aws_kms_key.this.enable_key_rotation
    error_message = "The environment is encrypted with the module's rotating key."
  }

  assert {
    condition     = aws_lambda_function.this.logging_config[0].log_group == "/aws/lambda/test-credit-proxy" && aws_cloudwatch_log_group.this.kms_key_id == var.log_kms_key_arn && aws_cloudwatch_log_group.this.retention_in_days == 365
    error_message = "The function logs to its KMS-encrypted group, kept a year."
  }

  assert {
    condition     = aws_lambda_function.this.timeout < 30
    error_message = "The function gives up before AppSync does."
  }
}

run "privatelink_consumer" {
  command = plan

  assert {
    condition     = aws_vpc_endpoint.credit_service.service_name == var.endpoint_service_name && aws_vpc_endpoint.credit_service.vpc_endpoint_type == "Interface" && !aws_vpc_endpoint.credit_service.private_dns_enabled
    error_message = "An interface endpoint connects to the credit service's endpoint service."
  }

  assert {
    condition     = aws_vpc_endpoint.credit_service.security_group_ids == toset(["sg-endpoint"]) && aws_vpc_endpoint.credit_service.subnet_ids == toset(["subnet-a", "subnet-b"])
    error_message = "The endpoint sits in the private subnets behind its own security group."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.endpoint_from_function.referenced_security_group_id == "sg-function" && aws_vpc_security_group_ingress_rule.endpoint_from_function.from_port == 80
    error_message = "Only the function reaches the endpoint, on the listener's port."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.function_to_credit_service.referenced_security_group_id == "sg-endpoint" && aws_vpc_security_group_egress_rule.function_https.from_port == 443
    error_message = "The function talks to the endpoint and to HTTPS services only."
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["BNPL_CREDIT_SERVICE_URL"] == "http://vpce-0123456789abcdef0-abcdefgh.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com"
    error_message = "The function calls the credit service on the endpoint's regional DNS name."
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["BNPL_SERVICE_CLIENT_ID"] == "proxyclient" && length(aws_lambda_function.this.environment[0].variables) == 3
    error_message = "The given settings reach the function alongside the service URL."
  }
}

run "role_is_least_privilege" {
  command = plan

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Sid => s.Resource
      } == {
      DescribeNetwork          = "*"
      CreateFunctionInterfaces = ["arn:aws:ec2:us-east-1:123456789012:network-interface/*", "arn:aws:ec2:us-east-1:123456789012:security-group/sg-function", "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-a", "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-b"]
      ManageFunctionInterfaces = "arn:aws:ec2:us-east-1:123456789012:network-interface/*"
      WriteFunctionLogs        = "arn:aws:logs:us-east-1:123456789012:log-group:/mock/log-group:*"
      WriteTraces              = "*"
      SendDeadLetters          = "arn:aws:sqs:us-east-1:123456789012:mock-dlq"
      UseFunctionKey           = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    }
    error_message = "The role reaches only its subnets, security group, log group, queue and key."
  }

  assert {
    condition = toset(flatten([
      for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Action if s.Resource == "*"
    ])) == toset(["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "xray:PutTraceSegments", "xray:PutTelemetryRecords"])
    error_message = "Only actions without resource-level permissions are on \"*\"."
  }

  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "Only Lambda may assume the role."
  }
}

run "tls_through_private_dns" {
  command = plan

  variables {
    credit_service_port             = 443
    credit_service_private_dns_name = "credit.internal.example.com"
  }

  assert {
    condition     = aws_vpc_endpoint.credit_service.private_dns_enabled && aws_lambda_function.this.environment[0].variables["BNPL_CREDIT_SERVICE_URL"] == "https://credit.internal.example.com"
    error_message = "With a private DNS name the function calls it over HTTPS."
  }
}

run "other_port_is_in_the_url" {
  command = plan

  variables {
    credit_service_port = 8443
  }

  assert {
    condition     = endswith(output.credit_service_url, ".vpce.amazonaws.com:8443") && aws_vpc_security_group_ingress_rule.endpoint_from_function.to_port == 8443
    error_message = "A non-default port is part of the URL and of the rules."
  }
}

run "service_url_cannot_be_overridden" {
  command = plan

  variables {
    environment = { BNPL_CREDIT_SERVICE_URL = "http://127.0.0.1:4002" }
  }

  expect_failures = [var.environment]
}

run "reserved_variable_is_refused" {
  command = plan

  variables {
    environment = { AWS_REGION = "eu-west-1" }
  }

  expect_failures = [var.environment]
}

run "timeout_past_appsync_is_refused" {
  command = plan

  variables {
    timeout = 30
  }

  expect_failures = [var.timeout]
}
