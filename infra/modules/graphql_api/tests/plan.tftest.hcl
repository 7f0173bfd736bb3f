# Plans the module against a mocked AWS provider: no credentials, no network.

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
}

variables {
  name                 = "test-api"
  schema               = "type Query { me: String @aws_cognito_user_pools hello: String @aws_iam }"
  region               = "us-east-1"
  account_id           = "123456789012"
  user_pool_id         = "us-east-1_Mock12345"
  user_pool_client_ids = ["webclient0123456789abcdefg"]
  data_sources = {
    user_service = {
      type = "HTTP"
      http = {
        endpoint      = "https://abc123.execute-api.us-east-1.amazonaws.com"
        execution_arn = "arn:aws:execute-api:us-east-1:123456789012:abc123"
      }
    }
    credit_proxy = {
      type   = "AWS_LAMBDA"
      lambda = { function_arn = "arn:aws:lambda:us-east-1:123456789012:function:credit-proxy" }
    }
    events = { type = "NONE" }
  }
  resolvers = {
    "Query.me"    = { type = "Query", field = "me", data_source = "user_service", code = "export function request(ctx) { return {}; }" }
    "Query.hello" = { type = "Query", field = "hello", data_source = "credit_proxy", code = null, max_batch_size = 5 }
  }
}

run "api_auth_and_logging" {
  command = plan

  assert {
    condition     = aws_appsync_graphql_api.this.authentication_type == "AMAZON_COGNITO_USER_POOLS"
    error_message = "The default mode must be Cognito user pools."
  }

  assert {
    condition     = aws_appsync_graphql_api.this.user_pool_config[0].default_action == "ALLOW"
    error_message = "The Cognito default mode must ALLOW signed-in users."
  }

  assert {
    condition     = aws_appsync_graphql_api.this.user_pool_config[0].app_id_client_regex == "^(webclient0123456789abcdefg)$"
    error_message = "Only the web client's tokens may be accepted."
  }

  assert {
    condition     = [for p in aws_appsync_graphql_api.this.additional_authentication_provider : p.authentication_type] == ["AWS_IAM"]
    error_message = "AWS_IAM must be the one additional mode."
  }

  assert {
    condition     = aws_appsync_graphql_api.this.xray_enabled && aws_appsync_graphql_api.this.log_config[0].field_log_level == "ERROR"
    error_message = "X-Ray and error-level field logs must be on by default."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/appsync/apis/mockapi0123456789abcdefghi" && aws_cloudwatch_log_group.this.retention_in_days == 365
    error_message = "The log group must be the one AppSync writes to, with a retention."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.logs.policy).Statement[0].Resource == ["${aws_cloudwatch_log_group.this.arn}:*"]
    error_message = "The logs role may write only to the API's own log group."
  }

  assert {
    condition     = !contains(jsondecode(aws_iam_role_policy.logs.policy).Statement[0].Action, "logs:CreateLogGroup")
    error_message = "The logs role must not create log groups (ours has the retention)."
  }

  assert {
    condition     = output.graphql_url == "https://mock.appsync-api.us-east-1.amazonaws.com/graphql"
    error_message = "graphql_url must be the API's GRAPHQL URI."
  }
}

