"""AppSync's direct-Lambda events for the credit proxy, and how to read what it raised."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from services.credit_proxy.proxy import CreditProxy
from services.shared.errors import ServiceError
from tests.conftest import ISSUER
from tests.functional.services.conftest import SHOP_ARN


@dataclass
class Context:
    """The attributes of Lambda's context object that Powertools reads."""

    function_name: str = "bnpl-credit-proxy"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:bnpl-credit-proxy"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def event(
    parent: str,
    name: str,
    arguments: dict[str, Any],
    *,
    identity: dict[str, Any] | None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """AppSync's direct-Lambda event for one field."""
    return {
        "arguments": arguments,
        "identity": identity,
        "source": None,
        "request": {"headers": headers or {}, "domainName": None},
        "prev": None,
        "info": {
            "fieldName": name,
            "parentTypeName": parent,
            "variables": {},
            "selectionSetList": ["id", "status"],
            "selectionSetGraphQL": "{\n  id\n  status\n}",
        },
        "stash": {},
    }


def iam(arn: str = SHOP_ARN) -> dict[str, Any]:
    return {
        "accountId": arn.split(":")[4],
        "cognitoIdentityPoolId": None,
        "cognitoIdentityId": None,
        "sourceIp": ["203.0.113.7"],
        "username": "AIDAEXAMPLEUSERID",
        "userArn": arn,
        "cognitoIdentityAuthType": None,
        "cognitoIdentityAuthProvider": None,
    }


def cognito(sub: str) -> dict[str, Any]:
    return {
        "sub": sub,
        "issuer": ISSUER,
        "username": sub,
        "claims": {"sub": sub, "iss": ISSUER, "token_use": "id"},
        "sourceIp": ["203.0.113.8"],
        "defaultAuthStrategy": "ALLOW",
        "groups": ["customers"],
    }


def checkout_input(reference: str | None = None, total: int = 2598) -> dict[str, Any]:
    return {
        "merchantId": "m_shop",
        "merchantReference": reference or f"order-{uuid.uuid4()}",
        "amount": {"amount": total, "currency": "GBP"},
        "items": [
            {
                "sku": "SOCK",
                "name": "Socks",
                "quantity": 2,
                "unitPrice": {"amount": total // 2, "currency": "GBP"},
            }
        ],
    }


def create(
    arguments: dict[str, Any], identity: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    return event(
        "Mutation", "createCheckout", {"input": arguments}, identity=identity, headers=headers
    )


def get(
    checkout_id: str, identity: dict[str, Any] | None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    return event("Query", "checkout", {"id": checkout_id}, identity=identity, headers=headers)


def raised(
    proxy: CreditProxy, lambda_event: dict[str, Any], context: Context | None = None
) -> ServiceError:
    """The exception the Lambda raised: its class name is what AppSync reports as errorType."""
    with pytest.raises(ServiceError) as caught:
        proxy(lambda_event, context or Context())
    return caught.value
