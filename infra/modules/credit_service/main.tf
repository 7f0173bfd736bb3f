# The credit service on ECS Fargate in the private subnets, behind an internal Network Load
# Balancer that a VPC endpoint service publishes over PrivateLink. Its only client is the credit
# proxy Lambda (through its interface endpoint); nothing reaches the tasks but the load balancer.

locals {
  container_name     = "credit"
  scoring_endpoint   = element(split("/", var.scoring_endpoint_arn), 1)
  allowed_principals = coalesce(var.allowed_principals, ["arn:${var.partition}:iam::${var.account_id}:root"])
  log_group_name     = "/ecs/${var.name}"
  # Built, not read from the bus, because the bus's key policy names it (the bus needs the key).
  event_bus_arn       = "arn:${var.partition}:events:${var.region}:${var.account_id}:event-bus/${var.event_bus_name}"
  publish_mutation_id = "${var.graphql_api_arn}/types/Mutation/fields/publishCheckoutUpdate"
  tls                 = var.certificate_arn != null

  # What follows from this module's own inputs; services/shared/settings.py reads each. Empty
  # endpoint URLs mean "the AWS default for the region" (the local stack's defaults otherwise
  # point at 127.0.0.1).
  module_environment = {
    AWS_REGION                 = var.region
    BNPL_DYNAMODB_ENDPOINT     = ""
    BNPL_SCORING_ENDPOINT_URL  = ""
    BNPL_SCORING_ENDPOINT_NAME = local.scoring_endpoint
    BNPL_APPSYNC_URL           = var.graphql_url
    BNPL_EVENTS                = "eventbridge"
    BNPL_EVENT_BUS_NAME        = aws_cloudwatch_event_bus.credit.name
    # The X-Ray daemon beside the service in the task (xray.tf): each request's segment goes
    # there (services/shared/xray.py).
    AWS_XRAY_DAEMON_ADDRESS = "127.0.0.1:2000"
    # Which engine runs pre-screening: the service's own runner, or the Express state machine.
    BNPL_WORKFLOW_ENGINE = var.workflow_engine
  }
  # The machine's ARN whenever it is deployed, so switching engines is a setting alone.
  state_machine_environment = var.screening_state_machine_arn == null ? {} : {
    BNPL_STATE_MACHINE_ARN = var.screening_state_machine_arn
  }
  # The endpoint's challenger variant, scored in shadow beside the champion, whenever one is
  # deployed; unset, the service scores with the champion alone.
  challenger_environment = var.scoring_challenger_variant == null || var.scoring_challenger_variant == "" ? {} : {
    BNPL_SCORING_CHALLENGER_VARIANT = var.scoring_challenger_variant
  }
  environment = merge(var.environment, local.module_environment, local.state_machine_environment, local.challenger_environment)
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = var.tags
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # The root filesystem is read-only; this task-local scratch volume is the one writable path.
  volume {
    name = "tmp"
  }

  # The service, then its X-Ray daemon (xray.tf).
  container_definitions = jsonencode([{
    name      = local.container_name
    image     = var.image
    essential = true
    # The image's own non-root user (docker/credit-service.Dockerfile); repeated here so a
    # different image cannot quietly run as root.
    user                   = "10001:10001"
    readonlyRootFilesystem = true
    privileged             = false
    portMappings           = [{ containerPort = var.container_port, protocol = "tcp" }]
    environment            = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]
    mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    linuxParameters        = { initProcessEnabled = true }
    # python:3.11-slim has no curl; the interpreter is there anyway.
    healthCheck = {
      command     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${var.container_port}/health', timeout=2)"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 20
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = var.region
        awslogs-stream-prefix = local.container_name
      }
    }
  }, local.xray_daemon])

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.workflow_engine != "step_functions" || var.screening_state_machine_arn != null
      error_message = "workflow_engine = \"step_functions\" needs screening_state_machine_arn (the screening_workflow module's state_machine_arn)."
    }
  }
}

resource "aws_ecs_service" "this" {
  name             = var.name
  cluster          = aws_ecs_cluster.this.id
  task_definition  = aws_ecs_task_definition.this.arn
  desired_count    = var.desired_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"

  health_check_grace_period_seconds  = var.health_check_grace_period_seconds
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  propagate_tags                     = "SERVICE"
  enable_ecs_managed_tags            = true

  # A deployment whose tasks never become healthy rolls back to the last one that did.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.this.arn
    container_name   = local.container_name
    container_port   = var.container_port
  }

  tags = var.tags

  # The target group must belong to a load balancer before a service may register with it.
  depends_on = [aws_lb_listener.this]
}

# ---------------------------------------------------------------- security groups

