variable "name" {
  description = "Name of the credit service deployment (e.g. bnpl-dev-credit); names the cluster, service, load balancer, log group and roles."
  type        = string

  validation {
    # The NLB and target group names allow 32 characters; the module adds at most "-tg".
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,28}$", var.name))
    error_message = "name must be 1-29 letters, digits and hyphens, starting with a letter or digit."
  }
}

variable "region" {
  description = "AWS region of the service; the tasks' AWS_REGION and the ARNs the module builds."
  type        = string
}

variable "account_id" {
  description = "AWS account id of the service; scopes trust policies, the key policy and the endpoint service's default principal."
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

# ---------------------------------------------------------------- network

variable "vpc_id" {
  description = "VPC of the tasks and the load balancer (the network module's vpc_id)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets of the tasks and the internal load balancer, at least two zones (the network module's private_subnet_ids)."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "private_subnet_ids needs subnets in at least two availability zones."
  }
}

variable "client_cidr_blocks" {
  description = "Where PrivateLink clients connect from (the VPC block of the credit proxy's endpoint, e.g. the network module's vpc_cidr_block). With inbound rules enforced on PrivateLink traffic the load balancer sees the client's private address, so only these may reach the listener."
  type        = list(string)

  validation {
    condition     = length(var.client_cidr_blocks) > 0 && alltrue([for c in var.client_cidr_blocks : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "client_cidr_blocks must be IPv4 CIDR blocks, and not 0.0.0.0/0."
  }
}

# ---------------------------------------------------------------- the task

variable "image" {
  description = "Container image of the credit service (docker/credit-service.Dockerfile), by digest or tag, in the repository ecr_repository_arn names."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ARN of the ECR repository holding the image; the only repository the task execution role may pull from."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:ecr:[a-z0-9-]+:[0-9]{12}:repository/.+$", var.ecr_repository_arn))
    error_message = "ecr_repository_arn must be an ECR repository ARN."
  }
}

variable "container_port" {
  description = "Port the service listens on inside the container (the image's uvicorn --port)."
  type        = number
  default     = 8080

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535
    error_message = "container_port must be an unprivileged port (1024-65535): the container runs as a non-root user."
  }
}

variable "cpu" {
  description = "Fargate CPU units of a task (256, 512, 1024, 2048, 4096, ...)."
  type        = number
  default     = 512
}

variable "memory" {
  description = "Memory of a task in MiB; must be a size Fargate allows with the chosen cpu."
  type        = number
  default     = 1024
}

