"""The two resolvers that guard checkout updates, run as APPSYNC_JS (they deploy as they are).

- `Mutation.publishCheckoutUpdate` admits only a session of a `*-checkout-publisher` role: a
  merchant (or anyone else) signing it is Unauthorized, whatever IAM would have let through.
- `Subscription.onCheckoutUpdated` turns the credit proxy's answer into the subscription's
  enhanced filter: a shopper hears the checkout's updates addressed to them, a merchant its own
  checkout's; anything else is Unauthorized.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from appsync.js.runtime import JsRuntime
from appsync.realtime.filters import compile_filter, matches
from bnpl.settings import CREDIT_SERVICE_ARN, SANDBOX_MERCHANT_ARN

RESOLVERS = Path(__file__).resolve().parents[3] / "resolvers"
IAM, COGNITO, API_KEY = "AWS_IAM", "AMAZON_COGNITO_USER_POOLS", "API_KEY"
PUBLISH = "Mutation.publishCheckoutUpdate"
SUBSCRIBE = "Subscription.onCheckoutUpdated"
UPDATE = {"id": "co_1", "status": "CAPTURED", "merchantId": "m_1", "customerId": "sub-a"}


@pytest.fixture(scope="module")
def runtime() -> JsRuntime:
    loaded = JsRuntime()
    for name in (PUBLISH, SUBSCRIBE):
        loaded.load(name, (RESOLVERS / f"{name}.js").read_text(encoding="utf-8"))
    return loaded


def ctx(identity: Any, arguments: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "arguments": arguments,
        "identity": identity,
        "source": None,
        "request": {"headers": {}, "domainName": None},
        "info": {"fieldName": "f", "parentTypeName": "T", "variables": {}},
        "prev": None,
        "stash": {},
        **extra,
    }


def iam(user_arn: str) -> dict[str, Any]:
    return {"accountId": "111122223333", "userArn": user_arn, "username": "AROAX:s"}


INFRA = RESOLVERS.parent / "infra" / "modules" / "credit_service"


class TestPublish:
    def test_the_local_credit_service_publishes_and_the_sandbox_merchant_does_not(self, runtime):
        published = runtime.evaluate(
            PUBLISH, "request", ctx(iam(CREDIT_SERVICE_ARN), {"input": UPDATE}), auth_type=IAM
        )
        assert published.error is None
        spoofed = runtime.evaluate(
            PUBLISH, "request", ctx(iam(SANDBOX_MERCHANT_ARN), {"input": UPDATE}), auth_type=IAM
        )
        assert spoofed.error is not None
        assert spoofed.error.error_type == "Unauthorized"

    def test_terraform_names_both_publisher_roles_as_the_resolver_expects(self):
        code = (RESOLVERS / f"{PUBLISH}.js").read_text(encoding="utf-8")
        suffix = code.split("const PUBLISHER_ROLE_SUFFIX = '", 1)[1].split("'", 1)[0]
        assert suffix == "-checkout-publisher"
        task = (INFRA / "iam.tf").read_text(encoding="utf-8")
        sweep = (INFRA / "sweep.tf").read_text(encoding="utf-8")
        assert f'name               = "${{var.name}}-task{suffix}"' in task
        assert f'name               = "${{var.name}}-sweep{suffix}"' in sweep

    @pytest.mark.parametrize(
        "arn",
        [
            "arn:aws:sts::111122223333:assumed-role/bnpl-dev-credit-task-checkout-publisher/t-1",
            "arn:aws:sts::111122223333:assumed-role/bnpl-dev-credit-sweep-checkout-publisher/t-2",
            "arn:aws-us-gov:sts::111122223333:assumed-role/x-checkout-publisher/s",
        ],
    )
    def test_a_publisher_roles_session_publishes_the_update(self, runtime, arn):
        evaluation = runtime.evaluate(
            PUBLISH, "request", ctx(iam(arn), {"input": UPDATE}), auth_type=IAM
        )
        assert evaluation.error is None
        assert evaluation.result == {"payload": UPDATE}

    @pytest.mark.parametrize(
        "arn",
        [
            "arn:aws:iam::111122223333:user/bnpl-sandbox-merchant",  # the spoofing merchant
            "arn:aws:sts::111122223333:assumed-role/merchant-m_1/backend",
            "arn:aws:iam::111122223333:role/x-checkout-publisher",  # a role, not its session
            "arn:aws:sts::111122223333:assumed-role/-checkout-publisher/s",
            "arn:aws:sts::111122223333:assumed-role/x-checkout-publisher-evil/s",
            "arn:aws:sts::111122223333:federated-user/x-checkout-publisher",
            "not an arn",
        ],
    )
    def test_anyone_else_is_unauthorized(self, runtime, arn):
        evaluation = runtime.evaluate(
            PUBLISH, "request", ctx(iam(arn), {"input": UPDATE}), auth_type=IAM
        )
        assert evaluation.error is not None
        assert evaluation.error.error_type == "Unauthorized"

    def test_a_shopper_is_unauthorized(self, runtime):
        shopper = {"sub": "sub-a", "userArn": "x-checkout-publisher"}
        evaluation = runtime.evaluate(
            PUBLISH, "request", ctx(shopper, {"input": UPDATE}), auth_type=COGNITO
        )
        assert evaluation.error is not None
        assert evaluation.error.error_type == "Unauthorized"


def subscribe(runtime: JsRuntime, mode: str, identity: Any, answer: Any) -> Any:
    """Both phases of the subscription resolver, the credit proxy answering `answer`."""
    arguments = {"id": "co_1"}
    before = runtime.evaluate(SUBSCRIBE, "request", ctx(identity, arguments), auth_type=mode)
    if before.error is not None:
        return before
    assert before.result["operation"] == "Invoke"
    payload = before.result["payload"]
    assert payload["info"] == {
        "fieldName": "onCheckoutUpdated",
        "parentTypeName": "Subscription",
        "variables": {},
        "selectionSetList": [],
        "selectionSetGraphQL": "",
    }
    assert (payload["arguments"], payload["identity"]) == (arguments, identity)
    return runtime.evaluate(
        SUBSCRIBE, "response", ctx(identity, arguments, result=answer, error=None), auth_type=mode
    )


class TestSubscribe:
    def test_a_shopper_hears_only_updates_of_that_checkout_addressed_to_them(self, runtime):
        after = subscribe(runtime, COGNITO, {"sub": "sub-a"}, {"customerId": "sub-a"})
        assert after.error is None
        assert after.result is None
        heard = compile_filter(after.subscription_filter)
        assert matches(heard, UPDATE)
        assert not matches(heard, {**UPDATE, "customerId": "sub-b"})  # another shopper's view
        assert not matches(heard, {**UPDATE, "customerId": None})
        assert not matches(heard, {**UPDATE, "id": "co_2"})

    def test_a_merchant_hears_only_its_own_checkouts_updates(self, runtime):
        merchant = iam("arn:aws:iam::111122223333:user/bnpl-sandbox-merchant")
        after = subscribe(runtime, IAM, merchant, {"merchantId": "m_1"})
        assert after.error is None
        heard = compile_filter(after.subscription_filter)
        assert matches(heard, UPDATE)
        assert matches(heard, {**UPDATE, "customerId": "sub-b"})
        assert not matches(heard, {**UPDATE, "merchantId": "m_2"})

    @pytest.mark.parametrize(
        ("mode", "identity", "answer"),
        [
            (COGNITO, {"sub": "sub-a"}, {"merchantId": "m_1"}),  # a shopper is no merchant
            (IAM, iam("arn:aws:iam::1:user/m"), {"customerId": "sub-a"}),
            (IAM, iam("arn:aws:iam::1:user/m"), None),
            (API_KEY, None, {"customerId": "sub-a"}),
        ],
        ids=["shopper-as-merchant", "merchant-as-shopper", "no-answer", "api-key"],
    )
    def test_no_audience_no_subscription(self, runtime, mode, identity, answer):
        after = subscribe(runtime, mode, identity, answer)
        assert after.error is not None
        assert after.error.error_type == "Unauthorized"
        assert after.subscription_filter is None

    def test_the_proxys_refusal_refuses_the_subscription(self, runtime):
        merchant = iam("arn:aws:iam::111122223333:user/bnpl-sandbox-merchant")
        arguments = {"id": "co_1"}
        refused = {"message": "not yours", "type": "Unauthorized"}
        after = runtime.evaluate(
            SUBSCRIBE,
            "response",
            ctx(merchant, arguments, result=None, error=refused),
            auth_type=IAM,
        )
        assert after.error is not None
        assert (after.error.error_type, after.error.message) == ("Unauthorized", "not yours")
