# Plans the dev environment with the real schema, bindings and resolver code of the repository,
# against a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids.
  override_during = plan

  mock_resource "aws_appsync_graphql_api" {
    defaults = {
      id  = "mockapi0123456789abcdefghi"
      arn = "arn:aws:appsync:us-east-1:123456789012:apis/mockapi0123456789abcdefghi"
      uris = {
        GRAPHQL  = "https://mock.appsync-api.us-east-1.amazonaws.com/graphql"
        REALTIME = "wss://mock.appsync-realtime-api.us-east-1.amazonaws.com/graphql"
      }
    }
  }

  mock_resource "aws_cognito_user_pool" {
    defaults = {
      id  = "us-east-1_Mock12345"
      arn = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Mock12345"
    }
  }

  mock_resource "aws_cognito_user_pool_client" {
    defaults = {
      id = "mockclient0123456789abcdef"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/appsync/apis/mockapi0123456789abcdefghi"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/mock-role"
    }
  }

  # No defaults: each function gets its own random function_id during plan, so the resolvers
  # output can read the pipelines' function names back from their ids.
  mock_resource "aws_appsync_function" {
    defaults = {}
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      key_id = "11111111-2222-3333-4444-555555555555"
    }
  }
}

variables {
  account_id                 = "123456789012"
  user_service_endpoint      = "https://abc123.execute-api.us-east-1.amazonaws.com"
  user_service_execution_arn = "arn:aws:execute-api:us-east-1:123456789012:abc123"
  credit_proxy_function_arn  = "arn:aws:lambda:us-east-1:123456789012:function:bnpl-dev-credit-proxy"
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
    condition     = output.service_environment.BNPL_COGNITO_CLIENT_IDS == output.web_client_id && output.service_environment.BNPL_COGNITO_ISSUER == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Mock12345"
    error_message = "The services must accept the web client's tokens from this pool."
  }

  assert {
    condition     = output.service_environment.BNPL_TOKEN_ENDPOINT == "https://bnpl-dev-123456789012.auth.us-east-1.amazoncognito.com/oauth2/token"
    error_message = "The token endpoint defaults to the <name_prefix><account_id> domain."
  }
}

run "one_resolver_per_binding" {
  command = plan

  assert {
    condition     = length(local.bindings.resolvers) > 0 && keys(output.resolvers) == keys(local.bindings.resolvers)
    error_message = "Every binding, and nothing else, must be deployed as a resolver."
  }

  assert {
    condition     = alltrue([for key, b in local.bindings.resolvers : output.resolvers[key].data_source == b.data_source])
    error_message = "Each resolver must use the data source of its binding."
  }

  assert {
    condition     = alltrue([for key, b in local.bindings.resolvers : output.resolvers[key].runtime == "APPSYNC_JS 1.0.0" if b.code != null])
    error_message = "Resolvers with code must run on APPSYNC_JS 1.0.0."
  }

  assert {
    condition     = alltrue([for key, b in local.bindings.resolvers : output.resolvers[key].runtime == null if b.code == null])
    error_message = "Resolvers without code must be direct Lambda resolvers (no runtime)."
  }

  assert {
    condition     = alltrue([for key, b in local.bindings.resolvers : output.resolvers[key].kind == b.kind])
    error_message = "Each resolver must have the kind (UNIT or PIPELINE) of its binding."
  }

  assert {
    condition     = alltrue([for key, b in local.bindings.resolvers : output.resolvers[key].functions == [for f in try(b.functions, []) : f.name]])
    error_message = "Each pipeline resolver must run its binding's functions, in the binding's order; a UNIT resolver none."
  }

  assert {
    condition     = sort(keys(output.pipeline_functions)) == sort(distinct(flatten([for b in values(local.bindings.resolvers) : [for f in try(b.functions, []) : f.name]])))
    error_message = "Every pipeline function of the bindings, and nothing else, must be deployed once."
  }

  assert {
    condition = alltrue(flatten([
      for b in values(local.bindings.resolvers) : [
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
    condition = module.graphql_api.execution_limits == {
      introspection_config = "ENABLED"
      query_depth_limit    = 10
      resolver_count_limit = 10000
    }
    error_message = "By default the API answers introspection, limits depth to 10 and resolvers to 10000 (the local emulator's defaults, too)."
  }
}

run "execution_limits_are_passed_through" {
  command = plan

  variables {
    introspection_config = "DISABLED"
    query_depth_limit    = 5
    resolver_count_limit = 100
  }

  assert {
    condition = module.graphql_api.execution_limits == {
      introspection_config = "DISABLED"
      query_depth_limit    = 5
      resolver_count_limit = 100
    }
    error_message = "The environment's introspection switch and limits must reach the API."
  }
}

run "tables" {
  command = plan

  assert {
    condition     = keys(output.tables) == ["applications", "bank_consents", "checkout_references", "checkouts", "customers", "merchants", "plan_requests", "plans", "verification_challenges"]
    error_message = "The environment has exactly the customers, bank_consents, checkouts, checkout_references, merchants, applications, plans, plan_requests and verification_challenges tables."
  }

  assert {
    condition = { for short, t in output.tables : short => [t.name, t.hash_key] } == {
      customers               = ["bnpl-dev-customers", "id"]
      bank_consents           = ["bnpl-dev-bank_consents", "customer_id"]
      checkouts               = ["bnpl-dev-checkouts", "id"]
      checkout_references     = ["bnpl-dev-checkout_references", "merchant_reference_key"]
      merchants               = ["bnpl-dev-merchants", "id"]
      applications            = ["bnpl-dev-applications", "id"]
      plans                   = ["bnpl-dev-plans", "id"]
      plan_requests           = ["bnpl-dev-plan_requests", "id"]
      verification_challenges = ["bnpl-dev-verification_challenges", "customer_id"]
    }
    error_message = "Table names and hash keys must match the services' models."
  }

  assert {
    condition     = { for short, t in output.tables : short => t.range_key if t.range_key != null } == { bank_consents = "id", verification_challenges = "slot" }
    error_message = "Only bank_consents (its id, under the customer) and verification_challenges (the rate-limit slot) have a range key."
  }

  assert {
    condition     = { for short, t in output.tables : short => t.ttl_attribute if t.ttl_attribute != null } == { verification_challenges = "ttl" }
    error_message = "Only verification_challenges expires items, by its `ttl` attribute."
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

run "execution_arn_must_be_an_api_gateway_arn" {
  command = plan

  variables {
    user_service_execution_arn = "arn:aws:lambda:us-east-1:123456789012:function:user"
  }

  expect_failures = [var.user_service_execution_arn]
}
