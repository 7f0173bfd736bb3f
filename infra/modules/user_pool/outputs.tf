output "user_pool_id" {
  description = "Id of the user pool."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  description = "ARN of the user pool."
  value       = aws_cognito_user_pool.this.arn
}

output "issuer" {
  description = "The `iss` claim of the pool's tokens."
  value       = "https://cognito-idp.${var.region}.amazonaws.com/${aws_cognito_user_pool.this.id}"
}

output "jwks_url" {
  description = "Where the pool publishes the keys that sign its tokens."
  value       = "https://cognito-idp.${var.region}.amazonaws.com/${aws_cognito_user_pool.this.id}/.well-known/jwks.json"
}

output "web_client_id" {
  description = "Id of the public web app client."
  value       = aws_cognito_user_pool_client.web.id
}

output "credit_proxy_client_id" {
  description = "Id of the credit proxy's machine-to-machine client."
  value       = aws_cognito_user_pool_client.credit_proxy.id
}

output "credit_proxy_client_secret" {
  description = "Secret of the credit proxy's machine-to-machine client."
  value       = aws_cognito_user_pool_client.credit_proxy.client_secret
  sensitive   = true
}

output "merchant_proxy_scope" {
  description = "The OAuth2 scope the credit proxy's client is granted."
  value       = one(aws_cognito_user_pool_client.credit_proxy.allowed_oauth_scopes)
}

output "token_endpoint" {
  description = "OAuth2 token endpoint of the pool's domain (client_credentials grants)."
  value       = "https://${aws_cognito_user_pool_domain.this.domain}.auth.${var.region}.amazoncognito.com/oauth2/token"
}

output "group_names" {
  description = "Names of the pool's user groups."
  value       = sort(keys(aws_cognito_user_group.this))
}

output "username_attributes" {
  description = "What customers sign in with (email); front ends' Amplify loginWith follows it."
  value       = sort(aws_cognito_user_pool.this.username_attributes)
}

output "auto_verified_attributes" {
  description = "Attributes the pool verifies by sending a code (email)."
  value       = sort(aws_cognito_user_pool.this.auto_verified_attributes)
}

output "web_client_auth_flows" {
  description = "The authentication flows the web app client allows."
  value       = sort(aws_cognito_user_pool_client.web.explicit_auth_flows)
}
