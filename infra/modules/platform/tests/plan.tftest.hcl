# Plans the whole platform for one environment against a mocked AWS provider (no credentials, no
# network), with the repository's schema, bindings and resolver code, and checks how the modules
# are wired together: who calls whom, with which settings and which permissions.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"
}

override_resource {
  target          = module.container_images.aws_ecr_repository.this["lambda"]
  override_during = plan
  values = {
    arn            = "arn:aws:ecr:us-east-1:123456789012:repository/bnpl-test-lambda"
    repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-test-lambda"
  }
}

override_resource {
  target          = module.container_images.aws_ecr_repository.this["credit-service"]
  override_during = plan
  values = {
    arn            = "arn:aws:ecr:us-east-1:123456789012:repository/bnpl-test-credit-service"
    repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-test-credit-service"
  }
}

override_resource {
  target          = module.container_images.aws_ecr_repository.this["scoring"]
  override_during = plan
  values = {
    arn            = "arn:aws:ecr:us-east-1:123456789012:repository/bnpl-test-scoring"
    repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-test-scoring"
  }
}

override_resource {
  target          = module.user_service.aws_apigatewayv2_api.this
  override_during = plan
  values = {
    id            = "usersvc123"
    api_endpoint  = "https://usersvc123.execute-api.us-east-1.amazonaws.com"
    execution_arn = "arn:aws:execute-api:us-east-1:123456789012:usersvc123"
  }
}

override_resource {
  target          = module.credit_proxy.aws_lambda_function.this
  override_during = plan
  values = {
    arn = "arn:aws:lambda:us-east-1:123456789012:function:bnpl-test-credit-proxy"
  }
}

variables {
  environment                  = "test"
  account_id                   = "123456789012"
  region                       = "us-east-1"
  name_prefix                  = "bnpl-test-"
  availability_zones           = ["us-east-1a", "us-east-1b"]
  lambda_image                 = "git-0123abc"
  credit_service_image         = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
  scoring_image                = "git-0123abc"
  scoring_model_data_url       = "s3://bnpl-test-models/credit-v1/model.tar.gz"
  email_from_address           = "codes@test.bnpl.example"
  ses_identity_arn             = "arn:aws:ses:us-east-1:123456789012:identity/test.bnpl.example"
  sms_origination_identity_arn = "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-0123456789abcdef"
  introspection_config         = "ENABLED"
  query_depth_limit            = 10
  resolver_count_limit         = 10000
  checkout_page_web_acl_arn    = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/bnpl-test-checkout-page/11111111-2222-3333-4444-555555555555"
}

run "api_data_sources_point_at_the_services" {
  command = plan

  assert {
    condition     = local.http_targets.user_service.endpoint == "https://usersvc123.execute-api.us-east-1.amazonaws.com" && local.http_targets.user_service.execution_arn == "arn:aws:execute-api:us-east-1:123456789012:usersvc123"
    error_message = "AppSync's user_service data source calls the user service's API and may invoke only it."
  }

  assert {
    condition     = local.lambda_targets.credit_proxy.function_arn == "arn:aws:lambda:us-east-1:123456789012:function:bnpl-test-credit-proxy"
    error_message = "AppSync's credit_proxy data source invokes the credit proxy function."
  }

  assert {
    condition     = alltrue([for name, ds in local.bindings.data_sources : ds.type == "NONE" || contains(keys(module.graphql_api.data_source_role_arns), name)])
    error_message = "Every data source with a target has its own role."
  }

  assert {
    condition     = module.graphql_api.execution_limits == { introspection_config = "ENABLED", query_depth_limit = 10, resolver_count_limit = 10000 }
    error_message = "The environment's introspection switch and limits reach the API."
  }
}

run "credit_service_settings" {
  command = plan

  assert {
    condition     = module.credit_service.environment.BNPL_USER_SERVICE_URL == "https://usersvc123.execute-api.us-east-1.amazonaws.com" && module.credit_service.environment.BNPL_USER_SERVICE_AUTH == "iam"
    error_message = "The credit service calls the user service's API, SigV4-signed."
  }

  assert {
    condition     = module.credit_service.environment.BNPL_APPSYNC_URL == module.graphql_api.graphql_url && module.credit_service.environment.BNPL_SCORING_ENDPOINT_NAME == "bnpl-test-credit-model"
    error_message = "The credit service publishes to the environment's API and scores on its endpoint."
  }

  assert {
    condition     = module.credit_service.environment.BNPL_PAYMENTS == "none" && !contains(keys(module.tables.table_arns), "sandbox_charges")
    error_message = "Without sandbox_payments no card network is deployed, nor its tables."
  }

  assert {
    condition     = module.credit_service.environment.BNPL_TABLE_PREFIX == "bnpl-test-" && module.credit_service.environment.BNPL_COGNITO_ISSUER == module.user_pool.issuer && module.credit_service.environment.BNPL_SERVICE_CLIENT_ID == module.user_pool.credit_proxy_client_id
    error_message = "The credit service verifies this pool's tokens and uses this environment's tables."
  }
}

