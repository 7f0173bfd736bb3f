# The audit log (services/shared/audit). Every change of a bank consent's status (the customer's,
# the bank's notification, an expiry) is an entry put in the transaction of that change
# (TransactWriteItems is authorized item by item: dynamodb:PutItem). The function may never
# change or delete an entry: the explicit Deny wins over any Allow, including iam.tf's table
# grants, which do not name this table.

resource "aws_iam_role_policy" "audit" {
  count = var.audit_log == null ? 0 : 1

  name = "user-service-audit-log"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "AppendToTheAuditLog"
        Effect   = "Allow"
        Action   = ["dynamodb:PutItem"]
        Resource = [var.audit_log.table_arn]
      },
      {
        Sid    = "NeverRewriteTheAuditLog"
        Effect = "Deny"
        Action = [
          "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
          "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete",
        ]
        Resource = [var.audit_log.table_arn]
      },
    ]
  })
}
