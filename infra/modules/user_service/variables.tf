variable "name" {
  description = "Name of the Lambda function and of the HTTP API, e.g. \"bnpl-dev-user-service\"."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,60}$", var.name))
    error_message = "name must be 1-60 letters, digits, '_' or '-' (it also names the dead-letter queue \"<name>-dlq\")."
  }
}

variable "image_uri" {
  description = "The Lambda container image (docker/lambda.Dockerfile) in ECR: \"<repository url>:<tag>\" or \"<repository url>@sha256:<digest>\"."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$", var.image_uri))
    error_message = "image_uri must be an ECR image URI with a tag or a digest."
  }
}

variable "architecture" {
  description = "Instruction set the image is built for: x86_64 or arm64."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "memory_size" {
  description = "Memory of the function in MB (CPU scales with it)."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be from 128 to 10240 MB."
  }
}

variable "timeout_seconds" {
  description = "Longest one invocation may run; keep it under the API's integration timeout."
  type        = number
  default     = 10

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 29
    error_message = "timeout_seconds must be from 1 to 29: API Gateway gives up after 30 seconds."
  }
}

variable "integration_timeout_milliseconds" {
  description = "How long API Gateway waits for the function before answering 503 (50-30000 ms)."
  type        = number
  default     = 15000

  validation {
    condition     = var.integration_timeout_milliseconds >= 50 && var.integration_timeout_milliseconds <= 30000
    error_message = "integration_timeout_milliseconds must be from 50 to 30000."
  }
}

variable "reserved_concurrent_executions" {
  description = "Most concurrent executions of the function (reserved from the account's pool)."
  type        = number
  default     = 50

  validation {
    condition     = var.reserved_concurrent_executions >= 1
    error_message = "reserved_concurrent_executions must be at least 1 (0 would stop the function; -1, unreserved, is not allowed)."
  }
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second the API stage accepts."
  type        = number
  default     = 100

  validation {
    condition     = var.throttling_rate_limit > 0
    error_message = "throttling_rate_limit must be positive."
  }
}

variable "throttling_burst_limit" {
  description = "Requests the API stage accepts in a burst above the rate limit."
  type        = number
  default     = 200

  validation {
    condition     = var.throttling_burst_limit > 0
    error_message = "throttling_burst_limit must be positive."
  }
}

variable "bank_notifications_throttling_rate_limit" {
  description = "Steady-state requests per second the unauthenticated POST /bank/notifications route accepts (the bank's consent notifications)."
  type        = number
  default     = 10

  validation {
    condition     = var.bank_notifications_throttling_rate_limit > 0
    error_message = "bank_notifications_throttling_rate_limit must be positive."
  }
}

variable "bank_notifications_throttling_burst_limit" {
  description = "Requests POST /bank/notifications accepts in a burst above its rate limit."
  type        = number
  default     = 20

  validation {
    condition     = var.bank_notifications_throttling_burst_limit > 0
    error_message = "bank_notifications_throttling_burst_limit must be positive."
  }
}

variable "environment" {
  description = "The services' settings for this environment (BNPL_COGNITO_ISSUER, BNPL_COGNITO_JWKS_URL, BNPL_COGNITO_CLIENT_IDS, BNPL_SERVICE_CLIENT_ID, BNPL_TABLE_PREFIX, optionally BNPL_HTTP_TIMEOUT_S); the module adds the messaging and DynamoDB ones."
  type        = map(string)

  validation {
    condition     = alltrue([for name in ["BNPL_COGNITO_ISSUER", "BNPL_COGNITO_JWKS_URL", "BNPL_COGNITO_CLIENT_IDS", "BNPL_SERVICE_CLIENT_ID", "BNPL_TABLE_PREFIX"] : contains(keys(var.environment), name)])
    error_message = "environment must set BNPL_COGNITO_ISSUER, BNPL_COGNITO_JWKS_URL, BNPL_COGNITO_CLIENT_IDS, BNPL_SERVICE_CLIENT_ID and BNPL_TABLE_PREFIX: without them the service verifies tokens against, and stores data in, the local stack's defaults."
  }

  validation {
    condition     = !contains(keys(var.environment), "AWS_REGION")
    error_message = "AWS_REGION is set by Lambda and may not be given."
  }
}

