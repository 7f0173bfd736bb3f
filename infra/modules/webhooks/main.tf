# Merchant webhooks in AWS: the sender Lambda (services.credit.webhooks.lambda_handler.handler in
# the Lambda image) and its three triggers.
#
#   credit service ── one transaction: the change + its event ──▶ webhook_events (the outbox)
#   webhook_events stream (new images, INSERTs only) ──▶ sender ──HTTPS, signed──▶ merchant
#   every minute (EventBridge Scheduler) ──▶ sender: due retries, and events the stream missed
#   webhook-redrive queue ◀── operator's DLQ redrive ◀── dead-letter queue ◀── given-up deliveries
#                         └──▶ sender (replays)                            ◀── failed stream batches
#
# The function runs in the private subnets: merchants see the NAT gateways' addresses (the
# platform's webhook_source_ips output, for their allow-lists), DynamoDB is reached through its
# gateway endpoint, Secrets Manager and SQS through NAT.

locals {
  log_group_name = "/aws/lambda/${var.name}"
  handler        = "services.credit.webhooks.lambda_handler.handler"

  # What the sender reads (services/credit/webhooks/settings.py, WebhookSettings; and the shared
  # Settings: BNPL_TABLE_PREFIX comes in var.environment). BNPL_WEBHOOKS_ALLOW_LOCAL (loopback
  # receivers) is the local stack's only and is never set here; Lambda sets AWS_REGION itself.
  module_environment = {
    BNPL_DYNAMODB_ENDPOINT             = ""
    BNPL_WEBHOOK_SECRETS               = "secretsmanager"
    BNPL_WEBHOOK_SECRET_PREFIX         = var.secret_prefix
    BNPL_WEBHOOK_SECRETS_KMS_KEY_ID    = aws_kms_key.secrets.arn
    BNPL_WEBHOOK_DEAD_LETTER_QUEUE_URL = aws_sqs_queue.dead_letters.url
  }
  environment = merge(var.environment, local.module_environment)

  # What the credit service needs to keep endpoints' secrets (it creates, rotates and deletes
  # them; the sender only reads them): the same three settings.
  secrets_environment = {
    BNPL_WEBHOOK_SECRETS            = "secretsmanager"
    BNPL_WEBHOOK_SECRET_PREFIX      = var.secret_prefix
    BNPL_WEBHOOK_SECRETS_KMS_KEY_ID = aws_kms_key.secrets.arn
  }
  secret_arn_pattern = "arn:${var.partition}:secretsmanager:${var.region}:${var.account_id}:secret:${var.secret_prefix}*"
}

resource "aws_lambda_function" "sender" {
  #checkov:skip=CKV_AWS_272:Lambda code signing applies to .zip packages only; this function is a container image, whose integrity comes from its ECR digest.
  #checkov:skip=CKV_AWS_116:Its only asynchronous invocations are the one-minute schedule's, which are not retried (the next minute's sweep is the retry) and alarm through Errors; failed stream batches go to the dead-letter queue through the event source mapping's on-failure destination.
  function_name = var.name
  description   = "Sends merchants' webhooks: new outbox events (stream), due retries (schedule), redriven dead letters (queue)."
  role          = aws_iam_role.sender.arn
  package_type  = "Image"
  image_uri     = var.image_uri
  architectures = [var.architecture]
  memory_size   = var.memory_size
  # Each HTTP attempt gives up after 15 s and a batch sends several.
  timeout = var.timeout

  # One image serves every Lambda function; this one's entry point is the webhook sender.
  image_config {
    command = [local.handler]
  }

  # A ceiling: merchants' endpoints see bounded load, and a slow merchant cannot take the
  # account's concurrency.
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = aws_kms_key.this.arn

  environment {
    variables = local.environment
  }

  vpc_config {
    subnet_ids         = var.private_subnet_ids
    security_group_ids = [aws_security_group.sender.id]
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text" # Powertools writes its own JSON lines (and the EMF metrics)
    log_group  = aws_cloudwatch_log_group.sender.name
  }

  tags = var.tags

  # The role must be able to create network interfaces and write logs before the first start.
  depends_on = [aws_iam_role_policy.sender]
}

resource "aws_cloudwatch_log_group" "sender" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

# The schedule's invocations are asynchronous: not retried (the next minute's sweep does the
# same work), and dropped if they could not start within a minute.
resource "aws_lambda_function_event_invoke_config" "sender" {
  function_name                = aws_lambda_function.sender.function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 60
}

# ---------------------------------------------------------------- triggers

# (1) New outbox events. Only INSERTs: the sender's own update that clears `undispatched`, and
# TTL deletions, are not events. Records of a checkout stay in order (one batch per shard at a
# time); a batch whose invocation raises is split to find the bad record, retried, then reported
# to the dead-letter queue (the sweep still finds its events through the `undispatched` index).
resource "aws_lambda_event_source_mapping" "events" {
  function_name     = aws_lambda_function.sender.arn
  event_source_arn  = var.events_stream_arn
  starting_position = "TRIM_HORIZON"
  batch_size        = var.stream_batch_size

  bisect_batch_on_function_error = true
  maximum_retry_attempts         = var.stream_maximum_retry_attempts
  maximum_record_age_in_seconds  = var.stream_maximum_record_age_in_seconds

  filter_criteria {
    filter {
      pattern = jsonencode({ eventName = ["INSERT"] })
    }
  }

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.dead_letters.arn
    }
  }
}

# (2) The retry sweep: deliveries whose next attempt is due, and events the stream missed.
resource "aws_scheduler_schedule" "sweep" {
  #checkov:skip=CKV_AWS_297:The schedule holds no customer data (a fixed input naming the sweep and the function's ARN), so AWS's own key is enough.
  name                         = "${var.name}-sweep"
  description                  = "The webhook sender's retry sweep."
  schedule_expression          = var.sweep_schedule
  schedule_expression_timezone = "UTC"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.sender.arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode(local.sweep_input)

    retry_policy {
      maximum_retry_attempts       = 0
      maximum_event_age_in_seconds = 60
    }
  }
}

locals {
  # What the handler receives from the schedule (a stream batch and a queue batch carry
  # `Records`; this does not).
  sweep_input = { task = "sweep" }
}

# (3) Redriven dead letters: an operator's DLQ redrive moves them here, the sender replays them
# (a delivery's letter makes that delivery due again; a stream failure record just runs the
# sweep). A batch that raises comes back, and after five receipts returns to the dead letters.
resource "aws_lambda_event_source_mapping" "redrive" {
  function_name    = aws_lambda_function.sender.arn
  event_source_arn = aws_sqs_queue.redrive.arn
  batch_size       = 10

  scaling_config {
    maximum_concurrency = 2
  }
}

# ---------------------------------------------------------------- network

resource "aws_security_group" "sender" {
  name_prefix = "${var.name}-"
  description = "The ${var.name} function: HTTPS out (merchants, AWS APIs), nothing in."
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true
  }
}

# Merchants' endpoints are public HTTPS URLs on 443 (through NAT); so are Secrets Manager and SQS.
# DynamoDB goes through its gateway endpoint, which the route tables carry.
resource "aws_vpc_security_group_egress_rule" "sender_https" {
  security_group_id = aws_security_group.sender.id
  description       = "HTTPS to merchants' webhook endpoints and AWS APIs"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
