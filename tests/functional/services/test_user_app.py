"""The user service in process (httpx.ASGITransport) on DynamoDB Local."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import replace
from typing import Any

import httpx
import pytest

from services.user.app import create_app
from tests.conftest import UNREACHABLE_DYNAMODB
from tests.functional.services.conftest import HeaderRecorder, ServedApp

pytestmark = [pytest.mark.ddblocal, pytest.mark.anyio]

PROFILE = {"givenName": "Ada", "familyName": "Byron", "dateOfBirth": "1990-12-10"}
ADDRESS = {
    "line1": "1 Analytical Row",
    "line2": None,
    "city": "London",
    "postcode": "N1 9GU",
    "country": "GB",
}


@pytest.fixture(scope="module")
def recorder(ddb_settings):
    return HeaderRecorder(create_app(ddb_settings))


def asgi_client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://user.test")


@pytest.fixture
async def client(recorder):
    async with asgi_client(recorder) as test_client:
        yield test_client


@pytest.fixture
def shopper(make_token):
    """A new customer's authorization header."""
    sub = f"sub-{uuid.uuid4()}"
    return sub, {"authorization": make_token(sub=sub, email=f"{sub}@example.test")}


class TestRegistration:
    async def test_register_then_me_then_register_again(self, client, shopper):
        sub, auth = shopper
        created = await client.post(
            "/customers", json={**PROFILE, "address": ADDRESS}, headers=auth
        )
        assert created.status_code == 201
        customer = created.json()
        assert customer == {
            "id": sub,
            "email": f"{sub}@example.test",
            "phone": None,
            **PROFILE,
            "address": ADDRESS,
            "verificationStatus": "UNVERIFIED",
            "createdAt": customer["createdAt"],
        }
        assert customer["createdAt"].endswith("Z")

        me = await client.get("/customers/me", headers=auth)
        assert (me.status_code, me.json()) == (200, customer)

        again = await client.post(
            "/customers", json={**PROFILE, "givenName": "Augusta"}, headers=auth
        )
        assert (again.status_code, again.json()) == (200, customer)

    async def test_the_email_comes_from_the_token(self, client, make_token, scan):
        before = len(scan("customers"))
        token = make_token(sub=f"sub-{uuid.uuid4()}", token_use="access")  # no email claim
        response = await client.post("/customers", json=PROFILE, headers={"authorization": token})
        assert response.status_code == 400
        assert response.json()["details"] == {"field": "email"}
        assert "no email" in response.json()["message"]
        assert len(scan("customers")) == before

    async def test_me_before_registering_is_not_found(self, client, shopper):
        response = await client.get("/customers/me", headers=shopper[1])
        assert response.status_code == 404
        assert response.json() == {"error": "NotFound", "message": "Customer is not registered"}

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({**PROFILE, "dateOfBirth": "1990-02-30"}, "dateOfBirth"),
            ({**PROFILE, "dateOfBirth": "2015-01-01"}, "dateOfBirth"),
            ({**PROFILE, "givenName": ""}, "givenName"),
            ({**PROFILE, "familyName": "x" * 101}, "familyName"),
            ({**PROFILE, "phone": "07700 900123"}, "phone"),
            ({**PROFILE, "address": {**ADDRESS, "country": "XX"}}, "address.country"),
            ({**PROFILE, "address": {**ADDRESS, "postcode": ""}}, "address.postcode"),
            ({**PROFILE, "email": "me@example.test"}, "email"),
            ({"givenName": "Ada", "familyName": "Byron"}, "dateOfBirth"),
        ],
    )
    async def test_bad_input_names_the_field_and_writes_nothing(
        self, client, shopper, scan, body, field
    ):
        before = scan("customers")
        response = await client.post("/customers", json=body, headers=shopper[1])
        assert response.status_code == 400
        assert response.json()["error"] == "ValidationError"
        assert response.json()["details"]["field"] == field
        assert scan("customers") == before


