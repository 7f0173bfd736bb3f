# Plans the module against a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"
}

override_resource {
  target          = aws_security_group.load_balancer
  override_during = plan
  values          = { id = "sg-nlb" }
}

override_resource {
  target          = aws_security_group.tasks
  override_during = plan
  values          = { id = "sg-tasks" }
}

variables {
  name                       = "test-credit"
  region                     = "us-east-1"
  account_id                 = "123456789012"
  vpc_id                     = "vpc-0123456789abcdef0"
  private_subnet_ids         = ["subnet-a", "subnet-b"]
  client_cidr_blocks         = ["10.40.0.0/16"]
  image                      = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl:credit-1"
  ecr_repository_arn         = "arn:aws:ecr:us-east-1:123456789012:repository/bnpl"
  table_arns                 = ["arn:aws:dynamodb:us-east-1:123456789012:table/test-checkouts", "arn:aws:dynamodb:us-east-1:123456789012:table/test-plans"]
  tables_kms_key_arn         = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
  scoring_endpoint_arn       = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/bnpl-credit-model"
  graphql_api_arn            = "arn:aws:appsync:us-east-1:123456789012:apis/mockapi0123456789abcdefghi"
  graphql_url                = "https://mock.appsync-api.us-east-1.amazonaws.com/graphql"
  user_service_execution_arn = "arn:aws:execute-api:us-east-1:123456789012:abc123"
  log_kms_key_arn            = "arn:aws:kms:us-east-1:123456789012:key/44444444-2222-3333-4444-555555555555"
  environment = {
    BNPL_TABLE_PREFIX     = "test-"
    BNPL_USER_SERVICE_URL = "https://abc123.execute-api.us-east-1.amazonaws.com"
  }
}

run "task_definition" {
  command = plan

  assert {
    condition     = aws_ecs_task_definition.this.network_mode == "awsvpc" && aws_ecs_task_definition.this.requires_compatibilities == toset(["FARGATE"])
    error_message = "The task runs on Fargate in awsvpc mode."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].readonlyRootFilesystem && jsondecode(aws_ecs_task_definition.this.container_definitions)[0].user == "10001:10001"
    error_message = "The container runs as a non-root user on a read-only root filesystem."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].portMappings == [{ containerPort = 8080, protocol = "tcp" }]
    error_message = "The container exposes the service port only."
  }

  assert {
    condition     = strcontains(jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.command[3], "http://127.0.0.1:8080/health")
    error_message = "The container's health check calls /health on the service port."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].logConfiguration.options["awslogs-group"] == "/ecs/test-credit"
    error_message = "The container logs to the module's log group."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.kms_key_id == var.log_kms_key_arn && aws_cloudwatch_log_group.this.retention_in_days == 365
    error_message = "The log group is KMS-encrypted and kept a year."
  }

  assert {
    condition     = aws_iam_role.task.arn == aws_ecs_task_definition.this.task_role_arn && aws_iam_role.execution.arn == aws_ecs_task_definition.this.execution_role_arn
    error_message = "The task and execution roles are the module's."
  }
}

run "environment" {
  command = plan

  assert {
    condition = {
      for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.name => e.value
      } == {
      AWS_REGION                 = "us-east-1"
      AWS_XRAY_DAEMON_ADDRESS    = "127.0.0.1:2000"
      BNPL_APPSYNC_URL           = "https://mock.appsync-api.us-east-1.amazonaws.com/graphql"
      BNPL_DYNAMODB_ENDPOINT     = ""
      BNPL_EVENTS                = "eventbridge"
      BNPL_EVENT_BUS_NAME        = "bnpl-credit-events"
      BNPL_SCORING_ENDPOINT_NAME = "bnpl-credit-model"
      BNPL_SCORING_ENDPOINT_URL  = ""
      BNPL_TABLE_PREFIX          = "test-"
      BNPL_USER_SERVICE_URL      = "https://abc123.execute-api.us-east-1.amazonaws.com"
      BNPL_WORKFLOW_ENGINE       = "in_process"
    }
    error_message = "The container gets the given settings plus EventBridge, the scoring endpoint's name, the API URL, AWS's default endpoints, the X-Ray daemon beside it and the in-process screening engine."
  }
}

run "no_shadow_scoring_by_default" {
  command = plan

  assert {
    condition     = length([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e if e.name == "BNPL_SCORING_CHALLENGER_VARIANT"]) == 0
    error_message = "Without a challenger variant the service scores with the champion alone: BNPL_SCORING_CHALLENGER_VARIANT is unset."
  }
}

