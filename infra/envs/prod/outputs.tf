# The same outputs as dev. What front ends need (graphql_url, realtime_url, region, user_pool_id,
# web_client_id, and the Amplify configuration made of them) and what operators need
# (repositories to push to, resolvers, tables, each component's settings).

output "graphql_url" {
  description = "HTTPS endpoint of the GraphQL API."
  value       = module.platform.graphql_url
}

output "realtime_url" {
  description = "WebSocket endpoint of the API's subscriptions."
  value       = module.platform.realtime_url
}

output "region" {
  description = "AWS region of the environment."
  value       = module.platform.region
}

output "user_pool_id" {
  description = "Id of the Cognito user pool."
  value       = module.platform.user_pool_id
}

output "web_client_id" {
  description = "Id of the web app client (front ends sign in with it)."
  value       = module.platform.web_client_id
}

output "amplify_config" {
  description = "The object a front end passes to Amplify.configure (Amplify JS v6)."
  value       = module.platform.amplify_config
}

output "amplify_outputs" {
  description = "amplify_outputs.json (Amplify Gen 2) for this environment."
  value       = module.platform.amplify_outputs
}

output "checkout_page_url" {
  description = "Base URL of the shoppers' checkout page; Checkout.redirectUrl is <this>/checkout/<id>."
  value       = module.platform.checkout_page_url
}

output "checkout_page_bucket" {
  description = "Bucket the deploy step syncs web/dist to (keep config.json: Terraform writes it)."
  value       = module.platform.checkout_page_bucket
}

output "checkout_page_distribution_id" {
  description = "Id of the checkout page's CloudFront distribution, to invalidate after a deploy."
  value       = module.platform.checkout_page_distribution_id
}

output "checkout_page_content_security_policy" {
  description = "The Content-Security-Policy the checkout page is served with."
  value       = module.platform.checkout_page_content_security_policy
}

output "graphql_api_id" {
  description = "Id of the GraphQL API."
  value       = module.platform.graphql_api_id
}

output "graphql_api_arn" {
  description = "ARN of the GraphQL API; merchant roles need appsync:GraphQL on its fields."
  value       = module.platform.graphql_api_arn
}

output "graphql_api_authentication" {
  description = "The API's default and additional authorization modes."
  value       = module.platform.graphql_api_authentication
}

output "execution_limits" {
  description = "The API's introspection switch, query depth limit and resolver count limit."
  value       = module.platform.execution_limits
}

output "resolvers" {
  description = "Each deployed resolver by \"Type.field\": kind, data source, runtime (null for direct Lambda), pipeline functions and ARN."
  value       = module.platform.resolvers
}

output "pipeline_functions" {
  description = "Each deployed pipeline function by name: data source, runtime, batch size, function id and ARN."
  value       = module.platform.pipeline_functions
}

output "tables" {
  description = "Each DynamoDB table by short name: name, keys, indexes, TTL, PITR and encryption key."
  value       = module.platform.tables
}

output "repository_urls" {
  description = "ECR repository URL of each image (lambda, credit-service, scoring); push the images here before the first full apply."
  value       = module.platform.repository_urls
}

output "user_service" {
  description = "The user service's API (base URL, execution ARN), function and role."
  value       = module.platform.user_service
}

output "credit_service" {
  description = "The credit service's ECS cluster and service, task role, endpoint service, event bus and log group."
  value       = module.platform.credit_service
}

output "screening_workflow" {
  description = "Pre-screening on Step Functions: the engine in use, the state machine, its step function and log groups."
  value       = module.platform.screening_workflow
}

output "credit_proxy" {
  description = "The credit proxy's function, role and the credit service URL it calls through PrivateLink."
  value       = module.platform.credit_proxy
}

output "scoring_endpoint" {
  description = "The SageMaker endpoint serving the credit model."
  value       = module.platform.scoring_endpoint
}

output "web_acl_arn" {
  description = "ARN of the web ACL in front of the API."
  value       = module.platform.web_acl_arn
}

output "network" {
  description = "The VPC, its private subnets and the public addresses outbound calls come from."
  value       = module.platform.network
}

output "service_environment" {
  description = "The environment each component runs with, by component (user, credit, credit_proxy); secrets left out."
  value       = module.platform.service_environment
}

output "credit_proxy_client_secret" {
  description = "Secret of the credit proxy's machine-to-machine client."
  value       = module.platform.credit_proxy_client_secret
  sensitive   = true
}

output "merchant_policy_arn" {
  description = "ARN of the IAM policy that lets a merchant's backend call the merchant fields; attach it to each merchant's role."
  value       = module.platform.merchant_policy_arn
}

output "webhooks" {
  description = "Merchant webhooks: the sender, its dead-letter and redrive queues, the alarm topic to subscribe to, the signing secrets' prefix, and the addresses merchants see requests from."
  value       = module.platform.webhooks
}

output "bank_notifications_url" {
  description = "The URL to give the bank for its consent notifications (POST, signed by the bank)."
  value       = module.platform.bank_notifications_url
}

output "bank_webhook_secret_arn" {
  description = "The secret to put the bank's notification signing secret (whsec_...) in after the first apply."
  value       = module.platform.bank_webhook_secret_arn
}

output "monitoring" {
  description = "Metrics and alarms: the topic every alarm notifies (subscribe the on-call address to it), the alarms, and the dashboard (runbook: docs/metrics.md)."
  value       = module.platform.monitoring
}
