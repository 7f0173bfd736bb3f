"""Every operation of the user and credit services, called directly (around the emulator) over
real HTTP with a token that must not pass: none, not a JWT, expired, signed by another key,
`alg=none`, from another issuer, for another app client, and a refresh-shaped token. Each
answers 401 `UnauthorizedException` with the one message that says nothing of why (as API
Gateway answers), with no stack trace and nothing written. The matrix is read from each
service's own OpenAPI document, so an operation added later is in it; an operation its document
marks public (`security: []`) is authenticated otherwise (the bank's signed notifications) and
is left out."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from services.credit.app import create_app as credit_app
from services.shared.auth import NOT_AUTHORIZED
from services.user.app import create_app as user_app
from tests.conftest import ISSUER
from tests.functional.services.conftest import ServedApp

pytestmark = [pytest.mark.ddblocal]

METHODS = ("get", "put", "post", "patch", "delete")


def operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(method, path with its parameters filled) of every operation that needs a token."""
    found = []
    for path, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None or operation.get("security", document.get("security")) == []:
                continue
            filled = path
            while "{" in filled:
                start, end = filled.index("{"), filled.index("}")
                filled = filled[:start] + f"id-{uuid.uuid4().hex[:8]}" + filled[end + 1 :]
            found.append((method.upper(), filled))
    return found


def unsigned(claims: dict[str, Any]) -> str:
    """A JWT with `alg: none` and no signature."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.fixture(scope="module")
def bad_tokens() -> dict[str, Callable[[Any, Any], str | None]]:
    """Name → a maker of a bad `Authorization` value (from `make_token` and another key)."""
    now = int(time.time())
    return {
        "none": lambda make, other: None,
        "not a JWT": lambda make, other: "Bearer not-a-jwt",
        "not Bearer": lambda make, other: f"Basic {make()}",
        "expired": lambda make, other: f"Bearer {make(exp_delta=-60)}",
        "another key": lambda make, other: f"Bearer {make(key=other)}",
        "alg none": lambda make, other: (
            "Bearer "
            + unsigned({"sub": "customer-1", "iss": ISSUER, "token_use": "id", "exp": now + 3600})
        ),
        "another issuer": lambda make, other: f"Bearer {make(iss='https://evil.example/pool')}",
        "another app client": lambda make, other: f"Bearer {make(client_id='not-our-client')}",
        "refresh token use": lambda make, other: f"Bearer {make(token_use='refresh')}",
    }


@pytest.fixture(scope="module")
def services(ddb_settings) -> Iterator[dict[str, tuple[str, dict[str, Any]]]]:
    with ServedApp(user_app(ddb_settings)) as user, ServedApp(credit_app(ddb_settings)) as credit:
        yield {
            name: (served.url, httpx.get(f"{served.url}/openapi.json").json())
            for name, served in (("user", user), ("credit", credit))
        }


@pytest.mark.parametrize("service", ["user", "credit"])
def test_every_operation_refuses_every_bad_token(
    services, service, bad_tokens, make_token, other_key, scan
):
    url, document = services[service]
    calls = operations(document)
    assert len(calls) >= 5, "the document lists the service's operations"
    tables = {name: len(scan(name)) for name in ("customers", "applications", "checkouts")}
    refused: list[str] = []
    with httpx.Client(base_url=url, timeout=30) as http:
        for method, path in calls:
            for name, maker in bad_tokens.items():
                value = maker(make_token, other_key)
                headers = {} if value is None else {"authorization": value}
                answer = http.request(method, path, headers=headers, json={})
                body = answer.json()
                expected = {"error": "UnauthorizedException", "message": NOT_AUTHORIZED}
                if answer.status_code != 401 or body != expected:
                    refused.append(f"{method} {path} with {name}: {answer.status_code} {body}")
                assert "Traceback" not in answer.text
    assert refused == []
    assert {name: len(scan(name)) for name in tables} == tables  # nothing written
