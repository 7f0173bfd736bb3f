# Private registries for the images the platform runs: the Lambda image (user service and credit
# proxy), the credit service's ECS image and the scoring model server SageMaker pulls.

locals {
  kms_key_arn = var.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn

  # Lifecycle rules are evaluated by priority; the "any" rule must come last.
  lifecycle_policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Drop untagged layers (interrupted pushes) after ${var.untagged_image_expiry_days} days."
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = var.untagged_image_expiry_days
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the newest ${var.keep_image_count} images: enough to roll back, not a growing bill."
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.keep_image_count
        }
        action = { type = "expire" }
      },
    ]
  })
}

resource "aws_kms_key" "this" {
  count = var.create_kms_key ? 1 : 0

  description             = "Encrypts the ${var.name_prefix}* container image repositories."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  # The default key policy, written out: the account administers and uses the key through IAM.
  # ECR itself uses it through the grant it creates when a repository is created.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministersTheKeyThroughIam"
      Effect    = "Allow"
      Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.create_kms_key ? 1 : 0

  name          = "alias/${trimsuffix(replace(var.name_prefix, "/", "-"), "-")}-ecr"
  target_key_id = aws_kms_key.this[0].key_id
}

resource "aws_ecr_repository" "this" {
  for_each = var.repositories

  name = "${var.name_prefix}${each.key}"
  # A tag names one build forever: a deployment that pins it runs exactly what was tested.
  image_tag_mutability = "IMMUTABLE"
  # Repositories that still hold images are kept unless the environment is being torn down.
  force_delete = var.force_delete

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = local.kms_key_arn
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.create_kms_key || var.kms_key_arn != null
      error_message = "Set kms_key_arn when create_kms_key is false: every repository is encrypted with a customer-managed key."
    }
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  for_each = aws_ecr_repository.this

  repository = each.value.name
  policy     = local.lifecycle_policy
}

# Lambda pulls a function's image with its own service principal, not the function's role, so
# the repository must let it in; only functions of this account and region may be the reason.
resource "aws_ecr_repository_policy" "lambda_pull" {
  for_each = { for name, repo in aws_ecr_repository.this : name => repo if contains(var.lambda_repositories, name) }

  repository = each.value.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaPullsImagesOfThisAccountsFunctions"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      Condition = {
        StringLike = { "aws:sourceArn" = "arn:${var.partition}:lambda:${var.region}:${var.account_id}:function:*" }
      }
    }]
  })
}
