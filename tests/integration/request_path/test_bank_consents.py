"""Open-banking consents through GraphQL: emulator → APPSYNC_JS resolvers → user service."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.conftest import MakeToken
from tests.integration.request_path.conftest import Stack
from tests.integration.request_path.documents import field_error, gql

pytestmark = [pytest.mark.anyio, pytest.mark.ddblocal]

GRANT = (
    "mutation Grant($input: GrantBankConsentInput!) "
    "{ grantBankConsent(input: $input) { id status permissions expiresAt createdAt reconfirmBy } }"
)
REVOKE = "mutation Revoke($id: ID!) { revokeBankConsent(id: $id) { id status reconfirmBy } }"
MINE = "query Mine { myBankConsents { id status } }"
PERMISSIONS = ["ReadBalances", "ReadTransactionsDetail", "ReadTransactionsCredits"]


def token(make_token: MakeToken) -> str:
    sub = f"sub-{uuid.uuid4()}"
    return make_token(sub=sub, email=f"{sub}@example.test")


async def call(
    stack: Stack, authorization: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await stack.customer(authorization, gql(query, variables))
    assert response.status_code == 200
    answer: dict[str, Any] = json.loads(response.content)
    return answer


async def test_grant_list_revoke_and_revoke_again(stack: Stack, make_token: MakeToken):
    owner = token(make_token)
    granted = await call(stack, owner, GRANT, {"input": {"permissions": PERMISSIONS}})
    consent = granted["data"]["grantBankConsent"]
    assert consent["status"] == "AUTHORISED"
    assert consent["permissions"] == sorted(PERMISSIONS)
    assert consent["expiresAt"].endswith("Z")
    assert consent["reconfirmBy"] >= consent["expiresAt"]  # both 90 days on: authorised after
    # The resolver forwarded the caller's token to the user service.
    assert stack.user.header("x-forwarded-authorization") == owner.encode()

    mine = await call(stack, owner, MINE, {})
    assert mine == {"data": {"myBankConsents": [{"id": consent["id"], "status": "AUTHORISED"}]}}

    revoked = await call(stack, owner, REVOKE, {"id": consent["id"]})
    assert revoked == {
        "data": {
            "revokeBankConsent": {"id": consent["id"], "status": "REVOKED", "reconfirmBy": None}
        }
    }
    again = await call(stack, owner, REVOKE, {"id": consent["id"]})
    assert again == field_error(
        REVOKE,
        "revokeBankConsent",
        "InvalidState",
        "A consent that is REVOKED cannot be revoked",
        {"status": "REVOKED"},
    )


async def test_another_customer_can_neither_see_nor_revoke_it(stack: Stack, make_token: MakeToken):
    owner, intruder = token(make_token), token(make_token)
    granted = await call(stack, owner, GRANT, {"input": {"permissions": ["ReadBalances"]}})
    consent_id = granted["data"]["grantBankConsent"]["id"]

    assert await call(stack, intruder, MINE, {}) == {"data": {"myBankConsents": []}}
    refused = await call(stack, intruder, REVOKE, {"id": consent_id})
    assert refused == field_error(REVOKE, "revokeBankConsent", "NotFound", "Bank consent not found")
    mine = await call(stack, owner, MINE, {})
    assert mine["data"]["myBankConsents"] == [{"id": consent_id, "status": "AUTHORISED"}]


async def test_bad_permissions_are_a_validation_error(stack: Stack, make_token: MakeToken):
    caller = token(make_token)
    answer = await call(stack, caller, GRANT, {"input": {"permissions": ["ReadPAN"]}})
    assert answer["data"] is None
    (error,) = answer["errors"]
    assert error["errorType"] == "ValidationError"
    assert error["errorInfo"] == {"field": "permissions"}
    assert await call(stack, caller, MINE, {}) == {"data": {"myBankConsents": []}}