resource "aws_security_group" "load_balancer" {
  name_prefix = "${var.name}-nlb-"
  description = "Internal NLB of ${var.name}: PrivateLink clients in, the tasks out."
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-nlb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "load_balancer_clients" {
  for_each = toset(var.client_cidr_blocks)

  security_group_id = aws_security_group.load_balancer.id
  description       = "PrivateLink clients (the credit proxy) to the listener"
  ip_protocol       = "tcp"
  from_port         = var.listener_port
  to_port           = var.listener_port
  cidr_ipv4         = each.value
}

# Forwarded requests and health checks both go to the container port; health checks obey the
# load balancer's outbound rules only.
resource "aws_vpc_security_group_egress_rule" "load_balancer_to_tasks" {
  security_group_id            = aws_security_group.load_balancer.id
  description                  = "Requests and health checks to the tasks"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.tasks.id
}

resource "aws_security_group" "tasks" {
  name_prefix = "${var.name}-tasks-"
  description = "Tasks of ${var.name}: the load balancer in, HTTPS out."
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-tasks" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_load_balancer" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "Requests and health checks from the internal NLB only"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.load_balancer.id
}

# Everything the service calls answers HTTPS on 443: DynamoDB, SageMaker Runtime, EventBridge,
# ECR and Logs (VPC endpoints), AppSync, the user service and Cognito's JWKS (NAT gateway).
resource "aws_vpc_security_group_egress_rule" "tasks_https" {
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to AWS APIs, AppSync, the user service and the JWKS"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# ---------------------------------------------------------------- load balancer and PrivateLink

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_20:An HTTP-to-HTTPS redirect is for HTTP listeners of ALBs; this NLB listener is TCP (or TLS with certificate_arn), reachable only through PrivateLink.
  name                             = var.name
  internal                         = true
  load_balancer_type               = "network"
  subnets                          = var.private_subnet_ids
  security_groups                  = [aws_security_group.load_balancer.id]
  enable_cross_zone_load_balancing = true
  enable_deletion_protection       = var.deletion_protection

  # Inbound rules apply to PrivateLink traffic too, so only client_cidr_blocks reach the listener.
  enforce_security_group_inbound_rules_on_private_link_traffic = "on"

  dynamic "access_logs" {
    for_each = var.access_logs_bucket == null ? [] : [var.access_logs_bucket]

    content {
      bucket  = access_logs.value
      prefix  = var.name
      enabled = true
    }
  }

  tags = var.tags
}

resource "aws_lb_target_group" "this" {
  name                 = "${var.name}-tg"
  port                 = var.container_port
  protocol             = "TCP"
  target_type          = "ip" # awsvpc tasks register by address
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    protocol            = "HTTP"
    path                = "/health"
    port                = "traffic-port"
    matcher             = "200"
    interval            = 10
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }

  tags = var.tags
}

resource "aws_lb_listener" "this" {
  load_balancer_arn = aws_lb.this.arn
  port              = var.listener_port
  protocol          = local.tls ? "TLS" : "TCP"
  certificate_arn   = var.certificate_arn
  ssl_policy        = local.tls ? "ELBSecurityPolicy-TLS13-1-2-2021-06" : null

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = (var.certificate_arn == null) == (var.private_dns_name == null)
      error_message = "Set certificate_arn and private_dns_name together: a TLS listener needs a name clients can verify."
    }
  }
}

resource "aws_vpc_endpoint_service" "this" {
  #checkov:skip=CKV_AWS_123:allowed_principals limits connections to this account by default, and the one endpoint is the credit proxy's, created by Terraform; acceptance_required turns manual acceptance on.
  acceptance_required        = var.acceptance_required
  network_load_balancer_arns = [aws_lb.this.arn]
  allowed_principals         = local.allowed_principals
  supported_ip_address_types = ["ipv4"]
  private_dns_name           = var.private_dns_name

  tags = merge(var.tags, { Name = var.name })
}

# ---------------------------------------------------------------- credit events

resource "aws_cloudwatch_event_bus" "credit" {
  name               = var.event_bus_name
  kms_key_identifier = aws_kms_key.events.arn
  tags               = var.tags
}

resource "aws_kms_key" "events" {
  description             = "Encrypts the ${var.event_bus_name} EventBridge bus."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  tags                    = var.tags

  policy = jsonencode({
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
        # EventBridge encrypts and decrypts events of this one bus only.
        Sid       = "EventBridgeUsesTheKeyForTheCreditBus"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
        Condition = {
          StringEquals = {
            "aws:SourceAccount" = var.account_id
            "aws:SourceArn"     = local.event_bus_arn
          }
        }
      },
      {
        # EventBridge checks the key is symmetric when the bus is created or changed.
        Sid       = "EventBridgeDescribesTheKey"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "kms:DescribeKey"
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = var.account_id }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "events" {
  name          = "alias/${var.name}-events"
  target_key_id = aws_kms_key.events.key_id
}
