variable "account_id" {
  description = "AWS account to deploy to; the provider refuses credentials for any other account."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account id."
  }
}

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix of every resource name; table names are \"<name_prefix><short name>\", matching the services' BNPL_TABLE_PREFIX."
  type        = string
  default     = "bnpl-prod-"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}-$", var.name_prefix))
    error_message = "name_prefix must be 2-21 lower-case letters, digits or hyphens, start with a letter and end with a hyphen."
  }
}

variable "availability_zones" {
  description = "Availability zones of the VPC's subnets (names, not looked up, so planning calls no AWS API); production spreads over three, each with its own NAT gateway."
  type        = list(string)
  default     = ["us-east-1a", "us-east-1b", "us-east-1c"]

  validation {
    condition     = length(var.availability_zones) >= 3
    error_message = "Production needs at least three availability zones."
  }
}

# The images, pushed to the environment's ECR repositories (output repository_urls) before the
# first full apply; tags are immutable there, so a tag names one build.
variable "lambda_image" {
  description = "Tag or digest (sha256:...) of the Lambda image (docker/lambda.Dockerfile) in the lambda repository; the user service and the credit proxy run it."
  type        = string
}

variable "credit_service_image" {
  description = "Tag or digest (sha256:...) of the credit service image (docker/credit-service.Dockerfile) in the credit-service repository."
  type        = string
}

variable "scoring_image" {
  description = "Tag or digest (sha256:...) of the scoring server image (docker/scoring.Dockerfile) in the scoring repository."
  type        = string
}

variable "scoring_model_data_url" {
  description = "S3 URL of the credit model artefact, s3://<bucket>/<key>.tar.gz holding model.json (e.g. models/credit-v1 packed); a versioned bucket, so an artefact is never changed in place."
  type        = string
}

variable "scoring_model_data_kms_key_arn" {
  description = "KMS key the model artefact is encrypted with (SSE-KMS); null for SSE-S3."
  type        = string
  default     = null
}

variable "challenger_model_data_url" {
  description = "S3 URL of a challenger model artefact, s3://<bucket>/<key>.tar.gz holding model.json: deployed as the endpoint's \"Challenger\" variant with no traffic (on as many instances as the champion), and scored in shadow by the credit service beside the champion. Needs instance hosting (serverless endpoints take one variant). null: no challenger."
  type        = string
  default     = null
}

variable "scoring_instance_type" {
  description = "ML instance type of the scoring endpoint: production hosts the model on instances, network-isolated in the private subnets (no cold starts); null hosts it serverless."
  type        = string
  default     = "ml.c6i.large"
}

variable "scoring_instance_count" {
  description = "Instances behind the scoring endpoint."
  type        = number
  default     = 2
}

variable "credit_service_desired_count" {
  description = "Number of credit service tasks; one per availability zone by default."
  type        = number
  default     = 3
}

variable "credit_service_certificate_arn" {
  description = "ACM certificate for credit_service_private_dns_name; with both set the credit proxy reaches the credit service over TLS inside PrivateLink."
  type        = string
  default     = null
}

variable "credit_service_private_dns_name" {
  description = "A verified name in one of our domains for the credit service's endpoint service; required with credit_service_certificate_arn."
  type        = string
  default     = null
}

variable "credit_service_access_logs_bucket" {
  description = "S3 bucket for the credit service load balancer's access logs (TLS listeners only); null for none."
  type        = string
  default     = null
}

# Verification codes go out through SES (email) and End User Messaging (SMS): the identities are
# set up outside Terraform (domain verification, number registration).
variable "email_from_address" {
  description = "Address verification emails come from; it must belong to ses_identity_arn."
  type        = string
}

variable "ses_identity_arn" {
  description = "ARN of the SES identity (domain or address) verification emails are sent from."
  type        = string
}

variable "sms_origination_identity_arn" {
  description = "ARN of the End User Messaging phone number, pool or sender id SMS codes are sent from."
  type        = string
}

variable "sms_configuration_set_arn" {
  description = "ARN of the End User Messaging configuration set recording SMS delivery events; null for none."
  type        = string
  default     = null
}

variable "cognito_domain_prefix" {
  description = "Prefix of the user pool's Cognito domain (serves /oauth2/token); null uses \"<name_prefix><account_id>\"."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Whether the user pool, the tables and the credit service's load balancer refuse to be deleted; production keeps it on (false only to retire the environment)."
  type        = bool
  default     = true
}

variable "log_retention_in_days" {
  description = "How long every log group keeps events, in days (365 or more); two years by default, so disputes and audits can trace requests."
  type        = number
  default     = 731
}

# Production never answers introspection (main.tf); the limits are dev's.
variable "query_depth_limit" {
  description = "Deepest nesting a query may have (1-75; 0 means no limit); 10, as in dev, above the deepest field path of the schema (4)."
  type        = number
  default     = 10
}

variable "resolver_count_limit" {
  description = "Most resolvers one request may run (1-10000). AppSync allows 10000; this API's largest honest query runs a handful, so 100 refuses alias floods without refusing any real client."
  type        = number
  default     = 100
}

variable "force_delete_images" {
  description = "Whether destroying the environment also deletes the images in its ECR repositories."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags on every resource (Project, Environment and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}

variable "checkout_page_aliases" {
  description = "Custom domain names of the checkout page (need checkout_page_certificate_arn); empty serves it on its cloudfront.net name."
  type        = list(string)
  default     = []
}

variable "checkout_page_certificate_arn" {
  description = "ACM certificate in us-east-1 for checkout_page_aliases (TLS 1.2 at least); null uses CloudFront's default certificate."
  type        = string
  default     = null
}

variable "screening_workflow_engine" {
  description = "Which engine runs the credit service's pre-screening: in_process (its own runner) or step_functions (the Express state machine the environment deploys either way)."
  type        = string
  default     = "in_process"
}
