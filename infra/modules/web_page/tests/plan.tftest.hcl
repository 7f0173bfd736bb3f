# Plans the module against a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"
}

override_resource {
  target          = aws_s3_bucket.page
  override_during = plan
  values = {
    id                          = "bnpl-test-checkout-page-123456789012"
    arn                         = "arn:aws:s3:::bnpl-test-checkout-page-123456789012"
    bucket_regional_domain_name = "bnpl-test-checkout-page-123456789012.s3.us-east-1.amazonaws.com"
  }
}

override_resource {
  target          = aws_s3_bucket.logs
  override_during = plan
  values = {
    id                 = "bnpl-test-checkout-page-logs-123456789012"
    arn                = "arn:aws:s3:::bnpl-test-checkout-page-logs-123456789012"
    bucket_domain_name = "bnpl-test-checkout-page-logs-123456789012.s3.amazonaws.com"
  }
}

override_resource {
  target          = aws_cloudfront_origin_access_control.page
  override_during = plan
  values = {
    id = "EMOCKOAC"
  }
}

override_resource {
  target          = aws_cloudfront_response_headers_policy.page
  override_during = plan
  values = {
    id = "mock-headers-policy"
  }
}

override_resource {
  target          = aws_cloudfront_cache_policy.assets
  override_during = plan
  values = {
    id = "mock-assets-cache-policy"
  }
}

override_resource {
  target          = aws_cloudfront_cache_policy.entry
  override_during = plan
  values = {
    id = "mock-entry-cache-policy"
  }
}

variables {
  name         = "bnpl-test-checkout-page"
  region       = "eu-west-2"
  account_id   = "123456789012"
  graphql_url  = "https://abc123.appsync-api.eu-west-2.amazonaws.com/graphql"
  realtime_url = "wss://abc123.appsync-realtime-api.eu-west-2.amazonaws.com/graphql"
  web_acl_arn  = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/bnpl-test-checkout-page/11111111-2222-3333-4444-555555555555"
  app_config = {
    Auth = {
      Cognito = {
        userPoolId       = "eu-west-2_Mock12345"
        userPoolClientId = "mockclient0123456789abcdef"
        loginWith        = { email = true }
      }
    }
    API = {
      GraphQL = {
        endpoint        = "https://abc123.appsync-api.eu-west-2.amazonaws.com/graphql"
        region          = "eu-west-2"
        defaultAuthMode = "userPool"
      }
    }
  }
}

run "private_encrypted_versioned_bucket" {
  command = plan

  assert {
    condition     = aws_s3_bucket.page.bucket == "bnpl-test-checkout-page-123456789012" && output.bucket_name == "bnpl-test-checkout-page-123456789012"
    error_message = "The page's bucket is named after the page and the account."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.page.block_public_acls,
      aws_s3_bucket_public_access_block.page.block_public_policy,
      aws_s3_bucket_public_access_block.page.ignore_public_acls,
      aws_s3_bucket_public_access_block.page.restrict_public_buckets,
      aws_s3_bucket_public_access_block.logs.block_public_acls,
      aws_s3_bucket_public_access_block.logs.block_public_policy,
      aws_s3_bucket_public_access_block.logs.ignore_public_acls,
      aws_s3_bucket_public_access_block.logs.restrict_public_buckets,
    ])
    error_message = "All public access is blocked on both buckets."
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.page.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "The page's bucket has no ACLs."
  }

  assert {
    condition     = aws_s3_bucket_versioning.page.versioning_configuration[0].status == "Enabled"
    error_message = "The page's files are versioned, so a deploy can be rolled back."
  }

  assert {
    condition = (
      one(aws_s3_bucket_server_side_encryption_configuration.page.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms"
      && one(aws_s3_bucket_server_side_encryption_configuration.page.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == aws_kms_key.page.arn
      && aws_kms_key.page.enable_key_rotation
    )
    error_message = "The page's files are encrypted with the module's rotating key."
  }

  assert {
    condition     = aws_s3_bucket_logging.page.target_bucket == "bnpl-test-checkout-page-logs-123456789012" && aws_s3_bucket_logging.page.target_prefix == "s3/bnpl-test-checkout-page-123456789012/"
    error_message = "The page's bucket logs its accesses into the log bucket."
  }

  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.logs.rule).expiration[0].days == 365
    error_message = "Access logs are kept a year by default."
  }
}

