"""The dev identity provider served over HTTP from a thread on DynamoDB Local, one per test
module, with two clocks moved by hand: the time of day (expiries, lockouts, tokens) and the
monotonic clock its request-rate quotas refill by. Cognito test modules ask for `fresh_clocks`
on every test, so each starts at the real time of day with every quota full."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from bnpl.idp.background import ManualClock, user_pool_server
from bnpl.idp.provider import Provider
from bnpl.settings import DevSettings


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def rate_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fresh_clocks(clock: ManualClock, rate_clock: ManualClock) -> None:
    clock.reset()
    rate_clock.advance(60)  # a quiet minute: every quota's bucket is full again


@pytest.fixture(scope="module")
def user_pool(tmp_path_factory, ddb_settings, clock, rate_clock) -> Iterator[tuple[str, Provider]]:
    """The provider's base URL (the user-pool endpoint) and the provider behind it."""
    settings = DevSettings.from_environ({"BNPL_DATA_DIR": str(tmp_path_factory.mktemp("idp"))})
    with user_pool_server(settings, ddb_settings, clock=clock, rate_clock=rate_clock) as running:
        yield running


@pytest.fixture(scope="module")
def cognito(user_pool) -> Any:
    """botocore's `cognito-idp` client on the provider; no retries, so throttling shows."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=user_pool[0],
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def pool_id(user_pool) -> str:
    provider: Provider = user_pool[1]
    return provider.pool.pool_id
