# The audit log's grants (audit.tf), planned against a mocked AWS provider: the service's task and
# the sweep may put entries, and are denied updating or deleting one; their own policies never
# name the audit table.


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

run "the_task_and_the_sweep_append_and_never_rewrite" {
  command = plan

  variables {
    audit_log = { table_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/test-audit_log" }
  }

  assert {
    condition = anytrue([
      for st in jsondecode(aws_iam_role_policy.task_audit[0].policy).Statement :
      st.Effect == "Deny" && contains(flatten([st.Resource]), var.audit_log.table_arn) &&
      alltrue([for a in ["dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"] : contains(flatten([st.Action]), a)])
    ])
    error_message = "aws_iam_role_policy.task_audit[0] denies updating and deleting audit entries outright."
  }

  assert {
    condition = alltrue([
      for st in jsondecode(aws_iam_role_policy.task_audit[0].policy).Statement :
      st.Effect == "Deny" || length(setsubtract(toset(flatten([st.Action])), toset(["dynamodb:PutItem", "dynamodb:Query"]))) == 0
    ])
    error_message = "aws_iam_role_policy.task_audit[0] allows nothing on the audit log but putting entries (and reading trails)."
  }

  assert {
    condition = anytrue([
      for st in jsondecode(aws_iam_role_policy.sweep_audit[0].policy).Statement :
      st.Effect == "Deny" && contains(flatten([st.Resource]), var.audit_log.table_arn) &&
      alltrue([for a in ["dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"] : contains(flatten([st.Action]), a)])
    ])
    error_message = "aws_iam_role_policy.sweep_audit[0] denies updating and deleting audit entries outright."
  }

  assert {
    condition = alltrue([
      for st in jsondecode(aws_iam_role_policy.sweep_audit[0].policy).Statement :
      st.Effect == "Deny" || length(setsubtract(toset(flatten([st.Action])), toset(["dynamodb:PutItem", "dynamodb:Query"]))) == 0
    ])
    error_message = "aws_iam_role_policy.sweep_audit[0] allows nothing on the audit log but putting entries (and reading trails)."
  }

  assert {
    condition     = aws_iam_role_policy.task_audit[0].role == aws_iam_role.task.id && aws_iam_role_policy.sweep_audit[0].role == aws_iam_role.sweep.id
    error_message = "The task's and the sweep's roles carry the audit log policies."
  }

  assert {
    condition     = !strcontains(aws_iam_role_policy.task.policy, "audit_log") && !strcontains(aws_iam_role_policy.sweep.policy, "audit_log")
    error_message = "The roles' own table grants never name the audit log (their UpdateItem is not on it)."
  }

  assert {
    condition     = !contains(flatten([for st in jsondecode(aws_iam_role_policy.sweep_audit[0].policy).Statement : st.Effect == "Allow" ? flatten([st.Action]) : []]), "dynamodb:Query")
    error_message = "The sweep only appends; reading trails is the service's."
  }
}

run "no_audit_table_no_grant" {
  command = plan

  assert {
    condition     = length(aws_iam_role_policy.task_audit) == 0 && length(aws_iam_role_policy.sweep_audit) == 0
    error_message = "Without an audit table the roles get no grant on one."
  }
}
