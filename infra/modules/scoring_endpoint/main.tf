# The credit model behind a SageMaker endpoint: the scoring server image (docker/scoring.Dockerfile,
# serving /ping and /invocations on 8080) with the model artefact SageMaker unpacks into
# /opt/ml/model. The credit service calls it by name (BNPL_SCORING_ENDPOINT_NAME).
#
# Hosting is serverless by default (memory and concurrency, billed per request). SageMaker
# Serverless Inference does not support a VPC configuration or network isolation (its feature
# exclusions), so those apply when instance_type is set: the model then runs network-isolated in
# the private subnets, on volumes encrypted with the module's key.
#
# A challenger model (challenger_model_data_url) is a second production variant, "Challenger",
# beside the champion's "AllTraffic": same image, environment, network and hosting, with weight 0,
# so untargeted invocations all reach the champion and the challenger answers only calls that name
# it (InvokeEndpoint's TargetVariant), which the credit service makes to score in shadow
# (BNPL_SCORING_CHALLENGER_VARIANT). A challenger needs instance hosting: SageMaker Serverless
# Inference lists "multiple production variants" among its feature exclusions, so the module
# refuses a challenger on a serverless endpoint.

locals {
  serverless = var.instance_type == null

  model_bucket     = regex("^s3://([^/]+)/(.+)$", var.model_data_url)[0]
  model_key        = regex("^s3://([^/]+)/(.+)$", var.model_data_url)[1]
  model_object_arn = "arn:${var.partition}:s3:::${local.model_bucket}/${local.model_key}"

  # The challenger variant's model, when one is deployed.
  challenger            = var.challenger_model_data_url != null
  challenger_object_arn = local.challenger ? "arn:${var.partition}:s3:::${trimprefix(var.challenger_model_data_url, "s3://")}" : null
  # Every artefact the role may read: the champion's and the challenger's.
  model_object_arns = compact([local.model_object_arn, local.challenger_object_arn])

  # The variants' names: the champion's as the local scoring server reports it
  # (X-Amzn-Invoked-Production-Variant), the challenger's as the credit service targets it.
  champion_variant_name   = "AllTraffic"
  challenger_variant_name = "Challenger"

  log_group_name = "/aws/sagemaker/Endpoints/${var.name}"
  log_group_arn  = "arn:${var.partition}:logs:${var.region}:${var.account_id}:log-group:${local.log_group_name}"

  kms_key_arn = var.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn
  # Instance types with local NVMe storage encrypt it in hardware, and CreateEndpointConfig
  # refuses a KMS key for them.
  has_local_nvme = !local.serverless && can(regex("^ml\\.(c5d|m5d|r5d|g4dn|g5|g6|g6e|p3dn|p4d|p4de|p5|trn1)\\.", coalesce(var.instance_type, "-")))
  # The endpoint's volumes exist only on instances; serverless endpoints have none to encrypt.
  volume_kms_key_arn = local.serverless || local.has_local_nvme ? null : local.kms_key_arn
}

resource "aws_sagemaker_model" "this" {
  #checkov:skip=CKV_AWS_370:Network isolation is on whenever the model runs on instances (instance_type set). SageMaker Serverless Inference, the default hosting, rejects models with network isolation or a VPC configuration; the scoring server makes no outbound calls either way.
  execution_role_arn = aws_iam_role.this.arn
  # The scoring server never calls out; on instances nothing may call out of the container.
  enable_network_isolation = !local.serverless

  primary_container {
    image          = var.image_uri
    model_data_url = var.model_data_url
    environment = {
      # Where SageMaker unpacks model_data_url; the server loads model.json from it.
      BNPL_SCORING_MODEL_DIR = "/opt/ml/model"
    }
  }

  dynamic "vpc_config" {
    for_each = local.serverless ? [] : [1]

    content {
      subnets            = var.subnet_ids
      security_group_ids = [aws_security_group.this[0].id]
    }
  }

  tags = var.tags

  # SageMaker checks at creation that the role can pull the image and read the artefact.
  depends_on = [aws_iam_role_policy.this]

  lifecycle {
    # A new image or artefact is a new model; the endpoint moves to it before the old one goes.
    create_before_destroy = true

    precondition {
      condition     = local.serverless || (length(var.subnet_ids) > 0 && var.vpc_id != null)
      error_message = "Instance hosting runs in the VPC: set subnet_ids and vpc_id with instance_type."
    }
  }
}

# The challenger: the champion's model with the challenger's artefact, nothing else changed, so
# a comparison of the two answers compares the artefacts alone.
resource "aws_sagemaker_model" "challenger" {
  #checkov:skip=CKV_AWS_370:Network isolation is on whenever the model runs on instances, the only hosting a challenger is allowed (the endpoint configuration's precondition); the expression mirrors the champion's.
  count = local.challenger ? 1 : 0

  execution_role_arn       = aws_iam_role.this.arn
  enable_network_isolation = !local.serverless

  primary_container {
    image          = var.image_uri
    model_data_url = var.challenger_model_data_url
    environment = {
      BNPL_SCORING_MODEL_DIR = "/opt/ml/model"
    }
  }

  dynamic "vpc_config" {
    for_each = local.serverless ? [] : [1]

    content {
      subnets            = var.subnet_ids
      security_group_ids = [aws_security_group.this[0].id]
    }
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this]

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = local.serverless || (length(var.subnet_ids) > 0 && var.vpc_id != null)
      error_message = "Instance hosting runs in the VPC: set subnet_ids and vpc_id with instance_type."
    }
  }
}

resource "aws_sagemaker_endpoint_configuration" "this" {
  # Endpoint configurations are immutable: each change is a new one, created before the endpoint
  # switches to it, so the endpoint never points at a deleted configuration.
  name_prefix = "${substr(var.name, 0, 37)}-"
  kms_key_arn = local.volume_kms_key_arn

  # The champion: the variant the scoring server names in X-Amzn-Invoked-Production-Variant
  # locally, and the only one with weight, so every untargeted invocation reaches it.
  production_variants {
    variant_name           = local.champion_variant_name
    model_name             = aws_sagemaker_model.this.name
    initial_variant_weight = 1
    instance_type          = var.instance_type
    initial_instance_count = local.serverless ? null : var.initial_instance_count

    dynamic "serverless_config" {
      for_each = local.serverless ? [1] : []

      content {
        memory_size_in_mb = var.serverless_memory_size_in_mb
        max_concurrency   = var.serverless_max_concurrency
      }
    }
  }

  # The challenger, hosted as the champion is, with weight 0 (VariantWeight's minimum): it answers
  # only invocations naming it as TargetVariant, which overrides the weights.
  dynamic "production_variants" {
    for_each = aws_sagemaker_model.challenger

    content {
      variant_name           = local.challenger_variant_name
      model_name             = production_variants.value.name
      initial_variant_weight = 0
      instance_type          = var.instance_type
      initial_instance_count = local.serverless ? null : var.initial_instance_count

      dynamic "serverless_config" {
        for_each = local.serverless ? [1] : []

        content {
          memory_size_in_mb = var.serverless_memory_size_in_mb
          max_concurrency   = var.serverless_max_concurrency
        }
      }
    }
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true

    # SageMaker Serverless Inference's feature exclusions include "multiple production variants"
    # (Amazon SageMaker AI Developer Guide, "Deploy models with Amazon SageMaker Serverless
    # Inference", https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html):
    # CreateEndpointConfig would refuse the second variant at apply; refuse it at plan instead.
    precondition {
      condition     = !(local.challenger && local.serverless)
      error_message = "A challenger model needs instance hosting (set instance_type; in an environment, scoring_instance_type): SageMaker Serverless Inference does not support multiple production variants, so a serverless endpoint cannot host the Challenger variant beside AllTraffic."
    }
  }
}

resource "aws_sagemaker_endpoint" "this" {
  name                 = var.name
  endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name
  tags                 = var.tags
}

# SageMaker would create this group itself, without retention or our key.
resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags

  lifecycle {
    precondition {
      condition     = var.create_kms_key || var.kms_key_arn != null
      error_message = "Set kms_key_arn when create_kms_key is false: the endpoint's logs and volumes are encrypted with a customer-managed key."
    }
  }
}

# Instance hosting only. No ingress: SageMaker reaches the container through its own channel.
# HTTPS out lets SageMaker fetch the artefact and image through the VPC (S3 and ECR endpoints);
# network isolation keeps the container itself from using it.
resource "aws_security_group" "this" {
  #checkov:skip=CKV2_AWS_5:It is attached to the SageMaker model's vpc_config (instance hosting), an attachment checkov's graph does not recognise.
  count = local.serverless ? 0 : 1

  name_prefix = "${var.name}-"
  description = "Scoring endpoint ${var.name}: no inbound, HTTPS outbound for artefact and image pulls."
  vpc_id      = var.vpc_id
  tags        = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "https" {
  for_each = local.serverless ? toset([]) : toset(var.egress_cidr_blocks)

  security_group_id = aws_security_group.this[0].id
  description       = "HTTPS to S3 and ECR for the model artefact and image"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

resource "aws_kms_key" "this" {
  count = var.create_kms_key ? 1 : 0

  description             = "Encrypts the logs and volumes of SageMaker endpoint ${var.name}."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  tags                    = var.tags

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # AWS's default statement: IAM policies decide who uses the key.
        Sid       = "AccountAdministersTheKeyThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }
        Action    = "kms:*"
        # In a key policy, "*" is the key itself.
        Resource = "*"
      },
      {
        Sid       = "LogsEncryptTheEndpointLogGroup"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = local.log_group_arn }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "this" {
  count = var.create_kms_key ? 1 : 0

  name          = "alias/${var.name}-endpoint"
  target_key_id = aws_kms_key.this[0].key_id
}
