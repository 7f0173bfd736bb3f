# The shoppers' checkout page (web/, a single-page app): a private S3 bucket that only this
# CloudFront distribution may read (origin access control), HTTPS only, security headers with a
# Content-Security-Policy that admits the page's own origin, the API, its real-time endpoint and
# Cognito, and nothing else. Terraform writes the runtime configuration (config.json); the built
# files (web/dist) are uploaded by the deploy step (infra/README.md).

locals {
  bucket_name      = "${var.name}-${var.account_id}"
  logs_bucket_name = "${var.name}-logs-${var.account_id}"
  origin_id        = "page-bucket"

  # Hosts the page may connect to, besides its own origin: the API, its subscriptions and the
  # user pool (Amplify Auth calls Cognito's regional endpoint).
  connect_sources = [
    "'self'",
    var.graphql_url,
    var.realtime_url,
    "https://cognito-idp.${var.region}.amazonaws.com",
  ]
  content_security_policy = join("; ", [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src ${join(" ", local.connect_sources)}",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ])

  short_cache_control = "public, max-age=${var.config_max_age_seconds}, must-revalidate"
}

# ---------------------------------------------------------------- the page's bucket

resource "aws_s3_bucket" "page" {
  #checkov:skip=CKV_AWS_144:The page is rebuilt from the repository by the deploy step, so a replica in a second region would add nothing CloudFront's edge caches and a redeploy do not.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to uploads of the page's files; a deploy is followed by a CloudFront invalidation instead.
  bucket        = local.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "page" {
  bucket                  = aws_s3_bucket.page.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "page" {
  bucket = aws_s3_bucket.page.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "page" {
  bucket = aws_s3_bucket.page.id

  # A bad deploy can be rolled back to the previous versions of the files.
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "page" {
  bucket = aws_s3_bucket.page.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.page.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "page" {
  bucket = aws_s3_bucket.page.id

  rule {
    id     = "old-versions-and-uploads"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_in_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.page]
}

resource "aws_s3_bucket_logging" "page" {
  bucket        = aws_s3_bucket.page.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/${local.bucket_name}/"
}

resource "aws_s3_bucket_policy" "page" {
  bucket = aws_s3_bucket.page.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.page.arn, "${aws_s3_bucket.page.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        # Only this distribution, signing with its origin access control, reads the files.
        Sid       = "CloudFrontReadsThePage"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "s3:GetObject"
        Resource  = "${aws_s3_bucket.page.arn}/*"
        Condition = { StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.page.arn } }
      },
    ]
  })

  # The policy grants a service principal; applying it before the block would be refused.
  depends_on = [aws_s3_bucket_public_access_block.page]
}

# The page's files are encrypted with a key of our own that only this distribution may decrypt
# with (besides the account's administrators and the deploy step, through IAM).
resource "aws_kms_key" "page" {
  description             = "Encrypts the checkout page's files in ${local.bucket_name}."
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
        Sid       = "CloudFrontDecryptsThePage"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "kms:Decrypt"
        Resource  = "*"
        Condition = { StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.page.arn } }
      },
    ]
  })
}

resource "aws_kms_alias" "page" {
  name          = "alias/${var.name}-page"
  target_key_id = aws_kms_key.page.key_id
}

# ---------------------------------------------------------------- runtime configuration

# What the page passes to Amplify.configure, fetched from its own origin at start-up, so one
# build serves every environment.
resource "aws_s3_object" "config" {
  bucket                 = aws_s3_bucket.page.id
  key                    = "config.json"
  content                = jsonencode(var.app_config)
  content_type           = "application/json"
  cache_control          = local.short_cache_control
  server_side_encryption = "aws:kms"
  kms_key_id             = aws_kms_key.page.arn
  tags                   = var.tags

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.page]
}

# ---------------------------------------------------------------- access logs

# S3 server access logs and CloudFront standard logs, kept log_retention_in_days.
resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_18:This is the access-log bucket itself; logging its own accesses into itself would loop.
  #checkov:skip=CKV_AWS_144:Access logs are kept for audit in one region; replicating them would double their storage with no reader for the copy.
  #checkov:skip=CKV2_AWS_62:Log deliveries need no notification; they are read when investigating.
  #checkov:skip=CKV_AWS_145:S3 server access logging only delivers to buckets encrypted with SSE-S3 (AES256), not SSE-KMS.
  bucket        = local.logs_bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  #checkov:skip=CKV2_AWS_65:CloudFront standard logging writes through a bucket ACL grant to its log delivery account, so ACLs must stay enabled on this bucket (and only this one).
  bucket = aws_s3_bucket.logs.id

  rule {
    object_ownership = "BucketOwnerPreferred"
  }
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    id     = "retention"
    status = "Enabled"

    filter {}

    expiration {
      days = var.log_retention_in_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.logs]
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.logs.arn, "${aws_s3_bucket.logs.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "S3DeliversThePageBucketsAccessLogs"
        Effect    = "Allow"
        Principal = { Service = "logging.s3.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${aws_s3_bucket.logs.arn}/s3/${local.bucket_name}/*"
        Condition = {
          ArnLike      = { "aws:SourceArn" = aws_s3_bucket.page.arn }
          StringEquals = { "aws:SourceAccount" = var.account_id }
        }
      },
    ]
  })

  depends_on = [aws_s3_bucket_public_access_block.logs]
}

