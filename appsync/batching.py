"""A tiny DataLoader on asyncio: the calls one resolver makes during one request, batched.

AppSync's BatchInvoke gathers the resolutions of one field (or one pipeline function) that are
ready at the same time and sends their payloads to the Lambda function as one list, in batches
of at most `maxBatchSize` (appsync.md §4). Here a `BatchLoader` lives for one request and one
resolver: `load(item)` queues an item and returns an awaitable for its answer; the queue is
sent once the event loop has run a whole tick without a new item, so that every sibling
resolution graphql-core started together (a list's items, nested `gather`s included) lands
in the same batch.

No library fits: aiodataloader keys and caches by item (AppSync neither dedupes nor caches
contexts), and strawberry's DataLoader is tied to strawberry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Dispatch = Callable[[list[Any]], Awaitable[list[Any]]]
"""Sends one batch; returns one answer per item, in order. Raising fails every item."""


class BatchSizeMismatch(Exception):  # noqa: N818 - named after what went wrong
    """The function answered a batch of n items with a list of another length (or no list)."""

    def __init__(self, sent: int, answer: Any) -> None:
        got = f"{len(answer)} items" if isinstance(answer, list) else type(answer).__name__
        # UNVERIFIED: AppSync documents that the list must match in size and order
        # (resolver-mapping-template-reference-lambda), not the error it then reports.
        super().__init__(
            f"The BatchInvoke response must be a list of {sent} items, one per request, not {got}."
        )


class BatchLoader:
    """Collects items for one resolver in one request and sends them in batches.

    Args:
        dispatch: sends one batch (a list of at most `max_batch_size` items).
        max_batch_size: largest batch; the queue is split into batches of this size.
    """

    __slots__ = ("_dispatch", "_max", "_queue", "_seen", "_tasks")

    def __init__(self, dispatch: Dispatch, max_batch_size: int) -> None:
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        self._dispatch = dispatch
        self._max = max_batch_size
        self._queue: list[tuple[Any, asyncio.Future[Any]]] = []
        self._seen = 0
        # Strong references: the loop keeps only weak ones to tasks.
        self._tasks: set[asyncio.Task[None]] = set()

    def load(self, item: Any) -> asyncio.Future[Any]:
        """Queue `item`; the future gets its answer, or the batch's exception."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._queue:
            self._seen = 0
            loop.call_soon(self._tick)
        self._queue.append((item, future))
        return future

    def _tick(self) -> None:
        # Items arrived during the last tick: wait one more, so resolutions started in the
        # same graphql-core step (which reach `load` over several ticks) share a batch.
        if len(self._queue) != self._seen:
            self._seen = len(self._queue)
            asyncio.get_running_loop().call_soon(self._tick)
            return
        queue, self._queue = self._queue, []
        for start in range(0, len(queue), self._max):
            task = asyncio.ensure_future(self._send(queue[start : start + self._max]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, batch: list[tuple[Any, asyncio.Future[Any]]]) -> None:
        try:
            answers = await self._dispatch([item for item, _ in batch])
            if not isinstance(answers, list) or len(answers) != len(batch):
                raise BatchSizeMismatch(len(batch), answers)
        except Exception as exc:  # noqa: BLE001 - whatever failed, every item of the batch gets it
            for _, future in batch:
                if not future.done():  # a caller that timed out cancelled its future
                    future.set_exception(exc)
            return
        for (_, future), answer in zip(batch, answers, strict=True):
            if not future.done():
                future.set_result(answer)