class TestUpdate:
    async def test_changes_only_the_given_fields(self, client, shopper):
        auth = shopper[1]
        registered = (
            await client.post(
                "/customers", json={**PROFILE, "phone": "+447700900123"}, headers=auth
            )
        ).json()
        changed = await client.patch(
            "/customers/me", json={"familyName": "Lovelace", "address": ADDRESS}, headers=auth
        )
        assert changed.status_code == 200
        assert changed.json() == {**registered, "familyName": "Lovelace", "address": ADDRESS}
        assert (await client.get("/customers/me", headers=auth)).json() == changed.json()

        cleared = (await client.patch("/customers/me", json={"phone": None}, headers=auth)).json()
        assert cleared["phone"] is None
        assert cleared["familyName"] == "Lovelace"

    async def test_an_unregistered_customer_is_not_found_and_nothing_is_written(
        self, client, shopper, scan
    ):
        before = scan("customers")
        response = await client.patch(
            "/customers/me", json={"givenName": "Ada"}, headers=shopper[1]
        )
        assert response.status_code == 404
        assert response.json()["error"] == "NotFound"
        assert scan("customers") == before

    async def test_bad_input_changes_nothing(self, client, shopper):
        auth = shopper[1]
        registered = (await client.post("/customers", json=PROFILE, headers=auth)).json()
        for body in ({"dateOfBirth": "yesterday"}, {"givenName": None}, {"id": "someone-else"}):
            response = await client.patch("/customers/me", json=body, headers=auth)
            assert response.status_code == 400, body
        assert (await client.get("/customers/me", headers=auth)).json() == registered

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            (b'{"givenName": "\\ud800x"}', "givenName"),
            (
                b'{"address": {"line1": "1 Row", "city": "L\\udfff", "postcode": "N1", '
                b'"country": "GB"}}',
                "address.city",
            ),
            (b'{"\\udc00": "x"}', "\\udc00"),
        ],
    )
    async def test_text_that_is_not_valid_unicode_names_the_field_and_changes_nothing(
        self, client, shopper, scan, body, field
    ):
        """A lone surrogate (JSON can escape one) is no text any store or answer can hold."""
        auth = shopper[1]
        registered = (await client.post("/customers", json=PROFILE, headers=auth)).json()
        before = scan("customers")
        response = await client.patch(
            "/customers/me", content=body, headers={**auth, "content-type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json() == {
            "error": "ValidationError",
            "message": f"{field} is not valid Unicode text (it has a lone surrogate)",
            "details": {"field": field},
        }
        assert scan("customers") == before
        assert (await client.get("/customers/me", headers=auth)).json() == registered


class TestRequests:
    async def test_oversized_body(self, client, shopper, scan):
        before = scan("customers")
        body = json.dumps({**PROFILE, "givenName": "x" * 70_000})
        response = await client.post(
            "/customers",
            content=body,
            headers={**shopper[1], "content-type": "application/json"},
        )
        assert response.status_code == 413
        assert response.json()["error"] == "ValidationError"
        assert scan("customers") == before

    @pytest.mark.parametrize("body", [b"{not json", b"", b"[1, 2]", b'"text"', b"\xff\xfe"])
    async def test_malformed_json(self, client, shopper, body):
        response = await client.post("/customers", content=body, headers=shopper[1])
        assert response.status_code == 400
        assert response.json()["error"] == "ValidationError"

    async def test_no_token(self, client):
        response = await client.get("/customers/me")
        assert response.status_code == 401
        assert response.json() == {
            "error": "UnauthorizedException",
            "message": "You are not authorized to make this call.",
        }

    @pytest.mark.parametrize(
        ("claims", "reason"),
        [
            ({"exp_delta": -60}, "Token has expired"),
            ({"iat": None}, 'Token is invalid: Token is missing the "iat" claim'),
            ({"client_id": "another-app"}, "Token was not issued for this application"),
        ],
    )
    async def test_a_refused_token_gets_appsyncs_words_and_the_log_the_reason(
        self, client, make_token, caplog, claims, reason
    ):
        token = make_token(**claims)
        with caplog.at_level(logging.INFO, logger="services"):
            response = await client.get("/customers/me", headers={"authorization": token})
        assert response.status_code == 401
        assert response.json() == {
            "error": "UnauthorizedException",
            "message": "You are not authorized to make this call.",
        }
        assert [m for m in caplog.messages if m.startswith("token refused")] == [
            f"token refused: {reason}"
        ]
        assert all(token not in message for message in caplog.messages)

    async def test_the_service_principal_may_not_use_profiles(self, client, idp):
        response = await client.get("/customers/me", headers={"authorization": idp.service_token()})
        assert response.status_code == 403
        assert response.json()["error"] == "Unauthorized"

    async def test_the_forwarded_token_wins_over_authorization(self, client, make_token):
        """HTTP resolvers send the caller's JWT in X-Forwarded-Authorization: in AWS, AppSync's
        SigV4 signature occupies Authorization."""
        sub = f"sub-{uuid.uuid4()}"
        headers = {
            "authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/execute-api",
            "x-forwarded-authorization": make_token(sub=sub, email="a@example.test"),
        }
        assert (await client.post("/customers", json=PROFILE, headers=headers)).json()["id"] == sub

    async def test_the_token_arrives_byte_for_byte(self, client, recorder, shopper):
        token = shopper[1]["authorization"]
        await client.get("/customers/me", headers={"authorization": f"Bearer {token}"})
        assert recorder.header("authorization") == f"Bearer {token}".encode()

    async def test_unknown_route_and_method(self, client, shopper):
        missing = await client.get("/customers/someone-else", headers=shopper[1])
        assert (missing.status_code, missing.json()["error"]) == (404, "NotFound")
        for path in ("/customers/me/", "/customers/", "/customers/me/bank-consents/"):
            slashed = await client.get(path, headers=shopper[1])
            assert (slashed.status_code, slashed.json()["error"]) == (404, "NotFound"), path
        wrong = await client.delete("/customers/me", headers=shopper[1])
        assert (wrong.status_code, wrong.json()["error"]) == (405, "MethodNotAllowed")

    async def test_public_routes(self, client):
        assert (await client.get("/health")).json() == {"status": "ok", "service": "user"}
        document = (await client.get("/openapi.json")).json()
        assert document["openapi"].startswith("3.1")
        assert {"/health", "/customers", "/customers/me"} <= set(document["paths"])
        assert set(document["paths"]["/customers/me"]) == {"get", "patch"}

    async def test_every_route_is_documented_and_every_documented_route_exists(
        self, client, recorder
    ):
        document = (await client.get("/openapi.json")).json()
        methods = {"get", "put", "post", "delete", "patch"}  # not path-level `parameters`
        documented = {
            (path, op) for path, ops in document["paths"].items() for op in ops if op in methods
        }
        served = {
            (route.path, method.lower())
            for route in recorder.app.routes
            for method in route.methods or ()
            if method != "HEAD" and route.path != "/openapi.json"
        }
        assert documented == served


async def test_an_unreachable_store_is_a_dependency_failure(ddb_settings, shopper):
    app = create_app(replace(ddb_settings, dynamodb_endpoint=UNREACHABLE_DYNAMODB))
    async with asgi_client(app) as client:
        response = await client.get("/customers/me", headers=shopper[1])
    assert response.status_code == 502
    assert response.json() == {
        "error": "DependencyFailure",
        "message": "The data store is unavailable; try again",
    }


async def test_any_other_storage_error_is_a_generic_internal_error(ddb_settings, shopper):
    # A table that does not exist is our misconfiguration, not the caller's to retry.
    app = create_app(replace(ddb_settings, table_prefix="no-such-table-"))
    async with asgi_client(app) as client:
        response = await client.get("/customers/me", headers=shopper[1])
    assert response.status_code == 500
    assert response.json() == {"error": "InternalError", "message": "An internal error occurred"}


def test_concurrent_registrations_create_one_profile(recorder, make_token, scan):
    """Six registrations of one new customer race over real HTTP: one profile, one 201."""
    sub = f"sub-{uuid.uuid4()}"
    token = make_token(sub=sub, email="racer@example.test")
    barrier = threading.Barrier(6)
    responses: list[httpx.Response] = []

    def register(url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            barrier.wait()
            responses.append(
                client.post("/customers", json=PROFILE, headers={"authorization": token})
            )

    with ServedApp(recorder) as server:
        threads = [threading.Thread(target=register, args=(server.url,)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(r.status_code for r in responses) == [200] * 5 + [201]
    assert len({r.json()["createdAt"] for r in responses}) == 1
    assert [item["id"]["S"] for item in scan("customers")].count(sub) == 1
