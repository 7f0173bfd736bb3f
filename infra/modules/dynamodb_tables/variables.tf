variable "name_prefix" {
  description = "Prefix of every table name: a table keyed `customers` is named \"<name_prefix>customers\"."
  type        = string
}

variable "account_id" {
  description = "AWS account id the tables live in; its principals may use the tables' KMS key through DynamoDB."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account id."
  }
}

variable "region" {
  description = "AWS region the tables live in; the KMS key may be used only through DynamoDB in this region."
  type        = string
}

variable "partition" {
  description = "AWS partition of the ARNs in the key policy: aws, aws-cn or aws-us-gov."
  type        = string
  default     = "aws"
}

variable "tables" {
  description = <<-EOT
    Tables by short name. `attributes` maps each key attribute (of the table and of its indexes,
    and only those) to its type: S, N or B. `global_secondary_indexes` are keyed by index name.
    `ttl_attribute` names the attribute holding the expiry time in epoch seconds, if any.
    `stream_view_type` turns the table's DynamoDB stream on with that view (NEW_IMAGE, OLD_IMAGE,
    NEW_AND_OLD_IMAGES or KEYS_ONLY); null, the default, leaves it off.
  EOT
  type = map(object({
    hash_key   = string
    range_key  = optional(string)
    attributes = map(string)
    global_secondary_indexes = optional(map(object({
      hash_key           = string
      range_key          = optional(string)
      projection_type    = optional(string, "ALL")
      non_key_attributes = optional(list(string))
    })), {})
    ttl_attribute    = optional(string)
    stream_view_type = optional(string)
  }))

  validation {
    condition     = alltrue([for name in keys(var.tables) : can(regex("^[a-z][a-z0-9_]*$", name))])
    error_message = "Table short names must be lower-case letters, digits and underscores."
  }

  validation {
    condition     = alltrue(flatten([for t in values(var.tables) : [for type in values(t.attributes) : contains(["S", "N", "B"], type)]]))
    error_message = "Attribute types must be S, N or B."
  }

  # DynamoDB refuses attributes that key nothing and keys without an attribute; saying so here
  # gives the error at plan time, with the table's name, rather than at apply.
  validation {
    condition = alltrue([for t in values(var.tables) : toset(keys(t.attributes)) == toset(compact(concat(
      [t.hash_key, t.range_key],
      flatten([for gsi in values(t.global_secondary_indexes) : [gsi.hash_key, gsi.range_key]]),
    )))])
    error_message = "Each table's attributes must be exactly the key attributes of the table and its indexes."
  }

  validation {
    condition     = alltrue([for t in values(var.tables) : t.stream_view_type == null || contains(["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"], coalesce(t.stream_view_type, "-"))])
    error_message = "stream_view_type must be NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY (or null for no stream)."
  }

  validation {
    condition     = alltrue(flatten([for t in values(var.tables) : [for gsi in values(t.global_secondary_indexes) : contains(["ALL", "KEYS_ONLY", "INCLUDE"], gsi.projection_type)]]))
    error_message = "Index projection_type must be ALL, KEYS_ONLY or INCLUDE."
  }
}

variable "create_kms_key" {
  description = "Whether the module creates the customer-managed KMS key that encrypts the tables; false requires kms_key_arn."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "ARN of an existing customer-managed KMS key for the tables; used when create_kms_key is false."
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

variable "deletion_protection_enabled" {
  description = "Whether the tables refuse to be deleted."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every table and to the KMS key."
  type        = map(string)
  default     = {}
}
