output "web_acl_arn" {
  description = "ARN of the web ACL."
  value       = aws_wafv2_web_acl.this.arn
}

output "web_acl_id" {
  description = "Id of the web ACL."
  value       = aws_wafv2_web_acl.this.id
}

output "log_group_name" {
  description = "CloudWatch log group holding every request's WAF verdict."
  value       = aws_cloudwatch_log_group.this.name
}

output "rules" {
  description = "The ACL's rules in evaluation order, as \"<priority>:<name>\"."
  value       = [for r in sort([for r in aws_wafv2_web_acl.this.rule : format("%03d:%s", r.priority, r.name)]) : r]
}
