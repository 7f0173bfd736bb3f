# Plans the production environment with the real AWS provider, configured so that it calls nothing:
# dummy keys, and no credential, account or metadata look-ups. Unlike a mocked provider, the real
# one runs its own plan-time checks (argument combinations, diff customisations), so this catches
# what only `terraform plan` would. Computed values (ids, ARNs) stay unknown here.

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "offline-plan"
  secret_key                  = "offline-plan"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

# The checkout page's web ACL is made in us-east-1, with the same dummy credentials.
provider "aws" {
  alias                       = "us_east_1"
  region                      = "us-east-1"
  access_key                  = "offline-plan"
  secret_key                  = "offline-plan"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

variables {
  account_id                   = "123456789012"
  lambda_image                 = "git-0123abc"
  credit_service_image         = "git-0123abc"
  scoring_image                = "git-0123abc"
  scoring_model_data_url       = "s3://bnpl-prod-models/credit-v1/model.tar.gz"
  email_from_address           = "codes@bnpl.example"
  ses_identity_arn             = "arn:aws:ses:us-east-1:123456789012:identity/bnpl.example"
  sms_origination_identity_arn = "arn:aws:sms-voice:us-east-1:123456789012:pool/pool-0123456789abcdef"

  # The repository's bindings, which the resolvers must match.
  bindings = jsondecode(file("../../../resolvers/bindings.json"))
}

run "plan_with_the_real_provider" {
  command = plan

  assert {
    condition     = keys(output.resolvers) == keys(var.bindings.resolvers)
    error_message = "Every binding, and nothing else, must be planned as a resolver."
  }

  assert {
    condition     = alltrue([for key, b in var.bindings.resolvers : output.resolvers[key].runtime == (b.code == null ? null : "APPSYNC_JS 1.0.0")])
    error_message = "Resolvers with code run on APPSYNC_JS 1.0.0; resolvers without code are direct Lambda resolvers."
  }

  assert {
    condition     = alltrue([for t in values(output.tables) : t.point_in_time_recovery])
    error_message = "Every table must have point-in-time recovery."
  }
}
