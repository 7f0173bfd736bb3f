# The audit log (services/shared/audit). The sender disables an endpoint that answered 410 Gone or
# kept failing, and that change is recorded as an entry put in its transaction
# (TransactWriteItems is authorized item by item: dynamodb:PutItem). The sender may never change
# or delete an entry: the explicit Deny wins over any Allow.

resource "aws_iam_role_policy" "sender_audit" {
  count = var.audit_log == null ? 0 : 1

  name = "webhook-sender-audit-log"
  role = aws_iam_role.sender.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "AppendToTheAuditLog"
        Effect   = "Allow"
        Action   = "dynamodb:PutItem"
        Resource = var.audit_log.table_arn
      },
      {
        Sid    = "NeverRewriteTheAuditLog"
        Effect = "Deny"
        Action = [
          "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
          "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete",
        ]
        Resource = var.audit_log.table_arn
      },
    ]
  })
}
