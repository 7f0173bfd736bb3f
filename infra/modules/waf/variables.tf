variable "name" {
  description = "Name of the web ACL; its log group is \"aws-waf-logs-<name>\"."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,115}$", var.name))
    error_message = "name must be 1-115 letters, digits, '_' or '-' (WAF names, and the log group after the aws-waf-logs- prefix)."
  }
}

variable "scope" {
  description = "REGIONAL (the AppSync API, associated with resource_arn) or CLOUDFRONT (a distribution, which names the ACL; create it in us-east-1)."
  type        = string
  default     = "REGIONAL"

  validation {
    condition     = contains(["REGIONAL", "CLOUDFRONT"], var.scope)
    error_message = "scope must be REGIONAL or CLOUDFRONT."
  }
}

variable "resource_arn" {
  description = "ARN of the resource a REGIONAL ACL protects: the AppSync GraphQL API (\"arn:aws:appsync:<region>:<account>:apis/<api-id>\"); null for CLOUDFRONT."
  type        = string
  default     = null

  validation {
    condition     = var.resource_arn == null || can(regex("^arn:[a-z-]+:appsync:[a-z0-9-]+:[0-9]{12}:apis/[A-Za-z0-9]+$", coalesce(var.resource_arn, "-")))
    error_message = "resource_arn must be an AppSync GraphQL API ARN."
  }
}

variable "region" {
  description = "AWS region of the API, the ACL and its log group."
  type        = string
}

variable "account_id" {
  description = "AWS account id of the ACL's log group; scopes the log key's policy."
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

variable "rate_limit" {
  description = "Most requests one IP address may send in rate_limit_window_seconds before it is blocked."
  type        = number
  default     = 1000

  validation {
    condition     = var.rate_limit >= 10 && var.rate_limit <= 2000000000
    error_message = "rate_limit must be from 10 to 2,000,000,000 (WAF's bounds)."
  }
}

variable "rate_limit_window_seconds" {
  description = "The window rate_limit counts over: 60, 120, 300 or 600 seconds."
  type        = number
  default     = 300

  validation {
    condition     = contains([60, 120, 300, 600], var.rate_limit_window_seconds)
    error_message = "rate_limit_window_seconds must be 60, 120, 300 or 600."
  }
}

variable "common_rule_set_count_only" {
  description = "Rules of AWSManagedRulesCommonRuleSet that only count instead of blocking (e.g. \"SizeRestrictions_BODY\" if legitimate requests exceed 8 KB)."
  type        = set(string)
  default     = []
}

variable "redacted_headers" {
  description = "Request headers (lower case) replaced by REDACTED in the WAF logs: the shopper's token and the merchant's SigV4 signature by default."
  type        = set(string)
  default     = ["authorization", "x-amz-security-token"]
}

variable "log_retention_in_days" {
  description = "How long the WAF log group keeps events, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a retention CloudWatch Logs supports (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "create_kms_key" {
  description = "Whether the module creates the customer-managed KMS key that encrypts the WAF logs; false requires kms_key_arn."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "ARN of an existing KMS key for the WAF log group (its key policy must let CloudWatch Logs in the region use it); used when create_kms_key is false."
  type        = string
  default     = null
}

variable "kms_key_deletion_window_in_days" {
  description = "Days a deleted KMS key created by the module waits before it is destroyed (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be from 7 to 30."
  }
}

variable "tags" {
  description = "Tags added to the web ACL, its log group and the KMS key."
  type        = map(string)
  default     = {}
}
