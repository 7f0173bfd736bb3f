locals {
  # App client ids are alphanumeric, so they need no escaping inside the regex.
  app_id_client_regex = "^(${join("|", var.user_pool_client_ids)})$"

  http_data_sources   = { for name, ds in var.data_sources : name => ds if ds.type == "HTTP" }
  lambda_data_sources = { for name, ds in var.data_sources : name => ds if ds.type == "AWS_LAMBDA" }
  # NONE data sources call nothing, so AppSync needs no role to assume for them.
  data_sources_with_role = { for name, ds in var.data_sources : name => ds if ds.type != "NONE" }

  # Pipeline functions by name. A function is shared by every pipeline that lists it, so each
  # name is created once; the resolvers variable refuses a name defined two different ways.
  pipeline_functions = {
    for name, definitions in { for f in flatten([for r in values(var.resolvers) : r.functions]) : f.name => f... } :
    name => definitions[0]
  }
  function_names_by_id = { for name, f in aws_appsync_function.this : f.function_id => name }

  log_group_name  = "/aws/appsync/apis/${aws_appsync_graphql_api.this.id}"
  log_kms_key_arn = var.create_log_kms_key ? aws_kms_key.logs[0].arn : var.log_kms_key_arn

  # What the account's administrators may do with a key the module creates: manage it, not use
  # it (AWS's "key administrators" statement).
  kms_key_administration_actions = [
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
    "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
    "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
  ]
}

resource "aws_appsync_graphql_api" "this" {
  #checkov:skip=CKV2_AWS_33:The web ACL is associated in the environment root (modules/waf, given this module's graphql_api_arn); checkov cannot follow an ARN from one module into another. tests/infra/test_checkov.py checks the dev plan associates it.
  name                 = var.name
  schema               = var.schema
  authentication_type  = "AMAZON_COGNITO_USER_POOLS"
  xray_enabled         = var.xray_enabled
  introspection_config = var.introspection_config
  query_depth_limit    = var.query_depth_limit
  resolver_count_limit = var.resolver_count_limit

  # Shoppers and underwriters sign in with the user pool; ALLOW lets any signed-in user reach
  # fields without an auth directive, and the schema's @aws_cognito_user_pools groups narrow it.
  user_pool_config {
    user_pool_id        = var.user_pool_id
    aws_region          = var.region
    default_action      = "ALLOW"
    app_id_client_regex = local.app_id_client_regex
  }

  # Merchant backends call with SigV4-signed requests; only fields marked @aws_iam admit them.
  additional_authentication_provider {
    authentication_type = "AWS_IAM"
  }

  log_config {
    cloudwatch_logs_role_arn = aws_iam_role.logs.arn
    field_log_level          = var.log_field_log_level
    exclude_verbose_content  = var.log_exclude_verbose_content
  }

  tags = var.tags
}

# AppSync would create this group itself, without retention; owning it fixes retention and
# encryption, and the logs role below is not allowed to create groups, so no other group appears.
resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.log_kms_key_arn
  tags              = var.tags

  lifecycle {
    precondition {
      condition     = var.create_log_kms_key || var.log_kms_key_arn != null
      error_message = "Set log_kms_key_arn when create_log_kms_key is false: the API's logs are encrypted with a customer-managed key."
    }
  }
}

# The API's logs can hold field values and error details of customers' requests, so they are
# encrypted with a key of our own. CloudWatch Logs may use it for this one log group only; the
# account administers the key through IAM but cannot use it directly.
resource "aws_kms_key" "logs" {
  count = var.create_log_kms_key ? 1 : 0

  description             = "Encrypts the logs of AppSync API ${var.name}."
  enable_key_rotation     = true
  deletion_window_in_days = var.log_kms_key_deletion_window_in_days
  tags                    = var.tags

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }
        Action    = local.kms_key_administration_actions
        # In a key policy, "*" is the key itself.
        Resource = "*"
      },
      {
        Sid       = "LogsEncryptTheApiLogGroup"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnEquals = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${var.partition}:logs:${var.region}:${var.account_id}:log-group:${local.log_group_name}"
          }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "logs" {
  count = var.create_log_kms_key ? 1 : 0

  name          = "alias/${replace(var.name, "/[^A-Za-z0-9/_-]/", "-")}-logs"
  target_key_id = aws_kms_key.logs[0].key_id
}

