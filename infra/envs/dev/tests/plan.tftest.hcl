# Plans the dev environment, the whole platform, with the real schema, bindings and resolver code
# of the repository, against a mocked AWS provider: no credentials, no network.
# tests/infra/dev_plan.py reads the first run's plan (every value known thanks to the mocks) to
# hold the deployed environment variables, handlers and resource counts to the code.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"

  # The credit service takes the endpoint's name from its ARN, so it names dev's endpoint.
  mock_resource "aws_sagemaker_endpoint" {
    defaults = {
      arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/bnpl-dev-credit-model"
    }
  }
}

# The checkout page's web ACL, its logs and key are made in us-east-1 (CloudFront's region).
mock_provider "aws" {
  alias           = "us_east_1"
  override_during = plan
  source          = "../../tests/mocks/aws"

  mock_resource "aws_wafv2_web_acl" {
    defaults = {
      arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/mock-page/11111111-2222-3333-4444-555555555555"
      id  = "11111111-2222-3333-4444-555555555555"
    }
  }
}

# The webhook sender's two queues get their own ARNs, so its triggers can be told apart.
override_resource {
  target          = module.platform.module.webhooks.aws_sqs_queue.dead_letters
  override_during = plan
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:bnpl-dev-webhooks-dead-letters"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/bnpl-dev-webhooks-dead-letters"
  }
}

override_resource {
  target          = module.platform.module.webhooks.aws_sqs_queue.redrive
  override_during = plan
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:bnpl-dev-webhooks-redrive"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/bnpl-dev-webhooks-redrive"
  }
}

# Each repository gets its own URL, so each component's image can be told apart.
override_resource {
  target          = module.platform.module.container_images.aws_ecr_repository.this["lambda"]
  override_during = plan
  values = {
    arn            = "arn:aws:ecr:us-east-1:123456789012:repository/bnpl-dev-lambda"
    repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-dev-lambda"
  }
}

override_resource {
  target          = module.platform.module.container_images.aws_ecr_repository.this["credit-service"]
  override_during = plan
  values = {
    arn            = "arn:aws:ecr:us-east-1:123456789012:repository/bnpl-dev-credit-service"
    repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-dev-credit-service"
  }
}

override_resource {
  target          = module.platform.module.container_images.aws_ecr_repository.this["scoring"]
  override_during = plan
  values = {
    arn            = "arn:aws:ecr:us-east-1:123456789012:repository/bnpl-dev-scoring"
    repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-dev-scoring"
  }
}

# The audit log gets its own ARN (every other table shares the mock's), so the policies that
# name it can be told apart (tests/infra/test_audit_policies.py).
override_resource {
  target          = module.platform.module.tables.aws_dynamodb_table.audit
  override_during = plan
  values = {
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/bnpl-dev-audit_log"
  }
}

# The pre-screening workflow's function, its alias, the state machine and its log group get ARNs
# of their own, so the policies and the definition that name them can be told apart
# (tests/infra/test_screening_workflow.py).
override_resource {
  target          = module.platform.module.screening_workflow.aws_lambda_function.this
  override_during = plan
  values = {
    arn     = "arn:aws:lambda:us-east-1:123456789012:function:bnpl-dev-screening-step"
    version = "3"
  }
}

override_resource {
  target          = module.platform.module.screening_workflow.aws_lambda_alias.live
  override_during = plan
  values = {
    arn = "arn:aws:lambda:us-east-1:123456789012:function:bnpl-dev-screening-step:live"
  }
}

override_resource {
  target          = module.platform.module.screening_workflow.aws_sfn_state_machine.this
  override_during = plan
  values = {
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:bnpl-dev-screening"
  }
}

override_resource {
  target          = module.platform.module.screening_workflow.aws_cloudwatch_log_group.state_machine
  override_during = plan
  values = {
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/bnpl-dev-screening"
  }
}

variables {
  account_id                   = "123456789012"
  lambda_image                 = "git-0123abc"
  credit_service_image         = "git-0123abc"
  scoring_image                = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  scoring_model_data_url       = "s3://bnpl-dev-models/credit-v1/model.tar.gz"
  email_from_address           = "codes@dev.bnpl.example"
  ses_identity_arn             = "arn:aws:ses:us-east-1:123456789012:identity/dev.bnpl.example"
  sms_origination_identity_arn = "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-0123456789abcdef"

  # The repository's bindings, which the resolvers must match.
  bindings = jsondecode(file("../../../resolvers/bindings.json"))
}