run "credit_proxy_settings" {
  command = plan

  assert {
    condition     = nonsensitive(module.credit_proxy.credit_service_url) == "http://vpce-0123456789abcdef0-abcdefgh.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com"
    error_message = "The credit proxy calls the credit service through its PrivateLink endpoint."
  }

  assert {
    condition     = output.service_environment.credit_proxy.BNPL_TOKEN_ENDPOINT == module.user_pool.token_endpoint && output.service_environment.credit_proxy.BNPL_SERVICE_CLIENT_ID == module.user_pool.credit_proxy_client_id
    error_message = "The credit proxy gets its client's token endpoint and id."
  }
}

run "each_component_gets_its_own_tables" {
  command = plan

  assert {
    condition     = sort(concat(local.table_owners.user, local.table_owners.credit)) == sort(keys(local.deployed_tables))
    error_message = "Every table belongs to exactly one component."
  }

  assert {
    condition     = length(setintersection(local.table_owners.user, local.table_owners.credit)) == 0
    error_message = "No table is shared between the user and credit services."
  }

  assert {
    condition     = alltrue([for t in values(module.tables.tables) : startswith(t.name, "bnpl-test-") && t.point_in_time_recovery])
    error_message = "Tables carry the environment's prefix and have point-in-time recovery."
  }

  assert {
    condition     = alltrue([for t in ["applications", "recent_applications"] : contains(local.table_owners.credit, t) && contains([for short in local.table_owners.credit : module.tables.table_arns[short]], module.tables.table_arns[t])])
    error_message = "The credit service's role covers the applications and their recent_applications records."
  }

  assert {
    condition     = module.tables.tables["applications"].hash_key == "id" && module.tables.tables["applications"].global_secondary_index == tolist(["by_customer"]) && module.tables.tables["recent_applications"].hash_key == "subject" && length(module.tables.tables["recent_applications"].global_secondary_index) == 0 && module.tables.tables["recent_applications"].ttl_attribute == "expires_at"
    error_message = "Applications are indexed by customer only; a customer's, device's or address's recent applications are one recent_applications record by subject, dropped by `expires_at`."
  }
}

run "prescreening_workflow" {
  command = plan

  assert {
    condition     = module.credit_service.environment.BNPL_WORKFLOW_ENGINE == "in_process" && module.credit_service.environment.BNPL_STATE_MACHINE_ARN == module.screening_workflow.state_machine_arn
    error_message = "The credit service screens in-process by default and knows the state machine it would switch to."
  }

  assert {
    condition     = local.screening_tables == ["plans"] && alltrue([for t in local.screening_tables : contains(local.table_owners.credit, t)])
    error_message = "The steps query the credit service's plans, and no other table."
  }

  assert {
    condition = {
      for k in ["BNPL_USER_SERVICE_URL", "BNPL_USER_SERVICE_AUTH", "BNPL_SCORING_ENDPOINT_NAME", "BNPL_SCORING_ENDPOINT_URL", "BNPL_DYNAMODB_ENDPOINT", "BNPL_TABLE_PREFIX"] : k => module.screening_workflow.environment[k]
      } == {
      for k in ["BNPL_USER_SERVICE_URL", "BNPL_USER_SERVICE_AUTH", "BNPL_SCORING_ENDPOINT_NAME", "BNPL_SCORING_ENDPOINT_URL", "BNPL_DYNAMODB_ENDPOINT", "BNPL_TABLE_PREFIX"] : k => module.credit_service.environment[k]
    }
    error_message = "The step function reaches the user service, the scoring endpoint and the tables as the credit service does."
  }

  assert {
    condition     = module.screening_workflow.function_name == "bnpl-test-screening-step" && module.screening_workflow.state_machine_name == "bnpl-test-screening"
    error_message = "The workflow is named after the environment."
  }
}

run "prescreening_on_step_functions" {
  command = plan

  variables {
    screening_workflow_engine = "step_functions"
  }

  assert {
    condition     = module.credit_service.environment.BNPL_WORKFLOW_ENGINE == "step_functions"
    error_message = "The environment's engine reaches the credit service."
  }
}