variable "cpu_architecture" {
  description = "CPU architecture of the tasks and the image: X86_64 or ARM64."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "desired_count" {
  description = "Number of tasks; two or more spread over zones so one task or zone can fail."
  type        = number
  default     = 2

  validation {
    condition     = var.desired_count >= 1
    error_message = "desired_count must be at least 1."
  }
}

variable "health_check_grace_period_seconds" {
  description = "Seconds a new task has to start answering /health before load-balancer health checks count."
  type        = number
  default     = 60
}

variable "environment" {
  description = <<-EOT
    The service's other settings (services/shared/settings.py), e.g. BNPL_TABLE_PREFIX,
    BNPL_COGNITO_ISSUER, BNPL_COGNITO_JWKS_URL, BNPL_COGNITO_CLIENT_IDS, BNPL_SERVICE_CLIENT_ID,
    BNPL_USER_SERVICE_URL. The module sets the ones that follow from its own resources and inputs
    (AWS_REGION, BNPL_DYNAMODB_ENDPOINT, BNPL_SCORING_ENDPOINT_URL, BNPL_SCORING_ENDPOINT_NAME,
    BNPL_APPSYNC_URL, BNPL_EVENTS, BNPL_EVENT_BUS_NAME, BNPL_WORKFLOW_ENGINE,
    BNPL_STATE_MACHINE_ARN, BNPL_SCORING_CHALLENGER_VARIANT); this map may not set those. Not for secrets: the values are visible in
    the task definition.
  EOT
  type        = map(string)
  default     = {}

  validation {
    condition = length(setintersection(keys(var.environment), [
      "AWS_REGION", "BNPL_DYNAMODB_ENDPOINT", "BNPL_SCORING_ENDPOINT_URL", "BNPL_SCORING_ENDPOINT_NAME",
      "BNPL_APPSYNC_URL", "BNPL_EVENTS", "BNPL_EVENT_BUS_NAME", "BNPL_WORKFLOW_ENGINE", "BNPL_STATE_MACHINE_ARN",
      "BNPL_SCORING_CHALLENGER_VARIANT",
    ])) == 0
    error_message = "environment may not set AWS_REGION, BNPL_DYNAMODB_ENDPOINT, BNPL_SCORING_ENDPOINT_URL, BNPL_SCORING_ENDPOINT_NAME, BNPL_APPSYNC_URL, BNPL_EVENTS, BNPL_EVENT_BUS_NAME, BNPL_WORKFLOW_ENGINE, BNPL_STATE_MACHINE_ARN or BNPL_SCORING_CHALLENGER_VARIANT: the module sets them from its inputs."
  }
}

# ---------------------------------------------------------------- what the service calls

variable "table_arns" {
  description = "ARNs of the DynamoDB tables the credit service reads and writes (checkouts, checkout_references, merchants, applications, recent_applications, plans, plan_requests, the webhook tables and, where the sandbox card network runs, its tables); their indexes are included."
  type        = list(string)

  validation {
    condition     = length(var.table_arns) > 0 && alltrue([for a in var.table_arns : can(regex("^arn:[a-z-]+:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+$", a))])
    error_message = "table_arns must be DynamoDB table ARNs (arn:...:dynamodb:<region>:<account>:table/<name>)."
  }
}

variable "tables_kms_key_arn" {
  description = "ARN of the customer-managed key encrypting the tables (the dynamodb_tables module's kms_key_arn); the task may use it only through DynamoDB. Null when the tables use an AWS-owned key."
  type        = string
  default     = null
}

variable "scoring_endpoint_arn" {
  description = "ARN of the SageMaker endpoint serving the credit model; the only endpoint the task may invoke. Its name becomes BNPL_SCORING_ENDPOINT_NAME."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:sagemaker:[a-z0-9-]+:[0-9]{12}:endpoint/[A-Za-z0-9-]+$", var.scoring_endpoint_arn))
    error_message = "scoring_endpoint_arn must be a SageMaker endpoint ARN (arn:...:sagemaker:<region>:<account>:endpoint/<name>)."
  }
}

variable "scoring_challenger_variant" {
  description = "Production variant of the scoring endpoint holding a challenger model (the scoring_endpoint module's challenger_variant_name): BNPL_SCORING_CHALLENGER_VARIANT, which the service scores in shadow beside the champion (InvokeEndpoint's TargetVariant) and records without letting it decide. Null or empty: no shadow scoring, and the variable is not set."
  type        = string
  default     = null

  validation {
    condition     = var.scoring_challenger_variant == null || var.scoring_challenger_variant == "" || can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", coalesce(var.scoring_challenger_variant, "-")))
    error_message = "scoring_challenger_variant must be a SageMaker variant name (1-63 letters, digits and hyphens), or null or empty for none."
  }
}

variable "graphql_api_arn" {
  description = "ARN of the AppSync API the service publishes checkout updates to (publishCheckoutUpdate, IAM-signed)."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:appsync:[a-z0-9-]+:[0-9]{12}:apis/[A-Za-z0-9]+$", var.graphql_api_arn))
    error_message = "graphql_api_arn must be an AppSync API ARN (arn:...:appsync:<region>:<account>:apis/<id>)."
  }
}

variable "user_service_execution_arn" {
  description = "Execution ARN of the user service's HTTP API (the user_service module's execution_arn, arn:aws:execute-api:<region>:<account>:<api-id>); the task may invoke the two GET routes the credit service calls, SigV4-signed."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:execute-api:[a-z0-9-]+:[0-9]{12}:[a-z0-9]+$", var.user_service_execution_arn))
    error_message = "user_service_execution_arn must be an API Gateway execution ARN: arn:aws:execute-api:<region>:<account>:<api-id>."
  }
}

variable "webhook_secrets" {
  description = "Merchants' webhook signing secrets in Secrets Manager (the webhooks module's secret_arn_pattern and secrets_kms_key_arn): the task may create, change and read secrets matching arn_pattern, and use kms_key_arn through Secrets Manager. Null: no webhook secrets."
  type = object({
    arn_pattern = string
    kms_key_arn = string
  })
  default = null

  validation {
    condition     = var.webhook_secrets == null || can(regex("^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+/\\*$", coalesce(try(var.webhook_secrets.arn_pattern, null), "-")))
    error_message = "webhook_secrets.arn_pattern must be a Secrets Manager ARN pattern ending in a folder and \"*\" (arn:...:secret:<prefix>/*)."
  }
}

