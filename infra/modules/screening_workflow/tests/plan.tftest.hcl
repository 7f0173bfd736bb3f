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
  values          = { id = "sg-step" }
}

override_resource {
  target          = aws_lambda_function.this
  override_during = plan
  values = {
    arn     = "arn:aws:lambda:us-east-1:123456789012:function:test-screening-step"
    version = "7"
  }
}

override_resource {
  target          = aws_lambda_alias.live
  override_during = plan
  values          = { arn = "arn:aws:lambda:us-east-1:123456789012:function:test-screening-step:live" }
}

override_resource {
  target          = aws_cloudwatch_log_group.state_machine
  override_during = plan
  values          = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/test-screening" }
}

variables {
  name                       = "test-screening"
  region                     = "us-east-1"
  account_id                 = "123456789012"
  image_uri                  = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-lambda:1"
  vpc_id                     = "vpc-0123456789abcdef0"
  private_subnet_ids         = ["subnet-a", "subnet-b"]
  table_arns                 = ["arn:aws:dynamodb:us-east-1:123456789012:table/test-plans"]
  tables_kms_key_arn         = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
  scoring_endpoint_arn       = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/bnpl-credit-model"
  user_service_execution_arn = "arn:aws:execute-api:us-east-1:123456789012:abc123"
  log_kms_key_arn            = "arn:aws:kms:us-east-1:123456789012:key/44444444-2222-3333-4444-555555555555"
  environment = {
    BNPL_TABLE_PREFIX      = "test-"
    BNPL_USER_SERVICE_URL  = "https://abc123.execute-api.us-east-1.amazonaws.com"
    BNPL_USER_SERVICE_AUTH = "iam"
  }

  # The definition as the repository holds it, relative to this module's directory.
  asl = file("../../../services/credit/screening/prescreening.asl.json")
}

run "step_function" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.function_name == "test-screening-step" && aws_lambda_function.this.package_type == "Image" && aws_lambda_function.this.image_uri == var.image_uri
    error_message = "The step function runs the given container image."
  }

  assert {
    condition     = aws_lambda_function.this.image_config[0].command == tolist(["services.credit.step_lambda.handler"])
    error_message = "The image's entry point for this function is the screening step handler."
  }

  assert {
    condition     = aws_lambda_function.this.vpc_config[0].subnet_ids == toset(["subnet-a", "subnet-b"]) && aws_lambda_function.this.vpc_config[0].security_group_ids == toset(["sg-step"])
    error_message = "The function runs in the private subnets behind its own security group."
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active" && aws_lambda_function.this.reserved_concurrent_executions == 100
    error_message = "X-Ray tracing is active and concurrency is reserved."
  }

  assert {
    condition     = aws_lambda_function.this.kms_key_arn == aws_kms_key.this.arn && aws_kms_key.this.enable_key_rotation
    error_message = "The environment is encrypted with the module's rotating key."
  }

  assert {
    condition     = length(aws_lambda_function.this.dead_letter_config) == 0
    error_message = "Step Functions invokes the function synchronously: there are no asynchronous failures to dead-letter."
  }

  assert {
    condition     = aws_lambda_function.this.logging_config[0].log_group == "/aws/lambda/test-screening-step" && aws_cloudwatch_log_group.function.kms_key_id == var.log_kms_key_arn && aws_cloudwatch_log_group.function.retention_in_days == 365
    error_message = "The function logs to its KMS-encrypted group, kept a year."
  }

  assert {
    condition     = aws_lambda_function.this.publish && aws_lambda_alias.live.function_name == "test-screening-step" && aws_lambda_alias.live.function_version == "7"
    error_message = "The live alias names the version this apply published."
  }

  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      BNPL_DYNAMODB_ENDPOINT     = ""
      BNPL_SCORING_ENDPOINT_NAME = "bnpl-credit-model"
      BNPL_SCORING_ENDPOINT_URL  = ""
      BNPL_TABLE_PREFIX          = "test-"
      BNPL_USER_SERVICE_AUTH     = "iam"
      BNPL_USER_SERVICE_URL      = "https://abc123.execute-api.us-east-1.amazonaws.com"
    })
    error_message = "The function gets the tables', the user service's and the scoring endpoint's settings, and nothing else."
  }
}

run "state_machine" {
  command = plan

  assert {
    condition     = aws_sfn_state_machine.this.name == "test-screening" && aws_sfn_state_machine.this.type == "EXPRESS"
    error_message = "The workflow is an Express state machine (StartSyncExecution needs one)."
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.this.definition) == jsondecode(replace(var.asl, "$${screening_step_arn}", "arn:aws:lambda:us-east-1:123456789012:function:test-screening-step:live"))
    error_message = "The definition is the repository's ASL file with every Task's Resource the step function's live alias."
  }

  assert {
    condition     = strcontains(var.asl, "$${screening_step_arn}") && !strcontains(aws_sfn_state_machine.this.definition, "$${screening_step_arn}")
    error_message = "The file names the step function by its placeholder, which is replaced everywhere."
  }

  assert {
    condition = aws_sfn_state_machine.this.logging_configuration[0] == {
      level                  = "ALL"
      include_execution_data = false
      log_destination        = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/test-screening:*"
    }
    error_message = "Every execution event is logged to the machine's group, without the execution data."
  }

  assert {
    condition     = aws_cloudwatch_log_group.state_machine.name == "/aws/vendedlogs/states/test-screening" && aws_cloudwatch_log_group.state_machine.kms_key_id == var.log_kms_key_arn && aws_cloudwatch_log_group.state_machine.retention_in_days == 365
    error_message = "The execution history is KMS-encrypted and kept a year."
  }

  assert {
    condition     = aws_sfn_state_machine.this.tracing_configuration[0].enabled && aws_sfn_state_machine.this.role_arn == aws_iam_role.state_machine.arn
    error_message = "The machine traces with X-Ray and runs with its own role."
  }
}

