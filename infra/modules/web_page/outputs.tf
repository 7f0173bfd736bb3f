output "url" {
  description = "The page's base URL (https://<first alias or the distribution's domain>); checkouts are at <url>/checkout/<id>."
  value       = "https://${length(var.aliases) > 0 ? var.aliases[0] : aws_cloudfront_distribution.page.domain_name}"
}

output "bucket_name" {
  description = "Bucket the deploy step uploads web/dist to."
  value       = aws_s3_bucket.page.id
}

output "bucket_arn" {
  description = "ARN of the page's bucket."
  value       = aws_s3_bucket.page.arn
}

output "kms_key_arn" {
  description = "Key the page's files are encrypted with; the deploy role needs kms:GenerateDataKey on it."
  value       = aws_kms_key.page.arn
}

output "logs_bucket_name" {
  description = "Bucket holding the page's S3 and CloudFront access logs."
  value       = aws_s3_bucket.logs.id
}

output "distribution_id" {
  description = "Id of the CloudFront distribution (for invalidations after a deploy)."
  value       = aws_cloudfront_distribution.page.id
}

output "distribution_arn" {
  description = "ARN of the CloudFront distribution."
  value       = aws_cloudfront_distribution.page.arn
}

output "domain_name" {
  description = "The distribution's cloudfront.net domain name."
  value       = aws_cloudfront_distribution.page.domain_name
}

output "content_security_policy" {
  description = "The Content-Security-Policy the page is served with."
  value       = local.content_security_policy
}

output "config_json" {
  description = "The page's /config.json as written."
  value       = aws_s3_object.config.content
}

output "web_acl_arn" {
  description = "The web ACL in front of the distribution."
  value       = aws_cloudfront_distribution.page.web_acl_id
}
