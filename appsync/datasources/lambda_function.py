"""Lambda data sources: a handler invoked in-process, the way the Lambda service would.

Handlers run off the event loop (a blocking handler must not stall other requests, and
Powertools' async resolvers call `asyncio.run`). Lambda gives each execution environment one
event at a time and scales out by adding environments, each with its own memory; Powertools
relies on that, keeping the current event at class level. So a plain handler (one object shared
by every caller) runs one invocation at a time, and concurrency comes from a handler *factory*:
each environment, a worker thread here, builds its own handler on its first event, as a fresh
execution environment would import the function's module.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[[Any, Any], Any]


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that handlers (and Powertools) read."""

    function_name: str
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    timeout_ms: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        """Lambda's remaining-time probe; the emulator grants the full timeout."""
        return self.timeout_ms


class LambdaInvocationError(Exception):
    """The function raised: `errorType` is the exception's class name, as Lambda reports it."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


class LambdaDataSource:
    """A Lambda function (`lambda_config.function_arn`), run in this process.

    Args:
        name: the data source's name.
        handler: the function, shared by every call: it runs one invocation at a time.
        handler_factory: builds the function once per execution environment instead.
        environments: how many execution environments may run at once (with a factory).
        function_name: the Lambda function's name, for the context and its ARN.
        region: the function's region, for its ARN.
        account_id: the function's account, for its ARN.

    Raises:
        ValueError: neither or both of handler and handler_factory, or several
            environments sharing one handler (they would see each other's events).
    """

    def __init__(
        self,
        name: str,
        *,
        handler: Handler | None = None,
        handler_factory: Callable[[], Handler] | None = None,
        environments: int = 1,
        function_name: str,
        region: str = "us-east-1",
        account_id: str = "000000000000",
    ) -> None:
        if (handler is None) == (handler_factory is None):
            raise ValueError(f"{name}: give exactly one of handler or handler_factory")
        if environments < 1 or (handler is not None and environments != 1):
            raise ValueError(f"{name}: several environments need a handler_factory")
        self.name = name
        self._shared = handler
        self._factory = handler_factory
        self._local = threading.local()
        self._built: list[Handler] = []
        self._built_lock = threading.Lock()
        self._function_name = function_name
        self._arn = f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        self._executor = ThreadPoolExecutor(
            max_workers=environments, thread_name_prefix=f"lambda-{name}"
        )

    async def invoke(self, payload: Any) -> Any:
        """Invoke the function with `payload` and return its JSON result.

        Raises:
            LambdaInvocationError: the handler raised, or returned something JSON cannot carry.
        """
        # The payload crosses a JSON boundary in AWS; do the same so handlers get fresh,
        # JSON-shaped data and cannot mutate the emulator's objects.
        event = json.loads(json.dumps(payload))
        context = LambdaContext(
            function_name=self._function_name,
            invoked_function_arn=self._arn,
            log_group_name=f"/aws/lambda/{self._function_name}",
        )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, event, context)

    def _handler(self) -> Handler:
        if self._shared is not None:
            return self._shared
        handler: Handler | None = getattr(self._local, "handler", None)
        if handler is None:
            assert self._factory is not None
            handler = self._local.handler = self._factory()
            with self._built_lock:
                self._built.append(handler)
        return handler

    def _call(self, event: Any, context: LambdaContext) -> Any:
        try:
            result = self._handler()(event, context)
        except Exception as exc:  # noqa: BLE001 - any handler failure is the function's error
            raise LambdaInvocationError(type(exc).__name__, str(exc)) from None
        try:
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as exc:
            raise LambdaInvocationError("Runtime.MarshalError", str(exc)) from None

    def close(self) -> None:
        """Stop the function's worker threads, and close the handlers the factory built."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        with self._built_lock:
            built, self._built = self._built, []
        for handler in built:
            close = getattr(handler, "close", None)
            if callable(close):
                close()
