output "state_machine_arn" {
  description = "ARN of the Express state machine: the credit service's BNPL_STATE_MACHINE_ARN, the one machine its task role may StartSyncExecution."
  value       = aws_sfn_state_machine.this.arn
}

output "state_machine_name" {
  description = "Name of the state machine."
  value       = aws_sfn_state_machine.this.name
}

output "function_name" {
  description = "Name of the screening step function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the screening step function."
  value       = aws_lambda_function.this.arn
}

output "step_arn" {
  description = "ARN of the function's live alias: what every Task state of the definition invokes."
  value       = aws_lambda_alias.live.arn
}

output "function_role_arn" {
  description = "ARN of the step function's execution role."
  value       = aws_iam_role.function.arn
}

output "state_machine_role_arn" {
  description = "ARN of the state machine's role."
  value       = aws_iam_role.state_machine.arn
}

output "security_group_id" {
  description = "ID of the step function's security group."
  value       = aws_security_group.function.id
}

output "environment" {
  description = "The environment the step function runs with: the given map plus what the module sets."
  value       = local.environment
}

output "log_group_names" {
  description = "The step function's log group and the state machine's (its execution history)."
  value = {
    function      = aws_cloudwatch_log_group.function.name
    state_machine = aws_cloudwatch_log_group.state_machine.name
  }
}

output "kms_key_arn" {
  description = "ARN of the key encrypting the step function's environment."
  value       = aws_kms_key.this.arn
}
