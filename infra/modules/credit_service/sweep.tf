# The sweep (services/credit/jobs/sweep.py): once a day, a one-off Fargate task of the credit service's
# image runs `python -m services.credit.sweep_task` (authorisation expiry after 28 days, late
# instalments and their capped fees, charges of interrupted payments given back, refunds still
# owed). Its own task definition and role: it scans the tables, which the service may not.

locals {
  sweep_container = "sweep"
}

resource "aws_ecs_task_definition" "sweep" {
  family                   = "${var.name}-sweep"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.sweep.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([{
    name                   = local.sweep_container
    image                  = var.image
    essential              = true
    command                = ["python", "-m", "services.credit.sweep_task"]
    user                   = "10001:10001"
    readonlyRootFilesystem = true
    privileged             = false
    environment            = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]
    mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    linuxParameters        = { initProcessEnabled = true }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = var.region
        awslogs-stream-prefix = local.sweep_container
      }
    }
  }])

  tags = var.tags
}

resource "aws_iam_role" "sweep" {
  name               = "${var.name}-sweep-checkout-publisher"
  description        = "The sweep's permissions: the credit tables (scans included) and publishCheckoutUpdate."
  assume_role_policy = jsonencode(local.ecs_tasks_trust_policy)
  tags               = var.tags
}

resource "aws_iam_role_policy" "sweep" {
  name = "credit-sweep"
  role = aws_iam_role.sweep.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          # services/credit/jobs/sweep.py: scans for expired leases, owed refunds, CONFIRMED and
          # lapsed checkouts and ACTIVE plans, then the same conditional writes as the service.
          Sid      = "SweepCreditTables"
          Effect   = "Allow"
          Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:Scan"]
          Resource = local.table_resources
        },
        {
          # Every checkout it moves is announced (services/credit/checkouts/updates.py).
          Sid      = "AnnounceCheckoutUpdates"
          Effect   = "Allow"
          Action   = "appsync:GraphQL"
          Resource = "${var.graphql_api_arn}/types/Mutation/fields/publishCheckoutUpdate"
        },
      ],
      var.tables_kms_key_arn == null ? [] : [{
        Sid       = "TablesKeyThroughDynamoDB"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = var.tables_kms_key_arn
        Condition = { StringEquals = { "kms:ViaService" = "dynamodb.${var.region}.amazonaws.com" } }
      }],
    )
  })
}

resource "aws_iam_role" "scheduler" {
  name_prefix = "${substr(var.name, 0, 28)}-schedule-"
  description = "Lets EventBridge Scheduler start the ${var.name} sweep task, and nothing else."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "scheduler" {
  name = "run-sweep"
  role = aws_iam_role.scheduler.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "RunTheSweepTask"
        Effect    = "Allow"
        Action    = "ecs:RunTask"
        Resource  = "arn:${var.partition}:ecs:${var.region}:${var.account_id}:task-definition/${aws_ecs_task_definition.sweep.family}:*"
        Condition = { ArnEquals = { "ecs:cluster" = aws_ecs_cluster.this.arn } }
      },
      {
        Sid      = "PassTheSweepRoles"
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = [aws_iam_role.execution.arn, aws_iam_role.sweep.arn]
      },
    ]
  })
}

resource "aws_scheduler_schedule" "sweep" {
  #checkov:skip=CKV_AWS_297:The schedule holds no input and no customer data (a cluster, a task definition and subnets), so AWS's own key is enough.
  name                         = "${var.name}-sweep"
  description                  = "The credit sweep, once a day."
  schedule_expression          = var.sweep_schedule
  schedule_expression_timezone = "UTC"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_ecs_cluster.this.arn
    role_arn = aws_iam_role.scheduler.arn

    ecs_parameters {
      task_definition_arn = aws_ecs_task_definition.sweep.arn_without_revision
      launch_type         = "FARGATE"
      task_count          = 1

      network_configuration {
        subnets          = var.private_subnet_ids
        security_groups  = [aws_security_group.tasks.id]
        assign_public_ip = false
      }
    }

    retry_policy {
      maximum_retry_attempts = 2
    }
  }
}
