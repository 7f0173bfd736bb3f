# Alarms, to an SNS topic encrypted with the module's key (or to alarm_topic_arn): a dead letter
# waiting, too many failed delivery attempts, the sender failing. Subscribe the on-call address
# or pager to the topic (the alarm_topic_arn output).

locals {
  alarm_topic_arn = var.alarm_topic_arn == null ? aws_sns_topic.alarms[0].arn : var.alarm_topic_arn
  # The sender's EMF metrics (Powertools): namespace BNPL, dimension service = webhooks.
  metric_dimensions = { service = "webhooks" }
}

resource "aws_sns_topic" "alarms" {
  count = var.alarm_topic_arn == null ? 1 : 0

  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.this.arn
  tags              = var.tags
}

# Any dead letter: a delivery given up after its retries, or a stream batch the sender failed on.
resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name        = "${var.name}-dead-letters"
  alarm_description = "Webhook dead letters are waiting in ${aws_sqs_queue.dead_letters.name}: look at them, fix the cause, then redrive them to ${aws_sqs_queue.redrive.name} (infra/README.md, Merchant webhooks)."
  namespace         = "AWS/SQS"
  metric_name       = "ApproximateNumberOfMessagesVisible"
  dimensions        = { QueueName = aws_sqs_queue.dead_letters.name }
  statistic         = "Maximum"
  period            = 300

  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"

  alarm_actions = [local.alarm_topic_arn]
  ok_actions    = [local.alarm_topic_arn]
  tags          = var.tags
}

# Failed attempts / attempts over the window, once there are enough attempts to mean something
# (below the minimum the rate counts as 0). Failures are missing, not 0, in windows without any.
resource "aws_cloudwatch_metric_alarm" "delivery_failure_rate" {
  alarm_name        = "${var.name}-delivery-failure-rate"
  alarm_description = "More than ${var.failure_rate_threshold * 100}% of webhook delivery attempts failed over ${var.failure_rate_period / 60} minutes (at least ${var.failure_rate_min_attempts} attempts)."

  comparison_operator = "GreaterThanThreshold"
  threshold           = var.failure_rate_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"

  metric_query {
    id          = "rate"
    expression  = "IF(attempts >= ${var.failure_rate_min_attempts}, FILL(failures, 0) / attempts, 0)"
    label       = "Failed delivery attempts / attempts"
    return_data = true
  }

  metric_query {
    id = "failures"

    metric {
      namespace   = "BNPL"
      metric_name = "DeliveryFailures"
      dimensions  = local.metric_dimensions
      stat        = "Sum"
      period      = var.failure_rate_period
    }
  }

  metric_query {
    id = "attempts"

    metric {
      namespace   = "BNPL"
      metric_name = "DeliveryAttempts"
      dimensions  = local.metric_dimensions
      stat        = "Sum"
      period      = var.failure_rate_period
    }
  }

  alarm_actions = [local.alarm_topic_arn]
  ok_actions    = [local.alarm_topic_arn]
  tags          = var.tags
}

# The sender itself failing (an unhandled error in any trigger), in two of three 5-minute
# periods: a single blip (a throttled batch that its retry then sends) does not page.
resource "aws_cloudwatch_metric_alarm" "sender_errors" {
  alarm_name        = "${var.name}-errors"
  alarm_description = "The webhook sender ${aws_lambda_function.sender.function_name} is failing (Lambda Errors)."
  namespace         = "AWS/Lambda"
  metric_name       = "Errors"
  dimensions        = { FunctionName = aws_lambda_function.sender.function_name }
  statistic         = "Sum"
  period            = 300

  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"

  alarm_actions = [local.alarm_topic_arn]
  ok_actions    = [local.alarm_topic_arn]
  tags          = var.tags
}
