variable "name" {
  description = "Name of the page's resources; the buckets are \"<name>-<account_id>\" and \"<name>-logs-<account_id>\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,32}[a-z0-9]$", var.name))
    error_message = "name must be 3-34 lower-case letters, digits or '-' (it becomes part of S3 bucket names)."
  }
}

variable "region" {
  description = "AWS region of the buckets and of the API and user pool the page calls."
  type        = string
}

variable "account_id" {
  description = "AWS account id; part of the bucket names, and scopes the key and bucket policies."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account id."
  }
}

variable "partition" {
  description = "AWS partition of the ARNs the module builds: aws, aws-cn or aws-us-gov."
  type        = string
  default     = "aws"
}

variable "graphql_url" {
  description = "HTTPS endpoint of the GraphQL API the page calls (https://<id>.appsync-api.<region>.amazonaws.com/graphql)."
  type        = string

  validation {
    condition     = startswith(var.graphql_url, "https://")
    error_message = "graphql_url must be an https:// URL."
  }
}

variable "realtime_url" {
  description = "WebSocket endpoint of the API's subscriptions (wss://<id>.appsync-realtime-api.<region>.amazonaws.com/graphql)."
  type        = string

  validation {
    condition     = startswith(var.realtime_url, "wss://")
    error_message = "realtime_url must be a wss:// URL."
  }
}

variable "app_config" {
  description = "The object the page passes to Amplify.configure; written as the page's /config.json."
  type        = any
}

variable "config_max_age_seconds" {
  description = "How long browsers and CloudFront may cache config.json (and index.html, by the deploy step's headers)."
  type        = number
  default     = 60

  validation {
    condition     = var.config_max_age_seconds >= 0 && var.config_max_age_seconds <= 3600
    error_message = "config_max_age_seconds must be from 0 to 3600: the configuration must follow a deploy quickly."
  }
}

variable "web_acl_arn" {
  description = "ARN of a CLOUDFRONT-scope WAFv2 web ACL (created in us-east-1) in front of the distribution."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:wafv2:us-east-1:[0-9]{12}:global/webacl/", var.web_acl_arn))
    error_message = "web_acl_arn must be a global (CLOUDFRONT scope) web ACL's ARN."
  }
}

variable "aliases" {
  description = "Custom domain names of the page (need certificate_arn); empty serves it on the distribution's cloudfront.net name."
  type        = list(string)
  default     = []
}

variable "certificate_arn" {
  description = "ACM certificate (in us-east-1) for aliases; null uses CloudFront's default *.cloudfront.net certificate."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:[a-z-]+:acm:us-east-1:[0-9]{12}:certificate/", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate in us-east-1 (CloudFront only uses those)."
  }
}

variable "price_class" {
  description = "CloudFront price class: PriceClass_100, PriceClass_200 or PriceClass_All."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "log_retention_in_days" {
  description = "How long the access logs (S3 and CloudFront) are kept, in days."
  type        = number
  default     = 365

  validation {
    condition     = var.log_retention_in_days >= 365
    error_message = "log_retention_in_days must be at least 365."
  }
}

variable "noncurrent_version_retention_in_days" {
  description = "How long replaced versions of the page's files are kept (to roll back a deploy), in days."
  type        = number
  default     = 90
}

variable "force_destroy" {
  description = "Whether destroying the module empties the buckets first (dev only)."
  type        = bool
  default     = false
}

variable "kms_key_deletion_window_in_days" {
  description = "Days the deleted page key waits before it is destroyed (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be from 7 to 30."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes them."
  type        = map(string)
  default     = {}
}
