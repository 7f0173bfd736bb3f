"""The user pool behind the provider's `POST /`: built when the provider starts, in the
background, because in `bnpl dev` DynamoDB Local starts at the same time; the first requests wait
for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from bnpl import tables
from bnpl.idp import provider as user_pool
from bnpl.idp.cognito_api import ProviderHandle
from bnpl.idp.models import MODELS as USER_POOL_MODELS
from bnpl.idp.seed import seed_personas
from bnpl.settings import DevSettings
from services.shared.logs import configure_logging
from services.shared.settings import Settings
from services.user.messaging.outbox import OutboxMessageModel, OutboxSender

logger = logging.getLogger("bnpl.idp")


def _configure_logging() -> None:
    """The outbox's code lines and the user pool's refusals, in `bnpl dev`'s output."""
    configure_logging("idp")


def ready_user_pool(settings: DevSettings, service_settings: Settings) -> user_pool.Provider:
    """The stack's user pool, its tables (and the outbox's) created and its personas seeded."""
    tables.create_tables(service_settings, (*USER_POOL_MODELS, OutboxMessageModel))
    provider = user_pool.build(settings, service_settings, sender=OutboxSender(service_settings))
    created = seed_personas(provider)
    if created:
        logger.info("user pool %s: seeded personas %s", settings.user_pool_id, ", ".join(created))
    return provider


def user_pool_handle(
    settings: DevSettings, factory: Callable[[], user_pool.Provider] | None = None
) -> ProviderHandle:
    """The handle of the pool `factory` builds; by default the stack's, on the tables the
    environment's service settings name."""
    if factory is None:
        service_settings = Settings.from_environ()

        def factory() -> user_pool.Provider:
            return ready_user_pool(settings, service_settings)

    return ProviderHandle(factory)


def warming(handle: ProviderHandle) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """The app's lifespan: start building the pool at start-up, without delaying it."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        _configure_logging()

        async def warm_up() -> None:
            try:
                await handle.get()
            except Exception:
                logger.exception("the user pool could not start")

        task = asyncio.create_task(warm_up())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan
