# Plans the module against a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"
}

variables {
  name_prefix         = "bnpl-test/"
  repositories        = ["lambda", "credit-service", "scoring"]
  lambda_repositories = ["lambda"]
  account_id          = "123456789012"
  region              = "us-east-1"
}

run "repositories" {
  command = plan

  assert {
    condition     = toset([for r in aws_ecr_repository.this : r.name]) == toset(["bnpl-test/lambda", "bnpl-test/credit-service", "bnpl-test/scoring"])
    error_message = "One repository per short name, named <prefix><name>."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_tag_mutability == "IMMUTABLE"])
    error_message = "Tags are immutable: a tag names one build forever."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_scanning_configuration[0].scan_on_push])
    error_message = "Every image is scanned on push."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.encryption_configuration[0].encryption_type == "KMS" && r.encryption_configuration[0].kms_key == aws_kms_key.this[0].arn])
    error_message = "Every repository is encrypted with the module's customer-managed key."
  }

  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation && aws_kms_alias.this[0].name == "alias/bnpl-test-ecr"
    error_message = "The key rotates and has an alias after the prefix."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : !r.force_delete])
    error_message = "Repositories that hold images are not deleted by default."
  }
}

run "lifecycle_keeps_the_newest_images" {
  command = plan

  variables {
    keep_image_count = 12
  }

  assert {
    condition     = length(aws_ecr_lifecycle_policy.this) == 3
    error_message = "Every repository has a lifecycle policy."
  }

  assert {
    condition = [for rule in jsondecode(aws_ecr_lifecycle_policy.this["scoring"].policy).rules : [rule.rulePriority, rule.selection.tagStatus, rule.selection.countType, rule.selection.countNumber, rule.action.type]] == [
      [1, "untagged", "sinceImagePushed", 7, "expire"],
      [2, "any", "imageCountMoreThan", 12, "expire"],
    ]
    error_message = "Untagged images expire after 7 days, and only the newest keep_image_count images are kept."
  }
}

run "only_lambda_repositories_admit_the_lambda_service" {
  command = plan

  assert {
    condition     = keys(aws_ecr_repository_policy.lambda_pull) == ["lambda"]
    error_message = "Only the Lambda image repository has a pull policy."
  }

  assert {
    condition     = jsondecode(aws_ecr_repository_policy.lambda_pull["lambda"].policy).Statement[0].Principal == { Service = "lambda.amazonaws.com" }
    error_message = "The policy admits the Lambda service principal."
  }

  assert {
    condition     = jsondecode(aws_ecr_repository_policy.lambda_pull["lambda"].policy).Statement[0].Action == ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    error_message = "Lambda may only pull: no push, no delete."
  }

  assert {
    condition     = jsondecode(aws_ecr_repository_policy.lambda_pull["lambda"].policy).Statement[0].Condition.StringLike["aws:sourceArn"] == "arn:aws:lambda:us-east-1:123456789012:function:*"
    error_message = "Only functions of this account and region may be the reason for a pull."
  }
}

run "existing_key" {
  command = plan

  variables {
    create_kms_key = false
    kms_key_arn    = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
    force_delete   = true
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && alltrue([for r in aws_ecr_repository.this : r.encryption_configuration[0].kms_key == var.kms_key_arn && r.force_delete])
    error_message = "With create_kms_key = false the given key is used and none is created; force_delete can be turned on."
  }
}

run "no_key_at_all_is_refused" {
  command = plan

  variables {
    create_kms_key = false
  }

  expect_failures = [aws_ecr_repository.this]
}

run "bad_repository_name_is_refused" {
  command = plan

  variables {
    repositories = ["Scoring"]
  }

  expect_failures = [var.repositories]
}

run "keeping_no_images_is_refused" {
  command = plan

  variables {
    keep_image_count = 0
  }

  expect_failures = [var.keep_image_count]
}
