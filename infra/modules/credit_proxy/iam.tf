# The function's one role: its network interfaces in the VPC, its log group, X-Ray, its
# dead-letter queue and its key. The credit proxy itself calls no AWS API (it speaks HTTP to the
# credit service and to Cognito's token endpoint), so the role grants nothing else. Policies are
# jsonencode'd so a plan shows the exact documents and tests can assert on them.

locals {
  ec2_arn = "arn:${var.partition}:ec2:${var.region}:${var.account_id}"
}

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

resource "aws_iam_role_policy" "this" {
  name = "credit-proxy"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
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
        # The log group is ours (retention, key), so the role does not create groups.
        Sid      = "WriteFunctionLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.this.arn}:*"
      },
      {
        # X-Ray's write calls have no resource-level permissions.
        Sid      = "WriteTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
      {
        Sid      = "SendDeadLetters"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.dlq.arn
      },
      {
        # The queue is SSE-KMS: sending needs a data key. Lambda decrypts the environment on the
        # role's behalf with the same key.
        Sid      = "UseFunctionKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.this.arn
      },
    ]
  })
}