run "api_authorization" {
  command = plan

  assert {
    condition     = output.graphql_api_authentication.default == "AMAZON_COGNITO_USER_POOLS"
    error_message = "The API's default mode must be Cognito user pools."
  }

  assert {
    condition     = output.graphql_api_authentication.additional == ["AWS_IAM"]
    error_message = "AWS_IAM must be the API's one additional mode."
  }

  assert {
    condition     = output.service_environment.user.BNPL_COGNITO_CLIENT_IDS == output.web_client_id && output.service_environment.credit.BNPL_COGNITO_CLIENT_IDS == output.web_client_id && output.service_environment.user.BNPL_COGNITO_ISSUER == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Mock12345"
    error_message = "The services must accept the web client's tokens from this pool."
  }

  assert {
    condition     = output.service_environment.credit_proxy.BNPL_TOKEN_ENDPOINT == "https://bnpl-dev-123456789012.auth.us-east-1.amazoncognito.com/oauth2/token"
    error_message = "The token endpoint defaults to the <name_prefix><account_id> domain."
  }
}

run "one_resolver_per_binding" {
  command = plan

  assert {
    condition     = length(var.bindings.resolvers) > 0 && keys(output.resolvers) == keys(var.bindings.resolvers)
    error_message = "Every binding, and nothing else, must be deployed as a resolver."
  }

  assert {
    condition     = alltrue([for key, b in var.bindings.resolvers : output.resolvers[key].data_source == b.data_source])
    error_message = "Each resolver must use the data source of its binding."
  }

  assert {
    condition     = alltrue([for key, b in var.bindings.resolvers : output.resolvers[key].runtime == "APPSYNC_JS 1.0.0" if b.code != null])
    error_message = "Resolvers with code must run on APPSYNC_JS 1.0.0."
  }

  assert {
    condition     = alltrue([for key, b in var.bindings.resolvers : output.resolvers[key].runtime == null if b.code == null])
    error_message = "Resolvers without code must be direct Lambda resolvers (no runtime)."
  }

  assert {
    condition     = alltrue([for key, b in var.bindings.resolvers : output.resolvers[key].kind == b.kind])
    error_message = "Each resolver must have the kind (UNIT or PIPELINE) of its binding."
  }

  assert {
    condition     = alltrue([for key, b in var.bindings.resolvers : output.resolvers[key].functions == [for f in try(b.functions, []) : f.name]])
    error_message = "Each pipeline resolver must run its binding's functions, in the binding's order; a UNIT resolver none."
  }

  assert {
    condition     = sort(keys(output.pipeline_functions)) == sort(distinct(flatten([for b in values(var.bindings.resolvers) : [for f in try(b.functions, []) : f.name]])))
    error_message = "Every pipeline function of the bindings, and nothing else, must be deployed once."
  }

  assert {
    condition = alltrue(flatten([
      for b in values(var.bindings.resolvers) : [
        for f in try(b.functions, []) :
        output.pipeline_functions[f.name].data_source == f.data_source && output.pipeline_functions[f.name].runtime == "APPSYNC_JS 1.0.0" && output.pipeline_functions[f.name].max_batch_size == (f.max_batch_size > 0 ? f.max_batch_size : null)
      ]
    ]))
    error_message = "Each pipeline function must use its binding's data source and batch size, on APPSYNC_JS 1.0.0."
  }
}

run "execution_limits" {
  command = plan

  assert {
    condition = output.execution_limits == {
      introspection_config = "ENABLED"
      query_depth_limit    = 10
      resolver_count_limit = 100
    }
    error_message = "By default the API answers introspection, limits depth to 10 and resolvers to 100 (the local emulator's defaults, too)."
  }
}

run "execution_limits_are_passed_through" {
  command = plan

  variables {
    introspection_config = "DISABLED"
    query_depth_limit    = 5
    resolver_count_limit = 50
  }

  assert {
    condition = output.execution_limits == {
      introspection_config = "DISABLED"
      query_depth_limit    = 5
      resolver_count_limit = 50
    }
    error_message = "The environment's introspection switch and limits must reach the API."
  }
}

