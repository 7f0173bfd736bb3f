# The user service in AWS: the container image's Starlette app on Lambda
# (services.user.lambda_handler.handler), in the private subnets, behind an HTTP API that admits
# only SigV4-signed callers (AppSync's user_service data source role), but for one route: the
# bank's consent notifications, which the bank signs itself (an HMAC over the body, with the
# secret kept in Secrets Manager) and which the app verifies.

locals {
  kms_key_arn = var.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn

  function_log_group_name = "/aws/lambda/${var.name}"
  access_log_group_name   = "/aws/apigateway/${var.name}/access"
  log_group_arns = [
    for name in [local.function_log_group_name, local.access_log_group_name] :
    "arn:${var.partition}:logs:${var.region}:${var.account_id}:log-group:${name}"
  ]

  # What the app reads (services/shared/settings.py); the environment's own settings (issuer,
  # JWKS URL, client ids, table prefix) come in var.environment. Lambda sets AWS_REGION itself.
  environment = merge(var.environment, {
    # Empty means the region's DynamoDB endpoint (the default points at DynamoDB Local).
    BNPL_DYNAMODB_ENDPOINT        = ""
    BNPL_MESSAGING                = "aws"
    BNPL_EMAIL_FROM_ADDRESS       = var.email_from_address
    BNPL_SMS_ORIGINATION_IDENTITY = var.sms_origination_identity_arn
    BNPL_SMS_CONFIGURATION_SET    = var.sms_configuration_set_arn == null ? "" : var.sms_configuration_set_arn
    # The bank's notification signing secret is read from Secrets Manager at run time, so it is
    # neither in the function's configuration nor in Terraform's state.
    BNPL_BANK_WEBHOOK_SECRET_ARN = aws_secretsmanager_secret.bank_webhook.arn
  })

  bank_notifications_route = "POST /bank/notifications"
}

# ---------------------------------------------------------------- the function

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_272:Lambda code signing applies to .zip packages only; this function is a container image, whose integrity comes from the immutable, scanned ECR tag or digest in image_uri.
  function_name = var.name
  description   = "BNPL user service (customers, verification, bank consents) behind API Gateway."
  role          = aws_iam_role.this.arn
  package_type  = "Image"
  image_uri     = var.image_uri
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.timeout_seconds
  # A ceiling, so a flood cannot exhaust the account's concurrency that the credit path needs.
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = local.kms_key_arn

  # The same image serves both Lambdas; this function runs the user service's handler.
  image_config {
    command = ["services.user.lambda_handler.handler"]
  }

  environment {
    variables = local.environment
  }

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.this.id]
  }

  tracing_config {
    mode = "Active"
  }

  # API Gateway invokes synchronously, so failures return to the caller; the queue catches the
  # asynchronous invocations (retries exhausted) should anything ever invoke the function so.
  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function.name
  }

  tags = var.tags

  # The role's policies must be in place before the function is created (VPC ENIs, DLQ, logs).
  depends_on = [aws_iam_role_policy.this]

  lifecycle {
    precondition {
      condition     = var.create_kms_key || var.kms_key_arn != null
      error_message = "Set kms_key_arn when create_kms_key is false: the environment, queue and logs are encrypted with a customer-managed key."
    }
  }
}