run "only_the_distribution_reads_the_bucket" {
  command = plan

  assert {
    condition = (
      aws_cloudfront_origin_access_control.page.origin_access_control_origin_type == "s3"
      && aws_cloudfront_origin_access_control.page.signing_behavior == "always"
      && aws_cloudfront_origin_access_control.page.signing_protocol == "sigv4"
    )
    error_message = "CloudFront signs every request to the bucket with SigV4 (origin access control)."
  }

  assert {
    condition = (
      one(aws_cloudfront_distribution.page.origin).origin_access_control_id == "EMOCKOAC"
      && one(aws_cloudfront_distribution.page.origin).domain_name == "bnpl-test-checkout-page-123456789012.s3.us-east-1.amazonaws.com"
      && length(one(aws_cloudfront_distribution.page.origin).s3_origin_config) == 0
    )
    error_message = "The distribution's one origin is the page's bucket, reached through the origin access control (no legacy identity)."
  }

  assert {
    condition = jsondecode(aws_s3_bucket_policy.page.policy).Statement == [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = ["arn:aws:s3:::bnpl-test-checkout-page-123456789012", "arn:aws:s3:::bnpl-test-checkout-page-123456789012/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "CloudFrontReadsThePage"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "s3:GetObject"
        Resource  = "arn:aws:s3:::bnpl-test-checkout-page-123456789012/*"
        Condition = { StringEquals = { "AWS:SourceArn" = "arn:aws:cloudfront::123456789012:distribution/EMOCKDISTRIBUTION" } }
      },
    ]
    error_message = "The bucket refuses plain HTTP and lets only this distribution read its objects."
  }

  assert {
    condition     = jsondecode(aws_kms_key.page.policy).Statement[1].Principal.Service == "cloudfront.amazonaws.com" && jsondecode(aws_kms_key.page.policy).Statement[1].Action == "kms:Decrypt" && jsondecode(aws_kms_key.page.policy).Statement[1].Condition.StringEquals["AWS:SourceArn"] == "arn:aws:cloudfront::123456789012:distribution/EMOCKDISTRIBUTION"
    error_message = "Only this distribution may decrypt the page's files."
  }

  assert {
    condition     = length(jsondecode(aws_kms_key.page.policy).Statement) == 2
    error_message = "The key policy has the account's statement and the distribution's, nothing else."
  }

  assert {
    condition     = [for s in jsondecode(aws_s3_bucket_policy.logs.policy).Statement : s.Sid] == ["DenyInsecureTransport", "S3DeliversThePageBucketsAccessLogs"]
    error_message = "The log bucket refuses plain HTTP and takes S3's access logs of the page's bucket."
  }

  assert {
    condition     = jsondecode(aws_s3_bucket_policy.logs.policy).Statement[1].Condition.ArnLike["aws:SourceArn"] == "arn:aws:s3:::bnpl-test-checkout-page-123456789012"
    error_message = "S3 delivers only the page bucket's access logs."
  }
}

