# The dev environment: the whole product (infra/modules/platform) with dev's choices — one NAT
# gateway for both zones, introspection on, serverless scoring (unless scoring_instance_type is
# given, as a challenger model needs) — and the settings an operator gives in dev.tfvars.

module "platform" {
  source = "../../modules/platform"

  environment = "dev"
  account_id  = var.account_id
  region      = var.region
  name_prefix = var.name_prefix

  availability_zones = var.availability_zones
  # One NAT gateway serves both zones: cheaper, and a zone outage in dev only costs egress.
  single_nat_gateway = true

  lambda_image                   = var.lambda_image
  credit_service_image           = var.credit_service_image
  scoring_image                  = var.scoring_image
  scoring_model_data_url         = var.scoring_model_data_url
  scoring_model_data_kms_key_arn = var.scoring_model_data_kms_key_arn
  scoring_instance_type          = var.scoring_instance_type
  scoring_instance_count         = var.scoring_instance_count
  # A challenger in shadow: a second variant of the endpoint, with no traffic of its own.
  scoring_challenger_model_data_url = var.challenger_model_data_url

  email_from_address           = var.email_from_address
  ses_identity_arn             = var.ses_identity_arn
  sms_origination_identity_arn = var.sms_origination_identity_arn
  sms_configuration_set_arn    = var.sms_configuration_set_arn

  cognito_domain_prefix = var.cognito_domain_prefix
  # The local emulator's defaults are these variables' defaults (tests/infra/test_limits.py).
  introspection_config = var.introspection_config
  query_depth_limit    = var.query_depth_limit
  resolver_count_limit = var.resolver_count_limit

  # Dev is a sandbox: checkouts are paid with the test tokens, never a real card.
  sandbox_payments = true

  # Pre-screening's engine: the service's own runner unless the state machine is chosen.
  screening_workflow_engine = var.screening_workflow_engine

  # The checkout page on CloudFront: its cloudfront.net name unless a domain is given.
  checkout_page_web_acl_arn     = module.checkout_page_waf.web_acl_arn
  checkout_page_aliases         = var.checkout_page_aliases
  checkout_page_certificate_arn = var.checkout_page_certificate_arn

  deletion_protection   = var.deletion_protection
  log_retention_in_days = var.log_retention_in_days
  force_delete_images   = var.force_delete_images
  tags                  = var.tags
}

# CloudFront takes only global web ACLs, made in us-east-1 (with their log group and key): the
# API's rate limit and managed rules, in front of the checkout page.
module "checkout_page_waf" {
  source    = "../../modules/waf"
  providers = { aws = aws.us_east_1 }

  name       = "${trimsuffix(var.name_prefix, "-")}-checkout-page"
  scope      = "CLOUDFRONT"
  region     = "us-east-1"
  account_id = var.account_id

  log_retention_in_days = var.log_retention_in_days
  tags                  = var.tags
}
