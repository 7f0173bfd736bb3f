# The sender's role: exactly what services/credit/webhooks calls, on exactly the resources it
# calls; and the schedule's role, which may only invoke the sender. Policies are jsonencode'd so
# a plan shows the exact documents and tests can assert on them.

locals {
  ec2_arn         = "arn:${var.partition}:ec2:${var.region}:${var.account_id}"
  table_resources = flatten([for arn in var.table_arns : [arn, "${arn}/index/*"]])

  sender_statements = concat(
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
          ["${local.ec2_arn}:network-interface/*", "${local.ec2_arn}:security-group/${aws_security_group.sender.id}"],
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
        # The log group is ours (retention, key), so the role does not create groups. The
        # delivery metrics are EMF lines in these logs: no cloudwatch:PutMetricData.
        Sid      = "WriteFunctionLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.sender.arn}:*"
      },
      {
        # X-Ray's write calls have no resource-level permissions.
        Sid      = "WriteTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
      {
        # pynamodb get/save/update and queries: events (by_id, undispatched; a batch of a
        # stream's new events read at once), endpoints (by_merchant), deliveries (due,
        # by_endpoint); conditional writes take the same actions.
        Sid      = "WebhookTables"
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]
        Resource = local.table_resources
      },
      {
        # An event's checkout names its merchant; the sender only reads it.
        Sid      = "ReadCheckouts"
        Effect   = "Allow"
        Action   = "dynamodb:GetItem"
        Resource = var.checkouts_table_arn
      },
      {
        # The event source mapping reads the outbox's stream with the function's role.
        Sid      = "ReadOutboxStream"
        Effect   = "Allow"
        Action   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]
        Resource = "${var.events_table_arn}/stream/*"
      },
      {
        # Given-up deliveries (BNPL_WEBHOOK_DEAD_LETTER_QUEUE_URL) and, as the function's role,
        # the stream mapping's on-failure records.
        Sid      = "SendDeadLetters"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.dead_letters.arn
      },
      {
        # The redrive queue's event source mapping polls with the function's role
        # (GetQueueAttributes: the mapping checks the queue).
        Sid      = "ReceiveRedrives"
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
        Resource = aws_sqs_queue.redrive.arn
      },
      {
        # The queues are SSE-KMS (sending needs a data key, receiving decrypts); Lambda decrypts
        # the environment on the role's behalf with the same key.
        Sid      = "UseFunctionKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.this.arn
      },
      {
        # Endpoints' signing secrets: read only; the credit service writes them.
        Sid      = "ReadSigningSecrets"
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = local.secret_arn_pattern
      },
      {
        Sid       = "SecretsKeyThroughSecretsManager"
        Effect    = "Allow"
        Action    = "kms:Decrypt"
        Resource  = aws_kms_key.secrets.arn
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${var.region}.amazonaws.com" } }
      },
    ],
    var.tables_kms_key_arn == null ? [] : [{
      # The tables' customer-managed key (items and the stream), only through DynamoDB.
      Sid       = "TablesKeyThroughDynamoDB"
      Effect    = "Allow"
      Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource  = var.tables_kms_key_arn
      Condition = { StringEquals = { "kms:ViaService" = "dynamodb.${var.region}.amazonaws.com" } }
    }],
  )
}

resource "aws_iam_role" "sender" {
  name_prefix = "${substr(var.name, 0, 37)}-"
  description = "Execution role of the ${var.name} Lambda function (merchant webhooks)."
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

resource "aws_iam_role_policy" "sender" {
  name   = "webhook-sender"
  role   = aws_iam_role.sender.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.sender_statements })
}

resource "aws_iam_role" "scheduler" {
  name_prefix = "${substr(var.name, 0, 28)}-schedule-"
  description = "Lets EventBridge Scheduler invoke the ${var.name} sweep, and nothing else."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "scheduler" {
  name = "invoke-sweep"
  role = aws_iam_role.scheduler.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "InvokeTheSender"
      Effect   = "Allow"
      Action   = "lambda:InvokeFunction"
      Resource = aws_lambda_function.sender.arn
    }]
  })
}
