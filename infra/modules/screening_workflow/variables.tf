variable "name" {
  description = "Name of the pre-screening workflow (e.g. bnpl-dev-screening): the state machine's; the step function is <name>-step. Also names the roles, key alias, log groups and security group."
  type        = string

  validation {
    # The function adds "-step" (64 characters allowed), its role prefix more.
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,50}$", var.name))
    error_message = "name must be 1-51 letters, digits and hyphens, starting with a letter or digit."
  }
}

variable "region" {
  description = "AWS region of the workflow; the ARNs the module builds."
  type        = string
}

variable "account_id" {
  description = "AWS account id of the workflow; scopes the key policy, the trust policies and the ARNs the module builds."
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

# ---------------------------------------------------------------- the step function

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
    The settings the screening steps read besides the module's own (services/shared/settings.py):
    BNPL_TABLE_PREFIX, BNPL_USER_SERVICE_URL and BNPL_USER_SERVICE_AUTH, as the credit service has
    them. The module sets BNPL_DYNAMODB_ENDPOINT, BNPL_SCORING_ENDPOINT_URL and
    BNPL_SCORING_ENDPOINT_NAME (from scoring_endpoint_arn), so this map may not; nor may it set a
    variable Lambda reserves (AWS_REGION, _HANDLER, ...). The values are encrypted at rest with
    the module's key.
  EOT
  type        = map(string)
  default     = {}

  validation {
    condition = length(setintersection(keys(var.environment), [
      "BNPL_DYNAMODB_ENDPOINT", "BNPL_SCORING_ENDPOINT_URL", "BNPL_SCORING_ENDPOINT_NAME",
      "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
      "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
      "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
      "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
      "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    ])) == 0
    error_message = "environment may not set BNPL_DYNAMODB_ENDPOINT, BNPL_SCORING_ENDPOINT_URL or BNPL_SCORING_ENDPOINT_NAME (the module sets them) or a variable Lambda reserves."
  }
}

variable "memory_size" {
  description = "Memory of the step function in MB; CPU grows with it, and every step is on the decision's path."
  type        = number
  default     = 1024

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be from 128 to 10240 MB."
  }
}

variable "timeout" {
  description = "Seconds one step may run. It must be under every Task's TimeoutSeconds in the definition, so the function, not the state machine, reports a step that overruns (a precondition checks it)."
  type        = number
  default     = 9

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 300
    error_message = "timeout must be from 1 to 300 seconds (an Express execution lasts five minutes at most)."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrent executions reserved for (and capping) the step function: at most two steps of a run execute at once (the parallel branch), so the default covers 50 concurrent decisions, the credit proxy's own reservation. Capacity for decisions is kept from the account's other functions, and the user service, the scoring endpoint and the tables see bounded load; a throttled step is retried by the definition (Lambda.TooManyRequestsException)."
  type        = number
  default     = 100

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

# ---------------------------------------------------------------- what the steps read

variable "table_arns" {
  description = "ARNs of the tables the screening steps query: the plans table (exposure and payment history, by its by_customer index); their indexes are included. Prior applications come in the run's state. Read only."
  type        = list(string)

  validation {
    condition     = length(var.table_arns) > 0 && alltrue([for a in var.table_arns : can(regex("^arn:[a-z-]+:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+$", a))])
    error_message = "table_arns must be DynamoDB table ARNs (arn:...:dynamodb:<region>:<account>:table/<name>)."
  }
}

variable "tables_kms_key_arn" {
  description = "ARN of the customer-managed key encrypting the tables (the dynamodb_tables module's kms_key_arn); the function may decrypt with it only through DynamoDB. Null when the tables use an AWS-owned key."
  type        = string
  default     = null
}

variable "scoring_endpoint_arn" {
  description = "ARN of the SageMaker endpoint serving the credit model; the only endpoint the function may invoke. Its name becomes BNPL_SCORING_ENDPOINT_NAME."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:sagemaker:[a-z0-9-]+:[0-9]{12}:endpoint/[A-Za-z0-9-]+$", var.scoring_endpoint_arn))
    error_message = "scoring_endpoint_arn must be a SageMaker endpoint ARN (arn:...:sagemaker:<region>:<account>:endpoint/<name>)."
  }
}

variable "user_service_execution_arn" {
  description = "Execution ARN of the user service's HTTP API (arn:aws:execute-api:<region>:<account>:<api-id>); the function may GET a consent's bank data there, SigV4-signed, and nothing else."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:execute-api:[a-z0-9-]+:[0-9]{12}:[a-z0-9]+$", var.user_service_execution_arn))
    error_message = "user_service_execution_arn must be an API Gateway execution ARN: arn:aws:execute-api:<region>:<account>:<api-id>."
  }
}

# ---------------------------------------------------------------- network

variable "vpc_id" {
  description = "VPC of the function (the network module's vpc_id)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets of the function, the credit service's (the network module's private_subnet_ids): DynamoDB through the gateway endpoint, SageMaker Runtime through its interface endpoint, the user service's API through the NAT gateway."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "private_subnet_ids needs subnets in at least two availability zones."
  }
}

# ---------------------------------------------------------------- operations

variable "log_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the function's and the state machine's log groups (the network module's logs_kms_key_arn)."
  type        = string
}

variable "log_retention_in_days" {
  description = "Days the function's and the state machine's logs are kept; a CloudWatch Logs retention of at least a year."
  type        = number
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a CloudWatch Logs retention of at least a year (365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Days the function's KMS key (its environment) waits before it is destroyed once deleted (7-30)."
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