# ---------------------------------------------------------------- CloudFront

resource "aws_cloudfront_origin_access_control" "page" {
  name                              = "${var.name}-page"
  description                       = "CloudFront signs its requests for the checkout page's files."
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# The page is a single-page app: every route (/checkout/<id>, any path whose last segment has no
# file extension) is served index.html, while a missing file stays a 403 from S3 instead of
# turning into the page.
resource "aws_cloudfront_function" "spa_routes" {
  name    = "${var.name}-spa-routes"
  runtime = "cloudfront-js-2.0"
  comment = "Serves index.html for the checkout page's routes."
  publish = true
  code    = <<-JS
    function handler(event) {
      var request = event.request;
      var last = request.uri.substring(request.uri.lastIndexOf("/") + 1);
      if (last.indexOf(".") === -1) {
        request.uri = "/index.html";
      }
      return request;
    }
  JS
}

# Built assets carry a content hash in their names (web/dist/assets/*), so they never change.
resource "aws_cloudfront_cache_policy" "assets" {
  name        = "${var.name}-assets"
  comment     = "Hashed, immutable assets: a year."
  min_ttl     = 0
  default_ttl = 31536000
  max_ttl     = 31536000

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true

    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

# index.html and config.json name everything else, so a deploy must show within a minute or so.
resource "aws_cloudfront_cache_policy" "entry" {
  name        = "${var.name}-entry"
  comment     = "index.html, config.json and routes: short."
  min_ttl     = 0
  default_ttl = var.config_max_age_seconds
  max_ttl     = var.config_max_age_seconds

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true

    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

resource "aws_cloudfront_response_headers_policy" "page" {
  #checkov:skip=CKV_AWS_259:HSTS is sent for two years with subdomains; preload is withheld because it commits a whole registrable domain (the default name is under cloudfront.net, not ours) and is for its owner to request.
  name    = "${var.name}-security-headers"
  comment = "Security headers and the checkout page's Content-Security-Policy."

  security_headers_config {
    content_security_policy {
      content_security_policy = local.content_security_policy
      override                = true
    }

    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = false
      override                   = true
    }

    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    # The checkout id is in the page's path: no referrer leaves it, not even to the merchant.
    referrer_policy {
      referrer_policy = "no-referrer"
      override        = true
    }
  }
}

resource "aws_cloudfront_distribution" "page" {
  #checkov:skip=CKV_AWS_310:The one origin is a regional S3 bucket behind CloudFront's caches; a failover origin would need a replicated second bucket for a static page the deploy step can republish.
  #checkov:skip=CKV2_AWS_47:The web ACL (modules/waf, CLOUDFRONT scope, with AWSManagedRulesKnownBadInputsRuleSet and its Log4JRCE rule) comes in as web_acl_arn from the environment's root; checkov cannot follow an ARN from one module into another. tests/infra/test_checkov.py checks the dev plan.
  #checkov:skip=CKV_AWS_374:Shoppers may pay from anywhere the merchants sell; where credit is offered is decided by the credit service, not by the page's location.
  comment             = "The checkout page (${var.name})."
  enabled             = true
  is_ipv6_enabled     = true
  http_version        = "http2and3"
  price_class         = var.price_class
  default_root_object = "index.html"
  aliases             = var.aliases
  web_acl_id          = var.web_acl_arn

  origin {
    origin_id                = local.origin_id
    domain_name              = aws_s3_bucket.page.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.page.id
  }

  default_cache_behavior {
    target_origin_id           = local.origin_id
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    viewer_protocol_policy     = "redirect-to-https"
    compress                   = true
    cache_policy_id            = aws_cloudfront_cache_policy.entry.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.page.id

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.spa_routes.arn
    }
  }

  ordered_cache_behavior {
    path_pattern               = "/assets/*"
    target_origin_id           = local.origin_id
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    viewer_protocol_policy     = "redirect-to-https"
    compress                   = true
    cache_policy_id            = aws_cloudfront_cache_policy.assets.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.page.id
  }

  logging_config {
    bucket          = aws_s3_bucket.logs.bucket_domain_name
    prefix          = "cloudfront/"
    include_cookies = false
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.certificate_arn == null
    acm_certificate_arn            = var.certificate_arn
    ssl_support_method             = var.certificate_arn == null ? null : "sni-only"
    # CloudFront fixes TLSv1 on its default certificate; with our own, TLS 1.2 at least.
    minimum_protocol_version = var.certificate_arn == null ? "TLSv1" : "TLSv1.2_2021"
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(var.aliases) == 0 || var.certificate_arn != null
      error_message = "aliases need certificate_arn: CloudFront serves a custom name only with its certificate."
    }
  }

  # Standard logging grants CloudFront's log delivery through the bucket's ACL.
  depends_on = [aws_s3_bucket_ownership_controls.logs]
}
