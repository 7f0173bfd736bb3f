# The audit log (services/shared/audit). The service records decisions, reviews and money moves,
# and the sweep its expiries and late fees, each as an entry put in the transaction of its change
# (TransactWriteItems is authorized item by item, so a put is dynamodb:PutItem); the service also
# reads an application's trail for underwriters (Query). Neither may change or delete an entry:
# the explicit Deny wins over any Allow, this role's or one added later. Their own policies
# (iam.tf, sweep.tf) do not name the table.

locals {
  audit_rewrites = [
    "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete",
  ]

  audit_deny = {
    Sid      = "NeverRewriteTheAuditLog"
    Effect   = "Deny"
    Action   = local.audit_rewrites
    Resource = try(var.audit_log.table_arn, null)
  }
}

resource "aws_iam_role_policy" "task_audit" {
  count = var.audit_log == null ? 0 : 1

  name = "credit-service-audit-log"
  role = aws_iam_role.task.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "AppendToAndReadTheAuditLog"
        Effect   = "Allow"
        Action   = ["dynamodb:PutItem", "dynamodb:Query"]
        Resource = var.audit_log.table_arn
      },
      local.audit_deny,
    ]
  })
}

resource "aws_iam_role_policy" "sweep_audit" {
  count = var.audit_log == null ? 0 : 1

  name = "credit-sweep-audit-log"
  role = aws_iam_role.sweep.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "AppendToTheAuditLog"
        Effect   = "Allow"
        Action   = "dynamodb:PutItem"
        Resource = var.audit_log.table_arn
      },
      local.audit_deny,
    ]
  })
}
