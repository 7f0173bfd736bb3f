# The credit proxy: the Lambda behind AppSync's `credit_proxy` data source, in the private
# subnets, and the consumer side of the credit service's PrivateLink (an interface endpoint only
# the function's security group may reach). It calls the credit service through that endpoint and
# Cognito's token endpoint (client credentials, for merchants' calls) through the NAT gateway.

locals {
  tls = var.credit_service_private_dns_name != null

  # With TLS the endpoint answers on the service's own verified name (private DNS), which the
  # certificate covers; without it, on the endpoint's regional DNS name (see infra.md §2c: private
  # DNS needs a verified name).
  endpoint_host = local.tls ? var.credit_service_private_dns_name : aws_vpc_endpoint.credit_service.dns_entry[0].dns_name
  default_port  = local.tls ? 443 : 80
  credit_service_url = format("%s://%s%s",
    local.tls ? "https" : "http",
    local.endpoint_host,
    var.credit_service_port == local.default_port ? "" : ":${var.credit_service_port}",
  )

  environment = merge(var.environment, { BNPL_CREDIT_SERVICE_URL = local.credit_service_url })
  log_group   = "/aws/lambda/${var.name}"
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_272:Lambda code signing applies to .zip packages only; this function is a container image, whose integrity comes from its ECR digest.
  function_name = var.name
  description   = "AppSync's credit_proxy data source: forwards checkout, application and plan fields to the credit service over PrivateLink."
  role          = aws_iam_role.this.arn
  package_type  = "Image"
  image_uri     = var.image_uri
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.timeout

  # One image serves both Lambda functions; this one's entry point is the credit proxy.
  image_config {
    command = ["services.credit_proxy.handler.handler"]
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

  # AppSync invokes synchronously, so its errors go back to the caller; the queue catches
  # asynchronous invocations (retries by hand, tests) that fail twice.
  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }

  logging_config {
    log_format = "Text" # Powertools writes its own JSON lines
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

  # The role must be able to create network interfaces and write logs before the first start.
  depends_on = [aws_iam_role_policy.this]
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

# ---------------------------------------------------------------- encryption and dead letters

# Encrypts the environment (it holds the proxy's client secret) and the dead-letter queue. The
# policy delegates to IAM; the function's role is the only principal granted its use.
resource "aws_kms_key" "this" {
  description             = "Encrypts the environment and dead-letter queue of the ${var.name} function."
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
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_sqs_queue" "dlq" {
  name                              = "${var.name}-dlq"
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
  message_retention_seconds         = 1209600 # 14 days, SQS's longest
  tags                              = var.tags
}

# ---------------------------------------------------------------- network

resource "aws_security_group" "function" {
  name_prefix = "${var.name}-fn-"
  description = "The ${var.name} function: the credit service endpoint and HTTPS out, nothing in."
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-function" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "function_to_credit_service" {
  security_group_id            = aws_security_group.function.id
  description                  = "The credit service, through its PrivateLink endpoint"
  ip_protocol                  = "tcp"
  from_port                    = var.credit_service_port
  to_port                      = var.credit_service_port
  referenced_security_group_id = aws_security_group.endpoint.id
}

# Cognito's token endpoint (client credentials for merchants' calls) is public; it is reached
# through the NAT gateway.
resource "aws_vpc_security_group_egress_rule" "function_https" {
  security_group_id = aws_security_group.function.id
  description       = "HTTPS to the Cognito token endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_security_group" "endpoint" {
  name_prefix = "${var.name}-vpce-"
  description = "The credit service's PrivateLink endpoint: the ${var.name} function only."
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-credit-service-endpoint" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "endpoint_from_function" {
  #checkov:skip=CKV_AWS_260:False positive: the source is the function's security group (referenced_security_group_id), not 0.0.0.0/0; the check only recognises sources given as security_groups or source_security_group_id.
  security_group_id            = aws_security_group.endpoint.id
  description                  = "The credit proxy function"
  ip_protocol                  = "tcp"
  from_port                    = var.credit_service_port
  to_port                      = var.credit_service_port
  referenced_security_group_id = aws_security_group.function.id
}

resource "aws_vpc_endpoint" "credit_service" {
  vpc_id              = var.vpc_id
  service_name        = var.endpoint_service_name
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.private_subnet_ids
  security_group_ids  = [aws_security_group.endpoint.id]
  private_dns_enabled = local.tls

  tags = merge(var.tags, { Name = "${var.name}-credit-service" })
}