run "an_empty_challenger_variant_sets_nothing" {
  command = plan

  variables {
    scoring_challenger_variant = ""
  }

  assert {
    condition     = !contains(keys(output.environment), "BNPL_SCORING_CHALLENGER_VARIANT")
    error_message = "An empty challenger variant means no shadow scoring: the variable stays unset."
  }
}

run "a_challenger_scored_in_shadow" {
  command = plan

  variables {
    scoring_challenger_variant = "Challenger"
  }

  assert {
    condition     = [for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.value if e.name == "BNPL_SCORING_CHALLENGER_VARIANT"] == ["Challenger"]
    error_message = "The service scores the endpoint's challenger variant in shadow (BNPL_SCORING_CHALLENGER_VARIANT)."
  }

  assert {
    condition     = [for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.value if e.name == "BNPL_SCORING_ENDPOINT_NAME"] == ["bnpl-credit-model"]
    error_message = "The challenger is a variant of the same endpoint."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s.Resource if contains(flatten([s.Action]), "sagemaker:InvokeEndpoint")] == ["arn:aws:sagemaker:us-east-1:123456789012:endpoint/bnpl-credit-model"]
    error_message = "Targeting a variant needs no other permission: the task still invokes that one endpoint only."
  }
}

run "a_malformed_challenger_variant_is_refused" {
  command = plan

  variables {
    scoring_challenger_variant = "Challenger variant"
  }

  expect_failures = [var.scoring_challenger_variant]
}

run "prescreening_on_step_functions" {
  command = plan

  variables {
    workflow_engine             = "step_functions"
    screening_state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:test-screening"
  }

  assert {
    condition = {
      for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.name => e.value if startswith(e.name, "BNPL_WORKFLOW") || e.name == "BNPL_STATE_MACHINE_ARN"
      } == {
      BNPL_WORKFLOW_ENGINE   = "step_functions"
      BNPL_STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:test-screening"
    }
    error_message = "The service runs pre-screening on the given state machine."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s if contains(flatten([s.Action]), "states:StartSyncExecution")] == [{
      Sid      = "RunPrescreening"
      Effect   = "Allow"
      Action   = "states:StartSyncExecution"
      Resource = "arn:aws:states:us-east-1:123456789012:stateMachine:test-screening"
    }]
    error_message = "The task may start synchronous runs of that one machine, and nothing else of Step Functions."
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s if anytrue([for a in flatten([s.Action]) : startswith(a, "states:")])]) == 1
    error_message = "No other statement grants a Step Functions action."
  }
}

run "the_machine_is_reachable_while_the_engine_is_in_process" {
  command = plan

  variables {
    screening_state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:test-screening"
  }

  assert {
    condition     = contains([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : "${e.name}=${e.value}"], "BNPL_WORKFLOW_ENGINE=in_process") && contains([for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s.Sid], "RunPrescreening")
    error_message = "With the machine deployed but the in-process engine chosen, switching engines needs only the setting."
  }
}

run "an_unknown_engine_is_refused" {
  command = plan

  variables {
    workflow_engine = "lambda"
  }

  expect_failures = [var.workflow_engine]
}

run "step_functions_without_a_machine_is_refused" {
  command = plan

  variables {
    workflow_engine = "step_functions"
  }

  expect_failures = [aws_ecs_task_definition.this]
}

run "service" {
  command = plan

  assert {
    condition     = aws_ecs_service.this.launch_type == "FARGATE" && !aws_ecs_service.this.network_configuration[0].assign_public_ip
    error_message = "Tasks run on Fargate without public IPs."
  }

  assert {
    condition     = aws_ecs_service.this.network_configuration[0].subnets == toset(["subnet-a", "subnet-b"]) && aws_ecs_service.this.network_configuration[0].security_groups == toset(["sg-tasks"])
    error_message = "Tasks run in the private subnets behind their own security group."
  }

  assert {
    condition     = aws_ecs_service.this.deployment_circuit_breaker[0].enable && aws_ecs_service.this.deployment_circuit_breaker[0].rollback
    error_message = "A failing deployment is stopped and rolled back."
  }

  assert {
    condition     = [for s in aws_ecs_cluster.this.setting : s.value if s.name == "containerInsights"] == ["enabled"]
    error_message = "The cluster has Container Insights."
  }

  assert {
    condition     = one(aws_ecs_service.this.load_balancer).container_port == 8080 && one(aws_ecs_service.this.load_balancer).target_group_arn == aws_lb_target_group.this.arn
    error_message = "The service registers its container port with the target group."
  }
}

