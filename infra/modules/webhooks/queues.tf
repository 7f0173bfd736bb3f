# The dead-letter queue, the redrive queue, and the keys: one for the function's environment, the
# two queues and the alarm topic; one for merchants' signing secrets.

# ---------------------------------------------------------------- keys

# The account administers the key through IAM (the function's role gets exactly what it needs);
# CloudWatch may use it to publish alarms to the encrypted topic.
resource "aws_kms_key" "this" {
  description             = "Encrypts the ${var.name} function's environment, its dead-letter and redrive queues and its alarm topic."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  tags                    = var.tags

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }
        Action    = "kms:*"
        # In a key policy, "*" is the key itself.
        Resource = "*"
      },
      {
        # Alarms publish to the SSE-KMS topic as CloudWatch, which needs a data key.
        Sid       = "CloudWatchPublishesAlarms"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
      },
    ]
  })
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

# Merchants' signing secrets: one Secrets Manager secret per endpoint, `<secret_prefix><endpoint
# id>`, which the credit service creates, rotates and deletes and the sender reads. Principals
# of the account may use the key only through Secrets Manager (and each still needs IAM's leave).
resource "aws_kms_key" "secrets" {
  description             = "Encrypts merchants' webhook signing secrets (${var.secret_prefix}*) in Secrets Manager."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  tags                    = var.tags

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }
        Action = [
          "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
          "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
          "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
        ]
        Resource = "*"
      },
      {
        Sid       = "AccountUsesTheKeyThroughSecretsManager"
        Effect    = "Allow"
        Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          StringEquals = {
            "kms:ViaService"    = "secretsmanager.${var.region}.amazonaws.com"
            "kms:CallerAccount" = var.account_id
          }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/${var.name}-secrets"
  target_key_id = aws_kms_key.secrets.key_id
}

# ---------------------------------------------------------------- queues

# Dead letters: a delivery given up after its retries (the sender sends one message each), and
# stream batches the sender failed on (the event source mapping's on-failure destination, a
# record of the shard and sequence numbers). Kept 14 days; the alarm fires on the first.
resource "aws_sqs_queue" "dead_letters" {
  name                              = "${var.name}-dead-letters"
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
  message_retention_seconds         = 1209600 # 14 days, SQS's longest
  tags                              = var.tags
}

# Where a DLQ redrive sends dead letters back, for the sender to replay. A message the sender
# cannot replay in five receipts goes back to the dead-letter queue, not round and round.
resource "aws_sqs_queue" "redrive" {
  name                              = "${var.name}-redrive"
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
  message_retention_seconds         = 1209600
  # Lambda asks for at least the function's timeout; six times it leaves room for retries.
  visibility_timeout_seconds = min(6 * var.timeout, 43200)

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letters.arn
    maxReceiveCount     = 5
  })

  tags = var.tags
}

# The redrive allow policy names the one queue that may use the dead-letter queue, which is also
# what makes `aws sqs start-message-move-task` (the console's "Start DLQ redrive") accept it as
# a source, with the redrive queue as destination.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.redrive.arn]
  })
}
