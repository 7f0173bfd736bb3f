"""The GraphQL documents these tests send and the AppSync-shaped answers they expect."""

from __future__ import annotations

import json
import uuid
from typing import Any

from bnpl.settings import SANDBOX_MERCHANT_ID

URL = "http://appsync.test/graphql"
TABLES = ("customers", "checkouts", "checkout_references")

ME = "query Me { me { id email givenName } }"
REGISTER = (
    "mutation Register($input: RegisterCustomerInput!) "
    "{ registerCustomer(input: $input) { id email givenName familyName dateOfBirth } }"
)
REGISTER_LITERAL = (
    'mutation { registerCustomer(input: {givenName: "Ada", familyName: "Byron", '
    'dateOfBirth: "1990-02-30"}) { id } }'
)
CREATE = (
    "mutation Create($input: CreateCheckoutInput!) "
    "{ createCheckout(input: $input) { id merchantId status } }"
)
CREATE_LITERAL = (
    'mutation { createCheckout(input: {merchantId: "m_sandbox", merchantReference: "literal", '
    'amount: {amount: 49.99, currency: "GBP"}, items: []}) { id } }'
)
CHECKOUT = "query Get($id: ID!) { checkout(id: $id) { id status } }"
PROFILE = {"givenName": "Ada", "familyName": "Byron", "dateOfBirth": "1990-12-10"}


def gql(query: str, variables: dict[str, Any] | None = None, **extra: Any) -> bytes:
    return json.dumps({"query": query, "variables": variables, **extra}).encode()


def checkout_input(amount: Any = 4999, currency: str = "GBP") -> dict[str, Any]:
    return {
        "merchantId": SANDBOX_MERCHANT_ID,
        "merchantReference": f"order-{uuid.uuid4()}",
        "amount": {"amount": amount, "currency": currency},
        "items": [
            {
                "sku": "S-1",
                "name": "Boots",
                "quantity": 1,
                "unitPrice": {"amount": 4999, "currency": currency},
            }
        ],
    }


def column(query: str, text: str) -> int:
    return query.index(text) + 1


def refused(query: str, at: str, *messages: str) -> dict[str, Any]:
    """A document or variables refused before any resolver runs: AppSync's validation shape."""
    location = [{"line": 1, "column": column(query, at), "sourceName": None}] if at else []
    return {
        "data": None,
        "errors": [{"path": None, "locations": location, "message": m} for m in messages],
    }


def field_error(
    query: str, name: str, error_type: str, message: str, info: Any = None
) -> dict[str, Any]:
    """A resolver's error on the root field `name`, whose result is then null."""
    location = {"line": 1, "column": column(query, f"{name}("), "sourceName": None}
    entry = {"path": [name], "data": None, "errorType": error_type, "errorInfo": info}
    return {"data": None, "errors": [{**entry, "locations": [location], "message": message}]}


def malformed(message: str) -> dict[str, Any]:
    return {"errors": [{"errorType": "MalformedHttpRequestException", "message": message}]}
