variable "name" {
  description = "Name of the SageMaker endpoint: the credit service's BNPL_SCORING_ENDPOINT_NAME."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", var.name))
    error_message = "name must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit (SageMaker endpoint names)."
  }
}

variable "image_uri" {
  description = "The scoring server image (docker/scoring.Dockerfile) in ECR, \"<repository url>:<tag>\" or \"<repository url>@sha256:<digest>\"; SageMaker pulls only from ECR."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$", var.image_uri))
    error_message = "image_uri must be an ECR image URI with a tag or a digest."
  }
}

variable "ecr_repository_arn" {
  description = "ARN of the ECR repository image_uri is in; the role may pull from it only."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:ecr:[a-z0-9-]+:[0-9]{12}:repository/.+$", var.ecr_repository_arn))
    error_message = "ecr_repository_arn must be an ECR repository ARN."
  }
}

variable "model_data_url" {
  description = "S3 URL of the model artefact, a .tar.gz holding model.json at its root (\"s3://<bucket>/<key>\"); the role may read this one object."
  type        = string

  validation {
    condition     = can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+\\.tar\\.gz$", var.model_data_url))
    error_message = "model_data_url must be s3://<bucket>/<key>.tar.gz."
  }
}

variable "challenger_model_data_url" {
  description = "S3 URL of a challenger model's artefact, like model_data_url: deployed as the \"Challenger\" variant with weight 0, which answers only invocations naming it (TargetVariant); the role may read this object too. Needs instance hosting (instance_type). null: no challenger."
  type        = string
  default     = null

  validation {
    condition     = var.challenger_model_data_url == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+\\.tar\\.gz$", coalesce(var.challenger_model_data_url, "-")))
    error_message = "challenger_model_data_url must be s3://<bucket>/<key>.tar.gz, or null for no challenger."
  }
}

variable "model_data_kms_key_arn" {
  description = "KMS key the artefacts (the model's and the challenger's) are encrypted with (SSE-KMS), which the role may use through S3 only; null for SSE-S3."
  type        = string
  default     = null
}

variable "serverless_memory_size_in_mb" {
  description = "Memory of each serverless worker: 1024 to 6144 MB in steps of 1024 (serverless hosting)."
  type        = number
  default     = 2048

  validation {
    condition     = contains([1024, 2048, 3072, 4096, 5120, 6144], var.serverless_memory_size_in_mb)
    error_message = "serverless_memory_size_in_mb must be 1024, 2048, 3072, 4096, 5120 or 6144."
  }
}

variable "serverless_max_concurrency" {
  description = "Most invocations the serverless endpoint runs at once (1-200); more are throttled."
  type        = number
  default     = 10

  validation {
    condition     = var.serverless_max_concurrency >= 1 && var.serverless_max_concurrency <= 200
    error_message = "serverless_max_concurrency must be from 1 to 200."
  }
}

variable "instance_type" {
  description = "ML instance type (e.g. \"ml.c6i.large\") to host on instances instead of serverless; instance hosting runs network-isolated in the VPC. null for serverless."
  type        = string
  default     = null

  validation {
    condition     = var.instance_type == null || can(regex("^ml\\.[a-z0-9]+\\.[a-z0-9]+$", coalesce(var.instance_type, "-")))
    error_message = "instance_type must be an ML instance type such as ml.c6i.large."
  }
}

variable "initial_instance_count" {
  description = "Instances behind the endpoint with instance hosting."
  type        = number
  default     = 2

  validation {
    condition     = var.initial_instance_count >= 1
    error_message = "initial_instance_count must be at least 1."
  }
}

variable "subnet_ids" {
  description = "Private subnets of the model's network interfaces, with instance hosting (serverless endpoints take no VPC)."
  type        = list(string)
  default     = []
}

variable "vpc_id" {
  description = "VPC of subnet_ids, with instance hosting; the endpoint's security group is created in it."
  type        = string
  default     = null
}

variable "egress_cidr_blocks" {
  description = "Where SageMaker may open HTTPS connections from the VPC to fetch the artefact and image (S3 and ECR), with instance hosting."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "region" {
  description = "AWS region of the endpoint."
  type        = string
}

variable "account_id" {
  description = "AWS account id of the endpoint; scopes the role's trust and the key policy."
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
  description = "How long the endpoint's log group keeps events, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a retention CloudWatch Logs supports (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "create_kms_key" {
  description = "Whether the module creates the customer-managed KMS key for the endpoint's logs and instance volumes; false requires kms_key_arn."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "ARN of an existing KMS key for the endpoint's logs and volumes (its policy must let CloudWatch Logs use it for the endpoint's log group); used when create_kms_key is false."
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
