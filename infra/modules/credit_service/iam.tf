# Two roles, as ECS separates them: the execution role is ECS's (pull the image, ship the logs),
# the task role is the credit service's own, with exactly the calls services/credit makes.
# Policies are jsonencode'd so a plan shows the exact documents and tests can assert on them.

locals {
  ecs_tasks_trust_policy = {
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = var.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${var.partition}:ecs:${var.region}:${var.account_id}:*" }
      }
    }]
  }

  table_resources = flatten([for arn in var.table_arns : [arn, "${arn}/index/*"]])

  task_statements = concat(
    [
      {
        # services/credit: pynamodb get/save/update, queries on the indexes (applications and
        # plans by customer), BatchGetItem of an application with its checkout and of the
        # recent_applications records, and TransactWrite/TransactGet of those same puts, updates
        # and gets. Scans belong to the sweep (`bnpl jobs run`), which is not this service.
        Sid      = "CreditTables"
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]
        Resource = local.table_resources
      },
      {
        # services/credit/adapters/scoring.py: sagemaker-runtime invoke_endpoint on the credit model.
        Sid      = "ScoreApplicants"
        Effect   = "Allow"
        Action   = "sagemaker:InvokeEndpoint"
        Resource = var.scoring_endpoint_arn
      },
      {
        # services/credit/adapters/event_publishers.py: put_events of credit events on the credit bus.
        Sid      = "PublishCreditEvents"
        Effect   = "Allow"
        Action   = "events:PutEvents"
        Resource = aws_cloudwatch_event_bus.credit.arn
      },
      {
        # services/credit/adapters/profiles.py and bank_data.py: the customer's profile and one consent's
        # bank data from the user service, whose API Gateway admits only SigV4-signed callers
        # (BNPL_USER_SERVICE_AUTH=iam). Any stage, GET, these two paths only.
        Sid    = "ReadUserProfiles"
        Effect = "Allow"
        Action = "execute-api:Invoke"
        Resource = [
          "${var.user_service_execution_arn}/*/GET/customers/me",
          "${var.user_service_execution_arn}/*/GET/customers/me/bank-consents/*/data",
        ]
      },
      {
        # services/credit/checkouts/updates.py: the one IAM-only mutation, SigV4-signed.
        Sid      = "PublishCheckoutUpdates"
        Effect   = "Allow"
        Action   = "appsync:GraphQL"
        Resource = local.publish_mutation_id
      },
    ],
    flatten([for secrets in var.webhook_secrets == null ? [] : [var.webhook_secrets] : [
      {
        # services/credit/webhooks/secret_store.py: one Secrets Manager secret per merchant
        # endpoint, named <prefix><endpoint id>, created with the endpoint and given a new value
        # on each rotation (the old secret kept until it expires). Only names under the prefix.
        Sid    = "ManageWebhookSigningSecrets"
        Effect = "Allow"
        Action = [
          "secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue",
          "secretsmanager:DescribeSecret", "secretsmanager:TagResource",
        ]
        Resource = secrets.arn_pattern
      },
      {
        # The secrets' key, only as Secrets Manager uses it on the task's behalf.
        Sid       = "WebhookSecretsKeyThroughSecretsManager"
        Effect    = "Allow"
        Action    = ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = secrets.kms_key_arn
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${var.region}.amazonaws.com" } }
      },
    ]]),
    var.screening_state_machine_arn == null ? [] : [{
      # Pre-screening on Step Functions (BNPL_WORKFLOW_ENGINE=step_functions): synchronous runs
      # of this one Express machine. Granted whichever engine is set, so switching needs no
      # deployment of the role.
      Sid      = "RunPrescreening"
      Effect   = "Allow"
      Action   = "states:StartSyncExecution"
      Resource = var.screening_state_machine_arn
    }],
    var.tables_kms_key_arn == null ? [] : [{
      # The tables' customer-managed key, usable only by DynamoDB on the task's behalf.
      Sid       = "TablesKeyThroughDynamoDB"
      Effect    = "Allow"
      Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource  = var.tables_kms_key_arn
      Condition = { StringEquals = { "kms:ViaService" = "dynamodb.${var.region}.amazonaws.com" } }
    }],
  )
}

resource "aws_iam_role" "execution" {
  name_prefix        = "${substr(var.name, 0, 27)}-execution-"
  description        = "Lets ECS pull the ${var.name} image and write its logs."
  assume_role_policy = jsonencode(local.ecs_tasks_trust_policy)
  tags               = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name = "pull-image-and-write-logs"
  role = aws_iam_role.execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # The registry login; the action has no resource-level permissions, so "*" is the only
        # resource it takes. What the token may pull is limited by the next statement.
        Sid      = "EcrLogin"
        Effect   = "Allow"
        Action   = "ecr:GetAuthorizationToken"
        Resource = "*"
      },
      {
        Sid      = "PullTheServiceImage"
        Effect   = "Allow"
        Action   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        Resource = var.ecr_repository_arn
      },
      {
        # The log group is ours (retention, key), so ECS does not create groups.
        Sid      = "WriteServiceLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.this.arn}:*"
      },
    ]
  })
}

# The two roles that publish checkout updates are named `<name>-...-checkout-publisher`: the
# publishCheckoutUpdate resolver (resolvers/Mutation.publishCheckoutUpdate.js) admits only
# sessions of roles whose names end so, behind the IAM grant below.
resource "aws_iam_role" "task" {
  name               = "${var.name}-task-checkout-publisher"
  description        = "The credit service's own permissions: its tables, the scoring endpoint, its event bus, publishCheckoutUpdate, the user service's profile routes, webhook signing secrets and the pre-screening state machine."
  assume_role_policy = jsonencode(local.ecs_tasks_trust_policy)
  tags               = var.tags
}

resource "aws_iam_role_policy" "task" {
  name   = "credit-service"
  role   = aws_iam_role.task.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.task_statements })
}