run "https_spa_distribution" {
  command = plan

  assert {
    condition     = aws_cloudfront_distribution.page.default_root_object == "index.html"
    error_message = "The root serves index.html."
  }

  assert {
    condition = (
      one(aws_cloudfront_distribution.page.default_cache_behavior).viewer_protocol_policy == "redirect-to-https"
      && alltrue([for b in aws_cloudfront_distribution.page.ordered_cache_behavior : b.viewer_protocol_policy == "redirect-to-https"])
    )
    error_message = "Every behaviour redirects HTTP to HTTPS."
  }

  assert {
    condition     = one(one(aws_cloudfront_distribution.page.default_cache_behavior).function_association).event_type == "viewer-request" && one(one(aws_cloudfront_distribution.page.default_cache_behavior).function_association).function_arn == aws_cloudfront_function.spa_routes.arn
    error_message = "The page's routes are rewritten to index.html before the cache."
  }

  assert {
    condition     = strcontains(aws_cloudfront_function.spa_routes.code, "request.uri = \"/index.html\"") && aws_cloudfront_function.spa_routes.runtime == "cloudfront-js-2.0"
    error_message = "The function serves index.html for extension-less paths."
  }

  assert {
    condition = (
      one(aws_cloudfront_distribution.page.default_cache_behavior).cache_policy_id == "mock-entry-cache-policy"
      && [for b in aws_cloudfront_distribution.page.ordered_cache_behavior : [b.path_pattern, b.cache_policy_id]] == [["/assets/*", "mock-assets-cache-policy"]]
    )
    error_message = "Hashed assets and the entry files (index.html, config.json, routes) have their own cache policies."
  }

  assert {
    condition     = aws_cloudfront_cache_policy.assets.default_ttl == 31536000 && aws_cloudfront_cache_policy.entry.max_ttl == 60 && aws_cloudfront_cache_policy.entry.min_ttl == 0
    error_message = "Assets are cached a year; index.html and config.json a minute at most."
  }

  assert {
    condition = (
      one(aws_cloudfront_distribution.page.default_cache_behavior).response_headers_policy_id == "mock-headers-policy"
      && alltrue([for b in aws_cloudfront_distribution.page.ordered_cache_behavior : b.response_headers_policy_id == "mock-headers-policy"])
    )
    error_message = "Every response carries the security headers."
  }

  assert {
    condition     = aws_cloudfront_distribution.page.web_acl_id == var.web_acl_arn
    error_message = "The distribution is behind the given web ACL."
  }

  assert {
    condition     = one(aws_cloudfront_distribution.page.logging_config).bucket == "bnpl-test-checkout-page-logs-123456789012.s3.amazonaws.com" && one(aws_cloudfront_distribution.page.logging_config).prefix == "cloudfront/"
    error_message = "CloudFront logs every request to the log bucket."
  }

  assert {
    condition     = one(one(aws_cloudfront_distribution.page.restrictions).geo_restriction).restriction_type == "none"
    error_message = "No geographic restriction."
  }

  assert {
    condition     = one(aws_cloudfront_distribution.page.viewer_certificate).cloudfront_default_certificate && length(aws_cloudfront_distribution.page.aliases) == 0
    error_message = "Without a certificate the page is served on the cloudfront.net name with CloudFront's certificate."
  }

  assert {
    condition     = output.url == "https://dmock0123456789.cloudfront.net" && output.distribution_id == "EMOCKDISTRIBUTION"
    error_message = "The page's URL is the distribution's HTTPS domain."
  }
}

