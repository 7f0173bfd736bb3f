# Plans the module against a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"
}

override_resource {
  target          = aws_security_group.sender
  override_during = plan
  values          = { id = "sg-sender" }
}

override_resource {
  target          = aws_sqs_queue.dead_letters
  override_during = plan
  values = {
    id   = "https://sqs.us-east-1.amazonaws.com/123456789012/test-webhooks-dead-letters"
    url  = "https://sqs.us-east-1.amazonaws.com/123456789012/test-webhooks-dead-letters"
    arn  = "arn:aws:sqs:us-east-1:123456789012:test-webhooks-dead-letters"
    name = "test-webhooks-dead-letters"
  }
}

override_resource {
  target          = aws_sqs_queue.redrive
  override_during = plan
  values = {
    id   = "https://sqs.us-east-1.amazonaws.com/123456789012/test-webhooks-redrive"
    url  = "https://sqs.us-east-1.amazonaws.com/123456789012/test-webhooks-redrive"
    arn  = "arn:aws:sqs:us-east-1:123456789012:test-webhooks-redrive"
    name = "test-webhooks-redrive"
  }
}

override_resource {
  target          = aws_kms_key.secrets
  override_during = plan
  values = {
    arn    = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
    key_id = "99999999-2222-3333-4444-555555555555"
  }
}

override_resource {
  target          = aws_lambda_function.sender
  override_during = plan
  values = {
    arn           = "arn:aws:lambda:us-east-1:123456789012:function:test-webhooks"
    function_name = "test-webhooks"
  }
}

override_resource {
  target          = aws_sns_topic.alarms
  override_during = plan
  values          = { arn = "arn:aws:sns:us-east-1:123456789012:test-webhooks-alarms" }
}

variables {
  name                = "test-webhooks"
  region              = "us-east-1"
  account_id          = "123456789012"
  image_uri           = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-lambda:1"
  vpc_id              = "vpc-0123456789abcdef0"
  private_subnet_ids  = ["subnet-a", "subnet-b"]
  events_table_arn    = "arn:aws:dynamodb:us-east-1:123456789012:table/test-webhook_events"
  events_stream_arn   = "arn:aws:dynamodb:us-east-1:123456789012:table/test-webhook_events/stream/2026-11-22T00:00:00.000"
  checkouts_table_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/test-checkouts"
  table_arns = [
    "arn:aws:dynamodb:us-east-1:123456789012:table/test-webhook_events",
    "arn:aws:dynamodb:us-east-1:123456789012:table/test-webhook_endpoints",
    "arn:aws:dynamodb:us-east-1:123456789012:table/test-webhook_deliveries",
  ]
  tables_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/33333333-2222-3333-4444-555555555555"
  secret_prefix      = "bnpl-test/webhooks/"
  log_kms_key_arn    = "arn:aws:kms:us-east-1:123456789012:key/44444444-2222-3333-4444-555555555555"
  environment        = { BNPL_TABLE_PREFIX = "test-" }
}

run "function" {
  command = plan

  assert {
    condition     = aws_lambda_function.sender.package_type == "Image" && aws_lambda_function.sender.image_uri == var.image_uri
    error_message = "The function runs the given container image."
  }

  assert {
    condition     = aws_lambda_function.sender.image_config[0].command == tolist(["services.credit.webhooks.lambda_handler.handler"])
    error_message = "The image's entry point for this function is the webhook sender's handler."
  }

  assert {
    condition     = aws_lambda_function.sender.timeout >= 60 && aws_lambda_function.sender.reserved_concurrent_executions == 10
    error_message = "A batch of 15-second attempts fits in the timeout, and concurrency is capped."
  }

  assert {
    condition     = aws_lambda_function.sender.tracing_config[0].mode == "Active"
    error_message = "X-Ray tracing is on."
  }

  assert {
    condition     = aws_lambda_function.sender.vpc_config[0].subnet_ids == toset(["subnet-a", "subnet-b"]) && aws_lambda_function.sender.vpc_config[0].security_group_ids == toset(["sg-sender"])
    error_message = "The function runs in the private subnets (NAT egress) behind its own security group."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.sender_https.from_port == 443 && aws_vpc_security_group_egress_rule.sender_https.to_port == 443 && aws_vpc_security_group_egress_rule.sender_https.ip_protocol == "tcp"
    error_message = "The function may open HTTPS connections only."
  }

  assert {
    condition     = aws_lambda_function.sender.kms_key_arn == aws_kms_key.this.arn && aws_kms_key.this.enable_key_rotation
    error_message = "The environment is encrypted with the module's rotating key."
  }

  assert {
    condition     = aws_lambda_function.sender.logging_config[0].log_group == "/aws/lambda/test-webhooks" && aws_cloudwatch_log_group.sender.kms_key_id == var.log_kms_key_arn && aws_cloudwatch_log_group.sender.retention_in_days == 365
    error_message = "The function logs to its own KMS-encrypted group, kept a year."
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.sender.maximum_retry_attempts == 0
    error_message = "A failed scheduled sweep is not retried: the next minute's is the retry."
  }
}

