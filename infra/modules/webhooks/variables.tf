variable "name" {
  description = "Name of the webhook sender function (e.g. bnpl-dev-webhooks); also names its role, queues, schedule, alarms, key aliases and security group."
  type        = string

  validation {
    # The queues add at most "-dead-letters" (80 characters allowed), the alarms "-delivery-failure-rate".
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,50}$", var.name))
    error_message = "name must be 1-51 letters, digits and hyphens, starting with a letter or digit."
  }
}

variable "region" {
  description = "AWS region of the function; the ARNs the module builds."
  type        = string
}

variable "account_id" {
  description = "AWS account id of the function; scopes the key policies, the trust policy and the ARNs the module builds."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account id."
  }
}

variable "partition" {
  description = "AWS partition of every ARN the module builds: aws, aws-cn or aws-us-gov."
  type        = string
  default     = "aws"
}

# ---------------------------------------------------------------- the function

variable "image_uri" {
  description = "URI of the Lambda container image (docker/lambda.Dockerfile) in ECR, by digest or tag; it must be in this account and region."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/.+[:@].+$", var.image_uri))
    error_message = "image_uri must be an ECR image URI with a tag or digest (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>)."
  }
}

variable "environment" {
  description = <<-EOT
    The sender's other settings (services/shared/settings.py), e.g. BNPL_TABLE_PREFIX. The module
    sets BNPL_DYNAMODB_ENDPOINT and the webhook settings (BNPL_WEBHOOK_SECRETS,
    BNPL_WEBHOOK_SECRET_PREFIX, BNPL_WEBHOOK_SECRETS_KMS_KEY_ID,
    BNPL_WEBHOOK_DEAD_LETTER_QUEUE_URL), so this map may not; nor may it set
    BNPL_WEBHOOKS_ALLOW_LOCAL (loopback receivers are the local stack's only) or a variable Lambda
    reserves (AWS_REGION, _HANDLER, ...). The values are encrypted at rest with the module's key.
  EOT
  type        = map(string)
  default     = {}

  validation {
    condition = length(setintersection(keys(var.environment), [
      "BNPL_DYNAMODB_ENDPOINT", "BNPL_WEBHOOK_SECRETS", "BNPL_WEBHOOK_SECRET_PREFIX",
      "BNPL_WEBHOOK_SECRETS_KMS_KEY_ID", "BNPL_WEBHOOK_DEAD_LETTER_QUEUE_URL", "BNPL_WEBHOOKS_ALLOW_LOCAL",
      "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
      "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
      "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
      "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
      "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    ])) == 0
    error_message = "environment may not set the webhook settings or BNPL_DYNAMODB_ENDPOINT (the module sets them), BNPL_WEBHOOKS_ALLOW_LOCAL (local only), or a variable Lambda reserves."
  }
}

variable "memory_size" {
  description = "Memory of the function in MB (CPU grows with it)."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be from 128 to 10240 MB."
  }
}

variable "timeout" {
  description = "Seconds an invocation may run. Each HTTP attempt gives up after 15 s and a batch sends several, so at least a minute."
  type        = number
  default     = 120

  validation {
    condition     = var.timeout >= 60 && var.timeout <= 900
    error_message = "timeout must be from 60 to 900 seconds (a batch makes several 15-second attempts)."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrent executions reserved for (and capping) the sender, so merchants see bounded load and a slow merchant cannot take the account's concurrency."
  type        = number
  default     = 10

  validation {
    condition     = var.reserved_concurrent_executions >= 1
    error_message = "reserved_concurrent_executions must be at least 1 (0 would disable the function)."
  }
}

variable "architecture" {
  description = "Instruction set of the function and its image: x86_64 or arm64."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

# ---------------------------------------------------------------- network

variable "vpc_id" {
  description = "VPC of the function (the network module's vpc_id)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets of the function (the network module's private_subnet_ids); their NAT route carries the requests to merchants, whose allow-lists see the NAT gateways' addresses."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "private_subnet_ids needs subnets in at least two availability zones."
  }
}

# ---------------------------------------------------------------- data

variable "events_table_arn" {
  description = "ARN of the webhook_events table (the outbox); its stream feeds the sender."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+$", var.events_table_arn))
    error_message = "events_table_arn must be a DynamoDB table ARN."
  }
}

variable "events_stream_arn" {
  description = "ARN of the webhook_events table's stream (NEW_IMAGE): the sender's event source."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+/stream/.+$", var.events_stream_arn))
    error_message = "events_stream_arn must be a DynamoDB stream ARN (arn:...:table/<name>/stream/<label>)."
  }
}

variable "table_arns" {
  description = "ARNs of the three webhook tables (webhook_events, webhook_endpoints, webhook_deliveries) the sender reads and writes; their indexes are included."
  type        = list(string)

  validation {
    condition     = length(var.table_arns) > 0 && alltrue([for a in var.table_arns : can(regex("^arn:[a-z-]+:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+$", a))])
    error_message = "table_arns must be DynamoDB table ARNs (arn:...:dynamodb:<region>:<account>:table/<name>)."
  }
}

variable "checkouts_table_arn" {
  description = "ARN of the checkouts table; the sender may only GetItem on it (a checkout's merchant)."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+$", var.checkouts_table_arn))
    error_message = "checkouts_table_arn must be a DynamoDB table ARN."
  }
}

variable "tables_kms_key_arn" {
  description = "ARN of the customer-managed key encrypting the tables (the dynamodb_tables module's kms_key_arn); the sender may use it only through DynamoDB. Null when the tables use an AWS-owned key."
  type        = string
  default     = null
}

variable "secret_prefix" {
  description = "Prefix of the Secrets Manager names of merchants' signing secrets (`<prefix><endpoint id>`), e.g. \"bnpl-dev/webhooks/\": BNPL_WEBHOOK_SECRET_PREFIX, and what the sender may read."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]+/$", var.secret_prefix))
    error_message = "secret_prefix must be Secrets Manager name characters ending in \"/\", so that it names a folder of secrets and no other secret shares it."
  }
}