variable "graphql_url" {
  description = "The API's GraphQL URL (the graphql_api module's graphql_url): BNPL_APPSYNC_URL."
  type        = string

  validation {
    condition     = startswith(var.graphql_url, "https://")
    error_message = "graphql_url must be an https:// URL."
  }
}

variable "event_bus_name" {
  description = "Name of the EventBridge bus the module creates for credit events (BNPL_EVENT_BUS_NAME)."
  type        = string
  default     = "bnpl-credit-events"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,256}$", var.event_bus_name)) && var.event_bus_name != "default"
    error_message = "event_bus_name must be 1-256 letters, digits, dots, hyphens and underscores, and not \"default\"."
  }
}

variable "workflow_engine" {
  description = "Which engine runs pre-screening (BNPL_WORKFLOW_ENGINE): in_process, the service's own runner (the default: no network hop per step), or step_functions, the Express state machine screening_state_machine_arn names."
  type        = string
  default     = "in_process"

  validation {
    condition     = contains(["in_process", "step_functions"], var.workflow_engine)
    error_message = "workflow_engine must be in_process or step_functions."
  }
}

variable "screening_state_machine_arn" {
  description = "ARN of the pre-screening Express state machine (the screening_workflow module's state_machine_arn): BNPL_STATE_MACHINE_ARN, and the one machine the task may StartSyncExecution. Null: none deployed (workflow_engine must then be in_process)."
  type        = string
  default     = null

  validation {
    condition     = var.screening_state_machine_arn == null || can(regex("^arn:[a-z-]+:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]+$", coalesce(var.screening_state_machine_arn, "-")))
    error_message = "screening_state_machine_arn must be a Step Functions state machine ARN (arn:...:states:<region>:<account>:stateMachine:<name>)."
  }
}

# ---------------------------------------------------------------- PrivateLink

variable "listener_port" {
  description = "Port of the internal load balancer's TCP listener, which the PrivateLink endpoint exposes to the credit proxy."
  type        = number
  default     = 80

  validation {
    condition     = var.listener_port >= 1 && var.listener_port <= 65535
    error_message = "listener_port must be from 1 to 65535."
  }
}

variable "certificate_arn" {
  description = "ACM certificate for private_dns_name. With both set the listener speaks TLS (TLS 1.2+) and the credit proxy connects by that name over HTTPS; without them the listener is plain TCP, its traffic never leaving PrivateLink. The endpoint's own DNS names are AWS's, so TLS needs a name of ours."
  type        = string
  default     = null
}

variable "private_dns_name" {
  description = "A name in one of our domains for the endpoint service (verified by a TXT record AWS asks for); required with certificate_arn."
  type        = string
  default     = null
}

variable "access_logs_bucket" {
  description = "S3 bucket for the load balancer's access logs (which cover TLS listeners only); null for none."
  type        = string
  default     = null
}

variable "allowed_principals" {
  description = "Principals (ARNs) allowed to create endpoints to the credit service; null means this account only (its root, i.e. its IAM principals)."
  type        = list(string)
  default     = null
}

variable "acceptance_required" {
  description = "Whether each endpoint connection must be accepted by hand. False by default: allowed_principals already limits connections to this account, whose only endpoint is the credit proxy's, created by Terraform."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------- operations

variable "log_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the service's log group (the network module's logs_kms_key_arn)."
  type        = string
}

variable "log_retention_in_days" {
  description = "Days the service's logs are kept; a CloudWatch Logs retention of at least a year."
  type        = number
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a CloudWatch Logs retention of at least a year (365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "deletion_protection" {
  description = "Whether the load balancer refuses to be deleted; set false only to destroy the environment."
  type        = bool
  default     = true
}

variable "kms_key_deletion_window_in_days" {
  description = "Days the event bus's KMS key waits before it is destroyed once deleted (7-30)."
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

variable "sweep_schedule" {
  description = "When the daily sweep runs (EventBridge Scheduler expression, UTC)."
  type        = string
  default     = "cron(0 3 * * ? *)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.sweep_schedule))
    error_message = "sweep_schedule must be a cron(...) or rate(...) expression."
  }
}

variable "xray_daemon_image" {
  description = "The X-Ray daemon's image, run beside the service in each task (xray.tf); AWS's public image by default, or a copy in a private registry (pin a digest for repeatable deploys)."
  type        = string
  default     = "public.ecr.aws/xray/aws-xray-daemon:3.x"
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