variable "subnet_ids" {
  description = "Private subnets the function's network interfaces are placed in (one per availability zone)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "Give at least one subnet."
  }
}

variable "vpc_id" {
  description = "VPC of subnet_ids; the function's security group is created in it."
  type        = string
}

variable "egress_cidr_blocks" {
  description = "Where the function may open HTTPS connections (AWS APIs, the JWKS endpoint): the internet through NAT by default, or the VPC's CIDR when every AWS API has an endpoint."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "table_arns" {
  description = "ARNs of the tables the user service uses (customers, verification_challenges, bank_consents, bank_notifications); their indexes are included."
  type        = list(string)

  validation {
    condition     = length(var.table_arns) > 0 && alltrue([for arn in var.table_arns : can(regex("^arn:[a-z-]+:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+$", arn))])
    error_message = "table_arns must be one or more DynamoDB table ARNs."
  }
}

variable "table_kms_key_arn" {
  description = "The tables' customer-managed KMS key, which the function may use through DynamoDB only; null when the tables use an AWS-owned key."
  type        = string
  default     = null
}

variable "email_from_address" {
  description = "Address verification emails come from (BNPL_EMAIL_FROM_ADDRESS); it must belong to ses_identity_arn."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+$", var.email_from_address))
    error_message = "email_from_address must be an email address."
  }
}

variable "ses_identity_arn" {
  description = "ARN of the SES identity (domain or address) verification emails are sent from."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:ses:[a-z0-9-]+:[0-9]{12}:identity/.+$", var.ses_identity_arn))
    error_message = "ses_identity_arn must be an SES identity ARN."
  }
}

variable "sms_origination_identity_arn" {
  description = "ARN of the End User Messaging phone number, pool or sender id SMS codes are sent from (BNPL_SMS_ORIGINATION_IDENTITY)."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:sms-voice:[a-z0-9-]+:[0-9]{12}:(phone-number|pool|sender-id)/.+$", var.sms_origination_identity_arn))
    error_message = "sms_origination_identity_arn must be an End User Messaging phone-number, pool or sender-id ARN."
  }
}

variable "sms_configuration_set_arn" {
  description = "ARN of the End User Messaging configuration set that records SMS delivery events (BNPL_SMS_CONFIGURATION_SET); null for none."
  type        = string
  default     = null

  validation {
    condition     = var.sms_configuration_set_arn == null || can(regex("^arn:[a-z-]+:sms-voice:[a-z0-9-]+:[0-9]{12}:configuration-set/.+$", coalesce(var.sms_configuration_set_arn, "-")))
    error_message = "sms_configuration_set_arn must be an End User Messaging configuration-set ARN."
  }
}

variable "region" {
  description = "AWS region of the function, the API and the resources they use."
  type        = string
}

variable "account_id" {
  description = "AWS account id of the function; scopes the key policy and the network-interface permissions."
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

variable "log_retention_in_days" {
  description = "How long the function's and the API's log groups keep events, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a retention CloudWatch Logs supports (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "create_kms_key" {
  description = "Whether the module creates the customer-managed KMS key for the function's environment, dead-letter queue and logs; false requires kms_key_arn."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "ARN of an existing KMS key for the environment, queue and logs (its policy must let CloudWatch Logs use it for the two log groups); used when create_kms_key is false."
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
  description = "Tags added to every resource that takes them."
  type        = map(string)
  default     = {}
}

variable "audit_log" {
  description = "The audit log: `table_arn` is the dynamodb_tables module's audit_table_arn. The roles that make audited changes may put entries in it, and are denied updating or deleting one. Null grants nothing."
  type = object({
    table_arn = string
  })
  default = null

  validation {
    condition     = var.audit_log == null || can(regex("^arn:[a-z-]+:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+$", try(var.audit_log.table_arn, "")))
    error_message = "audit_log.table_arn must be a DynamoDB table ARN (arn:...:dynamodb:<region>:<account>:table/<name>)."
  }
}
