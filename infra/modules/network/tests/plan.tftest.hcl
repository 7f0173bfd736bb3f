# Plans the module against a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"
}

# Distinct ids for the instances the runs compare (generated ids are unknown during plan).
override_resource {
  target          = aws_subnet.private["us-east-1a"]
  override_during = plan
  values          = { id = "subnet-privatea" }
}

override_resource {
  target          = aws_subnet.public["us-east-1a"]
  override_during = plan
  values          = { id = "subnet-publica" }
}

override_resource {
  target          = aws_nat_gateway.this["us-east-1a"]
  override_during = plan
  values          = { id = "nat-a" }
}

override_resource {
  target          = aws_route_table.private["us-east-1a"]
  override_during = plan
  values          = { id = "rtb-privatea" }
}

override_resource {
  target          = aws_subnet.private["us-east-1b"]
  override_during = plan
  values          = { id = "subnet-privateb" }
}

override_resource {
  target          = aws_subnet.public["us-east-1b"]
  override_during = plan
  values          = { id = "subnet-publicb" }
}

override_resource {
  target          = aws_nat_gateway.this["us-east-1b"]
  override_during = plan
  values          = { id = "nat-b" }
}

override_resource {
  target          = aws_route_table.private["us-east-1b"]
  override_during = plan
  values          = { id = "rtb-privateb" }
}

override_resource {
  target          = aws_subnet.private["us-east-1c"]
  override_during = plan
  values          = { id = "subnet-privatec" }
}

override_resource {
  target          = aws_subnet.public["us-east-1c"]
  override_during = plan
  values          = { id = "subnet-publicc" }
}

override_resource {
  target          = aws_nat_gateway.this["us-east-1c"]
  override_during = plan
  values          = { id = "nat-c" }
}

override_resource {
  target          = aws_route_table.private["us-east-1c"]
  override_during = plan
  values          = { id = "rtb-privatec" }
}

variables {
  name               = "test-net"
  region             = "us-east-1"
  account_id         = "123456789012"
  cidr_block         = "10.40.0.0/16"
  availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
}

run "subnets_and_egress" {
  command = plan

  assert {
    condition     = [for az in var.availability_zones : aws_subnet.private[az].cidr_block] == ["10.40.0.0/19", "10.40.32.0/19", "10.40.64.0/19"]
    error_message = "Private subnets take eighths of the VPC block, one per zone."
  }

  assert {
    condition     = [for az in var.availability_zones : aws_subnet.public[az].cidr_block] == ["10.40.224.0/21", "10.40.232.0/21", "10.40.240.0/21"]
    error_message = "Public subnets take small blocks from the top of the VPC block."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.public : s.map_public_ip_on_launch == false]) && alltrue([for s in aws_subnet.private : s.map_public_ip_on_launch != true])
    error_message = "No subnet hands out public IPs."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && aws_nat_gateway.this["us-east-1a"].subnet_id == aws_subnet.public["us-east-1a"].id
    error_message = "By default one NAT gateway, in the first zone's public subnet."
  }

  assert {
    condition     = alltrue([for r in aws_route.private_nat : r.nat_gateway_id == aws_nat_gateway.this["us-east-1a"].id && r.destination_cidr_block == "0.0.0.0/0"])
    error_message = "Every private route table sends outbound traffic to the NAT gateway."
  }

  assert {
    condition     = aws_route.public_internet.gateway_id == aws_internet_gateway.this.id
    error_message = "Only the public route table routes to the internet gateway."
  }

  assert {
    condition     = output.private_subnet_ids == [for az in var.availability_zones : aws_subnet.private[az].id] && length(output.nat_public_ips) == 1
    error_message = "Outputs list the private subnets in zone order and the NAT's address."
  }
}

run "default_security_group_is_stripped" {
  command = plan

  assert {
    condition     = length(aws_default_security_group.this.ingress) == 0 && length(aws_default_security_group.this.egress) == 0
    error_message = "The VPC's default security group must allow nothing."
  }
}