# ---------------------------------------------------------------- triggers

variable "stream_batch_size" {
  description = "Outbox records per invocation from the stream."
  type        = number
  default     = 10

  validation {
    condition     = var.stream_batch_size >= 1 && var.stream_batch_size <= 100
    error_message = "stream_batch_size must be from 1 to 100."
  }
}

variable "stream_maximum_retry_attempts" {
  description = "Times a failing stream batch is retried (split in two on each error) before its record goes to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.stream_maximum_retry_attempts >= 0 && var.stream_maximum_retry_attempts <= 10000
    error_message = "stream_maximum_retry_attempts must be from 0 to 10000 (not -1: a poison record would hold its shard for a day)."
  }
}

variable "stream_maximum_record_age_in_seconds" {
  description = "Age after which a stream record is no longer sent to the function but to the dead-letter queue; the sweep still finds its event."
  type        = number
  default     = 3600

  validation {
    condition     = var.stream_maximum_record_age_in_seconds >= 60 && var.stream_maximum_record_age_in_seconds <= 604800
    error_message = "stream_maximum_record_age_in_seconds must be from 60 to 604800."
  }
}

variable "sweep_schedule" {
  description = "When the retry sweep runs (EventBridge Scheduler expression, UTC)."
  type        = string
  default     = "rate(1 minute)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.sweep_schedule))
    error_message = "sweep_schedule must be a cron(...) or rate(...) expression."
  }
}

# ---------------------------------------------------------------- alarms

variable "alarm_topic_arn" {
  description = "SNS topic the alarms notify; null makes one (KMS-encrypted, <name>-alarms)."
  type        = string
  default     = null
}

variable "failure_rate_threshold" {
  description = "Failed delivery attempts / attempts above which the failure-rate alarm fires (0-1)."
  type        = number
  default     = 0.25

  validation {
    condition     = var.failure_rate_threshold > 0 && var.failure_rate_threshold < 1
    error_message = "failure_rate_threshold must be between 0 and 1."
  }
}

variable "failure_rate_min_attempts" {
  description = "Attempts the window must hold before the failure rate counts (a few failures among a handful of attempts page nobody)."
  type        = number
  default     = 20

  validation {
    condition     = var.failure_rate_min_attempts >= 1
    error_message = "failure_rate_min_attempts must be at least 1."
  }
}

variable "failure_rate_period" {
  description = "Seconds of the failure-rate window (a multiple of 60)."
  type        = number
  default     = 900

  validation {
    condition     = var.failure_rate_period >= 60 && var.failure_rate_period % 60 == 0
    error_message = "failure_rate_period must be a multiple of 60 seconds."
  }
}

# ---------------------------------------------------------------- operations

variable "log_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the function's log group (the network module's logs_kms_key_arn)."
  type        = string
}

variable "log_retention_in_days" {
  description = "Days the function's logs are kept; a CloudWatch Logs retention of at least a year."
  type        = number
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a CloudWatch Logs retention of at least a year (365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Days the module's KMS keys wait before they are destroyed once deleted (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be from 7 to 30."
  }
}

variable "tags" {
  description = "Tags added to every resource the module creates."
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
