# A web ACL: a per-IP rate limit and AWS's managed rule groups, every request's verdict logged to
# an encrypted log group. REGIONAL in front of the AppSync API (associated here); CLOUDFRONT in
# front of the checkout page's distribution, which names the ACL itself (web_acl_id) and whose
# ACL, log group and key must be in us-east-1 (the caller passes that region's provider).

locals {
  # WAF only delivers to CloudWatch Logs groups whose name starts with aws-waf-logs-.
  log_group_name = "aws-waf-logs-${var.name}"
  log_group_arn  = "arn:${var.partition}:logs:${var.region}:${var.account_id}:log-group:${local.log_group_name}"
  kms_key_arn    = var.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn
  metric_prefix  = replace(var.name, "/[^A-Za-z0-9_-]/", "-")
}

resource "aws_wafv2_web_acl" "this" {
  name        = var.name
  description = "Protects ${var.scope == "REGIONAL" ? "the GraphQL API" : "the CloudFront distribution"} ${var.name}: per-IP rate limit and AWS managed rules."
  scope       = var.scope

  default_action {
    allow {}
  }

  # First and cheapest: one address sending more than rate_limit requests in the window is
  # blocked until its rate falls, whatever it sends.
  rule {
    name     = "rate-limit-per-ip"
    priority = 0

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit                 = var.rate_limit
        evaluation_window_sec = var.rate_limit_window_seconds
        aggregate_key_type    = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.metric_prefix}-rate-limit-per-ip"
      sampled_requests_enabled   = true
    }
  }

  # Addresses AWS threat intelligence knows for bots, scanning and DDoS.
  rule {
    name     = "aws-ip-reputation"
    priority = 10

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAmazonIpReputationList"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.metric_prefix}-aws-ip-reputation"
      sampled_requests_enabled   = true
    }
  }

  # OWASP-style protections (XSS, path traversal, oversized bodies, missing user agents). Rules
  # named in common_rule_set_count_only only count, for clients that trip them legitimately.
  rule {
    name     = "aws-common"
    priority = 20

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"

        dynamic "rule_action_override" {
          for_each = var.common_rule_set_count_only

          content {
            name = rule_action_override.value

            action_to_use {
              count {}
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.metric_prefix}-aws-common"
      sampled_requests_enabled   = true
    }
  }

  # Request patterns known to exploit software, including Log4j's JNDI lookups (Log4JRCE).
  rule {
    name     = "aws-known-bad-inputs"
    priority = 30

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.metric_prefix}-aws-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = local.metric_prefix
    sampled_requests_enabled   = true
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = (var.scope == "REGIONAL") == (var.resource_arn != null)
      error_message = "A REGIONAL ACL needs resource_arn (the API it protects); a CLOUDFRONT ACL takes none (the distribution names it)."
    }
  }
}

# A distribution is not associated: it names its ACL (web_acl_id).
resource "aws_wafv2_web_acl_association" "this" {
  count = var.scope == "REGIONAL" ? 1 : 0

  resource_arn = var.resource_arn
  web_acl_arn  = aws_wafv2_web_acl.this.arn
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags

  lifecycle {
    precondition {
      condition     = var.create_kms_key || var.kms_key_arn != null
      error_message = "Set kms_key_arn when create_kms_key is false: the WAF logs are encrypted with a customer-managed key."
    }
  }
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  resource_arn            = aws_wafv2_web_acl.this.arn
  log_destination_configs = [aws_cloudwatch_log_group.this.arn]

  # Shoppers' tokens and merchants' signatures must not land in the logs.
  dynamic "redacted_fields" {
    for_each = var.redacted_headers

    content {
      single_header {
        name = redacted_fields.value
      }
    }
  }
}

# WAF logs hold client addresses and request headers, so they are encrypted with a key of our
# own, which CloudWatch Logs may use for this one log group only.
resource "aws_kms_key" "this" {
  count = var.create_kms_key ? 1 : 0

  description             = "Encrypts the WAF logs of web ACL ${var.name}."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  tags                    = var.tags

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersTheKeyThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }
        Action    = "kms:*"
        # In a key policy, "*" is the key itself.
        Resource = "*"
      },
      {
        Sid       = "LogsEncryptTheWafLogGroup"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = local.log_group_arn }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "this" {
  count = var.create_kms_key ? 1 : 0

  name          = "alias/${local.metric_prefix}-waf-logs"
  target_key_id = aws_kms_key.this[0].key_id
}
