# Plans the module against a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  # Computed values are mocked during plan as well, so assertions can read ARNs and ids. The
  # values are the ones every configuration's tests share, in infra/tests/mocks/aws: `source` is
  # relative to the directory terraform test runs in (this configuration's), not to this file.
  override_during = plan
  source          = "../../tests/mocks/aws"
}

# The challenger's model gets a name of its own, so each variant's model can be told apart.
override_resource {
  target          = aws_sagemaker_model.challenger
  override_during = plan
  values          = { name = "mock-credit-challenger-20261122" }
}

variables {
  name               = "bnpl-test-credit-model"
  image_uri          = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bnpl-test/scoring:1.2.3"
  ecr_repository_arn = "arn:aws:ecr:us-east-1:123456789012:repository/bnpl-test/scoring"
  model_data_url     = "s3://bnpl-test-models/credit/v1/model.tar.gz"
  region             = "us-east-1"
  account_id         = "123456789012"
}

run "serverless_by_default" {
  command = plan

  assert {
    condition     = aws_sagemaker_endpoint.this.name == "bnpl-test-credit-model" && aws_sagemaker_endpoint.this.endpoint_config_name == aws_sagemaker_endpoint_configuration.this.name
    error_message = "The endpoint has the given name (the credit service's BNPL_SCORING_ENDPOINT_NAME) and serves the configuration."
  }

  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.production_variants[0].serverless_config[0].memory_size_in_mb == 2048 && aws_sagemaker_endpoint_configuration.this.production_variants[0].serverless_config[0].max_concurrency == 10
    error_message = "The default hosting is serverless, with the given memory and concurrency."
  }

  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.production_variants[0].instance_type == null && aws_sagemaker_endpoint_configuration.this.production_variants[0].initial_instance_count == null
    error_message = "A serverless variant names no instances (SageMaker refuses both)."
  }

  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.production_variants[0].variant_name == "AllTraffic" && aws_sagemaker_endpoint_configuration.this.production_variants[0].model_name == aws_sagemaker_model.this.name
    error_message = "One variant, AllTraffic (as the local server reports), serving the model."
  }

  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.name_prefix == "bnpl-test-credit-model-"
    error_message = "Configurations are named by prefix, so a change creates a new one before the old goes."
  }

  assert {
    condition     = !aws_sagemaker_model.this.enable_network_isolation && length(aws_sagemaker_model.this.vpc_config) == 0 && length(aws_security_group.this) == 0
    error_message = "Serverless endpoints take neither network isolation nor a VPC (SageMaker's feature exclusions)."
  }

  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.kms_key_arn == null
    error_message = "A serverless endpoint has no volume to encrypt."
  }

  assert {
    condition     = aws_sagemaker_model.this.primary_container[0].image == var.image_uri && aws_sagemaker_model.this.primary_container[0].model_data_url == var.model_data_url
    error_message = "The model is the scoring image with the artefact."
  }

  assert {
    condition     = aws_sagemaker_model.this.primary_container[0].environment["BNPL_SCORING_MODEL_DIR"] == "/opt/ml/model"
    error_message = "The server loads the model where SageMaker unpacks the artefact."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/sagemaker/Endpoints/bnpl-test-credit-model" && aws_cloudwatch_log_group.this.retention_in_days == 365 && aws_cloudwatch_log_group.this.kms_key_id == aws_kms_key.this[0].arn
    error_message = "The endpoint's log group is ours: a retention and our key."
  }

  assert {
    condition     = output.hosting == "serverless" && output.endpoint_arn == "arn:aws:sagemaker:us-east-1:123456789012:endpoint/bnpl-test-credit-model"
    error_message = "The outputs name the hosting and the endpoint ARN the credit service invokes."
  }

  assert {
    condition     = length(aws_sagemaker_endpoint_configuration.this.production_variants) == 1 && aws_sagemaker_endpoint_configuration.this.production_variants[0].initial_variant_weight == 1
    error_message = "Without a challenger the endpoint has one variant, which takes all the traffic."
  }

  assert {
    condition     = length(aws_sagemaker_model.challenger) == 0 && output.challenger_variant_name == null && output.challenger_model_name == null
    error_message = "Without a challenger there is no challenger model, and no variant for the credit service to score in shadow."
  }
}

