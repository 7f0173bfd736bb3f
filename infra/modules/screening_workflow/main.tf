# The pre-screening workflow on Step Functions: an Express state machine whose definition is the
# repository's ASL file (services/credit/screening/prescreening.asl.json, which the in-process
# runner reads too), and the one Lambda function every Task state invokes with the step's name.
#
#   credit service ── StartSyncExecution ──▶ state machine (EXPRESS) ──▶ step function (alias live)
#   step function (private subnets) ──▶ DynamoDB (gateway endpoint), SageMaker Runtime (interface
#                                       endpoint), the user service's API (NAT gateway)
#
# The credit service chooses the engine (BNPL_WORKFLOW_ENGINE); this module only deploys the
# machine, so switching is a setting, not a deployment of infrastructure.

locals {
  function_name    = "${var.name}-step"
  handler          = "services.credit.step_lambda.handler"
  scoring_endpoint = element(split("/", var.scoring_endpoint_arn), 1)

  # One description of the workflow for both engines; templatefile fills in the step function.
  definition_file = "${path.module}/../../../services/credit/screening/prescreening.asl.json"
  definition      = templatefile(local.definition_file, { screening_step_arn = aws_lambda_alias.live.arn })

  # Every Task's TimeoutSeconds, in the chain and inside the Parallel branches: the function
  # must give up before any of them.
  asl = jsondecode(file(local.definition_file))
  tasks = concat(
    [for state in values(local.asl.States) : state if state.Type == "Task"],
    flatten([
      for state in values(local.asl.States) : [
        for branch in state.Branches : [for inner in values(branch.States) : inner if inner.Type == "Task"]
      ] if state.Type == "Parallel"
    ]),
  )
  task_timeouts = compact([for task in local.tasks : try(tostring(task.TimeoutSeconds), "")])

  # What the steps read (services/shared/settings.py): the tables, the user service (given in
  # var.environment) and the scoring endpoint, as the credit service has them. Empty endpoint URLs
  # mean AWS's default for the region. The sandbox bureau needs no setting in AWS (its outage
  # switch is the local stack's). Lambda sets AWS_REGION and the X-Ray daemon's address itself.
  module_environment = {
    BNPL_DYNAMODB_ENDPOINT     = ""
    BNPL_SCORING_ENDPOINT_URL  = ""
    BNPL_SCORING_ENDPOINT_NAME = local.scoring_endpoint
  }
  environment = merge(var.environment, local.module_environment)
}

# ---------------------------------------------------------------- the step function

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_272:Lambda code signing applies to .zip packages only; this function is a container image, whose integrity comes from its ECR digest.
  #checkov:skip=CKV_AWS_116:Step Functions invokes the function synchronously and handles its errors with the definition's Retry and Catch; a dead-letter queue only receives failed asynchronous invocations, and nothing invokes it asynchronously.
  function_name = local.function_name
  description   = "Runs one pre-screening step by name for the Step Functions state machine ${var.name}."
  role          = aws_iam_role.function.arn
  package_type  = "Image"
  image_uri     = var.image_uri
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.timeout

  # The alias names a published version, so a deployment moves the function and the state
  # machine's target together.
  publish = true

  # One image serves every Lambda function; this one's entry point is the screening step.
  image_config {
    command = [local.handler]
  }

  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = aws_kms_key.this.arn

  environment {
    variables = local.environment
  }

  vpc_config {
    subnet_ids         = var.private_subnet_ids
    security_group_ids = [aws_security_group.function.id]
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text" # Powertools writes its own JSON lines
    log_group  = aws_cloudwatch_log_group.function.name
  }

  tags = var.tags

  # The role must be able to create network interfaces and write logs before the first start.
  depends_on = [aws_iam_role_policy.function]

  lifecycle {
    precondition {
      condition     = alltrue([for seconds in local.task_timeouts : var.timeout < tonumber(seconds)])
      error_message = "timeout must be under every Task's TimeoutSeconds in prescreening.asl.json, so a step that overruns ends in the function, not in the state machine while it still runs."
    }
  }
}

resource "aws_lambda_alias" "live" {
  name             = "live"
  description      = "The version the state machine invokes."
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}

resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

# Encrypts the function's environment. The policy delegates to IAM; the function's role is the
# only principal granted its use.
resource "aws_kms_key" "this" {
  description             = "Encrypts the environment of the ${local.function_name} function."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  tags                    = var.tags

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministersTheKey"
      Effect    = "Allow"
      Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.function_name}"
  target_key_id = aws_kms_key.this.key_id
}

# ---------------------------------------------------------------- network

resource "aws_security_group" "function" {
  name_prefix = "${var.name}-step-"
  description = "The ${local.function_name} function: HTTPS out, nothing in."
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = local.function_name })

  lifecycle {
    create_before_destroy = true
  }
}

# Everything a step calls answers HTTPS on 443, as for the credit service: DynamoDB (gateway
# endpoint), SageMaker Runtime (interface endpoint) and the user service's API, which API Gateway
# serves from addresses of its own (through the NAT gateway), so no narrower destination holds.
resource "aws_vpc_security_group_egress_rule" "function_https" {
  security_group_id = aws_security_group.function.id
  description       = "HTTPS to DynamoDB, SageMaker Runtime and the user service"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# ---------------------------------------------------------------- the state machine

resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_285:Execution data is the applicant's personal data (profile, bank data, bureau file); with level ALL every state's events, errors and timing are still logged, and the decision's own record keeps the steps' findings.
  name       = var.name
  type       = "EXPRESS"
  role_arn   = aws_iam_role.state_machine.arn
  definition = local.definition

  # Express executions keep no history of their own: these logs are it. Inputs and outputs are
  # left out (include_execution_data = false): they hold the applicant's personal data.
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = false
    level                  = "ALL"
  }

  tracing_configuration {
    enabled = true
  }

  tags = var.tags

  # Creating a machine that logs checks that its role may deliver the logs.
  depends_on = [aws_iam_role_policy.state_machine]
}

# The /aws/vendedlogs/ prefix is where CloudWatch Logs expects vended log deliveries, whose
# resource policy then covers the prefix rather than growing per group.
resource "aws_cloudwatch_log_group" "state_machine" {
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}
