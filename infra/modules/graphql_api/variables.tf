variable "name" {
  description = "Name of the GraphQL API."
  type        = string
}

variable "schema" {
  description = "The API's schema in AppSync SDL (AWS scalars and `@aws_*` directives used, not declared)."
  type        = string
}

variable "region" {
  description = "AWS region the API, the user pool and the data sources' targets live in."
  type        = string
}

variable "account_id" {
  description = "AWS account id the API lives in; scopes the service roles' trust policies (confused-deputy protection)."
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

variable "user_pool_id" {
  description = "Cognito user pool whose tokens authorize callers by default (the API's default mode)."
  type        = string
}

variable "user_pool_client_ids" {
  description = "App clients whose tokens the default mode accepts; the API rejects tokens of any other client of the pool."
  type        = list(string)

  validation {
    condition     = length(var.user_pool_client_ids) > 0
    error_message = "user_pool_client_ids needs at least one app client id."
  }
}

variable "xray_enabled" {
  description = "Whether AppSync traces requests with AWS X-Ray."
  type        = bool
  default     = true
}

variable "introspection_config" {
  description = "Whether the API answers introspection queries: ENABLED or DISABLED."
  type        = string
  default     = "ENABLED"

  validation {
    condition     = contains(["ENABLED", "DISABLED"], var.introspection_config)
    error_message = "introspection_config must be ENABLED or DISABLED."
  }
}

variable "query_depth_limit" {
  description = "Deepest nesting a query may have, 1-75; 0 means no limit."
  type        = number
  default     = 0

  validation {
    condition     = var.query_depth_limit >= 0 && var.query_depth_limit <= 75 && floor(var.query_depth_limit) == var.query_depth_limit
    error_message = "query_depth_limit must be a whole number from 0 to 75."
  }
}

variable "resolver_count_limit" {
  description = "Most resolvers one request may run, 1-10000; 0 means AppSync's default (10000)."
  type        = number
  default     = 0

  validation {
    condition     = var.resolver_count_limit >= 0 && var.resolver_count_limit <= 10000 && floor(var.resolver_count_limit) == var.resolver_count_limit
    error_message = "resolver_count_limit must be a whole number from 0 to 10000."
  }
}

variable "log_field_log_level" {
  description = "Field-level logging: NONE, ERROR, INFO, DEBUG or ALL."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["NONE", "ERROR", "INFO", "DEBUG", "ALL"], var.log_field_log_level)
    error_message = "log_field_log_level must be one of NONE, ERROR, INFO, DEBUG, ALL."
  }
}

variable "log_exclude_verbose_content" {
  description = "Whether logs leave out headers, context and evaluated mapping templates (they can hold tokens and personal data)."
  type        = bool
  default     = true
}

variable "log_retention_in_days" {
  description = "How long the API's CloudWatch log group keeps events, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a retention CloudWatch Logs supports (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "create_log_kms_key" {
  description = "Whether the module creates the customer-managed KMS key that encrypts the API's log group; false requires log_kms_key_arn."
  type        = bool
  default     = true
}

variable "log_kms_key_arn" {
  description = "ARN of an existing KMS key for the API's log group (its key policy must let CloudWatch Logs in the region use it); used when create_log_kms_key is false."
  type        = string
  default     = null
}

variable "log_kms_key_deletion_window_in_days" {
  description = "Days a deleted log key created by the module waits before it is destroyed (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.log_kms_key_deletion_window_in_days >= 7 && var.log_kms_key_deletion_window_in_days <= 30
    error_message = "log_kms_key_deletion_window_in_days must be from 7 to 30."
  }
}

variable "data_sources" {
  description = <<-EOT
    Data sources by name (letters, digits and underscores, as AppSync requires). `type` is HTTP,
    AWS_LAMBDA or NONE (resolved in AppSync itself: no target, no role). HTTP needs `http = { endpoint, execution_arn, signing_region? }`: AppSync signs its
    calls with SigV4 for execute-api and may invoke only routes under `execution_arn`. AWS_LAMBDA
    needs `lambda = { function_arn }`: AppSync may invoke the function and its aliases.
  EOT
  type = map(object({
    type        = string
    description = optional(string)
    http = optional(object({
      endpoint       = string
      execution_arn  = string
      signing_region = optional(string)
    }))
    lambda = optional(object({
      function_arn = string
    }))
  }))

  validation {
    condition     = alltrue([for name in keys(var.data_sources) : can(regex("^[_A-Za-z][_0-9A-Za-z]*$", name))])
    error_message = "Data source names may hold only letters, digits and underscores, and may not start with a digit."
  }

  validation {
    condition     = alltrue([for ds in values(var.data_sources) : contains(["HTTP", "AWS_LAMBDA", "NONE"], ds.type)])
    error_message = "Data source type must be HTTP, AWS_LAMBDA or NONE."
  }

  validation {
    condition     = alltrue([for ds in values(var.data_sources) : ds.type != "HTTP" || (ds.http != null && ds.lambda == null)])
    error_message = "Every HTTP data source needs `http` (endpoint and execution_arn) and no `lambda`."
  }

  validation {
    condition     = alltrue([for ds in values(var.data_sources) : ds.type != "AWS_LAMBDA" || (ds.lambda != null && ds.http == null)])
    error_message = "Every AWS_LAMBDA data source needs `lambda` (function_arn) and no `http`."
  }

  validation {
    condition     = alltrue([for ds in values(var.data_sources) : ds.type != "NONE" || (ds.http == null && ds.lambda == null)])
    error_message = "A NONE data source takes neither `http` nor `lambda`."
  }

  validation {
    condition     = alltrue([for ds in values(var.data_sources) : ds.http == null || can(regex("^https://", ds.http.endpoint))])
    error_message = "HTTP data source endpoints must be https:// URLs."
  }
}