run "least_privilege" {
  command = plan

  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal == { Service = "sagemaker.amazonaws.com" } && jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "Only SageMaker, on behalf of this account, assumes the role."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : [s.Action, s.Resource] if s.Sid == "ReadTheModelArtefact"][0] == [["s3:GetObject"], ["arn:aws:s3:::bnpl-test-models/credit/v1/model.tar.gz"]]
    error_message = "The role reads exactly the model object."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "PullTheScoringImage"][0] == [var.ecr_repository_arn]
    error_message = "The role pulls from the scoring repository only."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "WriteEndpointLogs"][0] == ["${aws_cloudwatch_log_group.this.arn}:*"]
    error_message = "The role writes only to the endpoint's log group."
  }

  assert {
    condition     = toset([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Sid]) == toset(["ReadTheModelArtefact", "PullTheScoringImage", "LogInToTheRegistry", "WriteEndpointLogs"])
    error_message = "Serverless: no VPC and no KMS statements."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource == ["*"] ? s.Action == ["ecr:GetAuthorizationToken"] : true])
    error_message = "\"*\" is used only for the registry login, which names no resource."
  }
}

run "instances_in_the_vpc" {
  command = plan

  variables {
    instance_type          = "ml.c6i.large"
    subnet_ids             = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
    vpc_id                 = "vpc-0123456789abcdef0"
    model_data_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/33333333-2222-3333-4444-555555555555"
  }

  assert {
    condition     = aws_sagemaker_model.this.enable_network_isolation
    error_message = "On instances the container runs network-isolated."
  }

  assert {
    condition     = toset(aws_sagemaker_model.this.vpc_config[0].subnets) == toset(var.subnet_ids) && aws_sagemaker_model.this.vpc_config[0].security_group_ids == toset(["sg-0123456789abcdef0"])
    error_message = "On instances the model runs in the private subnets with its own security group."
  }

  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.production_variants[0].instance_type == "ml.c6i.large" && aws_sagemaker_endpoint_configuration.this.production_variants[0].initial_instance_count == 2 && length(aws_sagemaker_endpoint_configuration.this.production_variants[0].serverless_config) == 0
    error_message = "Instance hosting has instances and no serverless config."
  }

  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.kms_key_arn == aws_kms_key.this[0].arn
    error_message = "The instances' volumes are encrypted with the module's key."
  }

  assert {
    condition     = length(aws_vpc_security_group_egress_rule.https) == 1 && alltrue([for r in aws_vpc_security_group_egress_rule.https : r.from_port == 443 && r.to_port == 443])
    error_message = "Only HTTPS leaves the VPC interfaces (artefact and image pulls)."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Condition.ArnEqualsIfExists["ec2:Vpc"] if s.Sid == "ManageNetworkInterfacesInTheVpc"][0] == "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0123456789abcdef0"
    error_message = "Network interfaces are managed only in the given VPC."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : [s.Resource, s.Condition.StringEquals["kms:ViaService"]] if s.Sid == "DecryptTheModelArtefact"][0] == [[var.model_data_kms_key_arn], "s3.us-east-1.amazonaws.com"]
    error_message = "The artefact's key may be used through S3 only."
  }
}

run "nvme_instances_take_no_volume_key" {
  command = plan

  variables {
    instance_type = "ml.m5d.large"
    subnet_ids    = ["subnet-0aaaaaaaaaaaaaaaa"]
    vpc_id        = "vpc-0123456789abcdef0"
  }

  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.kms_key_arn == null
    error_message = "CreateEndpointConfig refuses a KMS key for instance types with local NVMe storage."
  }
}

run "instances_without_a_vpc_are_refused" {
  command = plan

  variables {
    instance_type = "ml.c6i.large"
  }

  expect_failures = [aws_sagemaker_model.this]
}

