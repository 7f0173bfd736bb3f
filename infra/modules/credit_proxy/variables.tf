variable "name" {
  description = "Name of the credit proxy function (e.g. bnpl-dev-credit-proxy); also names its role, queue, key alias and security groups."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-_]{0,63}$", var.name))
    error_message = "name must be 1-64 letters, digits, hyphens and underscores, starting with a letter or digit (a Lambda function name)."
  }
}

variable "region" {
  description = "AWS region of the function; the ARNs the module builds."
  type        = string
}

variable "account_id" {
  description = "AWS account id of the function; scopes the key policy and the role's network-interface permissions."
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
    The proxy's other settings (services/shared/settings.py): BNPL_TOKEN_ENDPOINT,
    BNPL_SERVICE_CLIENT_ID, BNPL_SERVICE_CLIENT_SECRET, BNPL_COGNITO_ISSUER, BNPL_HTTP_TIMEOUT_S, ...
    The module sets BNPL_CREDIT_SERVICE_URL (from the PrivateLink endpoint), so this map may not;
    nor may it set the variables Lambda reserves (AWS_REGION, _HANDLER, ...). The values are
    encrypted at rest with the module's KMS key.
  EOT
  type        = map(string)
  default     = {}

  validation {
    condition = length(setintersection(keys(var.environment), [
      "BNPL_CREDIT_SERVICE_URL",
      "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
      "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
      "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
      "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
      "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    ])) == 0
    error_message = "environment may not set BNPL_CREDIT_SERVICE_URL (the module points it at the PrivateLink endpoint) or a variable Lambda reserves."
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
  description = "Seconds an invocation may run; under AppSync's 30-second resolver limit so the proxy, not AppSync, reports a slow credit service."
  type        = number
  default     = 20

  validation {
    condition     = var.timeout >= 1 && var.timeout < 30
    error_message = "timeout must be from 1 to 29 seconds (AppSync gives up on a Lambda resolver after 30)."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrent executions reserved for (and capping) the proxy, so a burst of checkouts can neither starve nor be starved by other functions, and the credit service sees bounded load."
  type        = number
  default     = 50

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

# ---------------------------------------------------------------- network and PrivateLink

variable "vpc_id" {
  description = "VPC of the function and of its endpoint to the credit service (the network module's vpc_id)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets of the function and the endpoint (the network module's private_subnet_ids); their NAT route carries the calls to Cognito's token endpoint."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "private_subnet_ids needs subnets in at least two availability zones."
  }
}

variable "endpoint_service_name" {
  description = "Service name of the credit service's VPC endpoint service (the credit_service module's endpoint_service_name)."
  type        = string

  validation {
    condition     = can(regex("^com\\.amazonaws\\.vpce\\.[a-z0-9-]+\\.vpce-svc-[0-9a-f]+$", var.endpoint_service_name))
    error_message = "endpoint_service_name must be a VPC endpoint service name (com.amazonaws.vpce.<region>.vpce-svc-...)."
  }
}

variable "credit_service_port" {
  description = "Port of the credit service's listener (the credit_service module's listener_port)."
  type        = number
  default     = 80

  validation {
    condition     = var.credit_service_port >= 1 && var.credit_service_port <= 65535
    error_message = "credit_service_port must be from 1 to 65535."
  }
}

variable "credit_service_private_dns_name" {
  description = "The endpoint service's verified private DNS name when its listener speaks TLS (the credit_service module's private_dns_name): the endpoint then answers on that name and the proxy calls https://<name>. Null calls the endpoint's own DNS name over plain HTTP inside PrivateLink."
  type        = string
  default     = null
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
  description = "Days the function's KMS key (environment and dead-letter queue) waits before it is destroyed once deleted (7-30)."
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
