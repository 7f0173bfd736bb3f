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
  default     = "bnpl-dev-"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}-$", var.name_prefix))
    error_message = "name_prefix must be 2-21 lower-case letters, digits or hyphens, start with a letter and end with a hyphen."
  }
}

variable "user_service_endpoint" {
  description = "Base URL of the user service's API Gateway stage (https://<api-id>.execute-api.<region>.amazonaws.com), the target of the user_service HTTP data source."
  type        = string

  validation {
    condition     = can(regex("^https://", var.user_service_endpoint))
    error_message = "user_service_endpoint must be an https:// URL."
  }
}

variable "user_service_execution_arn" {
  description = "Execution ARN of the user service's API Gateway API (arn:aws:execute-api:<region>:<account>:<api-id>); AppSync may invoke any route under it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:execute-api:[a-z0-9-]+:[0-9]{12}:[a-z0-9]+$", var.user_service_execution_arn))
    error_message = "user_service_execution_arn must be an API Gateway execution ARN: arn:aws:execute-api:<region>:<account>:<api-id>."
  }
}

variable "credit_proxy_function_arn" {
  description = "ARN of the credit proxy Lambda function, the target of the credit_proxy Lambda data source."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+$", var.credit_proxy_function_arn))
    error_message = "credit_proxy_function_arn must be an unqualified Lambda function ARN: arn:aws:lambda:<region>:<account>:function:<name>."
  }
}

variable "cognito_domain_prefix" {
  description = "Prefix of the user pool's Cognito domain (serves /oauth2/token); null uses \"<name_prefix><account_id>\"."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Whether the user pool and the tables refuse to be deleted; set false only to tear the environment down."
  type        = bool
  default     = true
}

variable "log_retention_in_days" {
  description = "How long the API's logs are kept, in days."
  type        = number
  default     = 30
}

# The API's introspection switch and execution limits. The local emulator (`bnpl dev`) reads the
# same three from BNPL_INTROSPECTION_CONFIG, BNPL_QUERY_DEPTH_LIMIT and BNPL_RESOLVER_COUNT_LIMIT,
# whose defaults are these defaults (services/shared/settings.py; tests/infra holds them equal).
variable "introspection_config" {
  description = "Whether the API answers introspection queries (GraphiQL, code generators): ENABLED or DISABLED."
  type        = string
  default     = "ENABLED"
}

variable "query_depth_limit" {
  description = "Deepest nesting a query may have (1-75; 0 means no limit). AppSync's default is 0; this environment sets 10 on purpose, above the deepest field path of the schema (4)."
  type        = number
  default     = 10
}

variable "resolver_count_limit" {
  description = "Most resolvers one request may run (1-10000); AppSync's default, 10000."
  type        = number
  default     = 10000
}

variable "tags" {
  description = "Extra tags on every resource (Project, Environment and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}