run "artefact_outside_s3_is_refused" {
  command = plan

  variables {
    model_data_url = "https://example.com/model.tar.gz"
  }

  expect_failures = [var.model_data_url]
}

run "serverless_memory_off_the_grid_is_refused" {
  command = plan

  variables {
    serverless_memory_size_in_mb = 1500
  }

  expect_failures = [var.serverless_memory_size_in_mb]
}

run "a_challenger_in_shadow" {
  command = plan

  variables {
    instance_type             = "ml.c6i.large"
    initial_instance_count    = 3
    subnet_ids                = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
    vpc_id                    = "vpc-0123456789abcdef0"
    challenger_model_data_url = "s3://bnpl-test-challengers/credit/v2/model.tar.gz"
  }

  assert {
    condition     = [for v in aws_sagemaker_endpoint_configuration.this.production_variants : v.variant_name] == ["AllTraffic", "Challenger"]
    error_message = "Two variants: the champion, AllTraffic, and the challenger, Challenger."
  }

  assert {
    condition     = [for v in aws_sagemaker_endpoint_configuration.this.production_variants : v.initial_variant_weight] == [1, 0]
    error_message = "The champion has weight 1 and the challenger 0: untargeted invocations all reach the champion."
  }

  assert {
    condition     = [for v in aws_sagemaker_endpoint_configuration.this.production_variants : v.model_name] == [aws_sagemaker_model.this.name, "mock-credit-challenger-20261122"] && length(aws_sagemaker_model.challenger) == 1
    error_message = "Two models, each variant serving its own."
  }

  assert {
    condition     = aws_sagemaker_model.this.primary_container[0].model_data_url == var.model_data_url && aws_sagemaker_model.challenger[0].primary_container[0].model_data_url == var.challenger_model_data_url
    error_message = "The champion serves model_data_url, the challenger challenger_model_data_url."
  }

  assert {
    condition     = aws_sagemaker_model.challenger[0].primary_container[0].image == aws_sagemaker_model.this.primary_container[0].image && aws_sagemaker_model.challenger[0].primary_container[0].environment == aws_sagemaker_model.this.primary_container[0].environment && aws_sagemaker_model.challenger[0].execution_role_arn == aws_sagemaker_model.this.execution_role_arn
    error_message = "The challenger runs the champion's image, environment and role: only the artefact differs."
  }

  assert {
    condition     = aws_sagemaker_model.challenger[0].enable_network_isolation && aws_sagemaker_model.challenger[0].vpc_config == aws_sagemaker_model.this.vpc_config
    error_message = "The challenger runs network-isolated in the champion's subnets and security group."
  }

  assert {
    condition     = alltrue([for v in aws_sagemaker_endpoint_configuration.this.production_variants : v.instance_type == "ml.c6i.large" && v.initial_instance_count == 3 && length(v.serverless_config) == 0])
    error_message = "The challenger is hosted as the champion is: same instance type and count."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : [s.Action, s.Resource] if s.Sid == "ReadTheModelArtefact"][0] == [["s3:GetObject"], ["arn:aws:s3:::bnpl-test-models/credit/v1/model.tar.gz", "arn:aws:s3:::bnpl-test-challengers/credit/v2/model.tar.gz"]]
    error_message = "The role reads exactly the two artefact objects, the champion's and the challenger's."
  }

  assert {
    condition     = output.challenger_variant_name == "Challenger" && output.challenger_model_name == aws_sagemaker_model.challenger[0].name
    error_message = "The outputs name the variant the credit service scores in shadow, and its model."
  }
}

run "a_challenger_on_a_serverless_endpoint_is_refused" {
  command = plan

  variables {
    challenger_model_data_url = "s3://bnpl-test-challengers/credit/v2/model.tar.gz"
  }

  # SageMaker Serverless Inference does not support multiple production variants.
  expect_failures = [aws_sagemaker_endpoint_configuration.this]
}

run "a_challenger_outside_s3_is_refused" {
  command = plan

  variables {
    challenger_model_data_url = "s3://bnpl-test-challengers/credit/v2/model.json"
  }

  expect_failures = [var.challenger_model_data_url]
}
