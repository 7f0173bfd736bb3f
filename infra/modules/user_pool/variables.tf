variable "name" {
  description = "Name of the user pool; the app clients are named after it."
  type        = string
}

variable "region" {
  description = "AWS region of the user pool; used to build its issuer and OAuth2 endpoints."
  type        = string
}

variable "domain_prefix" {
  description = "Prefix of the pool's Cognito domain (<prefix>.auth.<region>.amazoncognito.com), which serves /oauth2/token. Unique per region; lower-case letters, digits and hyphens."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.domain_prefix)) && !can(regex("aws|amazon|cognito", var.domain_prefix))
    error_message = "domain_prefix must be 1-63 lower-case letters, digits or inner hyphens, and may not contain aws, amazon or cognito."
  }
}

variable "deletion_protection" {
  description = "Whether the pool refuses to be deleted (it holds every customer's sign-in)."
  type        = bool
  default     = true
}

variable "password_minimum_length" {
  description = "Fewest characters a password may have (8-99); upper, lower, digit and symbol are all required."
  type        = number
  default     = 12

  validation {
    condition     = var.password_minimum_length >= 8 && var.password_minimum_length <= 99
    error_message = "password_minimum_length must be from 8 to 99."
  }
}

variable "groups" {
  description = "User groups by name; the schema's @aws_cognito_user_pools(cognito_groups: ...) refers to these names."
  type = map(object({
    description = string
    precedence  = number
  }))
  default = {
    customers    = { description = "Shoppers who apply for credit at checkout.", precedence = 20 }
    underwriters = { description = "Staff who review referred applications.", precedence = 10 }
  }
}

variable "resource_server_identifier" {
  description = "Identifier of the OAuth2 resource server; scopes are named <identifier>/<scope>."
  type        = string
  default     = "bnpl"
}

variable "access_token_validity_minutes" {
  description = "How long access and ID tokens stay valid, in minutes (5-1440)."
  type        = number
  default     = 60

  validation {
    condition     = var.access_token_validity_minutes >= 5 && var.access_token_validity_minutes <= 1440
    error_message = "access_token_validity_minutes must be from 5 to 1440."
  }
}

variable "refresh_token_validity_days" {
  description = "How long the web client's refresh tokens stay valid, in days (1-3650)."
  type        = number
  default     = 30

  validation {
    condition     = var.refresh_token_validity_days >= 1 && var.refresh_token_validity_days <= 3650
    error_message = "refresh_token_validity_days must be from 1 to 3650."
  }
}

variable "tags" {
  description = "Tags added to the user pool."
  type        = map(string)
  default     = {}
}
