# Remote state. Until this block is uncommented, state is kept in a local terraform.tfstate file,
# which production must never use: state holds the credit proxy's client secret, so it belongs in
# an encrypted, versioned bucket that only the platform team can read.
#
# To use it, create the bucket once (versioning and default encryption on, public access blocked),
# fill in the names, uncomment, and run `terraform init -migrate-state`.
#
# terraform {
#   backend "s3" {
#     bucket       = "<state-bucket>"
#     key          = "bnpl/prod/terraform.tfstate"
#     region       = "us-east-1"
#     encrypt      = true
#     kms_key_id   = "<kms-key-arn>"   # optional: a customer-managed key for the state objects
#
#     # Locking: Terraform >= 1.10 locks with a lock object next to the state.
#     use_lockfile = true
#
#     # Older Terraform (1.5 - 1.9) locks with a DynamoDB table instead (partition key LockID, S):
#     # dynamodb_table = "<lock-table>"
#   }
# }
