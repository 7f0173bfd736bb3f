"""The proxy's client-credentials token cache, against the test identity provider over HTTP."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import jwt
import pytest
from aws_lambda_powertools.utilities.data_classes.appsync_resolver_event import (
    AppSyncResolverEvent,
)

from services.credit_proxy.callers import credentials
from services.credit_proxy.tokens import ServiceTokenProvider
from services.shared.errors import DependencyFailure, InternalError, Unauthorized
from tests.conftest import SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def http():
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def provider(idp, http, clock):
    return ServiceTokenProvider(
        endpoint=idp.token_endpoint,
        client_id=SERVICE_CLIENT_ID,
        client_secret=SERVICE_CLIENT_SECRET,
        http=http,
        clock=clock,
    )


def test_the_token_is_the_service_clients_access_token(provider):
    claims = jwt.decode(provider.token(), options={"verify_signature": False})
    assert (claims["client_id"], claims["token_use"]) == (SERVICE_CLIENT_ID, "access")


def test_cached_until_a_minute_before_expiry(provider, idp, clock):
    first = provider.token()
    clock.now += 3600 - 61
    assert provider.token() == first
    assert idp.token_requests == 1
    clock.now += 2
    assert provider.token() != first
    assert idp.token_requests == 2


def test_short_lived_tokens_are_refreshed_halfway(provider, idp, clock):
    idp.token_ttl_s = 60
    provider.token()
    clock.now += 29
    provider.token()
    assert idp.token_requests == 1
    clock.now += 2
    provider.token()
    assert idp.token_requests == 2


def test_concurrent_callers_share_one_fetch(provider, idp):
    barrier = threading.Barrier(10)
    tokens: list[str] = []

    def fetch() -> None:
        barrier.wait()
        tokens.append(provider.token())

    threads = [threading.Thread(target=fetch) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(tokens)) == 1
    assert idp.token_requests == 1


def test_invalidate_drops_only_the_refused_token(provider, idp):
    first = provider.token()
    provider.invalidate(first)
    second = provider.token()
    assert second != first
    provider.invalidate(first)  # a late report about the old token changes nothing
    assert provider.token() == second
    assert idp.token_requests == 2


def test_a_refusal_is_a_dependency_failure(provider, idp):
    idp.refuse_tokens = True
    with pytest.raises(DependencyFailure, match="refused"):
        provider.token()


def test_an_unreachable_endpoint_is_a_dependency_failure(http):
    provider = ServiceTokenProvider(
        endpoint="http://127.0.0.1:9/oauth2/token",
        client_id=SERVICE_CLIENT_ID,
        client_secret=SERVICE_CLIENT_SECRET,
        http=http,
    )
    with pytest.raises(DependencyFailure, match="service token"):
        provider.token()


def test_without_a_secret_nothing_is_asked(idp, http):
    provider = ServiceTokenProvider(
        endpoint=idp.token_endpoint, client_id=SERVICE_CLIENT_ID, client_secret=None, http=http
    )
    with pytest.raises(InternalError):
        provider.token()
    assert idp.token_requests == 0


class TestCredentials:
    def event(
        self, identity: dict[str, Any] | None, headers: dict[str, str] | None = None
    ) -> AppSyncResolverEvent:
        return AppSyncResolverEvent(
            {"arguments": {}, "identity": identity, "request": {"headers": headers or {}}}
        )

    def test_cognito_forwards_the_header_unchanged(self):
        found = credentials(self.event({"sub": "s"}, {"Authorization": "Bearer  a.b.c"}))
        assert (found.authorization, found.caller_arn) == ("Bearer  a.b.c", None)

    def test_iam_names_the_arn(self):
        arn = "arn:aws:sts::111122223333:assumed-role/shop/session"
        found = credentials(self.event({"userArn": arn, "accountId": "111122223333"}))
        assert (found.authorization, found.caller_arn) == (None, arn)

    @pytest.mark.parametrize("identity", [None, {}, {"accountId": "1"}, {"userArn": ""}])
    def test_anything_else_is_refused(self, identity):
        with pytest.raises(Unauthorized):
            credentials(self.event(identity))