run "an_unknown_screening_engine_is_refused" {
  command = plan

  variables {
    screening_workflow_engine = "in-process"
  }

  expect_failures = [var.screening_workflow_engine]
}

run "a_sandbox_environment_takes_test_tokens_on_the_sandbox_network" {
  command = plan

  variables {
    sandbox_payments = true
  }

  assert {
    condition     = module.credit_service.environment.BNPL_PAYMENTS == "sandbox"
    error_message = "A sandbox environment's credit service uses the sandbox card network."
  }

  assert {
    condition     = alltrue([for t in ["sandbox_charges", "sandbox_refunds"] : contains(keys(module.tables.table_arns), t) && contains(local.table_owners.credit, t)])
    error_message = "The sandbox network's tables are deployed and only the credit service may use them."
  }
}

run "images_by_tag_or_digest" {
  command = plan

  assert {
    condition = local.image_uris == {
      lambda           = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-test-lambda:git-0123abc"
      "credit-service" = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-test-credit-service@sha256:2222222222222222222222222222222222222222222222222222222222222222"
      scoring          = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-test-scoring:git-0123abc"
    }
    error_message = "A tag is pulled as <url>:<tag>, a digest as <url>@sha256:..."
  }
}

# That the ACL is associated with this API is checked on the planned dev root
# (tests/infra/test_checkov.py and test_dev_plan_resources.py), which can read nested resources.
run "the_environment_has_a_web_acl" {
  command = plan

  assert {
    condition     = output.web_acl_arn == "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/mock-api/11111111-2222-3333-4444-555555555555"
    error_message = "The environment has its web ACL."
  }
}

run "bad_image_reference_is_refused" {
  command = plan

  variables {
    lambda_image = "sha256:not-a-digest"
  }

  expect_failures = [var.lambda_image]
}

run "short_log_retention_is_refused" {
  command = plan

  variables {
    log_retention_in_days = 30
  }

  expect_failures = [var.log_retention_in_days]
}

run "front_end_configuration" {
  command = plan

  assert {
    # Compared as JSON, which is what a front end reads (`terraform output -json`): HCL's `==`
    # also compares types, and a literal's tuples are not the output's lists.
    condition = jsonencode(output.amplify_config) == jsonencode({
      Auth = {
        Cognito = {
          userPoolId       = "us-east-1_Mock12345"
          userPoolClientId = "mockclient0123456789abcdef"
          loginWith        = { email = true }
        }
      }
      API = {
        GraphQL = {
          endpoint        = "https://mock.appsync-api.us-east-1.amazonaws.com/graphql"
          region          = "us-east-1"
          defaultAuthMode = "userPool"
        }
      }
    })
    error_message = "Amplify.configure's object names the pool, its web client and the API, which Cognito user pools authorize by default."
  }

  assert {
    condition = jsonencode(output.amplify_outputs) == jsonencode({
      version = "1.3"
      auth = {
        user_pool_id            = "us-east-1_Mock12345"
        aws_region              = "us-east-1"
        user_pool_client_id     = "mockclient0123456789abcdef"
        username_attributes     = ["email"]
        user_verification_types = ["email"]
      }
      data = {
        url                        = "https://mock.appsync-api.us-east-1.amazonaws.com/graphql"
        aws_region                 = "us-east-1"
        default_authorization_type = "AMAZON_COGNITO_USER_POOLS"
        authorization_types        = ["AWS_IAM"]
      }
    })
    error_message = "amplify_outputs.json carries the same pool, client and API, with IAM as the additional mode."
  }
}

run "checkout_page" {
  command = plan

  assert {
    condition     = output.checkout_page_url == "https://dmock0123456789.cloudfront.net" && output.checkout_page_distribution_id == "EMOCKDISTRIBUTION"
    error_message = "The checkout page is served on its distribution's HTTPS domain."
  }

  assert {
    condition     = module.credit_service.environment.BNPL_CHECKOUT_PAGE_URL == output.checkout_page_url
    error_message = "The credit service builds Checkout.redirectUrl from the page's URL."
  }

  assert {
    condition     = !contains(keys(module.credit_service.environment), "BNPL_ALLOW_LOCAL_HTTP_REDIRECTS")
    error_message = "Plain-http localhost redirect URLs are the local stack's only."
  }

  assert {
    condition     = module.web_page.bucket_name == output.checkout_page_bucket
    error_message = "The bucket output is the page's bucket."
  }

  assert {
    condition     = jsonencode(jsondecode(module.web_page.config_json)) == jsonencode(output.amplify_config)
    error_message = "The page's config.json is the amplify_config output."
  }

  assert {
    condition     = strcontains(output.checkout_page_content_security_policy, "connect-src 'self' https://mock.appsync-api.us-east-1.amazonaws.com/graphql wss://mock.appsync-realtime-api.us-east-1.amazonaws.com/graphql https://cognito-idp.us-east-1.amazonaws.com;")
    error_message = "The page may connect to this environment's API, its real-time endpoint and Cognito."
  }

  assert {
    condition     = output.checkout_page_web_acl_arn == var.checkout_page_web_acl_arn
    error_message = "The page is behind the given global web ACL."
  }
}

