# X-Ray for the credit service: AWS's X-Ray daemon beside the service in each task, relaying the
# trace segments sent to it on 127.0.0.1:2000 (UDP) to X-Ray, so a request is followed from
# AppSync through the credit proxy into the service. The Lambdas and AppSync trace natively; ECS
# has no such switch, hence the sidecar. It is not essential: a daemon that stops loses traces,
# never requests.

locals {
  xray_daemon = {
    name      = "xray-daemon"
    image     = var.xray_daemon_image
    essential = false
    # The daemon is one static binary that writes nothing but its log lines to stdout.
    user                   = "1337:1337"
    readonlyRootFilesystem = true
    privileged             = false
    command                = ["--region", var.region]
    cpu                    = 32
    memoryReservation      = 64
    # No port mapping: only the service beside it, in the task's own network namespace, sends
    # to it; the tasks' security group admits nothing but the load balancer anyway.
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = var.region
        awslogs-stream-prefix = "xray"
      }
    }
  }
}

# The daemon sends with the task role. X-Ray's calls have no resource-level permissions, so they
# are kept out of the task's own policy, whose statements all name their resources.
resource "aws_iam_role_policy" "xray" {
  name = "xray-daemon"
  role = aws_iam_role.task.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid    = "SendTraces"
      Effect = "Allow"
      Action = [
        "xray:PutTraceSegments", "xray:PutTelemetryRecords",
        "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries",
      ]
      Resource = "*"
    }]
  })
}
