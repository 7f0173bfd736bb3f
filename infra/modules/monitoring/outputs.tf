output "alarm_topic_arn" {
  description = "ARN of the SNS topic the alarms notify; subscribe the on-call address to it, and give it to other modules' alarms."
  value       = local.alarm_topic_arn
}

output "alarm_names" {
  description = "Names of the module's alarms: the API's and the user service's 5xx rates, the screening error rate, the payment failure rate, the decision p99."
  value       = concat([for a in aws_cloudwatch_metric_alarm.rate : a.alarm_name], [aws_cloudwatch_metric_alarm.decision_p99.alarm_name])
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "kms_key_arn" {
  description = "ARN of the key encrypting the alarm topic the module made (null when alarm_topic_arn was given)."
  value       = local.create_topic ? aws_kms_key.alarms[0].arn : null
}