run "environment" {
  command = plan

  assert {
    condition = aws_lambda_function.sender.environment[0].variables == tomap({
      BNPL_TABLE_PREFIX                  = "test-"
      BNPL_DYNAMODB_ENDPOINT             = ""
      BNPL_WEBHOOK_SECRETS               = "secretsmanager"
      BNPL_WEBHOOK_SECRET_PREFIX         = "bnpl-test/webhooks/"
      BNPL_WEBHOOK_SECRETS_KMS_KEY_ID    = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
      BNPL_WEBHOOK_DEAD_LETTER_QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/test-webhooks-dead-letters"
    })
    error_message = "The sender keeps secrets in Secrets Manager under the prefix and key, reports dead letters to the queue, and uses the region's DynamoDB."
  }

  assert {
    condition     = !contains(keys(aws_lambda_function.sender.environment[0].variables), "BNPL_WEBHOOKS_ALLOW_LOCAL")
    error_message = "Loopback receivers are the local stack's only."
  }

  assert {
    condition = output.secrets_environment == {
      BNPL_WEBHOOK_SECRETS            = "secretsmanager"
      BNPL_WEBHOOK_SECRET_PREFIX      = "bnpl-test/webhooks/"
      BNPL_WEBHOOK_SECRETS_KMS_KEY_ID = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
    }
    error_message = "The credit service gets the same secret store, prefix and key."
  }
}

run "stream_trigger" {
  command = plan

  assert {
    condition     = aws_lambda_event_source_mapping.events.event_source_arn == var.events_stream_arn && aws_lambda_event_source_mapping.events.function_name == "arn:aws:lambda:us-east-1:123456789012:function:test-webhooks"
    error_message = "The outbox's stream invokes the sender."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.events.batch_size == 10 && aws_lambda_event_source_mapping.events.bisect_batch_on_function_error && aws_lambda_event_source_mapping.events.maximum_retry_attempts == 5
    error_message = "Batches of ten, split on error, retried a bounded number of times."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.events.destination_config[0].on_failure[0].destination_arn == "arn:aws:sqs:us-east-1:123456789012:test-webhooks-dead-letters"
    error_message = "A batch that still fails is reported to the dead-letter queue."
  }

  assert {
    condition     = [for f in aws_lambda_event_source_mapping.events.filter_criteria[0].filter : jsondecode(f.pattern)] == [{ eventName = ["INSERT"] }]
    error_message = "Only new outbox items are events; updates and TTL deletions are not sent."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.events.starting_position == "TRIM_HORIZON" && aws_lambda_event_source_mapping.events.maximum_record_age_in_seconds == 3600
    error_message = "A new mapping starts from the oldest record; records older than an hour are left to the sweep."
  }
}

run "schedule_trigger" {
  command = plan

  assert {
    condition     = aws_scheduler_schedule.sweep.schedule_expression == "rate(1 minute)" && aws_scheduler_schedule.sweep.target[0].arn == "arn:aws:lambda:us-east-1:123456789012:function:test-webhooks"
    error_message = "The retry sweep invokes the sender every minute."
  }

  assert {
    condition     = jsondecode(aws_scheduler_schedule.sweep.target[0].input) == { task = "sweep" } && aws_scheduler_schedule.sweep.target[0].retry_policy[0].maximum_retry_attempts == 0
    error_message = "The schedule's input names the sweep; a missed one is not retried."
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.scheduler.policy).Statement == [{
      Sid      = "InvokeTheSender"
      Effect   = "Allow"
      Action   = "lambda:InvokeFunction"
      Resource = "arn:aws:lambda:us-east-1:123456789012:function:test-webhooks"
    }]
    error_message = "The schedule's role may only invoke the sender."
  }

  assert {
    condition     = jsondecode(aws_iam_role.scheduler.assume_role_policy).Statement[0].Principal.Service == "scheduler.amazonaws.com" && jsondecode(aws_iam_role.scheduler.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "Only EventBridge Scheduler, for this account, assumes the schedule's role."
  }
}

