# ---------------------------------------------------------------- where

variable "environment" {
  description = "Name of the environment (dev, prod, ...); tags every resource and tells the environments apart in outputs."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.environment))
    error_message = "environment must be 1-16 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "account_id" {
  description = "AWS account the environment lives in; scopes trust and key policies (given, not looked up, so planning calls no AWS API)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account id."
  }
}

variable "region" {
  description = "AWS region of every resource."
  type        = string
}

variable "partition" {
  description = "AWS partition of every ARN the modules build: aws, aws-cn or aws-us-gov."
  type        = string
  default     = "aws"
}

variable "name_prefix" {
  description = "Prefix of every resource name; table names are \"<name_prefix><short name>\", which the services get as BNPL_TABLE_PREFIX."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}-$", var.name_prefix))
    error_message = "name_prefix must be 2-21 lower-case letters, digits or hyphens, start with a letter and end with a hyphen."
  }
}

# ---------------------------------------------------------------- network

variable "availability_zones" {
  description = "Availability zones (names, e.g. us-east-1a) of the private and public subnets; 2 to 4."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 4
    error_message = "availability_zones must name 2 to 4 zones."
  }
}

variable "vpc_cidr_block" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "single_nat_gateway" {
  description = "Whether one NAT gateway serves every zone (cheaper) rather than one per zone (a zone's outage does not cut the others' egress)."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------- images

# Images are built from docker/*.Dockerfile and pushed to the repositories this module creates
# (tags are immutable there), so each is given as the tag or digest that was pushed.
variable "lambda_image" {
  description = "Tag or digest (sha256:...) of the Lambda image (docker/lambda.Dockerfile) in the \"lambda\" repository; the user service and the credit proxy run it."
  type        = string

  validation {
    condition     = can(regex("^(sha256:[0-9a-f]{64}|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$", var.lambda_image))
    error_message = "lambda_image must be an image tag or a sha256:<64 hex> digest."
  }
}

variable "credit_service_image" {
  description = "Tag or digest (sha256:...) of the credit service image (docker/credit-service.Dockerfile) in the \"credit-service\" repository."
  type        = string

  validation {
    condition     = can(regex("^(sha256:[0-9a-f]{64}|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$", var.credit_service_image))
    error_message = "credit_service_image must be an image tag or a sha256:<64 hex> digest."
  }
}

variable "scoring_image" {
  description = "Tag or digest (sha256:...) of the scoring server image (docker/scoring.Dockerfile) in the \"scoring\" repository."
  type        = string

  validation {
    condition     = can(regex("^(sha256:[0-9a-f]{64}|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$", var.scoring_image))
    error_message = "scoring_image must be an image tag or a sha256:<64 hex> digest."
  }
}

# ---------------------------------------------------------------- the credit model

variable "scoring_model_data_url" {
  description = "S3 URL of the credit model artefact (s3://<bucket>/<key>.tar.gz holding model.json) the scoring endpoint serves."
  type        = string
}

variable "scoring_model_data_kms_key_arn" {
  description = "KMS key the model artefact is encrypted with (SSE-KMS); null for SSE-S3."
  type        = string
  default     = null
}

variable "scoring_challenger_model_data_url" {
  description = "S3 URL of a challenger model artefact (s3://<bucket>/<key>.tar.gz holding model.json), deployed beside the credit model as the endpoint's \"Challenger\" variant with no traffic of its own; the credit service scores it in shadow. Needs scoring_instance_type. null: no challenger."
  type        = string
  default     = null
}

variable "scoring_instance_type" {
  description = "ML instance type to host the model on instances, network-isolated in the VPC (e.g. ml.c6i.large); null hosts it serverless."
  type        = string
  default     = null
}

variable "scoring_instance_count" {
  description = "Instances behind the scoring endpoint with instance hosting."
  type        = number
  default     = 2
}

# ---------------------------------------------------------------- the credit service

variable "credit_service_desired_count" {
  description = "Number of credit service tasks; two or more spread over zones."
  type        = number
  default     = 2
}

variable "screening_workflow_engine" {
  description = "Which engine runs the credit service's pre-screening: in_process (its own runner, the default) or step_functions (the Express state machine this environment deploys)."
  type        = string
  default     = "in_process"

  validation {
    condition     = contains(["in_process", "step_functions"], var.screening_workflow_engine)
    error_message = "screening_workflow_engine must be in_process or step_functions."
  }
}

variable "credit_service_certificate_arn" {
  description = "ACM certificate for credit_service_private_dns_name; with both set the PrivateLink listener speaks TLS. Null keeps plain TCP inside PrivateLink."
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

# ---------------------------------------------------------------- messaging (user service)

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

# ---------------------------------------------------------------- the API

variable "cognito_domain_prefix" {
  description = "Prefix of the user pool's Cognito domain (serves /oauth2/token); null uses \"<name_prefix><account_id>\"."
  type        = string
  default     = null
}

variable "introspection_config" {
  description = "Whether the API answers introspection queries (GraphiQL, code generators): ENABLED or DISABLED."
  type        = string
}

variable "query_depth_limit" {
  description = "Deepest nesting a query may have (1-75; 0 means no limit)."
  type        = number
}

variable "resolver_count_limit" {
  description = "Most resolvers one request may run (1-10000; 0 means AppSync's default, 10000)."
  type        = number
}

variable "waf_rate_limit" {
  description = "Most requests one IP address may send to the API in five minutes before the web ACL blocks it."
  type        = number
  default     = 1000
}

# ---------------------------------------------------------------- the checkout page

variable "checkout_page_web_acl_arn" {
  description = "ARN of the global (CLOUDFRONT scope, us-east-1) web ACL in front of the checkout page; the environment's root makes it with modules/waf."
  type        = string
}

variable "checkout_page_aliases" {
  description = "Custom domain names of the checkout page (need checkout_page_certificate_arn); empty serves it on its cloudfront.net name."
  type        = list(string)
  default     = []
}

variable "checkout_page_certificate_arn" {
  description = "ACM certificate in us-east-1 for checkout_page_aliases; null uses CloudFront's default certificate."
  type        = string
  default     = null
}

variable "checkout_page_price_class" {
  description = "CloudFront price class of the checkout page: PriceClass_100, PriceClass_200 or PriceClass_All."
  type        = string
  default     = "PriceClass_100"
}

# ---------------------------------------------------------------- operations

variable "deletion_protection" {
  description = "Whether the user pool, the tables and the credit service's load balancer refuse to be deleted; false only to tear the environment down."
  type        = bool
  default     = true
}

variable "log_retention_in_days" {
  description = "Days every log group (API, WAF, VPC flow logs, services, scoring endpoint) keeps events; at least a year."
  type        = number
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a CloudWatch Logs retention of at least a year (365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Days a deleted customer-managed KMS key waits before it is destroyed (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be from 7 to 30."
  }
}

variable "force_delete_images" {
  description = "Whether destroying the environment also deletes the ECR repositories' images; false keeps a repository with images from being deleted."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource the modules create (the provider's default_tags come on top)."
  type        = map(string)
  default     = {}
}

variable "sandbox_payments" {
  description = "Take the sandbox test tokens (tok_visa, ...) on the sandbox card network, whose tables this deploys; false means no card network (money-moving requests answer DependencyFailure)."
  type        = bool
  default     = false
}
