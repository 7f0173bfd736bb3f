output "graphql_url" {
  description = "HTTPS endpoint of the GraphQL API."
  value       = module.graphql_api.graphql_url
}

output "realtime_url" {
  description = "WebSocket endpoint of the API's subscriptions."
  value       = module.graphql_api.realtime_url
}

output "graphql_api_id" {
  description = "Id of the GraphQL API."
  value       = module.graphql_api.graphql_api_id
}

output "graphql_api_arn" {
  description = "ARN of the GraphQL API; merchant roles need appsync:GraphQL on its fields."
  value       = module.graphql_api.graphql_api_arn
}

output "graphql_api_authentication" {
  description = "The API's default and additional authorization modes."
  value = {
    default    = module.graphql_api.authentication_type
    additional = module.graphql_api.additional_authentication_types
  }
}

output "resolvers" {
  description = "Each deployed resolver by \"Type.field\": data source, runtime (null for direct Lambda) and ARN."
  value       = module.graphql_api.resolvers
}

output "pipeline_functions" {
  description = "Each deployed pipeline function by name: data source, runtime, batch size, function id and ARN."
  value       = module.graphql_api.functions
}

output "user_pool_id" {
  description = "Id of the Cognito user pool."
  value       = module.user_pool.user_pool_id
}

output "web_client_id" {
  description = "Id of the web app client (front ends sign in with it)."
  value       = module.user_pool.web_client_id
}

output "credit_proxy_client_secret" {
  description = "Secret of the credit proxy's machine-to-machine client."
  value       = module.user_pool.credit_proxy_client_secret
  sensitive   = true
}

output "tables" {
  description = "Each DynamoDB table by short name: name, keys, PITR and encryption key."
  value       = module.tables.tables
}

output "service_environment" {
  description = "The environment variables the services read (services/shared/settings.py), with this environment's values."
  value = {
    AWS_REGION              = var.region
    BNPL_TABLE_PREFIX       = var.name_prefix
    BNPL_DYNAMODB_ENDPOINT  = "" # empty: the AWS endpoint of the region
    BNPL_COGNITO_ISSUER     = module.user_pool.issuer
    BNPL_COGNITO_JWKS_URL   = module.user_pool.jwks_url
    BNPL_COGNITO_CLIENT_IDS = module.user_pool.web_client_id
    BNPL_SERVICE_CLIENT_ID  = module.user_pool.credit_proxy_client_id
    BNPL_TOKEN_ENDPOINT     = module.user_pool.token_endpoint
  }
}
