# Plans the production environment, the whole platform, with the real schema, bindings and
# resolver code, against a mocked AWS provider: no credentials, no network. The runs check what
# makes it production: introspection off, a NAT gateway per zone, deletion protection, long log
# retention, the credit model on instances in the VPC.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # provider validates some ARNs and ids where other resources take them, and the modules
  # validate the ARNs they are given, so those are mocked with real-looking values.
  override_during = plan

  mock_resource "aws_appsync_graphql_api" {
    defaults = {
      id  = "mockapi0123456789abcdefghi"
      arn = "arn:aws:appsync:us-east-1:123456789012:apis/mockapi0123456789abcdefghi"
      uris = {
        GRAPHQL  = "https://mock.appsync-api.us-east-1.amazonaws.com/graphql"
        REALTIME = "wss://mock.appsync-realtime-api.us-east-1.amazonaws.com/graphql"
      }
    }
  }

  # No defaults: each function gets its own random function_id during plan, so the resolvers
  # output can read the pipelines' function names back from their ids.
  mock_resource "aws_appsync_function" {
    defaults = {}
  }

  mock_resource "aws_cognito_user_pool" {
    defaults = {
      id  = "us-east-1_Mock12345"
      arn = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Mock12345"
    }
  }

  mock_resource "aws_cognito_user_pool_client" {
    defaults = {
      id            = "mockclient0123456789abcdef"
      client_secret = "mock-client-secret"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:us-east-1:123456789012:log-group:/mock/log-group"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/mock-role"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      key_id = "11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_dynamodb_table" {
    defaults = {
      arn = "arn:aws:dynamodb:us-east-1:123456789012:table/mock-table"
    }
  }

  mock_resource "aws_ecr_repository" {
    defaults = {
      arn            = "arn:aws:ecr:us-east-1:123456789012:repository/mock"
      repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mock"
    }
  }

  mock_resource "aws_vpc" {
    defaults = {
      id = "vpc-0123456789abcdef0"
    }
  }

  mock_resource "aws_internet_gateway" {
    defaults = {
      id = "igw-0123456789abcdef0"
    }
  }

  mock_resource "aws_security_group" {
    defaults = {
      id = "sg-0123456789abcdef0"
    }
  }

  mock_resource "aws_eip" {
    defaults = {
      public_ip = "198.51.100.7"
    }
  }

  mock_resource "aws_lb" {
    defaults = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/mock-credit/0123456789abcdef"
    }
  }

  mock_resource "aws_lb_target_group" {
    defaults = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/mock-credit-tg/0123456789abcdef"
    }
  }

  mock_resource "aws_ecs_task_definition" {
    defaults = {
      arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/mock-credit:1"
    }
  }

  mock_resource "aws_cloudwatch_event_bus" {
    defaults = {
      arn = "arn:aws:events:us-east-1:123456789012:event-bus/mock-credit-events"
    }
  }

  mock_resource "aws_vpc_endpoint_service" {
    defaults = {
      service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
    }
  }

  # The endpoint's regional DNS name, as AWS returns it (dns_entry[0] is the regional one).
  mock_resource "aws_vpc_endpoint" {
    defaults = {
      id = "vpce-0123456789abcdef0"
      dns_entry = [
        { dns_name = "vpce-0123456789abcdef0-abcdefgh.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com", hosted_zone_id = "Z7HUB22UULQXV" },
      ]
    }
  }

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:us-east-1:123456789012:mock-dlq"
    }
  }

  mock_resource "aws_lambda_function" {
    defaults = {
      arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-function"
      invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-function/invocations"
    }
  }

  mock_resource "aws_apigatewayv2_api" {
    defaults = {
      id            = "a1b2c3d4e5"
      api_endpoint  = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
      execution_arn = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5"
    }
  }

  mock_resource "aws_apigatewayv2_integration" {
    defaults = {
      id = "int0123"
    }
  }

  mock_resource "aws_sagemaker_model" {
    defaults = {
      name = "mock-credit-model-20261122"
    }
  }

  mock_resource "aws_sagemaker_endpoint_configuration" {
    defaults = {
      name = "mock-credit-model-20261122"
    }
  }

  mock_resource "aws_sagemaker_endpoint" {
    defaults = {
      arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/bnpl-prod-credit-model"
    }
  }

  mock_resource "aws_wafv2_web_acl" {
    defaults = {
      arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/mock-api/11111111-2222-3333-4444-555555555555"
      id  = "11111111-2222-3333-4444-555555555555"
    }
  }
}

