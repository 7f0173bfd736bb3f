# The mocked AWS provider's default values, shared by every `tests/*.tftest.hcl` under infra/.
# Each test file loads them with
#
#   mock_provider "aws" {
#     override_during = plan
#     source          = "../../tests/mocks/aws"
#   }
#
# `source` is resolved against the directory `terraform test` runs in (the module's or the
# root's directory), not against the test file. `override_during = plan` stays in each test
# file's mock_provider block: a mock file holds only mock_resource, mock_data and override_*
# blocks, which inherit that setting, so computed values are mocked during plan as well and
# assertions can read ARNs and ids. A test file's own mock_resource for a type takes precedence
# over the one here.
#
# The provider validates some ARNs and ids where other resources take them, and the modules
# validate the ARNs they are given, so those are mocked with real-looking values. One value per
# type: resources of the same type share it, which the tests allow for.

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
    arn        = "arn:aws:dynamodb:us-east-1:123456789012:table/mock-table"
    stream_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/mock-table/stream/2026-11-22T00:00:00.000"
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

# The endpoint's DNS names, as AWS returns them: dns_entry[0] is the regional one, then one per
# zone.
mock_resource "aws_vpc_endpoint" {
  defaults = {
    id = "vpce-0123456789abcdef0"
    dns_entry = [
      { dns_name = "vpce-0123456789abcdef0-abcdefgh.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com", hosted_zone_id = "Z7HUB22UULQXV" },
      { dns_name = "vpce-0123456789abcdef0-abcdefgh-us-east-1a.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com", hosted_zone_id = "Z7HUB22UULQXV" },
    ]
  }
}

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:us-east-1:123456789012:mock-dlq"
  }
}

# `version` is what a published function's alias points at (a version number).
mock_resource "aws_lambda_function" {
  defaults = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-function"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-function/invocations"
    version    = "1"
  }
}

mock_resource "aws_lambda_alias" {
  defaults = {
    arn = "arn:aws:lambda:us-east-1:123456789012:function:mock-function:live"
  }
}

mock_resource "aws_sfn_state_machine" {
  defaults = {
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:mock-state-machine"
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

# The credit service reads the endpoint's name from its ARN: this is the endpoint the module
# tests create (name prefix bnpl-test-); a root that asserts its own endpoint's name overrides it.
mock_resource "aws_sagemaker_endpoint" {
  defaults = {
    arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/bnpl-test-credit-model"
  }
}

mock_resource "aws_wafv2_web_acl" {
  defaults = {
    arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/mock-api/11111111-2222-3333-4444-555555555555"
    id  = "11111111-2222-3333-4444-555555555555"
  }
}

# The checkout page (modules/web_page): its buckets, distribution and CloudFront's policies.
mock_resource "aws_s3_bucket" {
  defaults = {
    arn                         = "arn:aws:s3:::mock-bucket"
    bucket_domain_name          = "mock-bucket.s3.amazonaws.com"
    bucket_regional_domain_name = "mock-bucket.s3.us-east-1.amazonaws.com"
  }
}

mock_resource "aws_cloudfront_distribution" {
  defaults = {
    id          = "EMOCKDISTRIBUTION"
    arn         = "arn:aws:cloudfront::123456789012:distribution/EMOCKDISTRIBUTION"
    domain_name = "dmock0123456789.cloudfront.net"
  }
}

mock_resource "aws_cloudfront_function" {
  defaults = {
    arn = "arn:aws:cloudfront::123456789012:function/mock-function"
  }
}

# Secrets Manager appends six random characters to a secret's name in its ARN.
mock_resource "aws_secretsmanager_secret" {
  defaults = {
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mock-secret-AbCdEf"
  }
}

mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:us-east-1:123456789012:mock-topic"
  }
}
