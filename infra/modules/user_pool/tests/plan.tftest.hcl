# Plans the module against a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"
}

variables {
  name          = "test-pool"
  region        = "us-east-1"
  domain_prefix = "bnpl-test-123456789012"
}

run "pool" {
  command = plan

  assert {
    condition     = aws_cognito_user_pool.this.username_attributes == toset(["email"])
    error_message = "Customers sign in with their email address."
  }

  assert {
    condition     = aws_cognito_user_pool.this.mfa_configuration == "OPTIONAL" && aws_cognito_user_pool.this.software_token_mfa_configuration[0].enabled
    error_message = "MFA is optional, with TOTP available."
  }

  assert {
    condition     = aws_cognito_user_pool.this.deletion_protection == "ACTIVE"
    error_message = "Deletion protection is on by default."
  }

  assert {
    condition = alltrue([
      aws_cognito_user_pool.this.password_policy[0].minimum_length == 12,
      aws_cognito_user_pool.this.password_policy[0].require_symbols,
      aws_cognito_user_pool.this.password_policy[0].require_numbers,
      aws_cognito_user_pool.this.password_policy[0].require_uppercase,
      aws_cognito_user_pool.this.password_policy[0].require_lowercase,
    ])
    error_message = "The password policy must require 12 characters of every class."
  }

  assert {
    condition     = output.group_names == tolist(["customers", "underwriters"])
    error_message = "The pool has the customers and underwriters groups."
  }

  assert {
    condition     = output.issuer == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Mock12345"
    error_message = "The issuer is Cognito's for the pool."
  }

  assert {
    condition     = output.token_endpoint == "https://bnpl-test-123456789012.auth.us-east-1.amazoncognito.com/oauth2/token"
    error_message = "The token endpoint is on the pool's domain."
  }
}

run "clients" {
  command = plan

  assert {
    condition     = !aws_cognito_user_pool_client.web.generate_secret
    error_message = "The web client is public: no secret."
  }

  assert {
    condition     = aws_cognito_user_pool_client.web.explicit_auth_flows == toset(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    error_message = "The web client signs in with SRP and refreshes; nothing else."
  }

  assert {
    condition     = output.web_client_auth_flows == tolist(["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"])
    error_message = "The web client's flows are exactly the web page's: SRP sign-in and refresh."
  }

  assert {
    condition     = output.username_attributes == tolist(["email"]) && output.auto_verified_attributes == tolist(["email"])
    error_message = "Front ends sign customers in with their email, which the pool verifies."
  }

  assert {
    condition     = aws_cognito_user_pool_client.credit_proxy.generate_secret && aws_cognito_user_pool_client.credit_proxy.allowed_oauth_flows == toset(["client_credentials"])
    error_message = "The credit proxy's client is confidential and uses client_credentials."
  }

  assert {
    condition     = output.merchant_proxy_scope == "bnpl/merchant-proxy"
    error_message = "The credit proxy's client is granted bnpl/merchant-proxy."
  }

  assert {
    condition     = [for s in aws_cognito_resource_server.this.scope : s.scope_name] == ["merchant-proxy"]
    error_message = "The resource server defines the merchant-proxy scope."
  }
}

run "deletion_protection_can_be_turned_off" {
  command = plan

  variables {
    deletion_protection = false
  }

  assert {
    condition     = aws_cognito_user_pool.this.deletion_protection == "INACTIVE"
    error_message = "deletion_protection = false must turn protection off."
  }
}

run "domain_prefix_with_reserved_word_is_refused" {
  command = plan

  variables {
    domain_prefix = "my-cognito-pool"
  }

  expect_failures = [var.domain_prefix]
}