run "queues" {
  command = plan

  assert {
    condition     = aws_sqs_queue.dead_letters.kms_master_key_id == aws_kms_key.this.arn && aws_sqs_queue.redrive.kms_master_key_id == aws_kms_key.this.arn
    error_message = "Both queues are encrypted with the module's customer-managed key."
  }

  assert {
    condition     = aws_sqs_queue.dead_letters.message_retention_seconds == 1209600
    error_message = "Dead letters are kept 14 days."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_redrive_allow_policy.dead_letters.redrive_allow_policy) == { redrivePermission = "byQueue", sourceQueueArns = ["arn:aws:sqs:us-east-1:123456789012:test-webhooks-redrive"] }
    error_message = "The dead-letter queue names the redrive queue, and only it, as its source: a DLQ redrive goes there."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.redrive.redrive_policy) == { deadLetterTargetArn = "arn:aws:sqs:us-east-1:123456789012:test-webhooks-dead-letters", maxReceiveCount = 5 }
    error_message = "A redriven message the sender cannot replay returns to the dead-letter queue."
  }

  assert {
    condition     = aws_sqs_queue.redrive.visibility_timeout_seconds >= aws_lambda_function.sender.timeout
    error_message = "Lambda needs the queue's visibility timeout to cover the function's."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.redrive.event_source_arn == "arn:aws:sqs:us-east-1:123456789012:test-webhooks-redrive" && aws_lambda_event_source_mapping.redrive.function_name == "arn:aws:lambda:us-east-1:123456789012:function:test-webhooks"
    error_message = "The sender replays what is redriven to the redrive queue."
  }

  assert {
    condition     = aws_kms_key.secrets.enable_key_rotation && aws_kms_alias.secrets.name == "alias/test-webhooks-secrets"
    error_message = "The signing secrets' key rotates."
  }

  assert {
    condition     = one([for s in jsondecode(aws_kms_key.secrets.policy).Statement : s.Condition.StringEquals["kms:ViaService"] if s.Sid == "AccountUsesTheKeyThroughSecretsManager"]) == "secretsmanager.us-east-1.amazonaws.com"
    error_message = "The secrets' key is usable only through Secrets Manager."
  }
}

