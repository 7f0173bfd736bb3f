# The platform's alarms and the topic they notify. What each alarm means and what to do about it
# is the runbook in docs/metrics.md; each alarm's description names its section.
#
# The product's own figures are the services' EMF metrics (namespace var.namespace, dimension
# `service`, every figure also under `service` alone), which CloudWatch Logs extracts from the
# Lambdas' and the credit service's log groups; the APIs' 5xx rates are AppSync's and API
# Gateway's own metrics. No data is no alarm: a quiet hour pages nobody.

locals {
  create_topic = var.alarm_topic_arn == null
  # Built from the topic's name, not read back from the topic, so that it is known when planning:
  # other modules decide from it whether to make a topic of their own (a count). The reference
  # still orders the alarms after the topic.
  alarm_topic_arn = (
    local.create_topic
    ? "arn:${var.partition}:sns:${var.region}:${var.account_id}:${aws_sns_topic.alarms[0].name}"
    : var.alarm_topic_arn
  )
  runbook = "docs/metrics.md"
  credit  = { service = "credit" }

  # Errors / requests over a window, once the window holds enough requests to mean something
  # (below the minimum the rate counts as 0). A window without errors has no error datapoint.
  rate_alarms = {
    "api-5xx-rate" = {
      description = "More than ${var.server_error_rate_threshold * 100}% of the API's requests failed with 5xx in two of three 5-minute windows (AppSync 5XXError / Requests). Runbook: ${local.runbook}, \"API 5xx rate\"."
      namespace   = "AWS/AppSync"
      errors      = "5XXError"
      requests    = "Requests"
      dimensions  = { GraphQLAPIId = var.graphql_api_id }
      minimum     = var.server_error_min_requests
      threshold   = var.server_error_rate_threshold
      period      = 300
      evaluations = 3
      breaching   = 2
    }
    "user-service-5xx-rate" = {
      description = "More than ${var.server_error_rate_threshold * 100}% of the user service's requests failed with 5xx in two of three 5-minute windows (API Gateway 5xx / Count). Runbook: ${local.runbook}, \"API 5xx rate\"."
      namespace   = "AWS/ApiGateway"
      errors      = "5xx"
      requests    = "Count"
      dimensions  = { ApiId = var.user_service_api_id }
      minimum     = var.server_error_min_requests
      threshold   = var.server_error_rate_threshold
      period      = 300
      evaluations = 3
      breaching   = 2
    }
    "credit-service-5xx-rate" = {
      description = "More than ${var.server_error_rate_threshold * 100}% of the credit service's requests failed with 5xx in two of three 5-minute windows (its own ServerErrors / Requests: its load balancer is TCP and counts no statuses). Runbook: ${local.runbook}, \"API 5xx rate\"."
      namespace   = var.namespace
      errors      = "ServerErrors"
      requests    = "Requests"
      dimensions  = local.credit
      minimum     = var.server_error_min_requests
      threshold   = var.server_error_rate_threshold
      period      = 300
      evaluations = 3
      breaching   = 2
    }
    "screening-error-rate" = {
      description = "More than ${var.screening_error_rate_threshold * 100}% of screening steps ended in error over ${var.rate_period / 60} minutes (a dependency down after its retries, or a fault): those applications stay PENDING. Runbook: ${local.runbook}, \"Screening step error rate\"."
      namespace   = var.namespace
      errors      = "ScreeningStepErrors"
      requests    = "ScreeningSteps"
      dimensions  = local.credit
      minimum     = var.screening_min_steps
      threshold   = var.screening_error_rate_threshold
      period      = var.rate_period
      evaluations = 1
      breaching   = 1
    }
    "payment-failure-rate" = {
      description = "More than ${var.payment_failure_rate_threshold * 100}% of money movements (charges, refunds, captures, voids) could not be made over ${var.rate_period / 60} minutes; declined cards are not failures. Runbook: ${local.runbook}, \"Payment failures\"."
      namespace   = var.namespace
      errors      = "MoneyMovementFailures"
      requests    = "MoneyMovements"
      dimensions  = local.credit
      minimum     = var.payment_min_movements
      threshold   = var.payment_failure_rate_threshold
      period      = var.rate_period
      evaluations = 1
      breaching   = 1
    }
  }
}

# ---------------------------------------------------------------- the topic

# The account administers the key through IAM; CloudWatch may use it to publish alarms to the
# encrypted topic.
resource "aws_kms_key" "alarms" {
  count = local.create_topic ? 1 : 0

  description             = "Encrypts the ${var.name}-alarms topic."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  tags                    = var.tags

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }
        Action    = "kms:*"
        # In a key policy, "*" is the key itself.
        Resource = "*"
      },
      {
        # Alarms publish to the SSE-KMS topic as CloudWatch, which needs a data key.
        Sid       = "CloudWatchPublishesAlarms"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
      },
    ]
  })
}

resource "aws_kms_alias" "alarms" {
  count = local.create_topic ? 1 : 0

  name          = "alias/${var.name}-alarms"
  target_key_id = aws_kms_key.alarms[0].key_id
}

resource "aws_sns_topic" "alarms" {
  count = local.create_topic ? 1 : 0

  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.alarms[0].arn
  tags              = var.tags
}

# ---------------------------------------------------------------- alarms

resource "aws_cloudwatch_metric_alarm" "rate" {
  for_each = local.rate_alarms

  alarm_name        = "${var.name}-${each.key}"
  alarm_description = each.value.description

  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  evaluation_periods  = each.value.evaluations
  datapoints_to_alarm = each.value.breaching
  treat_missing_data  = "notBreaching"

  metric_query {
    id          = "rate"
    expression  = "IF(requests >= ${each.value.minimum}, FILL(errors, 0) / requests, 0)"
    label       = "${each.value.errors} / ${each.value.requests}"
    return_data = true
  }

  metric_query {
    id = "errors"

    metric {
      namespace   = each.value.namespace
      metric_name = each.value.errors
      dimensions  = each.value.dimensions
      stat        = "Sum"
      period      = each.value.period
    }
  }

  metric_query {
    id = "requests"

    metric {
      namespace   = each.value.namespace
      metric_name = each.value.requests
      dimensions  = each.value.dimensions
      stat        = "Sum"
      period      = each.value.period
    }
  }

  alarm_actions = [local.alarm_topic_arn]
  ok_actions    = [local.alarm_topic_arn]
  tags          = var.tags
}

# The shoppers' wait for a decision, in two of three 5-minute windows: one slow burst (a cold
# model endpoint) does not page.
resource "aws_cloudwatch_metric_alarm" "decision_p99" {
  alarm_name         = "${var.name}-decision-p99"
  alarm_description  = "The p99 of the decision latency (applyForCredit, request to decision) was above ${var.decision_p99_threshold_ms} ms in two of three 5-minute windows. Runbook: ${local.runbook}, \"Decision p99\"."
  namespace          = var.namespace
  metric_name        = "DecisionLatency"
  dimensions         = local.credit
  extended_statistic = "p99"
  period             = 300

  comparison_operator = "GreaterThanThreshold"
  threshold           = var.decision_p99_threshold_ms
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"

  alarm_actions = [local.alarm_topic_arn]
  ok_actions    = [local.alarm_topic_arn]
  tags          = var.tags
}
