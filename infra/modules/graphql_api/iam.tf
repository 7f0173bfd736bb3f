# Policies are built with jsonencode rather than aws_iam_policy_document so that a plan shows the
# exact documents and tests can assert on them without calling AWS.

locals {
  appsync_trust_policy = {
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "appsync.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = var.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${var.partition}:appsync:${var.region}:${var.account_id}:apis/*" }
      }
    }]
  }
}

resource "aws_iam_role" "logs" {
  name_prefix        = "${substr(var.name, 0, 26)}-logs-"
  description        = "Lets AppSync API ${var.name} write its logs."
  assume_role_policy = jsonencode(local.appsync_trust_policy)
  tags               = var.tags
}

# Attached after the API exists so the policy can name its one log group; the role itself must
# exist first because the API's log_config refers to it.
resource "aws_iam_role_policy" "logs" {
  name = "write-api-logs"
  role = aws_iam_role.logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
    }]
  })
}

resource "aws_iam_role" "data_source" {
  for_each = local.data_sources_with_role

  # name_prefix allows 38 characters; the API's name comes first so roles group by API.
  name_prefix = "${substr(var.name, 0, 15)}-${substr(replace(each.key, "_", "-"), 0, 21)}-"
  description = "Lets AppSync API ${var.name} call data source ${each.key}."
  assume_role_policy = jsonencode(merge(local.appsync_trust_policy, {
    Statement = [merge(local.appsync_trust_policy.Statement[0], {
      Condition = {
        StringEquals = { "aws:SourceAccount" = var.account_id }
        ArnEquals    = { "aws:SourceArn" = aws_appsync_graphql_api.this.arn }
      }
    })]
  }))
  tags = var.tags
}

resource "aws_iam_role_policy" "http_data_source" {
  for_each = local.http_data_sources

  name = "invoke-http-target"
  role = aws_iam_role.data_source[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "execute-api:Invoke"
      Resource = "${each.value.http.execution_arn}/*"
    }]
  })
}

resource "aws_iam_role_policy" "lambda_data_source" {
  for_each = local.lambda_data_sources

  name = "invoke-function"
  role = aws_iam_role.data_source[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "lambda:InvokeFunction"
      Resource = [each.value.lambda.function_arn, "${each.value.lambda.function_arn}:*"]
    }]
  })
}

# What a merchant's backend may call: attach this policy to each merchant's role. It lists the
# merchant fields and nothing else, so publishCheckoutUpdate and the shoppers' fields stay shut.
resource "aws_iam_policy" "merchant" {
  count = length(var.merchant_fields) > 0 ? 1 : 0

  name_prefix = "${substr(var.name, 0, 80)}-merchant-"
  description = "Lets a merchant's backend call the merchant fields of AppSync API ${var.name}."
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "MerchantFields"
      Effect   = "Allow"
      Action   = "appsync:GraphQL"
      Resource = [for f in var.merchant_fields : "${aws_appsync_graphql_api.this.arn}/types/${f.type}/fields/${f.field}"]
    }]
  })
  tags = var.tags
}
