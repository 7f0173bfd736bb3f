output "endpoint_name" {
  description = "Name of the endpoint: the credit service's BNPL_SCORING_ENDPOINT_NAME."
  value       = aws_sagemaker_endpoint.this.name
}

output "endpoint_arn" {
  description = "ARN of the endpoint; the credit service's role needs sagemaker:InvokeEndpoint on it."
  value       = aws_sagemaker_endpoint.this.arn
}

output "endpoint_config_name" {
  description = "Name of the endpoint configuration in service."
  value       = aws_sagemaker_endpoint_configuration.this.name
}

output "model_name" {
  description = "Name of the SageMaker model (image plus artefact)."
  value       = aws_sagemaker_model.this.name
}

output "challenger_variant_name" {
  description = "Name of the challenger's production variant (\"Challenger\"), the TargetVariant the credit service scores in shadow (BNPL_SCORING_CHALLENGER_VARIANT); null when no challenger is deployed."
  value       = local.challenger ? local.challenger_variant_name : null
}

output "challenger_model_name" {
  description = "Name of the challenger's SageMaker model; null when no challenger is deployed."
  value       = try(aws_sagemaker_model.challenger[0].name, null)
}

output "role_arn" {
  description = "ARN of the role SageMaker assumes to host the model."
  value       = aws_iam_role.this.arn
}

output "hosting" {
  description = "\"serverless\" or \"instances\"."
  value       = local.serverless ? "serverless" : "instances"
}

output "security_group_id" {
  description = "Security group of the model's network interfaces with instance hosting; null when serverless."
  value       = try(aws_security_group.this[0].id, null)
}

output "log_group_name" {
  description = "CloudWatch log group of the endpoint's containers."
  value       = aws_cloudwatch_log_group.this.name
}