resource "aws_cloudwatch_log_group" "function" {
  name              = local.function_log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

resource "aws_sqs_queue" "dlq" {
  name                              = "${var.name}-dlq"
  message_retention_seconds         = 1209600 # 14 days, SQS's most: time to look
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = var.tags
}

# No ingress: only the Lambda service invokes the function. Egress is HTTPS only, to DynamoDB,
# SES, End User Messaging and the user pool's JWKS (through the VPC's endpoints or NAT).
resource "aws_security_group" "this" {
  name_prefix = "${var.name}-"
  description = "User service Lambda: no inbound, HTTPS outbound only."
  vpc_id      = var.vpc_id
  tags        = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "https" {
  for_each = toset(var.egress_cidr_blocks)

  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs and the JWKS endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

# ---------------------------------------------------------------- the HTTP API

resource "aws_apigatewayv2_api" "this" {
  name          = var.name
  description   = "The user service's REST API; callers sign with SigV4 (AppSync's HTTP data source), but the bank, whose notifications carry their own signature."
  protocol_type = "HTTP"
  tags          = var.tags
}

resource "aws_apigatewayv2_integration" "this" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.this.arn
  payload_format_version = "2.0"
  timeout_milliseconds   = var.integration_timeout_milliseconds
}

# Every path and method reaches the app, which routes them; IAM authorization means API Gateway
# turns away anything not signed by a principal allowed execute-api:Invoke on this API.
resource "aws_apigatewayv2_route" "this" {
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = "$default"
  authorization_type = "AWS_IAM"
  target             = "integrations/${aws_apigatewayv2_integration.this.id}"
}

# The bank calls this route without AWS credentials: it signs each notification (Standard
# Webhooks: an HMAC-SHA256 over id, timestamp and body, with the secret below) and the app refuses
# any request whose signature does not verify. Its own, tighter throttling (stage route_settings).
resource "aws_apigatewayv2_route" "bank_notifications" {
  #checkov:skip=CKV_AWS_309:The bank's consent notifications carry no AWS credentials; each is authenticated by its HMAC signature (webhook-signature, the bank's secret in Secrets Manager), which the user service verifies before acting, and the route is throttled on its own.
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = local.bank_notifications_route
  authorization_type = "NONE"
  target             = "integrations/${aws_apigatewayv2_integration.this.id}"
}

resource "aws_apigatewayv2_stage" "this" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit   = var.throttling_burst_limit
    throttling_rate_limit    = var.throttling_rate_limit
    detailed_metrics_enabled = true
  }

  route_settings {
    route_key                = aws_apigatewayv2_route.bank_notifications.route_key
    throttling_burst_limit   = var.bank_notifications_throttling_burst_limit
    throttling_rate_limit    = var.bank_notifications_throttling_rate_limit
    detailed_metrics_enabled = true
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    # The caller is AppSync's role; the shopper's token is never logged.
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      path               = "$context.path"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      integrationLatency = "$context.integrationLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationError   = "$context.integration.error"
      callerArn          = "$context.identity.userArn"
      sourceIp           = "$context.identity.sourceIp"
      xrayTraceId        = "$context.xrayTraceId"
    })
  }

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "access" {
  name              = local.access_log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_permission" "api_gateway" {
  statement_id  = "AllowInvokeFromTheUserServiceApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "apigateway.amazonaws.com"
  # This API only, any stage and route.
  source_arn = "${aws_apigatewayv2_api.this.execution_arn}/*"
}

# ---------------------------------------------------------------- the bank's signing secret

# The secret the bank signs its notifications with (a `whsec_...` value the bank issues). This
# creates the secret only; an operator stores the bank's value in it after the first apply:
#   aws secretsmanager put-secret-value --secret-id <bank_webhook_secret_arn> --secret-string whsec_...
# Until then the service answers bank notifications 503.
resource "aws_secretsmanager_secret" "bank_webhook" {
  #checkov:skip=CKV2_AWS_57:The bank issues this secret and must change it on its side at the same time, so it cannot rotate on a schedule of ours; a rotation is an operator putting the bank's new value.
  name                    = "${var.name}/bank-webhook-secret"
  description             = "The secret the bank signs its consent notifications with (whsec_...), for ${var.name}."
  kms_key_id              = local.kms_key_arn
  recovery_window_in_days = 30
  tags                    = var.tags
}

# ---------------------------------------------------------------- encryption

# One key for what the service leaves at rest: its environment, its dead letters, its logs and
# the bank's signing secret.
resource "aws_kms_key" "this" {
  count = var.create_kms_key ? 1 : 0

  description             = "Encrypts the ${var.name} environment, dead-letter queue and logs."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  tags                    = var.tags

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # AWS's default statement: IAM policies decide who uses the key (the function's role
        # gets exactly what it needs below).
        Sid       = "AccountAdministersTheKeyThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }
        Action    = "kms:*"
        # In a key policy, "*" is the key itself.
        Resource = "*"
      },
      {
        Sid       = "LogsEncryptTheServiceLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = local.log_group_arns }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "this" {
  count = var.create_kms_key ? 1 : 0

  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this[0].key_id
}
