# The role SageMaker assumes to host the model: read the model's artefact (and the challenger's,
# when one is deployed), pull the one image, write the endpoint's logs and, on instances, place
# network interfaces in the VPC.

resource "aws_iam_role" "this" {
  name_prefix = "${substr(var.name, 0, 37)}-"
  description = "Execution role of SageMaker endpoint ${var.name}."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "sagemaker.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = var.account_id }
      }
    }]
  })
  tags = var.tags
}

locals {
  vpc_arn = var.vpc_id == null ? null : "arn:${var.partition}:ec2:${var.region}:${var.account_id}:vpc/${var.vpc_id}"

  policy_statements = concat(
    [
      {
        # The champion's artefact and, when one is deployed, the challenger's: those objects only.
        Sid      = "ReadTheModelArtefact"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = local.model_object_arns
      },
      {
        Sid      = "PullTheScoringImage"
        Effect   = "Allow"
        Action   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        Resource = [var.ecr_repository_arn]
      },
      {
        # GetAuthorizationToken has no resource-level permissions: it names no repository.
        Sid      = "LogInToTheRegistry"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = ["*"]
      },
      {
        Sid      = "WriteEndpointLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
      },
    ],
    var.model_data_kms_key_arn == null ? [] : [{
      # Artefacts stored with SSE-KMS are decrypted by S3 on the role's behalf only.
      Sid      = "DecryptTheModelArtefact"
      Effect   = "Allow"
      Action   = ["kms:Decrypt"]
      Resource = [var.model_data_kms_key_arn]
      Condition = {
        StringEquals = { "kms:ViaService" = "s3.${var.region}.amazonaws.com" }
      }
    }],
    [for s in [
      {
        # Describe calls have no resource-level permissions; they only read.
        Sid    = "DescribeVpcNetworking"
        Effect = "Allow"
        Action = [
          "ec2:DescribeVpcEndpoints", "ec2:DescribeDhcpOptions", "ec2:DescribeVpcs", "ec2:DescribeSubnets",
          "ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces",
        ]
        Resource = ["*"]
      },
      {
        Sid      = "ManageNetworkInterfacesInTheVpc"
        Effect   = "Allow"
        Action   = ["ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission"]
        Resource = ["*"]
        Condition = {
          ArnEqualsIfExists = { "ec2:Vpc" = local.vpc_arn }
        }
      },
    ] : s if !local.serverless], # only instances have network interfaces in the VPC
  )
}

resource "aws_iam_role_policy" "this" {
  name   = "scoring-endpoint"
  role   = aws_iam_role.this.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.policy_statements })
}