run "load_balancer_and_privatelink" {
  command = plan

  assert {
    condition     = aws_lb.this.internal && aws_lb.this.load_balancer_type == "network" && aws_lb.this.enforce_security_group_inbound_rules_on_private_link_traffic == "on"
    error_message = "The load balancer is an internal NLB whose inbound rules apply to PrivateLink traffic."
  }

  assert {
    condition     = aws_lb.this.security_groups == toset(["sg-nlb"]) && aws_lb.this.enable_deletion_protection
    error_message = "The NLB has its security group and deletion protection."
  }

  assert {
    condition     = aws_lb_target_group.this.target_type == "ip" && aws_lb_target_group.this.protocol == "TCP" && aws_lb_target_group.this.port == 8080
    error_message = "The target group forwards TCP to the tasks' addresses on the container port."
  }

  assert {
    condition     = aws_lb_target_group.this.health_check[0].protocol == "HTTP" && aws_lb_target_group.this.health_check[0].path == "/health"
    error_message = "Targets are health-checked on /health."
  }

  assert {
    condition     = aws_lb_listener.this.protocol == "TCP" && aws_lb_listener.this.port == 80 && aws_lb_listener.this.default_action[0].target_group_arn == aws_lb_target_group.this.arn && length(aws_lb.this.access_logs) == 0
    error_message = "By default the listener is plain TCP and forwards to the target group."
  }

  assert {
    condition     = aws_vpc_endpoint_service.this.network_load_balancer_arns == toset([aws_lb.this.arn]) && aws_vpc_endpoint_service.this.allowed_principals == toset(["arn:aws:iam::123456789012:root"])
    error_message = "The endpoint service publishes the NLB to this account only by default."
  }

  assert {
    condition     = [for r in aws_vpc_security_group_ingress_rule.load_balancer_clients : [r.cidr_ipv4, r.from_port]] == [["10.40.0.0/16", 80]]
    error_message = "Only the client blocks reach the listener."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.tasks_from_load_balancer.referenced_security_group_id == "sg-nlb" && aws_vpc_security_group_ingress_rule.tasks_from_load_balancer.from_port == 8080
    error_message = "Tasks accept the container port from the load balancer only."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.load_balancer_to_tasks.referenced_security_group_id == "sg-tasks" && aws_vpc_security_group_egress_rule.tasks_https.to_port == 443
    error_message = "The NLB talks only to the tasks; the tasks only call out on HTTPS."
  }

  assert {
    condition     = output.endpoint_service_name == "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0" && output.listener_port == 80
    error_message = "The endpoint service's name and port are outputs, for the credit proxy."
  }
}

run "task_role_is_least_privilege" {
  command = plan

  assert {
    # resolvers/Mutation.publishCheckoutUpdate.js admits only sessions of roles named so.
    condition     = aws_iam_role.task.name == "test-credit-task-checkout-publisher" && aws_iam_role.sweep.name == "test-credit-sweep-checkout-publisher"
    error_message = "The roles that publish checkout updates must be named <name>-...-checkout-publisher."
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s.Sid => s.Action
      } == {
      CreditTables             = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]
      ScoreApplicants          = "sagemaker:InvokeEndpoint"
      PublishCreditEvents      = "events:PutEvents"
      PublishCheckoutUpdates   = "appsync:GraphQL"
      ReadUserProfiles         = "execute-api:Invoke"
      TablesKeyThroughDynamoDB = ["kms:Decrypt", "kms:GenerateDataKey"]
    }
    error_message = "The task role may do exactly what the credit service does."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s.Resource if s.Sid == "CreditTables"][0] == [
      "arn:aws:dynamodb:us-east-1:123456789012:table/test-checkouts",
      "arn:aws:dynamodb:us-east-1:123456789012:table/test-checkouts/index/*",
      "arn:aws:dynamodb:us-east-1:123456789012:table/test-plans",
      "arn:aws:dynamodb:us-east-1:123456789012:table/test-plans/index/*",
    ]
    error_message = "Table access is limited to the given tables and their indexes."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s.Resource if s.Sid == "PublishCheckoutUpdates"] == ["arn:aws:appsync:us-east-1:123456789012:apis/mockapi0123456789abcdefghi/types/Mutation/fields/publishCheckoutUpdate"]
    error_message = "The task may call publishCheckoutUpdate and no other field."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s.Resource if s.Sid == "ReadUserProfiles"][0] == [
      "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/customers/me",
      "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/customers/me/bank-consents/*/data",
    ]
    error_message = "The task may GET the customer's profile and a consent's bank data from the user service, and no other route."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s.Resource if s.Sid == "ScoreApplicants"] == [var.scoring_endpoint_arn]
    error_message = "The task may invoke the scoring endpoint only."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s.Resource if s.Sid == "PublishCreditEvents"] == [aws_cloudwatch_event_bus.credit.arn]
    error_message = "The task may put events on the credit bus only."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s.Condition.StringEquals["kms:ViaService"] if s.Sid == "TablesKeyThroughDynamoDB"] == ["dynamodb.us-east-1.amazonaws.com"]
    error_message = "The tables' key is usable only through DynamoDB."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.task.policy).Statement : !contains(flatten([s.Resource]), "*")])
    error_message = "No task permission is on every resource."
  }
}

