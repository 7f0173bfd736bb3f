"""Fixtures of the local-stack tooling: settings whose data folder is the tests' own."""

from __future__ import annotations

import pytest

from bnpl.settings import DevSettings


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def dev_settings(tmp_path_factory) -> DevSettings:
    """Default ports and ids; the signing key lives in a folder the module's tests share."""
    # Shared because generating an RSA key per test is slow and tests nothing.
    return DevSettings.from_environ({"BNPL_DATA_DIR": str(tmp_path_factory.mktemp("data"))})


@pytest.fixture
def fresh_settings(tmp_path) -> DevSettings:
    """Settings whose data folder holds no key yet."""
    return DevSettings.from_environ({"BNPL_DATA_DIR": str(tmp_path / "data")})