run "role_is_least_privilege" {
  command = plan

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.sender.policy).Statement : s.Sid => s.Resource
      } == {
      DescribeNetwork                 = "*"
      CreateFunctionInterfaces        = ["arn:aws:ec2:us-east-1:123456789012:network-interface/*", "arn:aws:ec2:us-east-1:123456789012:security-group/sg-sender", "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-a", "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-b"]
      ManageFunctionInterfaces        = "arn:aws:ec2:us-east-1:123456789012:network-interface/*"
      WriteFunctionLogs               = "arn:aws:logs:us-east-1:123456789012:log-group:/mock/log-group:*"
      WriteTraces                     = "*"
      WebhookTables                   = flatten([for t in var.table_arns : [t, "${t}/index/*"]])
      ReadCheckouts                   = "arn:aws:dynamodb:us-east-1:123456789012:table/test-checkouts"
      ReadOutboxStream                = "arn:aws:dynamodb:us-east-1:123456789012:table/test-webhook_events/stream/*"
      SendDeadLetters                 = "arn:aws:sqs:us-east-1:123456789012:test-webhooks-dead-letters"
      ReceiveRedrives                 = "arn:aws:sqs:us-east-1:123456789012:test-webhooks-redrive"
      UseFunctionKey                  = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      ReadSigningSecrets              = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bnpl-test/webhooks/*"
      SecretsKeyThroughSecretsManager = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
      TablesKeyThroughDynamoDB        = "arn:aws:kms:us-east-1:123456789012:key/33333333-2222-3333-4444-555555555555"
    }
    error_message = "The role reaches only its network, logs, tables, stream, queues, keys and secrets."
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.sender.policy).Statement : s.Sid => s.Action
      if contains(["WebhookTables", "ReadCheckouts", "SendDeadLetters", "ReceiveRedrives", "ReadSigningSecrets", "SecretsKeyThroughSecretsManager"], s.Sid)
      } == {
      WebhookTables                   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]
      ReadCheckouts                   = "dynamodb:GetItem"
      SendDeadLetters                 = "sqs:SendMessage"
      ReceiveRedrives                 = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      ReadSigningSecrets              = "secretsmanager:GetSecretValue"
      SecretsKeyThroughSecretsManager = "kms:Decrypt"
    }
    error_message = "Checkouts are only read, secrets only read, dead letters only sent, redrives only received."
  }

  assert {
    condition = toset(flatten([
      for s in jsondecode(aws_iam_role_policy.sender.policy).Statement : s.Action if s.Resource == "*"
    ])) == toset(["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "xray:PutTraceSegments", "xray:PutTelemetryRecords"])
    error_message = "Only actions without resource-level permissions are on \"*\"."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.sender.policy).Statement : !strcontains(jsonencode(s.Action), "Scan") && !strcontains(jsonencode(s.Action), "Delete") || s.Sid == "ReceiveRedrives" || s.Sid == "ManageFunctionInterfaces"])
    error_message = "The sender neither scans nor deletes items."
  }
}

run "alarms" {
  command = plan

  assert {
    condition     = aws_sns_topic.alarms[0].kms_master_key_id == aws_kms_key.this.arn && output.alarm_topic_arn == "arn:aws:sns:us-east-1:123456789012:test-webhooks-alarms"
    error_message = "The alarms notify the module's KMS-encrypted topic."
  }

  assert {
    condition     = contains([for s in jsondecode(aws_kms_key.this.policy).Statement : s.Principal if s.Sid == "CloudWatchPublishesAlarms"], { Service = "cloudwatch.amazonaws.com" })
    error_message = "CloudWatch may use the key to publish to the encrypted topic."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.dead_letters.namespace == "AWS/SQS"
      && aws_cloudwatch_metric_alarm.dead_letters.metric_name == "ApproximateNumberOfMessagesVisible"
      && aws_cloudwatch_metric_alarm.dead_letters.dimensions == tomap({ QueueName = "test-webhooks-dead-letters" })
      && aws_cloudwatch_metric_alarm.dead_letters.comparison_operator == "GreaterThanThreshold"
      && aws_cloudwatch_metric_alarm.dead_letters.threshold == 0
    )
    error_message = "The first visible dead letter raises the alarm."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.delivery_failure_rate.threshold == 0.25
      && aws_cloudwatch_metric_alarm.delivery_failure_rate.comparison_operator == "GreaterThanThreshold"
      && one([for q in aws_cloudwatch_metric_alarm.delivery_failure_rate.metric_query : q.expression if q.id == "rate"]) == "IF(attempts >= 20, FILL(failures, 0) / attempts, 0)"
    )
    error_message = "The failure-rate alarm fires above 25% of at least 20 attempts."
  }

  assert {
    condition = {
      for q in aws_cloudwatch_metric_alarm.delivery_failure_rate.metric_query : q.id => [q.metric[0].namespace, q.metric[0].metric_name, q.metric[0].dimensions, q.metric[0].stat, q.metric[0].period]
      if length(q.metric) > 0
      } == {
      failures = ["BNPL", "DeliveryFailures", tomap({ service = "webhooks" }), "Sum", 900]
      attempts = ["BNPL", "DeliveryAttempts", tomap({ service = "webhooks" }), "Sum", 900]
    }
    error_message = "The rate is over the sender's EMF metrics (namespace BNPL, service = webhooks), summed over 15 minutes."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.sender_errors.namespace == "AWS/Lambda" && aws_cloudwatch_metric_alarm.sender_errors.metric_name == "Errors" && aws_cloudwatch_metric_alarm.sender_errors.dimensions == tomap({ FunctionName = "test-webhooks" })
    error_message = "The sender's own errors raise an alarm."
  }

  assert {
    condition = alltrue([
      for a in [aws_cloudwatch_metric_alarm.dead_letters, aws_cloudwatch_metric_alarm.delivery_failure_rate, aws_cloudwatch_metric_alarm.sender_errors] :
      a.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:test-webhooks-alarms"]) && a.treat_missing_data == "notBreaching"
    ])
    error_message = "Every alarm notifies the topic; no data is no alarm."
  }
}

run "an_existing_alarm_topic_is_used" {
  command = plan

  variables {
    alarm_topic_arn = "arn:aws:sns:us-east-1:123456789012:ops-alarms"
  }

  assert {
    condition     = length(aws_sns_topic.alarms) == 0 && aws_cloudwatch_metric_alarm.dead_letters.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:ops-alarms"])
    error_message = "Given a topic, the module makes none and notifies it."
  }
}

run "a_short_timeout_is_refused" {
  command = plan

  variables {
    timeout = 30
  }

  expect_failures = [var.timeout]
}

run "allowing_local_receivers_is_refused" {
  command = plan

  variables {
    environment = { BNPL_TABLE_PREFIX = "test-", BNPL_WEBHOOKS_ALLOW_LOCAL = "true" }
  }

  expect_failures = [var.environment]
}

run "a_prefix_that_is_not_a_folder_is_refused" {
  command = plan

  variables {
    secret_prefix = "bnpl-test-webhooks"
  }

  expect_failures = [var.secret_prefix]
}
