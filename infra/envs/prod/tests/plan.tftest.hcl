# Plans the production environment, the whole platform, with the real schema, bindings and
# resolver code, against a mocked AWS provider: no credentials, no network. The runs check what
# makes it production: introspection off, a NAT gateway per zone, deletion protection, long log
# retention, the credit model on instances in the VPC.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"
}

# The checkout page's web ACL, its logs and key are made in us-east-1 (CloudFront's region).
mock_provider "aws" {
  alias           = "us_east_1"
  override_during = plan
  source          = "../../tests/mocks/aws"

  mock_resource "aws_wafv2_web_acl" {
    defaults = {
      arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/mock-page/11111111-2222-3333-4444-555555555555"
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

run "checkout_page_on_its_own_domain" {
  command = plan

  variables {
    checkout_page_aliases         = ["pay.bnpl.example"]
    checkout_page_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = output.checkout_page_url == "https://pay.bnpl.example" && output.service_environment.credit.BNPL_CHECKOUT_PAGE_URL == output.checkout_page_url
    error_message = "With a domain, redirects go to it."
  }
}

run "merchant_webhooks" {
  command = plan

  assert {
    condition     = output.service_environment.webhooks.BNPL_WEBHOOK_SECRETS == "secretsmanager" && output.webhooks.secret_prefix == "bnpl-prod/webhooks/" && output.service_environment.credit.BNPL_WEBHOOK_SECRET_PREFIX == "bnpl-prod/webhooks/"
    error_message = "Production's signing secrets are in Secrets Manager under bnpl-prod/webhooks/, for the sender and the credit service alike."
  }

  assert {
    condition     = !contains(keys(output.service_environment.webhooks), "BNPL_WEBHOOKS_ALLOW_LOCAL") && !contains(keys(output.service_environment.credit), "BNPL_WEBHOOKS_ALLOW_LOCAL")
    error_message = "Production never allows loopback webhook receivers."
  }

  assert {
    condition     = length(output.webhooks.source_ips) == 3 && length(output.webhooks.alarm_names) == 3
    error_message = "Merchants see production's webhooks come from its three NAT gateways; the sender has its three alarms."
  }
}
