# Plans the module against a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"
}

variables {
  name         = "bnpl-test-api"
  resource_arn = "arn:aws:appsync:us-east-1:123456789012:apis/mockapi0123456789abcdefghi"
  region       = "us-east-1"
  account_id   = "123456789012"
  rate_limit   = 500
}

run "acl" {
  command = plan

  assert {
    condition     = aws_wafv2_web_acl.this.scope == "REGIONAL" && length(aws_wafv2_web_acl.this.default_action[0].allow) == 1
    error_message = "A regional ACL (AppSync is regional) that allows what no rule blocks."
  }

  assert {
    condition     = [for r in aws_wafv2_web_acl.this.rule : r.statement[0].rate_based_statement[0] if r.name == "rate-limit-per-ip"][0].limit == 500
    error_message = "The rate limit is the given one."
  }

  assert {
    condition     = [for r in aws_wafv2_web_acl.this.rule : r.statement[0].rate_based_statement[0].aggregate_key_type if r.name == "rate-limit-per-ip"] == ["IP"]
    error_message = "The rate is counted per client IP address."
  }

  assert {
    condition     = [for r in aws_wafv2_web_acl.this.rule : length(r.action[0].block) if r.name == "rate-limit-per-ip"] == [1]
    error_message = "An address over the rate limit is blocked."
  }

  assert {
    condition     = output.rules == ["000:rate-limit-per-ip", "010:aws-ip-reputation", "020:aws-common", "030:aws-known-bad-inputs"]
    error_message = "The rate limit runs first, then the managed rule groups."
  }

  assert {
    condition = toset([for r in aws_wafv2_web_acl.this.rule : r.statement[0].managed_rule_group_statement[0].name if length(r.statement[0].managed_rule_group_statement) > 0]) == toset([
      "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
    ])
    error_message = "The AWS managed groups are the IP reputation list, the common rule set and known bad inputs (which carries the Log4j rule)."
  }

  assert {
    condition     = alltrue([for r in aws_wafv2_web_acl.this.rule : length(r.override_action[0].none) == 1 if length(r.statement[0].managed_rule_group_statement) > 0])
    error_message = "Managed groups enforce their own actions: none is overridden to count."
  }

  assert {
    condition     = alltrue([for r in aws_wafv2_web_acl.this.rule : length(r.statement[0].managed_rule_group_statement[0].rule_action_override) == 0 if length(r.statement[0].managed_rule_group_statement) > 0])
    error_message = "By default no managed rule is relaxed to count."
  }

  assert {
    condition     = alltrue(concat([for r in aws_wafv2_web_acl.this.rule : r.visibility_config[0].cloudwatch_metrics_enabled && r.visibility_config[0].sampled_requests_enabled], [aws_wafv2_web_acl.this.visibility_config[0].cloudwatch_metrics_enabled]))
    error_message = "Every rule and the ACL publish metrics and sample requests."
  }

  assert {
    condition     = aws_wafv2_web_acl_association.this[0].resource_arn == var.resource_arn && aws_wafv2_web_acl_association.this[0].web_acl_arn == aws_wafv2_web_acl.this.arn
    error_message = "The ACL is associated with the API."
  }
}

run "logging" {
  command = plan

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "aws-waf-logs-bnpl-test-api" && aws_cloudwatch_log_group.this.retention_in_days == 365
    error_message = "WAF logs go to an aws-waf-logs-* group with a year's retention."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.kms_key_id == aws_kms_key.this[0].arn && aws_kms_key.this[0].enable_key_rotation
    error_message = "The log group is encrypted with the module's rotating key."
  }

  assert {
    condition     = aws_wafv2_web_acl_logging_configuration.this.log_destination_configs == toset([aws_cloudwatch_log_group.this.arn]) && aws_wafv2_web_acl_logging_configuration.this.resource_arn == aws_wafv2_web_acl.this.arn
    error_message = "The ACL logs to its log group."
  }

  assert {
    condition     = toset([for f in aws_wafv2_web_acl_logging_configuration.this.redacted_fields : f.single_header[0].name]) == toset(["authorization", "x-amz-security-token"])
    error_message = "Tokens and signatures are redacted from the logs."
  }

  assert {
    condition     = jsondecode(aws_kms_key.this[0].policy).Statement[1].Principal.Service == "logs.us-east-1.amazonaws.com"
    error_message = "CloudWatch Logs of the region may use the key."
  }

  assert {
    condition     = jsondecode(aws_kms_key.this[0].policy).Statement[1].Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"] == "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-bnpl-test-api"
    error_message = "CloudWatch Logs may use the key for the WAF log group only."
  }
}

run "count_only_rules" {
  command = plan

  variables {
    common_rule_set_count_only = ["SizeRestrictions_BODY"]
  }

  assert {
    condition     = [for r in aws_wafv2_web_acl.this.rule : [for o in r.statement[0].managed_rule_group_statement[0].rule_action_override : [o.name, length(o.action_to_use[0].count)]] if r.name == "aws-common"] == [[["SizeRestrictions_BODY", 1]]]
    error_message = "A rule of the common set can be relaxed to count."
  }
}

run "existing_key" {
  command = plan

  variables {
    create_kms_key = false
    kms_key_arn    = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && aws_cloudwatch_log_group.this.kms_key_id == var.kms_key_arn
    error_message = "With create_kms_key = false the given key is used and none is created."
  }
}

run "no_key_at_all_is_refused" {
  command = plan

  variables {
    create_kms_key = false
  }

  expect_failures = [aws_cloudwatch_log_group.this]
}

run "a_non_appsync_resource_is_refused" {
  command = plan

  variables {
    resource_arn = "arn:aws:apigateway:us-east-1::/restapis/abc123/stages/prod"
  }

  expect_failures = [var.resource_arn]
}

run "rate_limit_below_waf_minimum_is_refused" {
  command = plan

  variables {
    rate_limit = 5
  }

  expect_failures = [var.rate_limit]
}

run "cloudfront_acl_is_not_associated" {
  command = plan

  variables {
    name         = "bnpl-test-page"
    scope        = "CLOUDFRONT"
    resource_arn = null
  }

  assert {
    condition     = aws_wafv2_web_acl.this.scope == "CLOUDFRONT" && length(aws_wafv2_web_acl_association.this) == 0
    error_message = "A CLOUDFRONT ACL is named by its distribution, not associated."
  }

  assert {
    condition     = output.rules == ["000:rate-limit-per-ip", "010:aws-ip-reputation", "020:aws-common", "030:aws-known-bad-inputs"]
    error_message = "The page's ACL has the same rules as the API's."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "aws-waf-logs-bnpl-test-page"
    error_message = "Its verdicts are logged like the API's."
  }
}

run "a_regional_acl_without_a_resource_is_refused" {
  command = plan

  variables {
    resource_arn = null
  }

  expect_failures = [aws_wafv2_web_acl.this]
}

run "a_cloudfront_acl_with_a_resource_is_refused" {
  command = plan

  variables {
    scope = "CLOUDFRONT"
  }

  expect_failures = [aws_wafv2_web_acl.this]
}