run "tables" {
  command = plan

  assert {
    condition     = keys(output.tables) == ["applications", "bank_consents", "bank_notifications", "checkout_references", "checkouts", "customers", "merchants", "plan_requests", "plans", "recent_applications", "sandbox_charges", "sandbox_refunds", "verification_challenges", "webhook_deliveries", "webhook_endpoints", "webhook_events"]
    error_message = "The environment has exactly the services' tables and, as a sandbox, the sandbox card network's."
  }

  assert {
    condition = { for short, t in output.tables : short => [t.name, t.hash_key] } == {
      customers               = ["bnpl-dev-customers", "id"]
      bank_consents           = ["bnpl-dev-bank_consents", "customer_id"]
      checkouts               = ["bnpl-dev-checkouts", "id"]
      checkout_references     = ["bnpl-dev-checkout_references", "merchant_reference_key"]
      merchants               = ["bnpl-dev-merchants", "id"]
      applications            = ["bnpl-dev-applications", "id"]
      recent_applications     = ["bnpl-dev-recent_applications", "subject"]
      plans                   = ["bnpl-dev-plans", "id"]
      plan_requests           = ["bnpl-dev-plan_requests", "id"]
      sandbox_charges         = ["bnpl-dev-sandbox_charges", "id"]
      sandbox_refunds         = ["bnpl-dev-sandbox_refunds", "idempotency_key"]
      verification_challenges = ["bnpl-dev-verification_challenges", "customer_id"]
      bank_notifications      = ["bnpl-dev-bank_notifications", "id"]
      webhook_events          = ["bnpl-dev-webhook_events", "stream"]
      webhook_endpoints       = ["bnpl-dev-webhook_endpoints", "id"]
      webhook_deliveries      = ["bnpl-dev-webhook_deliveries", "id"]
    }
    error_message = "Table names and hash keys must match the services' models."
  }

  assert {
    condition     = { for short, t in output.tables : short => t.range_key if t.range_key != null } == { bank_consents = "id", verification_challenges = "slot", webhook_events = "sequence" }
    error_message = "Only bank_consents (its id, under the customer), verification_challenges (the rate-limit slot) and webhook_events (the event's number in its checkout's stream) have a range key."
  }

  assert {
    condition     = { for short, t in output.tables : short => t.ttl_attribute if t.ttl_attribute != null } == { verification_challenges = "ttl", recent_applications = "expires_at", bank_notifications = "expires_at", webhook_events = "expires_at", webhook_deliveries = "expires_at" }
    error_message = "Only verification_challenges (by its `ttl`), the recent applications, the bank's notifications and the webhook events and deliveries (by `expires_at`) expire items."
  }

  assert {
    condition = { for short, t in output.tables : short => join(" ", t.global_secondary_index) if length(t.global_secondary_index) > 0 } == {
      applications       = "by_customer"
      plans              = "by_customer"
      webhook_events     = "by_id undispatched"
      webhook_endpoints  = "by_merchant"
      webhook_deliveries = "by_endpoint due"
    }
    error_message = "Only these indexes are deployed: applications by customer (a device's and an address's recent applications are in recent_applications, not indexes), plans by customer, and the webhook tables' own."
  }

  assert {
    condition     = contains(module.platform.table_owners.credit, "recent_applications") && !contains(module.platform.table_owners.user, "recent_applications")
    error_message = "recent_applications is the credit service's table (its role may read and write it), not the user service's."
  }

  assert {
    condition     = alltrue([for t in values(output.tables) : t.point_in_time_recovery])
    error_message = "Every table must have point-in-time recovery."
  }

  assert {
    condition     = alltrue([for t in values(output.tables) : t.sse_kms_key_arn == "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"])
    error_message = "Every table must be encrypted with the customer-managed key."
  }
}

run "components_are_wired" {
  command = plan

  assert {
    condition     = output.service_environment.credit.BNPL_USER_SERVICE_URL == output.user_service.api_endpoint && output.service_environment.credit.BNPL_USER_SERVICE_AUTH == "iam"
    error_message = "The credit service calls the user service's API, SigV4-signed."
  }

  assert {
    condition     = output.service_environment.credit.BNPL_APPSYNC_URL == output.graphql_url && output.service_environment.credit.BNPL_SCORING_ENDPOINT_NAME == output.scoring_endpoint.name
    error_message = "The credit service publishes to this environment's API and scores on its endpoint."
  }

  assert {
    condition     = output.credit_proxy.credit_service_url == "http://vpce-0123456789abcdef0-abcdefgh.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com"
    error_message = "The credit proxy calls the credit service through its PrivateLink endpoint."
  }

  assert {
    condition     = output.scoring_endpoint.hosting == "serverless"
    error_message = "Dev scores on a serverless endpoint."
  }

  assert {
    condition = output.repository_urls == {
      lambda           = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-dev-lambda"
      "credit-service" = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-dev-credit-service"
      scoring          = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-dev-scoring"
    }
    error_message = "The environment has one repository per image."
  }

  assert {
    condition     = length(output.network.nat_public_ips) == 1
    error_message = "Dev has a single NAT gateway."
  }
}

