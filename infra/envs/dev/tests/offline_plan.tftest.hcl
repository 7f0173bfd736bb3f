# Plans the dev environment with the real AWS provider, configured so that it calls nothing:
# dummy keys, and no credential, account or metadata look-ups. Unlike a mocked provider, the real
# one runs its own plan-time checks (argument combinations, diff customisations), so this catches
# what only `terraform plan` would. Computed values (ids, ARNs) stay unknown here.

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "offline-plan"
  secret_key                  = "offline-plan"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

variables {
  account_id                 = "123456789012"
  user_service_endpoint      = "https://abc123.execute-api.us-east-1.amazonaws.com"
  user_service_execution_arn = "arn:aws:execute-api:us-east-1:123456789012:abc123"
  credit_proxy_function_arn  = "arn:aws:lambda:us-east-1:123456789012:function:bnpl-dev-credit-proxy"
}

run "plan_with_the_real_provider" {
  command = plan

  assert {
    condition     = keys(output.resolvers) == keys(local.bindings.resolvers)
    error_message = "Every binding, and nothing else, must be planned as a resolver."
  }

  assert {
    condition     = alltrue([for key, b in local.bindings.resolvers : output.resolvers[key].runtime == (b.code == null ? null : "APPSYNC_JS 1.0.0")])
    error_message = "Resolvers with code run on APPSYNC_JS 1.0.0; resolvers without code are direct Lambda resolvers."
  }

  assert {
    condition     = alltrue([for t in values(output.tables) : t.point_in_time_recovery])
    error_message = "Every table must have point-in-time recovery."
  }
}