run "endpoints" {
  command = plan

  assert {
    condition     = toset(keys(aws_vpc_endpoint.interface)) == toset(["ecr.api", "ecr.dkr", "logs", "sts", "sagemaker.runtime", "events"])
    error_message = "Interface endpoints exist for what the private tasks call."
  }

  assert {
    condition     = aws_vpc_endpoint.interface["sagemaker.runtime"].service_name == "com.amazonaws.us-east-1.sagemaker.runtime" && aws_vpc_endpoint.interface["sagemaker.runtime"].private_dns_enabled
    error_message = "Interface endpoints name the regional service and answer on its default DNS name."
  }

  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.interface : e.vpc_endpoint_type == "Interface" && e.security_group_ids == toset([aws_security_group.endpoints.id]) && length(e.subnet_ids) == 3])
    error_message = "Interface endpoints sit in every private subnet behind their own security group."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.endpoints_https.cidr_ipv4 == "10.40.0.0/16" && aws_vpc_security_group_ingress_rule.endpoints_https.from_port == 443 && aws_vpc_security_group_ingress_rule.endpoints_https.to_port == 443
    error_message = "The endpoints admit HTTPS from the VPC only."
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.gateway)) == toset(["dynamodb", "s3"]) && aws_vpc_endpoint.gateway["dynamodb"].vpc_endpoint_type == "Gateway"
    error_message = "DynamoDB and S3 are reached through gateway endpoints."
  }

  assert {
    condition     = aws_vpc_endpoint.gateway["dynamodb"].route_table_ids == toset([for rt in aws_route_table.private : rt.id])
    error_message = "The gateway endpoints serve every private route table."
  }
}

run "flow_logs" {
  command = plan

  assert {
    condition     = aws_flow_log.this.traffic_type == "ALL" && aws_flow_log.this.log_destination == aws_cloudwatch_log_group.flow_logs.arn && aws_flow_log.this.iam_role_arn == aws_iam_role.flow_logs.arn
    error_message = "All traffic is logged to the module's log group through its role."
  }

  assert {
    condition     = aws_cloudwatch_log_group.flow_logs.kms_key_id == aws_kms_key.logs.arn && aws_cloudwatch_log_group.flow_logs.retention_in_days == 365
    error_message = "The flow-log group is encrypted with the logs key and kept a year."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.flow_logs.policy).Statement[0].Resource == ["${aws_cloudwatch_log_group.flow_logs.arn}:*"] && !contains(jsondecode(aws_iam_role_policy.flow_logs.policy).Statement[0].Action, "logs:CreateLogGroup")
    error_message = "The flow-log role writes only to its own group and creates no groups."
  }

  assert {
    condition     = jsondecode(aws_iam_role.flow_logs.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "Only this account's flow logs may assume the role."
  }

  assert {
    condition     = aws_kms_key.logs.enable_key_rotation && jsondecode(aws_kms_key.logs.policy).Statement[1].Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"] == "arn:aws:logs:us-east-1:123456789012:log-group:*"
    error_message = "The logs key rotates and CloudWatch Logs may use it only for this account's groups in this region."
  }

  assert {
    condition     = output.logs_kms_key_arn == aws_kms_key.logs.arn
    error_message = "The logs key is an output, for the other modules' log groups."
  }
}

run "nat_gateway_per_zone" {
  command = plan

  variables {
    single_nat_gateway = false
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 3 && alltrue([for az in var.availability_zones : aws_route.private_nat[az].nat_gateway_id == aws_nat_gateway.this[az].id])
    error_message = "With single_nat_gateway = false each zone leaves through its own NAT gateway."
  }
}

run "one_zone_is_refused" {
  command = plan

  variables {
    availability_zones = ["us-east-1a"]
  }

  expect_failures = [var.availability_zones]
}

run "unknown_gateway_endpoint_is_refused" {
  command = plan

  variables {
    gateway_endpoints = ["sqs"]
  }

  expect_failures = [var.gateway_endpoints]
}

run "short_retention_is_refused" {
  command = plan

  variables {
    log_retention_in_days = 30
  }

  expect_failures = [var.log_retention_in_days]
}
