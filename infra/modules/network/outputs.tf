output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR block of the VPC; the credit service's load balancer admits PrivateLink clients from it."
  value       = aws_vpc.this.cidr_block
}

output "private_subnet_ids" {
  description = "IDs of the private subnets, in the order of availability_zones: where the Fargate tasks, the internal NLB, the credit proxy and the endpoints go."
  value       = [for az in var.availability_zones : aws_subnet.private[az].id]
}

output "public_subnet_ids" {
  description = "IDs of the public subnets (they hold only the NAT gateways), in the order of availability_zones."
  value       = [for az in var.availability_zones : aws_subnet.public[az].id]
}

output "private_route_table_ids" {
  description = "IDs of the private subnets' route tables, in the order of availability_zones."
  value       = [for az in var.availability_zones : aws_route_table.private[az].id]
}

output "nat_public_ips" {
  description = "Public IPs the private subnets' outbound calls come from (for allow-lists of third parties)."
  value       = [for az in local.nat_zones : aws_eip.nat[az].public_ip]
}

output "endpoint_security_group_id" {
  description = "ID of the interface endpoints' security group (HTTPS from the VPC)."
  value       = aws_security_group.endpoints.id
}

output "interface_endpoint_ids" {
  description = "ID of each interface endpoint, by service short name (e.g. sagemaker.runtime)."
  value       = { for name, e in aws_vpc_endpoint.interface : name => e.id }
}

output "gateway_endpoint_ids" {
  description = "ID of each gateway endpoint, by service (dynamodb, s3)."
  value       = { for name, e in aws_vpc_endpoint.gateway : name => e.id }
}

output "logs_kms_key_arn" {
  description = "ARN of the KMS key for the platform's log groups; CloudWatch Logs may use it for any log group of this account and region."
  value       = aws_kms_key.logs.arn
}

output "flow_log_group_name" {
  description = "Name of the log group the VPC flow logs go to."
  value       = aws_cloudwatch_log_group.flow_logs.name
}