run "data_sources" {
  command = plan

  assert {
    condition     = aws_appsync_datasource.this["user_service"].http_config[0].authorization_config[0].aws_iam_config[0].signing_service_name == "execute-api"
    error_message = "The HTTP data source must sign its calls for execute-api."
  }

  assert {
    condition     = aws_appsync_datasource.this["user_service"].http_config[0].authorization_config[0].aws_iam_config[0].signing_region == "us-east-1"
    error_message = "The signing region defaults to the API's region."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.http_data_source["user_service"].policy).Statement[0].Resource == "arn:aws:execute-api:us-east-1:123456789012:abc123/*"
    error_message = "The HTTP data source role may invoke only the given API."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.lambda_data_source["credit_proxy"].policy).Statement[0].Resource == ["arn:aws:lambda:us-east-1:123456789012:function:credit-proxy", "arn:aws:lambda:us-east-1:123456789012:function:credit-proxy:*"]
    error_message = "The Lambda data source role may invoke the function and its aliases only."
  }

  assert {
    condition     = length(aws_appsync_datasource.this["credit_proxy"].http_config) == 0 && aws_appsync_datasource.this["credit_proxy"].lambda_config[0].function_arn == "arn:aws:lambda:us-east-1:123456789012:function:credit-proxy"
    error_message = "The Lambda data source must point at the function and have no HTTP config."
  }

  assert {
    condition     = jsondecode(aws_iam_role.data_source["user_service"].assume_role_policy).Statement[0].Condition.ArnEquals["aws:SourceArn"] == aws_appsync_graphql_api.this.arn
    error_message = "Only this API may assume a data source role."
  }

  assert {
    condition     = keys(local.http_data_sources) == ["user_service"] && keys(local.lambda_data_sources) == ["credit_proxy"]
    error_message = "Each data source gets exactly the invoke policy of its type."
  }

  assert {
    condition     = aws_appsync_datasource.this["events"].type == "NONE" && aws_appsync_datasource.this["events"].service_role_arn == null && !contains(keys(aws_iam_role.data_source), "events")
    error_message = "A NONE data source is resolved in AppSync: it gets no role and no target."
  }
}

run "resolvers" {
  command = plan

  assert {
    condition     = length(aws_appsync_resolver.this) == 2
    error_message = "There must be one resolver per entry."
  }

  assert {
    condition     = aws_appsync_resolver.this["Query.me"].runtime[0].name == "APPSYNC_JS" && aws_appsync_resolver.this["Query.me"].runtime[0].runtime_version == "1.0.0"
    error_message = "A resolver with code runs on APPSYNC_JS 1.0.0."
  }

  assert {
    condition     = length(aws_appsync_resolver.this["Query.hello"].runtime) == 0 && aws_appsync_resolver.this["Query.hello"].code == null
    error_message = "A resolver without code is a direct Lambda resolver: no runtime."
  }

  assert {
    condition     = aws_appsync_resolver.this["Query.hello"].request_template == null && aws_appsync_resolver.this["Query.hello"].response_template == null
    error_message = "A direct Lambda resolver has no mapping templates."
  }

  assert {
    condition     = aws_appsync_resolver.this["Query.hello"].max_batch_size == 5 && aws_appsync_resolver.this["Query.me"].max_batch_size == null
    error_message = "max_batch_size is passed through only when above 0."
  }
}

run "direct_resolver_needs_a_lambda_data_source" {
  command = plan

  variables {
    resolvers = {
      "Query.me" = { type = "Query", field = "me", data_source = "user_service", code = null }
    }
  }

  expect_failures = [aws_appsync_resolver.this]
}

run "resolver_with_unknown_data_source_is_refused" {
  command = plan

  variables {
    resolvers = {
      "Query.me" = { type = "Query", field = "me", data_source = "nowhere", code = "export function request(ctx) { return {}; }" }
    }
  }

  expect_failures = [aws_appsync_resolver.this]
}

run "data_source_name_with_hyphen_is_refused" {
  command = plan

  variables {
    data_sources = {
      "user-service" = {
        type = "HTTP"
        http = {
          endpoint      = "https://abc123.execute-api.us-east-1.amazonaws.com"
          execution_arn = "arn:aws:execute-api:us-east-1:123456789012:abc123"
        }
      }
    }
    resolvers = {}
  }

  expect_failures = [var.data_sources]
}

run "http_data_source_without_endpoint_is_refused" {
  command = plan

  variables {
    data_sources = {
      user_service = { type = "HTTP" }
    }
    resolvers = {}
  }

  expect_failures = [var.data_sources]
}

run "resolver_key_must_match_type_and_field" {
  command = plan

  variables {
    resolvers = {
      "Query.me" = { type = "Query", field = "notMe", data_source = "credit_proxy", code = null }
    }
  }

  expect_failures = [var.resolvers]
}
