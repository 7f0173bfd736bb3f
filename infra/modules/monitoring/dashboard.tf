# One dashboard for the platform: the alarms first, then decisions, screening, money, webhooks,
# verification codes and the two APIs. Figures broken down by a dimension whose values the code
# decides (reason codes, steps, operations, channels) are SEARCH expressions, so a new value
# appears without a change here.

locals {
  ns = var.namespace

  alarm_arns = [
    for name in concat(
      [for a in aws_cloudwatch_metric_alarm.rate : a.alarm_name],
      [aws_cloudwatch_metric_alarm.decision_p99.alarm_name],
      var.other_alarm_names,
    ) : "arn:${var.partition}:cloudwatch:${var.region}:${var.account_id}:alarm:${name}"
  ]

  # A search of the product's metric `metric`, by `by` (one line per value), in service `service`.
  search = {
    for key, s in {
      reasons      = ["reason", "DecisionReasons", "credit", "Sum"]
      step_p99     = ["step", "ScreeningStepDuration", "credit", "p99"]
      step_errors  = ["step", "ScreeningStepErrors", "credit", "Sum"]
      movements    = ["operation", "MoneyMovements", "credit", "Sum"]
      failures     = ["operation", "MoneyMovementFailures", "credit", "Sum"]
      declines     = ["operation", "MoneyMovementDeclines", "credit", "Sum"]
      codes_sent   = ["channel", "VerificationCodesSent", "user", "Sum"]
      codes_failed = ["channel", "VerificationCodesFailed", "user", "Sum"]
      } : key => {
      expression = "SEARCH('{${local.ns},${s[0]},service} MetricName=\"${s[1]}\" service=\"${s[2]}\"', '${s[3]}', 300)"
      id         = key
    }
  }

  # Each a metric widget's properties but the region and period, which all share.
  widgets = [
    {
      title = "Decisions by outcome", stat = "Sum", view = "timeSeries", stacked = true
      metrics = [
        for outcome in ["APPROVED", "REFERRED", "DECLINED"] :
        [local.ns, "Decisions", "service", "credit", "outcome", outcome]
      ]
    },
    {
      title = "Decision latency (ms)", stat = "p99", view = "timeSeries", stacked = false
      metrics = [
        [local.ns, "DecisionLatency", "service", "credit", { stat = "p50", label = "p50" }],
        [local.ns, "DecisionLatency", "service", "credit", { stat = "p99", label = "p99" }],
      ]
    },
    {
      title   = "Decision reason codes", stat = "Sum", view = "timeSeries", stacked = true
      metrics = [[local.search.reasons]]
    },
    {
      title   = "Screening step p99 (ms)", stat = "p99", view = "timeSeries", stacked = false
      metrics = [[local.search.step_p99]]
    },
    {
      title   = "Screening step errors", stat = "Sum", view = "timeSeries", stacked = true
      metrics = [[local.search.step_errors]]
    },
    {
      title   = "Money movements", stat = "Sum", view = "timeSeries", stacked = true
      metrics = [[local.search.movements]]
    },
    {
      title   = "Money movements failed and declined", stat = "Sum", view = "timeSeries", stacked = false
      metrics = [[local.search.failures], [local.search.declines]]
    },
    {
      title = "Webhooks", stat = "Sum", view = "timeSeries", stacked = false
      metrics = [
        [local.ns, "DeliveryAttempts", "service", "webhooks"],
        [local.ns, "DeliveryFailures", "service", "webhooks"],
        [local.ns, "DeadLettered", "service", "webhooks"],
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.webhook_dead_letter_queue_name, { stat = "Maximum", label = "dead letters waiting" }],
      ]
    },
    {
      title   = "Verification codes", stat = "Sum", view = "timeSeries", stacked = false
      metrics = [[local.search.codes_sent], [local.search.codes_failed]]
    },
    {
      title = "API (AppSync)", stat = "Sum", view = "timeSeries", stacked = false
      metrics = [
        ["AWS/AppSync", "Requests", "GraphQLAPIId", var.graphql_api_id],
        ["AWS/AppSync", "4XXError", "GraphQLAPIId", var.graphql_api_id],
        ["AWS/AppSync", "5XXError", "GraphQLAPIId", var.graphql_api_id],
        ["AWS/AppSync", "Latency", "GraphQLAPIId", var.graphql_api_id, { stat = "p99", label = "latency p99 (ms)", yAxis = "right" }],
      ]
    },
    {
      title = "User service API", stat = "Sum", view = "timeSeries", stacked = false
      metrics = [
        ["AWS/ApiGateway", "Count", "ApiId", var.user_service_api_id],
        ["AWS/ApiGateway", "4xx", "ApiId", var.user_service_api_id],
        ["AWS/ApiGateway", "5xx", "ApiId", var.user_service_api_id],
        ["AWS/ApiGateway", "Latency", "ApiId", var.user_service_api_id, { stat = "p99", label = "latency p99 (ms)", yAxis = "right" }],
      ]
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    # The alarms across the first row, then two widgets a row (the grid is 24 columns wide).
    widgets = concat(
      [{
        type       = "alarm"
        x          = 0
        y          = 0
        width      = 24
        height     = 4
        properties = { title = "Alarms", alarms = local.alarm_arns }
      }],
      [
        for i, w in local.widgets : {
          type       = "metric"
          x          = (i % 2) * 12
          y          = 4 + floor(i / 2) * 6
          width      = 12
          height     = 6
          properties = merge(w, { region = var.region, period = 300 })
        }
      ],
    )
  })
}
