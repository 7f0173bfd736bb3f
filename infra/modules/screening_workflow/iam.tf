# Two roles: the step function's, with exactly the reads the screening steps make; and the state
# machine's, which may invoke that function's live alias, deliver its logs and send its traces.
# Policies are jsonencode'd so a plan shows the exact documents and tests can assert on them.

locals {
  ec2_arn           = "arn:${var.partition}:ec2:${var.region}:${var.account_id}"
  table_resources   = flatten([for arn in var.table_arns : [arn, "${arn}/index/*"]])
  state_machine_arn = "arn:${var.partition}:states:${var.region}:${var.account_id}:stateMachine:${var.name}"

  function_statements = concat(
    [
      {
        # Describe calls have no resource-level permissions.
        Sid      = "DescribeNetwork"
        Effect   = "Allow"
        Action   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
        Resource = "*"
      },
      {
        # Lambda creates the function's interfaces in its subnets with its security group.
        Sid    = "CreateFunctionInterfaces"
        Effect = "Allow"
        Action = "ec2:CreateNetworkInterface"
        Resource = concat(
          ["${local.ec2_arn}:network-interface/*", "${local.ec2_arn}:security-group/${aws_security_group.function.id}"],
          [for id in var.private_subnet_ids : "${local.ec2_arn}:subnet/${id}"],
        )
      },
      {
        Sid      = "ManageFunctionInterfaces"
        Effect   = "Allow"
        Action   = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
        Resource = "${local.ec2_arn}:network-interface/*"
      },
      {
        # The log group is ours (retention, key), so the role does not create groups. The step
        # metrics are EMF lines in these logs: no cloudwatch:PutMetricData.
        Sid      = "WriteFunctionLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.function.arn}:*"
      },
      {
        # X-Ray's write calls have no resource-level permissions.
        Sid      = "WriteTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
      {
        # Lambda decrypts the environment on the role's behalf.
        Sid      = "UseFunctionKey"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = aws_kms_key.this.arn
      },
      {
        # services/credit/plans/history.py: the customer's plans by the by_customer index
        # (exposure, payment history). Prior applications travel in the run's state (the service
        # read them when it wrote the application), so no other table is read, and none written.
        Sid      = "ReadScreeningTables"
        Effect   = "Allow"
        Action   = "dynamodb:Query"
        Resource = local.table_resources
      },
      {
        # services/credit/adapters/scoring.py: sagemaker-runtime invoke_endpoint on the credit model.
        Sid      = "ScoreApplicants"
        Effect   = "Allow"
        Action   = "sagemaker:InvokeEndpoint"
        Resource = var.scoring_endpoint_arn
      },
      {
        # services/credit/adapters/bank_data.py: one consent's bank data, SigV4-signed
        # (BNPL_USER_SERVICE_AUTH=iam). Any stage, GET, this path only: the profile comes with the
        # run.
        Sid      = "ReadBankData"
        Effect   = "Allow"
        Action   = "execute-api:Invoke"
        Resource = "${var.user_service_execution_arn}/*/GET/customers/me/bank-consents/*/data"
      },
    ],
    var.tables_kms_key_arn == null ? [] : [{
      # The tables' customer-managed key, to read items, only through DynamoDB.
      Sid       = "TablesKeyThroughDynamoDB"
      Effect    = "Allow"
      Action    = "kms:Decrypt"
      Resource  = var.tables_kms_key_arn
      Condition = { StringEquals = { "kms:ViaService" = "dynamodb.${var.region}.amazonaws.com" } }
    }],
  )
}

resource "aws_iam_role" "function" {
  name_prefix = "${substr(local.function_name, 0, 37)}-"
  description = "Execution role of the ${local.function_name} function: the screening's reads."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "function" {
  name   = "screening-step"
  role   = aws_iam_role.function.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.function_statements })
}

# Only this state machine of this account may assume its role (the confused-deputy conditions).
resource "aws_iam_role" "state_machine" {
  name_prefix = "${substr(var.name, 0, 30)}-states-"
  description = "Role of the ${var.name} state machine: invoke its step function, deliver its logs, send its traces."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = var.account_id }
        ArnLike      = { "aws:SourceArn" = local.state_machine_arn }
      }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "state_machine" {
  name = "prescreening"
  role = aws_iam_role.state_machine.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # The alias every Task state names, and nothing else: not $LATEST, not another version.
        Sid      = "InvokeScreeningStep"
        Effect   = "Allow"
        Action   = "lambda:InvokeFunction"
        Resource = aws_lambda_alias.live.arn
      },
      {
        # Step Functions delivers its logs through CloudWatch Logs' log-delivery APIs, which take
        # no resource-level permissions: AWS documents these actions on "*"
        # (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html). Where the logs go
        # is the machine's logging_configuration, this module's log group.
        Sid    = "DeliverExecutionLogs"
        Effect = "Allow"
        Action = [
          "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
        ]
        Resource = "*"
      },
      {
        # X-Ray's calls have no resource-level permissions.
        Sid    = "WriteTraces"
        Effect = "Allow"
        Action = [
          "xray:PutTraceSegments", "xray:PutTelemetryRecords",
          "xray:GetSamplingRules", "xray:GetSamplingTargets",
        ]
        Resource = "*"
      },
    ]
  })
}
