output "table_names" {
  description = "Name of each table, by short name."
  value       = { for short, t in aws_dynamodb_table.this : short => t.name }
}

output "table_arns" {
  description = "ARN of each table, by short name (IAM policies also need \"<arn>/index/*\" for the indexes)."
  value       = { for short, t in aws_dynamodb_table.this : short => t.arn }
}

output "tables" {
  description = "Each table by short name: name, keys, index names, TTL attribute, and whether PITR and KMS encryption are on."
  value = {
    for short, t in aws_dynamodb_table.this : short => {
      name                   = t.name
      hash_key               = t.hash_key
      range_key              = t.range_key
      global_secondary_index = sort([for g in t.global_secondary_index : g.name])
      ttl_attribute          = try(t.ttl[0].attribute_name, null)
      stream_view_type       = t.stream_enabled ? t.stream_view_type : null
      point_in_time_recovery = t.point_in_time_recovery[0].enabled
      sse_kms_key_arn        = t.server_side_encryption[0].enabled ? t.server_side_encryption[0].kms_key_arn : null
    }
  }
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the tables; table users need kms:Decrypt and kms:GenerateDataKey on it."
  value       = local.kms_key_arn
}

output "stream_arns" {
  description = "ARN of each table's DynamoDB stream, by short name, for the tables that have one (an event source mapping's event_source_arn)."
  value       = { for short, t in aws_dynamodb_table.this : short => t.stream_arn if t.stream_enabled }
}

output "audit_table_name" {
  description = "Name of the audit log table (append-only: its resource policy refuses updates and deletes)."
  value       = aws_dynamodb_table.audit.name
}

output "audit_table_arn" {
  description = "ARN of the audit log table; writers get dynamodb:PutItem on it and an explicit Deny of updates and deletes."
  value       = aws_dynamodb_table.audit.arn
}
