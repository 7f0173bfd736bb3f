output "endpoint_service_name" {
  description = "Service name of the credit service's VPC endpoint service (com.amazonaws.vpce.<region>.vpce-svc-...): the credit_proxy module's endpoint_service_name."
  value       = aws_vpc_endpoint_service.this.service_name
}

output "endpoint_service_id" {
  description = "ID of the VPC endpoint service (to accept connections when acceptance_required is true)."
  value       = aws_vpc_endpoint_service.this.id
}

output "listener_port" {
  description = "Port clients connect to through the endpoint: the credit_proxy module's credit_service_port."
  value       = aws_lb_listener.this.port
}

output "private_dns_name" {
  description = "The endpoint service's private DNS name when TLS is on (the credit_proxy module's credit_service_private_dns_name), else null."
  value       = var.private_dns_name
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.this.name
}

output "task_definition_arn" {
  description = "ARN of the task definition revision the service runs."
  value       = aws_ecs_task_definition.this.arn
}

output "task_role_arn" {
  description = "ARN of the credit service's task role (its own AWS permissions)."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "ARN of the task execution role (image pull, logs)."
  value       = aws_iam_role.execution.arn
}

output "tasks_security_group_id" {
  description = "ID of the tasks' security group."
  value       = aws_security_group.tasks.id
}

output "load_balancer_arn" {
  description = "ARN of the internal Network Load Balancer."
  value       = aws_lb.this.arn
}

output "event_bus_name" {
  description = "Name of the EventBridge bus credit events go to (rules that consume them attach here)."
  value       = aws_cloudwatch_event_bus.credit.name
}

output "event_bus_arn" {
  description = "ARN of the credit events bus."
  value       = aws_cloudwatch_event_bus.credit.arn
}

output "log_group_name" {
  description = "Name of the service's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "environment" {
  description = "The environment the container runs with: the given map plus what the module sets."
  value       = local.environment
}

output "sweep_task_definition_arn" {
  description = "The daily sweep's task definition (python -m services.credit.sweep_task)."
  value       = aws_ecs_task_definition.sweep.arn
}

output "sweep_role_arn" {
  description = "ARN of the sweep's task role: the credit tables, scans included, and publishCheckoutUpdate."
  value       = aws_iam_role.sweep.arn
}

output "workflow_engine" {
  description = "Which engine runs pre-screening: in_process or step_functions (BNPL_WORKFLOW_ENGINE)."
  value       = var.workflow_engine
}