# Each repository gets its own URL, so each component's image can be told apart.
override_resource {
  target          = module.platform.module.container_images.aws_ecr_repository.this["lambda"]
  override_during = plan
  values = {
    arn            = "arn:aws:ecr:us-east-1:123456789012:repository/bnpl-prod-lambda"
    repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-prod-lambda"
  }
}

override_resource {
  target          = module.platform.module.container_images.aws_ecr_repository.this["credit-service"]
  override_during = plan
  values = {
    arn            = "arn:aws:ecr:us-east-1:123456789012:repository/bnpl-prod-credit-service"
    repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-prod-credit-service"
  }
}

override_resource {
  target          = module.platform.module.container_images.aws_ecr_repository.this["scoring"]
  override_during = plan
  values = {
    arn            = "arn:aws:ecr:us-east-1:123456789012:repository/bnpl-prod-scoring"
    repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-prod-scoring"
  }
}

variables {
  account_id                   = "123456789012"
  lambda_image                 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
  credit_service_image         = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
  scoring_image                = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
  scoring_model_data_url       = "s3://bnpl-prod-models/credit-v1/model.tar.gz"
  email_from_address           = "codes@bnpl.example"
  ses_identity_arn             = "arn:aws:ses:us-east-1:123456789012:identity/bnpl.example"
  sms_origination_identity_arn = "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-0123456789abcdef"

  # The repository's bindings, which the resolvers must match.
  bindings = jsondecode(file("../../../resolvers/bindings.json"))
}

run "production_settings" {
  command = plan

  assert {
    condition     = output.execution_limits.introspection_config == "DISABLED"
    error_message = "The production API must not answer introspection queries."
  }

  assert {
    condition     = output.execution_limits.query_depth_limit == 10 && output.execution_limits.resolver_count_limit == 100
    error_message = "Production has dev's execution limits."
  }

  assert {
    condition     = length(output.network.private_subnet_ids) == 3 && length(output.network.nat_public_ips) == 3
    error_message = "Production spreads over three zones, each with its own NAT gateway."
  }

  assert {
    condition     = output.scoring_endpoint.hosting == "instances"
    error_message = "Production hosts the credit model on instances, network-isolated in the VPC."
  }

  assert {
    condition     = output.tables.customers.name == "bnpl-prod-customers" && output.service_environment.credit.BNPL_TABLE_PREFIX == "bnpl-prod-"
    error_message = "Production's tables and services use the bnpl-prod- prefix."
  }

  assert {
    condition     = output.credit_proxy.function_arn != "" && output.service_environment.credit.BNPL_USER_SERVICE_AUTH == "iam" && output.service_environment.credit.BNPL_USER_SERVICE_URL == output.user_service.api_endpoint
    error_message = "The credit service calls the user service's API, SigV4-signed."
  }
}

run "one_resolver_per_binding" {
  command = plan

  assert {
    condition     = length(var.bindings.resolvers) > 0 && keys(output.resolvers) == keys(var.bindings.resolvers)
    error_message = "Every binding, and nothing else, must be deployed as a resolver."
  }

  assert {
    condition     = alltrue([for key, b in var.bindings.resolvers : output.resolvers[key].data_source == b.data_source && output.resolvers[key].kind == b.kind])
    error_message = "Each resolver must have the kind and data source of its binding."
  }
}

run "three_zones_at_least" {
  command = plan

  variables {
    availability_zones = ["us-east-1a", "us-east-1b"]
  }

  expect_failures = [var.availability_zones]
}
