# ---------------------------------------------------------------- for front ends and merchants

output "graphql_url" {
  description = "HTTPS endpoint of the GraphQL API (front ends and merchants call it)."
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

output "execution_limits" {
  description = "The API's introspection switch, query depth limit and resolver count limit."
  value       = module.graphql_api.execution_limits
}

output "user_pool_id" {
  description = "Id of the Cognito user pool."
  value       = module.user_pool.user_pool_id
}

output "web_client_id" {
  description = "Id of the web app client (front ends sign in with it)."
  value       = module.user_pool.web_client_id
}

output "user_pool_groups" {
  description = "The user pool's groups (customers, underwriters)."
  value       = module.user_pool.group_names
}

output "region" {
  description = "AWS region of the environment."
  value       = var.region
}

output "amplify_config" {
  description = "The object a front end passes to Amplify.configure (Amplify JS v6): the user pool, its web app client and the GraphQL API."
  value       = local.amplify_config
}

output "amplify_outputs" {
  description = "The same as amplify_outputs.json (Amplify Gen 2, version 1.3), for `terraform output -json amplify_outputs > amplify_outputs.json`."
  value = {
    version = "1.3"
    auth = {
      user_pool_id            = module.user_pool.user_pool_id
      aws_region              = var.region
      user_pool_client_id     = module.user_pool.web_client_id
      username_attributes     = module.user_pool.username_attributes
      user_verification_types = module.user_pool.auto_verified_attributes
    }
    data = {
      url                        = module.graphql_api.graphql_url
      aws_region                 = var.region
      default_authorization_type = module.graphql_api.authentication_type
      authorization_types        = module.graphql_api.additional_authentication_types
    }
  }
}

output "checkout_page_url" {
  description = "Base URL of the shoppers' checkout page (https://<distribution domain>); Checkout.redirectUrl is <this>/checkout/<id>."
  value       = module.web_page.url
}

output "checkout_page_bucket" {
  description = "Bucket the deploy step syncs web/dist to (config.json in it is Terraform's)."
  value       = module.web_page.bucket_name
}

output "checkout_page_distribution_id" {
  description = "Id of the checkout page's CloudFront distribution, to invalidate after a deploy."
  value       = module.web_page.distribution_id
}

output "checkout_page_content_security_policy" {
  description = "The Content-Security-Policy the checkout page is served with."
  value       = module.web_page.content_security_policy
}

# ---------------------------------------------------------------- for operators

output "resolvers" {
  description = "Each deployed resolver by \"Type.field\": kind, data source, runtime (null for direct Lambda), pipeline functions and ARN."
  value       = module.graphql_api.resolvers
}

output "pipeline_functions" {
  description = "Each deployed pipeline function by name: data source, runtime, batch size, function id and ARN."
  value       = module.graphql_api.functions
}

output "data_source_role_arns" {
  description = "The role AppSync assumes for each data source, by name."
  value       = module.graphql_api.data_source_role_arns
}

output "tables" {
  description = "Each DynamoDB table by short name: name, keys, indexes, TTL, PITR and encryption key."
  value       = module.tables.tables
}

output "table_owners" {
  description = "Which component's role may use which tables (short names)."
  value       = local.table_owners
}

output "repository_urls" {
  description = "ECR repository URL of each image (lambda, credit-service, scoring); push the images here before the first full apply."
  value       = module.container_images.repository_urls
}

output "image_uris" {
  description = "The image each component runs, by repository."
  value       = local.image_uris
}

output "credit_proxy_client_secret" {
  description = "Secret of the credit proxy's machine-to-machine client (also in the proxy's encrypted environment)."
  value       = module.user_pool.credit_proxy_client_secret
  sensitive   = true
}

output "user_service" {
  description = "The user service: its API's base URL and execution ARN, and its function."
  value = {
    api_endpoint  = module.user_service.api_endpoint
    execution_arn = module.user_service.execution_arn
    function_name = module.user_service.function_name
    role_arn      = module.user_service.role_arn
  }
}

output "credit_service" {
  description = "The credit service: ECS cluster and service, task role, PrivateLink endpoint service, event bus and log group."
  value = {
    cluster_name          = module.credit_service.cluster_name
    service_name          = module.credit_service.service_name
    task_role_arn         = module.credit_service.task_role_arn
    endpoint_service_name = module.credit_service.endpoint_service_name
    event_bus_name        = module.credit_service.event_bus_name
    event_bus_arn         = module.credit_service.event_bus_arn
    log_group_name        = module.credit_service.log_group_name
  }
}

output "screening_workflow" {
  description = "Pre-screening on Step Functions: the engine the credit service runs, the Express state machine, its step function and their log groups (the machine's is its execution history)."
  value = {
    engine             = module.credit_service.workflow_engine
    state_machine_arn  = module.screening_workflow.state_machine_arn
    state_machine_name = module.screening_workflow.state_machine_name
    function_name      = module.screening_workflow.function_name
    step_arn           = module.screening_workflow.step_arn
    log_group_names    = module.screening_workflow.log_group_names
  }
}

output "credit_proxy" {
  description = "The credit proxy: its function, role and the credit service URL it calls through PrivateLink."
  value = {
    function_name      = module.credit_proxy.function_name
    function_arn       = module.credit_proxy.function_arn
    role_arn           = module.credit_proxy.role_arn
    credit_service_url = module.credit_proxy.credit_service_url
  }
}

output "scoring_endpoint" {
  description = "The SageMaker endpoint serving the credit model: name, ARN, hosting (serverless or instances) and the challenger's variant (null without a challenger)."
  value = {
    name               = module.scoring_endpoint.endpoint_name
    arn                = module.scoring_endpoint.endpoint_arn
    hosting            = module.scoring_endpoint.hosting
    challenger_variant = module.scoring_endpoint.challenger_variant_name
  }
}

output "web_acl_arn" {
  description = "ARN of the web ACL in front of the API."
  value       = module.waf.web_acl_arn
}

output "checkout_page_web_acl_arn" {
  description = "ARN of the (global) web ACL in front of the checkout page."
  value       = module.web_page.web_acl_arn
}

output "network" {
  description = "The VPC, its private subnets and the addresses outbound calls come from (for third parties' allow-lists)."
  value = {
    vpc_id             = module.network.vpc_id
    private_subnet_ids = module.network.private_subnet_ids
    nat_public_ips     = module.network.nat_public_ips
  }
}

output "service_environment" {
  description = "The environment each component runs with (services/shared/settings.py), by component; the credit proxy's secret is left out (see credit_proxy_client_secret)."
  value = {
    user   = merge(local.shared_service_environment, { AWS_REGION = var.region })
    credit = module.credit_service.environment
    credit_proxy = {
      BNPL_TOKEN_ENDPOINT     = module.user_pool.token_endpoint
      BNPL_SERVICE_CLIENT_ID  = module.user_pool.credit_proxy_client_id
      BNPL_CREDIT_SERVICE_URL = module.credit_proxy.credit_service_url
    }
    webhooks  = module.webhooks.environment
    screening = module.screening_workflow.environment
  }
}

output "merchant_policy_arn" {
  description = "ARN of the IAM policy that lets a merchant's backend call the merchant fields; attach it to each merchant's role."
  value       = module.graphql_api.merchant_policy_arn
}

output "webhooks" {
  description = "Merchant webhooks: the sender function, its dead-letter and redrive queues (a DLQ redrive goes from the first to the second), the alarm topic to subscribe to, the signing secrets' prefix, and the addresses merchants see requests from (the NAT gateways', for their allow-lists)."
  value = {
    function_name         = module.webhooks.function_name
    dead_letter_queue_url = module.webhooks.dead_letter_queue_url
    dead_letter_queue_arn = module.webhooks.dead_letter_queue_arn
    redrive_queue_arn     = module.webhooks.redrive_queue_arn
    alarm_topic_arn       = module.webhooks.alarm_topic_arn
    alarm_names           = module.webhooks.alarm_names
    secret_prefix         = module.webhooks.secret_prefix
    source_ips            = module.network.nat_public_ips
  }
}

output "bank_notifications_url" {
  description = "The URL the bank sends its consent notifications to (POST, signed by the bank)."
  value       = module.user_service.bank_notifications_url
}

output "bank_webhook_secret_arn" {
  description = "The Secrets Manager secret to put the bank's notification signing secret (whsec_...) in after the first apply."
  value       = module.user_service.bank_webhook_secret_arn
}

output "monitoring" {
  description = "Metrics and alarms: the topic every alarm notifies (subscribe the on-call address to it), the alarms, and the dashboard (runbook: docs/metrics.md)."
  value = {
    alarm_topic_arn = module.monitoring.alarm_topic_arn
    alarm_names     = concat(module.monitoring.alarm_names, module.webhooks.alarm_names)
    dashboard_name  = module.monitoring.dashboard_name
  }
}