variable "resolvers" {
  description = <<-EOT
    Resolvers by "Type.field", as `bnpl schema export` writes them to resolvers/bindings.json, with
    `code` holding the APPSYNC_JS source rather than a file name.

    A UNIT resolver (`kind = "UNIT"`, the default) names its `data_source`; null `code` makes a
    direct Lambda resolver (no code, no templates), which needs an AWS_LAMBDA data source.

    A PIPELINE resolver has no data source: its `code` (request and response handlers, required)
    runs before and after its `functions`, 1 to 10 of them, in order. Each function has a `name`
    (letters, digits and underscores), a `data_source` and its APPSYNC_JS `code`. Functions are
    shared: one `aws_appsync_function` is created per name, so every pipeline that lists a name
    must define it the same way.

    `max_batch_size` (resolver or function) above 0 turns on batching for Lambda data sources.
  EOT
  type = map(object({
    type           = string
    field          = string
    data_source    = optional(string)
    kind           = optional(string, "UNIT")
    code           = optional(string)
    max_batch_size = optional(number, 0)
    functions = optional(list(object({
      name           = string
      data_source    = string
      code           = string
      max_batch_size = optional(number, 0)
    })), [])
  }))
  default = {}

  validation {
    condition     = alltrue([for key, r in var.resolvers : key == "${r.type}.${r.field}"])
    error_message = "Each resolver's key must be \"<type>.<field>\" of that resolver."
  }

  validation {
    condition     = alltrue([for r in values(var.resolvers) : contains(["UNIT", "PIPELINE"], r.kind)])
    error_message = "A resolver's kind must be UNIT or PIPELINE."
  }

  validation {
    condition     = alltrue([for r in values(var.resolvers) : r.kind != "UNIT" || (r.data_source != null && length(r.functions) == 0)])
    error_message = "A UNIT resolver needs a data_source and has no functions."
  }

  validation {
    condition     = alltrue([for r in values(var.resolvers) : r.kind != "PIPELINE" || (r.data_source == null && r.code != null)])
    error_message = "A PIPELINE resolver has no data_source and needs code (its request and response handlers run before and after its functions)."
  }

  # AppSync quota: at most 10 functions per pipeline resolver.
  validation {
    condition     = alltrue([for r in values(var.resolvers) : r.kind != "PIPELINE" || (length(r.functions) >= 1 && length(r.functions) <= 10)])
    error_message = "A PIPELINE resolver needs 1 to 10 functions."
  }

  validation {
    condition     = alltrue([for f in flatten([for r in values(var.resolvers) : r.functions]) : can(regex("^[_A-Za-z][_0-9A-Za-z]*$", f.name))])
    error_message = "Function names may hold only letters, digits and underscores, and may not start with a digit."
  }

  validation {
    condition = alltrue([
      for name, definitions in { for f in flatten([for r in values(var.resolvers) : r.functions]) : f.name => f... } :
      length(distinct(definitions)) == 1
    ])
    error_message = "A function used by several pipelines must have the same data_source, code and max_batch_size in each."
  }

  validation {
    condition = alltrue([
      for size in concat(
        [for r in values(var.resolvers) : r.max_batch_size],
        [for f in flatten([for r in values(var.resolvers) : r.functions]) : f.max_batch_size],
      ) : size >= 0 && size <= 2000
    ])
    error_message = "max_batch_size must be from 0 to 2000."
  }
}

variable "merchant_fields" {
  description = "The root fields a merchant's backend may call with AWS_IAM (resolvers/bindings.json `iam_callers.merchant`); the merchant policy grants appsync:GraphQL on these and nothing else."
  type = list(object({
    type  = string
    field = string
  }))
  default = []

  validation {
    condition     = alltrue([for f in var.merchant_fields : contains(["Query", "Mutation", "Subscription"], f.type)])
    error_message = "merchant_fields name root fields only (Query, Mutation or Subscription)."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
