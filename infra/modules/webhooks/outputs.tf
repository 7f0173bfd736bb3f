output "function_name" {
  description = "Name of the webhook sender function."
  value       = aws_lambda_function.sender.function_name
}

output "function_arn" {
  description = "ARN of the webhook sender function."
  value       = aws_lambda_function.sender.arn
}

output "role_arn" {
  description = "ARN of the sender's execution role."
  value       = aws_iam_role.sender.arn
}

output "security_group_id" {
  description = "ID of the sender's security group (HTTPS out, nothing in)."
  value       = aws_security_group.sender.id
}

output "environment" {
  description = "The environment the sender runs with: the given map plus what the module sets."
  value       = local.environment
}

output "secrets_environment" {
  description = "The webhook settings the credit service needs to keep endpoints' secrets (BNPL_WEBHOOK_SECRETS, BNPL_WEBHOOK_SECRET_PREFIX, BNPL_WEBHOOK_SECRETS_KMS_KEY_ID)."
  value       = local.secrets_environment
}

output "secret_prefix" {
  description = "Prefix of the signing secrets' names in Secrets Manager."
  value       = var.secret_prefix
}

output "secret_arn_pattern" {
  description = "ARN pattern of every signing secret (arn:...:secret:<prefix>*): what the credit service may create, change and read, and the sender read."
  value       = local.secret_arn_pattern
}

output "secrets_kms_key_arn" {
  description = "ARN of the key the signing secrets are encrypted with (usable only through Secrets Manager)."
  value       = aws_kms_key.secrets.arn
}

output "kms_key_arn" {
  description = "ARN of the key encrypting the function's environment, its queues and its alarm topic."
  value       = aws_kms_key.this.arn
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue (BNPL_WEBHOOK_DEAD_LETTER_QUEUE_URL)."
  value       = aws_sqs_queue.dead_letters.url
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue: the source of a DLQ redrive."
  value       = aws_sqs_queue.dead_letters.arn
}

output "redrive_queue_arn" {
  description = "ARN of the redrive queue: the destination of a DLQ redrive, which the sender replays."
  value       = aws_sqs_queue.redrive.arn
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic the alarms notify; subscribe the on-call address to it."
  value       = local.alarm_topic_arn
}

output "alarm_names" {
  description = "Names of the sender's alarms: dead letters, delivery failure rate, errors."
  value = [
    aws_cloudwatch_metric_alarm.dead_letters.alarm_name,
    aws_cloudwatch_metric_alarm.delivery_failure_rate.alarm_name,
    aws_cloudwatch_metric_alarm.sender_errors.alarm_name,
  ]
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.sender.name
}
