# Plans the module against a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"
}

override_resource {
  target          = aws_sns_topic.alarms
  override_during = plan
  values          = { arn = "arn:aws:sns:us-east-1:123456789012:test-alarms" }
}

variables {
  name                           = "test"
  region                         = "us-east-1"
  account_id                     = "123456789012"
  graphql_api_id                 = "mockapi0123456789abcdefghi"
  user_service_api_id            = "abc123"
  webhook_dead_letter_queue_name = "test-webhooks-dead-letters"
  other_alarm_names              = ["test-webhooks-dead-letters"]
}

run "the_topic_is_encrypted_and_cloudwatch_may_publish_to_it" {
  command = plan

  assert {
    condition     = aws_sns_topic.alarms[0].name == "test-alarms" && aws_sns_topic.alarms[0].kms_master_key_id == aws_kms_key.alarms[0].arn
    error_message = "The alarms' topic is encrypted with the module's key."
  }

  assert {
    condition     = aws_kms_key.alarms[0].enable_key_rotation && aws_kms_alias.alarms[0].name == "alias/test-alarms"
    error_message = "The key rotates and has an alias."
  }

  assert {
    condition = [
      for s in jsondecode(aws_kms_key.alarms[0].policy).Statement : [s.Principal, s.Action, s.Condition]
      if s.Sid == "CloudWatchPublishesAlarms"
    ] == [[{ Service = "cloudwatch.amazonaws.com" }, ["kms:Decrypt", "kms:GenerateDataKey*"], { StringEquals = { "aws:SourceAccount" = "123456789012" } }]]
    error_message = "CloudWatch, for this account only, may use the key to publish alarms."
  }

  assert {
    condition     = output.alarm_topic_arn == "arn:aws:sns:us-east-1:123456789012:test-alarms"
    error_message = "The topic is an output, for the on-call subscription and the other modules' alarms."
  }
}

run "alarms" {
  command = plan

  assert {
    condition = toset(output.alarm_names) == toset([
      "test-api-5xx-rate", "test-user-service-5xx-rate", "test-credit-service-5xx-rate",
      "test-screening-error-rate", "test-payment-failure-rate", "test-decision-p99",
    ])
    error_message = "The 5xx rates, the screening error rate, the payment failure rate and the decision p99 alarm."
  }

  assert {
    condition = {
      for key, a in aws_cloudwatch_metric_alarm.rate : key => {
        for q in a.metric_query : q.id => (q.expression != null && q.expression != "" ? q.expression : join(" ", [q.metric[0].namespace, q.metric[0].metric_name, jsonencode(q.metric[0].dimensions), q.metric[0].stat, tostring(q.metric[0].period)]))
      }
      } == {
      "api-5xx-rate" = {
        rate     = "IF(requests >= 20, FILL(errors, 0) / requests, 0)"
        errors   = "AWS/AppSync 5XXError {\"GraphQLAPIId\":\"mockapi0123456789abcdefghi\"} Sum 300"
        requests = "AWS/AppSync Requests {\"GraphQLAPIId\":\"mockapi0123456789abcdefghi\"} Sum 300"
      }
      "user-service-5xx-rate" = {
        rate     = "IF(requests >= 20, FILL(errors, 0) / requests, 0)"
        errors   = "AWS/ApiGateway 5xx {\"ApiId\":\"abc123\"} Sum 300"
        requests = "AWS/ApiGateway Count {\"ApiId\":\"abc123\"} Sum 300"
      }
      "credit-service-5xx-rate" = {
        rate     = "IF(requests >= 20, FILL(errors, 0) / requests, 0)"
        errors   = "BNPL ServerErrors {\"service\":\"credit\"} Sum 300"
        requests = "BNPL Requests {\"service\":\"credit\"} Sum 300"
      }
      "screening-error-rate" = {
        rate     = "IF(requests >= 20, FILL(errors, 0) / requests, 0)"
        errors   = "BNPL ScreeningStepErrors {\"service\":\"credit\"} Sum 900"
        requests = "BNPL ScreeningSteps {\"service\":\"credit\"} Sum 900"
      }
      "payment-failure-rate" = {
        rate     = "IF(requests >= 5, FILL(errors, 0) / requests, 0)"
        errors   = "BNPL MoneyMovementFailures {\"service\":\"credit\"} Sum 900"
        requests = "BNPL MoneyMovements {\"service\":\"credit\"} Sum 900"
      }
    }
    error_message = "Each rate alarm divides the right errors by the right requests, once there are enough."
  }

  assert {
    condition = {
      for key, a in aws_cloudwatch_metric_alarm.rate : key => [a.threshold, a.evaluation_periods, a.datapoints_to_alarm]
      } == {
      "api-5xx-rate"            = [0.01, 3, 2]
      "user-service-5xx-rate"   = [0.01, 3, 2]
      "credit-service-5xx-rate" = [0.01, 3, 2]
      "screening-error-rate"    = [0.05, 1, 1]
      "payment-failure-rate"    = [0.05, 1, 1]
    }
    error_message = "The rates' thresholds: 1% 5xx in two of three windows; 5% of steps or of money movements."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.decision_p99.namespace == "BNPL"
      && aws_cloudwatch_metric_alarm.decision_p99.metric_name == "DecisionLatency"
      && aws_cloudwatch_metric_alarm.decision_p99.dimensions == tomap({ service = "credit" })
      && aws_cloudwatch_metric_alarm.decision_p99.extended_statistic == "p99"
      && aws_cloudwatch_metric_alarm.decision_p99.threshold == 3000
      && aws_cloudwatch_metric_alarm.decision_p99.datapoints_to_alarm == 2
    )
    error_message = "The decision alarm watches the p99 of the credit service's decision latency."
  }

  assert {
    condition = alltrue([
      for a in concat(values(aws_cloudwatch_metric_alarm.rate), [aws_cloudwatch_metric_alarm.decision_p99]) :
      a.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:test-alarms"])
      && a.ok_actions == toset(["arn:aws:sns:us-east-1:123456789012:test-alarms"])
      && a.treat_missing_data == "notBreaching"
      && strcontains(a.alarm_description, "docs/metrics.md")
    ])
    error_message = "Every alarm notifies the topic (and again when it clears), no data is no alarm, and each names its runbook."
  }
}

