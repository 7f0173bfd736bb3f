variable "name" {
  description = "Prefix of the alarms, the dashboard, the alarm topic and its key alias (e.g. bnpl-dev)."
  type        = string

  validation {
    # The longest alarm adds "-user-service-5xx-rate"; dashboards take 255 characters.
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,60}$", var.name))
    error_message = "name must be 1-61 letters, digits and hyphens, starting with a letter or digit."
  }
}

variable "region" {
  description = "AWS region of the metrics, the dashboard's widgets and the ARNs the module builds."
  type        = string
}

variable "account_id" {
  description = "AWS account id; scopes the key policy and the alarm ARNs the dashboard lists."
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

variable "namespace" {
  description = "CloudWatch namespace of the product's own metrics (the services' EMF documents)."
  type        = string
  default     = "BNPL"
}

# ---------------------------------------------------------------- what is watched

variable "graphql_api_id" {
  description = "Id of the AppSync API (its metrics' GraphQLAPIId dimension)."
  type        = string
}

variable "user_service_api_id" {
  description = "Id of the user service's API Gateway HTTP API (its metrics' ApiId dimension)."
  type        = string
}

variable "webhook_dead_letter_queue_name" {
  description = "Name of the webhook sender's dead-letter queue, whose depth the dashboard shows (its alarm is the webhooks module's)."
  type        = string
}

variable "other_alarm_names" {
  description = "Alarms made elsewhere that the dashboard's alarm panel lists too (the webhooks module's)."
  type        = list(string)
  default     = []
}

# ---------------------------------------------------------------- alarms

variable "alarm_topic_arn" {
  description = "SNS topic the alarms notify; null makes one (KMS-encrypted, <name>-alarms)."
  type        = string
  default     = null
}

variable "server_error_rate_threshold" {
  description = "5xx responses / requests above which an API's 5xx alarm fires (0-1)."
  type        = number
  default     = 0.01

  validation {
    condition     = var.server_error_rate_threshold > 0 && var.server_error_rate_threshold < 1
    error_message = "server_error_rate_threshold must be between 0 and 1."
  }
}

variable "server_error_min_requests" {
  description = "Requests a 5-minute window must hold before its 5xx rate counts."
  type        = number
  default     = 20

  validation {
    condition     = var.server_error_min_requests >= 1
    error_message = "server_error_min_requests must be at least 1."
  }
}

variable "decision_p99_threshold_ms" {
  description = "p99 of the decision latency (the shopper's wait for applyForCredit's decision), in milliseconds, above which the alarm fires."
  type        = number
  default     = 3000

  validation {
    condition     = var.decision_p99_threshold_ms > 0
    error_message = "decision_p99_threshold_ms must be positive."
  }
}

variable "screening_error_rate_threshold" {
  description = "Screening steps in error / steps run above which the alarm fires (0-1)."
  type        = number
  default     = 0.05

  validation {
    condition     = var.screening_error_rate_threshold > 0 && var.screening_error_rate_threshold < 1
    error_message = "screening_error_rate_threshold must be between 0 and 1."
  }
}

variable "screening_min_steps" {
  description = "Steps the window must hold before the screening error rate counts."
  type        = number
  default     = 20

  validation {
    condition     = var.screening_min_steps >= 1
    error_message = "screening_min_steps must be at least 1."
  }
}

variable "payment_failure_rate_threshold" {
  description = "Failed money movements (charges, refunds, captures, voids that could not be made; not declined cards) / movements above which the alarm fires (0-1)."
  type        = number
  default     = 0.05

  validation {
    condition     = var.payment_failure_rate_threshold > 0 && var.payment_failure_rate_threshold < 1
    error_message = "payment_failure_rate_threshold must be between 0 and 1."
  }
}

variable "payment_min_movements" {
  description = "Money movements the window must hold before the failure rate counts."
  type        = number
  default     = 5

  validation {
    condition     = var.payment_min_movements >= 1
    error_message = "payment_min_movements must be at least 1."
  }
}

variable "rate_period" {
  description = "Seconds of the screening and payment failure-rate windows (a multiple of 60)."
  type        = number
  default     = 900

  validation {
    condition     = var.rate_period >= 60 && var.rate_period % 60 == 0
    error_message = "rate_period must be a multiple of 60 seconds."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Days the alarm topic's KMS key waits before it is destroyed once deleted (7-30)."
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
