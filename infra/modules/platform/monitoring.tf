# Metrics, alarms and the dashboard (modules/monitoring; runbook: docs/metrics.md). Its topic is
# the one every alarm notifies, the webhook sender's included.

module "monitoring" {
  source = "../monitoring"

  name       = local.name
  region     = var.region
  account_id = var.account_id
  partition  = var.partition

  graphql_api_id                 = module.graphql_api.graphql_api_id
  user_service_api_id            = module.user_service.api_id
  webhook_dead_letter_queue_name = element(split(":", module.webhooks.dead_letter_queue_arn), 5)
  other_alarm_names              = module.webhooks.alarm_names

  kms_key_deletion_window_in_days = var.kms_key_deletion_window_in_days
  tags                            = local.tags
}