run "front_end_configuration" {
  command = plan

  assert {
    condition     = output.amplify_config.Auth.Cognito.userPoolId == output.user_pool_id && output.amplify_config.Auth.Cognito.userPoolClientId == output.web_client_id
    error_message = "The Amplify configuration names dev's pool and its web client."
  }

  assert {
    condition     = output.amplify_config.API.GraphQL == { endpoint = output.graphql_url, region = output.region, defaultAuthMode = "userPool" }
    error_message = "The Amplify configuration names dev's API, authorized by the user pool by default."
  }

  assert {
    condition     = output.amplify_outputs.data.url == output.graphql_url && output.amplify_outputs.auth.user_pool_client_id == output.web_client_id
    error_message = "amplify_outputs names the same API and web client."
  }
}

run "checkout_page" {
  command = plan

  assert {
    condition     = startswith(output.checkout_page_url, "https://") && output.service_environment.credit.BNPL_CHECKOUT_PAGE_URL == output.checkout_page_url
    error_message = "The credit service builds Checkout.redirectUrl from the checkout page's HTTPS URL."
  }

  assert {
    condition     = output.checkout_page_bucket != "" && output.checkout_page_distribution_id != ""
    error_message = "The deploy step's bucket and distribution are outputs."
  }

  assert {
    condition     = strcontains(output.checkout_page_content_security_policy, "connect-src 'self' ${output.graphql_url} ${output.realtime_url} https://cognito-idp.${output.region}.amazonaws.com;")
    error_message = "The page may connect to its own origin, the API, its real-time endpoint and Cognito only."
  }
}

run "merchant_webhooks" {
  command = plan

  assert {
    condition     = output.tables["webhook_events"].stream_view_type == "NEW_IMAGE"
    error_message = "The webhook outbox streams its new items to the sender."
  }

  assert {
    condition     = output.service_environment.webhooks.BNPL_WEBHOOK_SECRETS == "secretsmanager" && output.service_environment.webhooks.BNPL_WEBHOOK_SECRET_PREFIX == "bnpl-dev/webhooks/" && output.webhooks.secret_prefix == "bnpl-dev/webhooks/"
    error_message = "Dev's signing secrets are in Secrets Manager under bnpl-dev/webhooks/."
  }

  assert {
    condition     = output.service_environment.webhooks.BNPL_WEBHOOK_DEAD_LETTER_QUEUE_URL == output.webhooks.dead_letter_queue_url && output.service_environment.credit.BNPL_WEBHOOK_SECRET_PREFIX == output.webhooks.secret_prefix
    error_message = "The sender reports dead letters to its queue; the credit service keeps secrets where the sender reads them."
  }

  assert {
    condition     = !contains(keys(output.service_environment.webhooks), "BNPL_WEBHOOKS_ALLOW_LOCAL") && !contains(keys(output.service_environment.credit), "BNPL_WEBHOOKS_ALLOW_LOCAL")
    error_message = "Loopback webhook receivers are the local stack's only."
  }

  assert {
    condition     = output.webhooks.source_ips == output.network.nat_public_ips && length(output.webhooks.source_ips) == 1
    error_message = "Merchants see dev's webhooks come from its one NAT gateway."
  }

  assert {
    condition     = output.bank_notifications_url == "${output.user_service.api_endpoint}/bank/notifications"
    error_message = "The bank posts its notifications to the user service's API."
  }
}

run "prescreening_engine" {
  command = plan

  assert {
    condition     = output.screening_workflow.engine == "in_process" && output.service_environment.credit.BNPL_WORKFLOW_ENGINE == "in_process"
    error_message = "Dev screens in the credit service unless the environment chooses the state machine."
  }

  assert {
    condition     = output.service_environment.credit.BNPL_STATE_MACHINE_ARN == output.screening_workflow.state_machine_arn
    error_message = "The credit service knows the state machine it would run on."
  }

  assert {
    condition     = output.service_environment.screening.BNPL_USER_SERVICE_URL == output.service_environment.credit.BNPL_USER_SERVICE_URL && output.service_environment.screening.BNPL_SCORING_ENDPOINT_NAME == output.service_environment.credit.BNPL_SCORING_ENDPOINT_NAME && output.service_environment.screening.BNPL_TABLE_PREFIX == output.service_environment.credit.BNPL_TABLE_PREFIX
    error_message = "The step function reaches the user service, the scoring endpoint and the tables as the credit service does."
  }
}

run "prescreening_on_step_functions" {
  command = plan

  variables {
    screening_workflow_engine = "step_functions"
  }

  assert {
    condition     = output.service_environment.credit.BNPL_WORKFLOW_ENGINE == "step_functions"
    error_message = "The environment's engine reaches the credit service."
  }
}
