output "repository_urls" {
  description = "URL of each repository (\"<account>.dkr.ecr.<region>.amazonaws.com/<name>\"), by short name; an image URI is \"<url>:<tag>\" or \"<url>@<digest>\"."
  value       = { for name, repo in aws_ecr_repository.this : name => repo.repository_url }
}

output "repository_arns" {
  description = "ARN of each repository, by short name; pullers need ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on it."
  value       = { for name, repo in aws_ecr_repository.this : name => repo.arn }
}

output "repository_names" {
  description = "Full name of each repository, by short name."
  value       = { for name, repo in aws_ecr_repository.this : name => repo.name }
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the repositories."
  value       = local.kms_key_arn
}
