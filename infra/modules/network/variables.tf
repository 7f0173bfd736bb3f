variable "name" {
  description = "Name of the network; prefixes the names of the VPC, subnets, gateways, flow-log group and KMS alias."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,39}$", var.name))
    error_message = "name must be 1-40 letters, digits and hyphens, starting with a letter or digit."
  }
}

variable "region" {
  description = "AWS region of the VPC; names the VPC endpoints' services (com.amazonaws.<region>.<service>)."
  type        = string
}

variable "account_id" {
  description = "AWS account id of the VPC; scopes the logs key's policy and the flow-log role's trust (confused-deputy protection)."
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

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && tonumber(split("/", var.cidr_block)[1]) <= 24
    error_message = "cidr_block must be an IPv4 CIDR block of /24 or larger."
  }
}

variable "availability_zones" {
  description = "Availability zones to spread the subnets over (names, e.g. us-east-1a); one private and one public subnet in each. Given, not looked up, so planning calls no AWS API."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 4 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones must name 2 to 4 distinct zones (the load balancer and the endpoints need at least two)."
  }
}

variable "private_subnet_cidrs" {
  description = "CIDR block of each private subnet, in the order of availability_zones; null carves /3 slices 0.. of the VPC block."
  type        = list(string)
  default     = null

  validation {
    condition     = var.private_subnet_cidrs == null || alltrue([for c in coalesce(var.private_subnet_cidrs, []) : can(cidrhost(c, 0))])
    error_message = "private_subnet_cidrs must be IPv4 CIDR blocks."
  }
}

variable "public_subnet_cidrs" {
  description = "CIDR block of each public subnet (they hold only the NAT gateways), in the order of availability_zones; null carves small blocks from the top of the VPC block."
  type        = list(string)
  default     = null

  validation {
    condition     = var.public_subnet_cidrs == null || alltrue([for c in coalesce(var.public_subnet_cidrs, []) : can(cidrhost(c, 0))])
    error_message = "public_subnet_cidrs must be IPv4 CIDR blocks."
  }
}

variable "single_nat_gateway" {
  description = "Whether one NAT gateway serves every private subnet (cheaper; dev) rather than one per zone (a zone's outage does not cut the others' egress; production)."
  type        = bool
  default     = true
}

variable "gateway_endpoints" {
  description = "Services reached through free gateway endpoints on the private route tables: dynamodb for the tables, s3 for ECR's image layers."
  type        = list(string)
  default     = ["dynamodb", "s3"]

  validation {
    condition     = alltrue([for s in var.gateway_endpoints : contains(["dynamodb", "s3"], s)])
    error_message = "gateway_endpoints may only name dynamodb and s3 (the services AWS offers gateway endpoints for)."
  }
}

variable "interface_endpoints" {
  description = <<-EOT
    Services the private tasks call, reached through interface endpoints with private DNS rather
    than the NAT gateway: ECR (image pulls), CloudWatch Logs, STS, SageMaker Runtime (the credit
    model) and EventBridge (credit events). Short names, as in com.amazonaws.<region>.<name>.
  EOT
  type        = list(string)
  default     = ["ecr.api", "ecr.dkr", "logs", "sts", "sagemaker.runtime", "events"]

  validation {
    condition     = alltrue([for s in var.interface_endpoints : can(regex("^[a-z0-9][a-z0-9.-]*$", s))]) && length(distinct(var.interface_endpoints)) == length(var.interface_endpoints)
    error_message = "interface_endpoints must be distinct short service names such as ecr.api or sagemaker.runtime."
  }
}

variable "flow_log_traffic_type" {
  description = "Which traffic the VPC flow log records: ALL, ACCEPT or REJECT."
  type        = string
  default     = "ALL"

  validation {
    condition     = contains(["ALL", "ACCEPT", "REJECT"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be ALL, ACCEPT or REJECT."
  }
}

variable "log_retention_in_days" {
  description = "Days the flow logs are kept; one of the values CloudWatch Logs accepts, at least 365."
  type        = number
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a CloudWatch Logs retention of at least a year (365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Days the logs KMS key waits before it is destroyed once deleted (7-30)."
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
