output "function_arn" {
  description = "Unqualified ARN of the credit proxy function: the graphql_api module's credit_proxy Lambda data source target (the dev root's credit_proxy_function_arn)."
  value       = aws_lambda_function.this.arn
}

output "function_name" {
  description = "Name of the credit proxy function."
  value       = aws_lambda_function.this.function_name
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "security_group_id" {
  description = "ID of the function's security group (the only source the credit service endpoint admits)."
  value       = aws_security_group.function.id
}

output "endpoint_id" {
  description = "ID of the interface endpoint to the credit service (to accept when the endpoint service requires acceptance)."
  value       = aws_vpc_endpoint.credit_service.id
}

output "credit_service_url" {
  description = "The credit service's base URL as the function sees it (BNPL_CREDIT_SERVICE_URL)."
  value       = local.credit_service_url
}

output "dead_letter_queue_arn" {
  description = "ARN of the function's dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "kms_key_arn" {
  description = "ARN of the key encrypting the function's environment and dead-letter queue."
  value       = aws_kms_key.this.arn
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.this.name
}
