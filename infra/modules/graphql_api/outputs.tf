output "graphql_api_id" {
  description = "Id of the GraphQL API."
  value       = aws_appsync_graphql_api.this.id
}

output "graphql_api_arn" {
  description = "ARN of the GraphQL API; IAM policies grant appsync:GraphQL on \"<arn>/types/<Type>/fields/<field>\"."
  value       = aws_appsync_graphql_api.this.arn
}

output "graphql_url" {
  description = "HTTPS endpoint of the API (POST /graphql)."
  value       = aws_appsync_graphql_api.this.uris["GRAPHQL"]
}

output "realtime_url" {
  description = "WebSocket endpoint of the API's subscriptions."
  value       = aws_appsync_graphql_api.this.uris["REALTIME"]
}

output "log_group_name" {
  description = "CloudWatch log group the API writes to."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the API's log group."
  value       = local.log_kms_key_arn
}

output "data_source_arns" {
  description = "ARN of each data source, by name."
  value       = { for name, ds in aws_appsync_datasource.this : name => ds.arn }
}

output "data_source_role_arns" {
  description = "ARN of the role AppSync assumes to call each data source, by data source name."
  value       = { for name, role in aws_iam_role.data_source : name => role.arn }
}

output "resolver_arns" {
  description = "ARN of each resolver, by \"Type.field\"."
  value       = { for key, r in aws_appsync_resolver.this : key => r.arn }
}

output "authentication_type" {
  description = "The API's default authorization mode."
  value       = aws_appsync_graphql_api.this.authentication_type
}

output "additional_authentication_types" {
  description = "The API's additional authorization modes."
  value       = [for p in aws_appsync_graphql_api.this.additional_authentication_provider : p.authentication_type]
}

output "resolvers" {
  description = "Each resolver by \"Type.field\": its kind, its data source (null for a pipeline), its runtime (null for a direct Lambda resolver), its pipeline's function names in order (empty for UNIT) and its ARN."
  value = {
    for key, r in aws_appsync_resolver.this : key => {
      kind        = r.kind
      data_source = r.data_source
      runtime     = try("${r.runtime[0].name} ${r.runtime[0].runtime_version}", null)
      # Read back from the function ids the resolver was given, so this shows what is deployed.
      functions = [for id in try(r.pipeline_config[0].functions, []) : local.function_names_by_id[id]]
      arn       = r.arn
    }
  }
}

output "functions" {
  description = "Each pipeline function by name: its data source, runtime, batch size, function id and ARN."
  value = {
    for name, f in aws_appsync_function.this : name => {
      data_source    = f.data_source
      runtime        = "${f.runtime[0].name} ${f.runtime[0].runtime_version}"
      max_batch_size = f.max_batch_size
      function_id    = f.function_id
      arn            = f.arn
    }
  }
}

output "execution_limits" {
  description = "The API's introspection switch and execution limits (the local emulator reads the same values from BNPL_* settings)."
  value = {
    introspection_config = aws_appsync_graphql_api.this.introspection_config
    query_depth_limit    = aws_appsync_graphql_api.this.query_depth_limit
    resolver_count_limit = aws_appsync_graphql_api.this.resolver_count_limit
  }
}

output "merchant_policy_arn" {
  description = "ARN of the IAM policy to attach to each merchant's role (null without merchant_fields)."
  value       = one(aws_iam_policy.merchant[*].arn)
}