run "security_headers_and_exact_csp" {
  command = plan

  assert {
    condition = one(one(aws_cloudfront_response_headers_policy.page.security_headers_config).content_security_policy).content_security_policy == join("; ", [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self'",
      "font-src 'self'",
      "connect-src 'self' https://abc123.appsync-api.eu-west-2.amazonaws.com/graphql wss://abc123.appsync-realtime-api.eu-west-2.amazonaws.com/graphql https://cognito-idp.eu-west-2.amazonaws.com",
      "manifest-src 'self'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "object-src 'none'",
    ])
    error_message = "The CSP admits the page's own origin, the API, its real-time endpoint and Cognito, and nothing else."
  }

  assert {
    condition     = output.content_security_policy == one(one(aws_cloudfront_response_headers_policy.page.security_headers_config).content_security_policy).content_security_policy
    error_message = "The output is the policy served."
  }

  assert {
    condition = alltrue([
      one(one(aws_cloudfront_response_headers_policy.page.security_headers_config).content_security_policy).override,
      one(one(aws_cloudfront_response_headers_policy.page.security_headers_config).content_type_options).override,
      one(one(aws_cloudfront_response_headers_policy.page.security_headers_config).frame_options).override,
      one(one(aws_cloudfront_response_headers_policy.page.security_headers_config).referrer_policy).override,
      one(one(aws_cloudfront_response_headers_policy.page.security_headers_config).strict_transport_security).override,
    ])
    error_message = "The headers override whatever the origin sends."
  }

  assert {
    condition = (
      one(one(aws_cloudfront_response_headers_policy.page.security_headers_config).strict_transport_security).access_control_max_age_sec >= 31536000
      && one(one(aws_cloudfront_response_headers_policy.page.security_headers_config).strict_transport_security).include_subdomains
    )
    error_message = "HSTS for at least a year, subdomains included."
  }

  assert {
    condition     = one(one(aws_cloudfront_response_headers_policy.page.security_headers_config).frame_options).frame_option == "DENY"
    error_message = "The page is never framed (X-Frame-Options DENY, frame-ancestors 'none')."
  }

  assert {
    condition     = one(one(aws_cloudfront_response_headers_policy.page.security_headers_config).referrer_policy).referrer_policy == "no-referrer"
    error_message = "No referrer carries the checkout's path away."
  }
}

run "runtime_configuration" {
  command = plan

  assert {
    condition     = aws_s3_object.config.key == "config.json" && aws_s3_object.config.bucket == "bnpl-test-checkout-page-123456789012"
    error_message = "config.json is at the page's root."
  }

  assert {
    condition     = jsondecode(aws_s3_object.config.content) == var.app_config
    error_message = "config.json is exactly the Amplify.configure object."
  }

  assert {
    condition     = aws_s3_object.config.content_type == "application/json" && aws_s3_object.config.cache_control == "public, max-age=60, must-revalidate"
    error_message = "config.json is JSON, cached a minute at most."
  }

  assert {
    condition     = aws_s3_object.config.server_side_encryption == "aws:kms" && aws_s3_object.config.kms_key_id == aws_kms_key.page.arn
    error_message = "config.json is encrypted with the page's key."
  }
}

run "custom_domain_uses_tls_1_2" {
  command = plan

  variables {
    aliases         = ["pay.bnpl.example"]
    certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition = (
      one(aws_cloudfront_distribution.page.viewer_certificate).cloudfront_default_certificate == false
      && one(aws_cloudfront_distribution.page.viewer_certificate).acm_certificate_arn == var.certificate_arn
      && one(aws_cloudfront_distribution.page.viewer_certificate).ssl_support_method == "sni-only"
      && one(aws_cloudfront_distribution.page.viewer_certificate).minimum_protocol_version == "TLSv1.2_2021"
    )
    error_message = "With a certificate, SNI and TLS 1.2 (TLSv1.2_2021) at least."
  }

  assert {
    condition     = output.url == "https://pay.bnpl.example"
    error_message = "The page's URL is its custom domain."
  }
}

run "aliases_without_certificate_are_refused" {
  command = plan

  variables {
    aliases = ["pay.bnpl.example"]
  }

  expect_failures = [aws_cloudfront_distribution.page]
}

run "a_regional_web_acl_is_refused" {
  command = plan

  variables {
    web_acl_arn = "arn:aws:wafv2:eu-west-2:123456789012:regional/webacl/bnpl-test-api/11111111-2222-3333-4444-555555555555"
  }

  expect_failures = [var.web_acl_arn]
}

run "a_certificate_outside_us_east_1_is_refused" {
  command = plan

  variables {
    aliases         = ["pay.bnpl.example"]
    certificate_arn = "arn:aws:acm:eu-west-2:123456789012:certificate/11111111-2222-3333-4444-555555555555"
  }

  expect_failures = [var.certificate_arn]
}
