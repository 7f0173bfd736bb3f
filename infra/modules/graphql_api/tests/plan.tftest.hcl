# Plans the module against a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"
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

run "log_encryption" {
  command = plan

  assert {
    condition     = aws_cloudwatch_log_group.this.kms_key_id == aws_kms_key.logs[0].arn && output.log_kms_key_arn == aws_kms_key.logs[0].arn
    error_message = "The API's log group must be encrypted with the module's customer-managed key."
  }

  assert {
    condition     = aws_kms_key.logs[0].enable_key_rotation && aws_kms_alias.logs[0].name == "alias/test-api-logs"
    error_message = "The log key rotates and has an alias after the API."
  }

  assert {
    condition = [for st in jsondecode(aws_kms_key.logs[0].policy).Statement : st if try(st.Principal.Service, "") != ""] == [{
      Sid       = "LogsEncryptTheApiLogGroup"
      Effect    = "Allow"
      Principal = { Service = "logs.us-east-1.amazonaws.com" }
      Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
      Resource  = "*"
      Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/appsync/apis/mockapi0123456789abcdefghi" } }
    }]
    error_message = "CloudWatch Logs may use the key for the API's own log group only."
  }

  assert {
    condition = alltrue([
      for st in jsondecode(aws_kms_key.logs[0].policy).Statement : try(st.Principal.Service, "") != "" || (
        try(st.Principal.AWS, "") == "arn:aws:iam::123456789012:root" && !anytrue([for a in st.Action : can(regex("^kms:(\\*|Encrypt|Decrypt|ReEncrypt|GenerateDataKey)", a))])
      )
    ])
    error_message = "The account administers the log key but cannot encrypt or decrypt with it."
  }
}

run "log_key_can_be_brought" {
  command = plan

  variables {
    create_log_kms_key = false
    log_kms_key_arn    = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
  }

  assert {
    condition     = length(aws_kms_key.logs) == 0 && aws_cloudwatch_log_group.this.kms_key_id == "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
    error_message = "With create_log_kms_key false, the given key encrypts the log group and none is created."
  }
}

