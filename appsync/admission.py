"""How many resolvers may run their data-source calls at once: per request, and per API.

AppSync fans a request's fields out across its own fleet; the emulator runs them all on one
event loop, next to every other caller's request. Left unbounded, one document with a thousand
aliases starts a thousand data-source calls at once: it parks a thousand contexts in the JS
runtime, queues a thousand requests on one HTTP connection pool (whose scheduling grows with the
queue), and keeps everyone else's requests waiting behind it. So each resolver that reaches a
data source first takes a slot:

- a slot of its own request (`per_request`): a big document runs in waves and cannot crowd out
  other callers;
- then a slot of the API (`per_api`), shared by every request: the bound on work in flight. It
  is at most the JS runtime's `max_pending`, so a context parked between its request and response
  handlers is never dropped. A resolver that cannot get one within `wait_s` is answered at once
  with an overload error instead of queueing towards the request's 30 s limit.

The slots are emulator machinery, not AppSync behaviour; `docs/appsync-compatibility.md` says so.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from appsync.errors import ResolverError

PER_REQUEST = 16
"""Data-source calls one request may have in flight."""
PER_API = 256
"""Data-source calls all requests together may have in flight."""
WAIT_S = 5.0
"""How long a resolver may wait for a slot of the API before it is refused."""

# UNVERIFIED: AppSync answers its own throttling with `LimitExceededError` ("Rate limit
# exceeded") on the real-time channel; the emulator's overload answer borrows that type.
OVERLOADED_TYPE = "LimitExceededError"
OVERLOADED_MESSAGE = "The API is handling too many requests at once; retry shortly."


@dataclass(frozen=True)
class AdmissionLimits:
    """The slot counts and the wait bound (see the module docstring)."""

    per_request: int = PER_REQUEST
    per_api: int = PER_API
    wait_s: float = WAIT_S

    def __post_init__(self) -> None:
        if self.per_request < 1 or self.per_api < 1:
            raise ValueError("slot counts must be at least 1")
        if self.per_request > self.per_api:
            raise ValueError("per_request may not exceed per_api")
        if self.wait_s <= 0:
            raise ValueError("wait_s must be positive")


class Overloaded(ResolverError):  # noqa: N818 - named after the condition, like AppSync's errors
    """No slot of the API came free in time: the field is null with this error."""

    def __init__(self) -> None:
        super().__init__(OVERLOADED_MESSAGE, error_type=OVERLOADED_TYPE)


class Admission:
    """The API's slots; each request takes its own `RequestSlots` from it."""

    def __init__(
        self, limits: AdmissionLimits, *, loop: asyncio.AbstractEventLoop | None = None
    ) -> None:
        self.limits = limits
        self.loop = loop
        """The event loop its semaphore serves (an asyncio primitive belongs to one loop)."""
        self._api = asyncio.Semaphore(limits.per_api)
        self._taken = 0

    def for_request(self) -> RequestSlots:
        """Slots for one request (made per request; cheap until a resolver takes one)."""
        return RequestSlots(self)

    @property
    def in_flight(self) -> int:
        """How many slots of the API are taken."""
        return self._taken

    async def _take(self) -> None:
        if not self._api.locked():  # free: taken at once, without arming a timer
            await self._api.acquire()
            self._taken += 1
            return
        try:
            # A timeout delivered as the semaphore hands over its slot gives the slot back
            # (Semaphore.acquire handles its cancellation), so none is ever lost.
            async with asyncio.timeout(self.limits.wait_s):
                await self._api.acquire()
        except TimeoutError:
            raise Overloaded() from None
        self._taken += 1

    def _give_back(self) -> None:
        self._taken -= 1
        self._api.release()


class RequestSlots:
    """One request's bound on its resolvers' data-source calls."""

    __slots__ = ("_admission", "_own")

    def __init__(self, admission: Admission) -> None:
        self._admission = admission
        self._own: asyncio.Semaphore | None = None

    async def acquire(self) -> None:
        """Take a slot of this request, then one of the API; `release` gives both back.

        Raises:
            Overloaded: no slot of the API came free within the wait bound (nothing is held).
        """
        if self._own is None:
            self._own = asyncio.Semaphore(self._admission.limits.per_request)
        await self._own.acquire()
        try:
            await self._admission._take()
        except BaseException:
            self._own.release()
            raise

    @property
    def free(self) -> bool:
        """Whether `acquire` would take both slots without waiting."""
        own = self._own
        return (own is None or not own.locked()) and not self._admission._api.locked()

    def release(self) -> None:
        """Give back what `acquire` took."""
        assert self._own is not None, "release without acquire"
        self._admission._give_back()
        self._own.release()
