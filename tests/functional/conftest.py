"""Functional tests drive ASGI apps in process; async tests run on anyio's asyncio backend."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"