resource "aws_appsync_datasource" "this" {
  for_each = var.data_sources

  api_id           = aws_appsync_graphql_api.this.id
  name             = each.key
  description      = each.value.description
  type             = each.value.type
  service_role_arn = each.value.type == "NONE" ? null : aws_iam_role.data_source[each.key].arn

  dynamic "http_config" {
    for_each = each.value.http == null ? [] : [each.value.http]

    content {
      endpoint = http_config.value.endpoint

      authorization_config {
        authorization_type = "AWS_IAM"

        aws_iam_config {
          signing_region       = coalesce(http_config.value.signing_region, var.region)
          signing_service_name = "execute-api"
        }
      }
    }
  }

  dynamic "lambda_config" {
    for_each = each.value.lambda == null ? [] : [each.value.lambda]

    content {
      function_arn = lambda_config.value.function_arn
    }
  }
}

# One AppSync function per distinct pipeline function: a step of pipeline resolvers, with its own
# data source and APPSYNC_JS code.
resource "aws_appsync_function" "this" {
  for_each = local.pipeline_functions

  api_id         = aws_appsync_graphql_api.this.id
  name           = each.key
  data_source    = each.value.data_source
  code           = each.value.code
  max_batch_size = each.value.max_batch_size > 0 ? each.value.max_batch_size : null

  runtime {
    name            = "APPSYNC_JS"
    runtime_version = "1.0.0"
  }

  # The function names its data source rather than referencing it, so the order is explicit.
  depends_on = [aws_appsync_datasource.this]

  lifecycle {
    precondition {
      condition     = contains(keys(var.data_sources), each.value.data_source)
      error_message = "Function ${each.key} uses data source \"${each.value.data_source}\", which is not in data_sources."
    }
  }
}

resource "aws_appsync_resolver" "this" {
  for_each = var.resolvers

  api_id         = aws_appsync_graphql_api.this.id
  type           = each.value.type
  field          = each.value.field
  kind           = each.value.kind
  data_source    = each.value.kind == "UNIT" ? each.value.data_source : null
  code           = each.value.code
  max_batch_size = each.value.max_batch_size > 0 ? each.value.max_batch_size : null

  # A resolver without code is a direct Lambda resolver: AppSync passes its standard event to the
  # function and returns its result, so it has neither a runtime nor mapping templates. A pipeline
  # resolver always has code: its request and response handlers run around its functions.
  dynamic "runtime" {
    for_each = each.value.code == null ? [] : [1]

    content {
      name            = "APPSYNC_JS"
      runtime_version = "1.0.0"
    }
  }

  # A pipeline runs its functions in the listed order; AppSync takes their function ids.
  dynamic "pipeline_config" {
    for_each = each.value.kind == "PIPELINE" ? [each.value.functions] : []

    content {
      functions = [for f in pipeline_config.value : aws_appsync_function.this[f.name].function_id]
    }
  }

  # The resolver names its data source rather than referencing it, so the order is explicit.
  depends_on = [aws_appsync_datasource.this]

  lifecycle {
    precondition {
      condition     = each.value.kind == "PIPELINE" || contains(keys(var.data_sources), coalesce(each.value.data_source, "(none)"))
      error_message = "Resolver ${each.key} uses data source \"${coalesce(each.value.data_source, "(none)")}\", which is not in data_sources."
    }

    precondition {
      condition     = each.value.code != null || try(var.data_sources[each.value.data_source].type, "") == "AWS_LAMBDA"
      error_message = "Resolver ${each.key} has no code, which only a direct Lambda resolver (AWS_LAMBDA data source) may omit."
    }
  }
}