run "log_key_is_required" {
  command = plan

  variables {
    create_log_kms_key = false
  }

  expect_failures = [aws_cloudwatch_log_group.this]
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

# A small bindings document with pipelines, in the shape the dev root passes from
# resolvers/bindings.json: two pipelines share the "load_customer" function, which must be
# created once, and each pipeline gets its functions' ids in its own order.
run "pipeline_resolvers" {
  command = plan

  # Distinct function ids during plan, so the assertions can tell which function each pipeline
  # refers to (unmocked, they stay unknown until apply).
  override_resource {
    target          = aws_appsync_function.this["load_customer"]
    values          = { function_id = "fnloadcustomer" }
    override_during = plan
  }

  override_resource {
    target          = aws_appsync_function.this["score"]
    values          = { function_id = "fnscore" }
    override_during = plan
  }

  override_resource {
    target          = aws_appsync_function.this["stamp"]
    values          = { function_id = "fnstamp" }
    override_during = plan
  }

  variables {
    resolvers = {
      "Query.me" = { type = "Query", field = "me", data_source = "user_service", code = "export function request(ctx) { return {}; }" }
      "Query.hello" = {
        type  = "Query"
        field = "hello"
        kind  = "PIPELINE"
        code  = "export function request(ctx) { return {}; } export function response(ctx) { return ctx.prev.result; }"
        functions = [
          { name = "load_customer", data_source = "user_service", code = "export function request(ctx) { return {}; }" },
          { name = "score", data_source = "credit_proxy", code = "export function request(ctx) { return {}; }", max_batch_size = 10 },
        ]
      }
      "Mutation.publish" = {
        type  = "Mutation"
        field = "publish"
        kind  = "PIPELINE"
        code  = "export function request(ctx) { return {}; } export function response(ctx) { return ctx.prev.result; }"
        functions = [
          { name = "stamp", data_source = "events", code = "export function request(ctx) { return { payload: ctx.args }; }" },
          { name = "load_customer", data_source = "user_service", code = "export function request(ctx) { return {}; }" },
        ]
      }
    }
  }

  assert {
    condition     = keys(aws_appsync_function.this) == ["load_customer", "score", "stamp"]
    error_message = "One function per distinct name, however many pipelines list it."
  }

  assert {
    condition     = alltrue([for f in values(aws_appsync_function.this) : f.runtime[0].name == "APPSYNC_JS" && f.runtime[0].runtime_version == "1.0.0"])
    error_message = "Every function runs on APPSYNC_JS 1.0.0."
  }

  assert {
    condition = {
      for name, f in aws_appsync_function.this : name => "${f.name} ${f.data_source} ${f.api_id}"
      } == {
      load_customer = "load_customer user_service mockapi0123456789abcdefghi"
      score         = "score credit_proxy mockapi0123456789abcdefghi"
      stamp         = "stamp events mockapi0123456789abcdefghi"
    }
    error_message = "Each function has its name and its data source, in this API."
  }

  assert {
    condition     = aws_appsync_function.this["score"].max_batch_size == 10 && aws_appsync_function.this["stamp"].max_batch_size == null
    error_message = "A function's max_batch_size is passed through only when above 0."
  }

  assert {
    condition     = aws_appsync_function.this["stamp"].code == "export function request(ctx) { return { payload: ctx.args }; }" && aws_appsync_function.this["stamp"].request_mapping_template == null
    error_message = "A function carries its JS code and no mapping templates."
  }

  assert {
    condition     = aws_appsync_resolver.this["Query.hello"].kind == "PIPELINE" && aws_appsync_resolver.this["Query.hello"].data_source == null
    error_message = "A pipeline resolver is of kind PIPELINE and has no data source."
  }

  assert {
    condition     = aws_appsync_resolver.this["Query.hello"].pipeline_config[0].functions == tolist(["fnloadcustomer", "fnscore"])
    error_message = "A pipeline lists its functions' ids in its own order."
  }

  assert {
    condition     = aws_appsync_resolver.this["Mutation.publish"].pipeline_config[0].functions == tolist(["fnstamp", "fnloadcustomer"])
    error_message = "A shared function is the same function in every pipeline that lists it."
  }

  assert {
    condition     = aws_appsync_resolver.this["Query.hello"].runtime[0].name == "APPSYNC_JS" && startswith(aws_appsync_resolver.this["Query.hello"].code, "export function request")
    error_message = "A pipeline resolver runs its own JS code (before and after handlers)."
  }

  assert {
    condition     = aws_appsync_resolver.this["Query.me"].kind == "UNIT" && length(aws_appsync_resolver.this["Query.me"].pipeline_config) == 0 && aws_appsync_resolver.this["Query.me"].data_source == "user_service"
    error_message = "A UNIT resolver beside pipelines keeps its data source and has no pipeline."
  }

  assert {
    condition = { for key, r in output.resolvers : key => [r.kind, r.functions] } == {
      "Query.me"         = ["UNIT", []]
      "Query.hello"      = ["PIPELINE", ["load_customer", "score"]]
      "Mutation.publish" = ["PIPELINE", ["stamp", "load_customer"]]
    }
    error_message = "The resolvers output reads back each pipeline's function names, in order."
  }

  assert {
    condition     = output.functions["score"].runtime == "APPSYNC_JS 1.0.0" && output.functions["score"].function_id == "fnscore"
    error_message = "The functions output shows each function's runtime and id."
  }
}

run "pipeline_with_a_data_source_is_refused" {
  command = plan

  variables {
    resolvers = {
      "Query.hello" = {
        type      = "Query", field = "hello", kind = "PIPELINE", data_source = "events", code = "export function request(ctx) { return {}; }"
        functions = [{ name = "stamp", data_source = "events", code = "export function request(ctx) { return {}; }" }]
      }
    }
  }

  expect_failures = [var.resolvers]
}

run "pipeline_without_code_is_refused" {
  command = plan

  variables {
    resolvers = {
      "Query.hello" = {
        type      = "Query", field = "hello", kind = "PIPELINE"
        functions = [{ name = "stamp", data_source = "events", code = "export function request(ctx) { return {}; }" }]
      }
    }
  }

  expect_failures = [var.resolvers]
}

run "pipeline_with_eleven_functions_is_refused" {
  command = plan

  variables {
    resolvers = {
      "Query.hello" = {
        type      = "Query", field = "hello", kind = "PIPELINE", code = "export function request(ctx) { return {}; }"
        functions = [for i in range(11) : { name = "step_${i}", data_source = "events", code = "export function request(ctx) { return {}; }" }]
      }
    }
  }

  expect_failures = [var.resolvers]
}

run "unit_resolver_with_functions_is_refused" {
  command = plan

  variables {
    resolvers = {
      "Query.hello" = {
        type      = "Query", field = "hello", data_source = "events", code = "export function request(ctx) { return {}; }"
        functions = [{ name = "stamp", data_source = "events", code = "export function request(ctx) { return {}; }" }]
      }
    }
  }

  expect_failures = [var.resolvers]
}

run "function_defined_two_ways_is_refused" {
  command = plan

  variables {
    resolvers = {
      "Query.hello" = {
        type      = "Query", field = "hello", kind = "PIPELINE", code = "export function request(ctx) { return {}; }"
        functions = [{ name = "stamp", data_source = "events", code = "export function request(ctx) { return {}; }" }]
      }
      "Query.me" = {
        type      = "Query", field = "me", kind = "PIPELINE", code = "export function request(ctx) { return {}; }"
        functions = [{ name = "stamp", data_source = "user_service", code = "export function request(ctx) { return {}; }" }]
      }
    }
  }

  expect_failures = [var.resolvers]
}

run "function_name_with_hyphen_is_refused" {
  command = plan

  variables {
    resolvers = {
      "Query.hello" = {
        type      = "Query", field = "hello", kind = "PIPELINE", code = "export function request(ctx) { return {}; }"
        functions = [{ name = "load-customer", data_source = "user_service", code = "export function request(ctx) { return {}; }" }]
      }
    }
  }

  expect_failures = [var.resolvers]
}

run "function_with_unknown_data_source_is_refused" {
  command = plan

  variables {
    resolvers = {
      "Query.hello" = {
        type      = "Query", field = "hello", kind = "PIPELINE", code = "export function request(ctx) { return {}; }"
        functions = [{ name = "stamp", data_source = "nowhere", code = "export function request(ctx) { return {}; }" }]
      }
    }
  }

  expect_failures = [aws_appsync_function.this]
}

run "no_merchant_fields_no_merchant_policy" {
  command = plan

  assert {
    condition     = length(aws_iam_policy.merchant) == 0 && output.merchant_policy_arn == null
    error_message = "Without merchant fields the module creates no merchant policy."
  }
}

run "merchant_policy_lists_the_merchant_fields_and_nothing_else" {
  command = plan

  variables {
    merchant_fields = [
      { type = "Mutation", field = "createCheckout" },
      { type = "Query", field = "checkout" },
      { type = "Subscription", field = "onCheckoutUpdated" },
    ]
  }

  assert {
    condition = jsondecode(aws_iam_policy.merchant[0].policy) == {
      Version = "2012-10-17"
      Statement = [{
        Sid    = "MerchantFields"
        Effect = "Allow"
        Action = "appsync:GraphQL"
        Resource = [
          "arn:aws:appsync:us-east-1:123456789012:apis/mockapi0123456789abcdefghi/types/Mutation/fields/createCheckout",
          "arn:aws:appsync:us-east-1:123456789012:apis/mockapi0123456789abcdefghi/types/Query/fields/checkout",
          "arn:aws:appsync:us-east-1:123456789012:apis/mockapi0123456789abcdefghi/types/Subscription/fields/onCheckoutUpdated",
        ]
      }]
    }
    error_message = "The merchant policy must grant appsync:GraphQL on exactly the merchant fields, with no wildcard."
  }
}

run "merchant_fields_are_root_fields" {
  command = plan

  variables {
    merchant_fields = [{ type = "Checkout", field = "plan" }]
  }

  expect_failures = [var.merchant_fields]
}