run "merchant_webhooks" {
  command = plan

  assert {
    condition     = module.tables.tables["webhook_events"].stream_view_type == "NEW_IMAGE" && keys(module.tables.stream_arns) == ["webhook_events"]
    error_message = "The webhook outbox, and only it, has a stream of new images: the sender's event source."
  }

  assert {
    condition     = alltrue([for t in ["webhook_events", "webhook_endpoints", "webhook_deliveries"] : contains(local.table_owners.credit, t)]) && contains(local.table_owners.user, "bank_notifications")
    error_message = "The webhook tables are the credit service's; the bank's notifications are the user service's."
  }

  assert {
    condition = module.webhooks.environment == {
      BNPL_TABLE_PREFIX                  = "bnpl-test-"
      BNPL_DYNAMODB_ENDPOINT             = ""
      BNPL_WEBHOOK_SECRETS               = "secretsmanager"
      BNPL_WEBHOOK_SECRET_PREFIX         = "bnpl-test/webhooks/"
      BNPL_WEBHOOK_SECRETS_KMS_KEY_ID    = module.webhooks.secrets_kms_key_arn
      BNPL_WEBHOOK_DEAD_LETTER_QUEUE_URL = module.webhooks.dead_letter_queue_url
    }
    error_message = "The sender uses this environment's tables, Secrets Manager under the environment's prefix, and its dead-letter queue."
  }

  assert {
    condition     = alltrue([for k, v in module.webhooks.secrets_environment : module.credit_service.environment[k] == v])
    error_message = "The credit service keeps the secrets where the sender reads them: same store, prefix and key."
  }

  assert {
    condition     = !contains(keys(module.credit_service.environment), "BNPL_WEBHOOKS_ALLOW_LOCAL") && !contains(keys(module.webhooks.environment), "BNPL_WEBHOOKS_ALLOW_LOCAL")
    error_message = "Loopback webhook receivers are the local stack's only."
  }

  assert {
    condition     = module.webhooks.secret_arn_pattern == "arn:aws:secretsmanager:us-east-1:123456789012:secret:bnpl-test/webhooks/*"
    error_message = "The signing secrets are named under the environment's prefix."
  }

  assert {
    condition     = output.webhooks.source_ips == module.network.nat_public_ips && output.service_environment.webhooks == module.webhooks.environment
    error_message = "Operators learn the sender's settings and the addresses merchants see it call from."
  }

  assert {
    condition     = output.bank_notifications_url == "https://usersvc123.execute-api.us-east-1.amazonaws.com/bank/notifications"
    error_message = "The bank posts its notifications to the user service's API."
  }
}

run "monitoring" {
  command = plan

  assert {
    condition     = module.monitoring.alarm_topic_arn == "arn:aws:sns:us-east-1:123456789012:bnpl-test-alarms" && output.monitoring.alarm_topic_arn == module.monitoring.alarm_topic_arn
    error_message = "The environment has one alarm topic, an output for the on-call subscription."
  }

  assert {
    condition     = module.webhooks.alarm_topic_arn == module.monitoring.alarm_topic_arn
    error_message = "The webhook sender's alarms (dead letters among them) notify the same topic, and it makes none of its own."
  }

  assert {
    condition = toset(output.monitoring.alarm_names) == toset([
      "bnpl-test-api-5xx-rate", "bnpl-test-user-service-5xx-rate", "bnpl-test-credit-service-5xx-rate",
      "bnpl-test-decision-p99",
      "bnpl-test-screening-error-rate", "bnpl-test-payment-failure-rate",
      "bnpl-test-webhooks-dead-letters", "bnpl-test-webhooks-delivery-failure-rate", "bnpl-test-webhooks-errors",
    ])
    error_message = "Every alarm of the environment is listed: 5xx rates, decision p99, screening errors, payment failures, webhook dead letters."
  }

  assert {
    condition     = output.monitoring.dashboard_name == "bnpl-test"
    error_message = "The dashboard is named after the environment."
  }
}
