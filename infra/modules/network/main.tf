# The private network of the credit path: the credit service's Fargate tasks, its internal NLB and
# the credit proxy Lambda live in the private subnets. Nothing private has a public address; the
# NAT gateway(s) carry the calls that must leave AWS's network or reach public AWS endpoints
# (AppSync's GraphQL endpoint, the Cognito token endpoint, the user service's API Gateway), and
# VPC endpoints carry the rest, so the traffic that can stay private does.

locals {
  zones = { for i, az in var.availability_zones : az => i }

  # Private subnets take the first half of the VPC block in eighths; public subnets (NAT only)
  # small blocks from the top, so the defaults never overlap whatever the VPC's size.
  private_cidrs = coalesce(var.private_subnet_cidrs, [for i, _ in var.availability_zones : cidrsubnet(var.cidr_block, 3, i)])
  public_cidrs  = coalesce(var.public_subnet_cidrs, [for i, _ in var.availability_zones : cidrsubnet(var.cidr_block, 5, 28 + i)])

  # One NAT gateway in the first zone, or one per zone.
  nat_zones = var.single_nat_gateway ? [var.availability_zones[0]] : var.availability_zones

  log_group_name = "/aws/vpc/${var.name}/flow-logs"
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true # interface endpoints' private DNS names need both

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    precondition {
      condition     = var.private_subnet_cidrs == null || length(coalesce(var.private_subnet_cidrs, [])) == length(var.availability_zones)
      error_message = "private_subnet_cidrs needs one block per availability zone."
    }
    precondition {
      condition     = var.public_subnet_cidrs == null || length(coalesce(var.public_subnet_cidrs, [])) == length(var.availability_zones)
      error_message = "public_subnet_cidrs needs one block per availability zone."
    }
  }
}

# The default security group would let anything in it talk to anything else in it; strip it so a
# resource that forgets its own group is isolated rather than open (CKV2_AWS_12).
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  # Empty, not omitted: the provider then removes any rule someone adds by hand.
  ingress = []
  egress  = []

  tags = merge(var.tags, { Name = "${var.name}-default-unused" })
}

resource "aws_subnet" "private" {
  for_each = local.zones

  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = local.private_cidrs[each.value]

  tags = merge(var.tags, { Name = "${var.name}-private-${each.key}", Tier = "private" })
}

resource "aws_subnet" "public" {
  for_each = local.zones

  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = local.public_cidrs[each.value]
  # Only the NAT gateways live here, with their own Elastic IPs: nothing gets a public address
  # by accident (CKV_AWS_130).
  map_public_ip_on_launch = false

  tags = merge(var.tags, { Name = "${var.name}-public-${each.key}", Tier = "public" })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = var.name })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = "${var.name}-public" })
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  for_each = aws_subnet.public

  subnet_id      = each.value.id
  route_table_id = aws_route_table.public.id
}

resource "aws_eip" "nat" {
  for_each = toset(local.nat_zones)
  #checkov:skip=CKV2_AWS_19:Each address is a NAT gateway's (aws_nat_gateway.this allocation_id). The check accepts NAT attachments but does not follow the for_each reference aws_eip.nat[each.key].

  domain = "vpc"
  tags   = merge(var.tags, { Name = "${var.name}-nat-${each.key}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  for_each = toset(local.nat_zones)

  allocation_id = aws_eip.nat[each.key].id
  subnet_id     = aws_subnet.public[each.key].id
  tags          = merge(var.tags, { Name = "${var.name}-${each.key}" })

  depends_on = [aws_internet_gateway.this]
}

# One route table per private subnet: with one NAT gateway per zone each zone leaves through its
# own, and switching single_nat_gateway changes routes, not tables.
resource "aws_route_table" "private" {
  for_each = local.zones

  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = "${var.name}-private-${each.key}" })
}

resource "aws_route" "private_nat" {
  for_each = local.zones

  route_table_id         = aws_route_table.private[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.single_nat_gateway ? var.availability_zones[0] : each.key].id
}

resource "aws_route_table_association" "private" {
  for_each = local.zones

  subnet_id      = aws_subnet.private[each.key].id
  route_table_id = aws_route_table.private[each.key].id
}

# ---------------------------------------------------------------- VPC endpoints

# Gateway endpoints are free and keep DynamoDB traffic (every credit and user request) and ECR's
# image layers (served from S3) off the NAT gateway.
resource "aws_vpc_endpoint" "gateway" {
  for_each = toset(var.gateway_endpoints)

  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [for rt in aws_route_table.private : rt.id]

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_security_group" "endpoints" {
  name_prefix = "${var.name}-endpoints-"
  description = "Interface VPC endpoints of ${var.name}: HTTPS from inside the VPC only."
  vpc_id      = aws_vpc.this.id
  tags        = merge(var.tags, { Name = "${var.name}-endpoints" })

  lifecycle {
    create_before_destroy = true
  }
}

# AWS APIs answer on 443 only; the endpoints start no connections, so the group has no egress rule.
resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  security_group_id = aws_security_group.endpoints.id
  description       = "HTTPS to the AWS APIs from anything in the VPC"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = aws_vpc.this.cidr_block
}

resource "aws_vpc_endpoint" "interface" {
  for_each = toset(var.interface_endpoints)

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [for s in aws_subnet.private : s.id]
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true # the SDKs' default endpoint names resolve to the endpoint

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

# ---------------------------------------------------------------- flow logs

# One customer-managed key for the platform's log groups (flow logs here; the credit service's and
# the credit proxy's groups take it as an input), so who may read logs is decided in one policy.
resource "aws_kms_key" "logs" {
  description             = "Encrypts the CloudWatch log groups of ${var.name}."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = jsonencode(local.logs_key_policy)
  tags                    = var.tags
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${var.name}-logs"
  target_key_id = aws_kms_key.logs.key_id
}

locals {
  logs_key_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        # The account keeps control of its key; IAM policies then decide who else may use it.
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        # CloudWatch Logs encrypts and decrypts only for log groups of this account and region.
        Sid       = "CloudWatchLogsUsesTheKeyForThisAccountsGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.region}.amazonaws.com" }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${var.partition}:logs:${var.region}:${var.account_id}:log-group:*"
          }
        }
      },
    ]
  }
}

resource "aws_cloudwatch_log_group" "flow_logs" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = aws_kms_key.logs.arn
  tags              = var.tags
}

resource "aws_iam_role" "flow_logs" {
  name_prefix = "${substr(var.name, 0, 28)}-flow-logs-"
  description = "Lets VPC Flow Logs of ${var.name} write to its log group."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = var.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${var.partition}:ec2:${var.region}:${var.account_id}:vpc-flow-log/*" }
      }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "flow_logs" {
  name = "write-flow-logs"
  role = aws_iam_role.flow_logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      # The log group is ours (with its retention and key), so the role does not create groups.
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
      Resource = ["${aws_cloudwatch_log_group.flow_logs.arn}:*"]
    }]
  })
}

resource "aws_flow_log" "this" {
  vpc_id                   = aws_vpc.this.id
  traffic_type             = var.flow_log_traffic_type
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_logs.arn
  iam_role_arn             = aws_iam_role.flow_logs.arn
  max_aggregation_interval = 60

  tags = merge(var.tags, { Name = var.name })
}
