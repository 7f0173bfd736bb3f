"""The planned dev environment creates everything the product needs, and nothing by accident.

The plan is the dev root's (see `dev_plan.py`). The expected number of each resource type is a
literal table below, so adding or dropping a resource is a reviewed change to this file; the
counts that follow the code are computed from it: one DynamoDB table per pynamodb model the
services deploy (`services/*/models.py` MODELS), one resolver per binding and one data source
per declared data source (`resolvers/bindings.json`, written by `bnpl schema export`), one
AppSync function per distinct pipeline function.

Beyond counts, a few properties that only the whole plan shows: the web ACL is associated with
the API and logs, each component has its own IAM role, every log group has a retention of at
least a year and a KMS key, the user pool has the customers and underwriters groups.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bnpl.tables import LOCAL_MODELS, SERVICE_MODELS
from services.shared.audit.models import MODELS as AUDIT_MODELS
from services.shared.dynamodb import short_name
from tests.infra.conftest import REPO_ROOT
from tests.infra.dev_plan import DevPlan, dev_plan

pytestmark = pytest.mark.infra

PREFIX = "module.platform.module"

# What the dev root plans, by resource type, apart from the types that follow the code (below).
# Dev runs in two availability zones with a single NAT gateway.
EXPECTED_COUNTS: dict[str, int] = {
    # The API (graphql_api) and its web ACL (waf); the checkout page's global web ACL, which its
    # distribution names (no association).
    "aws_appsync_graphql_api": 1,
    "aws_wafv2_web_acl": 2,
    "aws_wafv2_web_acl_association": 1,
    "aws_wafv2_web_acl_logging_configuration": 2,
    # The checkout page (web_page): its bucket and the access-log bucket, each private, versioned,
    # encrypted, with a lifecycle and a TLS-only policy; the page bucket's access logging; its
    # config.json; CloudFront with origin access control, the SPA route function, two cache
    # policies (hashed assets, entry files) and the security headers.
    "aws_s3_bucket": 2,
    "aws_s3_bucket_public_access_block": 2,
    "aws_s3_bucket_ownership_controls": 2,
    "aws_s3_bucket_versioning": 2,
    "aws_s3_bucket_server_side_encryption_configuration": 2,
    "aws_s3_bucket_lifecycle_configuration": 2,
    "aws_s3_bucket_policy": 2,
    "aws_s3_bucket_logging": 1,
    "aws_s3_object": 1,
    "aws_cloudfront_distribution": 1,
    "aws_cloudfront_origin_access_control": 1,
    "aws_cloudfront_function": 1,
    "aws_cloudfront_cache_policy": 2,
    "aws_cloudfront_response_headers_policy": 1,
    # The user service: a Lambda behind an HTTP API with an IAM-authorized $default route and the
    # bank's signed notifications route (no IAM); the bank's signing secret.
    "aws_apigatewayv2_api": 1,
    "aws_apigatewayv2_stage": 1,
    "aws_apigatewayv2_route": 2,
    "aws_secretsmanager_secret": 1,
    "aws_apigatewayv2_integration": 1,
    "aws_lambda_permission": 1,
    # The user service, the credit proxy, the webhook sender and the pre-screening step (the same
    # image, four handlers); the first two with a DLQ each, the sender with its dead-letter queue
    # and the redrive queue a DLQ redrive sends back to. The step function has none: Step Functions
    # invokes it synchronously; the state machine invokes its live alias.
    "aws_lambda_function": 4,
    "aws_lambda_alias": 1,
    # The pre-screening workflow: one Express state machine (the repository's ASL definition).
    "aws_sfn_state_machine": 1,
    "aws_sqs_queue": 4,
    "aws_sqs_queue_redrive_allow_policy": 1,
    # The sender's triggers: the outbox's stream and the redrive queue, and a one-minute schedule
    # (whose asynchronous invocations are not retried).
    "aws_lambda_event_source_mapping": 2,
    "aws_lambda_function_event_invoke_config": 1,
    # The sender's alarms (dead letters, delivery failure rate, errors); the platform's (the API's,
    # the user service's and the credit service's 5xx rates, decision p99, screening errors,
    # payment failures), the one topic they all notify, and the dashboard (modules/monitoring).
    "aws_cloudwatch_metric_alarm": 9,
    "aws_sns_topic": 1,
    "aws_cloudwatch_dashboard": 1,
    # The credit service on Fargate behind an internal NLB, published over PrivateLink.
    "aws_ecs_cluster": 1,
    # The service's, and the daily sweep's (python -m services.credit.sweep_task) with its
    # schedule; the webhook sender's one-minute sweep is the other schedule.
    "aws_ecs_task_definition": 2,
    "aws_scheduler_schedule": 2,
    "aws_ecs_service": 1,
    "aws_lb": 1,
    "aws_lb_target_group": 1,
    "aws_lb_listener": 1,
    "aws_vpc_endpoint_service": 1,
    "aws_cloudwatch_event_bus": 1,
    # The credit model.
    "aws_sagemaker_model": 1,
    "aws_sagemaker_endpoint_configuration": 1,
    "aws_sagemaker_endpoint": 1,
    # Identity: the pool, the web and credit-proxy clients, customers and underwriters, the
    # resource server of the proxy's scope, the domain serving /oauth2/token.
    "aws_cognito_user_pool": 1,
    "aws_cognito_user_pool_client": 2,
    "aws_cognito_user_group": 2,
    "aws_cognito_resource_server": 1,
    "aws_cognito_user_pool_domain": 1,
    # One role per component (see EXPECTED_ROLES), each with one inline policy; the credit
    # service's task role has a second, for its X-Ray daemon (whose calls take no resource).
    # The four roles that write audited changes (credit service, sweep, user service, webhook
    # sender) have one more each: the audit log's (put entries, never update or delete one).
    "aws_iam_role": 15,
    "aws_iam_policy": 1,  # the merchant policy (resolvers/bindings.json `iam_callers.merchant`)
    "aws_iam_role_policy": 20,
    # The audit log's own policy: no principal updates or deletes an entry.
    "aws_dynamodb_resource_policy": 1,
    # API, WAF, flow logs, credit service, credit proxy, user service (function and access),
    # scoring endpoint, the checkout page's WAF, the webhook sender, the screening step function
    # and the state machine's execution history.
    "aws_cloudwatch_log_group": 12,
    # Images: lambda, credit-service, scoring; only the Lambda repository needs a policy.
    "aws_ecr_repository": 3,
    "aws_ecr_lifecycle_policy": 3,
    "aws_ecr_repository_policy": 1,
    # Keys: logs (network; the API and WAF logs use it too), images, tables, credit events,
    # credit proxy, user service, scoring endpoint, the checkout page's files and its WAF logs
    # (in us-east-1), the webhook sender (environment, queues) and merchants' webhook signing
    # secrets, the alarm topic, the screening step function (environment); each with an alias.
    "aws_kms_key": 13,
    "aws_kms_alias": 13,
    # Network: one VPC, a private and a public subnet per zone, one NAT gateway (dev).
    "aws_vpc": 1,
    "aws_subnet": 4,
    "aws_internet_gateway": 1,
    "aws_eip": 1,
    "aws_nat_gateway": 1,
    "aws_route_table": 3,
    "aws_route": 3,
    "aws_route_table_association": 4,
    "aws_flow_log": 1,
    "aws_default_security_group": 1,
    # Endpoints: 6 interface (ecr.api, ecr.dkr, logs, sts, sagemaker.runtime, events),
    # 2 gateway (dynamodb, s3), and the credit proxy's to the credit service.
    "aws_vpc_endpoint": 9,
    # Endpoints, NLB, credit service tasks, credit proxy and its endpoint, user service, webhook
    # sender, screening step function (HTTPS out only).
    "aws_security_group": 8,
    "aws_vpc_security_group_ingress_rule": 4,
    "aws_vpc_security_group_egress_rule": 7,
}

# The role of each component, by address: whoever assumes it does only that component's work.
EXPECTED_ROLES = {
    f"{PREFIX}.network.aws_iam_role.flow_logs",
    f"{PREFIX}.graphql_api.aws_iam_role.logs",
    f'{PREFIX}.graphql_api.aws_iam_role.data_source["user_service"]',
    f'{PREFIX}.graphql_api.aws_iam_role.data_source["credit_proxy"]',
    f"{PREFIX}.user_service.aws_iam_role.this",
    f"{PREFIX}.credit_proxy.aws_iam_role.this",
    f"{PREFIX}.credit_service.aws_iam_role.task",
    f"{PREFIX}.credit_service.aws_iam_role.execution",
    f"{PREFIX}.credit_service.aws_iam_role.sweep",
    f"{PREFIX}.credit_service.aws_iam_role.scheduler",
    f"{PREFIX}.scoring_endpoint.aws_iam_role.this",
    f"{PREFIX}.webhooks.aws_iam_role.sender",
    f"{PREFIX}.webhooks.aws_iam_role.scheduler",
    f"{PREFIX}.screening_workflow.aws_iam_role.function",
    f"{PREFIX}.screening_workflow.aws_iam_role.state_machine",
}


def _bindings() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (REPO_ROOT / "resolvers" / "bindings.json").read_text(encoding="utf-8")
    )
    return document


def counts_from_the_code() -> dict[str, int]:
    """The counts that follow the models and the bindings."""
    bindings = _bindings()
    functions = {
        function["name"]
        for resolver in bindings["resolvers"].values()
        for function in resolver.get("functions") or []
    }
    return {
        # Dev runs the sandbox card network, whose two tables it deploys too; and the audit log.
        "aws_dynamodb_table": len(SERVICE_MODELS) + 2 + len(AUDIT_MODELS),
        "aws_appsync_resolver": len(bindings["resolvers"]),
        "aws_appsync_datasource": len(bindings["data_sources"]),
        "aws_appsync_function": len(functions),
    }


@pytest.fixture(scope="module")
def planned(
    tmp_path_factory: pytest.TempPathFactory,
    terraform_binary: Path,
    terraform_version: tuple[int, int, int],
    provider_mirror: Path,
) -> DevPlan:
    return dev_plan(
        tmp_path_factory, binary=terraform_binary, version=terraform_version, mirror=provider_mirror
    )


def test_the_code_derived_counts_are_not_empty():
    derived = counts_from_the_code()
    assert derived["aws_dynamodb_table"] > 0
    assert derived["aws_appsync_resolver"] > 0
    assert not set(derived) & set(EXPECTED_COUNTS)


def test_the_plan_creates_exactly_the_expected_resources(planned: DevPlan):
    expected = {**EXPECTED_COUNTS, **counts_from_the_code()}
    expected = {kind: count for kind, count in expected.items() if count}
    actual = dict(Counter(resource.type for resource in planned.resources))
    assert actual == expected


def test_one_table_per_deployed_model_and_the_sandbox_networks_and_no_other_local_one(
    planned: DevPlan,
):
    names = {r.values["name"] for r in planned.of_type("aws_dynamodb_table")}
    sandbox = {"bnpl-dev-sandbox_charges", "bnpl-dev-sandbox_refunds"}
    deployed = (*SERVICE_MODELS, *AUDIT_MODELS)
    assert names == {f"bnpl-dev-{short_name(model)}" for model in deployed} | sandbox
    local_only = {f"bnpl-dev-{short_name(model)}" for model in LOCAL_MODELS} - sandbox
    assert not names & local_only


def test_one_resolver_per_binding(planned: DevPlan):
    resolvers = {
        f"{r.values['type']}.{r.values['field']}" for r in planned.of_type("aws_appsync_resolver")
    }
    assert resolvers == set(_bindings()["resolvers"])


def test_the_api_is_behind_the_web_acl_which_logs(planned: DevPlan):
    (api,) = planned.of_type("aws_appsync_graphql_api")
    (association,) = planned.of_type("aws_wafv2_web_acl_association")
    (acl,) = [a for a in planned.of_type("aws_wafv2_web_acl") if a.values["scope"] == "REGIONAL"]
    logged = {
        r.values["resource_arn"] for r in planned.of_type("aws_wafv2_web_acl_logging_configuration")
    }
    assert association.values["resource_arn"] == api.values["arn"]
    assert association.values["web_acl_arn"] == acl.values["arn"]
    assert acl.values["arn"] in logged


def test_the_checkout_page_is_behind_a_global_web_acl_which_logs(planned: DevPlan):
    (distribution,) = planned.of_type("aws_cloudfront_distribution")
    (acl,) = [a for a in planned.of_type("aws_wafv2_web_acl") if a.values["scope"] == "CLOUDFRONT"]
    logged = {
        r.values["resource_arn"] for r in planned.of_type("aws_wafv2_web_acl_logging_configuration")
    }
    assert distribution.values["web_acl_id"] == acl.values["arn"]
    assert acl.values["arn"] in logged


def test_the_credit_service_redirects_to_the_checkout_page(planned: DevPlan):
    url = planned.outputs["checkout_page_url"]
    assert url.startswith("https://")
    assert planned.outputs["service_environment"]["credit"]["BNPL_CHECKOUT_PAGE_URL"] == url
    # Plain-http localhost return URLs are the local stack's only.
    assert "BNPL_ALLOW_LOCAL_HTTP_REDIRECTS" not in planned.outputs["service_environment"]["credit"]


def test_one_role_per_component(planned: DevPlan):
    assert {r.address for r in planned.of_type("aws_iam_role")} == EXPECTED_ROLES


def test_only_the_credit_services_roles_are_checkout_publishers(planned: DevPlan):
    """Mutation.publishCheckoutUpdate.js admits sessions of roles named `*-checkout-publisher`:
    exactly the credit service's task role and its sweep's."""
    publishers = {
        r.address
        for r in planned.of_type("aws_iam_role")
        if str(r.values.get("name") or "").endswith("-checkout-publisher")
    }
    assert publishers == {
        f"{PREFIX}.credit_service.aws_iam_role.task",
        f"{PREFIX}.credit_service.aws_iam_role.sweep",
    }


def test_every_log_group_is_kept_a_year_and_encrypted(planned: DevPlan):
    problems = [
        f"{r.address}: retention {r.values.get('retention_in_days')}, "
        f"key {r.values.get('kms_key_id')!r}"
        for r in planned.of_type("aws_cloudwatch_log_group")
        if (r.values.get("retention_in_days") or 0) < 365 or not r.values.get("kms_key_id")
    ]
    assert not problems, "\n".join(problems)


def test_the_user_pool_has_the_customer_and_underwriter_groups(planned: DevPlan):
    groups = {r.values["name"] for r in planned.of_type("aws_cognito_user_group")}
    assert groups == {"customers", "underwriters"}
    # The schema's staff-only fields name the underwriters group.
    schema = (REPO_ROOT / "schema" / "schema.graphql").read_text(encoding="utf-8")
    assert 'cognito_groups: ["underwriters"]' in schema


def test_the_user_services_api_invokes_its_function_only(planned: DevPlan):
    (permission,) = planned.of_type("aws_lambda_permission")
    assert permission.values["principal"] == "apigateway.amazonaws.com"
    assert permission.address.startswith(f"{PREFIX}.user_service.")
    routes = {r.values["route_key"]: r.values for r in planned.of_type("aws_apigatewayv2_route")}
    assert {key: route["authorization_type"] for key, route in routes.items()} == {
        "$default": "AWS_IAM",
        # The bank signs its notifications itself; the user service verifies the signature.
        "POST /bank/notifications": "NONE",
    }
    (stage,) = planned.of_type("aws_apigatewayv2_stage")
    throttled = {s["route_key"] for s in stage.values["route_settings"]}
    assert throttled == {"POST /bank/notifications"}


def test_the_credit_proxy_reaches_the_credit_service_through_privatelink(planned: DevPlan):
    (service,) = planned.of_type("aws_vpc_endpoint_service")
    proxy_endpoints = [
        r
        for r in planned.of_type("aws_vpc_endpoint")
        if r.address.startswith(f"{PREFIX}.credit_proxy.")
    ]
    assert [e.values["service_name"] for e in proxy_endpoints] == [service.values["service_name"]]
    assert proxy_endpoints[0].values["vpc_endpoint_type"] == "Interface"


def test_the_webhook_sender_has_its_three_triggers(planned: DevPlan):
    (sender,) = [
        f
        for f in planned.of_type("aws_lambda_function")
        if f.address.startswith(f"{PREFIX}.webhooks.")
    ]
    (image_config,) = sender.values["image_config"]
    assert image_config["command"] == ["services.credit.webhooks.lambda_handler.handler"]
    (events_table,) = [
        t
        for t in planned.of_type("aws_dynamodb_table")
        if t.values["name"] == "bnpl-dev-webhook_events"
    ]
    assert events_table.values["stream_enabled"]
    assert events_table.values["stream_view_type"] == "NEW_IMAGE"
    mappings = {
        m.address.rsplit(".", 1)[1]: m.values
        for m in planned.of_type("aws_lambda_event_source_mapping")
    }
    assert set(mappings) == {"events", "redrive"}
    assert mappings["events"]["event_source_arn"] == events_table.values["stream_arn"]
    assert mappings["events"]["bisect_batch_on_function_error"]
    queues = {q.address.rsplit(".", 1)[1]: q.values for q in planned.of_type("aws_sqs_queue")}
    assert mappings["redrive"]["event_source_arn"] == queues["redrive"]["arn"]
    (on_failure,) = mappings["events"]["destination_config"][0]["on_failure"]
    assert on_failure["destination_arn"] == queues["dead_letters"]["arn"]
    schedules = [
        s
        for s in planned.of_type("aws_scheduler_schedule")
        if s.address.startswith(f"{PREFIX}.webhooks.")
    ]
    assert [s.values["schedule_expression"] for s in schedules] == ["rate(1 minute)"]
    assert schedules[0].values["target"][0]["arn"] == sender.values["arn"]