run "webhook_signing_secrets" {
  command = plan

  variables {
    webhook_secrets = {
      arn_pattern = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bnpl-test/webhooks/*"
      kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
    }
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s.Sid => [s.Action, s.Resource]
      if startswith(s.Sid, "ManageWebhook") || startswith(s.Sid, "WebhookSecrets")
      } == {
      ManageWebhookSigningSecrets = [
        ["secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:TagResource"],
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:bnpl-test/webhooks/*",
      ]
      WebhookSecretsKeyThroughSecretsManager = [
        ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
        "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555",
      ]
    }
    error_message = "The task keeps endpoints' signing secrets under the prefix only, with their key."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s.Condition.StringEquals["kms:ViaService"] if s.Sid == "WebhookSecretsKeyThroughSecretsManager"] == ["secretsmanager.us-east-1.amazonaws.com"]
    error_message = "The secrets' key is usable only through Secrets Manager."
  }

  assert {
    condition     = !strcontains(aws_iam_role_policy.sweep.policy, "secretsmanager")
    error_message = "The sweep does not touch signing secrets."
  }
}

run "a_secret_pattern_outside_a_folder_is_refused" {
  command = plan

  variables {
    webhook_secrets = {
      arn_pattern = "arn:aws:secretsmanager:us-east-1:123456789012:secret:*"
      kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
    }
  }

  expect_failures = [var.webhook_secrets]
}

run "execution_role" {
  command = plan

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s.Resource if s.Sid == "PullTheServiceImage"] == ["arn:aws:ecr:us-east-1:123456789012:repository/bnpl"]
    error_message = "The execution role pulls from the one repository."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s.Resource if s.Resource == "*"] == ["*"] && [for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s.Action if s.Resource == "*"] == ["ecr:GetAuthorizationToken"]
    error_message = "Only ecr:GetAuthorizationToken (which has no resource-level permissions) is on \"*\"."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s.Resource if s.Sid == "WriteServiceLogs"] == ["arn:aws:logs:us-east-1:123456789012:log-group:/mock/log-group:*"]
    error_message = "The execution role writes only to the service's log group."
  }

  assert {
    condition     = jsondecode(aws_iam_role.task.assume_role_policy).Statement[0].Principal.Service == "ecs-tasks.amazonaws.com" && jsondecode(aws_iam_role.task.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "Only this account's ECS tasks may assume the roles."
  }
}

run "event_bus" {
  command = plan

  assert {
    condition     = aws_cloudwatch_event_bus.credit.name == "bnpl-credit-events" && aws_cloudwatch_event_bus.credit.kms_key_identifier == aws_kms_key.events.arn
    error_message = "The credit bus is encrypted with the module's key."
  }

  assert {
    condition     = jsondecode(aws_kms_key.events.policy).Statement[1].Condition.StringEquals["aws:SourceArn"] == "arn:aws:events:us-east-1:123456789012:event-bus/bnpl-credit-events" && aws_kms_key.events.enable_key_rotation
    error_message = "EventBridge may use the key for the credit bus only; the key rotates."
  }
}

run "tls_listener" {
  command = plan

  variables {
    listener_port      = 443
    certificate_arn    = "arn:aws:acm:us-east-1:123456789012:certificate/abcdef01-2345-6789-abcd-ef0123456789"
    private_dns_name   = "credit.internal.example.com"
    access_logs_bucket = "test-lb-logs"
  }

  assert {
    condition     = aws_lb_listener.this.protocol == "TLS" && aws_lb_listener.this.ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06" && aws_lb_listener.this.certificate_arn == var.certificate_arn
    error_message = "With a certificate the listener speaks TLS 1.2 or later."
  }

  assert {
    condition     = aws_vpc_endpoint_service.this.private_dns_name == "credit.internal.example.com" && output.private_dns_name == "credit.internal.example.com"
    error_message = "The endpoint service carries the name the certificate is for."
  }

  assert {
    condition     = aws_lb.this.access_logs[0].bucket == "test-lb-logs" && aws_lb.this.access_logs[0].enabled
    error_message = "Access logs go to the given bucket."
  }
}

run "certificate_without_a_name_is_refused" {
  command = plan

  variables {
    certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/abcdef01-2345-6789-abcd-ef0123456789"
  }

  expect_failures = [aws_lb_listener.this]
}

run "without_a_tables_key" {
  command = plan

  variables {
    tables_kms_key_arn = null
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s if s.Sid == "TablesKeyThroughDynamoDB"]) == 0
    error_message = "Without a tables key the task gets no KMS permission."
  }
}

run "module_settings_cannot_be_overridden" {
  command = plan

  variables {
    environment = { BNPL_EVENTS = "outbox" }
  }

  expect_failures = [var.environment]
}

run "public_clients_are_refused" {
  command = plan

  variables {
    client_cidr_blocks = ["0.0.0.0/0"]
  }

  expect_failures = [var.client_cidr_blocks]
}

run "privileged_port_is_refused" {
  command = plan

  variables {
    container_port = 80
  }

  expect_failures = [var.container_port]
}

run "the_sweep_runs_daily_with_its_own_role" {
  command = plan

  assert {
    condition     = jsondecode(aws_ecs_task_definition.sweep.container_definitions)[0].command == ["python", "-m", "services.credit.sweep_task"]
    error_message = "The sweep task runs the sweep's entry point from the service's image."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.sweep.container_definitions)[0].readonlyRootFilesystem && jsondecode(aws_ecs_task_definition.sweep.container_definitions)[0].user == "10001:10001"
    error_message = "The sweep runs as the image's non-root user on a read-only root filesystem."
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.sweep.policy).Statement : s.Sid => s.Action
      } == {
      SweepCreditTables        = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:Scan"]
      AnnounceCheckoutUpdates  = "appsync:GraphQL"
      TablesKeyThroughDynamoDB = ["kms:Decrypt", "kms:GenerateDataKey"]
    }
    error_message = "The sweep may scan its tables and announce checkouts; nothing else."
  }

  assert {
    condition     = !contains(flatten([for s in jsondecode(aws_iam_role_policy.task.policy).Statement : s.Action]), "dynamodb:Scan")
    error_message = "The service's own role may not scan: only the sweep does."
  }

  assert {
    condition     = aws_scheduler_schedule.sweep.schedule_expression == "cron(0 3 * * ? *)" && aws_scheduler_schedule.sweep.target[0].ecs_parameters[0].network_configuration[0].assign_public_ip == false
    error_message = "The sweep runs daily at 03:00 UTC in the private subnets."
  }
}

run "xray_daemon_beside_the_service" {
  command = plan

  assert {
    condition     = [for c in jsondecode(aws_ecs_task_definition.this.container_definitions) : c.name] == ["credit", "xray-daemon"]
    error_message = "Each task runs the service and, beside it, the X-Ray daemon."
  }

  assert {
    condition = [
      for c in jsondecode(aws_ecs_task_definition.this.container_definitions) : [c.image, c.essential, c.readonlyRootFilesystem, c.user, c.command, lookup(c, "portMappings", [])]
      if c.name == "xray-daemon"
    ] == [["public.ecr.aws/xray/aws-xray-daemon:3.x", false, true, "1337:1337", ["--region", "us-east-1"], []]]
    error_message = "The daemon is not essential, runs as non-root on a read-only filesystem, and is reachable only from inside the task."
  }

  assert {
    condition = [
      for c in jsondecode(aws_ecs_task_definition.this.container_definitions) : c.logConfiguration.options["awslogs-group"]
      if c.name == "xray-daemon"
    ] == ["/ecs/test-credit"]
    error_message = "The daemon logs to the service's (encrypted) log group."
  }

  assert {
    condition = aws_iam_role_policy.xray.role == aws_iam_role.task.id && jsondecode(aws_iam_role_policy.xray.policy).Statement == [{
      Sid      = "SendTraces"
      Effect   = "Allow"
      Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"]
      Resource = "*"
    }]
    error_message = "The task role may send traces and read sampling rules, and nothing more in this policy."
  }
}