run "dashboard" {
  command = plan

  assert {
    condition     = aws_cloudwatch_dashboard.this.dashboard_name == "test" && output.dashboard_name == "test"
    error_message = "The dashboard is named after the environment."
  }

  assert {
    condition = jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets[0].properties.alarms == [
      "arn:aws:cloudwatch:us-east-1:123456789012:alarm:test-api-5xx-rate",
      "arn:aws:cloudwatch:us-east-1:123456789012:alarm:test-credit-service-5xx-rate",
      "arn:aws:cloudwatch:us-east-1:123456789012:alarm:test-payment-failure-rate",
      "arn:aws:cloudwatch:us-east-1:123456789012:alarm:test-screening-error-rate",
      "arn:aws:cloudwatch:us-east-1:123456789012:alarm:test-user-service-5xx-rate",
      "arn:aws:cloudwatch:us-east-1:123456789012:alarm:test-decision-p99",
      "arn:aws:cloudwatch:us-east-1:123456789012:alarm:test-webhooks-dead-letters",
    ]
    error_message = "The first row lists every alarm, the other modules' included."
  }

  assert {
    condition = alltrue([
      for metric in ["Decisions", "DecisionLatency", "DecisionReasons", "ScreeningStepDuration", "ScreeningStepErrors", "MoneyMovements", "MoneyMovementFailures", "MoneyMovementDeclines", "DeliveryAttempts", "DeliveryFailures", "DeadLettered", "VerificationCodesSent", "VerificationCodesFailed", "5XXError", "5xx", "test-webhooks-dead-letters"] :
      strcontains(aws_cloudwatch_dashboard.this.dashboard_body, metric)
    ])
    error_message = "The dashboard shows every figure the alarms watch and the services count."
  }

  assert {
    condition = alltrue([
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets :
      w.x + w.width <= 24 && (w.type == "alarm" || try(w.properties.region, "") == "us-east-1")
    ])
    error_message = "Every widget fits the grid and reads the module's region."
  }
}

run "an_existing_topic_is_used" {
  command = plan

  variables {
    alarm_topic_arn = "arn:aws:sns:us-east-1:123456789012:ops-alarms"
  }

  assert {
    condition     = length(aws_sns_topic.alarms) == 0 && length(aws_kms_key.alarms) == 0 && output.kms_key_arn == null
    error_message = "Given a topic, the module makes neither a topic nor a key."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.decision_p99.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:ops-alarms"]) && output.alarm_topic_arn == "arn:aws:sns:us-east-1:123456789012:ops-alarms"
    error_message = "The alarms notify the given topic."
  }
}

run "a_rate_threshold_outside_0_to_1_is_refused" {
  command = plan

  variables {
    payment_failure_rate_threshold = 5
  }

  expect_failures = [var.payment_failure_rate_threshold]
}
