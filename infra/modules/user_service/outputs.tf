output "api_endpoint" {
  description = "Base URL of the HTTP API (\"https://<api-id>.execute-api.<region>.amazonaws.com\"): the endpoint of AppSync's user_service HTTP data source."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "execution_arn" {
  description = "Execution ARN of the API (\"arn:aws:execute-api:<region>:<account>:<api-id>\"); a caller needs execute-api:Invoke on \"<execution_arn>/*\"."
  value       = aws_apigatewayv2_api.this.execution_arn
}

output "api_id" {
  description = "Id of the HTTP API."
  value       = aws_apigatewayv2_api.this.id
}

output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "security_group_id" {
  description = "Security group of the function's network interfaces (HTTPS out, nothing in)."
  value       = aws_security_group.this.id
}

output "dead_letter_queue_arn" {
  description = "ARN of the function's dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "log_group_names" {
  description = "The function's log group and the API's access log group."
  value = {
    function = aws_cloudwatch_log_group.function.name
    access   = aws_cloudwatch_log_group.access.name
  }
}

output "kms_key_arn" {
  description = "ARN of the key that encrypts the function's environment, dead-letter queue and logs."
  value       = local.kms_key_arn
}

output "bank_webhook_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the bank's notification signing secret; put the bank's whsec_... value in it after the first apply."
  value       = aws_secretsmanager_secret.bank_webhook.arn
}

output "bank_notifications_url" {
  description = "The URL the bank sends its consent notifications to (POST, signed, no AWS credentials)."
  value       = "${aws_apigatewayv2_api.this.api_endpoint}/bank/notifications"
}