run "state_machine_role_is_least_privilege" {
  command = plan

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.state_machine.policy).Statement : s.Sid => s.Resource
      } == {
      InvokeScreeningStep  = "arn:aws:lambda:us-east-1:123456789012:function:test-screening-step:live"
      DeliverExecutionLogs = "*"
      WriteTraces          = "*"
    }
    error_message = "The machine may invoke the step function's live alias, and nothing else by name."
  }

  assert {
    condition = toset(flatten([
      for s in jsondecode(aws_iam_role_policy.state_machine.policy).Statement : s.Action if s.Resource == "*"
      ])) == toset([
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
      "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
    ])
    error_message = "Only log delivery and X-Ray, whose calls take no resource, are on \"*\"."
  }

  assert {
    condition = jsondecode(aws_iam_role.state_machine.assume_role_policy).Statement[0] == {
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = "123456789012" }
        ArnLike      = { "aws:SourceArn" = "arn:aws:states:us-east-1:123456789012:stateMachine:test-screening" }
      }
    }
    error_message = "Only this state machine may assume its role."
  }
}

run "function_role_is_least_privilege" {
  command = plan

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.function.policy).Statement : s.Sid => s.Action
      } == {
      DescribeNetwork          = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
      CreateFunctionInterfaces = "ec2:CreateNetworkInterface"
      ManageFunctionInterfaces = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
      WriteFunctionLogs        = ["logs:CreateLogStream", "logs:PutLogEvents"]
      WriteTraces              = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      UseFunctionKey           = "kms:Decrypt"
      ReadScreeningTables      = "dynamodb:Query"
      ScoreApplicants          = "sagemaker:InvokeEndpoint"
      ReadBankData             = "execute-api:Invoke"
      TablesKeyThroughDynamoDB = "kms:Decrypt"
    }
    error_message = "The function may query plans, score and fetch bank data; it writes nothing."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.function.policy).Statement : s.Resource if s.Sid == "ReadScreeningTables"][0] == [
      "arn:aws:dynamodb:us-east-1:123456789012:table/test-plans",
      "arn:aws:dynamodb:us-east-1:123456789012:table/test-plans/index/*",
    ]
    error_message = "Table reads are limited to the given tables and their indexes."
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.function.policy).Statement : s.Sid => s.Resource if contains(["ScoreApplicants", "ReadBankData", "TablesKeyThroughDynamoDB"], s.Sid)
      } == {
      ScoreApplicants          = var.scoring_endpoint_arn
      ReadBankData             = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/customers/me/bank-consents/*/data"
      TablesKeyThroughDynamoDB = var.tables_kms_key_arn
    }
    error_message = "The function may invoke the scoring endpoint, GET a consent's bank data and use the tables' key, and no more."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.function.policy).Statement : s.Condition.StringEquals["kms:ViaService"] if s.Sid == "TablesKeyThroughDynamoDB"] == ["dynamodb.us-east-1.amazonaws.com"]
    error_message = "The tables' key is usable only through DynamoDB."
  }

  assert {
    condition = toset(flatten([
      for s in jsondecode(aws_iam_role_policy.function.policy).Statement : s.Action if s.Resource == "*"
    ])) == toset(["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "xray:PutTraceSegments", "xray:PutTelemetryRecords"])
    error_message = "Only actions without resource-level permissions are on \"*\"."
  }

  assert {
    condition     = jsondecode(aws_iam_role.function.assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "Only Lambda may assume the function's role."
  }
}

run "network" {
  command = plan

  assert {
    condition = (
      aws_vpc_security_group_egress_rule.function_https.security_group_id == "sg-step" &&
      aws_vpc_security_group_egress_rule.function_https.ip_protocol == "tcp" &&
      aws_vpc_security_group_egress_rule.function_https.from_port == 443 &&
      aws_vpc_security_group_egress_rule.function_https.to_port == 443
    )
    error_message = "The function may open HTTPS connections only; its group admits nothing in."
  }
}

run "without_a_tables_key" {
  command = plan

  variables {
    tables_kms_key_arn = null
  }

  assert {
    condition     = !contains([for s in jsondecode(aws_iam_role_policy.function.policy).Statement : s.Sid], "TablesKeyThroughDynamoDB")
    error_message = "Without a tables key the role names none."
  }
}

run "the_function_gives_up_before_the_state_machine" {
  command = plan

  # Five minutes, an Express execution's limit: longer than any Task's timeout.
  variables {
    timeout = 300
  }

  expect_failures = [aws_lambda_function.this]
}

run "module_settings_cannot_be_overridden" {
  command = plan

  variables {
    environment = { BNPL_SCORING_ENDPOINT_NAME = "another-model" }
  }

  expect_failures = [var.environment]
}
