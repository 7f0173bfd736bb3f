# The function's role: exactly what services/user calls, on exactly the resources it calls.

resource "aws_iam_role" "this" {
  name_prefix = "${substr(var.name, 0, 37)}-"
  description = "Execution role of the ${var.name} Lambda function."
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

locals {
  index_arns = [for arn in var.table_arns : "${arn}/index/*"]

  policy_statements = concat(
    [
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.function.arn}:*"]
      },
      {
        # Describe calls have no resource-level permissions; they only read.
        Sid      = "DescribeVpcNetworking"
        Effect   = "Allow"
        Action   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
        Resource = ["*"]
      },
      {
        # Lambda manages the function's network interfaces with its role; only in our VPC.
        Sid      = "ManageNetworkInterfacesInTheVpc"
        Effect   = "Allow"
        Action   = ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
        Resource = ["*"]
        Condition = {
          ArnEqualsIfExists = { "ec2:Vpc" = "arn:${var.partition}:ec2:${var.region}:${var.account_id}:vpc/${var.vpc_id}" }
        }
      },
      {
        # X-Ray's write calls have no resource-level permissions.
        Sid      = "SendTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = ["*"]
      },
      {
        Sid      = "DeadLetters"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = [aws_sqs_queue.dlq.arn]
      },
      {
        # The environment, the queue and the logs share the service's key.
        Sid      = "UseTheServiceKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = [local.kms_key_arn]
      },
      {
        # pynamodb's item calls; TransactWriteItems is authorized per item by these actions.
        # DescribeTable: pynamodb reads each table's key schema once.
        Sid      = "UserTables"
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem", "dynamodb:Query", "dynamodb:DescribeTable"]
        Resource = var.table_arns
      },
      {
        Sid      = "UserTableIndexes"
        Effect   = "Allow"
        Action   = ["dynamodb:Query"]
        Resource = local.index_arns
      },
      {
        # The bank's notification signing secret (BNPL_BANK_WEBHOOK_SECRET_ARN), read only; the
        # service key above decrypts it.
        Sid      = "ReadBankWebhookSecret"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = [aws_secretsmanager_secret.bank_webhook.arn]
      },
      {
        # Emailed codes: sesv2 SendEmail from the verified identity, as the configured sender.
        Sid      = "SendVerificationEmail"
        Effect   = "Allow"
        Action   = ["ses:SendEmail"]
        Resource = [var.ses_identity_arn]
        Condition = {
          StringEquals = { "ses:FromAddress" = var.email_from_address }
        }
      },
      {
        # Texted codes: pinpoint-sms-voice-v2 SendTextMessage from the origination identity
        # (and with the configuration set, when one is given).
        Sid      = "SendVerificationSms"
        Effect   = "Allow"
        Action   = ["sms-voice:SendTextMessage"]
        Resource = compact([var.sms_origination_identity_arn, var.sms_configuration_set_arn])
      },
    ],
    var.table_kms_key_arn == null ? [] : [{
      # The tables' customer-managed key, only as DynamoDB uses it on the function's behalf.
      Sid      = "UseTheTablesKeyThroughDynamoDB"
      Effect   = "Allow"
      Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      Resource = [var.table_kms_key_arn]
      Condition = {
        StringEquals = { "kms:ViaService" = "dynamodb.${var.region}.amazonaws.com" }
      }
    }],
  )
}

resource "aws_iam_role_policy" "this" {
  name   = "user-service"
  role   = aws_iam_role.this.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.policy_statements })
}
