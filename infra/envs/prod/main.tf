# The production environment: the whole product (infra/modules/platform) with production's
# choices — three zones each with its own NAT gateway, introspection off, the credit model on
# instances in the VPC, deletion protection on — and the settings an operator gives in
# prod.tfvars.

module "platform" {
  source = "../../modules/platform"

  environment = "prod"
  account_id  = var.account_id
  region      = var.region
  name_prefix = var.name_prefix

  availability_zones = var.availability_zones
  # One NAT gateway per zone: a zone's outage does not cut the other zones' egress (Cognito's
  # token endpoint, the JWKS, SES and End User Messaging are reached through NAT).
  single_nat_gateway = false

  lambda_image                   = var.lambda_image
  credit_service_image           = var.credit_service_image
  scoring_image                  = var.scoring_image
  scoring_model_data_url         = var.scoring_model_data_url
  scoring_model_data_kms_key_arn = var.scoring_model_data_kms_key_arn
  scoring_instance_type          = var.scoring_instance_type
  scoring_instance_count         = var.scoring_instance_count
  # A challenger in shadow: a second variant of the endpoint, with no traffic of its own.
  scoring_challenger_model_data_url = var.challenger_model_data_url

  credit_service_desired_count      = var.credit_service_desired_count
  credit_service_certificate_arn    = var.credit_service_certificate_arn
  credit_service_private_dns_name   = var.credit_service_private_dns_name
  credit_service_access_logs_bucket = var.credit_service_access_logs_bucket

  # Pre-screening's engine: the service's own runner unless the state machine is chosen.
  screening_workflow_engine = var.screening_workflow_engine

  email_from_address           = var.email_from_address
  ses_identity_arn             = var.ses_identity_arn
  sms_origination_identity_arn = var.sms_origination_identity_arn
  sms_configuration_set_arn    = var.sms_configuration_set_arn

  cognito_domain_prefix = var.cognito_domain_prefix
  # The production API does not describe itself to anyone who asks; clients are generated from
  # the repository's schema instead.
  introspection_config = "DISABLED"
  query_depth_limit    = var.query_depth_limit
  resolver_count_limit = var.resolver_count_limit

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
