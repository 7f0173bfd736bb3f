variable "name_prefix" {
  description = "Prefix of every repository name: the repository `scoring` is named \"<name_prefix>scoring\" (a trailing slash makes a namespace, e.g. \"bnpl-dev/\")."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._/-]*$", var.name_prefix))
    error_message = "name_prefix must be lower-case letters, digits, '.', '_', '-' and '/', as ECR names allow."
  }
}

variable "repositories" {
  description = "Short names of the repositories, e.g. [\"lambda\", \"credit-service\", \"scoring\"]."
  type        = set(string)

  validation {
    condition     = length(var.repositories) > 0 && alltrue([for name in var.repositories : can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", name))])
    error_message = "Give at least one repository; names are lower-case path components separated by '/', each made of letters and digits joined by '.', '_' or '-'."
  }
}

variable "lambda_repositories" {
  description = "Repositories (short names, a subset of repositories) holding Lambda function images; their policy lets the Lambda service pull for this account's functions."
  type        = set(string)
  default     = []
}

variable "account_id" {
  description = "AWS account id of the Lambda functions that may pull from lambda_repositories."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account id."
  }
}

variable "region" {
  description = "AWS region of the repositories and of the Lambda functions that pull from them."
  type        = string
}

variable "partition" {
  description = "AWS partition of the ARNs the module builds: aws, aws-cn or aws-us-gov."
  type        = string
  default     = "aws"
}

variable "keep_image_count" {
  description = "How many of the newest images each repository keeps; older ones expire."
  type        = number
  default     = 30

  validation {
    condition     = var.keep_image_count >= 1 && floor(var.keep_image_count) == var.keep_image_count
    error_message = "keep_image_count must be a whole number of at least 1."
  }
}

variable "untagged_image_expiry_days" {
  description = "Days after which untagged images (left by interrupted or replaced pushes) expire."
  type        = number
  default     = 7

  validation {
    condition     = var.untagged_image_expiry_days >= 1 && floor(var.untagged_image_expiry_days) == var.untagged_image_expiry_days
    error_message = "untagged_image_expiry_days must be a whole number of at least 1."
  }
}

variable "force_delete" {
  description = "Whether destroying a repository also deletes its images; false keeps a repository with images from being deleted."
  type        = bool
  default     = false
}

variable "create_kms_key" {
  description = "Whether the module creates the customer-managed KMS key that encrypts the repositories; false requires kms_key_arn."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "ARN of an existing customer-managed KMS key for the repositories; used when create_kms_key is false."
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
  description = "Tags added to every repository and to the KMS key."
  type        = map(string)
  default     = {}
}
